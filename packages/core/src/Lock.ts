/**
 * A `Lock` is a mutual-exclusion lock owned by the task that acquired it:
 * Python's `threading.Lock`, with corun tasks in place of threads.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import { Lock } from "@corun/core"
 *
 * const program = Effect.gen(function*() {
 *   const lock = yield* Lock.make()                       // lock = threading.Lock()
 *   yield* Lock.withLock(lock)(Effect.log("alone here")) // with lock: ...
 *   if (yield* lock.acquire({ timeout: "1 second" })) {  // if lock.acquire(timeout=1):
 *     yield* lock.release                                //     lock.release()
 *   }
 * })
 * ```
 *
 * | Python                          | corun                                   |
 * |---------------------------------|-----------------------------------------|
 * | `threading.Lock()`              | `Lock.make()`                           |
 * | `lock.acquire()`                | `lock.acquire()`                        |
 * | `lock.acquire(timeout=t)`       | `lock.acquire({ timeout: t })` → `false` when it times out |
 * | `lock.acquire(blocking=False)`  | `lock.acquire({ blocking: false })`     |
 * | `lock.release()`                | `lock.release`                          |
 * | `lock.locked()`                 | `lock.locked`                           |
 * | `with lock: ...`                | `Lock.withLock(lock)(effect)`           |
 * | (Trio's `lock.statistics()`)   | `lock.statistics` → `{ locked, owner, waiting }` |
 *
 * Ownership, as in Python, belongs to the task, not to a fiber: the corun
 * task (the fiber `Executor.submit`, `TaskGroup.createTask` or a `Timer`
 * started, or the main task outside them) together with every fiber Effect's
 * combinators fork inside it. So `Effect.timeout(lock.acquire(), "1 second")`
 * takes the lock for the calling task, although the wait runs in a forked
 * fiber. As with `threading.Lock` and `asyncio.Lock`, any task may release a
 * held lock; releasing an unlocked one fails with `LockNotOwnedError`
 * (Python's `RuntimeError`). The owner is still recorded, for `Condition`'s
 * checks and for diagnostics. Like Python's `Lock` it is not re-entrant: a
 * task that acquires it twice waits for itself forever (use `RLock`).
 * Waiters are served in arrival order: `release` hands the lock to the
 * longest waiter directly, so a task that just released it cannot barge
 * ahead.
 *
 * Why not Effect's `Semaphore(1)`: it has no owner, so it cannot tell who may
 * release it, and `RLock` / `Condition` need that owner. The hand-written
 * part is only the owner field; the waiting is the toolbox's parking lot
 * (the FIFO hand-off), and the uncontended path, kept inline, costs the
 * same as `Semaphore.withPermits(1)` (see `bench/toolbox.bench.ts`).
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import { dual, identity } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, LockNotOwnedError } from "./Errors.ts"
import { ParkingLot, Waiter } from "./internal/parkingLot.ts"
import { describeTask, type TaskInfo, taskOf } from "./internal/task.ts"
import { isPoll } from "./internal/timeout.ts"
import { acquireMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Lock" as const

/**
 * Options of `acquire` for `Lock`, `RLock` and `Semaphore`: Python's
 * `acquire(blocking=True, timeout=-1)`.
 *
 * @since 0.1.0
 * @category models
 */
export interface AcquireOptions {
  /**
   * When `false`, do not wait: return `false` at once if the lock is held
   * (Python's `blocking=False`). Default `true`.
   */
  readonly blocking?: boolean | undefined
  /**
   * Give up after this long and return `false` (Python's `timeout`). A
   * negative, NaN or malformed duration, or a timeout with `blocking: false`,
   * fails with `InvalidArgumentError` before the lock is tried; `0` tries
   * once; `Infinity` (or no timeout) waits as long as it takes.
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A mutual-exclusion lock held by one task at a time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /**
   * Waits until the lock is free and takes it for the current task; returns
   * `true` (Python's `lock.acquire()`). With `{ timeout }` or
   * `{ blocking: false }` it returns `false` when the lock could not be taken
   * in time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /**
   * Releases the lock, whichever task holds it (Python's `lock.release()`);
   * fails with `LockNotOwnedError` when the lock is not held.
   */
  readonly release: Effect.Effect<void, LockNotOwnedError>
  /** Whether some task holds the lock (Python's `lock.locked()`). */
  readonly locked: Effect.Effect<boolean>
  /**
   * A snapshot: whether it is locked, by which task, and how many fibers
   * wait (Trio's `lock.statistics()`; Python's `threading` has none).
   */
  readonly statistics: Effect.Effect<Statistics>
  /**
   * Runs `effect` while holding the lock (Python's `with lock:`). The lock
   * is released when `effect` succeeds, fails or is interrupted.
   */
  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

/**
 * A snapshot of a lock (Trio's `Lock.statistics()`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** Whether some task holds the lock (Python's `lock.locked()`). */
  readonly locked: boolean
  /** The task holding it (`undefined` when it is free). */
  readonly owner: TaskInfo | undefined
  /** How many fibers wait for it. */
  readonly waiting: number
}

/**
 * One acquisition of the lock: the task it was taken for. A fresh object per
 * acquisition, so a finaliser or a cancelled wait releases the lock only if
 * that very acquisition still holds it (the task may since have released it
 * and taken it again from another of its fibers, or another task may have
 * released it, as `Lock` allows). Kept apart from the parking-lot record
 * (`HoldWaiter`): the uncontended `withLock` allocates one per call, and a
 * two-field object is what lets that path cost what Effect's
 * `withPermits(1)` does.
 */
class Hold {
  /** The fiber that took the lock, when the owner is looked up lazily. */
  readonly fiber: Fiber.Fiber<unknown, unknown> | undefined
  owner_: TaskInfo | undefined
  constructor(fiber: Fiber.Fiber<unknown, unknown> | undefined, owner: TaskInfo | undefined) {
    this.fiber = fiber
    this.owner_ = owner
  }
  /**
   * The task, looked up on first use: `withLock`'s uncontended path only
   * records its fiber, so that it costs what `Semaphore.withPermits(1)`
   * does; the owner is read by `Condition`, `ownerUnsafe` and `toString`.
   */
  get owner(): TaskInfo {
    return this.owner_ ??= taskOf(this.fiber!)
  }
}

/** A wait for the lock in its parking lot: the acquisition it is handed. */
class HoldWaiter extends Waiter {
  readonly hold: Hold
  constructor(hold: Hold) {
    super()
    this.hold = hold
  }
}

/**
 * The lock's state is `holder`: `undefined` (unlocked) or the acquisition
 * holding it (locked), which is also what a hand-off gives the woken waiter.
 * One field, not a flag plus an owner, so the two cannot disagree.
 */
class LockImpl implements Lock {
  readonly [TypeId] = TypeId
  /** The acquisition holding the lock, `undefined` when it is free. */
  holder: Hold | undefined = undefined
  /**
   * Acquisitions waiting for the lock, in arrival order. A waiter woken and
   * then interrupted before it ran holds the lock: it passes it on.
   */
  readonly lot: ParkingLot = new ParkingLot({
    passOn: (_, waiter) => {
      if (this.holder === (waiter as HoldWaiter).hold) this.releaseUnsafe()
    }
  })

  pipe() {
    return pipeArguments(this, arguments)
  }

  /** The task holding the lock, `undefined` when it is free. */
  get owner(): TaskInfo | undefined {
    return this.holder?.owner
  }

  /**
   * Frees the lock, or hands it to the longest waiter (resumed on the next
   * scheduler tick): the lock is the waiter's from this step on, so nobody
   * can barge in before it runs.
   */
  releaseUnsafe(): void {
    this.holder = (this.lot.unparkOne() as HoldWaiter | undefined)?.hold
  }

  /** Takes the lock for `owner` if it is free; returns the acquisition. */
  tryAcquireUnsafe(owner: TaskInfo): Hold | undefined {
    if (this.holder !== undefined) return undefined
    const hold = new Hold(undefined, owner)
    this.holder = hold
    return hold
  }

  /**
   * A wait record for `Condition`: for the acquisition `hold` (the one a
   * `Condition.wait` released), or a new one for `owner`.
   */
  waiterFor(owner: TaskInfo, hold: Hold | undefined): HoldWaiter {
    return new HoldWaiter(hold ?? new Hold(undefined, owner))
  }

  /**
   * Takes the lock for `owner`, waiting at most `millis`. Runs in an
   * uninterruptible region (only the wait is `restore`d): the check and the
   * parking happen in one step, and the parking lot settles the wait in the
   * step it ends in, so an interrupted or timed-out wait never keeps or
   * loses the lock.
   */
  acquireFor(owner: TaskInfo, options: AcquireOptions | undefined, restore: Restore) {
    if (options === undefined) {
      if (this.tryAcquireUnsafe(owner) !== undefined) return succeedTrue
      return this.lot.await(this.lot.enqueue(new HoldWaiter(new Hold(undefined, owner))), restore, undefined)
    }
    // The options are checked before the lock is tried: a bad timeout fails
    // the same way on a free lock as on a held one, and takes nothing.
    const millis = acquireMillis(options)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    if (this.tryAcquireUnsafe(owner) !== undefined) return succeedTrue
    if (isPoll(millis)) return succeedFalse
    return this.lot.await(this.lot.enqueue(new HoldWaiter(new Hold(undefined, owner))), restore, millis)
  }

  /**
   * Takes the lock back for an acquisition `releaseSaveUnsafe` returned:
   * the same object, so the `withLock` that made it still recognises it.
   * Waits uninterruptibly, as Python's `_acquire_restore` does.
   */
  acquireRestore(hold: Hold): Effect.Effect<void> {
    return this.acquireRestoreWaiter(new HoldWaiter(hold))
  }

  /** `acquireRestore` with the wait record (idle) at hand. */
  acquireRestoreWaiter(waiter: HoldWaiter): Effect.Effect<void> {
    if (this.holder === undefined) {
      this.holder = waiter.hold
      return Effect.void
    }
    return Effect.asVoid(this.lot.await(this.lot.enqueue(waiter), identity, undefined))
  }

  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => this.acquireFor(taskOf(fiber), options, restore))
    )
  }

  get release(): Effect.Effect<void, LockNotOwnedError> {
    // Any task may release a held lock, as Python's `threading.Lock` and
    // `asyncio.Lock` allow; only releasing an unlocked lock is an error.
    return Effect.suspend(() => {
      if (this.holder === undefined) return Effect.fail(notOwned("release"))
      this.releaseUnsafe()
      return Effect.void
    })
  }

  get locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.holder !== undefined)
  }

  statisticsUnsafe(): Statistics {
    return { locked: this.holder !== undefined, owner: this.holder?.owner, waiting: this.lot.parked }
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => this.statisticsUnsafe())
  }

  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => {
        // The uncontended path stays inline (no parking lot, no owner
        // lookup): it is the hot one, and must cost what Effect's
        // `Semaphore.withPermits(1)` does.
        if (this.holder === undefined) {
          const hold = new Hold(fiber, undefined)
          this.holder = hold
          // (The finalizer is written out in both branches: hoisting it into
          // a shared `const` made V8 run this path much slower: `pnpm bench toolbox`.)
          return Effect.onExitPrimitive(restore(effect), () => {
            // The body may have released the lock itself (and someone else
            // may hold it now): release only this acquisition.
            if (this.holder === hold) this.releaseUnsafe()
            return undefined
          }, true)
        }
        // A wait handed the lock and interrupted before it returns passes
        // the lock on (the lot's `passOn`).
        const hold = new Hold(undefined, taskOf(fiber))
        return Effect.flatMap(this.lot.await(this.lot.enqueue(new HoldWaiter(hold)), restore, undefined), () =>
          Effect.onExitPrimitive(restore(effect), () => {
            if (this.holder === hold) {
              this.releaseUnsafe()
            }
            return undefined
          }, true))
      })
    )
  }

  toString() {
    return `Lock(${this.holder === undefined ? "unlocked" : `locked by ${describeTask(this.holder.owner)}`})`
  }
}

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

const succeedTrue = Effect.succeed(true)
const succeedFalse = Effect.succeed(false)

const notOwned = (what: string) =>
  new LockNotOwnedError({ message: `cannot ${what} an unlocked lock: acquire it first (or use withLock)` })

/**
 * Creates an unlocked lock: Python's `threading.Lock()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Effect.Effect<Lock> => Effect.sync(() => new LockImpl())

/**
 * Creates an unlocked lock outside an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (): Lock => new LockImpl()

/**
 * Whether a value is a `Lock`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isLock = (u: unknown): u is Lock => u instanceof LockImpl

/**
 * Takes the lock for the current task: Python's `lock.acquire(blocking,
 * timeout)`. Returns `false` when `{ blocking: false }` or `{ timeout }` was
 * given and the lock could not be taken in time.
 *
 * @since 0.1.0
 * @category locking
 */
export const acquire: {
  (self: Lock): Effect.Effect<boolean>
  (self: Lock, options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
} = ((self: Lock, options?: AcquireOptions) => (self as LockImpl).acquire(options as AcquireOptions)) as any

/**
 * Releases the lock, whichever task holds it: Python's `lock.release()`.
 * Fails with `LockNotOwnedError` when the lock is not held.
 *
 * @since 0.1.0
 * @category locking
 */
export const release = (self: Lock): Effect.Effect<void, LockNotOwnedError> => self.release

/**
 * Whether some task holds the lock: Python's `lock.locked()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const locked = (self: Lock): Effect.Effect<boolean> => self.locked

/**
 * Runs an effect while holding the lock, releasing it however the effect
 * ends (success, failure or interruption): Python's `with lock:`.
 *
 * ```ts
 * yield* Lock.withLock(lock)(Effect.sync(() => counter++))
 * yield* Effect.sync(() => counter++).pipe(Lock.withLock(lock))
 * ```
 *
 * @since 0.1.0
 * @category locking
 */
export const withLock: {
  (self: Lock): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Lock): Effect.Effect<A, E, R>
} = dual(
  (args) => isLock(args[1]),
  <A, E, R>(effect: Effect.Effect<A, E, R>, self: Lock): Effect.Effect<A, E, R> => self.withLock(effect)
)

/**
 * A snapshot of the lock: `{ locked, owner, waiting }` (Trio's
 * `lock.statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = (self: Lock): Effect.Effect<Statistics> => self.statistics

/**
 * The snapshot `statistics` returns, taken now, outside an Effect.
 *
 * @since 0.1.0
 * @category getters
 */
export const statisticsUnsafe = (self: Lock): Statistics => (self as LockImpl).statisticsUnsafe()

/**
 * The task holding the lock (`undefined` when it is free): its
 * `Executor.TaskInfo`, the same object `Executor.CurrentTask` holds inside
 * it. For diagnostics and for `RLock` / `Condition`.
 *
 * @since 0.1.0
 * @category getters
 */
export const ownerUnsafe = (self: Lock): TaskInfo | undefined => (self as LockImpl).owner

/**
 * Releases the lock whoever holds it, handing it to the next waiter. Low-level
 * (used by `Condition`): prefer `release`, which checks the owner.
 *
 * @since 0.1.0
 * @category locking
 */
export const releaseUnsafe = (self: Lock): void => (self as LockImpl).releaseUnsafe()
