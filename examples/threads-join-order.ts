/**
 * Port of the `join()` program of the Chinese tutorial “实现多任务” ("what if I
 * want the main thread's line to come at the end? Use join()"):
 *
 * ```python
 * import threading
 * import time
 * def run():
 *     for i in range(5):
 *         time.sleep(1)
 *         print(i)
 * t1 = threading.Thread(target=run)
 * t1.start()
 * t1.join()
 * print("我会在哪里出现")           # "where will I appear?"
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 100 ms (5 rounds, as in Python).
 *
 * `join()` blocks the main program until t1 has finished, so the main line
 * comes last: 0, 1, 2, 3, 4, then `Where will I appear?`. (Without the join,
 * `threads-main-prints-first.ts`, it comes first.) `t1.join()` is
 * `Future.join(t1)`.
 *
 * Run: `pnpm tsx examples/threads-join-order.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

const run = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) {
    yield* Effect.sleep(1 * SECOND)
    yield* print(String(i))
  }
})

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const t1 = yield* executor.submit(run, { name: "t1" }) // t1.start()
  yield* Future.join(t1) // t1.join()
  yield* print("Where will I appear?")

  const expected = ["0", "1", "2", "3", "4", "Where will I appear?"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `join() should put the main line last: expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
}))

NodeRuntime.runMain(program)
