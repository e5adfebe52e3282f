/**
 * Port of the "inheritance" threading program of the Chinese notes
 * “python学习笔记-进程线程” (section 5, 继承式调用):
 *
 * ```python
 * import threading
 * import time
 * class MyThread(threading.Thread):
 *     def __init__(self, num):
 *         threading.Thread.__init__(self)
 *         self.num = num
 *     def run(self):  # the function each thread runs
 *         print("running on number:%s" % self.num)
 *         time.sleep(3)
 * if __name__ == '__main__':
 *     t1 = MyThread(1)
 *     t2 = MyThread(2)
 *     t1.start()
 *     t2.start()
 * ```
 *
 * Times, scaled: `time.sleep(3)` → 300 ms.
 *
 * corun has no Thread class to inherit from: a class with a `run()` Effect
 * and a `start(executor)` that submits it plays the part. Expected output:
 * `running on number:1`, `running on number:2`, and the program ends about
 * 300 ms later, when both tasks have slept.
 *
 * Checks: the two tasks were sleeping at the same time (a count of the
 * sleeps in progress reached 2), and both had finished when the program
 * ended (leaving the scope waited for them).
 *
 * Run: `pnpm tsx examples/threads-sayhi-class.ts`
 */
import { Executor, type Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { makeGauge } from "./support/concurrency.ts"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

/** How many tasks are sleeping at once (and the most at once). */
const sleeping = makeGauge()
/** The tasks that finished their sleep. */
const finished: Array<number> = []

class MyThread {
  readonly num: number
  constructor(num: number) {
    this.num = num
  }
  // the function each task runs
  run(): Effect.Effect<void> {
    const num = this.num
    return Effect.gen(function*() {
      yield* print(`running on number:${num}`)
      yield* sleeping.track(Effect.sleep(3 * SECOND))
      finished.push(num)
    })
  }
  start(executor: Executor.Executor): Effect.Effect<Future.Future<void>, unknown> {
    return executor.submit(this.run())
  }
}

const program = Effect.gen(function*() {
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    const t1 = new MyThread(1)
    const t2 = new MyThread(2)
    yield* t1.start(executor)
    yield* t2.start(executor)
  })) // the program waits for both (non-daemon) tasks

  const expected = ["running on number:1", "running on number:2"]
  yield* check(
    JSON.stringify(lines) === JSON.stringify(expected),
    `expected ${JSON.stringify(expected)}, got ${JSON.stringify(lines)}`
  )
  yield* check(sleeping.peak === 2, `the two tasks should sleep at the same time (most at once: ${sleeping.peak})`)
  yield* check(
    finished.length === 2,
    `the program should end only after both tasks finished their sleep (finished: [${finished}])`
  )
})

NodeRuntime.runMain(program)
