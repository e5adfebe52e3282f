/**
 * Port of the "direct call" threading program of the Chinese notes
 * “python学习笔记-进程线程” (section 5, "Python threading模块", 直接调用):
 *
 * ```python
 * import threading
 * import time
 * def sayhi(num):  # the function each thread runs
 *     print("running on number:%s" % num)
 *     time.sleep(3)
 * if __name__ == '__main__':
 *     t1 = threading.Thread(target=sayhi, args=(1,))  # a thread instance
 *     t2 = threading.Thread(target=sayhi, args=(2,))  # another one
 *     t1.start()
 *     t2.start()
 *     print(t1.getName())  # the thread's name
 *     print(t2.getName())
 * ```
 *
 * Times, scaled: `time.sleep(3)` → 300 ms.
 *
 * Expected output (as Python prints it):
 *
 * ```
 * running on number:1
 * running on number:2
 * Thread-1
 * Thread-2
 * ```
 *
 * and the program ends about 300 ms later, when both tasks have slept.
 *
 * Checks: the lines come in that order, and when the program ends both
 * tasks have finished their sleep (each says so in a log): leaving the
 * scope waited for them, as Python waits for its non-daemon threads.
 * `Thread(target=sayhi, args=(1,))` + `start()` is
 * `executor.submit(sayhi(1), { name: "Thread-1" })`; `getName()` is the
 * future's `name`.
 *
 * Run: `pnpm tsx examples/threads-sayhi.ts`
 */
import { Executor } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

const sayhi = (num: number) =>
  Effect.gen(function*() {
    yield* print(`running on number:${num}`)
    yield* Effect.sleep(3 * SECOND)
    finished.push(num)
  })

/** The tasks that finished their sleep, in order. */
const finished: Array<number> = []

const program = Effect.gen(function*() {
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    // Python's start() returns once the new thread is running. A submitted
    // task starts when the submitting fiber next yields: yield to let it.
    const start = (effect: Effect.Effect<void>, name: string) =>
      Effect.tap(executor.submit(effect, { name }), () => Effect.yieldNow)
    const t1 = yield* start(sayhi(1), "Thread-1")
    const t2 = yield* start(sayhi(2), "Thread-2")
    yield* print(String(t1.name))
    yield* print(String(t2.name))
  })) // the program waits for both (non-daemon) tasks

  const expected = ["running on number:1", "running on number:2", "Thread-1", "Thread-2"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
  yield* check(
    finished.length === 2,
    `the program should end only after both tasks finished their sleep (finished: [${finished}])`
  )
})

NodeRuntime.runMain(program)
