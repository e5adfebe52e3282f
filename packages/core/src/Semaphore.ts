/**
 * A counting semaphore with Python's surface: `threading.Semaphore` and
 * `threading.BoundedSemaphore`, for fibers.
 *
 * ```ts
 * const sem = yield* Semaphore.makeBounded(5)            // sem = threading.BoundedSemaphore(5)
 * yield* sem.withPermit(runner(i))                       // with sem: runner(i)
 * if (yield* sem.acquire({ timeout: "1 second" })) {     // if sem.acquire(timeout=1):
 *   yield* sem.release()                                 //     sem.release()
 * }
 * ```
 *
 * | Python                            | corun                                   |
 * |-----------------------------------|-----------------------------------------|
 * | `Semaphore(value=1)`              | `Semaphore.make(value)`                 |
 * | `BoundedSemaphore(value=1)`       | `Semaphore.makeBounded(value)` (also `BoundedSemaphore.make`) |
 * | `sem.acquire(blocking, timeout)`  | `sem.acquire({ blocking, timeout })` → `false` on timeout |
 * | `sem.release(n=1)`                | `sem.release(n)`                        |
 * | `with sem: ...`                   | `sem.withPermit(effect)`                |
 * | `sem._value`                      | `sem.value`                             |
 *
 * As in Python, a plain semaphore may be released more often than it was
 * acquired (its value grows); a bounded one fails with
 * `SemaphoreOverReleaseError` when a release would lift its value above the
 * initial value. Permits are not owned: any fiber may release.
 *
 * Built on Effect's `Semaphore`, which does the waiting; this module adds the
 * visible value, the bound check, and timeouts that never leak a permit.
 *
 * @since 0.1.0
 */
import { Effect, Option, Semaphore as EffectSemaphore } from "effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, SemaphoreOverReleaseError } from "./Errors.ts"
import { nonBlockingCheck, timeoutMillis } from "./internal/options.ts"
import type { AcquireOptions } from "./Lock.ts"

const TypeId = "~@corun/core/Semaphore" as const

/**
 * A counting semaphore.
 *
 * @since 0.1.0
 * @category models
 */
export interface Semaphore extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The initial value; for a bounded semaphore, the bound. */
  readonly initial: number
  /** Whether releasing beyond `initial` is an error (`BoundedSemaphore`). */
  readonly bounded: boolean
  /** How many permits are free now (Python's `sem._value`). */
  readonly value: Effect.Effect<number>
  /**
   * Takes a permit, waiting while there is none (Python's `sem.acquire()`).
   * With `{ timeout }` or `{ blocking: false }` it returns `false` when no
   * permit could be taken in time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /**
   * Returns `n` permits (default 1), waking waiters (Python's
   * `sem.release(n)`). A bounded semaphore fails with
   * `SemaphoreOverReleaseError`, releasing nothing, when its value would
   * exceed `initial`; `n < 1` is an `InvalidArgumentError`.
   */
  release(n?: number): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError>
  /** Runs `effect` holding one permit (Python's `with sem:`). */
  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

class SemaphoreImpl implements Semaphore {
  readonly [TypeId] = TypeId
  readonly initial: number
  readonly bounded: boolean
  readonly semaphore: EffectSemaphore.Semaphore
  /** Mirrors the free permits of `semaphore`, which Effect does not expose. */
  free: number

  constructor(initial: number, bounded: boolean) {
    this.initial = initial
    this.bounded = bounded
    this.free = initial
    this.semaphore = EffectSemaphore.makeUnsafe(initial)
    this.releaseOne = Effect.asVoid(this.semaphore.release(1))
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  get value(): Effect.Effect<number> {
    return Effect.sync(() => this.free)
  }

  readonly onTaken = (): boolean => {
    this.free--
    return true
  }

  readonly onTakenOption = (taken: Option.Option<number>): boolean => {
    if (Option.isNone(taken)) return false
    this.free--
    return true
  }

  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    // The permit is taken and counted in one step: `take` completes inside
    // the mask, so an interruption cannot fall between the two. A timeout
    // races `take` in a child fiber whose take-and-complete is one
    // synchronous step too, so the loser never holds a permit.
    return Effect.uninterruptibleMask((restore) => {
      if (options === undefined) return Effect.map(restore(this.semaphore.take(1)), this.onTaken)
      const millis = nonBlockingCheck(options) ?? timeoutMillis(options.timeout)
      if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
      if (options.blocking === false || millis === 0) {
        return Effect.map(this.semaphore.takeIfAvailable(1), (taken) => taken && this.onTaken())
      }
      if (millis === undefined) return Effect.map(restore(this.semaphore.take(1)), this.onTaken)
      return Effect.map(restore(Effect.timeoutOption(this.semaphore.take(1), millis)), this.onTakenOption)
    })
  }

  release(n = 1): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> {
    return Effect.suspend((): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> => {
      if (!Number.isInteger(n) || n < 1) {
        return Effect.fail(
          new InvalidArgumentError({ argument: "n", message: `'n' must be a positive integer, got ${n}` })
        )
      }
      if (this.bounded && this.free + n > this.initial) {
        return Effect.fail(
          new SemaphoreOverReleaseError({
            bound: this.initial,
            message: `Semaphore released too many times: its value ${this.free} + ${n} would exceed its bound ${this.initial}`
          })
        )
      }
      this.free += n
      return Effect.asVoid(this.semaphore.release(n))
    })
  }

  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(restore(this.semaphore.take(1)), () => {
        this.free--
        return Effect.onExitPrimitive(restore(effect), this.releasePermit, true)
      })
    )
  }

  readonly releaseOne: Effect.Effect<void>

  readonly releasePermit = (): Effect.Effect<void> => {
    this.free++
    return this.releaseOne
  }

  toString() {
    return `${this.bounded ? "BoundedSemaphore" : "Semaphore"}(value=${this.free}/${this.initial})`
  }
}

const validate = (value: number): InvalidArgumentError | undefined =>
  Number.isInteger(value) && value >= 0
    ? undefined
    : new InvalidArgumentError({
      argument: "value",
      message: `semaphore initial value must be a non-negative integer, got ${value}`
    })

/**
 * Creates a semaphore with `value` permits (default 1): Python's
 * `threading.Semaphore(value)`. A negative or fractional value fails with
 * `InvalidArgumentError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (value = 1): Effect.Effect<Semaphore, InvalidArgumentError> =>
  Effect.suspend(() => {
    const error = validate(value)
    return error ? Effect.fail(error) : Effect.succeed(new SemaphoreImpl(value, false))
  })

/**
 * Creates a bounded semaphore with `value` permits (default 1), which fails
 * with `SemaphoreOverReleaseError` when released more often than acquired:
 * Python's `threading.BoundedSemaphore(value)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeBounded = (value = 1): Effect.Effect<Semaphore, InvalidArgumentError> =>
  Effect.suspend(() => {
    const error = validate(value)
    return error ? Effect.fail(error) : Effect.succeed(new SemaphoreImpl(value, true))
  })

/**
 * Creates a semaphore outside an Effect; throws `InvalidArgumentError` for a
 * bad value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (value = 1, options?: { readonly bounded?: boolean | undefined }): Semaphore => {
  const error = validate(value)
  if (error) throw error
  return new SemaphoreImpl(value, options?.bounded === true)
}

/**
 * Whether a value is a corun `Semaphore`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isSemaphore = (u: unknown): u is Semaphore => u instanceof SemaphoreImpl

/**
 * Takes a permit: Python's `sem.acquire(blocking, timeout)`.
 *
 * @since 0.1.0
 * @category permits
 */
export const acquire: {
  (self: Semaphore): Effect.Effect<boolean>
  (self: Semaphore, options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
} = ((self: Semaphore, options?: AcquireOptions) => (self as SemaphoreImpl).acquire(options as AcquireOptions)) as any

/**
 * Returns `n` permits: Python's `sem.release(n)`.
 *
 * @since 0.1.0
 * @category permits
 */
export const release = (
  self: Semaphore,
  n?: number
): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> => self.release(n)

/**
 * Runs an effect holding one permit, returning it however the effect ends:
 * Python's `with sem:`.
 *
 * @since 0.1.0
 * @category permits
 */
export const withPermit: {
  (self: Semaphore): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Semaphore): Effect.Effect<A, E, R>
} = dual(
  (args) => isSemaphore(args[1]),
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Semaphore): Effect.Effect<A, E, R> => self.withPermit(effect)
)

/**
 * How many permits are free now.
 *
 * @since 0.1.0
 * @category getters
 */
export const value = (self: Semaphore): Effect.Effect<number> => self.value
