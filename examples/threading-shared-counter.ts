/**
 * Port of the shared-counter race of the Chinese tutorial “实现多任务” (two
 * threads each adding 1 to a global a million times, first without a lock,
 * then with `threading.Lock`):
 *
 * ```python
 * num = 0
 * lock = threading.Lock()
 * def work1(loop):
 *     global num
 *     for i in range(loop):
 *         lock.acquire()      # (not in the unlocked version)
 *         temp = num          # 等价于 num += 1
 *         num = temp + 1
 *         lock.release()
 *     print(num)
 * # work2 is the same
 * t1 = threading.Thread(target=work1, args=(1000000,))
 * t2 = threading.Thread(target=work2, args=(1000000,))
 * t1.start(); t2.start()
 * while len(threading.enumerate()) != 1: time.sleep(1)
 * print(num)
 * ```
 *
 * Counts, scaled: 1,000,000 increments per worker → 100,000 (set `LOOP` to
 * run the original count).
 *
 * Fibers only switch where they yield, so each worker yields between reading
 * `num` and writing `temp + 1`, the moment a thread can be preempted. Without
 * the lock the two workers overwrite each other's updates and the total falls
 * short of 2 × LOOP (Python printed 1588806); with `Lock.withLock` around the
 * read-yield-write it is exactly 2 × LOOP (Python: 2000000).
 *
 * Run: `pnpm tsx examples/threading-shared-counter.ts`
 */
import { Lock } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const LOOP = Number(process.env.LOOP ?? 100_000)

const race = (lock: Lock.Lock | undefined) =>
  Effect.gen(function*() {
    let num = 0
    const increment = Effect.gen(function*() {
      const temp = num
      yield* Effect.yieldNow // the thread is preempted here
      num = temp + 1
    })
    const guarded = lock === undefined ? increment : Lock.withLock(lock)(increment)
    const work = (name: string) =>
      Effect.gen(function*() {
        for (let i = 0; i < LOOP; i++) yield* guarded
        console.log(`${name} done, num = ${num}`)
      })
    yield* Effect.all([work("work1"), work("work2")], { concurrency: "unbounded", discard: true })
    console.log(`final num = ${num} (expected ${2 * LOOP})`)
    return num
  })

const program = Effect.gen(function*() {
  console.log(`--- without a lock (${LOOP} increments per worker) ---`)
  const unlocked = yield* race(undefined)
  console.log(`--- with threading.Lock → Lock.withLock ---`)
  const locked = yield* race(yield* Lock.make())
  yield* checkAloud(unlocked < 2 * LOOP, `the unlocked counter lost updates (${2 * LOOP - unlocked} lost)`)
  yield* checkAloud(locked === 2 * LOOP, `the locked counter reached exactly ${2 * LOOP}`)
})

NodeRuntime.runMain(program)
