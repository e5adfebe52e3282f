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
 * | (Trio's `sem.statistics()`)   | `sem.statistics` → `{ value, waiting }` |
 *
 * As in Python, a plain semaphore may be released more often than it was
 * acquired (its value grows); a bounded one fails with
 * `SemaphoreOverReleaseError` when a release would lift its value above the
 * initial value. Permits are not owned: any fiber may release.
 *
 * Waiters are served in arrival order and a release hands its permit
 * straight to the longest waiter, as asyncio's `Semaphore` does (3.11,
 * `_wake_up_next`): `value` stays 0 while the woken waiter gets ready to run,
 * and neither a non-blocking `acquire` nor a newcomer can take the permit
 * from under it. Until the woken waiter has run, newcomers queue behind it
 * even when another release has freed a permit meanwhile (asyncio's
 * `locked()` counts it as waiting), so nobody is served before an earlier
 * waiter. (`threading.Semaphore` leaves a released permit up for grabs until
 * the woken thread runs, so a barging `acquire(blocking=False)` can starve a
 * waiter; corun follows asyncio here.) A waiter interrupted after it was
 * handed a permit, or whose timeout fires at that moment, passes the permit
 * on to the next waiter, or back to the semaphore: no permit is lost.
 *
 * Written here rather than on Effect's `Semaphore`: Effect's wakes a waiter
 * without reserving the permit for it, and does not expose how many permits
 * are free. The waiting is the toolbox's parking lot, in hand-off mode. The uncontended `withPermit` costs about what Effect's
 * `withPermits(1)` does (see `bench/toolbox-semaphore.bench.ts`).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, SemaphoreOverReleaseError } from "./Errors.ts"
import { ParkingLot, settle, Waiter } from "./internal/parkingLot.ts"
import { isPoll, type Millis, within } from "./internal/timeout.ts"
import { acquireMillis } from "./internal/validation.ts"
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
  /**
   * How many permits are free now (Python's `sem._value`). A permit handed
   * to a waiter is not free, even before the waiter runs.
   */
  readonly value: Effect.Effect<number>
  /**
   * Takes a permit, waiting while there is none or earlier waiters are still
   * to be served (Python's `sem.acquire()`). With `{ timeout }` or
   * `{ blocking: false }` it returns `false` when no permit could be taken in
   * time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /**
   * Returns `n` permits (default 1), handing each to the longest waiter if
   * there is one (Python's `sem.release(n)`). A bounded semaphore fails with
   * `SemaphoreOverReleaseError`, releasing nothing, when its value would
   * exceed `initial`; `n < 1` is an `InvalidArgumentError`.
   */
  release(n?: number): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError>
  /** Runs `effect` holding one permit (Python's `with sem:`). */
  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
  /**
   * A snapshot: free permits and waiting fibers (Trio's
   * `statistics()`; Python's `threading` has none).
   */
  readonly statistics: Effect.Effect<Statistics>
}

/**
 * A snapshot of a semaphore.
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** How many permits are free (Python's `sem._value`). */
  readonly value: number
  /** How many fibers wait for a permit. */
  readonly waiting: number
}

/**
 * The permits and the parking lot of waiters, after asyncio 3.11's
 * `Semaphore`.
 *
 * A release hands its permit to the longest waiter (unparks it) instead of
 * freeing it, and until that waiter has run and picked the permit up (the
 * lot's `woken > 0`) a newcomer may not take a free permit either: it
 * queues, as asyncio's `acquire` does while `locked()` sees a waiter not yet
 * run. So no fiber is served before one that started waiting earlier.
 * Invariant, after every step: a permit is free while fibers wait only if
 * some handed-over permit has not been picked up yet (the waiter that picks
 * it up then hands the free permits on, see `settleWait`).
 *
 * The state is two counters, `free` and the lot's `woken` (permits handed
 * over, not yet picked up), rather than named states: a permit has no
 * identity, and counting keeps `release(n)` O(n) without allocating.
 */
class Permits {
  free: number
  /**
   * Fibers waiting for a permit. A waiter handed a permit and interrupted
   * before it ran gives it back, which hands it on (`passOn`).
   */
  readonly lot: ParkingLot = new ParkingLot({
    passOn: () => {
      this.free++
      this.handOnFree()
    }
  })

  constructor(free: number) {
    this.free = free
  }

  /** Takes a permit if one is free and nobody is served before this caller. */
  tryTake(): boolean {
    if (this.free > 0 && this.lot.woken === 0) {
      this.free--
      return true
    }
    return false
  }

  /**
   * Returns one permit: hands it to the longest waiter, or frees it. The
   * waiter is resumed on the next scheduler tick (not inside the stack of
   * the releasing fiber); the permit is its own from now on.
   */
  releaseOne(): void {
    if (this.lot.unparkOne() === undefined) this.free++
  }

  /** Hands free permits to the waiters (see the invariant above). */
  handOnFree(): void {
    while (this.free > 0 && this.lot.parked > 0) {
      this.free--
      this.lot.unparkOne()
    }
  }

  /**
   * Ends a wait, uninterruptibly, in the step it ended in. A waiter that
   * returns with its permit (also one handed it as its timeout fired) keeps
   * it, and permits freed while it was on its way (by releases with nobody
   * left in the queue) go to the fibers that queued behind it meanwhile
   * (asyncio's `if self._value > 0: self._wake_up_next()`). Otherwise it
   * leaves the queue, or passes a permit it was handed on. Returns whether
   * it holds a permit.
   */
  settleWait(waiter: Waiter, returned: boolean): boolean {
    const kept = settle(waiter, returned)
    if (kept) this.handOnFree()
    return kept
  }
}

class SemaphoreImpl implements Semaphore {
  readonly [TypeId] = TypeId
  readonly initial: number
  readonly bounded: boolean
  /** The permits and their waiters. */
  readonly semaphore: Permits

  constructor(initial: number, bounded: boolean) {
    this.initial = initial
    this.bounded = bounded
    this.semaphore = new Permits(initial)
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  get value(): Effect.Effect<number> {
    return Effect.sync(() => this.semaphore.free)
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => ({ value: this.semaphore.free, waiting: this.semaphore.lot.parked }))
  }

  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    return Effect.uninterruptibleMask((restore) => {
      const permits = this.semaphore
      let millis: Millis = undefined
      if (options !== undefined) {
        const checked = acquireMillis(options)
        if (checked instanceof InvalidArgumentError) return Effect.fail(checked)
        millis = checked
      }
      if (permits.tryTake()) return succeedTrue
      if (isPoll(millis)) return succeedFalse
      // Queued in the step that found no permit; the wait settles in the
      // step it ends in (`settleWait`), so a permit handed over as the wait
      // is interrupted or times out is kept or passed on, never lost.
      const waiter = permits.lot.enqueue(new Waiter())
      let kept = false
      return Effect.map(
        Effect.onExitPrimitive(restore(within(permits.lot.park(waiter), millis)), (exit) => {
          kept = permits.settleWait(waiter, Exit.isSuccess(exit))
          return undefined
        }, true),
        () => kept
      )
    })
  }

  release(n = 1): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> {
    return Effect.suspend((): Effect.Effect<void, SemaphoreOverReleaseError | InvalidArgumentError> => {
      if (!Number.isInteger(n) || n < 1) {
        return Effect.fail(
          new InvalidArgumentError({ argument: "n", message: `'n' must be a positive integer, got ${n}` })
        )
      }
      const permits = this.semaphore
      // Permits handed to waiters are held: they do not count as free.
      if (this.bounded && permits.free + n > this.initial) {
        return Effect.fail(
          new SemaphoreOverReleaseError({
            bound: this.initial,
            message:
              `Semaphore released too many times: its value ${permits.free} + ${n} would exceed its bound ${this.initial}`
          })
        )
      }
      for (let i = 0; i < n; i++) permits.releaseOne()
      return Effect.void
    })
  }

  withPermit<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    // The permit is taken and its release registered in one uninterruptible
    // step; only the wait and `effect` are interruptible.
    return Effect.uninterruptibleMask((restore) => {
      const permits = this.semaphore
      // The uncontended path stays inline (no parking lot): it is the hot
      // one, measured against Effect's `withPermits(1)`.
      if (permits.free > 0 && permits.lot.woken === 0) {
        permits.free--
        // (The finalizer is written out in both branches, as in `Lock`:
        // a shared closure slows this path down.)
        return Effect.onExitPrimitive(restore(effect), () => {
          permits.releaseOne()
          return undefined
        }, true)
      }
      const waiter = permits.lot.enqueue(new Waiter())
      // A wait handed the permit and interrupted before it returns passes
      // the permit on (`settleWait`).
      const wait = Effect.onExitPrimitive(restore(permits.lot.park(waiter)), (exit) => {
        permits.settleWait(waiter, Exit.isSuccess(exit))
        return undefined
      }, true)
      return Effect.flatMap(wait, () =>
        Effect.onExitPrimitive(restore(effect), () => {
          permits.releaseOne()
          return undefined
        }, true))
    })
  }

  toString() {
    return `${this.bounded ? "BoundedSemaphore" : "Semaphore"}(value=${this.semaphore.free}/${this.initial})`
  }
}

const succeedTrue = Effect.succeed(true)
const succeedFalse = Effect.succeed(false)

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

/**
 * A snapshot of the semaphore: `{ value, waiting }` (Trio's
 * `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = (self: Semaphore): Effect.Effect<Statistics> => self.statistics
