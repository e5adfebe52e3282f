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
import * as os from "node:os"
import { pathToFileURL } from "node:url"
import { tsxApi } from "./internal/environment.ts"
import * as P from "./internal/protocol.ts"
import { describeError, describeUncaught, type Runtime, type RuntimeWorker } from "./internal/runtime.ts"
import { processRuntime } from "./internal/runtime/process.ts"
import { threadRuntime } from "./internal/runtime/thread.ts"
import { LongTimeout } from "./internal/timers.ts"

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
export const maxSize = 1024

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

const QUEUED = 0
const SENT = 1
const DONE = 2

interface Codecs {
  readonly encodeInput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeOutput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeError: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeProgress: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly hasProgress: boolean
}

interface ProgressSubscriber {
  readonly value: (value: unknown) => void
  readonly end: () => void
}

/**
 * A task's progress: values reported while nobody listens are buffered (the
 * latest `Options.progressBufferSize`) for the next subscriber; every
 * subscriber gets every value reported while it listens.
 */
interface ProgressState {
  /** Holds up to twice the bound (dropping the oldest half at a time); the latest `bound` are delivered. */
  buffer: Array<unknown>
  readonly subscribers: Set<ProgressSubscriber>
  done: boolean
}

class Job {
  state: 0 | 1 | 2 = QUEUED
  worker: WorkerHandle | undefined = undefined
  sentAt = 0
  /** The exit to complete with once a cancelled / timed-out task has stopped. */
  stopExit: Exit.Exit<any, any> | undefined = undefined
  cancelSent = false
  /** An UNQUEUE (work stealing) was sent for it. */
  stealing = false
  /** The job's timeout; its timer starts when its worker starts the job (`armTimeout`). */
  timeoutMs: number | undefined = undefined
  timer: LongTimeout | undefined = undefined
  killTimer: LongTimeout | undefined = undefined
  future: Future.Future<any, any> | undefined = undefined
  onExit: ((exit: Exit.Exit<any, any>) => void) | undefined = undefined
  onProgress: ((value: unknown) => void) | undefined = undefined
  progress: ProgressState | undefined = undefined
  /** For chunks: the outputs computed before a failure. */
  partial: Array<unknown> | undefined = undefined
  readonly id: number
  readonly name: string
  readonly codecs: Codecs
  readonly op: number
  payload: unknown
  readonly transfer: ReadonlyArray<unknown> | undefined
  constructor(
    id: number,
    name: string,
    codecs: Codecs,
    op: number,
    payload: unknown,
    transfer: ReadonlyArray<unknown> | undefined
  ) {
    this.id = id
    this.name = name
    this.codecs = codecs
    this.op = op
    this.payload = payload
    this.transfer = transfer
  }
}

// -----------------------------------------------------------------------------
// Workers
// -----------------------------------------------------------------------------

class WorkerHandle {
  ready = false
  /** Jobs sent and not finished, in the order they were sent (the worker runs them in that order). */
  inflight: Array<Job> = []
  inflightHead = 0
  inflightCount = 0
  dispatched = 0
  depth = 1
  ewmaMillis = -1
  lastDoneAt = 0
  /** No more jobs: it is being recycled, closed or killed. */
  retiring = false
  closing = false
  killing = false
  exited = false
  startupError: P.SerializedDefect | undefined = undefined
  outbox: Array<unknown> = []
  outboxTransfer: Array<unknown> | undefined = undefined
  dirty = false
  idleTimer: LongTimeout | undefined = undefined
  /** Kills the worker if it is not ready within `startupTimeout`. */
  startupTimer: LongTimeout | undefined = undefined
  /** It was killed for not starting within `startupTimeout`: a start-up failure, not a deliberate kill. */
  startupTimedOut = false
  closeTimer: ReturnType<typeof setTimeout> | undefined = undefined
  /** The worker's process id, once it is ready (the runtime's may be known before). */
  pid = 0
  readonly id: number
  readonly rt: RuntimeWorker
  constructor(rt: RuntimeWorker) {
    this.id = rt.id
    this.rt = rt
  }
  get threadId() {
    return this.rt.threadId
  }
  kill() {
    if (this.exited) return
    this.killing = true
    this.retiring = true
    this.rt.kill()
  }
}

/** The tasks module's URL; `undefined` when `tasks` is neither a URL nor a path. */
const toUrl = (tasks: unknown): URL | undefined => {
  if (tasks instanceof URL) return tasks
  if (typeof tasks !== "string" || tasks === "") return undefined
  if (/^[a-z][a-z0-9+.-]*:/i.test(tasks) && !/^[a-z]:[\\/]/i.test(tasks)) {
    return URL.canParse(tasks) ? new URL(tasks) : undefined
  }
  return pathToFileURL(tasks)
}

/** `Options`, checked once by `parseOptions`: what the pool runs on. */
interface ParsedOptions {
  readonly size: number
  readonly runtime: "thread" | "process"
  readonly tasksUrl: URL
  /** `undefined`: workers are never replaced for their task count. */
  readonly maxTasksPerChild: number | undefined
  /** `undefined`: idle workers live as long as the pool. */
  readonly idleTimeoutMs: number | undefined
  /** `undefined`: workers may take forever to start. */
  readonly startupTimeoutMs: number | undefined
  /** `undefined`: no default task timeout. */
  readonly taskTimeoutMs: number | undefined
  /** `undefined`: a cancelled task's worker is never terminated for it. */
  readonly graceMs: number | undefined
  readonly maxDepth: number
  /** `Infinity`: every progress value is kept. */
  readonly progressBufferSize: number
  readonly initializer: { readonly task: string; readonly input: unknown } | undefined
}

const resourceLimitKeys = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb"
] as const

/**
 * Checks every option with corun's shared argument checks and returns what
 * the pool needs, or the `InvalidArgumentError` of the first bad option.
 * Nothing is started before this has succeeded.
 */
const parseOptions = (options: Options<any>): ParsedOptions | Errors.InvalidArgumentError => {
  const size = options.size === undefined ? os.availableParallelism() : Validation.positiveCount(options.size, "size")
  if (size instanceof Errors.InvalidArgumentError) return size
  if (size > maxSize) {
    return Validation.invalidArgument(
      "size",
      size,
      `at most ${maxSize} (NodePool.maxSize; a worker per core is the usual size, and this machine has ${os.availableParallelism()})`
    )
  }
  const runtime = options.runtime ?? "thread"
  if (runtime !== "thread" && runtime !== "process") {
    return Validation.invalidArgument("runtime", runtime, `"thread" or "process"`)
  }
  const tasksUrl = toUrl(options.tasks)
  if (tasksUrl === undefined) {
    return Validation.invalidArgument("tasks", options.tasks, "the URL or the file path of the tasks module")
  }
  const maxTasksPerChild = options.maxTasksPerChild === undefined
    ? Infinity
    : Validation.positiveCount(options.maxTasksPerChild, "maxTasksPerChild", true)
  if (maxTasksPerChild instanceof Errors.InvalidArgumentError) return maxTasksPerChild
  const idleTimeoutMs = Validation.timeoutMillis(options.idleTimeout, "idleTimeout")
  if (idleTimeoutMs instanceof Errors.InvalidArgumentError) return idleTimeoutMs
  const startupTimeoutMs = options.startupTimeout === undefined
    ? 30_000
    : Validation.timeoutMillis(options.startupTimeout, "startupTimeout")
  if (startupTimeoutMs instanceof Errors.InvalidArgumentError) return startupTimeoutMs
  const taskTimeoutMs = Validation.timeoutMillis(options.taskTimeout, "taskTimeout")
  if (taskTimeoutMs instanceof Errors.InvalidArgumentError) return taskTimeoutMs
  const graceMs = options.cancelGracePeriod === undefined
    ? 50
    : Validation.durationMillis(options.cancelGracePeriod, "cancelGracePeriod")
  if (graceMs instanceof Errors.InvalidArgumentError) return graceMs
  const maxDepth = options.maxInFlightPerWorker === undefined
    ? 64
    : Validation.positiveCount(options.maxInFlightPerWorker, "maxInFlightPerWorker")
  if (maxDepth instanceof Errors.InvalidArgumentError) return maxDepth
  const progressBufferSize = options.progressBufferSize === undefined
    ? 1000
    : Validation.positiveCount(options.progressBufferSize, "progressBufferSize", true)
  if (progressBufferSize instanceof Errors.InvalidArgumentError) return progressBufferSize
  const limits = options.resourceLimits
  if (limits !== undefined) {
    for (const key of resourceLimitKeys) {
      if (limits[key] === undefined) continue
      const limit = Validation.positiveSize(limits[key], `resourceLimits.${key}`)
      if (limit instanceof Errors.InvalidArgumentError) return limit
    }
  }
  let initializer: ParsedOptions["initializer"]
  if (options.initializer !== undefined) {
    const task = options.initializer as Task.Any
    const encoded = Schema.encodeUnknownExit(task.input as Schema.Codec<unknown, unknown>)(options.initargs)
    if (Exit.isFailure(encoded)) {
      return new Errors.InvalidArgumentError({
        argument: "initargs",
        message: `'initargs' do not match the input schema of the initializer "${task.name}": ${
          formatSchemaError(encoded)
        }`
      })
    }
    initializer = { task: task.name, input: encoded.value }
  }
  return {
    size,
    runtime,
    tasksUrl,
    maxTasksPerChild: maxTasksPerChild === Infinity ? undefined : maxTasksPerChild,
    idleTimeoutMs,
    startupTimeoutMs,
    taskTimeoutMs,
    graceMs,
    maxDepth,
    progressBufferSize,
    initializer
  }
}

/** `chunksize` of `map` and co: a positive integer, else `fallback` when absent. */
const chunksizeOf = (chunksize: number | undefined, fallback: () => number): number | Errors.InvalidArgumentError =>
  chunksize === undefined ? fallback() : Validation.positiveCount(chunksize, "chunksize")

const interruptExit: Exit.Exit<never, never> = Exit.interrupt()

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

const formatSchemaError = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const reason = exit.cause.reasons[0]
  return reason !== undefined && reason._tag === "Fail" ? reason.error.message : Cause.pretty(exit.cause)
}

// -----------------------------------------------------------------------------
// The pool
// -----------------------------------------------------------------------------

class NodePoolImpl implements Pool.PoolService {
  readonly [Pool.ServiceTypeId] = Pool.ServiceTypeId
  readonly size: number
  readonly runtime: "thread" | "process"
  /** How workers are started and spoken to. */
  readonly rt: Runtime
  readonly tasksUrl: URL
  readonly maxTasksPerChild: number | undefined
  readonly idleTimeoutMs: number | undefined
  readonly startupTimeoutMs: number | undefined
  readonly taskTimeoutMs: number | undefined
  readonly graceMs: number | undefined
  readonly maxDepth: number
  readonly progressBufferSize: number
  readonly initializer: { task: string; input: unknown } | undefined
  readonly options: Options<any>

  readonly workers = new Set<WorkerHandle>()
  readonly pending = new Map<number, Job>()
  queue: Array<Job | undefined> = []
  queueHead = 0
  queued = 0
  nextJobId = 1
  nextWorkerId = 1
  spawned = 0
  completed = 0
  closed = false
  terminated = false
  startupBlocked = false
  /**
   * Workers in a row that died while starting with nothing said why (a
   * signal, an exit without a start-up error): killed from outside (the OOM
   * killer…), so they are replaced; only `maxUnexplainedStartupDeaths` of
   * them in a row block the pool.
   */
  unexplainedStartupDeaths = 0
  /** Why no worker could start, while `startupBlocked`: what `awaitReady` fails with. */
  startupFailure: Errors.WorkerCrashed | undefined = undefined
  /** `make` has started the first workers. */
  started = false
  flushScheduled = false
  readonly dirtyWorkers: Array<WorkerHandle> = []
  readonly codecs = new Map<Task.Any, Codecs>()
  readonly progressStates = new WeakMap<object, ProgressState>()
  exitWaiters: Array<() => void> = []
  readyWaiters: Array<() => void> = []

  /** `parsed` is `options` checked by `parseOptions`. */
  constructor(options: Options<any>, parsed: ParsedOptions) {
    this.options = options
    this.size = parsed.size
    this.runtime = parsed.runtime
    this.rt = parsed.runtime === "thread" ? threadRuntime : processRuntime
    this.tasksUrl = parsed.tasksUrl
    this.maxTasksPerChild = parsed.maxTasksPerChild
    this.idleTimeoutMs = parsed.idleTimeoutMs
    this.startupTimeoutMs = parsed.startupTimeoutMs
    this.taskTimeoutMs = parsed.taskTimeoutMs
    this.graceMs = parsed.graceMs
    this.maxDepth = parsed.maxDepth
    this.progressBufferSize = parsed.progressBufferSize
    this.initializer = parsed.initializer
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

  spawn(): WorkerHandle {
    const id = this.nextWorkerId++
    const init: P.WorkerInit = {
      tasks: this.tasksUrl.href,
      workerId: id,
      initializer: this.initializer,
      tsxApi: tsxApi()
    }
    let handle!: WorkerHandle
    const rt = this.rt.spawn({
      id,
      init,
      resourceLimits: this.options.resourceLimits,
      execArgv: this.options.execArgv ?? [],
      env: this.options.env
    }, {
      onReady: () => this.onReady(handle),
      onMessage: (message) => this.onMessage(handle, message),
      onExit: (code, signal) => this.onExit(handle, code, signal)
    })
    handle = new WorkerHandle(rt)
    if (this.rt.name === "process") handle.pid = rt.pid
    if (this.startupTimeoutMs !== undefined) {
      const startupTimeoutMs = this.startupTimeoutMs
      handle.startupTimer = new LongTimeout(
        () => {
          handle.startupTimer = undefined
          if (handle.ready || handle.exited || handle.killing || handle.closing) return
          handle.startupTimedOut = true
          handle.rt.crash = {
            reason: "startup",
            detail: `did not become ready within ${startupTimeoutMs} ms (startupTimeout): ` +
              `does the tasks module (or the initializer) wait for something that never comes?`
          }
          handle.kill()
        },
        startupTimeoutMs,
        { unref: true }
      )
    }
    this.workers.add(handle)
    this.spawned++
    return handle
  }

  /** Whether no worker is still starting (each live one is ready, or none is left to start). */
  allStarted(): boolean {
    for (const w of this.workers) if (!w.ready && !w.exited) return false
    return true
  }

  notifyStarted() {
    if (this.readyWaiters.length === 0 || !this.allStarted()) return
    const waiters = this.readyWaiters
    this.readyWaiters = []
    for (const waiter of waiters) waiter()
  }

  /** The service's `awaitReady`: see `awaitStarted`. */
  get awaitReady(): Effect.Effect<void, Errors.WorkerCrashed> {
    return this.awaitStarted
  }

  /**
   * Waits until no worker is still starting; fails with the start-up error
   * when none of them started (the pool is blocked on a broken tasks module
   * or initializer), rather than leaving it to the first task.
   */
  get awaitStarted(): Effect.Effect<void, Errors.WorkerCrashed> {
    const settled = (): Effect.Effect<void, Errors.WorkerCrashed> =>
      this.startupFailure !== undefined && this.startupBlocked ? Effect.fail(this.startupFailure) : Effect.void
    return Effect.callback<void, Errors.WorkerCrashed>((resume) => {
      if (this.allStarted()) return resume(settled())
      const waiter = () => resume(settled())
      this.readyWaiters.push(waiter)
      return Effect.sync(() => {
        const index = this.readyWaiters.indexOf(waiter)
        if (index >= 0) this.readyWaiters.splice(index, 1)
      })
    })
  }

  onReady(w: WorkerHandle) {
    if (w.startupTimer !== undefined) {
      w.startupTimer.clear()
      w.startupTimer = undefined
    }
    if (w.exited || w.startupTimedOut) return
    w.ready = true
    w.pid = w.rt.pid
    this.startupBlocked = false
    this.startupFailure = undefined
    this.unexplainedStartupDeaths = 0
    if (w.retiring) this.closeWorker(w)
    else {
      this.schedule()
      if (w.inflightCount === 0) this.onIdle(w)
    }
    this.notifyStarted()
  }

  /** Starts workers until there are as many as needed. */
  replenish(force = false) {
    if (this.terminated) return
    if (this.startupBlocked && !force) return
    const wanted = this.closed || this.idleTimeoutMs !== undefined
      ? (this.queued > 0 ? this.size : 0)
      : this.size
    let live = 0
    for (const w of this.workers) if (!w.retiring) live++
    for (; live < wanted; live++) {
      try {
        this.spawn()
      } catch (error) {
        if (!this.started) throw error // from `make`: the pool is not created (bad options)
        return this.spawnFailed(live, error)
      }
    }
  }

  /**
   * Node refused to start a worker after the pool had started (out of
   * threads or memory…). Called from event handlers, so it must not throw:
   * with no live worker left, the queued tasks fail with `WorkerCrashed`
   * (reason `"startup"`) — in a microtask, after their callers are attached —
   * and the next submission tries again.
   */
  spawnFailed(live: number, error: unknown) {
    if (live > 0) return
    this.startupBlocked = true
    this.startupFailure = new Errors.WorkerCrashed({
      task: "",
      worker: 0,
      reason: "startup",
      exitCode: undefined,
      signal: undefined,
      message: `no worker of the pool could start: ${describeError(error)}`
    })
    queueMicrotask(() =>
      this.failQueued((task) =>
        new Errors.WorkerCrashed({
          task,
          worker: 0,
          reason: "startup",
          exitCode: undefined,
          signal: undefined,
          message: `task "${task}" failed: no worker could be started: ${describeError(error)}`
        })
      )
    )
  }

  onMessage(w: WorkerHandle, message: Array<unknown>) {
    const op = message[0] as number
    if (op === P.R_STARTUP_FAILED) {
      w.startupError = message[1] as P.SerializedDefect
      return
    }
    if (op === P.R_CRASH) {
      const defect = message[1] as P.SerializedDefect
      w.rt.crash = { reason: "exception", detail: describeUncaught(P.reviveDefect(defect)) }
      return
    }
    const job = this.pending.get(message[1] as number)
    if (job === undefined || job.worker !== w) return
    const codecs = job.codecs
    switch (op) {
      case P.R_UNQUEUED:
        return this.requeueStolen(w, job)
      case P.R_SUCCESS: {
        const decoded = codecs.decodeOutput(message[2])
        return this.finish(
          job,
          Exit.isSuccess(decoded) ? decoded : Exit.die(
            new Error(
              `the result of task "${job.name}" does not match its output schema: ${formatSchemaError(decoded)}`
            )
          )
        )
      }
      case P.R_FAIL: {
        const decoded = codecs.decodeError(message[2])
        return this.finish(
          job,
          Exit.isSuccess(decoded) ? Exit.fail(decoded.value) : Exit.die(
            new Error(
              `the error of task "${job.name}" does not match its error schema: ${formatSchemaError(decoded)}`
            )
          )
        )
      }
      case P.R_DIE:
        return this.finish(job, Exit.die(P.reviveDefect(message[2] as P.SerializedDefect)))
      case P.R_INTERRUPTED:
        return this.finish(job, job.stopExit ?? interruptExit)
      case P.R_PROGRESS: {
        if (job.state === DONE) return
        const decoded = codecs.decodeProgress(message[2])
        if (Exit.isFailure(decoded)) return
        job.onProgress?.(decoded.value)
        const progress = job.progress
        if (progress !== undefined) {
          if (progress.subscribers.size === 0) {
            const buffer = progress.buffer
            buffer.push(decoded.value)
            // Amortized: the oldest values go once the buffer holds twice the bound.
            if (buffer.length >= 2 * this.progressBufferSize) progress.buffer = buffer.slice(-this.progressBufferSize)
          } else for (const subscriber of progress.subscribers) subscriber.value(decoded.value)
        }
        return
      }
      case P.R_CHUNK: {
        const raw = message[2] as Array<unknown>
        const values: Array<unknown> = new Array(raw.length)
        for (let i = 0; i < raw.length; i++) {
          const decoded = codecs.decodeOutput(raw[i])
          if (Exit.isFailure(decoded)) {
            return this.finish(
              job,
              Exit.die(
                new Error(
                  `a result of task "${job.name}" does not match its output schema: ${formatSchemaError(decoded)}`
                )
              )
            )
          }
          values[i] = decoded.value
        }
        const tag = message[3] as number
        if (tag === -1) return this.finish(job, Exit.succeed(values))
        job.partial = values
        if (tag === P.R_FAIL) {
          const decoded = codecs.decodeError(message[4])
          return this.finish(job, Exit.isSuccess(decoded) ? Exit.fail(decoded.value) : Exit.die(message[4]))
        }
        if (tag === P.R_DIE) return this.finish(job, Exit.die(P.reviveDefect(message[4] as P.SerializedDefect)))
        return this.finish(job, job.stopExit ?? interruptExit)
      }
      case P.R_UNKNOWN:
        return this.finish(
          job,
          Exit.fail(
            new Errors.UnknownTask({
              task: job.name,
              message:
                `the pool's workers do not know task "${job.name}": export it from the tasks module ${this.tasksUrl.href}`
            })
          )
        )
    }
  }

  onExit(w: WorkerHandle, code: number | null, signal: NodeJS.Signals | null | undefined) {
    if (w.exited) return
    w.exited = true
    this.workers.delete(w)
    if (w.idleTimer !== undefined) w.idleTimer.clear()
    if (w.startupTimer !== undefined) w.startupTimer.clear()
    if (w.closeTimer !== undefined) clearTimeout(w.closeTimer)
    const jobs: Array<Job> = []
    for (let i = w.inflightHead; i < w.inflight.length; i++) {
      const job = w.inflight[i]
      if (job.state !== DONE && job.worker === w && !jobs.includes(job)) jobs.push(job)
    }
    w.inflight = []
    w.inflightCount = 0
    // Killed for not starting in time: a start-up failure, not a deliberate kill.
    const deliberate = (w.killing || w.closing) && !w.startupTimedOut
    let crashed: Job | undefined
    // A worker that died while starting after saying why (a start-up error
    // from the tasks module or the initializer, an uncaught exception, out of
    // memory, the start-up timeout): the same will happen to its replacement.
    const explained = w.rt.crash !== undefined || w.startupError !== undefined || w.rt.outOfMemory || w.startupTimedOut
    if (!deliberate && !this.terminated) {
      const limit = this.options.resourceLimits?.maxOldGenerationSizeMb
      const crash = w.rt.crash ?? (
        w.startupError !== undefined
          ? { reason: "startup", detail: `failed to start: ${w.startupError.name}: ${w.startupError.message}` }
          : w.rt.outOfMemory
          ? {
            reason: "out-of-memory",
            detail: `ran out of memory${limit === undefined ? "" : ` (heap limit ${limit} MB)`}`
          }
          : signal
          ? { reason: "signal", detail: `was killed by signal ${signal}` }
          : { reason: "exit", detail: `exited with code ${code}` }
      )
      if (!w.ready && crash.reason !== "startup") crash.reason = "startup"
      crash.exitCode = code ?? undefined
      crash.signal = signal ?? undefined
      w.rt.crash = crash
      if (w.ready) {
        // Only the job at the head had started: the worker runs its jobs in order.
        crashed = jobs.find((job) => job.stopExit === undefined)
      }
    }
    // Bookkeeping first, completions last: completing a job can resume its
    // caller synchronously, which must find the pool consistent.
    const requeue: Array<Job> = []
    const completions: Array<[Job, Exit.Exit<any, any>]> = []
    for (const job of jobs) {
      if (job.stopExit !== undefined) completions.push([job, job.stopExit])
      else if (this.terminated) completions.push([job, interruptExit])
      else if (job === crashed) completions.push([job, Exit.fail(this.crashedError(w, job.name))])
      else requeue.push(job)
    }
    if (requeue.length > 0) {
      for (const job of requeue) {
        job.state = QUEUED
        job.worker = undefined
        job.cancelSent = false
        job.stealing = false
        this.disarmTimeout(job)
        this.queued++
      }
      this.queue = [...requeue, ...this.queue.slice(this.queueHead)]
      this.queueHead = 0
    }
    let failStartup = false
    if (!w.ready && !deliberate && !this.terminated) {
      // It never started: do not loop on a broken tasks module or initializer.
      // One killed from outside while it started (a signal, an exit with no
      // start-up error) is replaced, unless that keeps happening.
      const retry = !explained && ++this.unexplainedStartupDeaths < maxUnexplainedStartupDeaths
      let others = false
      for (const other of this.workers) if (other.ready && !other.retiring) others = true
      if (!others && !retry) {
        this.startupBlocked = true
        this.startupFailure = this.startupFailureOf(w)
        failStartup = true
      }
    }
    this.replenish()
    this.schedule()
    for (const [job, exit] of completions) this.finish(job, exit)
    if (failStartup) this.failQueued((name) => this.crashedError(w, name))
    this.notifyStarted()
    this.checkExited()
  }

  crashedError(w: WorkerHandle, task: string) {
    const crash = w.rt.crash!
    const kind = this.rt.label
    return new Errors.WorkerCrashed({
      task,
      worker: w.id,
      reason: crash.reason,
      exitCode: crash.exitCode,
      signal: crash.signal,
      message: `task "${task}" failed: its ${kind} #${w.id}${w.pid ? ` (pid ${w.pid})` : ""} ${crash.detail}; ` +
        (crash.reason === "startup" ? "check the tasks module and the initializer" : "the worker was replaced")
    })
  }

  /** `awaitReady`'s error when no worker could start, `w` being the last that tried. */
  startupFailureOf(w: WorkerHandle) {
    const crash = w.rt.crash!
    const kind = this.rt.label
    return new Errors.WorkerCrashed({
      task: "",
      worker: w.id,
      reason: crash.reason,
      exitCode: crash.exitCode,
      signal: crash.signal,
      message: `no worker of the pool could start: its ${kind} #${w.id}${
        w.pid ? ` (pid ${w.pid})` : ""
      } ${crash.detail}; check the tasks module and the initializer`
    })
  }

  failQueued(error: (task: string) => unknown) {
    const jobs = this.queue.slice(this.queueHead)
    this.queue = []
    this.queueHead = 0
    for (const job of jobs) {
      if (job !== undefined && job.state === QUEUED) this.finish(job, Exit.fail(error(job.name)))
    }
  }

  closeWorker(w: WorkerHandle) {
    if (w.closing || w.exited) return
    w.closing = true
    w.retiring = true
    if (!w.ready) return w.kill()
    // The platform's finalizer asks the worker to close and waits for it.
    w.rt.close()
    w.closeTimer = setTimeout(() => w.kill(), 2000)
  }

  // --- dispatch --------------------------------------------------------------

  enqueue(job: Job) {
    this.queue.push(job)
    this.queued++
  }

  schedule() {
    if (this.queued === 0) return
    // A worker takes jobs once it is down to half its pipelining depth, and
    // is then filled up to it (fewer, larger messages); each job goes to the
    // eligible worker with the fewest jobs in flight.
    let eligible: Array<WorkerHandle> | undefined
    for (const w of this.workers) {
      if (w.ready && !w.retiring && w.inflightCount <= w.depth >> 1) (eligible ??= []).push(w)
    }
    if (eligible === undefined) return
    while (this.queued > 0) {
      let best: WorkerHandle | undefined
      for (let i = 0; i < eligible.length; i++) {
        const w = eligible[i]
        if (w.retiring || w.inflightCount >= w.depth) continue
        if (best === undefined || w.inflightCount < best.inflightCount) best = w
      }
      if (best === undefined) return
      const job = this.dequeue()
      if (job === undefined) return
      this.assign(best, job)
    }
  }

  dequeue(): Job | undefined {
    while (this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead]
      this.queue[this.queueHead++] = undefined
      if (job !== undefined && job.state === QUEUED) {
        this.queued--
        if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.queueHead)
          this.queueHead = 0
        }
        return job
      }
    }
    this.queue = []
    this.queueHead = 0
    return undefined
  }

  assign(w: WorkerHandle, job: Job) {
    job.state = SENT
    job.worker = w
    job.sentAt = performance.now()
    if (job.future !== undefined) Backend.setRunningUnsafe(job.future)
    w.inflight.push(job)
    // Nothing ahead of it in its worker: it starts now.
    if (++w.inflightCount === 1) this.armTimeout(job)
    if (w.idleTimer !== undefined) {
      w.idleTimer.clear()
      w.idleTimer = undefined
    }
    if (this.maxTasksPerChild !== undefined && ++w.dispatched >= this.maxTasksPerChild) w.retiring = true
    w.outbox.push(job.op, job.id, job.name, job.payload)
    if (job.transfer !== undefined) {
      ;(w.outboxTransfer ??= []).push(...job.transfer)
    }
    this.markDirty(w)
  }

  markDirty(w: WorkerHandle) {
    if (!w.dirty) {
      w.dirty = true
      this.dirtyWorkers.push(w)
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true
      queueMicrotask(this.flush)
    }
  }

  readonly flush = () => {
    this.flushScheduled = false
    const dirty = this.dirtyWorkers.splice(0)
    for (const w of dirty) {
      w.dirty = false
      const outbox = w.outbox
      const transfer = w.outboxTransfer
      w.outbox = []
      w.outboxTransfer = undefined
      if (w.exited || outbox.length === 0) continue
      const error = w.rt.send(outbox, transfer)
      if (error !== undefined) this.onSendError(w, outbox)
    }
  }

  /** A batch could not be cloned: resend its records one by one, failing only the bad ones. */
  onSendError(w: WorkerHandle, outbox: Array<unknown>) {
    let i = 0
    while (i < outbox.length) {
      const op = outbox[i]
      // `[RUN | CHUNK, id, task, payload]`, `[CANCEL | UNQUEUE, id]`
      const size = op === P.RUN || op === P.CHUNK ? 4 : 2
      const record = outbox.slice(i, i + size)
      i += size
      const job = size === 4 ? this.pending.get(record[1] as number) : undefined
      const failed = w.rt.send(record, job?.transfer)
      if (failed !== undefined && job !== undefined) {
        this.finish(
          job,
          Exit.fail(
            new Errors.InputEncodingError({
              task: job.name,
              message: `the input of task "${job.name}" cannot be sent to a worker: ${describeError(failed)}`
            })
          )
        )
      }
    }
  }

  finish(job: Job, exit: Exit.Exit<any, any>) {
    if (job.state === DONE) return
    const w = job.worker
    const wasQueued = job.state === QUEUED
    job.state = DONE
    job.payload = undefined
    this.pending.delete(job.id)
    this.completed++
    if (job.timer !== undefined) job.timer.clear()
    if (job.killTimer !== undefined) job.killTimer.clear()
    if (wasQueued) this.queued--
    if (w !== undefined && !w.exited) {
      w.inflightCount--
      const inflight = w.inflight
      while (
        w.inflightHead < inflight.length &&
        (inflight[w.inflightHead].state === DONE || inflight[w.inflightHead].worker !== w)
      ) {
        inflight[w.inflightHead++] = undefined as any
      }
      if (w.inflightHead === inflight.length) {
        w.inflight = []
        w.inflightHead = 0
      } else {
        // The worker runs its jobs in the order they were sent: the first
        // one left in line has started.
        this.armTimeout(inflight[w.inflightHead])
        if (w.inflightHead > 256 && w.inflightHead * 2 > inflight.length) {
          w.inflight = inflight.slice(w.inflightHead)
          w.inflightHead = 0
        }
      }
      // Adapt the pipelining depth to how long tasks take.
      const now = performance.now()
      const took = now - (job.sentAt > w.lastDoneAt ? job.sentAt : w.lastDoneAt)
      w.lastDoneAt = now
      w.ewmaMillis = w.ewmaMillis < 0 ? took : w.ewmaMillis * 0.8 + took * 0.2
      w.depth = w.ewmaMillis > 2 ? 1 : w.ewmaMillis > 0.25 ? Math.min(4, this.maxDepth) : this.maxDepth
      if (w.inflightCount === 0) this.onIdle(w)
    }
    const progress = job.progress
    if (progress !== undefined) {
      progress.done = true
      for (const subscriber of progress.subscribers) subscriber.end()
      progress.subscribers.clear()
    }
    if (job.future !== undefined) Backend.completeUnsafe(job.future, exit)
    const onExit = job.onExit
    if (onExit !== undefined) {
      job.onExit = undefined
      onExit(exit)
    }
    if (this.closed && this.pending.size === 0) this.closeAllIdle()
    else if (w !== undefined) this.schedule()
  }

  onIdle(w: WorkerHandle) {
    if (!w.retiring && this.queued === 0) this.steal(w)
    if (w.retiring) {
      if (!w.killing) this.closeWorker(w)
      if (!this.closed) this.replenishLater()
      return
    }
    if (this.idleTimeoutMs !== undefined && !this.closed) {
      w.idleTimer = new LongTimeout(
        () => {
          w.idleTimer = undefined
          if (w.inflightCount === 0 && !w.exited) this.closeWorker(w)
        },
        this.idleTimeoutMs,
        { unref: true }
      )
    }
  }

  /**
   * Work stealing: `w` has nothing to do and nothing is queued, while
   * another worker has jobs waiting behind the one it runs (pipelining sent
   * them ahead). Ask that worker to give back the later half of them; those
   * it has not started come back (`R_UNQUEUED`) and are dispatched again.
   */
  steal(w: WorkerHandle) {
    let victim: WorkerHandle | undefined
    for (const other of this.workers) {
      if (other !== w && other.ready && !other.killing && other.inflightCount >= 2) {
        if (victim === undefined || other.inflightCount > victim.inflightCount) victim = other
      }
    }
    if (victim === undefined) return
    let wanted = victim.inflightCount >> 1
    const inflight = victim.inflight
    for (let i = inflight.length - 1; i > victim.inflightHead && wanted > 0; i--) {
      const job = inflight[i]
      if (job.state !== SENT || job.worker !== victim || job.stealing || job.cancelSent) continue
      job.stealing = true
      victim.outbox.push(P.UNQUEUE, job.id)
      wanted--
    }
    this.markDirty(victim)
  }

  requeueStolen(w: WorkerHandle, job: Job) {
    if (job.state !== SENT) return
    job.stealing = false
    if (job.stopExit !== undefined) return this.finish(job, job.stopExit)
    w.inflightCount--
    job.state = QUEUED
    job.worker = undefined
    this.disarmTimeout(job)
    if (this.queueHead > 0) this.queue[--this.queueHead] = job
    else this.queue.unshift(job)
    this.queued++
    this.schedule()
  }

  replenishScheduled = false
  replenishLater() {
    if (this.replenishScheduled) return
    this.replenishScheduled = true
    queueMicrotask(() => {
      this.replenishScheduled = false
      this.replenish()
      this.schedule()
    })
  }

  closeAllIdle() {
    for (const w of this.workers) if (w.inflightCount === 0) this.closeWorker(w)
    this.checkExited()
  }

  checkExited() {
    if (this.workers.size === 0 && this.closed && this.pending.size === 0) {
      const waiters = this.exitWaiters
      this.exitWaiters = []
      for (const waiter of waiters) waiter()
    }
  }

  // --- submitting ------------------------------------------------------------

  /**
   * A call's timeout in milliseconds (`undefined`: none, also for
   * `Infinity`), else the pool's `taskTimeout`, or the `InvalidArgumentError`
   * of a bad one.
   */
  timeoutOf(
    options: { readonly timeout?: Duration.Input | undefined } | undefined
  ): number | undefined | Errors.InvalidArgumentError {
    return options?.timeout === undefined ? this.taskTimeoutMs : Validation.durationMillis(options.timeout, "timeout")
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
    this.start(job, timeoutMs)
    return job
  }

  start(job: Job, ms: number | undefined) {
    this.pending.set(job.id, job)
    job.timeoutMs = ms
    this.enqueue(job)
    if (this.startupBlocked) this.replenish(true)
    else if (this.workers.size < this.size) this.replenish()
    this.schedule()
  }

  /**
   * Starts a job's timeout when its worker starts running it: `assign` and
   * `finish` call it for the job first in its worker's line (workers run
   * their jobs one at a time, in the order sent). Time spent queued — in the
   * pool, or pipelined behind another job in the worker — is not counted.
   * One check per dispatch and per completion; no message from the worker.
   */
  armTimeout(job: Job) {
    const ms = job.timeoutMs
    if (ms === undefined || job.timer !== undefined || job.stopExit !== undefined || job.state !== SENT) return
    job.timer = new LongTimeout(() => {
      this.cancel(
        job,
        Exit.fail(
          new Errors.TaskTimeout({
            task: job.name,
            timeoutMillis: ms,
            message: `task "${job.name}" did not finish within ${ms} ms of starting; it was stopped`
          })
        )
      )
    }, ms)
  }

  /** A job goes back to the queue before it started (work stealing, its worker died): its timeout starts again later. */
  disarmTimeout(job: Job) {
    if (job.timer !== undefined) {
      job.timer.clear()
      job.timer = undefined
    }
  }

  /** Stops a job: at once if it is queued; else interrupts it in its worker, killing the worker after the grace period. */
  cancel(job: Job, stopExit: Exit.Exit<any, any>) {
    if (job.state === DONE) return
    if (job.stopExit === undefined) job.stopExit = stopExit
    if (job.state === QUEUED) return this.finish(job, job.stopExit)
    if (job.cancelSent) return
    job.cancelSent = true
    const w = job.worker!
    w.outbox.push(P.CANCEL, job.id)
    this.markDirty(w)
    // No grace period limit (`Infinity`): the task is only ever interrupted.
    if (this.graceMs === undefined) return
    job.killTimer = new LongTimeout(() => {
      job.killTimer = undefined
      if (job.state !== DONE && job.worker === w) w.kill()
    }, this.graceMs)
  }

  makeFuture(job: Job) {
    const future = Backend.makeFutureUnsafe<any, any>({ name: job.name, cancel: () => this.cancel(job, interruptExit) })
    job.future = future
    if (job.state === SENT) Backend.setRunningUnsafe(future)
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
      if (job.state === DONE) return resume(Effect.die("unreachable"))
      job.onExit = resume as any
      return Effect.callback<void>((resumeStopped) => {
        if (job.state === DONE) return resumeStopped(Effect.void)
        job.onExit = () => resumeStopped(Effect.void)
        this.cancel(job, interruptExit)
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
      for (const job of jobs) if (job.state !== DONE) this.cancel(job, stopExit)
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
    for (const job of jobs) this.start(job, timeoutMs)
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
      window: Math.max(2, pool.size * pool.maxDepth * 2),
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
              pool.start(job, timeoutMs)
              return () => pool.cancel(job, interruptExit)
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
        for (let i = Math.max(0, buffer.length - this.progressBufferSize); i < buffer.length; i++) {
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
      if (this.pending.size === 0) this.closeAllIdle()
    }).pipe(Effect.withSpan("NodePool.close"))
  }

  get terminate(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.terminateUnsafe()
      return this.awaitExited
    }).pipe(Effect.withSpan("NodePool.terminate"))
  }

  terminateUnsafe() {
    this.closed = true
    this.terminated = true
    for (const w of this.workers) {
      if (w.ready && w.inflightCount === 0 && !w.killing) this.closeWorker(w)
      else w.kill()
    }
    const jobs = this.queue.slice(this.queueHead)
    this.queue = []
    this.queueHead = 0
    for (const job of jobs) {
      if (job !== undefined && job.state === QUEUED) this.finish(job, interruptExit)
    }
    this.checkExited()
  }

  get awaitExited(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.workers.size === 0 && this.pending.size === 0) return resume(Effect.void)
      const waiter = () => resume(Effect.void)
      this.exitWaiters.push(waiter)
      return Effect.sync(() => {
        const index = this.exitWaiters.indexOf(waiter)
        if (index >= 0) this.exitWaiters.splice(index, 1)
      })
    })
  }

  get join(): Effect.Effect<void, Errors.PoolStillRunning> {
    return Effect.suspend(() =>
      this.closed
        ? this.awaitExited
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
        queued: this.queued,
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
 * How many workers in a row may die while starting without a start-up error
 * (killed by a signal, or exiting with no error from the tasks module or the
 * initializer) before the pool gives up and fails its queued tasks.
 */
const maxUnexplainedStartupDeaths = 5

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
        const parsed = parseOptions(options)
        if (parsed instanceof Errors.InvalidArgumentError) return Effect.fail(parsed)
        const pool = new NodePoolImpl(options, parsed)
        // Node itself may refuse to start the workers (a bad `execArgv`…):
        // that throws from Node's API, so it is caught here.
        return Effect.try({
          try: () => {
            pool.replenish() // every worker starts now, in parallel
            pool.started = true
            return pool
          },
          catch: (error) => {
            pool.terminateUnsafe() // stop the workers already started
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
