/**
 * Port of "示例二" of the GIL section of the Chinese tutorial “实现多任务”
 * (two processes each adding 1 a hundred million times,
 * then the current process doing it alone), set against "示例一" (the same
 * with two threads, ported on its own in `threads-cpu-bound-gil.ts`):
 *
 * ```python
 * from multiprocessing import Process
 * import os, time
 * def pstart(arg):
 *     var = 0
 *     for i in range(100000000):
 *         var += 1
 *     print(arg, var)
 * if __name__ == '__main__':
 *     p1 = Process(target = pstart, args = ("1", ))
 *     p2 = Process(target = pstart, args = ("2", ))
 *     start_time = time.time()
 *     p1.start()
 *     p2.start()
 *     p1.join()
 *     p2.join()
 *     print("Two process cost time: %s" % (time.time() - start_time))
 *     start_time = time.time()
 *     pstart("0")
 *     print("Current process cost time: %s" % (time.time() - start_time))
 * ```
 *
 * The tutorial's point: two CPython threads doing this take far longer than
 * one (the GIL), while two processes take about as long as one, since each
 * runs on its own core. In Node, threads → fibers (they share the event
 * loop, JavaScript's GIL) and processes → pool workers (worker threads on
 * other cores). So this program runs the two counts three ways: on two
 * fibers, on two workers of a `Pool(2)`, and once on the main thread.
 *
 * Counts: 100,000,000 additions, as in Python (no scaling: a JIT-compiled
 * loop takes ≈ 0.1 s here). The fibers yield every million additions, as
 * the GIL switches threads. Python starts its processes inside the timing;
 * here the first workers round includes the pool's start-up (as the
 * tutorial does), and the comparison uses warm rounds (pool already
 * started) — the best of five, since the machine is shared.
 *
 * Expected output (times vary):
 *
 * ```
 * This is fiber 1 100000000
 * This is fiber 2 100000000
 * Two fibers cost time: 0.210
 * 1 100000000
 * 2 100000000
 * Two processes (pool workers, start-up included) cost time: 0.320
 * Two processes (pool workers, warm) cost time: 0.105
 * 0 100000000
 * Current process cost time: 0.100
 * Workers vs fibers: 2.00× faster (best of 5 warm rounds, 2 cores)
 * ```
 *
 * Checks, on what the counts themselves record (which thread counted, and
 * when), so that they hold however busy the machine is: every count is
 * 100,000,000; the two fibers counted on the main thread, taking turns, and
 * never two slices at the same instant; the two workers counted on two
 * different threads, neither of them the main one, and in at least one
 * round their counts were running at the same instant (both cores busy: a
 * busy machine can delay one worker now and then, hence several rounds).
 * The speedup (≈ 2× on 2 quiet cores) is printed for the reader, not
 * checked: it depends on what else runs on the machine; `bench/` measures
 * the pool's speed.
 *
 * Run: `pnpm tsx examples/process-count-workers-vs-fibers.ts`
 */
import { Executor, Future, type Pool, type Task } from "@corun/core"
import { NodePool } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Scope } from "effect"
import { availableParallelism } from "node:os"
import { allOnMainThread, countOnFiber, neverAtOnce, type Slice, tookTurns } from "./support/counting.ts"
import { checkNow } from "./support/report.ts"
import { seconds } from "./support/simulate.ts"
import { pstart } from "./tasks/sum.ts"

const ADDITIONS = 100_000_000 // as in the tutorial
const SWITCH_EVERY = 1_000_000 // additions between two yields of a fiber (the GIL's switch interval)
const ROUNDS = 5

/** Where and when the slices of the fibers' counts ran (first round). */
const fiberLog: Array<Slice> = []

/** Two fibers (Python: two threads), started together and joined. */
const twoFibers = (print: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    const log: Array<Slice> = print ? fiberLog : []
    const start = performance.now()
    const f1 = yield* executor.submit(countOnFiber("fiber 1", ADDITIONS, SWITCH_EVERY, log))
    const f2 = yield* executor.submit(countOnFiber("fiber 2", ADDITIONS, SWITCH_EVERY, log))
    const v1 = yield* Future.join(f1)
    const v2 = yield* Future.join(f2)
    const elapsed = performance.now() - start
    if (print) {
      console.log("This is fiber 1", v1)
      console.log("This is fiber 2", v2)
      console.log(`Two fibers cost time: ${seconds(elapsed)}`)
    }
    checkNow(v1 === ADDITIONS && v2 === ADDITIONS, `each fiber should count to ${ADDITIONS}, got ${v1} and ${v2}`)
    return elapsed
  }))

/** What the two workers' counts recorded in one round. */
type Run = Task.Output<typeof pstart>
const workerRounds: Array<{ readonly warm: boolean; readonly runs: readonly [Run, Run] }> = []

/** Two workers (Python: two processes): both counts at once on the pool. */
const twoWorkers = (pool: Pool.PoolService, options: { readonly print: boolean; readonly warm: boolean }) =>
  Effect.gen(function*() {
    const start = performance.now()
    const [r1, r2] = yield* Effect.all([pool.apply(pstart, ADDITIONS), pool.apply(pstart, ADDITIONS)], {
      concurrency: "unbounded"
    })
    const elapsed = performance.now() - start
    workerRounds.push({ warm: options.warm, runs: [r1, r2] })
    if (options.print) {
      console.log("1", r1.value)
      console.log("2", r2.value)
    }
    checkNow(
      r1.value === ADDITIONS && r2.value === ADDITIONS,
      `each worker should count to ${ADDITIONS}, got ${r1.value} and ${r2.value}`
    )
    return elapsed
  })

const PoolOptions = { tasks: new URL("./tasks/sum.ts", import.meta.url), size: 2 }

const program = Effect.gen(function*() {
  const fibers = [yield* twoFibers(true)]

  // The tutorial's timing includes starting the processes.
  const cold = yield* Effect.scoped(Effect.gen(function*() {
    const start = performance.now()
    const pool = yield* NodePool.make(PoolOptions)
    yield* twoWorkers(pool, { print: true, warm: false })
    return performance.now() - start
  }))

  const scope = yield* Scope.make()
  const pool = yield* NodePool.make(PoolOptions).pipe(Scope.provide(scope))
  yield* pool.awaitReady
  yield* twoWorkers(pool, { print: false, warm: true }) // warm-up: the workers' JIT compiles the loop
  const workers: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    workers.push(yield* twoWorkers(pool, { print: false, warm: true }))
    if (round > 0) fibers.push(yield* twoFibers(false))
  }
  yield* Scope.close(scope, undefined as never)
  console.log(`Two processes (pool workers, start-up included) cost time: ${seconds(cold)}`)
  console.log(`Two processes (pool workers, warm) cost time: ${seconds(Math.min(...workers))}`)

  const start = performance.now()
  const v0 = yield* Effect.sync(() => {
    let v = 0
    for (let i = 0; i < ADDITIONS; i++) v += 1
    return v
  })
  console.log("0", v0)
  console.log(`Current process cost time: ${seconds(performance.now() - start)}`)
  checkNow(v0 === ADDITIONS, `the main thread should count to ${ADDITIONS}, got ${v0}`)

  const speedup = Math.min(...fibers) / Math.min(...workers)
  const cores = availableParallelism()
  console.log(`Workers vs fibers: ${speedup.toFixed(2)}× faster (best of ${ROUNDS} warm rounds, ${cores} cores)`)

  // Fibers: one thread, taking turns.
  checkNow(allOnMainThread(fiberLog), "the two fibers should count on the main thread")
  checkNow(
    tookTurns(fiberLog, "fiber 1", "fiber 2"),
    "the two fibers should take turns (each starts before the other ends)"
  )
  checkNow(neverAtOnce(fiberLog), "no two slices of the fibers' counts should run at the same instant (one thread)")
  // Workers: two threads other than the main one, counting at the same time.
  checkNow(
    workerRounds.every(({ runs }) => runs.every((run) => run.threadId !== 0)),
    "the workers should count off the main thread"
  )
  checkNow(
    workerRounds.every(({ runs: [r1, r2], warm }) => !warm || r1.threadId !== r2.threadId),
    `with both workers ready, the two counts should run on two different workers (threads ${
      workerRounds.map(({ runs: [r1, r2] }) => `${r1.threadId}+${r2.threadId}`).join(", ")
    })`
  )
  const together = workerRounds.filter(({ runs: [r1, r2] }) => r1.start < r2.end && r2.start < r1.end).length
  checkNow(
    together > 0,
    `in at least one of ${workerRounds.length} rounds the two workers should count at the same instant (two cores busy)`
  )
  console.log(`(the two workers' counts overlapped in time in ${together} of ${workerRounds.length} rounds)`)
  if (cores < 2) console.log("(note: this machine has one core: the workers take turns on it)")
})

NodeRuntime.runMain(program)
