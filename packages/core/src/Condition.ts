/**
 * A `Condition` lets fibers wait, while holding a lock, until another fiber
 * notifies them: Python's `threading.Condition`.
 *
 * ```ts
 * const cond = yield* Condition.make()                    // cond = threading.Condition()
 * // consumer                                             // with cond:
 * yield* cond.withLock(Effect.gen(function*() {           //     cond.wait_for(lambda: items)
 *   yield* cond.waitFor(() => items.length > 0)           //     item = items.pop()
 *   return items.pop()
 * }))
 * // producer                                             // with cond:
 * yield* cond.withLock(Effect.andThen(                    //     items.append(x)
 *   Effect.sync(() => items.push(x)), cond.notify()))     //     cond.notify()
 * ```
 *
 * | Python                              | corun                                     |
 * |-------------------------------------|-------------------------------------------|
 * | `Condition(lock=None)`              | `Condition.make(lock?)` (a new `RLock` by default) |
 * | `with cond:`                        | `cond.withLock(effect)`                   |
 * | `cond.wait(timeout)`                | `cond.wait({ timeout })` → `false` on timeout |
 * | `cond.wait_for(predicate, timeout)` | `cond.waitFor(predicate, { timeout })` → the predicate's last value |
 * | `cond.notify(n=1)`                  | `cond.notify(n)`                          |
 * | `cond.notify_all()`                 | `cond.notifyAll`                          |
 * | (Trio's `cond.statistics()`)       | `cond.statistics` → `{ waiting, lock }`   |
 *
 * `wait`, `notify` and `notifyAll` fail with `LockNotOwnedError` when the
 * current task does not hold the lock; `waitFor` evaluates its predicate
 * first, as Python does, and checks the lock only when it has to wait. The
 * check is per task, as Python's is per thread: a wait inside
 * `Effect.timeout` or `race` (which fork a fiber) still runs in the task
 * that holds the lock (see `Lock`). `wait` releases the lock
 * (entirely, for an `RLock` held several times), sleeps until notified, and
 * takes the lock back before it returns, also when it times out or is
 * interrupted, as Python does. A waiter that is interrupted after it was
 * notified passes the notification on to the next waiter, so `notify(n)`
 * never wakes fewer than `n` fibers that are still waiting.
 *
 * Effect has no condition variable; this one is the toolbox's parking lot
 * over corun's `Lock` / `RLock`, which know their owner: as in Trio,
 * `notify(n)` moves `n` waiters to the lock's own wait list, so each is
 * handed the lock in turn once the notifier releases it.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual, identity } from "effect/Function"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, LockNotOwnedError } from "./Errors.ts"
import { ParkingLot, settle, type Waiter } from "./internal/parkingLot.ts"
import { type TaskInfo, taskOf } from "./internal/task.ts"
import { deadlineOf, isPoll, type Millis, remaining, within } from "./internal/timeout.ts"
import { integerCount, timeoutMillis } from "./internal/validation.ts"
import * as Lock from "./Lock.ts"
import * as RLock from "./RLock.ts"

const TypeId = "~@corun/core/Condition" as const

/**
 * Options of `Condition.wait` / `waitFor`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Stop waiting after this long (Python's `timeout`); negative is an error. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A condition variable bound to a `Lock` or `RLock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Condition extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The underlying lock. */
  readonly lock: Lock.Lock | RLock.RLock
  /**
   * Releases the lock, waits until notified, then takes the lock back.
   * Returns `true` when notified, `false` when `timeout` passed first
   * (Python's `cond.wait(timeout)`).
   */
  wait(options?: WaitOptions): Effect.Effect<boolean, LockNotOwnedError | InvalidArgumentError>
  /**
   * Waits until `predicate` holds, re-checking it after every notification;
   * returns its last value, `false` when `timeout` passed first (Python's
   * `cond.wait_for(predicate, timeout)`). The predicate runs while the lock
   * is held.
   */
  waitFor<E = never, R = never>(
    predicate: Effect.Effect<boolean, E, R> | (() => boolean),
    options?: WaitOptions
  ): Effect.Effect<boolean, E | LockNotOwnedError | InvalidArgumentError, R>
  /**
   * Wakes up to `n` waiting fibers, default 1 (Python's `cond.notify(n)`):
   * `n <= 0` wakes none and `Infinity` all, as in Python; an `n` that is not
   * an integer (`1.5`, `NaN`) fails with `InvalidArgumentError`.
   */
  notify(): Effect.Effect<void, LockNotOwnedError>
  notify(n: number): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError>
  /** Wakes every waiting fiber (Python's `cond.notify_all()`). */
  readonly notifyAll: Effect.Effect<void, LockNotOwnedError>
  /** Takes the underlying lock (Python's `cond.acquire()`). */
  acquire(): Effect.Effect<boolean>
  acquire(options: Lock.AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /** Releases the underlying lock (Python's `cond.release()`). */
  readonly release: Effect.Effect<void, LockNotOwnedError>
  /** Runs `effect` holding the underlying lock (Python's `with cond:`). */
  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
  /** How many fibers are waiting to be notified. */
  readonly waiting: Effect.Effect<number>
  /**
   * A snapshot: how many fibers wait to be notified, and the lock's own
   * snapshot (Trio's `statistics()`).
   */
  readonly statistics: Effect.Effect<Statistics>
}

/**
 * A snapshot of a condition variable.
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** How many fibers wait to be notified. */
  readonly waiting: number
  /** The underlying lock's snapshot. */
  readonly lock: Lock.Statistics | RLock.Statistics
}

/** What `Condition` drives of the `Lock` under it (the `RLock`'s, for an `RLock`). */
interface LockInternals {
  readonly lot: ParkingLot
  holder: object | undefined
  waiterFor(owner: TaskInfo, hold: object | undefined): Waiter
  releaseUnsafe(): void
  acquireRestoreWaiter(waiter: Waiter): Effect.Effect<void>
}

/** What `Condition` drives of an `RLock`: its `Lock` and its count. */
interface RLockInternals {
  readonly lock: Lock.Lock
  count_: number
}

/**
 * The waiters park in the condition's own lot. `notify(n)` does not wake
 * them: it moves `n` of them to the lock's lot (Trio's `repark`), since a
 * notified waiter's next step is to take the lock, which the notifier
 * holds. The lock's release then hands the lock straight to them, in
 * order, and no notified fiber wakes only to wait again.
 */
class ConditionImpl implements Condition {
  readonly [TypeId] = TypeId
  readonly lock: Lock.Lock | RLock.RLock
  readonly isRLock: boolean
  /** The `RLock`'s internals, for an `RLock`. */
  readonly rlock: RLockInternals | undefined
  /** The `Lock` the waiters move to when notified. */
  readonly inner: LockInternals
  /** The fibers waiting to be notified (never unparked: only moved). */
  readonly lot = new ParkingLot()

  constructor(lock: Lock.Lock | RLock.RLock) {
    this.lock = lock
    this.isRLock = RLock.isRLock(lock)
    this.rlock = this.isRLock ? (lock as unknown as RLockInternals) : undefined
    this.inner = (this.rlock === undefined ? lock : this.rlock.lock) as unknown as LockInternals
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  owner(): TaskInfo | undefined {
    return this.isRLock ? RLock.ownerUnsafe(this.lock as RLock.RLock) : Lock.ownerUnsafe(this.lock as Lock.Lock)
  }

  notifyUnsafe(n: number): void {
    this.lot.repark(this.inner.lot, n)
  }

  wait(options?: WaitOptions): Effect.Effect<boolean, LockNotOwnedError | InvalidArgumentError> {
    const millis = timeoutMillis(options?.timeout)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    return this.waitMillis(millis)
  }

  /** `wait` with a checked timeout. */
  waitMillis(millis: Millis): Effect.Effect<boolean, LockNotOwnedError> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber): Effect.Effect<boolean, LockNotOwnedError> => {
        const id = taskOf(fiber)
        if (this.owner() !== id) return Effect.fail(notOwned("wait on"))
        const inner = this.inner
        const rlock = this.rlock
        // Python's `_release_save`: free the lock entirely, keeping what
        // takes it back. For a `Lock`, the waiter is the very acquisition
        // that holds it, so the `withLock` that made it still recognises it
        // when it comes back; an `RLock` keeps its count.
        const count = rlock === undefined ? 0 : rlock.count_
        const waiter = inner.waiterFor(id, rlock === undefined ? inner.holder : undefined)
        if (rlock !== undefined) rlock.count_ = 0
        this.lot.enqueue(waiter)
        inner.releaseUnsafe()
        return Effect.flatMap(Effect.exit(restore(within(this.lot.park(waiter), millis))), (exit) => {
          // Still in this lot: not notified (timed out or interrupted), so
          // leave and take the lock back like any other fiber. Otherwise
          // `notify` moved it to the lock's lot: wait there (it may have
          // been handed the lock already).
          const notified = waiter.lot !== this.lot
          if (!notified) settle(waiter, false)
          const regain = notified ? inner.lot.await(waiter, identity, undefined) : inner.acquireRestoreWaiter(waiter)
          // The lock is taken back before returning or re-raising, as
          // Python does (uninterruptibly: no `restore`).
          return Effect.flatMap(regain, () => {
            if (rlock !== undefined) rlock.count_ = count
            if (Exit.isSuccess(exit)) return Effect.succeed(Option.isSome(exit.value) || notified)
            // Interrupted after being notified: pass the notification on.
            if (notified) this.notifyUnsafe(1)
            return Effect.failCause(exit.cause)
          })
        })
      })
    )
  }

  waitFor<E = never, R = never>(
    predicate: Effect.Effect<boolean, E, R> | (() => boolean),
    options?: WaitOptions
  ): Effect.Effect<boolean, E | LockNotOwnedError | InvalidArgumentError, R> {
    const check: Effect.Effect<boolean, E, R> = Effect.isEffect(predicate) ? predicate : Effect.sync(predicate)
    const self = this
    return Effect.gen(function*() {
      const millis = timeoutMillis(options?.timeout)
      if (millis instanceof InvalidArgumentError) return yield* millis
      // The predicate comes first, as in Python's `wait_for`: when it already
      // holds, nothing waits and the lock is not checked. Otherwise `wait`
      // checks that the current task holds the lock.
      let result = yield* check
      if (result) return result
      const deadline = yield* deadlineOf(millis)
      // As in Python, the first wait always happens (so a false predicate
      // without the lock fails even with `timeout: 0`); later ones only while
      // time remains.
      let left = millis
      while (!result) {
        yield* self.waitMillis(left)
        result = yield* check
        if (result) break
        left = yield* remaining(deadline)
        if (isPoll(left)) break
      }
      return result
    })
  }

  notify(): Effect.Effect<void, LockNotOwnedError>
  notify(n: number): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError>
  notify(n = 1): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError> {
    // Checked first: a NaN would otherwise move nobody silently (Python's
    // loop wakes none, but `NaN` is a caller's bug here).
    const count = n === 1 ? 1 : integerCount(n, "n", notifyCountHelp)
    if (count instanceof InvalidArgumentError) return Effect.fail(count)
    return Effect.withFiber((fiber) => {
      if (this.owner() !== taskOf(fiber)) return Effect.fail(notOwned("notify on"))
      this.notifyUnsafe(count)
      return Effect.void
    })
  }

  get notifyAll(): Effect.Effect<void, LockNotOwnedError> {
    return Effect.withFiber((fiber) => {
      if (this.owner() !== taskOf(fiber)) return Effect.fail(notOwned("notify on"))
      this.lot.reparkAll(this.inner.lot)
      return Effect.void
    })
  }

  acquire(options?: Lock.AcquireOptions): any {
    return (this.lock as Lock.Lock).acquire(options as Lock.AcquireOptions)
  }

  get release(): Effect.Effect<void, LockNotOwnedError> {
    return this.lock.release
  }

  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return this.lock.withLock(effect)
  }

  get waiting(): Effect.Effect<number> {
    return Effect.sync(() => this.lot.parked)
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => ({
      waiting: this.lot.parked,
      lock: this.isRLock
        ? RLock.statisticsUnsafe(this.lock as RLock.RLock)
        : Lock.statisticsUnsafe(this.lock as Lock.Lock)
    }))
  }
}

const notifyCountHelp = "an integer (<= 0 wakes none) or Infinity (wakes all)"

const notOwned = (what: string) =>
  new LockNotOwnedError({
    message: `cannot ${what} un-acquired lock: call it inside cond.withLock(...) (Python's 'with cond:')`
  })

/**
 * Creates a condition variable over `lock`, or over a new `RLock` when none
 * is given: Python's `threading.Condition(lock=None)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (lock?: Lock.Lock | RLock.RLock): Effect.Effect<Condition> =>
  Effect.sync(() => new ConditionImpl(lock ?? RLock.makeUnsafe()))

/**
 * Creates a condition variable outside an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (lock?: Lock.Lock | RLock.RLock): Condition => new ConditionImpl(lock ?? RLock.makeUnsafe())

/**
 * Releases the lock, waits until notified (or `timeout`), takes the lock back:
 * Python's `cond.wait(timeout)`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const wait = (
  self: Condition,
  options?: WaitOptions
): Effect.Effect<boolean, LockNotOwnedError | InvalidArgumentError> => self.wait(options)

/**
 * Waits until `predicate` holds: Python's `cond.wait_for(predicate, timeout)`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const waitFor = <E = never, R = never>(
  self: Condition,
  predicate: Effect.Effect<boolean, E, R> | (() => boolean),
  options?: WaitOptions
): Effect.Effect<boolean, E | LockNotOwnedError | InvalidArgumentError, R> => self.waitFor(predicate, options)

/**
 * Wakes up to `n` waiters: Python's `cond.notify(n)`.
 *
 * @since 0.1.0
 * @category notifying
 */
export const notify: {
  (self: Condition): Effect.Effect<void, LockNotOwnedError>
  (self: Condition, n: number): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError>
} = ((self: Condition, n?: number) => n === undefined ? self.notify() : self.notify(n)) as any

/**
 * Wakes every waiter: Python's `cond.notify_all()`.
 *
 * @since 0.1.0
 * @category notifying
 */
export const notifyAll = (self: Condition): Effect.Effect<void, LockNotOwnedError> => self.notifyAll

/**
 * Runs an effect holding the condition's lock: Python's `with cond:`.
 *
 * @since 0.1.0
 * @category locking
 */
export const withLock: {
  (self: Condition): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Condition): Effect.Effect<A, E, R>
} = dual(
  (args) => isCondition(args[1]),
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Condition): Effect.Effect<A, E, R> => self.withLock(effect)
)

/**
 * Whether a value is a `Condition`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isCondition = (u: unknown): u is Condition => u instanceof ConditionImpl

/**
 * A snapshot of the condition: `{ waiting, lock }` (Trio's `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = (self: Condition): Effect.Effect<Statistics> => self.statistics
