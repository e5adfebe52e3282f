/**
 * Port of the `Lock` program of the Chinese notes “Python之进程与线程” (section
 * "Lock"): two threads each deposit and withdraw the same amount 100,000
 * times on a shared balance ("假定这是你的银行存款"), which should stay 0;
 * without a lock it drifts, with `threading.Lock` it does not.
 *
 * ```python
 * balance = 0
 * lock = threading.Lock()
 * def change_it(n):          # deposit then withdraw: should leave 0
 *     global balance
 *     balance = balance + n
 *     balance = balance - n
 * def run_thread(n):
 *     for i in range(100000):
 *         lock.acquire()     # (only in the locked version)
 *         try:
 *             change_it(n)
 *         finally:
 *             lock.release()
 * t1 = threading.Thread(target=run_thread, args=(5,))
 * t2 = threading.Thread(target=run_thread, args=(8,))
 * t1.start(); t2.start()
 * t1.join(); t2.join()
 * print(balance)
 * ```
 *
 * Counts, scaled: 100,000 iterations per thread → 20,000 (set `LOOP` for
 * the original). Fibers switch only where they yield, so each thread yields
 * at the end of its time slice (every 4th step for one, every 5th for the
 * other), which can fall between reading `balance` and writing it back, as
 * preemption does: the unlocked run really interleaves.
 *
 * Run: `pnpm tsx examples/threading-lock-balance.ts`
 */
import { Lock } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const LOOP = Number(process.env.LOOP ?? 20_000)

const run = (lock: Lock.Lock | undefined) =>
  Effect.gen(function*() {
    let balance = 0
    // A thread runs for a time slice, then is preempted wherever it is (between
    // a read and its write, or between two calls); the two threads' slices
    // differ (4 and 5 steps), so the switches land at ever-different points.
    const preempt = (thread: { steps: number; slice: number }) =>
      Effect.suspend(() => (++thread.steps % thread.slice === 0 ? Effect.yieldNow : Effect.void))
    const changeIt = (n: number, thread: { steps: number; slice: number }) =>
      Effect.gen(function*() {
        let read = balance
        yield* preempt(thread)
        balance = read + n
        read = balance
        yield* preempt(thread)
        balance = read - n
      })
    const runThread = (n: number, slice: number) =>
      Effect.gen(function*() {
        const thread = { steps: 0, slice }
        for (let i = 0; i < LOOP; i++) {
          yield* preempt(thread) // the loop itself can be preempted too
          yield* lock === undefined ? changeIt(n, thread) : lock.withLock(changeIt(n, thread))
        }
      })
    yield* Effect.all([runThread(5, 4), runThread(8, 5)], { concurrency: "unbounded", discard: true })
    console.log(balance)
    return balance
  })

const program = Effect.gen(function*() {
  console.log(`--- without a lock (${LOOP} iterations per thread) ---`)
  const unlocked = yield* run(undefined)
  console.log("--- with a lock ---")
  const locked = yield* run(yield* Lock.make())
  yield* checkAloud(unlocked !== 0, `without the lock the balance drifted (${unlocked} instead of 0)`)
  yield* checkAloud(locked === 0, "with the lock the balance is 0")
})

NodeRuntime.runMain(program)
