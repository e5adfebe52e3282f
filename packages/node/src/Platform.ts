/**
 * Facts about the machine: how many cores there are to run workers on.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as os from "node:os"

/**
 * The number of cores available to this process: Python's
 * `os.cpu_count()` / `multiprocessing.cpu_count()`, via Node's
 * `os.availableParallelism()`. The default size of corun's worker pools.
 *
 * @since 0.1.0
 * @category getters
 */
export const cpuCount: Effect.Effect<number> = Effect.sync(() => os.availableParallelism())
