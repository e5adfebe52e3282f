/**
 * `@corun/core`: Python-style structured concurrency on Effect fibers.
 *
 * @since 0.1.0
 */

/**
 * The typed errors of corun.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.ts"

/**
 * `Future<A, E>`: a handle on a submitted task (Python's
 * `concurrent.futures.Future` / `asyncio.Task`).
 *
 * @since 0.1.0
 */
export * as Future from "./Future.ts"

/**
 * `Executor`: a scoped runner of concurrent tasks returning futures
 * (Python's `ThreadPoolExecutor`).
 *
 * @since 0.1.0
 */
export * as Executor from "./Executor.ts"

/**
 * `gather`: run effects at once, results in order (Python's `asyncio.gather`).
 *
 * @since 0.1.0
 */
export * as Gather from "./Gather.ts"

/**
 * `TaskGroup`: structured task groups (Python's `asyncio.TaskGroup`).
 *
 * @since 0.1.0
 */
export * as TaskGroup from "./TaskGroup.ts"

/**
 * `Wait`: waiting on many futures (Python's `concurrent.futures.wait` /
 * `as_completed`, `asyncio.wait` / `asyncio.as_completed`).
 *
 * @since 0.1.0
 */
export * as Wait from "./Wait.ts"

/**
 * Python's `concurrent.futures.wait(fs, timeout, return_when)` and
 * `as_completed(fs, timeout)` (also `asyncio.wait` / `asyncio.as_completed`).
 *
 * @since 0.1.0
 */
export { asCompleted, wait } from "./Wait.ts"

/**
 * Python's `asyncio.gather(*aws, return_exceptions)`.
 *
 * @since 0.1.0
 */
export { gather } from "./Gather.ts"

/**
 * `Task`: a CPU-bound function declared with schemas, run by worker pools
 * (the `func` of Python's `pool.apply(func, args)`).
 *
 * @since 0.1.0
 */
export * as Task from "./Task.ts"

/**
 * `Pool`: the worker-pool service (Python's `multiprocessing.Pool`) and its
 * `ProcessPoolExecutor`; implemented by `@corun/node`'s `NodePool`.
 *
 * @since 0.1.0
 */
export * as Pool from "./Pool.ts"

/**
 * How far a batch of work has got (done, failed, total, rate, ETA), as a
 * value and a `Stream`: pass one to a pool's `map`, `imap` or `stream`.
 *
 * @since 0.1.0
 */
export * as Progress from "./Progress.ts"

/**
 * A picture of a run: every task's time queued and at work, on which worker
 * or fiber, and how it ended, as a self-contained HTML page (SVG).
 *
 * @since 0.1.0
 */
export * as Timeline from "./Timeline.ts"

/**
 * `Lock`: a mutual-exclusion lock owned by the fiber that holds it (Python's
 * `threading.Lock`).
 *
 * @since 0.1.0
 */
export * as Lock from "./Lock.ts"

/**
 * `RLock`: a re-entrant, counted lock (Python's `threading.RLock`).
 *
 * @since 0.1.0
 */
export * as RLock from "./RLock.ts"

/**
 * `Semaphore`: a counting semaphore, plain or bounded (Python's
 * `threading.Semaphore` / `threading.BoundedSemaphore`).
 *
 * @since 0.1.0
 */
export * as Semaphore from "./Semaphore.ts"

/**
 * `BoundedSemaphore`: a semaphore that cannot be released more often than
 * acquired (Python's `threading.BoundedSemaphore`).
 *
 * @since 0.1.0
 */
export * as BoundedSemaphore from "./BoundedSemaphore.ts"

/**
 * `Event`: a flag fibers can wait on (Python's `threading.Event`).
 *
 * @since 0.1.0
 */
export * as Event from "./Event.ts"

/**
 * `Condition`: wait / notify over a lock (Python's `threading.Condition`).
 *
 * @since 0.1.0
 */
export * as Condition from "./Condition.ts"

/**
 * `Barrier`: a rendezvous for a fixed number of fibers (Python's
 * `threading.Barrier`).
 *
 * @since 0.1.0
 */
export * as Barrier from "./Barrier.ts"

/**
 * `Timer`: run an effect once after a delay, unless cancelled (Python's
 * `threading.Timer`).
 *
 * @since 0.1.0
 */
export * as Timer from "./Timer.ts"

/**
 * `FiberLocal`: a per-fiber value (Python's `threading.local`).
 *
 * @since 0.1.0
 */
export * as FiberLocal from "./FiberLocal.ts"

/**
 * `TaskQueue`: FIFO, LIFO and priority queues with `taskDone` / `join` and
 * shutdown (Python's `queue.Queue`, `LifoQueue`, `PriorityQueue`).
 *
 * @since 0.1.0
 */
export * as TaskQueue from "./TaskQueue.ts"
