/**
 * The `Pool` service runs `Task`s on a pool of workers, one per core:
 * Python's `multiprocessing.Pool`, with typed inputs, outputs and errors.
 * This module is the contract; `@corun/node`'s `NodePool.layer` implements
 * it with worker threads or child processes, `@corun/cluster`'s
 * `ClusterPool.layer` on Effect Cluster runners, without changing callers. A
 * backend need not implement this whole service: it implements the small
 * `PoolBackend` of `@corun/core/Backend` (run one job, report how it ended)
 * and derives the service with `PoolBackend.makePool`, which handles the
 * schemas, chunking, futures, progress and back-pressure for every backend.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
 * import { Future, Pool } from "@corun/core"
 * import { NodePool } from "@corun/node"
 * import * as Tasks from "./tasks.ts"
 *
 * const program = Effect.gen(function*() {
 *   const pool = yield* Pool.Pool                                   // with Pool() as pool:
 *   const total = yield* pool.apply(Tasks.sum, { from: 0, to: 1e6 }) //   pool.apply(sum, (0, 10**6))
 *   const future = yield* pool.applyAsync(Tasks.sum, { from: 0, to: 10 }) // pool.apply_async(...)
 *   const sums = yield* pool.map(Tasks.sum, ranges, { chunksize: 4 }) //   pool.map(sum, ranges, 4)
 *   yield* Stream.runForEach(pool.imapUnordered(Tasks.sum, ranges), Effect.log)
 * }).pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks.ts", import.meta.url) })))
 * ```
 *
 * | Python `multiprocessing.Pool`            | corun `Pool`                                          |
 * |------------------------------------------|-------------------------------------------------------|
 * | `pool.apply(f, args)`                    | `pool.apply(task, input)`                             |
 * | `pool.apply_async(f, args, callback, error_callback)` | `pool.applyAsync(task, input, { callback, errorCallback })` → `Future` |
 * | `pool.map(f, it, chunksize)`             | `pool.map(task, inputs, { chunksize })`               |
 * | `pool.map_async(...)`                    | `pool.mapAsync(...)` → `Future<Array<O>>`             |
 * | `pool.starmap(f, [(a, b), ...])`         | `pool.starmap(task, [[a, b], ...])` (tuple inputs)    |
 * | `pool.imap(f, it, chunksize)`            | `pool.imap(task, inputs, { chunksize })` → `Stream` in input order |
 * | `pool.imap_unordered(...)`               | `pool.imapUnordered(...)` → `Stream` in completion order |
 * | `pool.close()` / `terminate()` / `join()` | `pool.close` / `pool.terminate` / `pool.join`        |
 * | `ProcessPoolExecutor`                    | `Pool.makeExecutor` → `submit` / `map`                 |
 *
 * Every task runs as an Effect fiber in its worker. Interrupting the caller
 * of `apply` (or `Future.cancel` on an `applyAsync` future) interrupts the
 * task in its worker; a task that does not yield (a busy loop) has its worker
 * terminated and replaced. A worker that dies (uncaught exception, exit, out
 * of memory, a signal) fails only the task it was running, with
 * `WorkerCrashed`; the tasks queued behind it run on other workers.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type {
  InputEncodingError,
  InvalidArgumentError,
  PoolStillRunning,
  TaskTimeout,
  UnknownTask,
  WorkerCrashed
} from "./Errors.ts"
import type { ExecutorShutdownError, PoolClosed } from "./Errors.ts"
import type * as Future from "./Future.ts"
import * as Lifecycle from "./internal/executorLifecycle.ts"
import type * as Progress from "./Progress.ts"
import type { Task } from "./Task.ts"

const TypeId = "~@corun/core/Pool" as const

/**
 * Errors that refuse a task before it is sent: the pool is closed, the input
 * does not match the task's `input` schema, or an option is out of range (a
 * `chunksize` that is not a positive integer, a negative `timeout`).
 *
 * @since 0.1.0
 * @category errors
 */
export type SubmitError = PoolClosed | InputEncodingError | InvalidArgumentError

/**
 * Errors of a task that was accepted: its worker died, it timed out, the
 * workers do not know it, or its encoded input turned out not to be
 * transferable to a worker (e.g. a function inside a `Schema.Unknown` field:
 * `InputEncodingError`, and the task never ran).
 *
 * @since 0.1.0
 * @category errors
 */
export type RunError = WorkerCrashed | TaskTimeout | UnknownTask | InputEncodingError

/**
 * A `Future` of a pool task, which also carries the task's progress values
 * (read them with `pool.progress(future)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskFuture<out A, out E, out P = never> extends Future.Future<A, E> {
  readonly "~@corun/core/Pool/Progress"?: (_: never) => P
}

/**
 * Options of `apply` and `applyAsync`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyOptions<P = never> {
  /**
   * Stops the task and fails it with `TaskTimeout` when it has not finished
   * this long after its worker started running it: it bounds the task's own
   * run time, and time spent waiting for a worker (queued in the pool, or
   * sent ahead behind another task) does not count. To bound the whole wait
   * instead, time out the caller — `Effect.timeout(pool.apply(task, input),
   * d)` (interrupting `apply` stops the task) or `Future.result(future, {
   * timeout })` (the task goes on). Default: the pool's `taskTimeout` (none
   * unless set); `Infinity` means none, also over a pool's `taskTimeout`. A
   * negative, NaN or malformed one fails with `InvalidArgumentError` before
   * anything is sent.
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * `ArrayBuffer`s (or `MessagePort`s) of the encoded input to move to the
   * worker without copying; the caller's copies become detached (thread
   * runtime; the process runtime copies them).
   */
  readonly transfer?: ReadonlyArray<unknown> | undefined
  /** Called with each progress value the task reports, as it arrives. */
  readonly onProgress?: ((value: P) => void) | undefined
}

/**
 * Options of `applyAsync`: Python's `callback` / `error_callback`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApplyAsyncOptions<O, E, P = never> extends ApplyOptions<P> {
  /** Runs (in a new fiber with the caller's services) with the result when the task succeeds. */
  readonly callback?: ((value: O) => Effect.Effect<void, unknown>) | undefined
  /** Runs with the cause when the task fails, is cancelled or its worker crashes. */
  readonly errorCallback?: ((cause: Cause.Cause<E>) => Effect.Effect<void, unknown>) | undefined
}

/**
 * Options of `map`, `starmap`, `imap` and `imapUnordered`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MapOptions {
  /**
   * How many inputs go to a worker as one job (Python's `chunksize`).
   * Larger chunks cost less per item; a failing item fails its chunk.
   * `map`/`starmap` default to Python's choice
   * (`ceil(len(inputs) / (4 × size))`), `imap`/`imapUnordered` to 1.
   */
  readonly chunksize?: number | undefined
  /**
   * A timeout per job (chunk), counted from when its worker starts it, as in
   * `ApplyOptions.timeout`. Like `chunksize` (a positive integer), it is
   * checked before any input is read.
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * A tracker that counts the items as they end (`Progress.make`): done,
   * failed, total, rate and ETA, as a value and a stream — what a progress
   * bar needs.
   */
  readonly progress?: Progress.Progress | undefined
}

/**
 * Options of `stream`, the pool as a stage of a `Stream` pipeline.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions extends MapOptions {
  /**
   * How many jobs (chunks) may be in flight at once; the stream reads no
   * further input meanwhile (back-pressure). Default: twice the pool's size.
   */
  readonly concurrency?: number | undefined
  /** `true` (default): results in input order; `false`: as they complete. */
  readonly ordered?: boolean | undefined
}

/**
 * Options of `mapAsync` / `starmapAsync`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MapAsyncOptions<O, E> extends MapOptions {
  /** Runs with all the results when every input succeeded. */
  readonly callback?: ((values: Array<O>) => Effect.Effect<void, unknown>) | undefined
  /** Runs with the cause of the first failure. */
  readonly errorCallback?: ((cause: Cause.Cause<E>) => Effect.Effect<void, unknown>) | undefined
}

/**
 * Counters of a pool, for monitoring and tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** The configured number of workers. */
  readonly size: number
  /** Workers alive now (started or starting). */
  readonly workers: number
  /** Tasks waiting for a worker. */
  readonly queued: number
  /** Tasks sent to a worker and not finished. */
  readonly running: number
  /** Tasks finished (in any way) since the pool started. */
  readonly completed: number
  /** Workers started since the pool started (replacements included). */
  readonly spawned: number
}

/**
 * The operations of a worker pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolService {
  readonly [TypeId]: typeof TypeId
  /** The number of workers (Python's `processes`). */
  readonly size: number
  /**
   * Runs a task on a worker and waits for its result: Python's
   * `pool.apply(func, args)`. Interrupting the caller stops the task in its
   * worker.
   */
  apply<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    input: I,
    options?: ApplyOptions<P>
  ): Effect.Effect<O, E | SubmitError | RunError>
  /**
   * Submits a task and returns its `Future` at once: Python's
   * `pool.apply_async(func, args, callback=, error_callback=)`.
   * `Future.cancel` stops the task in its worker: it returns at once, and
   * the future completes (cancelled) once the task has stopped — or with
   * the task's own outcome if it finished within the grace period.
   * Interrupting a fiber in `Future.join` of it cancels it too.
   */
  applyAsync<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    input: I,
    options?: ApplyAsyncOptions<O, E | RunError, P>
  ): Effect.Effect<TaskFuture<O, E | RunError, P>, SubmitError>
  /**
   * Runs a task on every input and returns the results in input order:
   * Python's `pool.map(func, iterable, chunksize)`. Every input is encoded
   * before anything is sent. The first failure fails the whole map and
   * cancels the jobs still queued or running; interrupting the caller
   * cancels them all.
   */
  map<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapOptions
  ): Effect.Effect<Array<O>, E | SubmitError | RunError>
  /**
   * `map` returning a `Future` of all the results at once: Python's
   * `pool.map_async`.
   */
  mapAsync<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapAsyncOptions<O, E | RunError>
  ): Effect.Effect<Future.Future<Array<O>, E | RunError>, SubmitError>
  /**
   * `map` for tasks whose input is a tuple: Python's `pool.starmap(func,
   * [(a, b), …])`. (A corun task takes one input; a tuple schema plays the
   * role of Python's argument list.)
   */
  starmap<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapOptions
  ): Effect.Effect<Array<O>, E | SubmitError | RunError>
  /** `mapAsync` for tuple inputs: Python's `pool.starmap_async`. */
  starmapAsync<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapAsyncOptions<O, E | RunError>
  ): Effect.Effect<Future.Future<Array<O>, E | RunError>, SubmitError>
  /**
   * Streams the results in input order as they become available: Python's
   * `pool.imap(func, iterable, chunksize)`. Lazy and back-pressured: inputs
   * are read and sent a window ahead of the consumer. A failure (including
   * an input that cannot be encoded) surfaces at its position; ending the
   * stream early cancels the jobs in flight.
   */
  imap<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapOptions
  ): Stream.Stream<O, E | SubmitError | RunError>
  /**
   * Streams the results in completion order: Python's
   * `pool.imap_unordered(func, iterable, chunksize)`.
   */
  imapUnordered<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapOptions
  ): Stream.Stream<O, E | SubmitError | RunError>
  /**
   * The pool as a stage of a `Stream` pipeline: runs `task` on every
   * element of `inputs` — a stream, from a file or a socket, as long as it
   * is, or an async iterable (a Node readable, an async generator) —
   * `chunksize` elements per job, at most `concurrency` jobs in flight (the
   * input is not read further meanwhile), the results in input order
   * (`ordered: false`: as they complete). A failure ends the stream and
   * cancels the jobs in flight; an async iterable that throws is a defect,
   * as an iterator that throws in `map`. Python has none; it is `imap` over
   * an iterator that never ends.
   */
  stream<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    options?: StreamOptions
  ): StreamStage<I, O, E | SubmitError | RunError>
  /**
   * The progress values a task reports, as a stream that ends when the task
   * completes: what a progress bar needs. Values reported before the stream
   * is consumed are buffered, up to a bound the backend sets (the latest
   * ones kept; `NodePool`'s `progressBufferSize`); consume it once.
   */
  progress<A, E, P>(future: TaskFuture<A, E, P>): Stream.Stream<P>
  /**
   * Stops accepting tasks; the workers exit once the submitted tasks are
   * done: Python's `pool.close()`.
   */
  readonly close: Effect.Effect<void>
  /**
   * Stops the workers at once; tasks still queued or running end cancelled:
   * Python's `pool.terminate()`. Waits until every worker has exited.
   */
  readonly terminate: Effect.Effect<void>
  /**
   * Waits for every worker to exit: Python's `pool.join()`. Fails with
   * `PoolStillRunning` unless `close` or `terminate` was called first.
   */
  readonly join: Effect.Effect<void, PoolStillRunning>
  /** The pool's counters. */
  readonly stats: Effect.Effect<Stats>
  /**
   * Waits until the pool can take work: for `NodePool`, every worker has
   * started (loaded the tasks module and run the initializer) or failed to;
   * for `ClusterPool`, a runner is up. Tasks never need it — they wait for
   * a worker on their own — but it lets a server pay the start-up before
   * taking traffic, and a benchmark time a warm pool. Fails with
   * `WorkerCrashed` (reason `"startup"`) when no worker could start (a wrong
   * tasks module, one that throws when imported, a failing initializer) or
   * no runner was up in time, so a service fails at boot rather than at its
   * first task.
   */
  readonly awaitReady: Effect.Effect<void, WorkerCrashed>
}

/**
 * The `Pool` service: a worker pool provided by a layer such as
 * `NodePool.layer(...)`.
 *
 * @since 0.1.0
 * @category services
 */
export class Pool extends Context.Service<Pool, PoolService>()("@corun/core/Pool") {}

/**
 * `pool.stream(task)`: a `Stream` of inputs (or an async iterable of them)
 * to the `Stream` of the task's outputs.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamStage<I, O, E> {
  // One signature (overloads would defeat `pipe`'s inference): an async
  // iterable leaves `E2` and `R` at `never`.
  <E2 = never, R = never>(inputs: Stream.Stream<I, E2, R> | AsyncIterable<I>): Stream.Stream<O, E | E2, R>
}

/**
 * The brand of `PoolService` values, for implementations.
 *
 * @since 0.1.0
 * @category symbols
 */
export const ServiceTypeId: typeof TypeId = TypeId

// -----------------------------------------------------------------------------
// Accessors on the Pool service
// -----------------------------------------------------------------------------

/**
 * `pool.apply` on the `Pool` service: Python's `pool.apply(func, args)`.
 *
 * @since 0.1.0
 * @category running
 */
export const apply = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  input: I,
  options?: ApplyOptions<P>
): Effect.Effect<O, E | SubmitError | RunError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.apply(task, input, options))

/**
 * `pool.applyAsync` on the `Pool` service: Python's `pool.apply_async`.
 *
 * @since 0.1.0
 * @category running
 */
export const applyAsync = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  input: I,
  options?: ApplyAsyncOptions<O, E | RunError, P>
): Effect.Effect<TaskFuture<O, E | RunError, P>, SubmitError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.applyAsync(task, input, options))

/**
 * `pool.map` on the `Pool` service: Python's `pool.map(func, iterable, chunksize)`.
 *
 * @since 0.1.0
 * @category running
 */
export const map = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapOptions
): Effect.Effect<Array<O>, E | SubmitError | RunError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.map(task, inputs, options))

/**
 * `pool.mapAsync` on the `Pool` service: Python's `pool.map_async`.
 *
 * @since 0.1.0
 * @category running
 */
export const mapAsync = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapAsyncOptions<O, E | RunError>
): Effect.Effect<Future.Future<Array<O>, E | RunError>, SubmitError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.mapAsync(task, inputs, options))

/**
 * `pool.starmap` on the `Pool` service: Python's `pool.starmap`.
 *
 * @since 0.1.0
 * @category running
 */
export const starmap = <I extends ReadonlyArray<unknown>, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapOptions
): Effect.Effect<Array<O>, E | SubmitError | RunError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.starmap(task, inputs, options))

/**
 * `pool.starmapAsync` on the `Pool` service: Python's `pool.starmap_async`.
 *
 * @since 0.1.0
 * @category running
 */
export const starmapAsync = <I extends ReadonlyArray<unknown>, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapAsyncOptions<O, E | RunError>
): Effect.Effect<Future.Future<Array<O>, E | RunError>, SubmitError, Pool> =>
  Effect.flatMap(Effect.service(Pool), (pool) => pool.starmapAsync(task, inputs, options))

/**
 * `pool.imap` on the `Pool` service: Python's `pool.imap` (input order).
 *
 * @since 0.1.0
 * @category running
 */
export const imap = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapOptions
): Stream.Stream<O, E | SubmitError | RunError, Pool> =>
  Stream.unwrap(Effect.map(Effect.service(Pool), (pool) => pool.imap(task, inputs, options)))

/**
 * `pool.imapUnordered` on the `Pool` service: Python's
 * `pool.imap_unordered` (completion order).
 *
 * @since 0.1.0
 * @category running
 */
export const imapUnordered = <I, O, E, P>(
  task: Task<string, I, O, E, P>,
  inputs: Iterable<I>,
  options?: MapOptions
): Stream.Stream<O, E | SubmitError | RunError, Pool> =>
  Stream.unwrap(Effect.map(Effect.service(Pool), (pool) => pool.imapUnordered(task, inputs, options)))

/**
 * The progress values of a pool task, as a stream that ends with the task.
 *
 * @since 0.1.0
 * @category running
 */
export const progress = <A, E, P>(future: TaskFuture<A, E, P>): Stream.Stream<P, never, Pool> =>
  Stream.unwrap(Effect.map(Effect.service(Pool), (pool) => pool.progress(future)))

/**
 * `pool.close` on the `Pool` service: Python's `pool.close()`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const close: Effect.Effect<void, never, Pool> = Effect.flatMap(Effect.service(Pool), (pool) => pool.close)

/**
 * `pool.terminate` on the `Pool` service: Python's `pool.terminate()`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const terminate: Effect.Effect<void, never, Pool> = Effect.flatMap(
  Effect.service(Pool),
  (pool) => pool.terminate
)

/**
 * `pool.awaitReady` on the `Pool` service: waits until the pool can take
 * work (every worker started; on a cluster, a runner up); fails with
 * `WorkerCrashed` when none could.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const awaitReady: Effect.Effect<void, WorkerCrashed, Pool> = Effect.flatMap(
  Effect.service(Pool),
  (pool) => pool.awaitReady
)

/**
 * `pool.join` on the `Pool` service: Python's `pool.join()`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const join: Effect.Effect<void, PoolStillRunning, Pool> = Effect.flatMap(
  Effect.service(Pool),
  (pool) => pool.join
)

// -----------------------------------------------------------------------------
// ProcessPoolExecutor
// -----------------------------------------------------------------------------

/**
 * Options of `PoolExecutor.shutdown`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExecutorShutdownOptions {
  /** Wait for the submitted tasks to finish. Default `true`. */
  readonly wait?: boolean | undefined
  /** Cancel the submitted tasks that have not started yet. Default `false`. */
  readonly cancelFutures?: boolean | undefined
}

/**
 * Python's `concurrent.futures.ProcessPoolExecutor` on a `Pool`: `submit`
 * returns a `Future`, so the top-level `wait` / `asCompleted` of corun work
 * on its futures as on any other; `map` streams results in input order.
 *
 * (Fiber executors take Effects; a pool cannot ship an Effect to another
 * core, so this executor takes a `Task` and its input. To mix both, submit
 * `pool.apply(task, input)` Effects to an ordinary `Executor`.)
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolExecutor {
  /** The pool it runs on. */
  readonly pool: PoolService
  /**
   * Submits a task and returns its `Future`: Python's
   * `executor.submit(fn, *args)`. Fails with `ExecutorShutdownError` after
   * `shutdown`.
   */
  submit<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    input: I,
    options?: ApplyOptions<P>
  ): Effect.Effect<TaskFuture<O, E | RunError, P>, SubmitError | ExecutorShutdownError>
  /**
   * Runs the task on every input, streaming the results in input order:
   * Python's `executor.map(fn, iterable, chunksize=)`.
   */
  map<I, O, E, P>(
    task: Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: MapOptions
  ): Stream.Stream<O, E | SubmitError | RunError | ExecutorShutdownError>
  /** Python's `executor.shutdown(wait=True, cancel_futures=False)`. */
  shutdown(options?: ExecutorShutdownOptions): Effect.Effect<void>
}

/**
 * Creates a `ProcessPoolExecutor` over the `Pool` service that lives as long
 * as the current scope; closing the scope waits for the submitted tasks
 * (Python's `with ProcessPoolExecutor() as executor:`, whose `__exit__` waits
 * whether the block succeeded or raised), or cancels them when the scope
 * closes by interruption — the same lifecycle as `Executor.make`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeExecutor: Effect.Effect<PoolExecutor, never, Pool | Scope.Scope> = Effect.gen(function*() {
  const pool = yield* Pool
  // The same lifecycle as the fiber `Executor`: registry, closed flag,
  // shutdown and the `with`-block finaliser.
  const lifecycle = yield* Lifecycle.make
  const executor: PoolExecutor = {
    pool,
    submit(task, input, options) {
      return Effect.suspend((): Effect.Effect<
        TaskFuture<any, any, any>,
        SubmitError | ExecutorShutdownError
      > => {
        if (lifecycle.closed) return Effect.fail(lifecycle.shutdownError("submit"))
        // Submit and register in one uninterruptible step, so an interrupted
        // submitter cannot leave a future that `shutdown` does not await.
        return Effect.uninterruptible(Effect.map(pool.applyAsync(task, input, options), (future) => {
          lifecycle.track(future, false)
          return future
        }))
      })
    },
    map<I, O, E, P>(task: Task<string, I, O, E, P>, inputs: Iterable<I>, options?: MapOptions) {
      return Stream.unwrap(
        Effect.sync((): Stream.Stream<O, E | SubmitError | RunError | ExecutorShutdownError> =>
          lifecycle.closed ? Stream.fail(lifecycle.shutdownError("map")) : pool.imap(task, inputs, options)
        )
      )
    },
    shutdown(options) {
      return lifecycle.shutdown(options)
    }
  }
  return executor
})

/**
 * The pool's `ProcessPoolExecutor` as a service (`yield* Pool.PoolExecutorService`).
 *
 * @since 0.1.0
 * @category services
 */
export class PoolExecutorService extends Context.Service<PoolExecutorService, PoolExecutor>()(
  "@corun/core/Pool/PoolExecutor"
) {}

/**
 * A layer providing `PoolExecutorService` over the `Pool` service
 * (`makeExecutor` for the layer's lifetime): `NodePool.layer(...)` or
 * `ClusterPool.layer(...)` beneath it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerExecutor: Layer.Layer<PoolExecutorService, never, Pool> = Layer.effect(
  PoolExecutorService,
  makeExecutor
)
