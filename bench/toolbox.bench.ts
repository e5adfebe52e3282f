/**
 * `pnpm bench toolbox`: corun's `TaskQueue` and `Lock` against the raw Effect
 * primitives they are measured by, side by side in one process.
 *
 * - Queue: 1,000,000 items through a queue bounded at 1,000, between 4
 *   producer and 4 consumer fibers: `TaskQueue.fifo({ maxsize: 1000 })`
 *   (`put` / `get`, plus `taskDone` in a second variant) vs Effect's
 *   `Queue.bounded(1000)` (`offer` / `take`).
 * - Lock: 1,000,000 uncontended `Lock.withLock` vs Effect's
 *   `Semaphore.withPermits(1)` on a trivial effect; and (for information)
 *   100,000 contended ones, 4 fibers whose body yields while holding it.
 *
 * Each case runs `ROUNDS` times, interleaved (A, B, A, B, …) so that JIT
 * warm-up and GC hit both alike; the first round of each is a warm-up and is
 * dropped. Prints the median of the rest and the ratio corun / Effect.
 * Issue 8's targets: `TaskQueue.fifo` ≤ 0.5× Effect's `Queue.bounded`,
 * uncontended `Lock.withLock` ≤ 1.05× Effect's `withPermits(1)`. Both paths
 * wait in the toolbox's parking lot; the uncontended `withLock` stays inline.
 * No assertion: numbers only (the machine is shared and noisy).
 *
 * Environment: `ITEMS` (default 1,000,000) and `ROUNDS` (default 7).
 */
import { Lock, TaskQueue } from "@corun/core"
import { Effect, Queue, Semaphore } from "effect"
import { compare, CONTENDED, contended, ITEMS } from "./toolbox/harness.ts"

const PRODUCERS = 4
const CONSUMERS = 4
const MAXSIZE = 1000

const perWorker = (total: number, workers: number, index: number) =>
  Math.floor(total / workers) + (index < total % workers ? 1 : 0)

const effectQueue = Effect.gen(function*() {
  const queue = yield* Queue.bounded<number>(MAXSIZE)
  let sum = 0
  const producer = (p: number) =>
    Effect.gen(function*() {
      const n = perWorker(ITEMS, PRODUCERS, p)
      for (let i = 0; i < n; i++) yield* Queue.offer(queue, i)
    })
  const consumer = (c: number) =>
    Effect.gen(function*() {
      const n = perWorker(ITEMS, CONSUMERS, c)
      for (let i = 0; i < n; i++) {
        const item = yield* Queue.take(queue)
        sum += item
      }
    })
  yield* Effect.all(
    [
      ...Array.from({ length: PRODUCERS }, (_, p) => producer(p)),
      ...Array.from({ length: CONSUMERS }, (_, c) => consumer(c))
    ],
    { concurrency: "unbounded", discard: true }
  )
  return sum
})

const corunQueue = (withTaskDone: boolean) =>
  Effect.gen(function*() {
    const queue = yield* TaskQueue.fifo<number>({ maxsize: MAXSIZE })
    let sum = 0
    const producer = (p: number) =>
      Effect.gen(function*() {
        const n = perWorker(ITEMS, PRODUCERS, p)
        for (let i = 0; i < n; i++) yield* queue.put(i)
      })
    const consumer = (c: number) =>
      Effect.gen(function*() {
        const n = perWorker(ITEMS, CONSUMERS, c)
        for (let i = 0; i < n; i++) {
          const item = yield* queue.get()
          sum += item
          if (withTaskDone) yield* queue.taskDone
        }
      })
    yield* Effect.all(
      [
        ...Array.from({ length: PRODUCERS }, (_, p) => producer(p)),
        ...Array.from({ length: CONSUMERS }, (_, c) => consumer(c))
      ],
      { concurrency: "unbounded", discard: true }
    )
    if (withTaskDone) yield* queue.join
    return sum
  })

const effectLock = Effect.gen(function*() {
  const semaphore = yield* Semaphore.make(1)
  let n = 0
  const body = Effect.sync(() => n++)
  for (let i = 0; i < ITEMS; i++) yield* semaphore.withPermits(1)(body)
  return n
})

const corunLock = Effect.gen(function*() {
  const lock = yield* Lock.make()
  let n = 0
  const body = Effect.sync(() => n++)
  for (let i = 0; i < ITEMS; i++) yield* lock.withLock(body)
  return n
})

// CPU time of this process (all the work runs on its main thread): on a
// shared, loaded machine it is far steadier than wall time, which is printed
// beside it.
// Contended (`contended`): 4 fibers take turns on the lock.
const effectLockContended = Effect.suspend(() => {
  const semaphore = Semaphore.makeUnsafe(1)
  return contended(semaphore.withPermits(1))
})

const corunLockContended = Effect.suspend(() => {
  const lock = Lock.makeUnsafe()
  return contended((body) => lock.withLock(body))
})

await compare(`Queue: ${PRODUCERS} producers → maxsize ${MAXSIZE} → ${CONSUMERS} consumers`, [
  ["effect Queue.bounded offer/take", effectQueue],
  ["corun TaskQueue.fifo put/get", corunQueue(false)],
  ["corun TaskQueue.fifo put/get + taskDone/join", corunQueue(true)]
])
await compare("Lock: uncontended", [
  ["effect Semaphore.withPermits(1)", effectLock],
  ["corun Lock.withLock", corunLock]
])
await compare("Lock: 4 fibers contending (the body yields while holding it)", [
  ["effect Semaphore.withPermits(1)", effectLockContended],
  ["corun Lock.withLock", corunLockContended]
], CONTENDED)
