/**
 * Port of the RLock program of the Chinese notes “python学习笔记-进程线程” (section
 * 8, "RLock(递归锁)"): `run3` takes the lock and, while holding it, calls
 * `run1` and `run2`, which take it again.
 *
 * ```python
 * def run1():
 *     print("grab the first part data")
 *     lock.acquire()
 *     global num
 *     num += 1
 *     lock.release()
 *     return num
 * def run2():
 *     print("grab the second part data")
 *     lock.acquire()
 *     global num2
 *     num2 += 1
 *     lock.release()
 *     return num2
 * def run3():
 *     lock.acquire()
 *     res = run1()
 *     print('--------between run1 and run2-----')
 *     res2 = run2()
 *     lock.release()
 *     print(res, res2)
 * if __name__ == '__main__':
 *     num, num2 = 0, 0
 *     lock = threading.RLock()
 *     for i in range(10):
 *         t = threading.Thread(target=run3)
 *         t.start()
 * while threading.active_count() != 1:
 *     print(threading.active_count())
 * else:
 *     print('----all threads done---')
 *     print(num, num2)
 * ```
 *
 * With a plain `Lock`, `run1` would wait for the lock its own caller holds,
 * forever; the `RLock` counts the nested acquisitions of its owner. Because
 * `run3` holds the lock throughout, each thread prints `k k` for its turn.
 *
 * An `RLock` is owned by a task (a thread): the ten threads are ten
 * `executor.submit` tasks. (Fibers that `Effect.all` forks inside one task
 * are that task's own: they would all re-enter the lock.)
 *
 * `threading.active_count()` is `executor.pendingCount` plus one (Python
 * counts the main thread), and `threading.enumerate()` is
 * `executor.enumerate` (the executor's live tasks).
 *
 * Checks: `num` and `num2` reach 10; each `run3` saw `res == res2`; never
 * two threads inside `run3` at once (a count of those inside, which load
 * cannot change); the active count only went down, to 1, with no thread
 * left; the lock is free at the end.
 *
 * Run: `pnpm tsx examples/threading-rlock-run1-run2-run3.ts`
 */
import { Executor, RLock } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"
import { makeGauge } from "./support/concurrency.ts"
import { checkAloud } from "./support/report.ts"

const program = Effect.scoped(Effect.gen(function*() {
  let num = 0
  let num2 = 0
  const lock = yield* RLock.make()
  const pairs: Array<[number, number]> = []
  const inside = makeGauge() // threads inside run3's locked section

  const run1 = Effect.andThen(
    Console.log("grab the first part data"),
    lock.withLock(Effect.gen(function*() {
      yield* Effect.yieldNow // let the other threads try to get in
      return ++num
    }))
  )
  const run2 = Effect.andThen(
    Console.log("grab the second part data"),
    lock.withLock(Effect.gen(function*() {
      yield* Effect.yieldNow
      return ++num2
    }))
  )
  const run3 = lock.withLock(inside.track(Effect.gen(function*() {
    const res = yield* run1
    yield* Console.log("--------between run1 and run2-----")
    const res2 = yield* run2
    return [res, res2] as [number, number]
  }))).pipe(Effect.tap(([res, res2]) =>
    Effect.sync(() => {
      pairs.push([res, res2])
      console.log(res, res2)
    })
  ))

  const executor = yield* Executor.make() // for i in range(10): threading.Thread(target=run3).start()
  for (let i = 0; i < 10; i++) yield* executor.submit(run3)
  // while threading.active_count() != 1: print(threading.active_count())
  // (the main thread counts as one; printed when the count changes, not on
  // every turn of the loop)
  const activeCount = Effect.map(executor.pendingCount, (n) => n + 1)
  const seen: Array<number> = []
  while ((yield* activeCount) !== 1) {
    const n = yield* activeCount
    if (seen[seen.length - 1] !== n) {
      seen.push(n)
      console.log(n)
    }
    yield* Effect.yieldNow // the other threads run meanwhile
  }
  const stillAlive = (yield* executor.enumerate).length // threading.enumerate(), without the main thread
  console.log("----all threads done---")
  console.log(num, num2)

  yield* checkAloud(num === 10 && num2 === 10, "num and num2 are both 10")
  yield* checkAloud(pairs.every(([a, b]) => a === b), "each run3 saw run1 and run2 in one piece (res == res2)")
  yield* checkAloud(
    seen.length > 0 && seen.every((n, i) => n <= 11 && (i === 0 || n < seen[i - 1])) && stillAlive === 0,
    `active_count() went down from at most 11 to 1, never up (${seen.join(", ")}, 1), and no thread is left`
  )
  yield* checkAloud(inside.peak === 1, `one thread at a time inside run3 (most at once: ${inside.peak})`)
  yield* checkAloud(!(yield* lock.locked), "the RLock is free at the end")
}))

NodeRuntime.runMain(program)
