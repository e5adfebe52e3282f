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
 * dropped. Prints the median of the rest and the ratio corun / Effect
 * (target: ≤ 1.3). No assertion: numbers only.
 *
 * Environment: `ITEMS` (default 1,000,000) and `ROUNDS` (default 7).
 */
import { Effect, Queue, Semaphore } from "effect"
import { Lock, TaskQueue } from "@corun/core"

const ITEMS = Number(process.env.ITEMS ?? 1_000_000)
const ROUNDS = Number(process.env.ROUNDS ?? 7)
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
    [...Array.from({ length: PRODUCERS }, (_, p) => producer(p)), ...Array.from({ length: CONSUMERS }, (_, c) => consumer(c))],
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
      [...Array.from({ length: PRODUCERS }, (_, p) => producer(p)), ...Array.from({ length: CONSUMERS }, (_, c) => consumer(c))],
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
// Contended: 4 fibers take turns; the body yields while holding the lock, so
// every acquisition after the first has to wait for a hand-over.
const CONTENDED = Math.max(1, Math.floor(ITEMS / 10))
const contended = (guard: (body: Effect.Effect<void>) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    let n = 0
    const body = Effect.andThen(Effect.yieldNow, Effect.sync(() => void n++))
    const worker = Effect.gen(function*() {
      for (let i = 0; i < CONTENDED / 4; i++) yield* guard(body)
    })
    yield* Effect.all([worker, worker, worker, worker], { concurrency: "unbounded", discard: true })
    return n
  })

const effectLockContended = Effect.suspend(() => {
  const semaphore = Semaphore.makeUnsafe(1)
  return contended(semaphore.withPermits(1))
})

const corunLockContended = Effect.suspend(() => {
  const lock = Lock.makeUnsafe()
  return contended((body) => lock.withLock(body))
})

const time = async (effect: Effect.Effect<number, unknown>) => {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const result = await Effect.runPromise(effect)
  const wall = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { ms: (used.user + used.system) / 1000, wall, result }
}

const median = (xs: Array<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const compare = async (
  title: string,
  cases: Array<[string, Effect.Effect<number, unknown>]>,
  ops = ITEMS
) => {
  const times: Array<Array<number>> = cases.map(() => [])
  const walls: Array<Array<number>> = cases.map(() => [])
  let expected: number | undefined
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const { ms, result, wall } = await time(cases[i][1])
      if (expected === undefined) expected = result
      else if (result !== expected) throw new Error(`${cases[i][0]} computed ${result}, expected ${expected}`)
      if (round > 0) {
        times[i].push(ms)
        walls[i].push(wall)
      }
    }
  }
  const base = median(times[0])
  console.log(`\n${title}  (${ops.toLocaleString("en")} ops, median of ${ROUNDS - 1} runs after 1 warm-up)`)
  console.log(`  ${"".padEnd(44)} ${"CPU ms".padStart(8)}  ${"M ops/s".padStart(7)}  ${"ratio".padStart(6)}  ${"wall ms".padStart(8)}`)
  for (let i = 0; i < cases.length; i++) {
    const m = median(times[i])
    const rate = ((ops / m) * 1000) / 1e6
    console.log(
      `  ${cases[i][0].padEnd(44)} ${m.toFixed(1).padStart(8)}  ${rate.toFixed(2).padStart(7)}  ${
        (i === 0 ? "1.00" : (m / base).toFixed(2)).padStart(5)
      }×  ${median(walls[i]).toFixed(1).padStart(8)}`
    )
  }
}

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
