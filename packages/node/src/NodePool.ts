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
 * ## How it is built
 *
 * A pool is core's narrow `PoolBackend` (`internal/backend.ts`): it starts
 * jobs, cancels them, and has a lifecycle and statistics; `@corun/core`
 * derives the whole `Pool` API from it (`Backend.PoolBackend.makePool`:
 * schemas, chunking, futures, callbacks, progress, `imap`'s window). Below
 * that, plain functions over one `PoolState`, one concern per module:
 *
 * - `config.ts`: the options, checked once, before anything starts;
 * - `job.ts`, `jobQueue.ts`: the job record (named states) and the queue;
 * - `jobs.ts`: a job's start and its single end;
 * - `dispatch.ts`: the balancing policy (least loaded worker, pipelining
 *   depth adapted to how long tasks take, work stealing, recycling);
 * - `outbox.ts`: one message per worker per tick, a bad record isolated;
 * - `replies.ts`: a worker's records become job ends;
 * - `timeouts.ts`: cancellation, timeouts, the grace period;
 * - `crash.ts`: how a worker died → `WorkerCrashed`, replace or give up;
 * - `workerSet.ts`: spawn, ready, idle, retire, close, terminate, exits;
 * - `runtime.ts` with `runtime/thread.ts` and `runtime/process.ts`: how a
 *   worker is started and spoken to (the pool never branches on it), and
 *   `environment.ts`: entry module, inherited flags, compile cache, tsx;
 * - `protocol.ts`: the typed records both sides exchange;
 *   `bundle.ts`: the one-file bundle workers start from;
 *   `worker.ts` (with `NodeWorkerMain.ts`): the worker's side.
 *
 * What is Effect's: messages travel through `effect/workers`
 * (`@effect/platform-node`'s `NodeWorker` platform: receiving, the ready
 * handshake, graceful close); the pool is a scoped resource (a `Layer`)
 * whose closing terminates every worker and waits until each has exited.
 * What is hand-written, and why: the task protocol, rather than
 * `effect/rpc`'s `RpcWorker` pool — which spends a fiber, a scope, a latch
 * and spans per call, and has no per-task timeout, no recycling, no way to
 * stop a task that does not yield, and one error for every kind of worker
 * death (figures in `bench/README.md`, "Why the pool has its own task
 * protocol"); and the raw thread / process, whose exit code, signal and
 * `error` event classify crashes and which is terminated at once when a
 * task does not yield. Per task: no fiber, scope or span.
 *
 * @since 0.1.0
 */
import { Errors, Pool, type Task, type Timeline } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as References from "effect/References"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { NodeBackend } from "./internal/backend.ts"
import * as PoolConfig from "./internal/config.ts"
import * as Metrics from "./internal/metrics.ts"
import type * as PoolStateModule from "./internal/poolState.ts"
import { describeError, loadPlatform } from "./internal/runtime.ts"
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
export const maxSize: number = PoolConfig.maxSize

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
  /**
   * `Effect.log` in a task reaches the caller's loggers (JSON loggers stay
   * JSON), with the caller's annotations, the task's own, and
   * `corun.task` / `corun.worker` — the records at or above the minimum log
   * level of the fiber that made the pool. Default `true`; `false` leaves a task's
   * log records in its worker (printed there by the default logger) and
   * saves the forwarding logger on the hot path.
   */
  readonly logs?: boolean | undefined
  /**
   * A task submitted inside a span (`Effect.withSpan`, `Effect.fn`), under a
   * tracer the caller installed (an OpenTelemetry `Layer`,
   * `Effect.withTracer`), runs in a span of its own in its worker — named
   * after the task, with `corun.task` / `corun.worker` attributes; one per
   * job, so a `map` chunk shares one — whose parent is the caller's span;
   * the spans the task opens are its children. They are recorded in the
   * worker and re-created in the caller's tracer (so the `Layer` exports
   * them in the caller's trace, with span ids of its own). Work submitted
   * outside any span, in an unsampled one, with tracing disabled or under
   * Effect's default tracer (whose spans nobody exports) sends nothing; a
   * span that does not propagate is skipped for its nearest ancestor that
   * does. Default `true`; `false` sends no trace for any job.
   */
  readonly traces?: boolean | undefined
  /**
   * Records every job — its time queued and at work, its worker, how it
   * ended — for `Timeline.toHtml` (a picture of the run).
   */
  readonly timeline?: Timeline.Timeline | undefined
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
    yield* loadPlatform
    // The pool's metrics go to the registry of the fiber that makes it.
    const context = yield* Effect.context<never>()
    return yield* Effect.acquireRelease(
      Effect.suspend(() => {
        // Every option is checked before anything starts.
        const parsed = PoolConfig.parseOptions(options)
        if (parsed instanceof Errors.InvalidArgumentError) return Effect.fail(parsed)
        const backend = new NodeBackend(parsed)
        backend.metrics = Metrics.recorder(context)
        // Its workers forward what its maker would log.
        backend.minimumLogLevel = Context.get(context, References.MinimumLogLevel)
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
      // The workers' events end with the pool.
      (pool) =>
        Effect.ensuring(
          pool.terminate,
          Effect.sync(() => {
            const backend = PoolBackend.backendOf(pool)
            if (backend instanceof NodeBackend) { for (const listener of backend.eventListeners) listener.end() }
          })
        )
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

// `effect/Config` is loaded when a pool is configured, not when the package
// is imported: it alone costs ≈ 10 ms of every program's start-up
// (bench/README.md, import cost).
const loadConfig = Effect.promise(() => import("effect/Config"))

/**
 * A layer providing the `Pool` service, its options read from `Config` —
 * each option a `Config` of its own, or one `Config` of them all — as
 * `NodeHttpServer.layerConfig` does:
 *
 * ```ts
 * NodePool.layerConfig({
 *   tasks: Config.succeed(new URL("./tasks.ts", import.meta.url)),
 *   size: Config.Int("POOL_SIZE").pipe(Config.withDefault(4))
 * })
 * ```
 *
 * Fails with `ConfigError` when the configuration cannot be read, and with
 * `InvalidArgumentError` when an option read is invalid, before any worker
 * starts. `layerFromEnv` reads corun's own variables.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Wrap<Options>
): Layer.Layer<Pool.Pool, Errors.InvalidArgumentError | Config.ConfigError> =>
  Layer.unwrap(
    Effect.map(loadConfig, (Config) =>
      Layer.effect(
        Pool.Pool,
        Effect.flatMap(Config.unwrap<Options>(options), (read) => make(read))
      ))
  )

/**
 * A layer providing the `Pool` service for the tasks of `tasks`, the other
 * options from the environment (or whatever `ConfigProvider` is current),
 * every one optional: `CORUN_POOL_SIZE`, `CORUN_RUNTIME` (`thread` /
 * `process`), `CORUN_TASK_TIMEOUT`, `CORUN_IDLE_TIMEOUT`,
 * `CORUN_STARTUP_TIMEOUT`, `CORUN_CANCEL_GRACE_PERIOD` (durations such as
 * `30 seconds`), `CORUN_MAX_TASKS_PER_CHILD` (Python's
 * `maxtasksperchild`), `CORUN_MAX_IN_FLIGHT_PER_WORKER`. Errors as
 * `layerConfig`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromEnv = (
  tasks: URL | string
): Layer.Layer<Pool.Pool, Errors.InvalidArgumentError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(loadConfig, (Config) => {
    const read = Config.all({
      size: Config.option(Config.Int("CORUN_POOL_SIZE")),
      runtime: Config.option(Config.Literals(["thread", "process"], "CORUN_RUNTIME")),
      taskTimeout: Config.option(Config.Duration("CORUN_TASK_TIMEOUT")),
      idleTimeout: Config.option(Config.Duration("CORUN_IDLE_TIMEOUT")),
      startupTimeout: Config.option(Config.Duration("CORUN_STARTUP_TIMEOUT")),
      cancelGracePeriod: Config.option(Config.Duration("CORUN_CANCEL_GRACE_PERIOD")),
      maxTasksPerChild: Config.option(Config.Int("CORUN_MAX_TASKS_PER_CHILD")),
      maxInFlightPerWorker: Config.option(Config.Int("CORUN_MAX_IN_FLIGHT_PER_WORKER"))
    }).pipe(Config.map((values): Options => {
      const options: Record<string, unknown> = { tasks }
      for (const [name, value] of Object.entries(values)) if (value._tag === "Some") options[name] = value.value
      return options as unknown as Options
    }))
    return Layer.effect(Pool.Pool, Effect.flatMap(read, (options) => make(options)))
  }))

/**
 * What happens to a pool's workers, as it happens (`Started`, `Crashed`
 * with its reason, `Exited` recycled / idle / killed — a cancelled or
 * timed-out task did not stop within `cancelGracePeriod` — / closed), until the pool's
 * scope closes: for health checks and dashboards. Events before the stream
 * is run are not replayed; a pool not made by `NodePool` has none.
 *
 * @since 0.1.0
 * @category getters
 */
export const events = (pool: Pool.PoolService): Stream.Stream<WorkerEvent> => {
  const backend = PoolBackend.backendOf(pool)
  if (!(backend instanceof NodeBackend)) return Stream.empty
  return Stream.callback<WorkerEvent>((queue) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const listener = {
          event: (event: WorkerEvent) => void Queue.offerUnsafe(queue, event),
          end: () => Queue.endUnsafe(queue)
        }
        backend.eventListeners.add(listener)
        return listener
      }),
      (listener) => Effect.sync(() => backend.eventListeners.delete(listener))
    )
  )
}

/**
 * What happened to one of a pool's workers (`events`).
 *
 * @since 0.1.0
 * @category models
 */
export type WorkerEvent = PoolStateModule.WorkerEvent

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
