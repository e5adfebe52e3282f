/**
 * `NodePool`: the `Pool` service on Node's cores, Python's
 * `multiprocessing.Pool(processes, initializer, initargs, maxtasksperchild)`
 * with worker threads (`runtime: "thread"`, the default) or IPC child
 * processes (`runtime: "process"`, full isolation).
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Pool } from "@corun/core"
 * import { NodePool } from "@corun/node"
 * import { sum } from "./tasks.ts"
 *
 * const PoolLive = NodePool.layer({ tasks: new URL("./tasks.ts", import.meta.url) })
 *
 * Effect.gen(function*() {
 *   const pool = yield* Pool.Pool
 *   console.log(yield* pool.map(sum, ranges))
 * }).pipe(Effect.provide(PoolLive), Effect.runPromise)
 * ```
 *
 * ## What is Effect's and what is hand-written
 *
 * Workers are spoken to through `effect/workers`: `@effect/platform-node`'s
 * `NodeWorker` platform on this side (receiving, the ready handshake,
 * graceful close in the worker's scope); the worker (`NodeWorkerMain.ts`,
 * `internal/worker.ts`) speaks the platform's wire format on
 * `parentPort` / the IPC channel itself rather than loading
 * `NodeWorkerRunner`, to start sooner, and batches are posted in that format
 * directly (see `WorkerHandle.send`). Measured here, that transport moves
 * ≈ 220k echo messages/s on one worker
 * (`packages/node/test/scripts/transport-throughput.ts`), so it is not the
 * bottleneck.
 *
 * The task protocol on top is hand-written rather than `effect/rpc`'s
 * `RpcWorker` pool: that pool moves ≈ 9k no-op tasks/s on 2 cores where
 * Piscina moves ≈ 28k/s (measured side by side on a 2-core machine),
 * spending ≈ 90 µs of main-thread CPU per call on fibers, a scope, a latch
 * and spans; and it has no per-task
 * timeout, no recycling, no way to stop a task that does not yield, and
 * reports every worker death as the same error. Here, per task, the input is
 * encoded by a schema encoder compiled once per task, a record is appended to
 * the worker's outbox (one message per worker per tick), and one listener per
 * worker completes the caller through a map of pending jobs — no fiber,
 * scope or span per task (the platform forks one short fiber per received
 * message). Jobs are pipelined to workers (depth adapted to how long tasks
 * take) and an idle worker steals back the jobs another has not started.
 * The raw `Worker` / `ChildProcess` stays ours too: its exit code, signal and
 * `error` event classify crashes (`WorkerCrashed`), and a task that does not
 * yield is stopped by terminating its worker at once (the platform's close
 * waits up to 5 s for a worker to cooperate). Lifecycle is Effect's: the pool
 * is a scoped resource (a `Layer`), and closing its scope terminates every
 * worker and waits until each thread or process has exited.
 *
 * @since 0.1.0
 */
import { Errors, Pool, type Task } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { NodeBackend } from "./internal/backend.ts"
import * as Config from "./internal/config.ts"
import { describeError } from "./internal/runtime.ts"
import { replenish, terminateNow } from "./internal/workerSet.ts"

/**
 * Memory limits of a worker (`worker_threads`' `resourceLimits`). For the
 * process runtime `maxOldGenerationSizeMb` / `maxYoungGenerationSizeMb` /
 * `stackSizeMb` become `--max-old-space-size` / `--max-semi-space-size` /
 * `--stack-size` flags.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResourceLimits {
  readonly maxOldGenerationSizeMb?: number | undefined
  readonly maxYoungGenerationSizeMb?: number | undefined
  readonly codeRangeSizeMb?: number | undefined
  readonly stackSizeMb?: number | undefined
}

/**
 * The most workers a pool may have (its `size`): 1024. Each worker is a
 * thread or a process with a V8 heap of its own, so a mistaken size
 * (`1e6`) would start workers until memory runs out; it is refused with
 * `InvalidArgumentError` before any worker starts. The bound is a constant,
 * not a multiple of this machine's cores, so a size accepted on one machine
 * is accepted on every one; it is far above any useful size (workers are
 * for CPU-bound work: a worker per core is the usual choice, and waiting on
 * I/O belongs on fibers).
 *
 * @since 0.1.0
 * @category constants
 */
export const maxSize: number = Config.maxSize

/**
 * What `Options.initializer` takes: any task, whatever its types. Not
 * `Task.Any`: `Task` is invariant in its type parameters and `any` is not
 * assignable to `never`, so a task that cannot fail or reports no progress
 * (`E` / `P` = `never`, the usual initializer) would not be a `Task.Any`.
 * The pool only needs the task's name and input schema (workers run it by
 * name).
 *
 * @since 0.1.0
 * @category models
 */
export type Initializer = Pick<Task.Any, typeof Task.TypeId | "name" | "input">

/**
 * Options of `NodePool.layer` / `NodePool.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<Init extends Initializer | undefined = undefined> {
  /**
   * The module that exports the pool's tasks (every exported `Task` is
   * registered by name in each worker), as a URL or a path — e.g.
   * `new URL("./tasks.ts", import.meta.url)`. A `.ts` module runs without a
   * build step: under `tsx` (workers inherit its loader) or on Node's type
   * stripping (erasable TypeScript only).
   */
  readonly tasks: URL | string
  /**
   * The number of workers; default: the available cores
   * (`os.availableParallelism()`). At most `maxSize` (1024).
   */
  readonly size?: number | undefined
  /**
   * `"thread"` (default): `worker_threads`, cheapest. `"process"`: IPC child
   * processes (`child_process.fork`), full isolation (native addons, a
   * crash or `process.exit` cannot touch the parent).
   */
  readonly runtime?: "thread" | "process" | undefined
  /**
   * Replace a worker after it has run this many tasks (a `map` chunk counts
   * as one): Python's `maxtasksperchild`. A positive integer; default (and
   * `Infinity`): never.
   */
  readonly maxTasksPerChild?: number | undefined
  /**
   * A task exported by the tasks module that each worker runs once when it
   * starts, before any other task (Python's `initializer`), e.g. to open a
   * per-worker resource kept in a module variable. If it fails, the worker
   * does not start and the tasks waiting for it fail with `WorkerCrashed`
   * (reason `"startup"`).
   */
  readonly initializer?: Init | undefined
  /** The initializer's input (Python's `initargs`). */
  readonly initargs?: Init extends Initializer ? Task.Input<Init> : undefined
  /**
   * A worker that has had nothing to do for this long exits; workers are
   * started again when tasks arrive. Default (and `Infinity`): workers live
   * as long as the pool. Durations beyond a JavaScript timer's 24.8 days are
   * honoured, not cut short.
   */
  readonly idleTimeout?: Duration.Input | undefined
  /**
   * How long a worker has to start (load the tasks module and run the
   * initializer). One that is not ready by then (e.g. a top-level `await`
   * that never settles) is killed and counts as a start-up failure
   * (`WorkerCrashed`, reason `"startup"`): the tasks waiting for it and
   * `awaitReady` fail instead of hanging. Default 30 seconds; `Infinity`:
   * wait forever.
   */
  readonly startupTimeout?: Duration.Input | undefined
  /** Memory limits of each worker; exceeding them crashes only that worker. */
  readonly resourceLimits?: ResourceLimits | undefined
  /**
   * A default timeout for every task, counted from when its worker starts
   * it (see `ApplyOptions.timeout`). Default (and `Infinity`): none.
   */
  readonly taskTimeout?: Duration.Input | undefined
  /**
   * How long a cancelled (or timed-out) running task has to stop after it
   * was interrupted before its worker is terminated and replaced. Default
   * 50 ms; `Infinity`: never terminate the worker for it.
   */
  readonly cancelGracePeriod?: Duration.Input | undefined
  /**
   * The most jobs sent ahead to one worker (pipelining); the pool adapts
   * between 1 (long tasks, for balance) and this bound (short tasks, for
   * throughput). Default 64.
   */
  readonly maxInFlightPerWorker?: number | undefined
  /**
   * How many progress values of one task are kept for a `pool.progress`
   * subscriber that has not subscribed yet: the latest ones, the oldest
   * being dropped, so a task reporting progress that nobody reads holds a
   * bounded amount of memory. A subscriber gets these, then every value
   * reported while it listens (none of those is dropped). A positive
   * integer; default 1000; `Infinity`: keep every value.
   */
  readonly progressBufferSize?: number | undefined
  /** Extra Node flags for the workers (after the parent's own `execArgv`). */
  readonly execArgv?: ReadonlyArray<string> | undefined
  /**
   * Start workers from one bundle of the tasks module and everything it
   * imports (`effect` included), built with esbuild and cached on disk
   * (`<tmpdir>/corun-bundles`, or `CORUN_BUNDLE_DIR`): a worker then starts
   * in a fraction of the time it takes to load `effect`'s modules one by
   * one. The first pool on a new or edited tasks module starts on plain
   * modules while the bundle is built in the background, for the next
   * workers. Modules a bundle could not reproduce faithfully (a computed
   * `import()`, `import.meta` beyond `url` / `dirname` / `filename`…) are
   * never bundled, nor anything when esbuild is not installed. Default
   * `true`; the environment variable `CORUN_BUNDLE=0` turns it off for every
   * pool.
   */
  readonly bundle?: boolean | undefined
  /** Environment of child-process workers; default: the parent's. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * Starts a pool that lives as long as the current scope: Python's
 * `with Pool(processes, initializer, initargs, maxtasksperchild) as pool:`.
 * The workers start at once (in parallel); tasks submitted before they are
 * ready wait for them. Closing the scope terminates the pool (as leaving
 * Python's `with` block does): idle workers exit gracefully, busy ones are
 * stopped, and it waits until every thread / process has exited. Fails with
 * `InvalidArgumentError` on bad options (naming the option), before any
 * worker starts.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <Init extends Initializer | undefined = undefined>(
  options: Options<Init>
) => Effect.Effect<Pool.PoolService, Errors.InvalidArgumentError, Scope.Scope> = Effect.fn("NodePool.make")(
  function*(options: Options<any>): Effect.fn.Return<Pool.PoolService, Errors.InvalidArgumentError, Scope.Scope> {
    return yield* Effect.acquireRelease(
      Effect.suspend(() => {
        // Every option is checked before anything starts.
        const parsed = Config.parseOptions(options)
        if (parsed instanceof Errors.InvalidArgumentError) return Effect.fail(parsed)
        const backend = new NodeBackend(parsed)
        // Node itself may refuse to start the workers (a bad `execArgv`…):
        // that throws from Node's API, so it is caught here.
        return Effect.try({
          try: () => {
            replenish(backend) // every worker starts now, in parallel
            backend.started = true
            return PoolBackend.makePool(backend)
          },
          catch: (error) => {
            terminateNow(backend) // stop the workers already started
            return new Errors.InvalidArgumentError({
              argument: "options",
              message: `the workers could not start with these options: ${describeError(error)}`
            })
          }
        })
      }),
      (pool) => pool.terminate
    )
  }
)

/**
 * A layer providing the `Pool` service from a pool of Node workers (see
 * `make`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <Init extends Initializer | undefined = undefined>(
  options: Options<Init>
): Layer.Layer<Pool.Pool, Errors.InvalidArgumentError> => Layer.effect(Pool.Pool, make(options))

/**
 * The live workers of a pool made by `NodePool` — the pool's worker ids and
 * the pids (process runtime) or thread ids (thread runtime) of each — for
 * tests and monitoring.
 *
 * @since 0.1.0
 * @category getters
 */
export const workers = (
  pool: Pool.PoolService
): Effect.Effect<Array<{ readonly id: number; readonly pid: number; readonly threadId: number }>> =>
  Effect.sync(() => {
    const backend = PoolBackend.backendOf(pool)
    return backend instanceof NodeBackend ? backend.workerIds() : []
  })

/**
 * Superseded by the service's own `pool.awaitReady`; kept until the last
 * callers move.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const awaitReady = (pool: Pool.PoolService): Effect.Effect<void, Errors.WorkerCrashed> => pool.awaitReady
