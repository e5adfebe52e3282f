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
