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
 * Effect has no condition variable; this one is a FIFO list of waiters over
 * corun's `Lock` / `RLock`, which know their owner.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Exit, Option } from "effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, LockNotOwnedError } from "./Errors.ts"
import { scheduleUnsafe, timeoutMillis } from "./internal/options.ts"
import { type TaskInfo, taskOf } from "./internal/task.ts"
import { integerCount } from "./internal/validation.ts"
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
}

interface Waiter {
  resume: ((effect: Effect.Effect<void>) => void) | undefined
  notified: boolean
}

class ConditionImpl implements Condition {
  readonly [TypeId] = TypeId
  readonly lock: Lock.Lock | RLock.RLock
  readonly isRLock: boolean
  readonly waiters = new Set<Waiter>()

  constructor(lock: Lock.Lock | RLock.RLock) {
    this.lock = lock
    this.isRLock = RLock.isRLock(lock)
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  owner(): TaskInfo | undefined {
    return this.isRLock ? RLock.ownerUnsafe(this.lock as RLock.RLock) : Lock.ownerUnsafe(this.lock as Lock.Lock)
  }

  /** Frees the lock; returns what `acquireRestore` needs to take it back. */
  releaseSave(): unknown {
    return this.isRLock
      ? RLock.releaseSaveUnsafe(this.lock as RLock.RLock)
      : Lock.releaseSaveUnsafe(this.lock as Lock.Lock)
  }

  acquireRestore(owner: TaskInfo, saved: unknown): Effect.Effect<void> {
    return this.isRLock
      ? RLock.acquireRestoreUnsafe(this.lock as RLock.RLock, owner, saved as number)
      : Lock.acquireRestoreUnsafe(this.lock as Lock.Lock, saved)
  }

  notifyUnsafe(n: number): void {
    for (const waiter of this.waiters) {
      if (n <= 0) break
      n--
      this.waiters.delete(waiter)
      waiter.notified = true
      const resume = waiter.resume
      if (resume !== undefined) scheduleUnsafe(() => resume(Effect.void))
    }
  }

  wait(options?: WaitOptions): Effect.Effect<boolean, LockNotOwnedError | InvalidArgumentError> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber): Effect.Effect<boolean, LockNotOwnedError | InvalidArgumentError> => {
        const millis = timeoutMillis(options?.timeout)
        if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
        const id = taskOf(fiber)
        if (this.owner() !== id) return Effect.fail(notOwned("wait on"))
        const waiter: Waiter = { resume: undefined, notified: false }
        this.waiters.add(waiter)
        const saved = this.releaseSave()
        const sleep = Effect.callback<void>((resume) => {
          if (waiter.notified) resume(Effect.void)
          else waiter.resume = resume
        })
        const waiting: Effect.Effect<boolean> = millis === undefined
          ? Effect.as(sleep, true)
          : millis === 0
          ? Effect.succeed(false)
          : Effect.map(Effect.timeoutOption(sleep, millis), Option.isSome)
        return Effect.flatMap(Effect.exit(restore(waiting)), (exit) => {
          const notified = waiter.notified
          if (!notified) this.waiters.delete(waiter)
          // Take the lock back before returning or re-raising, as Python does.
          return Effect.flatMap(this.acquireRestore(id, saved), () => {
            if (Exit.isSuccess(exit)) return Effect.succeed(exit.value || notified)
            // Interrupted after being notified: pass the notification on.
            if (notified) this.notifyUnsafe(1)
            return exit
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
      if (millis === undefined) {
        while (!result) {
          yield* self.wait()
          result = yield* check
        }
        return result
      }
      const deadline = (yield* Clock.currentTimeMillis) + millis
      // As in Python, the first wait always happens (so a false predicate
      // without the lock fails even with `timeout: 0`); later ones only while
      // time remains.
      let remaining = millis
      while (!result) {
        yield* self.wait({ timeout: remaining })
        result = yield* check
        if (result) break
        remaining = deadline - (yield* Clock.currentTimeMillis)
        if (remaining <= 0) break
      }
      return result
    })
  }

  notify(): Effect.Effect<void, LockNotOwnedError>
  notify(n: number): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError>
  notify(n = 1): Effect.Effect<void, LockNotOwnedError | InvalidArgumentError> {
    // Checked first: `notifyUnsafe` counts down with `n <= 0`, which a NaN
    // never reaches (it would wake every waiter; Python's loop wakes none).
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
      this.notifyUnsafe(this.waiters.size)
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
    return Effect.sync(() => this.waiters.size)
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
