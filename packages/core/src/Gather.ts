/**
 * `gather`: run several Effects at once and collect their results in order:
 * Python's `asyncio.gather(*aws, return_exceptions=False)`.
 *
 * @since 0.1.0
 */
import { Effect, type Exit } from "effect"

/**
 * Options of `gather`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GatherOptions {
  /**
   * `false` (default): the first failure fails the whole gather.
   * `true`: every outcome is returned as an `Exit`, failures included
   * (Python's `return_exceptions=True`).
   */
  readonly returnExceptions?: boolean | undefined
}

type Successes<T extends ReadonlyArray<Effect.Effect<any, any, any>>> = {
  -readonly [K in keyof T]: Effect.Success<T[K]>
}
type Exits<T extends ReadonlyArray<Effect.Effect<any, any, any>>> = {
  -readonly [K in keyof T]: Exit.Exit<Effect.Success<T[K]>, Effect.Error<T[K]>>
}

/**
 * Runs every effect concurrently and returns their results in the order
 * given: Python's `asyncio.gather(*aws)`.
 *
 * Without `returnExceptions` the first failure fails the gather and, unlike
 * asyncio (which leaves the other awaitables running, unobserved), the
 * others are interrupted: nothing outlives the call. With
 * `returnExceptions: true` every outcome comes back as an `Exit`, so a
 * failure, a defect or a cancellation sits at its own position.
 *
 * @since 0.1.0
 * @category combinators
 */
export const gather: {
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options: GatherOptions & { readonly returnExceptions: true }
  ): Effect.Effect<Exits<T>, never, Effect.Services<T[number]>>
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options?: GatherOptions & { readonly returnExceptions?: false | undefined }
  ): Effect.Effect<Successes<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options: GatherOptions
  ): Effect.Effect<Successes<T> | Exits<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
} = ((effects: ReadonlyArray<Effect.Effect<unknown, unknown, unknown>>, options?: GatherOptions) =>
  options?.returnExceptions === true
    ? Effect.forEach(effects, Effect.exit, { concurrency: "unbounded" })
    : Effect.forEach(effects, (effect) => effect, { concurrency: "unbounded" })) as any
