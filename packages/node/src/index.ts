/**
 * `@corun/node`: the Node.js platform layer of corun.
 *
 * @since 0.1.0
 */

/**
 * Facts about the machine the program runs on (core count).
 *
 * @since 0.1.0
 */
export * as Platform from "./Platform.ts"

/**
 * The multi-core worker pool: the `Pool` service of `@corun/core` on worker
 * threads or child processes (Python's `multiprocessing.Pool`).
 *
 * @since 0.1.0
 */
export * as NodePool from "./NodePool.ts"

/**
 * Python's `concurrent.futures.ProcessPoolExecutor` in one step
 * (`ProcessPoolExecutor.make({ tasks, maxWorkers })`): an executor that owns
 * its `NodePool` (child processes by default), shut down and then terminated
 * when its scope closes (`with ProcessPoolExecutor(max_workers=2) as executor:`).
 *
 * @since 0.1.0
 */
export * as ProcessPoolExecutor from "./ProcessPoolExecutor.ts"

/**
 * Python's `multiprocessing.Process`: one task in a child process (or a
 * worker thread) of its own, with `start`, `join`, `isAlive`, `pid`,
 * `exitCode`, `terminate`, `kill`, `close`, and `Process.current` in the
 * child.
 *
 * @since 0.1.0
 */
export * as Process from "./Process.ts"
