/**
 * `pnpm bench toolbox` (or `pnpm bench semaphore`): corun's `Semaphore`
 * against Effect's `Semaphore`, side by side in one process.
 *
 * - Uncontended: 1,000,000 `Semaphore.withPermit` on a trivial effect vs
 *   Effect's `Semaphore.withPermits(1)` (target: ≤ 1.3×), and 1,000,000
 *   `acquire()` + `release()` pairs (for information).
 * - Contended (for information): 100,000 `withPermit` by 4 fibers on a
 *   semaphore of 2 permits, the body yielding while holding its permit, so
 *   most acquisitions wait for a hand-over.
 *
 * Each case runs `ROUNDS` times, interleaved (A, B, A, B, …) so that JIT
 * warm-up and GC hit both alike; the first round of each is a warm-up and is
 * dropped. Prints the median CPU time of the rest and the ratio to the first
 * case. No assertion: numbers only.
 *
 * Environment: `ITEMS` (default 1,000,000) and `ROUNDS` (default 7).
 */
import { Effect, Semaphore as EffectSemaphore } from "effect"
import { Semaphore } from "@corun/core"

const ITEMS = Number(process.env.ITEMS ?? 1_000_000)
const ROUNDS = Number(process.env.ROUNDS ?? 7)
const CONTENDED = Math.max(1, Math.floor(ITEMS / 10))

const effectWithPermit = Effect.gen(function*() {
  const semaphore = yield* EffectSemaphore.make(1)
  let n = 0
  const body = Effect.sync(() => n++)
  for (let i = 0; i < ITEMS; i++) yield* semaphore.withPermits(1)(body)
  return n
})

const corunWithPermit = Effect.gen(function*() {
  const semaphore = yield* Semaphore.make(1)
  let n = 0
  const body = Effect.sync(() => n++)
  for (let i = 0; i < ITEMS; i++) yield* semaphore.withPermit(body)
  return n
})

const effectTakeRelease = Effect.gen(function*() {
  const semaphore = yield* EffectSemaphore.make(1)
  let n = 0
  for (let i = 0; i < ITEMS; i++) {
    yield* semaphore.take(1)
    n++
    yield* semaphore.release(1)
  }
  return n
})

const corunAcquireRelease = Effect.gen(function*() {
  const semaphore = yield* Semaphore.make(1)
  let n = 0
  for (let i = 0; i < ITEMS; i++) {
    yield* semaphore.acquire()
    n++
    yield* semaphore.release()
  }
  return n
})

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

const effectContended = Effect.suspend(() => {
  const semaphore = EffectSemaphore.makeUnsafe(2)
  return contended(semaphore.withPermits(1))
})

const corunContended = Effect.suspend(() => {
  const semaphore = Semaphore.makeUnsafe(2)
  return contended((body) => semaphore.withPermit(body))
})

// CPU time of this process (all the work runs on its main thread): on a
// shared, loaded machine it is far steadier than wall time, printed beside it.
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

const compare = async (title: string, cases: Array<[string, Effect.Effect<number, unknown>]>, ops = ITEMS) => {
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

await compare("Semaphore: uncontended withPermit", [
  ["effect Semaphore.withPermits(1)", effectWithPermit],
  ["corun Semaphore.withPermit", corunWithPermit]
])
await compare("Semaphore: uncontended acquire / release", [
  ["effect Semaphore.take(1) / release(1)", effectTakeRelease],
  ["corun Semaphore.acquire() / release()", corunAcquireRelease]
])
await compare("Semaphore(2): 4 fibers contending (the body yields while holding a permit)", [
  ["effect Semaphore.withPermits(1)", effectContended],
  ["corun Semaphore.withPermit", corunContended]
], CONTENDED)
