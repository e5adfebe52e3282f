/**
 * Port of the `threading.Thread` subclass program of
 * the Chinese tutorial “实现多任务” ("besides the method
 * above, you can write a class that inherits threading.Thread and overrides
 * run"):
 *
 * ```python
 * import threading
 * import time
 * class MyThread(threading.Thread):
 *     def run(self):
 *         for i in range(5):
 *             time.sleep(1)
 *             print(self.name, i)
 * t1 = MyThread()
 * t2 = MyThread()
 * t3 = MyThread()
 * t1.start()
 * t2.start()
 * t3.start()
 * ```
 *
 * Times, scaled: `time.sleep(1)` → 100 ms (5 rounds, as in Python).
 *
 * A task's `run` is an Effect; `Executor.submit(effect, { name })` starts it
 * with Python's default thread names `Thread-1`, `Thread-2`, `Thread-3`.
 * The tutorial notes the lines come "out of order": within one round the
 * three threads print in any order, but every thread prints 0 to 4 in order
 * and the rounds follow each other.
 *
 * Run: `pnpm tsx examples/threads-mythread-names.ts`
 */
import { Executor } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here

// MyThread: a name and a run method.
class MyThread {
  static count = 0
  readonly name = `Thread-${++MyThread.count}`
  run() {
    const name = this.name
    return Effect.gen(function*() {
      for (let i = 0; i < 5; i++) {
        yield* Effect.sleep(1 * SECOND)
        yield* print(`${name} ${i}`)
      }
    })
  }
}

const program = Effect.gen(function*() {
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    const start = (thread: MyThread) => executor.submit(thread.run(), { name: thread.name })
    const t1 = new MyThread()
    const t2 = new MyThread()
    const t3 = new MyThread()
    yield* start(t1)
    yield* start(t2)
    yield* start(t3)
  })) // the program ends when the three tasks have ended

  const rounds = lines.map((line) => Number(line.split(" ")[1]))
  yield* check(lines.length === 15, `expected 15 lines, got ${lines.length}`)
  yield* check(
    rounds.every((round, i) => i === 0 || round >= rounds[i - 1]),
    "the rounds should follow each other: all the 0 lines, then all the 1 lines, …"
  )
  for (const name of ["Thread-1", "Thread-2", "Thread-3"]) {
    const own = lines.filter((line) => line.startsWith(`${name} `)).map((line) => line.split(" ")[1]).join(",")
    yield* check(own === "0,1,2,3,4", `${name} should print 0 to 4 in order, printed ${own}`)
  }
})

NodeRuntime.runMain(program)
