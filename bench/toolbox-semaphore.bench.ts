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
 * case. The uncontended `withPermit` stays inline; the waits park in the
 * toolbox's parking lot. No assertion: numbers only.
 *
 * Environment: `ITEMS` (default 1,000,000) and `ROUNDS` (default 7).
 */
import { Semaphore } from "@corun/core"
import { Effect, Semaphore as EffectSemaphore } from "effect"
import { compare, CONTENDED, contended, ITEMS } from "./toolbox/harness.ts"

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

const effectContended = Effect.suspend(() => {
  const semaphore = EffectSemaphore.makeUnsafe(2)
  return contended(semaphore.withPermits(1))
})

const corunContended = Effect.suspend(() => {
  const semaphore = Semaphore.makeUnsafe(2)
  return contended((body) => semaphore.withPermit(body))
})

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
