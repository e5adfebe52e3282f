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
