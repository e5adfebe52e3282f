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
 * Python's `concurrent.futures.wait(fs, timeout, return_when)`.
 *
 * @since 0.1.0
 */
export { asCompleted, wait } from "./Future.ts"

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
