/**
 * Port of "示例一" of the GIL section of the Chinese tutorial “实现多任务”
 * (two threads each adding 1 a hundred million times, then
 * one thread doing it alone):
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
 *     t2.start()
 *     t1.join()
 *     t2.join()
 *     print("Two thread cost time: %s" % (time.time() - start_time))
 *     start_time = time.time()
 *     tstart("This is thread 0")
 *     print("Main thread cost time: %s" % (time.time() - start_time))
 * ```
 *
 * Counts: 100,000,000 additions, as in Python (no scaling: a JIT-compiled
 * loop is many times faster than CPython's, about 0.15 s here).
 *
 * Python's point holds for fibers: they all run on one thread (the event
 * loop, JavaScript's GIL), so two CPU-bound tasks take as long as running
 * them one after the other — about twice one task — never less. Fibers are
 * for waiting (I/O); CPU-bound work goes to a worker pool (`@corun/node`,
 * Python's multiprocessing). Each loop yields every million additions, as
 * the GIL switches threads, so the two tasks advance together.
 *
 * Checks (what holds however busy the machine is): both counts reach
 * 100,000,000; every slice of both ran on the main thread; the two tasks
 * took turns (each started before the other finished); and no two slices
 * ran at the same instant — one thread, one slice at a time. The times are
 * printed, as in Python, not checked: how long a loop takes depends on what
 * else the machine runs (the speed comparison with workers is measured in
 * `bench/`).
 *
 * Run: `pnpm tsx examples/threads-cpu-bound-gil.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect } from "effect"
import { allOnMainThread, countOnFiber, neverAtOnce, type Slice, tookTurns } from "./support/counting.ts"
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

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const t1Start = yield* Clock.currentTimeMillis
  const t1 = yield* executor.submit(tstart("This is thread 1"))
  const t2 = yield* executor.submit(tstart("This is thread 2"))
  const v1 = yield* Future.join(t1)
  const v2 = yield* Future.join(t2)
  const two = (yield* Clock.currentTimeMillis) - t1Start
  console.log(`Two thread cost time: ${seconds(two)}`)

  const mainStart = yield* Clock.currentTimeMillis
  const v0 = yield* tstart("This is thread 0")
  const one = (yield* Clock.currentTimeMillis) - mainStart
  console.log(`Main thread cost time: ${seconds(one)}`)

  yield* check(
    v0 === ADDITIONS && v1 === ADDITIONS && v2 === ADDITIONS,
    `every count should reach ${ADDITIONS}, got ${v1}, ${v2} and ${v0}`
  )
  yield* check(allOnMainThread(log), "every slice of every count should run on the main thread (fibers share it)")
  yield* check(
    tookTurns(log, "This is thread 1", "This is thread 2"),
    "the two tasks should take turns (each starts before the other finishes), as two threads do"
  )
  yield* check(neverAtOnce(log), "no two slices should run at the same instant: fibers share one thread")
}))

NodeRuntime.runMain(program)
