/**
 * Python's `concurrent.futures.ProcessPoolExecutor` in one step: an executor
 * that owns its pool of Node workers.
 *
 * ```python
 * with ProcessPoolExecutor(max_workers=2) as executor:
 *     future = executor.submit(fib, 30)
 *     print(future.result())
 *     for n in executor.map(square, range(100), chunksize=10):
 *         print(n)
 * ```
 *
 * ```ts
 * import { Future } from "@corun/core"
 * import { ProcessPoolExecutor } from "@corun/node"
 * import { Effect, Stream } from "effect"
 * import { fib, square } from "./tasks.ts"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function*() {
 *     const executor = yield* ProcessPoolExecutor.make({
 *       tasks: new URL("./tasks.ts", import.meta.url),
 *       maxWorkers: 2
 *     })
 *     const future = yield* executor.submit(fib, 30)
 *     console.log(yield* Future.result(future))
 *     yield* Stream.runForEach(
 *       executor.map(square, Array.from({ length: 100 }, (_, i) => i), { chunksize: 10 }),
 *       (n) => Effect.log(n)
 *     )
 *   })
 * )
 * ```
 *
 * It is `NodePool.make` (with `size: maxWorkers`) and `Pool.makeExecutor`
 * over that pool; use those two when several executors or `Pool` functions
 * share one pool.
 *
 * @since 0.1.0
 */
import { Errors, Pool } from "@corun/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as NodePool from "./NodePool.ts"

/**
 * Options of `ProcessPoolExecutor.make`: those of `NodePool.make`, with
 * Python's `max_workers` for the pool's `size` and processes by default.
 *
 * | Python                                  | corun                                  |
 * | --------------------------------------- | -------------------------------------- |
 * | `max_workers`                           | `maxWorkers`                           |
 * | `mp_context`                            | `runtime` (`"process"` / `"thread"`)   |
 * | `initializer`, `initargs`               | `initializer`, `initargs`              |
 * | `max_tasks_per_child`                   | `maxTasksPerChild`                     |
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<Init extends NodePool.Initializer | undefined = undefined>
  extends Omit<NodePool.Options<Init>, "size" | "runtime">
{
  /**
   * The number of workers (Python's `max_workers`); default: the available
   * cores (`os.availableParallelism()`), as Python's default. At most
   * `NodePool.maxSize`.
   */
  readonly maxWorkers?: number | undefined
  /**
   * `"process"` (default, as Python's `ProcessPoolExecutor`): IPC child
   * processes. `"thread"`: `worker_threads`, cheaper to start (see
   * `NodePool.Options.runtime`).
   */
  readonly runtime?: "process" | "thread" | undefined
}

/**
 * Starts a pool of Node workers and returns a `PoolExecutor` over it that
 * lives as long as the current scope: Python's
 * `with ProcessPoolExecutor(max_workers=2) as executor:`. Closing the scope
 * first shuts the executor down — waiting for the submitted tasks, as
 * leaving Python's `with` block does (or cancelling them when the scope
 * closes by interruption, as `Pool.makeExecutor` does) — then terminates the
 * pool, waiting until every worker has exited. Fails with
 * `InvalidArgumentError` on bad options (`maxWorkers` named as such), before
 * any worker starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <Init extends NodePool.Initializer | undefined = undefined>(
  options: Options<Init>
) => Effect.Effect<Pool.PoolExecutor, Errors.InvalidArgumentError, Scope.Scope> = Effect.fn(
  "ProcessPoolExecutor.make"
)(
  function*(options: Options<any>): Effect.fn.Return<Pool.PoolExecutor, Errors.InvalidArgumentError, Scope.Scope> {
    const { maxWorkers, runtime, ...rest } = options
    // The pool's finaliser is added first, so it runs after the executor's:
    // the executor waits for its tasks, then the pool terminates.
    const pool = yield* NodePool.make({ ...rest, size: maxWorkers, runtime: runtime ?? "process" }).pipe(
      Effect.mapError((error) =>
        error.argument === "size"
          ? new Errors.InvalidArgumentError({
            argument: "maxWorkers",
            message: error.message.replace("'size'", "'maxWorkers'")
          })
          : error
      )
    )
    return yield* Effect.provideService(Pool.makeExecutor, Pool.Pool, pool)
  }
)
