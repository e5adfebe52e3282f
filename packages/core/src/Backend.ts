/**
 * For implementers: what an executor or a `Pool` backend (such as
 * `@corun/node`'s `NodePool`) needs to drive corun's futures and to check its
 * options as the rest of corun does. Application code does not need this
 * module: it gets futures from `Executor.submit`, `TaskGroup.createTask` and
 * the pools, and reads them with `Future`.
 *
 * Import it from its own subpath, `@corun/core/Backend`; it is not part of
 * the main entry point.
 *
 * A pool backend usually implements only `PoolBackend.PoolBackend` — run
 * one job, report how it ended — and derives the whole `Pool.PoolService`
 * from it with `PoolBackend.makePool`. The functions below are for backends
 * that drive futures themselves.
 *
 * A backend's future goes through: `makeFutureUnsafe` (pending, with a
 * canceller) → `setRunningUnsafe` when a worker starts it → `completeUnsafe`
 * with the task's `Exit` (an interrupted exit when it was cancelled). The
 * canceller must eventually lead to `completeUnsafe`.
 *
 * @since 0.1.0
 */
import type { PoolClosed } from "./Errors.ts"
import * as internal from "./internal/future.ts"
import * as frontend from "./internal/poolFrontend.ts"

/**
 * Creates a pending future. `cancel` is called (once) when someone asks to
 * cancel it before it completes (`Future.cancel`); it must eventually lead to
 * `completeUnsafe`, with an interrupted exit when the task was stopped.
 *
 * @since 0.1.0
 * @category futures
 */
export const makeFutureUnsafe = internal.makeUnsafe

/**
 * Marks a pending future as running (Python's
 * `Future.set_running_or_notify_cancel`). Returns `false` when it had
 * already completed (e.g. was cancelled).
 *
 * @since 0.1.0
 * @category futures
 */
export const setRunningUnsafe = internal.setRunningUnsafe

/**
 * Completes a future with an exit, waking everything that waits on it
 * (Python's `Future.set_result` / `set_exception`). Returns `false` when it
 * was already complete: the first exit wins.
 *
 * @since 0.1.0
 * @category futures
 */
export const completeUnsafe = internal.completeUnsafe

/**
 * Calls `observer` with the future's exit once it completes (at once when it
 * already has). Returns a function that removes the observer.
 *
 * @since 0.1.0
 * @category futures
 */
export const observeUnsafe = internal.observeUnsafe

/**
 * Binds a future to the fiber that runs its task: cancelling the future
 * interrupts the fiber, and the fiber's exit completes the future.
 *
 * @since 0.1.0
 * @category futures
 */
export const attachFiberUnsafe = internal.attachFiberUnsafe

/**
 * The argument checks every corun module uses (timeouts, durations, counts,
 * sizes; each returns the accepted value or an `InvalidArgumentError`, and
 * `Infinity` means no limit): a pool checks its options exactly as the rest
 * of corun does.
 *
 * @since 0.1.0
 * @category validation
 */
export * as Validation from "./internal/validation.ts"

/**
 * Creates the `PoolClosed` error for a task refused because the pool is
 * closed.
 *
 * @since 0.1.0
 * @category errors
 */
export const poolClosed: (task: string) => PoolClosed = frontend.poolClosed

/**
 * The back-pressured result window behind `Executor.map` and `asCompleted`,
 * for a backend's own streaming operations — Python's `pool.imap` /
 * `pool.imap_unordered` (results in input order or in completion order) and
 * `as_completed`. It reads the inputs only when there is room (at most
 * `window` items started and not yet delivered), delivers each item's
 * results (one value, or several for a chunk of inputs sent as one job), ends
 * the stream at the first failure after the results before it, and, when the
 * consumer leaves, stops starting items and cancels the ones in flight.
 * `stream` makes the `Stream`; the drivers start the items: `startEachSync`
 * for "start item i, register a completion callback, return a canceller"
 * when starting is synchronous (queue a pool job: no fiber and no effect per
 * item), `startEach` for the same when starting is an effect, and
 * `forkWorkers` for effects run inline by worker fibers.
 *
 * @since 0.1.0
 * @category streams
 */
export * as ResultWindow from "./internal/resultWindow.ts"

/**
 * The one FIFO wait list of corun's primitives (after Trio's
 * `ParkingLot`): fibers park in arrival order and are unparked one, `n` or
 * all at a time; `new ParkingLot({ hint: true })` and `lot.wait(ready)` for
 * a wait whose wake-up only says "look again". For implementers of other
 * waiting primitives (cross-process queues and locks), so that they wait
 * and wake as the toolbox's do.
 *
 * @since 0.1.0
 * @category waiting
 */
export * as ParkingLot from "./internal/parkingLot.ts"

/**
 * The small contract of a pool backend, and the `Pool.PoolService` derived
 * from it — Python's `multiprocessing.Pool` split in two: the backend runs
 * jobs on its workers (`PoolBackend.PoolBackend`: `start` a `Job`, `cancel`
 * it, report its end with `job.end(kind, value, partial)`, plus the pool's
 * lifecycle), and `PoolBackend.makePool` builds everything callers use
 * (`apply`, `applyAsync`, `map`, `mapAsync`, `starmap`, `starmapAsync`,
 * `imap`, `imapUnordered`, `progress`), with the tasks' schemas, chunking,
 * futures, callbacks and back-pressure handled once for every backend.
 * `PoolBackend.backendOf(pool)` gives the backend back.
 *
 * @since 0.1.0
 * @category pools
 */
export * as PoolBackend from "./internal/poolFrontend.ts"
