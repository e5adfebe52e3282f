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
import { Effect, Exit, Option, Scope, Semaphore as EffectSemaphore } from "effect"
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

  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    // Whatever takes the permit runs uninterruptibly, and so does the step
    // that counts it: only the wait itself is interruptible (see `wait`).
    return Effect.uninterruptibleMask((restore) => {
      if (options === undefined) return this.wait(restore, undefined)
      const millis = nonBlockingCheck(options) ?? timeoutMillis(options.timeout)
      if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
      if (options.blocking === false || millis === 0) {
        return Effect.map(this.semaphore.takeIfAvailable(1), (taken) => taken && this.onTaken())
      }
      return this.wait(restore, millis)
    })
  }

  /**
   * Takes a permit, waiting for it (at most `millis` when given); called
   * inside `acquire`'s mask. `restore(semaphore.take(1))` would leak: `take`
   * takes the permit inside the interruptible region, and a fiber paused at
   * the next step boundary (its op budget spent) and interrupted there never
   * counts it nor gives it back. `takeScoped` instead takes the permit and
   * adds its release to `scope` in one uninterruptible step, wrapping only
   * the wait in its own restore; so whatever ends the wait (success, a
   * timeout, or an interruption after the permit was taken), `scope` holds
   * the permit's release exactly when a permit is held. On success the permit
   * is kept and counted (the scope is dropped unclosed); otherwise closing
   * the scope gives back any permit taken.
   */
  wait(
    restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
    millis: number | undefined
  ): Effect.Effect<boolean> {
    const scope = Scope.makeUnsafe()
    const take = Effect.provideService(this.semaphore.takeScoped(1), Scope.Scope, scope)
    const wait = millis === undefined
      ? Effect.as(take, true)
      : Effect.map(Effect.timeoutOption(take, millis), Option.isSome)
    return Effect.onExit(restore(wait), (exit) => {
      if (Exit.isSuccess(exit) && exit.value) {
        this.free--
        return Effect.void
      }
      return Scope.close(scope, exit)
    })
  }

  release(n = 1): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> {
    // Uninterruptible: `free` is raised in this step and the permits are
    // returned to Effect's semaphore in the next; an interruption in between
    // would leave `value` counting permits that cannot be taken.
    return Effect.uninterruptible(Effect.suspend((): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> => {
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
    }))
  }

  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    // Effect's `withPermit` takes the permit and registers its release in one
    // uninterruptible step (only its wait is interruptible). The body below
    // then counts the permit, and registers the matching uncount, in one
    // uninterruptible step of its own: an interruption between the two steps
    // gives the permit back before it was counted, so `free` stays exact.
    return this.semaphore.withPermit(Effect.uninterruptibleMask((restore) => {
      this.free--
      return Effect.onExitPrimitive(restore(effect), this.uncount, true)
    }))
  }

  readonly uncount = (): undefined => {
    this.free++
    return undefined
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
