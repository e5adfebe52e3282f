/**
 * `BoundedSemaphore.make(n)`: Python's `threading.BoundedSemaphore(n)`, a
 * `Semaphore` that fails with `SemaphoreOverReleaseError` when it is released
 * more often than it was acquired. The same object as
 * `Semaphore.makeBounded(n)`; this module exists so the Python name leads
 * straight to it. A permit that a release has handed to a waiting fiber is
 * held from then on (as in asyncio), so it is not free, and the bound check
 * counts it when that fiber releases it.
 *
 * ```ts
 * const sem = yield* BoundedSemaphore.make(5)   // sem = threading.BoundedSemaphore(5)
 * yield* sem.withPermit(run(i))                 // with sem: run(i)
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { InvalidArgumentError } from "./Errors.ts"
import * as Semaphore from "./Semaphore.ts"

/**
 * A bounded semaphore is a `Semaphore` whose `bounded` flag is set.
 *
 * @since 0.1.0
 * @category models
 */
export type BoundedSemaphore = Semaphore.Semaphore

/**
 * Creates a bounded semaphore with `value` permits (default 1): Python's
 * `threading.BoundedSemaphore(value)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (value?: number) => Effect.Effect<BoundedSemaphore, InvalidArgumentError> = Semaphore.makeBounded

/**
 * Creates a bounded semaphore outside an Effect; throws
 * `InvalidArgumentError` for a bad value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (value = 1): BoundedSemaphore => Semaphore.makeUnsafe(value, { bounded: true })
