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
 * Run: `pnpm tsx examples/threading-rlock-run1-run2-run3.ts`
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { RLock } from "@corun/core"
import { checkAloud } from "./support/report.ts"

const program = Effect.gen(function*() {
  let num = 0
  let num2 = 0
  const lock = yield* RLock.make()
  const pairs: Array<[number, number]> = []

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
  const run3 = lock.withLock(Effect.gen(function*() {
    const res = yield* run1
    yield* Console.log("--------between run1 and run2-----")
    const res2 = yield* run2
    return [res, res2] as [number, number]
  })).pipe(Effect.tap(([res, res2]) => Effect.sync(() => {
    pairs.push([res, res2])
    console.log(res, res2)
  })))

  yield* Effect.all(Array.from({ length: 10 }, () => run3), { concurrency: "unbounded", discard: true })
  console.log("----all threads done---")
  console.log(num, num2)

  yield* checkAloud(num === 10 && num2 === 10, "num and num2 are both 10")
  yield* checkAloud(pairs.every(([a, b]) => a === b), "each run3 saw run1 and run2 in one piece (res == res2)")
  yield* checkAloud(!(yield* lock.locked), "the RLock is free at the end")
})

NodeRuntime.runMain(program)
