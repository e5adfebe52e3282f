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
import { Errors, Future, Pool, type Task } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Config from "./internal/config.ts"
import {
  type Codecs,
  formatSchemaError,
  interruptExit,
  Job,
  type ProgressState,
  type ProgressSubscriber
} from "./internal/job.ts"
import { start } from "./internal/jobs.ts"
import { PoolState } from "./internal/poolState.ts"
import * as P from "./internal/protocol.ts"
import { describeError } from "./internal/runtime.ts"
import { cancel } from "./internal/timeouts.ts"
import { awaitExited, awaitStarted, closeAllIdle, replenish, terminateNow } from "./internal/workerSet.ts"

/** corun's shared argument checks: the pool checks its options as the rest of corun does. */
const Validation = Backend.Validation

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
  /** Environment of child-process workers; default: the parent's. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

// -----------------------------------------------------------------------------
// Jobs
// -----------------------------------------------------------------------------

/** `chunksize` of `map` and co: a positive integer, else `fallback` when absent. */
const chunksizeOf = (chunksize: number | undefined, fallback: () => number): number | Errors.InvalidArgumentError =>
  chunksize === undefined ? fallback() : Validation.positiveCount(chunksize, "chunksize")

/**
 * An item of `imap` that is not a job: a bad input (the job of its chunk's
 * earlier inputs is the item before it), or the pool had closed.
 */
class Refused {
  readonly error: Pool.SubmitError
  readonly closed: boolean
  constructor(error: Pool.SubmitError, closed: boolean) {
    this.error = error
    this.closed = closed
  }
}

const iteratorDone: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * The items of one `imap` run, read by its result window when there is room:
 * each `next()` reads one job's inputs — one encoded input, or an array of up
 * to `chunksize` — or gives a `Refused`, after which the input ends. Inputs
 * are encoded as they are read, so a bad one is refused at its position and
 * nothing after it is read. A throw of the inputs' iterator in the middle of
 * a chunk is rethrown by the next `next()`, after the chunk's earlier inputs
 * (the window then fails the stream after every item it read). With the pool
 * closed, nothing more is read.
 */
class JobInputs implements Iterator<unknown> {
  private readonly pool: NodePoolImpl
  private readonly task: string
  private readonly codecs: Codecs
  private readonly chunksize: number
  private readonly iterator: Iterator<unknown>
  /** Handed out by every `next()` (the window reads it at once): no result object per item. */
  private readonly result: { done: false; value: unknown } = { done: false, value: undefined }
  /** How many inputs were read: the index of the next one. */
  private read = 0
  private ended = false
  /** What the next `next()` gives: the refusal of a bad input in the middle of a chunk. */
  private refusal: Refused | undefined = undefined
  /** What the next `next()` throws: the inputs' iterator threw in the middle of a chunk. */
  private thrown: { readonly error: unknown } | undefined = undefined

  constructor(pool: NodePoolImpl, task: string, codecs: Codecs, chunksize: number, inputs: Iterable<unknown>) {
    this.pool = pool
    this.task = task
    this.codecs = codecs
    this.chunksize = chunksize
    this.iterator = inputs[Symbol.iterator]()
  }

  private item(value: unknown): IteratorResult<unknown> {
    this.result.value = value
    return this.result
  }

  /** The encoded input, or the refusal of a bad one. */
  private encode(input: unknown): unknown {
    const index = this.read++
    const encoded = this.codecs.encodeInput(input)
    if (Exit.isSuccess(encoded)) return encoded.value
    return new Refused(
      new Errors.InputEncodingError({
        task: this.task,
        message: `invalid input #${index} for task "${this.task}": ${formatSchemaError(encoded)}`
      }),
      false
    )
  }

  next(): IteratorResult<unknown> {
    if (this.ended) return iteratorDone
    if (this.refusal !== undefined) {
      this.ended = true
      return this.item(this.refusal)
    }
    if (this.thrown !== undefined) {
      this.ended = true
      throw this.thrown.error
    }
    if (this.pool.closed) {
      this.ended = true
      return this.item(new Refused(Backend.poolClosed(this.task), true))
    }
    if (this.chunksize === 1) {
      const next = this.iterator.next()
      if (next.done === true) {
        this.ended = true
        return iteratorDone
      }
      const encoded = this.encode(next.value)
      if (encoded instanceof Refused) this.ended = true
      return this.item(encoded)
    }
    const batch: Array<unknown> = []
    while (batch.length < this.chunksize) {
      let next: IteratorResult<unknown>
      try {
        next = this.iterator.next()
      } catch (error) {
        this.ended = batch.length === 0
        if (this.ended) throw error
        this.thrown = { error }
        break
      }
      if (next.done === true) {
        this.ended = true
        break
      }
      const encoded = this.encode(next.value)
      if (encoded instanceof Refused) {
        if (batch.length === 0) {
          this.ended = true
          return this.item(encoded)
        }
        this.refusal = encoded
        break
      }
      batch.push(encoded)
    }
    return batch.length === 0 ? iteratorDone : this.item(batch)
  }
}

class NodePoolImpl extends PoolState implements Pool.PoolService {
  readonly [Pool.ServiceTypeId] = Pool.ServiceTypeId
  readonly codecs = new Map<Task.Any, Codecs>()
  readonly progressStates = new WeakMap<object, ProgressState>()

  get size() {
    return this.config.size
  }

  codecsOf(task: Task.Any): Codecs {
    let codecs = this.codecs.get(task)
    if (codecs === undefined) {
      codecs = {
        encodeInput: Schema.encodeUnknownExit(task.input as Schema.Codec<unknown, unknown>),
        decodeOutput: Schema.decodeUnknownExit(task.output as Schema.Codec<unknown, unknown>),
        decodeError: Schema.decodeUnknownExit(task.error as Schema.Codec<unknown, unknown>),
        decodeProgress: Schema.decodeUnknownExit(task.progress as Schema.Codec<unknown, unknown>),
        hasProgress: task.progress.ast._tag !== "Never"
      }
      this.codecs.set(task, codecs)
    }
    return codecs
  }

  // --- workers ---------------------------------------------------------------

  /** The service's `awaitReady`: see `awaitStarted`. */
  get awaitReady(): Effect.Effect<void, Errors.WorkerCrashed> {
    return awaitStarted(this)
  }

  // --- dispatch --------------------------------------------------------------

  // --- submitting ------------------------------------------------------------

  /**
   * A call's timeout in milliseconds (`undefined`: none, also for
   * `Infinity`), else the pool's `taskTimeout`, or the `InvalidArgumentError`
   * of a bad one.
   */
  timeoutOf(
    options: { readonly timeout?: Duration.Input | undefined } | undefined
  ): number | undefined | Errors.InvalidArgumentError {
    return options?.timeout === undefined
      ? this.config.taskTimeoutMs
      : Validation.durationMillis(options.timeout, "timeout")
  }

  submit(task: Task.Any, input: unknown, options: Pool.ApplyOptions<any> | undefined): Job | Pool.SubmitError {
    if (this.closed) return Backend.poolClosed(task.name)
    const timeoutMs = this.timeoutOf(options)
    if (timeoutMs instanceof Errors.InvalidArgumentError) return timeoutMs
    const codecs = this.codecsOf(task)
    const encoded = codecs.encodeInput(input)
    if (Exit.isFailure(encoded)) {
      return new Errors.InputEncodingError({
        task: task.name,
        message: `invalid input for task "${task.name}" (nothing was sent): ${formatSchemaError(encoded)}`
      })
    }
    const job = new Job(this.nextJobId++, task.name, codecs, P.RUN, encoded.value, options?.transfer)
    if (options?.onProgress !== undefined) job.onProgress = options.onProgress
    start(this, job, timeoutMs)
    return job
  }

  makeFuture(job: Job) {
    const future = Backend.makeFutureUnsafe<any, any>({
      name: job.name,
      cancel: () => cancel(this, job, interruptExit)
    })
    job.future = future
    if (job.state === "sent") Backend.setRunningUnsafe(future)
    if (job.codecs.hasProgress) {
      const state: ProgressState = { buffer: [], subscribers: new Set(), done: false }
      job.progress = state
      this.progressStates.set(future, state)
    }
    return future
  }

  // --- Pool API --------------------------------------------------------------

  apply<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    input: I,
    options?: Pool.ApplyOptions<P>
  ): Effect.Effect<O, E | Pool.SubmitError | Pool.RunError> {
    return Effect.callback<O, E | Pool.SubmitError | Pool.RunError>((resume) => {
      const job = this.submit(task, input, options as Pool.ApplyOptions<unknown>)
      if (!(job instanceof Job)) return resume(Effect.fail(job))
      if (job.state === "done") return resume(Effect.die("unreachable"))
      job.onExit = resume as any
      return Effect.callback<void>((resumeStopped) => {
        if (job.state === "done") return resumeStopped(Effect.void)
        job.onExit = () => resumeStopped(Effect.void)
        cancel(this, job, interruptExit)
      })
    })
  }

  applyAsync<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    input: I,
    options?: Pool.ApplyAsyncOptions<O, E | Pool.RunError, P>
  ): Effect.Effect<Pool.TaskFuture<O, E | Pool.RunError, P>, Pool.SubmitError> {
    return Effect.withFiber((fiber) => {
      const job = this.submit(task, input, options as Pool.ApplyOptions<unknown>)
      if (!(job instanceof Job)) return Effect.fail(job)
      const future = this.makeFuture(job)
      observeCallbacks(future, fiber, options)
      return Effect.succeed(future as Pool.TaskFuture<O, E | Pool.RunError, P>)
    })
  }

  /**
   * Submits every input (chunked) after encoding them all; calls `onDone`
   * once with all the outputs or the first failure (the other jobs are then
   * stopped first). Returns the canceller, or the refusal.
   */
  mapJobs(
    task: Task.Any,
    inputs: Iterable<unknown>,
    options: Pool.MapOptions | undefined,
    onDone: (exit: Exit.Exit<Array<unknown>, unknown>) => void
  ): ((stopExit: Exit.Exit<any, any>) => void) | Pool.SubmitError {
    if (this.closed) return Backend.poolClosed(task.name)
    // The options are checked before the inputs are read.
    const timeoutMs = this.timeoutOf(options)
    if (timeoutMs instanceof Errors.InvalidArgumentError) return timeoutMs
    if (options?.chunksize !== undefined) {
      const checked = chunksizeOf(options.chunksize, () => 1)
      if (checked instanceof Errors.InvalidArgumentError) return checked
    }
    const codecs = this.codecsOf(task)
    const items = Array.isArray(inputs) ? inputs : Array.from(inputs)
    const n = items.length
    const chunksize = options?.chunksize ?? Math.max(1, Math.ceil(n / (this.size * 4)))
    const encoded: Array<unknown> = new Array(n)
    for (let i = 0; i < n; i++) {
      const exit = codecs.encodeInput(items[i])
      if (Exit.isFailure(exit)) {
        return new Errors.InputEncodingError({
          task: task.name,
          message: `invalid input #${i} for task "${task.name}" (nothing was sent): ${formatSchemaError(exit)}`
        })
      }
      encoded[i] = exit.value
    }
    if (n === 0) {
      onDone(Exit.succeed([]))
      return () => {}
    }
    const results: Array<unknown> = new Array(n)
    const jobs: Array<Job> = []
    let remaining = 0
    let failure: Exit.Exit<any, any> | undefined
    const settle = () => {
      if (remaining === 0) onDone(failure ?? Exit.succeed(results))
    }
    const stopAll = (stopExit: Exit.Exit<any, any>) => {
      for (const job of jobs) if (job.state !== "done") cancel(this, job, stopExit)
    }
    for (let start = 0; start < n; start += chunksize) {
      const single = chunksize === 1
      const job = new Job(
        this.nextJobId++,
        task.name,
        codecs,
        single ? P.RUN : P.CHUNK,
        single ? encoded[start] : encoded.slice(start, start + chunksize),
        undefined
      )
      const offset = start
      job.onExit = (exit) => {
        remaining--
        if (Exit.isSuccess(exit)) {
          if (single) results[offset] = exit.value
          else {
            const values = exit.value as Array<unknown>
            for (let k = 0; k < values.length; k++) results[offset + k] = values[k]
          }
        } else if (failure === undefined) {
          failure = exit
          stopAll(interruptExit)
        }
        settle()
      }
      jobs.push(job)
      remaining++
    }
    for (const job of jobs) start(this, job, timeoutMs)
    return (stopExit) => {
      if (failure === undefined) failure = stopExit
      stopAll(stopExit)
    }
  }

  map<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ): Effect.Effect<Array<O>, E | Pool.SubmitError | Pool.RunError> {
    return Effect.callback<Array<O>, E | Pool.SubmitError | Pool.RunError>((resume) => {
      let done = false
      let onStopped: (() => void) | undefined
      let cancel: ((stopExit: Exit.Exit<any, any>) => void) | Pool.SubmitError
      try {
        cancel = this.mapJobs(task, inputs, options, (exit) => {
          done = true
          if (onStopped !== undefined) onStopped()
          else resume(exit as any)
        })
      } catch (error) {
        // iterating the inputs threw: a defect, as in the caller's own code
        return resume(Effect.die(error))
      }
      if (typeof cancel !== "function") return resume(Effect.fail(cancel))
      const stop = cancel
      return Effect.callback<void>((resumeStopped) => {
        if (done) return resumeStopped(Effect.void)
        onStopped = () => resumeStopped(Effect.void)
        stop(interruptExit)
      })
    })
  }

  mapAsync<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapAsyncOptions<O, E | Pool.RunError>
  ): Effect.Effect<Future.Future<Array<O>, E | Pool.RunError>, Pool.SubmitError> {
    return Effect.withFiber((fiber) => {
      let cancel: ((stopExit: Exit.Exit<any, any>) => void) | undefined
      const future = Backend.makeFutureUnsafe<Array<O>, E | Pool.RunError>({
        name: task.name,
        cancel: () => cancel?.(interruptExit)
      })
      let result: ((stopExit: Exit.Exit<any, any>) => void) | Pool.SubmitError
      try {
        result = this.mapJobs(task, inputs, options, (exit) => Backend.completeUnsafe(future, exit as any))
      } catch (error) {
        // iterating the inputs threw: a defect, as in the caller's own code
        return Effect.die(error)
      }
      if (typeof result !== "function") return Effect.fail(result)
      cancel = result
      Backend.setRunningUnsafe(future)
      observeCallbacks(future, fiber, options)
      return Effect.succeed(future)
    })
  }

  starmap<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ) {
    return this.map(task, inputs, options)
  }

  starmapAsync<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapAsyncOptions<O, E | Pool.RunError>
  ) {
    return this.mapAsync(task, inputs, options)
  }

  imap<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ): Stream.Stream<O, E | Pool.SubmitError | Pool.RunError> {
    return this.streamMap(task, inputs, options, true)
  }

  imapUnordered<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ): Stream.Stream<O, E | Pool.SubmitError | Pool.RunError> {
    return this.streamMap(task, inputs, options, false)
  }

  /**
   * `imap` / `imapUnordered`: the shared result window
   * (`Backend.ResultWindow`), driven by `startEachSync`, one window item per
   * job. An item is one input, or a chunk of `chunksize` inputs sent as one
   * job whose values the window flattens into the stream; items are read and
   * encoded only when the window has room (`JobInputs`). Starting an item is
   * synchronous (create the job, queue it), done where the consumer makes
   * room, and its exit is reported from the job's `onExit`: no fiber and no
   * effect per job. The bound counts jobs in flight plus
   * jobs whose results are not yet delivered: a few rounds of what the
   * workers can hold (`size × maxDepth`), so the workers stay busy while the
   * consumer handles a batch.
   *
   * Failures keep their place: a bad input fails the stream at its position,
   * after the results of the inputs before it (its chunk's earlier inputs go
   * as a job of their own); in input order, a chunk that failed part-way
   * delivers the values computed before the failure first. When the pool
   * closes mid-stream, the jobs already sent finish and are delivered, then
   * the stream fails with `PoolClosed`. When the stream ends early, the jobs
   * in flight are cancelled and the stream's end waits until they have
   * stopped.
   */
  streamMap<O, E>(
    task: Task.Any,
    inputs: Iterable<unknown>,
    options: Pool.MapOptions | undefined,
    ordered: boolean
  ): Stream.Stream<O, E | Pool.SubmitError | Pool.RunError> {
    const pool = this
    const chunksize = chunksizeOf(options?.chunksize, () => 1)
    const timeoutMs = pool.timeoutOf(options)
    const codecs = pool.codecsOf(task)
    return Backend.ResultWindow.stream<unknown, unknown, any, Pool.SubmitError, never>({
      // Iterated only once `drive` has checked the options.
      items: { [Symbol.iterator]: () => new JobInputs(pool, task.name, codecs, chunksize as number, inputs) },
      ordered,
      window: Math.max(2, pool.size * pool.config.maxDepth * 2),
      drive: (window, scope) =>
        Effect.suspend((): Effect.Effect<void, Pool.SubmitError> => {
          // The options are checked before any input is read.
          if (pool.closed) return Effect.fail(Backend.poolClosed(task.name))
          if (chunksize instanceof Errors.InvalidArgumentError) return Effect.fail(chunksize)
          if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
          const single = chunksize === 1
          /** This stream's jobs not yet ended. */
          let jobs = 0
          let onDrained: (() => void) | undefined
          /** The item refused because the pool closed: reported once the jobs before it have ended. */
          let refusedByClose: (() => void) | undefined
          const jobEnded = () => {
            if (--jobs > 0) return
            if (refusedByClose !== undefined) {
              const report = refusedByClose
              refusedByClose = undefined
              report()
            }
            if (onDrained !== undefined) onDrained()
          }
          // Added before the driver's, so it runs after the driver has
          // cancelled the jobs in flight: the stream ends once they stopped.
          return Effect.andThen(
            Scope.addFinalizer(
              scope,
              Effect.callback<void>((resume) => {
                if (jobs === 0) return resume(Effect.void)
                onDrained = () => resume(Effect.void)
              })
            ),
            Backend.ResultWindow.startEachSync(window, scope, (item, _index, complete, completeAll) => {
              if (item instanceof Refused) {
                const refuse = () => complete(Exit.fail(item.error))
                if (!item.closed || jobs === 0) return refuse()
                refusedByClose = refuse
                return
              }
              const job = new Job(pool.nextJobId++, task.name, codecs, single ? P.RUN : P.CHUNK, item, undefined)
              job.onExit = single
                ? (exit) => {
                  complete(exit)
                  jobEnded()
                }
                : (exit) => {
                  if (Exit.isSuccess(exit)) completeAll(exit.value as Array<unknown>)
                  else if (ordered && job.partial !== undefined && job.partial.length > 0) {
                    completeAll(job.partial, exit.cause)
                  } else complete(exit)
                  jobEnded()
                }
              jobs++
              start(pool, job, timeoutMs)
              return () => cancel(pool, job, interruptExit)
            })
          )
        })
    }) as Stream.Stream<any, any>
  }

  progress<A, E, P>(future: Pool.TaskFuture<A, E, P>): Stream.Stream<P> {
    return Stream.callback<P>((queue) =>
      Effect.suspend(() => {
        const state = this.progressStates.get(future)
        if (state === undefined) return Effect.sync(() => Queue.endUnsafe(queue))
        const buffer = state.buffer
        for (let i = Math.max(0, buffer.length - this.config.progressBufferSize); i < buffer.length; i++) {
          Queue.offerUnsafe(queue, buffer[i] as P)
        }
        state.buffer = []
        if (state.done) return Effect.sync(() => Queue.endUnsafe(queue))
        const subscriber: ProgressSubscriber = {
          value: (value) => Queue.offerUnsafe(queue, value as P),
          end: () => Queue.endUnsafe(queue)
        }
        state.subscribers.add(subscriber)
        // A consumer that stops early lets go of the task's progress.
        return Effect.addFinalizer(() => Effect.sync(() => state.subscribers.delete(subscriber)))
      })
    )
  }

  get close(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.closed = true
      if (this.pending.size === 0) closeAllIdle(this)
    }).pipe(Effect.withSpan("NodePool.close"))
  }

  get terminate(): Effect.Effect<void> {
    return Effect.suspend(() => {
      terminateNow(this)
      return awaitExited(this)
    }).pipe(Effect.withSpan("NodePool.terminate"))
  }

  get join(): Effect.Effect<void, Errors.PoolStillRunning> {
    return Effect.suspend(() =>
      this.closed
        ? awaitExited(this)
        : Effect.fail(
          new Errors.PoolStillRunning({
            message: "join() waits for the workers to exit: call close() or terminate() first"
          })
        )
    ).pipe(Effect.withSpan("NodePool.join"))
  }

  get stats(): Effect.Effect<Pool.Stats> {
    return Effect.sync(() => {
      let running = 0
      for (const w of this.workers) running += w.inflightCount
      return {
        size: this.size,
        workers: this.workers.size,
        queued: this.queue.size,
        running,
        completed: this.completed,
        spawned: this.spawned
      }
    })
  }

  /** The pids (process runtime) or thread ids (thread runtime) of the live workers. */
  workerIds(): Array<{ readonly id: number; readonly pid: number; readonly threadId: number }> {
    return Array.from(this.workers, (w) => ({ id: w.id, pid: w.pid, threadId: w.threadId }))
  }
}

/**
 * Python's `callback` / `error_callback` of `apply_async` / `map_async`:
 * each runs in a new fiber with the submitting fiber's services when the
 * future completes; a callback's own failure is logged, as Python prints
 * "exception calling callback for …", as `Future.addDoneCallback` does.
 * The callback is called inside that fiber too: one that throws instead of
 * returning an effect is a failure like any other (logged), not an exception
 * in the middle of the pool's completion of the task — which would skip the
 * future's other observers and the dispatch of the queued tasks.
 */
const observeCallbacks = <A, E>(
  future: Future.Future<A, E>,
  fiber: Fiber.Fiber<unknown, unknown>,
  options: {
    readonly callback?: ((value: A) => Effect.Effect<void, unknown>) | undefined
    readonly errorCallback?: ((cause: Cause.Cause<E>) => Effect.Effect<void, unknown>) | undefined
  } | undefined
): void => {
  const callback = options?.callback
  const errorCallback = options?.errorCallback
  if (callback === undefined && errorCallback === undefined) return
  const context = fiber.context
  Backend.observeUnsafe(future, (exit) => {
    const effect = Exit.isSuccess(exit)
      ? callback === undefined ? undefined : Effect.suspend(() => callback(exit.value))
      : errorCallback === undefined
      ? undefined
      : Effect.suspend(() => errorCallback(exit.cause))
    if (effect === undefined) return
    Effect.runForkWith(context)(
      Effect.catchCause(
        effect,
        (cause) => Effect.logError(`exception calling callback for ${String(future)}`, cause)
      )
    )
  })
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
        const pool = new NodePoolImpl(parsed)
        // Node itself may refuse to start the workers (a bad `execArgv`…):
        // that throws from Node's API, so it is caught here.
        return Effect.try({
          try: () => {
            replenish(pool) // every worker starts now, in parallel
            pool.started = true
            return pool
          },
          catch: (error) => {
            terminateNow(pool) // stop the workers already started
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
  Effect.sync(() => pool instanceof NodePoolImpl ? pool.workerIds() : [])

/**
 * Waits until every worker of a pool made by `NodePool` has started (loaded
 * the tasks module and run the initializer) — or failed to. Tasks never need
 * it (they wait for a worker on their own); it lets a server pay the start-up
 * before taking traffic, and a benchmark measure a warm pool. When no worker
 * could start (a wrong tasks module path, a module that throws when
 * imported, a failing initializer), it fails with that `WorkerCrashed`
 * (reason `"startup"`), so a service fails at boot rather than at its first
 * task; workers that started while others failed are enough to succeed.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const awaitReady: (pool: Pool.PoolService) => Effect.Effect<void, Errors.WorkerCrashed> = Effect.fn(
  "NodePool.awaitReady"
)(
  function*(pool: Pool.PoolService) {
    yield* pool.awaitReady
  }
)
