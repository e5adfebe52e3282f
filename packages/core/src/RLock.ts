/**
 * An `RLock` is a re-entrant lock: the task that holds it may acquire it
 * again without waiting, and must release it as many times as it acquired
 * it: Python's `threading.RLock`.
 *
 * ```ts
 * const rlock = yield* RLock.make()                 // lock = threading.RLock()
 * const run1 = RLock.withLock(rlock)(step1)         // with lock: ...
 * const run3 = RLock.withLock(rlock)(Effect.andThen(run1, run2)) // nesting is fine
 * ```
 *
 * | Python                         | corun                                  |
 * |--------------------------------|----------------------------------------|
 * | `threading.RLock()`            | `RLock.make()`                         |
 * | `rlock.acquire(blocking, timeout)` | `rlock.acquire({ blocking, timeout })` |
 * | `rlock.release()`              | `rlock.release`                        |
 * | `with rlock: ...`              | `RLock.withLock(rlock)(effect)`        |
 * | (Trio's `statistics()`)        | `rlock.statistics` → `{ locked, owner, count, waiting }` |
 *
 * Ownership is per task, as Python's is per thread: the corun task (the
 * fiber `Executor.submit`, `TaskGroup.createTask` or a `Timer` started, or
 * the main task outside them) with every fiber Effect's combinators fork
 * inside it (`Effect.timeout`, `race`, `forEach` with concurrency, …). Those
 * fibers re-enter the lock their task holds; another task waits. Only the
 * owning task may release; any other gets `LockNotOwnedError`.
 *
 * Built on `Lock` (owner + FIFO hand-off) plus a recursion count, which is
 * what Effect's `Semaphore` lacks.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, LockNotOwnedError } from "./Errors.ts"
import { describeTask, type TaskInfo, taskOf } from "./internal/task.ts"
import { acquireMillis } from "./internal/validation.ts"
import * as Lock from "./Lock.ts"

const TypeId = "~@corun/core/RLock" as const

/**
 * A re-entrant lock, owned by one task at a time and counted.
 *
 * @since 0.1.0
 * @category models
 */
export interface RLock extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /**
   * Takes the lock for the current task, or increments the count when the
   * task already holds it (Python's `rlock.acquire()`). With `{ timeout }`
   * or `{ blocking: false }` it returns `false` when the lock could not be
   * taken in time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: Lock.AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /**
   * Decrements the count; the lock is free once it reaches zero (Python's
   * `rlock.release()`). Fails with `LockNotOwnedError` when the current
   * task does not hold the lock.
   */
  readonly release: Effect.Effect<void, LockNotOwnedError>
  /** Whether some task holds the lock. */
  readonly locked: Effect.Effect<boolean>
  /** How many times the owner has acquired it (0 when free). */
  readonly count: Effect.Effect<number>
  /** Whether the current task holds the lock (Python's `_is_owned()`). */
  readonly isOwned: Effect.Effect<boolean>
  /**
   * A snapshot: whether it is locked, by which task, how many times, and
   * how many fibers wait (Trio's `statistics()`; Python's `threading` has
   * none).
   */
  readonly statistics: Effect.Effect<Statistics>
  /**
   * Runs `effect` while holding the lock (Python's `with rlock:`); nests in
   * the owner. The lock is released however `effect` ends.
   */
  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

/**
 * A snapshot of an `RLock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** Whether some task holds the lock. */
  readonly locked: boolean
  /** The task holding it (`undefined` when it is free). */
  readonly owner: TaskInfo | undefined
  /** How many times the owner has acquired it (0 when free). */
  readonly count: number
  /** How many fibers wait for it. */
  readonly waiting: number
}

/**
 * The one `Lock` internal that `RLock` drives directly, as `Lock.withLock`
 * does: taking a free lock synchronously, in the step that records it.
 */
interface LockInternals {
  tryAcquireUnsafe(owner: TaskInfo): object | undefined
  /** Waits for the lock on behalf of task `owner` (the `acquire` of another task). */
  acquireFor(
    owner: TaskInfo,
    options: Lock.AcquireOptions | undefined,
    restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  ): Effect.Effect<boolean, InvalidArgumentError>
}

const acquireFor = (
  lock: LockInternals,
  owner: TaskInfo,
  options?: Lock.AcquireOptions
): Effect.Effect<boolean, InvalidArgumentError> =>
  Effect.uninterruptibleMask((restore) => lock.acquireFor(owner, options, restore))

class RLockImpl implements RLock {
  readonly [TypeId] = TypeId
  readonly lock = Lock.makeUnsafe()
  readonly internals = this.lock as unknown as LockInternals
  count_ = 0

  pipe() {
    return pipeArguments(this, arguments)
  }

  get owner(): TaskInfo | undefined {
    return Lock.ownerUnsafe(this.lock)
  }

  // As in `Lock.withLock`, the lock is taken and counted in one
  // uninterruptible step, and only the wait runs in `restore`. (Taking it
  // inside `restore` and counting it a step later leaked it: a fiber paused
  // in between, its op budget spent, and interrupted there kept the lock
  // with a count of 0, so nobody ever released it.)

  acquire(): Effect.Effect<boolean>
  acquire(options: Lock.AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: Lock.AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    // The options are checked before re-entry or the free-lock path, as
    // Python's `RLock.acquire` parses its timeout first.
    if (options !== undefined) {
      const millis = acquireMillis(options)
      if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    }
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => {
        const id = taskOf(fiber)
        if (this.owner === id) {
          this.count_++
          return succeedTrue
        }
        if (this.internals.tryAcquireUnsafe(id) !== undefined) {
          this.count_ = 1
          return succeedTrue
        }
        return Effect.onExitPrimitive(
          restore(acquireFor(this.internals, id, options)),
          (exit) => this.settle(id, exit),
          true
        )
      })
    )
  }

  /**
   * Records the end of a wait for the lock on behalf of task `id` (called
   * uninterruptibly, once the wait's `restore` has ended): counts the lock
   * when it was taken, and gives it back when the wait ended otherwise but
   * left it held by `id` (taken, then interrupted or timed out before this
   * step), so that no exit path keeps an uncounted lock.
   */
  settle(id: TaskInfo, exit: Exit.Exit<boolean, unknown>): undefined {
    if (Exit.isSuccess(exit) && exit.value) this.count_ = 1
    // Held by the task but not counted: taken by this wait, not by a
    // re-entry from another of the task's fibers.
    else if (this.owner === id && this.count_ === 0) Lock.releaseUnsafe(this.lock)
    return undefined
  }

  get release(): Effect.Effect<void, LockNotOwnedError> {
    return Effect.withFiber((fiber) => {
      if (this.owner !== taskOf(fiber)) return Effect.fail(notOwned(this.owner))
      this.releaseOnceUnsafe()
      return Effect.void
    })
  }

  releaseOnceUnsafe(): void {
    if (--this.count_ === 0) Lock.releaseUnsafe(this.lock)
  }

  get locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.owner !== undefined)
  }

  get count(): Effect.Effect<number> {
    return Effect.sync(() => this.count_)
  }

  statisticsUnsafe(): Statistics {
    const lock = Lock.statisticsUnsafe(this.lock)
    return { locked: lock.locked, owner: lock.owner, count: this.count_, waiting: lock.waiting }
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => this.statisticsUnsafe())
  }

  get isOwned(): Effect.Effect<boolean> {
    return Effect.withFiber((fiber) => Effect.succeed(this.owner === taskOf(fiber)))
  }

  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => {
        const id = taskOf(fiber)
        if (this.owner === id) {
          this.count_++
          return Effect.onExitPrimitive(restore(effect), () => {
            if (this.owner === id) this.releaseOnceUnsafe()
            return undefined
          }, true)
        }
        if (this.internals.tryAcquireUnsafe(id) !== undefined) {
          this.count_ = 1
          return Effect.onExitPrimitive(restore(effect), () => {
            if (this.owner === id) this.releaseOnceUnsafe()
            return undefined
          }, true)
        }
        return Effect.flatMap(
          Effect.onExitPrimitive(
            restore(acquireFor(this.internals, id) as Effect.Effect<boolean>),
            (exit) => this.settle(id, exit),
            true
          ),
          () =>
            Effect.onExitPrimitive(restore(effect), () => {
              if (this.owner === id) this.releaseOnceUnsafe()
              return undefined
            }, true)
        )
      })
    )
  }

  /** Python's `_release_save`: frees the lock entirely, returning the count. */
  releaseSaveUnsafe(): number {
    const count = this.count_
    this.count_ = 0
    Lock.releaseUnsafe(this.lock)
    return count
  }

  /** Python's `_acquire_restore`: waits for the lock, then restores the count. */
  acquireRestore(owner: TaskInfo, count: number): Effect.Effect<void> {
    return Effect.map(acquireFor(this.internals, owner) as Effect.Effect<boolean>, () => {
      this.count_ = count
    })
  }

  toString() {
    return `RLock(${
      this.owner === undefined ? "unlocked" : `held by ${describeTask(this.owner)}, count ${this.count_}`
    })`
  }
}

const succeedTrue = Effect.succeed(true)

const notOwned = (owner: TaskInfo | undefined) =>
  new LockNotOwnedError({
    message: owner === undefined
      ? "cannot release un-acquired lock: acquire the RLock first (or use withLock)"
      : `cannot release an RLock held by ${describeTask(owner)}: only the task that holds it may release it`
  })

/**
 * Creates an unlocked re-entrant lock: Python's `threading.RLock()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Effect.Effect<RLock> => Effect.sync(() => new RLockImpl())

/**
 * Creates an unlocked re-entrant lock outside an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (): RLock => new RLockImpl()

/**
 * Whether a value is an `RLock`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isRLock = (u: unknown): u is RLock => u instanceof RLockImpl

/**
 * Takes the lock (or increments its count in the owner): Python's
 * `rlock.acquire(blocking, timeout)`.
 *
 * @since 0.1.0
 * @category locking
 */
export const acquire: {
  (self: RLock): Effect.Effect<boolean>
  (self: RLock, options: Lock.AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
} = ((self: RLock, options?: Lock.AcquireOptions) => (self as RLockImpl).acquire(options as Lock.AcquireOptions)) as any

/**
 * Releases one level of the lock held by the current task: Python's
 * `rlock.release()`.
 *
 * @since 0.1.0
 * @category locking
 */
export const release = (self: RLock): Effect.Effect<void, LockNotOwnedError> => self.release

/**
 * Runs an effect while holding the lock; nests in the owner: Python's
 * `with rlock:`.
 *
 * @since 0.1.0
 * @category locking
 */
export const withLock: {
  (self: RLock): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: RLock): Effect.Effect<A, E, R>
} = dual(
  (args) => isRLock(args[1]),
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: RLock): Effect.Effect<A, E, R> => self.withLock(effect)
)

/**
 * The task holding the lock (`undefined` when it is free).
 *
 * @since 0.1.0
 * @category getters
 */
export const ownerUnsafe = (self: RLock): TaskInfo | undefined => (self as RLockImpl).owner

/**
 * A snapshot of the lock: `{ locked, owner, count, waiting }` (Trio's
 * `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = (self: RLock): Effect.Effect<Statistics> => self.statistics

/**
 * The snapshot `statistics` returns, taken now, outside an Effect.
 *
 * @since 0.1.0
 * @category getters
 */
export const statisticsUnsafe = (self: RLock): Statistics => (self as RLockImpl).statisticsUnsafe()
