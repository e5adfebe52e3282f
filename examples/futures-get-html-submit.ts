/**
 * Port of the `ThreadPoolExecutor` "submit / done / cancel / result" program of
 * the Chinese tutorial “实现多任务” (`concurrent.futures`
 * section, "示例"):
 *
 * ```python
 * from concurrent.futures import ThreadPoolExecutor
 * import time
 * def get_html(times):
 *     time.sleep(times)
 *     print("get page {}s finished".format(times))
 *     return times
 * executor = ThreadPoolExecutor(max_workers=2)
 * task1 = executor.submit(get_html, (3))
 * task2 = executor.submit(get_html, (2))
 * print("1: ", task1.done())
 * print("2: ", task2.cancel())   # only a task not yet taken by a worker can be cancelled
 * time.sleep(4)
 * print("3: ", task1.done())
 * print("4: ", task1.result())
 * ```
 *
 * Times, scaled so the test suite stays fast: one tutorial second → 100 ms
 * (`get_html(3)` sleeps 300 ms, `get_html(2)` 200 ms, `time.sleep(4)` → 400 ms).
 *
 * Expected output (as in Python):
 *
 * ```
 * 1:  false
 * 2:  false
 * get page 2s finished
 * get page 3s finished
 * 3:  true
 * 4:  3
 * ```
 *
 * Run: `pnpm tsx examples/futures-get-html-submit.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"
import { getHtml, SECOND } from "./support/simulate.ts"

// `ThreadPoolExecutor.cancel()` only cancels a task that no worker has taken
// yet and returns False for a running one. corun's `Future.cancel` follows
// asyncio and would interrupt a running task too, so ask first.
const cancelIfNotStarted = <A, E>(future: Future.Future<A, E>) =>
  Effect.flatMap(Future.running(future), (running) => running ? Effect.succeed(false) : Future.cancel(future))

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  // submit returns at once, without blocking.
  const task1 = yield* executor.submit(getHtml(3))
  const task2 = yield* executor.submit(getHtml(2))
  // Python's worker threads pick the tasks up at once; a fiber starts when
  // the submitting fiber next yields, so let them start.
  yield* Effect.yieldNow
  // done() tells whether a task has finished.
  yield* print(`1:  ${yield* Future.done(task1)}`)
  // cancel() succeeds only for a task not yet running in the pool: both
  // tasks are running (2 workers), so it returns false.
  yield* print(`2:  ${yield* cancelIfNotStarted(task2)}`)
  yield* Effect.sleep(4 * SECOND)
  yield* print(`3:  ${yield* Future.done(task1)}`)
  // result() returns the task's value.
  yield* print(`4:  ${yield* Future.result(task1)}`)

  const expected = ["1:  false", "2:  false", "get page 2s finished", "get page 3s finished", "3:  true", "4:  3"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `output should be ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
}))

NodeRuntime.runMain(program)
