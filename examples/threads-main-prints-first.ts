/**
 * Port of "示例一" (example one) of the Chinese tutorial “实现多任务”: a thread
 * counts 0 to 4 while the main thread prints at once.
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
 * print("我会在哪里出现")           # "where will I appear?"
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 100 ms (5 rounds, as in Python).
 *
 * The main program's line comes first: the task sleeps before printing, so
 * the main fiber runs on (the tutorial: "when the CPU finds the child thread
 * sleeping it runs the main thread"). The program still lasts until the task
 * has printed 4. The same program with `join()` is `threads-join-order.ts`.
 *
 * Expected output: `Where will I appear?`, then 0, 1, 2, 3, 4.
 *
 * Run: `pnpm tsx examples/threads-main-prints-first.ts`
 */
import { Executor } from "@corun/core"
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

const program = Effect.gen(function*() {
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    yield* executor.submit(run, { name: "t1" }) // t1.start()
    yield* print("Where will I appear?")
  })) // the main program has finished, but it waits for t1 (a non-daemon task)

  const expected = ["Where will I appear?", "0", "1", "2", "3", "4"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `the main line should come first: expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
})

NodeRuntime.runMain(program)
