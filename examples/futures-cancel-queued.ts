/**
 * The `ThreadPoolExecutor` "submit / done / cancel / result" program of the
 * Chinese tutorial “实现多任务” (`concurrent.futures` section, "示例") with
 * one worker instead of two — the case its comment on `cancel()` is about:
 * "only a task not yet taken by a worker can be cancelled".
 *
 * ```python
 * from concurrent.futures import ThreadPoolExecutor
 * import time
 * def get_html(times):
 *     time.sleep(times)
 *     print("get page {}s finished".format(times))
 *     return times
 * executor = ThreadPoolExecutor(max_workers=1)   # the tutorial has 2
 * task1 = executor.submit(get_html, (3))
 * task2 = executor.submit(get_html, (2))         # waits: the one worker runs task1
 * print("1: ", task1.done())
 * print("2: ", task2.cancel())                   # True: task2 never started
 * print("cancel task1: ", task1.cancel())        # False: task1 is running
 * time.sleep(4)
 * print("3: ", task1.done())
 * print("4: ", task1.result())
 * print("task2 cancelled: ", task2.cancelled())
 * ```
 *
 * Times, scaled: one tutorial second → 100 ms.
 *
 * `ThreadPoolExecutor(max_workers=1)` is `Executor.make({ maxWorkers: 1 })`:
 * the second task waits for the first. `Future.cancel` follows asyncio and
 * would interrupt a running task too; `concurrent.futures` refuses that, so,
 * as in `futures-get-html-submit.ts`, the program asks `Future.running`
 * first (`cancelIfNotStarted`).
 *
 * Expected output:
 *
 * ```
 * 1:  false
 * 2:  true
 * cancel task1:  false
 * get page 3s finished
 * 3:  true
 * 4:  3
 * task2 cancelled:  true
 * ```
 *
 * Checks: exactly that output — in particular `get page 2s finished` is
 * never printed (the cancelled task never ran), and the order follows from
 * the program itself (a waiting task cannot finish), not from timing.
 *
 * Run: `pnpm tsx examples/futures-cancel-queued.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"
import { getHtml, SECOND } from "./support/simulate.ts"

// `concurrent.futures`' cancel: only a task that has not started.
const cancelIfNotStarted = <A, E>(future: Future.Future<A, E>) =>
  Effect.flatMap(Future.running(future), (running) => running ? Effect.succeed(false) : Future.cancel(future))

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 1 })
  const task1 = yield* executor.submit(getHtml(3))
  const task2 = yield* executor.submit(getHtml(2))
  // A worker thread picks task1 up at once in Python; let its fiber start.
  yield* Effect.yieldNow
  yield* print(`1:  ${yield* Future.done(task1)}`)
  yield* print(`2:  ${yield* cancelIfNotStarted(task2)}`)
  yield* print(`cancel task1:  ${yield* cancelIfNotStarted(task1)}`)
  yield* Effect.sleep(4 * SECOND)
  yield* print(`3:  ${yield* Future.done(task1)}`)
  yield* print(`4:  ${yield* Future.result(task1)}`)
  yield* print(`task2 cancelled:  ${yield* Future.cancelled(task2)}`)

  const expected = [
    "1:  false",
    "2:  true",
    "cancel task1:  false",
    "get page 3s finished",
    "3:  true",
    "4:  3",
    "task2 cancelled:  true"
  ]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `output should be ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
}))

NodeRuntime.runMain(program)
