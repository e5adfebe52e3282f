/**
 * A `Lock` is a mutual-exclusion lock owned by the fiber that acquired it:
 * Python's `threading.Lock`, with fibers in place of threads.
 *
 * ```ts
 * import { Effect } from "effect"
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
 *
 * Differences from Python, on purpose: the lock remembers which fiber holds
 * it, and `release` from any other fiber fails with `LockNotOwnedError`
 * (Python lets any thread release a `Lock`). Like Python's `Lock` it is not
 * re-entrant: a fiber that acquires it twice waits for itself forever (use
 * `RLock`). Waiters are served in arrival order: `release` hands the lock to
 * the longest waiter directly, so a fiber that just released it cannot barge
 * ahead.
 *
 * Why not Effect's `Semaphore(1)`: it has no owner, so it cannot tell who may
 * release it, and `RLock` / `Condition` need that owner. The hand-written
 * part is only the owner field and the FIFO hand-off below; the uncontended
 * path costs the same as `Semaphore.withPermits(1)` (see `bench/toolbox.bench.ts`).
 *
 * @since 0.1.0
 */
import { type Duration, Effect, Exit, Option } from "effect"
import { dual } from "effect/Function"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, LockNotOwnedError } from "./Errors.ts"
import { scheduleUnsafe } from "./internal/options.ts"
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
 * A mutual-exclusion lock held by one fiber at a time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /**
   * Waits until the lock is free and takes it for the current fiber; returns
   * `true` (Python's `lock.acquire()`). With `{ timeout }` or
   * `{ blocking: false }` it returns `false` when the lock could not be taken
   * in time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  /**
   * Releases the lock held by the current fiber (Python's `lock.release()`);
   * fails with `LockNotOwnedError` when the current fiber does not hold it.
   */
  readonly release: Effect.Effect<void, LockNotOwnedError>
  /** Whether some fiber holds the lock (Python's `lock.locked()`). */
  readonly locked: Effect.Effect<boolean>
  /**
   * Runs `effect` while holding the lock (Python's `with lock:`). The lock
   * is released when `effect` succeeds, fails or is interrupted.
   */
  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

interface Waiter {
  /** The id of the fiber that will own the lock once it is handed over. */
  readonly owner: number
  resume: ((effect: Effect.Effect<void>) => void) | undefined
  /** Set when `release` handed the lock to this waiter. */
  granted: boolean
}

const resumeVoid = (waiter: Waiter) => waiter.resume?.(Effect.void)

class LockImpl implements Lock {
  readonly [TypeId] = TypeId
  /** The id of the fiber holding the lock, `undefined` when it is free. */
  owner: number | undefined = undefined
  /** Fibers waiting for the lock, in arrival order. */
  readonly waiters = new Set<Waiter>()

  pipe() {
    return pipeArguments(this, arguments)
  }

  /**
   * Frees the lock, or hands it to the longest waiter. The waiter is resumed
   * on the next scheduler tick; if it is interrupted before it runs, its
   * cancel hook passes the lock on (see `waitFor`).
   */
  releaseUnsafe(): void {
    if (this.waiters.size === 0) {
      this.owner = undefined
      return
    }
    const next: Waiter = this.waiters.values().next().value!
    this.waiters.delete(next)
    this.owner = next.owner
    next.granted = true
    scheduleUnsafe(() => resumeVoid(next))
  }

  /** Takes the lock for `owner` if it is free and nobody waits. */
  tryAcquireUnsafe(owner: number): boolean {
    if (this.owner !== undefined) return false
    this.owner = owner
    return true
  }

  /**
   * Waits until the lock is handed to `owner`. Interrupting the wait (a
   * timeout interrupts it too) leaves the queue, or passes the lock on when
   * it was handed over in the meantime, so no lock is ever lost.
   */
  waitFor(owner: number): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      // The lock may have been released between the caller's check and now
      // (a timeout runs this wait in a child fiber).
      if (this.owner === undefined && this.waiters.size === 0) {
        this.owner = owner
        resume(Effect.void)
        return
      }
      const waiter: Waiter = { owner, resume, granted: false }
      this.waiters.add(waiter)
      return Effect.sync(() => {
        if (waiter.granted) {
          if (this.owner === owner) this.releaseUnsafe()
        } else {
          this.waiters.delete(waiter)
        }
      })
    })
  }

  acquireFor(owner: number, options: AcquireOptions | undefined): Effect.Effect<boolean, InvalidArgumentError> {
    if (options === undefined) {
      if (this.tryAcquireUnsafe(owner)) return succeedTrue
      return this.guardWait(owner, Effect.as(this.waitFor(owner), true))
    }
    // The options are checked before the lock is tried: a bad timeout fails
    // the same way on a free lock as on a held one, and takes nothing.
    const millis = acquireMillis(options)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    if (this.tryAcquireUnsafe(owner)) return succeedTrue
    if (millis === 0) return succeedFalse
    if (millis === undefined) return this.guardWait(owner, Effect.as(this.waitFor(owner), true))
    return this.guardWait(owner, Effect.map(Effect.timeoutOption(this.waitFor(owner), millis), Option.isSome))
  }

  /**
   * A wait can be granted the lock and then be interrupted (or lose a race
   * with its timeout) before it returns `true`: the caller would never
   * release it. If the wait did not return `true` but this fiber now holds
   * a lock it did not hold before, give it back.
   */
  guardWait(owner: number, wait: Effect.Effect<boolean>): Effect.Effect<boolean> {
    const heldBefore = this.owner === owner
    return Effect.uninterruptibleMask((restore) =>
      Effect.onExitPrimitive(restore(wait), (exit) => {
        if (!heldBefore && this.owner === owner && !(Exit.isSuccess(exit) && exit.value)) this.releaseUnsafe()
        return undefined
      }, true)
    )
  }

  acquire(): Effect.Effect<boolean>
  acquire(options: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError>
  acquire(options?: AcquireOptions): Effect.Effect<boolean, InvalidArgumentError> {
    return Effect.withFiber((fiber) => this.acquireFor(fiber.id, options))
  }

  get release(): Effect.Effect<void, LockNotOwnedError> {
    return Effect.withFiber((fiber) => {
      if (this.owner !== fiber.id) return Effect.fail(notOwned(this.owner, "release"))
      this.releaseUnsafe()
      return Effect.void
    })
  }

  get locked(): Effect.Effect<boolean> {
    return Effect.sync(() => this.owner !== undefined)
  }

  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => {
        const id = fiber.id
        if (this.owner === undefined) {
          this.owner = id
          // (The finalizer is written out in both branches: hoisting it into
          // a shared `const` made V8 run this path 3× slower.)
          return Effect.onExitPrimitive(restore(effect), () => {
            // The body may have released the lock itself (and another fiber
            // may hold it now): release only what this fiber still holds.
            if (this.owner === id) this.releaseUnsafe()
            return undefined
          }, true)
        }
        // If the wait is granted the lock and then interrupted before it
        // returns, the lock is given back here.
        const heldBefore = this.owner === id
        const wait = Effect.onExitPrimitive(restore(this.waitFor(id)), (exit) => {
          if (Exit.isFailure(exit) && !heldBefore && this.owner === id) this.releaseUnsafe()
          return undefined
        }, true)
        return Effect.flatMap(wait, () =>
          Effect.onExitPrimitive(restore(effect), () => {
            if (this.owner === id) this.releaseUnsafe()
            return undefined
          }, true))
      })
    )
  }

  toString() {
    return `Lock(${this.owner === undefined ? "unlocked" : `locked by fiber #${this.owner}`})`
  }
}

const succeedTrue = Effect.succeed(true)
const succeedFalse = Effect.succeed(false)

const notOwned = (owner: number | undefined, what: string) =>
  new LockNotOwnedError({
    message: owner === undefined
      ? `cannot ${what} an unlocked lock: acquire it first (or use withLock)`
      : `cannot ${what} a lock held by fiber #${owner}: only the fiber that acquired it may release it`
  })

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
 * Takes the lock for the current fiber: Python's `lock.acquire(blocking,
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
 * Releases the lock held by the current fiber: Python's `lock.release()`.
 * Fails with `LockNotOwnedError` when the current fiber does not hold it.
 *
 * @since 0.1.0
 * @category locking
 */
export const release = (self: Lock): Effect.Effect<void, LockNotOwnedError> => self.release

/**
 * Whether some fiber holds the lock: Python's `lock.locked()`.
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
 * The id of the fiber holding the lock (`undefined` when it is free), for
 * diagnostics and for `RLock` / `Condition`.
 *
 * @since 0.1.0
 * @category getters
 */
export const ownerUnsafe = (self: Lock): number | undefined => (self as LockImpl).owner

/**
 * Takes the lock for the fiber with id `owner`, which need not be the
 * current fiber (used by `RLock` and `Condition`, whose waits may run in a
 * child fiber). Low-level: prefer `acquire`.
 *
 * @since 0.1.0
 * @category locking
 */
export const acquireForUnsafe = (
  self: Lock,
  owner: number,
  options?: AcquireOptions
): Effect.Effect<boolean, InvalidArgumentError> => Effect.suspend(() => (self as LockImpl).acquireFor(owner, options))

/**
 * Releases the lock whoever holds it, handing it to the next waiter. Low-level
 * (used by `Condition`): prefer `release`, which checks the owner.
 *
 * @since 0.1.0
 * @category locking
 */
export const releaseUnsafe = (self: Lock): void => (self as LockImpl).releaseUnsafe()
