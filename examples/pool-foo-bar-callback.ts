/**
 * Port of the process-pool program of the Chinese notes “python学习笔记-进程线程”
 * ("进程池"): `Pool(5)`, ten
 * `apply_async(func=Foo, args=(i,), callback=Bar)` calls, then `close` and
 * `join`:
 *
 * ```python
 * from  multiprocessing import Process,Pool
 * import time
 *
 * def Foo(i):
 *     time.sleep(2)
 *     return i+100
 *
 * def Bar(arg):
 *     print('-->exec done:',arg)
 *
 * pool = Pool(5)
 *
 * for i in range(10):
 *     pool.apply_async(func=Foo, args=(i,),callback=Bar)
 *     #pool.apply(func=Foo, args=(i,))
 *
 * print('end')
 * pool.close()
 * pool.join()#进程池中进程执行完毕后再关闭,如果注释,那么程序直接关闭。
 * ```
 *
 * Times, scaled ×0.1: `time.sleep(2)` → 200 ms (ten tasks on five workers:
 * two waves, ≈ 0.4 s instead of 4 s). `Foo` runs in a worker (it is
 * declared in `tasks/foo-bar.ts`, which the workers load); `Bar`, the
 * callback, runs in the main program, as in Python.
 *
 * Expected output: `end` first (`apply_async` does not wait), then ten
 * `-->exec done: 100` … `109` lines, in two waves of five (the order within
 * a wave may vary).
 *
 * `Foo` also reports when it started and ended in its worker (`Bar` prints
 * only the value, as in Python).
 *
 * Checks: `end` is printed before any callback; `Bar` ran once for each of
 * 100…109 by the time `join` returns; the tasks ran five at a time — at
 * most five at any instant, and five at one instant (from the intervals
 * the tasks reported, not from how long the whole took, which a busy
 * machine stretches; that time is printed).
 *
 * Run: `pnpm tsx examples/pool-foo-bar-callback.ts`
 */
import { Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { type Interval, mostAtOnce } from "./support/concurrency.ts"
import { checkNow, lines, printNow } from "./support/report.ts"
import { Foo, SECOND } from "./tasks/foo-bar.ts"

const done: Array<number> = []
const intervals: Array<Interval> = []
const Bar = (arg: { readonly value: number } & Interval) =>
  Effect.sync(() => {
    done.push(arg.value)
    intervals.push(arg)
    printNow(`-->exec done: ${arg.value}`)
  })

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool // pool = Pool(5)
  yield* pool.awaitReady // (Python starts the five processes in Pool(5) too)
  const start = Date.now()
  for (let i = 0; i < 10; i++) {
    yield* pool.applyAsync(Foo, i, { callback: Bar })
  }
  printNow("end")
  yield* pool.close
  yield* pool.join
  const elapsed = Date.now() - start

  checkNow(
    lines[0] === "end",
    `"end" should be printed before any callback (apply_async does not wait), got ${lines[0]}`
  )
  checkNow(
    [...done].sort((a, b) => a - b).join(",") === "100,101,102,103,104,105,106,107,108,109",
    `Bar should have run once for each of 100..109 by the time join() returns, got [${done}]`
  )
  const atOnce = mostAtOnce(intervals)
  checkNow(atOnce === 5, `the ten tasks should run five at a time on Pool(5), saw ${atOnce} at once`)
  console.log(`(the ten tasks took ${elapsed} ms: two waves of ${2 * SECOND} ms, ${10 * 2 * SECOND} ms one by one)`)
})

NodeRuntime.runMain(
  program.pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks/foo-bar.ts", import.meta.url), size: 5 })))
)
