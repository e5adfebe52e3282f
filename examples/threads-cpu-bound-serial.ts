/**
 * Port of the serial variant in the GIL section of
 * the Chinese tutorial “实现多任务” ("if the two parallel
 * threads are run one after the other instead"):
 *
 * ```python
 * import threading
 * import time
 * def tstart(arg):
 *     var = 0
 *     for i in range(100000000):
 *         var += 1
 *     print(arg, var)
 * if __name__ == '__main__':
 *     t1 = threading.Thread(target=tstart, args=('This is thread 1',))
 *     t2 = threading.Thread(target=tstart, args=('This is thread 2',))
 *     start_time = time.time()
 *     t1.start()
 *     t1.join()
 *     print("thread1 cost time: %s" % (time.time() - start_time))
 *     start_time = time.time()
 *     t2.start()
 *     t2.join()
 *     print("thread2 cost time: %s" % (time.time() - start_time))
 *     start_time = time.time()
 *     tstart("This is thread 0")
 *     print("Main thread cost time: %s" % (time.time() - start_time))
 * ```
 *
 * Counts: 100,000,000 additions, as in Python (no scaling: a JIT-compiled
 * loop is many times faster than CPython's, about 0.15 s here).
 *
 * As the tutorial observes, run one after the other the three take about
 * the same time each: a task on its own fiber costs what the same loop costs
 * on the main fiber. (Together, `threads-cpu-bound-gil.ts`, two fibers take
 * twice as long: they share one thread.)
 *
 * Checks (what holds however busy the machine is): every count reaches
 * 100,000,000 on the main thread, and the three ran one after the other —
 * every slice of thread 1 before the first of thread 2, and so on, because
 * each `join()` returns only when its task has finished. The times are
 * printed, as in Python, not checked.
 *
 * Run: `pnpm tsx examples/threads-cpu-bound-serial.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect } from "effect"
import { allOnMainThread, countOnFiber, ranBefore, type Slice } from "./support/counting.ts"
import { check } from "./support/report.ts"
import { seconds } from "./support/simulate.ts"

const ADDITIONS = 100_000_000 // as in the tutorial
const SWITCH_EVERY = 1_000_000 // additions between two yields (the GIL's switch interval)

/** Where and when every slice of every count ran. */
const log: Array<Slice> = []

const tstart = (arg: string) =>
  Effect.gen(function*() {
    const v = yield* countOnFiber(arg, ADDITIONS, SWITCH_EVERY, log)
    yield* Effect.sync(() => console.log(arg, v))
    return v
  })

// Wall-clock time of an effect, printed as Python's time.time() differences.
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const value = yield* effect
    return { value, wall: (yield* Clock.currentTimeMillis) - start }
  })

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const thread1 = yield* timed(Effect.flatMap(executor.submit(tstart("This is thread 1")), Future.join))
  console.log(`thread1 cost time: ${seconds(thread1.wall)}`)
  const thread2 = yield* timed(Effect.flatMap(executor.submit(tstart("This is thread 2")), Future.join))
  console.log(`thread2 cost time: ${seconds(thread2.wall)}`)
  const main = yield* timed(tstart("This is thread 0"))
  console.log(`Main thread cost time: ${seconds(main.wall)}`)

  const counts = [thread1.value, thread2.value, main.value]
  yield* check(counts.every((v) => v === ADDITIONS), `every count should reach ${ADDITIONS}, got ${counts.join(", ")}`)
  yield* check(allOnMainThread(log), "every slice of every count should run on the main thread")
  yield* check(
    ranBefore(log, "This is thread 1", "This is thread 2") && ranBefore(log, "This is thread 2", "This is thread 0"),
    "the three counts should run one after the other (thread 1, then thread 2, then the main thread)"
  )
}))

NodeRuntime.runMain(program)
