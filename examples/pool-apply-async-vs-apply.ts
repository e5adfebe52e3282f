/**
 * Port of the two process-pool programs of the Chinese tutorial “实现多任务”
 * ("python进程池" / "apply(), apply_async()"): four
 * `func(msg)` tasks on `Pool(processes = 3)`, first with `apply_async`,
 * then the same with `apply`:
 *
 * ```python
 * #coding: utf-8
 * import multiprocessing
 * import time
 * def func(msg):
 *     print("msg:", msg)
 *     time.sleep(3)
 *     print("end")
 * if __name__ == "__main__":
 *     pool = multiprocessing.Pool(processes = 3) # 设定进程的数量为3
 *     for i in range(4):
 *         msg = "hello %d" %(i)
 *         pool.apply_async(func, (msg, ))   # the second program: pool.apply(func, (msg, ))
 *     print("Mark~ Mark~ Mark~~~~~~~~~~~~~~~~~~~~~~")
 *     pool.close()
 *     pool.join()   # 调用join之前,先调用close函数,否则会出错。
 *     print("Sub-process(es) done.")
 * ```
 *
 * Times, scaled ×0.1: `time.sleep(3)` → 300 ms.
 *
 * The tutorial's explanation: `apply_async` does not block, so "Mark~ Mark~"
 * is printed at once; hello 0, 1 and 2 run together on the three processes
 * and hello 3 starts when one of them has ended ("msg: hello 3" after an
 * "end"): ≈ 2 × 300 ms. `apply` blocks the main program and runs the tasks
 * one by one, so "Mark~ Mark~" comes after the four tasks: ≈ 4 × 300 ms.
 *
 * Expected output (the `msg:`/`end` lines come from the workers):
 *
 * ```
 * --- apply_async ---
 * Mark~ Mark~ Mark~~~~~~~~~~~~~~~~~~~~~~
 * msg: hello 0
 * msg: hello 1
 * msg: hello 2
 * end
 * msg: hello 3
 * end
 * end
 * end
 * Sub-process(es) done.
 * --- apply ---
 * msg: hello 0
 * end
 * msg: hello 1
 * end
 * msg: hello 2
 * end
 * msg: hello 3
 * end
 * Mark~ Mark~ Mark~~~~~~~~~~~~~~~~~~~~~~
 * Sub-process(es) done.
 * ```
 *
 * Checks (each task reports when it started and ended): with `apply_async`,
 * when "Mark~" is printed hello 3 is not done (it cannot be: it waits for
 * one of the three workers, then sleeps), hello 0–2 were running at the
 * same instant, and hello 3 started after one of them ended; with `apply`,
 * each task started after the previous one ended and "Mark~" comes after
 * the last one ended. Nothing is compared with a duration: the tasks'
 * timestamps are checked for order and overlap only.
 *
 * Run: `pnpm tsx examples/pool-apply-async-vs-apply.ts`
 */
import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkNow } from "./support/report.ts"
import { timedFunc } from "./tasks/msg.ts"

const PoolLive = NodePool.layer({ tasks: new URL("./tasks/msg.ts", import.meta.url), size: 3 })

/** One program with a fresh Pool(processes = 3); `apply` or `apply_async`. */
const run = (mode: "apply" | "apply_async") =>
  Effect.gen(function*() {
    console.log(`--- ${mode} ---`)
    const pool = yield* Pool.Pool
    // Python's Pool(3) has forked its processes when it returns; wait until
    // the three workers have started so that start-up does not blur the timings.
    yield* pool.awaitReady
    const runs: Array<{ msg: string; start: number; end: number }> = []
    const futures: Array<Future.Future<{ msg: string; start: number; end: number }, unknown>> = []
    for (let i = 0; i < 4; i++) {
      const msg = `hello ${i}`
      if (mode === "apply_async") futures.push(yield* pool.applyAsync(timedFunc, msg))
      else runs.push(yield* pool.apply(timedFunc, msg))
    }
    const markAt = Date.now()
    // How many of the tasks had finished when the main program got here.
    const doneAtMark = (yield* Effect.forEach(futures, Future.done)).map((done, i) => done ? i : -1).filter((i) =>
      i >= 0
    )
    console.log("Mark~ Mark~ Mark~~~~~~~~~~~~~~~~~~~~~~")
    yield* pool.close
    yield* pool.join
    console.log("Sub-process(es) done.")
    for (const future of futures) runs.push(yield* Future.result(future))
    return { runs, markAt, doneAtMark }
  }).pipe(Effect.provide(PoolLive))

const program = Effect.gen(function*() {
  const async = yield* run("apply_async")
  {
    const [h0, h1, h2, h3] = async.runs
    const firstEnd = Math.min(h0.end, h1.end, h2.end)
    checkNow(
      !async.doneAtMark.includes(3),
      `apply_async: Mark~ should be printed while hello 3 is still to run (apply_async does not block); done at Mark: [${async.doneAtMark}]`
    )
    checkNow(
      Math.max(h0.start, h1.start, h2.start) < firstEnd,
      "apply_async: hello 0, 1 and 2 should run at the same time"
    )
    checkNow(h3.start >= firstEnd, "apply_async: hello 3 should start after one of hello 0-2 ended (three processes)")
  }
  const sync = yield* run("apply")
  {
    const runs = sync.runs
    for (let i = 1; i < runs.length; i++) {
      checkNow(
        runs[i].start >= runs[i - 1].end,
        `apply: hello ${i} should start after hello ${i - 1} ended (apply blocks)`
      )
    }
    checkNow(sync.markAt >= runs[3].end, "apply: Mark~ should be printed after the last task ended")
  }
  const span = (r: typeof async) => Math.max(...r.runs.map((x) => x.end)) - Math.min(...r.runs.map((x) => x.start))
  console.log(`(tasks took ${span(async)} ms with apply_async, ${span(sync)} ms with apply)`)
})

NodeRuntime.runMain(program)
