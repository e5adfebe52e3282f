/**
 * Port of the `get()` program of the Chinese tutorial “实现多任务” ("python进程池":
 * "get()函数得出每个返回结果的值"): three `apply_async` results on `Pool(processes=4)`,
 * read with `get()` after `close()` and `join()`:
 *
 * ```python
 * import multiprocessing
 * import time
 * def func(msg):
 *     print("msg:", msg)
 *     time.sleep(3)
 *     print("end")
 *     return "done" + msg
 * if __name__ == "__main__":
 *     pool = multiprocessing.Pool(processes=4)
 *     result = []
 *     for i in range(3):
 *         msg = "hello %d" %(i)
 *         result.append(pool.apply_async(func, (msg, )))
 *     pool.close()
 *     pool.join()
 *     for res in result:
 *         print(":::", res.get())
 *     print("Sub-process(es) done.")
 * ```
 *
 * Times, scaled ×0.1: `time.sleep(3)` → 300 ms. Python's `AsyncResult` is
 * corun's `Future`; `res.get()` is `Future.result(res)` (which also takes a
 * `{ timeout }`, as `get(timeout)` does).
 *
 * Expected output (the `msg:`/`end` lines come from the workers, in any
 * order):
 *
 * ```
 * msg: hello 0
 * msg: hello 1
 * msg: hello 2
 * end
 * end
 * end
 * ::: donehello 0
 * ::: donehello 1
 * ::: donehello 2
 * Sub-process(es) done.
 * ```
 *
 * Checks: the three results are "donehello 0" … "donehello 2", in submission
 * order, and every future is already done when `join()` returns.
 *
 * Run: `pnpm tsx examples/pool-apply-async-get.ts`
 */
import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkNow } from "./support/report.ts"
import { func } from "./tasks/msg.ts"

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool // pool = multiprocessing.Pool(processes=4)
  const result: Array<Future.Future<string, unknown>> = []
  for (let i = 0; i < 3; i++) {
    const msg = `hello ${i}`
    result.push(yield* pool.applyAsync(func, msg))
  }
  yield* pool.close
  yield* pool.join
  const doneAfterJoin = yield* Effect.forEach(result, Future.done)
  const values: Array<string> = []
  for (const res of result) {
    const value = yield* Future.result(res) // res.get()
    values.push(value)
    console.log(":::", value)
  }
  console.log("Sub-process(es) done.")

  checkNow(doneAfterJoin.every((done) => done), "every future should be done once join() has returned")
  checkNow(
    values.join("|") === "donehello 0|donehello 1|donehello 2",
    `get() should return "done" + msg in submission order, got ${JSON.stringify(values)}`
  )
})

NodeRuntime.runMain(
  program.pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks/msg.ts", import.meta.url), size: 4 })))
)
