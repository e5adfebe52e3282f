/**
 * The pool front end: the whole `Pool.PoolService` — Python's
 * `multiprocessing.Pool` API (`apply`, `apply_async`, `map`, `map_async`,
 * `starmap`, `imap`, `imap_unordered`, progress, callbacks) — derived from a
 * small `PoolBackend` that only knows how to run one job somewhere (a worker
 * thread, a child process, later a cluster entity) and report how it ended.
 *
 * What lives here, once for every backend: the options checks (`timeout`,
 * `chunksize`, checked before any input is read), the task's schemas
 * (inputs encoded on the caller's side, outputs, errors and progress values
 * decoded back, compiled once per task), chunking, the futures' lifecycle,
 * progress buffering and replay, callbacks, `map`'s "first failure stops the
 * rest", and the back-pressured result window of `imap`. What a backend
 * keeps: queueing, dispatch, timeouts (it knows when a job starts), workers,
 * crashes, and its lifecycle (`close`, `terminate`, `join`, `stats`,
 * `awaitReady`).
 *
 * The hot path stays lean: per task, one `Job` object (which is also what
 * the backend reports to: no closure per callback), a schema encode and
 * decode, and `Effect.callback` for the caller — no fiber, scope or span.
 *
 * Exposed as `Backend.PoolBackend` (`@corun/core/Backend`), for pool
 * implementations.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { InputEncodingError, InvalidArgumentError, PoolClosed } from "../Errors.ts"
import type { PoolStillRunning, WorkerCrashed } from "../Errors.ts"
import type * as Future from "../Future.ts"
import * as Pool from "../Pool.ts"
import type * as Progress from "../Progress.ts"
import type * as Task from "../Task.ts"
import * as FutureInternal from "./future.ts"
import * as ResultWindow from "./resultWindow.ts"
import * as Validation from "./validation.ts"

// The global `Error` constructor: this module exports a constant named `Error` (an `EndKind`).
const GlobalError = globalThis.Error

// -----------------------------------------------------------------------------
// The backend contract
// -----------------------------------------------------------------------------

/**
 * `EndKind`: the job succeeded. `value` is the encoded output (one input), or
 * the array of encoded outputs (a chunk), decoded with the task's `output`
 * schema (a mismatch is a defect naming the task).
 *
 * @since 0.1.0
 * @category end kinds
 */
export const Success = 0

/**
 * `EndKind`: the task failed with its typed error. `value` is the encoded
 * error, decoded with the task's `error` schema (a mismatch is a defect
 * naming the task).
 *
 * @since 0.1.0
 * @category end kinds
 */
export const Failure = 1

/**
 * `EndKind`: the task died. `value` is the defect, already revived by the
 * backend (not decoded).
 *
 * @since 0.1.0
 * @category end kinds
 */
export const Die = 2

/**
 * `EndKind`: the job was stopped — after core asked (`PoolBackend.cancel`),
 * or by `terminate`. `value` is unused; the caller sees an interruption
 * (Python: the task was cancelled).
 *
 * @since 0.1.0
 * @category end kinds
 */
export const Interrupted = 3

/**
 * `EndKind`: the backend's own typed error, a `Pool.RunError`
 * (`WorkerCrashed`, `TaskTimeout`, `UnknownTask`, `InputEncodingError` when
 * the encoded input could not be sent). `value` is that error, not decoded.
 * After core asked to stop the job (`cancel`) the caller sees the
 * interruption instead: the job was being stopped anyway, and stopping it
 * (e.g. by killing its worker) may well be what caused the error.
 *
 * @since 0.1.0
 * @category end kinds
 */
export const Error = 4

/**
 * How a backend reports that a job ended (`Job.end`): `Success`, `Failure`,
 * `Die`, `Interrupted` or `Error`.
 *
 * @since 0.1.0
 * @category models
 */
export type EndKind = 0 | 1 | 2 | 3 | 4

/**
 * A job as core hands it to the backend: what to run, and where to report.
 * One object per job (Python's pool sends `(job, i, func, args)` tuples down
 * its task queue; this is that tuple plus the callbacks of its result).
 *
 * @since 0.1.0
 * @category models
 */
export interface Job {
  /** The task's name (workers run tasks by name). */
  readonly task: string
  /**
   * `payload` is an array of encoded inputs (a `map` / `imap` chunk, Python's
   * `chunksize`), to run one after the other, stopping at the first failure.
   */
  readonly chunk: boolean
  /** The encoded input, or the array of encoded inputs of a chunk. Cleared once the job ended. */
  readonly payload: unknown
  /** Transferables of the encoded input (`ApplyOptions.transfer`). */
  readonly transfer: ReadonlyArray<unknown> | undefined
  /**
   * The job's timeout in milliseconds, counted from when it starts running:
   * the call's `timeout`, else the backend's `taskTimeoutMs`; `undefined`:
   * none. The backend enforces it and ends the job with `Error` and a
   * `TaskTimeout`.
   */
  readonly timeoutMs: number | undefined
  /**
   * Someone may read the task's progress values: the task declares a
   * progress schema and the call can observe them (`applyAsync`, or `apply`
   * with `onProgress`). A backend may skip sending them otherwise; values
   * sent anyway are dropped.
   */
  readonly wantsProgress: boolean
  /**
   * A worker started the job (or it was sent to one): its future becomes
   * running. May be called more than once (a job requeued after its worker
   * died).
   */
  running(): void
  /** One encoded progress value (decoded with the task's `progress` schema; a mismatch is dropped). */
  progress(encoded: unknown): void
  /**
   * A log record of the task (`Effect.log` in the worker): delivered to the
   * caller's loggers, with the caller's annotations, the task's own
   * (`annotations`) and its name. `cause`: a failure logged with it, as text.
   */
  log(
    level: LogLevel.Severity,
    message: unknown,
    annotations: Readonly<Record<string, unknown>> | undefined,
    cause: string | undefined
  ): void
  /**
   * The caller's span when it submitted the job inside one (`Effect.withSpan`,
   * `Effect.fn`), sampled, under a tracer it was given (an OpenTelemetry
   * `Layer`, `Effect.withTracer`; not Effect's default one, whose spans
   * nobody exports): the parent of the task's span in its worker.
   * `undefined` otherwise — a backend then sends no trace at all (the hot
   * path of untraced work).
   */
  readonly parentSpan: Tracer.AnySpan | undefined
  /**
   * A span of the task began in its worker: it is re-created in the caller's
   * tracer (so an exporter there sees the worker's spans in the caller's
   * trace). `parent`: `undefined` for the caller's span, `null` for none (a
   * root span), the `spanId` of another span of this job, or the ids of an
   * external span.
   */
  spanStart(
    spanId: string,
    parent: string | null | undefined | readonly [traceId: string, spanId: string],
    name: string,
    kind: Tracer.SpanKind,
    startTime: bigint
  ): void
  /**
   * A span of the task ended in its worker, with its attributes and events.
   * Spans still open when the job ends (its worker crashed, it timed out)
   * are ended with the job's exit.
   */
  spanEnd(
    spanId: string,
    endTime: bigint,
    exit: Exit.Exit<unknown, unknown>,
    attributes: Readonly<Record<string, unknown>> | undefined,
    events: ReadonlyArray<readonly [name: string, time: bigint, attributes: Record<string, unknown>]> | undefined
  ): void
  /**
   * The job ended: exactly once (later calls are ignored). For a chunk that
   * ended part-way (any kind but `Success`), `partial` holds the encoded
   * outputs of the inputs before the failure. Never called synchronously
   * from `PoolBackend.start`.
   */
  end(kind: EndKind, value: unknown, partial: ReadonlyArray<unknown> | undefined): void
}

/**
 * What a pool backend implements (`@corun/node`'s workers; later Effect
 * Cluster). `makePool` derives the whole `Pool.PoolService` from it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PoolBackend<Handle = unknown> {
  /** The number of workers (Python's `processes`); `map`'s default chunksize is `ceil(n / (size × 4))`. */
  readonly size: number
  /** How many `imap` jobs may be in flight or not yet delivered (its back-pressure window). */
  readonly window: number
  /** The timeout of calls without `timeout`, in milliseconds; `undefined`: none. */
  readonly taskTimeoutMs: number | undefined
  /**
   * How many progress values of one job are kept for a `progress` subscriber
   * that has not subscribed yet (the latest ones); `Infinity`: all.
   */
  readonly progressBufferSize: number
  /** The pool refuses new work (`close` or `terminate` was called): calls fail with `PoolClosed`. */
  readonly isClosed: () => boolean
  /** Queues a job and returns its handle (for `cancel`). Never throws; never calls `job.end` synchronously. */
  readonly start: (job: Job) => Handle
  /**
   * Stops a job: a queued one ends (`Interrupted`) at once — synchronously
   * here is allowed; a running one is interrupted in its worker and ends
   * later (`Interrupted`, or with its own outcome if it finished first, or
   * `Error` if it could not be stopped cleanly). No-op once the job ended.
   */
  readonly cancel: (handle: Handle) => void
  /** Python's `pool.close()`: refuse new work, let the workers exit once the submitted jobs are done. */
  readonly close: Effect.Effect<void>
  /** Python's `pool.terminate()`: stop every worker now (jobs end `Interrupted`) and wait until they exited. */
  readonly terminate: Effect.Effect<void>
  /** Python's `pool.join()`: wait for the workers to exit; `PoolStillRunning` unless closed first. */
  readonly join: Effect.Effect<void, PoolStillRunning>
  /** Waits until every worker has started or failed to; `WorkerCrashed` when none could. */
  readonly awaitReady: Effect.Effect<void, WorkerCrashed>
  /** The pool's counters. */
  readonly stats: Effect.Effect<Pool.Stats>
}

/**
 * Creates the `PoolClosed` error for a task refused because the pool is
 * closed (also `Backend.poolClosed`).
 *
 * @since 0.1.0
 * @category errors
 */
export const poolClosed = (task: string): PoolClosed =>
  new PoolClosed({
    task,
    message:
      `cannot run task "${task}": the pool is closed (close() or terminate() was called, or its scope has closed)`
  })

// -----------------------------------------------------------------------------
// Schemas
// -----------------------------------------------------------------------------

/** A task's schemas, compiled once per task. */
interface Codecs {
  readonly encodeInput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeOutput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeError: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeProgress: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly hasProgress: boolean
}

// Shared by every pool: a task's schemas are the same whichever pool runs it.
const codecsCache = new WeakMap<Task.Any, Codecs>()

const codecsOf = (task: Task.Any): Codecs => {
  let codecs = codecsCache.get(task)
  if (codecs === undefined) {
    codecs = {
      encodeInput: Schema.encodeUnknownExit(task.input as Schema.Codec<unknown, unknown>),
      decodeOutput: Schema.decodeUnknownExit(task.output as Schema.Codec<unknown, unknown>),
      decodeError: Schema.decodeUnknownExit(task.error as Schema.Codec<unknown, unknown>),
      decodeProgress: Schema.decodeUnknownExit(task.progress as Schema.Codec<unknown, unknown>),
      hasProgress: task.progress.ast._tag !== "Never"
    }
    codecsCache.set(task, codecs)
  }
  return codecs
}

const formatSchemaError = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const reason = exit.cause.reasons[0]
  return reason !== undefined && reason._tag === "Fail" ? reason.error.message : Cause.pretty(exit.cause)
}

/** `chunksize` of `map` and co: a positive integer, else `fallback` when absent. */
const chunksizeOf = (chunksize: number | undefined, fallback: () => number): number | InvalidArgumentError =>
  chunksize === undefined ? fallback() : Validation.positiveCount(chunksize, "chunksize")

const interruptExit: Exit.Exit<never, never> = Exit.interrupt()

/** A job's items, counted by how it ended (a job stopped by the caller counts neither way). */
const countEnd = (progress: Progress.Progress, exit: Exit.Exit<unknown, unknown>, items: number) => {
  if (Exit.isSuccess(exit)) progress.record(items, 0)
  else if (!Cause.hasInterruptsOnly(exit.cause)) progress.record(0, items)
}

// -----------------------------------------------------------------------------
// Jobs
// -----------------------------------------------------------------------------

interface ProgressSubscriber {
  readonly value: (value: unknown) => void
  readonly end: () => void
}

/**
 * A task's progress: values reported while nobody listens are buffered (the
 * latest `PoolBackend.progressBufferSize`) for the next subscriber; every
 * subscriber gets every value reported while it listens.
 */
interface ProgressState {
  /** Holds up to twice the bound (dropping the oldest half at a time); the latest `bound` are delivered. */
  buffer: Array<unknown>
  readonly subscribers: Set<ProgressSubscriber>
  done: boolean
  readonly bound: number
}

/** Ends a re-created span; what the caller's tracer throws is dropped (see `PoolJob.spanStart`). */
const endSpan = (span: Tracer.Span, endTime: bigint, exit: Exit.Exit<unknown, unknown>): void => {
  try {
    span.end(endTime, exit)
  } catch {
    // The tracer's own failure: the job goes on.
  }
}

/**
 * The `Job` core hands to the backend: the backend's report methods live on
 * the prototype, so a job is one object whatever the backend calls on it.
 */
class PoolJob implements Job {
  readonly task: string
  readonly chunk: boolean
  payload: unknown
  readonly transfer: ReadonlyArray<unknown> | undefined
  readonly timeoutMs: number | undefined
  wantsProgress: boolean
  readonly codecs: Codecs
  /** What `PoolBackend.start` returned. */
  handle: unknown = undefined
  ended = false
  /** Core asked the backend to stop it: an `Interrupted` or `Error` end completes as an interruption. */
  stopped = false
  future: Future.Future<any, any> | undefined = undefined
  onExit: ((exit: Exit.Exit<any, any>) => void) | undefined = undefined
  onProgress: ((value: unknown) => void) | undefined = undefined
  progressState: ProgressState | undefined = undefined
  /** For chunks that ended part-way: the decoded outputs computed before the end. */
  partial: Array<unknown> | undefined = undefined
  /** The fiber that submitted it: its loggers and annotations get the task's log records (`setCaller`). */
  caller: Fiber.Fiber<unknown, unknown> | undefined = undefined
  /** The caller's span at submission, when traced (`setCaller`). */
  parentSpan: Tracer.AnySpan | undefined = undefined
  /** The caller's tracer at submission, when traced: the task's spans are re-created there. */
  tracer: Tracer.Tracer | undefined = undefined
  /**
   * The task's spans re-created in the caller's tracer, by the worker's span
   * id — kept after they end, for the job's life: a span may start after its
   * parent ended (a forked fiber).
   */
  spans: Map<string, Tracer.Span> | undefined = undefined
  /** The ids of those not ended yet (ended with the job). */
  openSpans: Set<string> | undefined = undefined

  constructor(
    task: string,
    codecs: Codecs,
    chunk: boolean,
    payload: unknown,
    transfer: ReadonlyArray<unknown> | undefined,
    timeoutMs: number | undefined
  ) {
    this.task = task
    this.codecs = codecs
    this.chunk = chunk
    this.payload = payload
    this.transfer = transfer
    this.timeoutMs = timeoutMs
    this.wantsProgress = false
  }

  /**
   * Records the fiber that submitted the job, and its span and tracer when
   * it runs in a sampled span under a tracer it was given (read once, here:
   * the fiber moves on). Under Effect's default tracer nobody exports the
   * spans — yet `Effect.fn` and named tasks make them everywhere — so a job
   * is traced only where a tracer was installed (an OpenTelemetry `Layer`,
   * `Effect.withTracer`): tracing a no-op task costs ≈ 2.5× running it.
   */
  setCaller(fiber: Fiber.Fiber<unknown, unknown> | undefined): void {
    this.caller = fiber
    if (fiber === undefined) return
    const cache = fiber.cache
    let span = cache.span
    const tracer = cache.tracer
    if (span === undefined || tracer === undefined || !cache.tracerEnabled) return
    // A span that does not propagate is skipped for its nearest ancestor
    // that does, as Effect does for a child span.
    while (span !== undefined && Context.get(span.annotations, Tracer.DisablePropagation)) {
      span = span._tag === "Span" ? Option.getOrUndefined(span.parent) : undefined
    }
    if (span === undefined || !span.sampled) return
    this.parentSpan = span
    this.tracer = tracer
  }

  running(): void {
    if (this.future !== undefined && !this.ended) FutureInternal.setRunningUnsafe(this.future)
  }

  progress(encoded: unknown): void {
    if (this.ended) return
    const onProgress = this.onProgress
    const state = this.progressState
    // Nobody can read it: not even decoded.
    if (onProgress === undefined && state === undefined) return
    const decoded = this.codecs.decodeProgress(encoded)
    if (Exit.isFailure(decoded)) return
    if (onProgress !== undefined) onProgress(decoded.value)
    if (state === undefined) return
    if (state.subscribers.size === 0) {
      const buffer = state.buffer
      buffer.push(decoded.value)
      // Amortized: the oldest values go once the buffer holds twice the bound.
      if (buffer.length >= 2 * state.bound) state.buffer = buffer.slice(-state.bound)
    } else for (const subscriber of state.subscribers) subscriber.value(decoded.value)
  }

  log(
    level: LogLevel.Severity,
    message: unknown,
    annotations: Readonly<Record<string, unknown>> | undefined,
    cause: string | undefined
  ): void {
    const caller = this.caller
    if (caller === undefined) return
    // Logged as the caller would log it (its loggers, its annotations),
    // marked with the task; a fiber of its own, so the caller's is not
    // disturbed. Only tasks that log pay for it.
    const parts = Array.isArray(message) ? message : [message]
    const record = Effect.logWithLevel(level)(...(cause === undefined ? parts : [...parts, cause]))
    Effect.runForkWith(caller.context)(
      Effect.annotateLogs(record, { ...annotations, "corun.task": this.task })
    )
  }

  spanStart(
    spanId: string,
    parent: string | null | undefined | readonly [traceId: string, spanId: string],
    name: string,
    kind: Tracer.SpanKind,
    startTime: bigint
  ): void {
    const tracer = this.tracer
    const callerSpan = this.parentSpan
    if (this.ended || tracer === undefined || callerSpan === undefined) return
    const spans = this.spans ??= new Map()
    const parentSpan: Tracer.AnySpan | undefined = parent === null
      ? undefined
      : parent === undefined
      ? callerSpan
      : typeof parent === "string"
      ? spans.get(parent) ?? callerSpan
      : Tracer.externalSpan({ traceId: parent[0], spanId: parent[1] })
    // The caller's tracer is user code: what it throws must not reach the
    // backend (it would stop the handling of the worker's other records).
    try {
      spans.set(
        spanId,
        tracer.span({
          name,
          parent: parentSpan === undefined ? Option.none() : Option.some(parentSpan),
          annotations: Context.empty(),
          links: [],
          startTime,
          kind,
          root: parentSpan === undefined,
          sampled: true
        })
      )
      ;(this.openSpans ??= new Set()).add(spanId)
    } catch {
      // Not traced, then.
    }
  }

  spanEnd(
    spanId: string,
    endTime: bigint,
    exit: Exit.Exit<unknown, unknown>,
    attributes: Readonly<Record<string, unknown>> | undefined,
    events: ReadonlyArray<readonly [name: string, time: bigint, attributes: Record<string, unknown>]> | undefined
  ): void {
    const span = this.spans?.get(spanId)
    if (span === undefined || !this.openSpans!.delete(spanId)) return
    try {
      if (attributes !== undefined) { for (const key in attributes) span.attribute(key, attributes[key]) }
      if (events !== undefined) {
        for (const [name, time, eventAttributes] of events) span.event(name, time, eventAttributes)
      }
    } catch {
      // The caller's tracer failed (see `spanStart`): the span still ends.
    }
    endSpan(span, endTime, exit)
  }

  end(kind: EndKind, value: unknown, partial: ReadonlyArray<unknown> | undefined): void {
    if (this.ended) return
    this.ended = true
    this.payload = undefined
    const exit = this.exitOf(kind, value, partial)
    const state = this.progressState
    if (state !== undefined) {
      state.done = true
      for (const subscriber of state.subscribers) subscriber.end()
      state.subscribers.clear()
    }
    if (this.future !== undefined) FutureInternal.completeUnsafe(this.future, exit)
    const onExit = this.onExit
    if (onExit !== undefined) {
      this.onExit = undefined
      onExit(exit)
    }
    // Spans its worker did not end (it crashed, the job timed out or was
    // stopped) end with the job.
    const spans = this.spans
    if (spans !== undefined) {
      const now = BigInt(Date.now()) * 1_000_000n
      for (const spanId of this.openSpans!) endSpan(spans.get(spanId)!, now, exit)
      this.spans = undefined
      this.openSpans = undefined
    }
  }

  /** The caller's exit: the backend's report, decoded with the task's schemas. */
  private exitOf(kind: EndKind, value: unknown, partial: ReadonlyArray<unknown> | undefined): Exit.Exit<any, any> {
    if (kind === Success) {
      if (!this.chunk) {
        const decoded = this.codecs.decodeOutput(value)
        return Exit.isSuccess(decoded) ? decoded : Exit.die(
          new GlobalError(
            `the result of task "${this.task}" does not match its output schema: ${formatSchemaError(decoded)}`
          )
        )
      }
      const values = this.decodeOutputs(value as ReadonlyArray<unknown>)
      return Array.isArray(values) ? Exit.succeed(values) : values as Exit.Exit<never>
    }
    if (this.chunk && partial !== undefined) {
      // The outputs before the failure are checked first, as the whole chunk's would be.
      const values = this.decodeOutputs(partial)
      if (!Array.isArray(values)) return values as Exit.Exit<never>
      this.partial = values
    }
    switch (kind) {
      case Failure: {
        const decoded = this.codecs.decodeError(value)
        return Exit.isSuccess(decoded) ? Exit.fail(decoded.value) : Exit.die(
          new GlobalError(
            `the error of task "${this.task}" does not match its error schema: ${formatSchemaError(decoded)}`
          )
        )
      }
      case Die:
        return Exit.die(value)
      case Interrupted:
        return interruptExit
      default:
        return this.stopped ? interruptExit : Exit.fail(value)
    }
  }

  /** A chunk's outputs, decoded; the defect of the first that does not match. */
  private decodeOutputs(raw: ReadonlyArray<unknown>): Array<unknown> | Exit.Exit<never> {
    const values: Array<unknown> = new Array(raw.length)
    for (let i = 0; i < raw.length; i++) {
      const decoded = this.codecs.decodeOutput(raw[i])
      if (Exit.isFailure(decoded)) {
        return Exit.die(
          new GlobalError(
            `a result of task "${this.task}" does not match its output schema: ${formatSchemaError(decoded)}`
          )
        )
      }
      values[i] = decoded.value
    }
    return values
  }
}

// -----------------------------------------------------------------------------
// imap's inputs
// -----------------------------------------------------------------------------

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
  private readonly backend: PoolBackend
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

  constructor(backend: PoolBackend, task: string, codecs: Codecs, chunksize: number, inputs: Iterable<unknown>) {
    this.backend = backend
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
      new InputEncodingError({
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
    if (this.backend.isClosed()) {
      this.ended = true
      return this.item(new Refused(poolClosed(this.task), true))
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

// -----------------------------------------------------------------------------
// Callbacks
// -----------------------------------------------------------------------------

/**
 * Python's `callback` / `error_callback` of `apply_async` / `map_async`:
 * each runs in a new fiber with the submitting fiber's services when the
 * future completes; a callback's own failure is logged, as Python prints
 * "exception calling callback for …", as `Future.addDoneCallback` does.
 * The callback is called inside that fiber too: one that throws instead of
 * returning an effect is a failure like any other (logged), not an exception
 * in the middle of the backend's report of the job's end — which would skip
 * the future's other observers and the backend's own bookkeeping.
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
  FutureInternal.observeUnsafe(future, (exit) => {
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

// -----------------------------------------------------------------------------
// The derived pool
// -----------------------------------------------------------------------------

/** A `Pool.PoolService` over a `PoolBackend`. */
class DerivedPool implements Pool.PoolService {
  readonly [Pool.ServiceTypeId] = Pool.ServiceTypeId
  readonly backend: PoolBackend
  readonly progressStates = new WeakMap<object, ProgressState>()

  constructor(backend: PoolBackend) {
    this.backend = backend
  }

  get size(): number {
    return this.backend.size
  }

  /**
   * A call's timeout in milliseconds (`undefined`: none, also for
   * `Infinity`), else the backend's `taskTimeoutMs`, or the
   * `InvalidArgumentError` of a bad one.
   */
  timeoutOf(
    options: { readonly timeout?: Duration.Input | undefined } | undefined
  ): number | undefined | InvalidArgumentError {
    return options?.timeout === undefined
      ? this.backend.taskTimeoutMs
      : Validation.durationMillis(options.timeout, "timeout")
  }

  /** One task's job, its input encoded — not started yet — or the refusal. */
  prepare(task: Task.Any, input: unknown, options: Pool.ApplyOptions<any> | undefined): PoolJob | Pool.SubmitError {
    if (this.backend.isClosed()) return poolClosed(task.name)
    const timeoutMs = this.timeoutOf(options)
    if (timeoutMs instanceof InvalidArgumentError) return timeoutMs
    const codecs = codecsOf(task)
    const encoded = codecs.encodeInput(input)
    if (Exit.isFailure(encoded)) {
      return new InputEncodingError({
        task: task.name,
        message: `invalid input for task "${task.name}" (nothing was sent): ${formatSchemaError(encoded)}`
      })
    }
    return new PoolJob(task.name, codecs, false, encoded.value, options?.transfer, timeoutMs)
  }

  /** Hands a job to the backend. Its callbacks (`future`, `onExit`…) are set first: `running` may come at once. */
  startJob(job: PoolJob): void {
    job.handle = this.backend.start(job)
  }

  /** Asks the backend to stop a job; it ends later (or at once, if it was queued). */
  cancelJob(job: PoolJob): void {
    if (job.ended) return
    job.stopped = true
    this.backend.cancel(job.handle)
  }

  apply<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    input: I,
    options?: Pool.ApplyOptions<P>
  ): Effect.Effect<O, E | Pool.SubmitError | Pool.RunError> {
    return Effect.withFiber((fiber) =>
      Effect.callback<O, E | Pool.SubmitError | Pool.RunError>((resume) => {
        const job = this.prepare(task, input, options as Pool.ApplyOptions<unknown>)
        if (!(job instanceof PoolJob)) return resume(Effect.fail(job))
        job.setCaller(fiber)
        job.onExit = resume as (exit: Exit.Exit<any, any>) => void
        if (options?.onProgress !== undefined) {
          job.onProgress = options.onProgress as (value: unknown) => void
          job.wantsProgress = job.codecs.hasProgress
        }
        this.startJob(job)
        // Interrupted: stop the task and wait until it has stopped.
        return Effect.callback<void>((resumeStopped) => {
          if (job.ended) return resumeStopped(Effect.void)
          job.onExit = () => resumeStopped(Effect.void)
          this.cancelJob(job)
        })
      })
    )
  }

  applyAsync<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    input: I,
    options?: Pool.ApplyAsyncOptions<O, E | Pool.RunError, P>
  ): Effect.Effect<Pool.TaskFuture<O, E | Pool.RunError, P>, Pool.SubmitError> {
    return Effect.withFiber((fiber) => {
      const job = this.prepare(task, input, options as Pool.ApplyOptions<unknown>)
      if (!(job instanceof PoolJob)) return Effect.fail(job)
      job.setCaller(fiber)
      if (options?.onProgress !== undefined) job.onProgress = options.onProgress as (value: unknown) => void
      const future = FutureInternal.makeUnsafe<any, any>({ name: job.task, cancel: () => this.cancelJob(job) })
      job.future = future
      if (job.codecs.hasProgress) {
        job.wantsProgress = true
        const state: ProgressState = {
          buffer: [],
          subscribers: new Set(),
          done: false,
          bound: this.backend.progressBufferSize
        }
        job.progressState = state
        this.progressStates.set(future, state)
      }
      this.startJob(job)
      observeCallbacks(future, fiber, options)
      return Effect.succeed(future as Pool.TaskFuture<O, E | Pool.RunError, P>)
    })
  }

  /**
   * Submits every input (chunked) after encoding them all; calls `onDone`
   * once with all the outputs or the first failure (the other jobs are then
   * stopped first). Returns the canceller, or the refusal. May throw: the
   * inputs' iterator threw.
   */
  mapJobs(
    task: Task.Any,
    inputs: Iterable<unknown>,
    options: Pool.MapOptions | undefined,
    onDone: (exit: Exit.Exit<Array<unknown>, unknown>) => void,
    caller: Fiber.Fiber<unknown, unknown> | undefined
  ): (() => void) | Pool.SubmitError {
    // Whoever watches the tracker sees a refused map end too.
    let submitted: (() => void) | Pool.SubmitError | undefined
    try {
      submitted = this.submitMapJobs(task, inputs, options, onDone, caller)
      return submitted
    } finally {
      if (typeof submitted !== "function") options?.progress?.finish()
    }
  }

  private submitMapJobs(
    task: Task.Any,
    inputs: Iterable<unknown>,
    options: Pool.MapOptions | undefined,
    onDone: (exit: Exit.Exit<Array<unknown>, unknown>) => void,
    caller: Fiber.Fiber<unknown, unknown> | undefined
  ): (() => void) | Pool.SubmitError {
    if (this.backend.isClosed()) return poolClosed(task.name)
    // The options are checked before the inputs are read.
    const timeoutMs = this.timeoutOf(options)
    if (timeoutMs instanceof InvalidArgumentError) return timeoutMs
    if (options?.chunksize !== undefined) {
      const checked = chunksizeOf(options.chunksize, () => 1)
      if (checked instanceof InvalidArgumentError) return checked
    }
    const codecs = codecsOf(task)
    const items = Array.isArray(inputs) ? inputs : Array.from(inputs)
    const n = items.length
    // Python's default: `ceil(len(iterable) / (4 × processes))`.
    const chunksize = options?.chunksize ?? Math.max(1, Math.ceil(n / (this.backend.size * 4)))
    const encoded: Array<unknown> = new Array(n)
    for (let i = 0; i < n; i++) {
      const exit = codecs.encodeInput(items[i])
      if (Exit.isFailure(exit)) {
        return new InputEncodingError({
          task: task.name,
          message: `invalid input #${i} for task "${task.name}" (nothing was sent): ${formatSchemaError(exit)}`
        })
      }
      encoded[i] = exit.value
    }
    const progress = options?.progress
    if (n === 0) {
      progress?.finish()
      onDone(Exit.succeed([]))
      return () => {}
    }
    progress?.addTotal(n)
    const results: Array<unknown> = new Array(n)
    const jobs: Array<PoolJob> = []
    let remaining = 0
    let failure: Exit.Exit<any, any> | undefined
    const stopAll = () => {
      for (const job of jobs) if (!job.ended) this.cancelJob(job)
    }
    const single = chunksize === 1
    for (let start = 0; start < n; start += chunksize) {
      const job = new PoolJob(
        task.name,
        codecs,
        !single,
        single ? encoded[start] : encoded.slice(start, start + chunksize),
        undefined,
        timeoutMs
      )
      job.setCaller(caller)
      const offset = start
      const items = single ? 1 : Math.min(chunksize, n - start)
      job.onExit = (exit) => {
        remaining--
        if (progress !== undefined) countEnd(progress, exit, items)
        if (Exit.isSuccess(exit)) {
          if (single) results[offset] = exit.value
          else {
            const values = exit.value as Array<unknown>
            for (let k = 0; k < values.length; k++) results[offset + k] = values[k]
          }
        } else if (failure === undefined) {
          failure = exit
          stopAll()
        }
        if (remaining === 0) {
          progress?.finish()
          onDone(failure ?? Exit.succeed(results))
        }
      }
      jobs.push(job)
      remaining++
    }
    for (const job of jobs) this.startJob(job)
    return () => {
      if (failure === undefined) failure = interruptExit
      stopAll()
    }
  }

  map<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ): Effect.Effect<Array<O>, E | Pool.SubmitError | Pool.RunError> {
    return Effect.withFiber((fiber) =>
      Effect.callback<Array<O>, E | Pool.SubmitError | Pool.RunError>((resume) => {
        let done = false
        let onStopped: (() => void) | undefined
        let cancel: (() => void) | Pool.SubmitError
        try {
          cancel = this.mapJobs(task, inputs, options, (exit) => {
            done = true
            if (onStopped !== undefined) onStopped()
            else resume(exit as Exit.Exit<Array<O>, E>)
          }, fiber)
        } catch (error) {
          // iterating the inputs threw: a defect, as in the caller's own code
          return resume(Effect.die(error))
        }
        if (typeof cancel !== "function") return resume(Effect.fail(cancel))
        const stop = cancel
        // Interrupted: stop every job and wait until they have all stopped.
        return Effect.callback<void>((resumeStopped) => {
          if (done) return resumeStopped(Effect.void)
          onStopped = () => resumeStopped(Effect.void)
          stop()
        })
      })
    )
  }

  mapAsync<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapAsyncOptions<O, E | Pool.RunError>
  ): Effect.Effect<Future.Future<Array<O>, E | Pool.RunError>, Pool.SubmitError> {
    return Effect.withFiber((fiber) => {
      let cancel: (() => void) | undefined
      const future = FutureInternal.makeUnsafe<Array<O>, E | Pool.RunError>({
        name: task.name,
        cancel: () => cancel?.()
      })
      let result: (() => void) | Pool.SubmitError
      try {
        result = this.mapJobs(
          task,
          inputs,
          options,
          (exit) => FutureInternal.completeUnsafe(future, exit as Exit.Exit<Array<O>, E | Pool.RunError>),
          fiber
        )
      } catch (error) {
        // iterating the inputs threw: a defect, as in the caller's own code
        return Effect.die(error)
      }
      if (typeof result !== "function") return Effect.fail(result)
      cancel = result
      FutureInternal.setRunningUnsafe(future)
      observeCallbacks(future, fiber, options)
      return Effect.succeed(future)
    })
  }

  starmap<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapOptions
  ): Effect.Effect<Array<O>, E | Pool.SubmitError | Pool.RunError> {
    return this.map(task, inputs, options)
  }

  starmapAsync<I extends ReadonlyArray<unknown>, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    inputs: Iterable<I>,
    options?: Pool.MapAsyncOptions<O, E | Pool.RunError>
  ): Effect.Effect<Future.Future<Array<O>, E | Pool.RunError>, Pool.SubmitError> {
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

  stream<I, O, E, P>(
    task: Task.Task<string, I, O, E, P>,
    options?: Pool.StreamOptions
  ): Pool.StreamStage<I, O, E | Pool.SubmitError | Pool.RunError> {
    // Checked when the stage is made, before any input is read.
    const chunksize = chunksizeOf(options?.chunksize, () => 1)
    const concurrency = options?.concurrency === undefined
      ? 2 * this.backend.size
      : Validation.positiveCount(options.concurrency, "concurrency")
    const timeout = Validation.timeoutMillis(options?.timeout)
    const progress = options?.progress
    const invalid = [chunksize, concurrency, timeout].find((value) => value instanceof InvalidArgumentError)
    if (invalid !== undefined) {
      progress?.finish()
      return (() => Stream.fail(invalid as InvalidArgumentError)) as Pool.StreamStage<I, O, any>
    }
    const size = chunksize as number
    const jobOptions = { timeout: options?.timeout }
    const apply = (chunk: ReadonlyArray<I>): Effect.Effect<ReadonlyArray<O>, E | Pool.SubmitError | Pool.RunError> =>
      size === 1
        ? Effect.map(this.apply(task, chunk[0]!, jobOptions), (output) => [output])
        : this.map(task, chunk, { chunksize: size, timeout: options?.timeout })
    const run = progress === undefined ? apply : (chunk: ReadonlyArray<I>) =>
      Effect.suspend(() => {
        progress.addTotal(chunk.length)
        return Effect.onExit(apply(chunk), (exit) => Effect.sync(() => countEnd(progress, exit, chunk.length)))
      })
    return ((source: Stream.Stream<I, unknown, unknown> | AsyncIterable<I>) => {
      // An async iterable that throws: a defect, as an iterator that throws in `map`.
      const inputs = Stream.isStream(source)
        ? source as Stream.Stream<I, unknown, unknown>
        : Stream.orDie(Stream.fromAsyncIterable(source, (error) => error))
      const results = Stream.flattenIterable(
        Stream.mapEffect(Stream.grouped(inputs, size), run, {
          concurrency: concurrency as number,
          unordered: options?.ordered === false
        })
      )
      return progress === undefined ? results : Stream.ensuring(results, Effect.sync(() => progress.finish()))
    }) as Pool.StreamStage<I, O, E | Pool.SubmitError | Pool.RunError>
  }

  /**
   * `imap` / `imapUnordered`: the shared result window
   * (`Backend.ResultWindow`), driven by `startEachSync`, one window item per
   * job. An item is one input, or a chunk of `chunksize` inputs sent as one
   * job whose values the window flattens into the stream; items are read and
   * encoded only when the window has room (`JobInputs`). Starting an item is
   * synchronous (create the job, hand it to the backend), done where the
   * consumer makes room, and its exit is reported from the job's `onExit`:
   * no fiber and no effect per job. The bound (`PoolBackend.window`) counts
   * jobs in flight plus jobs whose results are not yet delivered.
   *
   * Failures keep their place: a bad input fails the stream at its position,
   * after the results of the inputs before it (its chunk's earlier inputs go
   * as a job of their own); in input order, a chunk that failed part-way
   * delivers the values computed before the failure first. When the pool
   * closes mid-stream, the jobs already started finish and are delivered,
   * then the stream fails with `PoolClosed`. When the stream ends early, the
   * jobs in flight are cancelled and the stream's end waits until they have
   * stopped.
   */
  streamMap<O, E>(
    task: Task.Any,
    inputs: Iterable<unknown>,
    options: Pool.MapOptions | undefined,
    ordered: boolean
  ): Stream.Stream<O, E | Pool.SubmitError | Pool.RunError> {
    const pool = this
    const backend = this.backend
    const chunksize = chunksizeOf(options?.chunksize, () => 1)
    const timeoutMs = pool.timeoutOf(options)
    const codecs = codecsOf(task)
    const progress = options?.progress
    return ResultWindow.stream<unknown, unknown, any, Pool.SubmitError, never>({
      // Iterated only once `drive` has checked the options.
      items: { [Symbol.iterator]: () => new JobInputs(backend, task.name, codecs, chunksize as number, inputs) },
      ordered,
      window: backend.window,
      drive: (window, scope) =>
        Effect.withFiber((caller): Effect.Effect<void, Pool.SubmitError> => {
          // The options are checked before any input is read; a refused
          // stream finishes its tracker too.
          const refused = backend.isClosed()
            ? poolClosed(task.name)
            : chunksize instanceof InvalidArgumentError
            ? chunksize
            : timeoutMs instanceof InvalidArgumentError
            ? timeoutMs
            : undefined
          if (refused !== undefined) {
            progress?.finish()
            return Effect.fail(refused)
          }
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
              }).pipe(Effect.ensuring(Effect.sync(() => progress?.finish())))
            ),
            ResultWindow.startEachSync(window, scope, (item, _index, complete, completeAll) => {
              if (item instanceof Refused) {
                const refuse = () => complete(Exit.fail(item.error))
                if (!item.closed || jobs === 0) return refuse()
                refusedByClose = refuse
                return
              }
              const job = new PoolJob(task.name, codecs, !single, item, undefined, timeoutMs as number | undefined)
              job.setCaller(caller)
              const items = single ? 1 : (item as ReadonlyArray<unknown>).length
              progress?.addTotal(items)
              job.onExit = single
                ? (exit) => {
                  if (progress !== undefined) countEnd(progress, exit, 1)
                  complete(exit)
                  jobEnded()
                }
                : (exit) => {
                  if (progress !== undefined) countEnd(progress, exit, items)
                  if (Exit.isSuccess(exit)) completeAll(exit.value as Array<unknown>)
                  else if (ordered && job.partial !== undefined && job.partial.length > 0) {
                    completeAll(job.partial, exit.cause)
                  } else complete(exit)
                  jobEnded()
                }
              jobs++
              pool.startJob(job)
              return () => pool.cancelJob(job)
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
        for (let i = Math.max(0, buffer.length - state.bound); i < buffer.length; i++) {
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
    return this.backend.close
  }

  get terminate(): Effect.Effect<void> {
    return this.backend.terminate
  }

  get join(): Effect.Effect<void, PoolStillRunning> {
    return this.backend.join
  }

  get stats(): Effect.Effect<Pool.Stats> {
    return this.backend.stats
  }

  get awaitReady(): Effect.Effect<void, WorkerCrashed> {
    return this.backend.awaitReady
  }
}

/**
 * Derives the whole `Pool.PoolService` — Python's `multiprocessing.Pool`
 * API — from a backend: `apply` / `applyAsync` (`apply` / `apply_async`),
 * `map` / `mapAsync` / `starmap` / `starmapAsync` (chunked as Python's
 * `map`, default chunksize `ceil(n / (4 × size))`), `imap` /
 * `imapUnordered` (back-pressured, a window of `backend.window` jobs),
 * `progress`, and the lifecycle (`close`, `terminate`, `join`, `stats`,
 * `awaitReady`, passed through). Inputs are encoded and results decoded
 * here with the tasks' schemas; the backend sees encoded values only.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makePool = (backend: PoolBackend<any>): Pool.PoolService => new DerivedPool(backend)

/**
 * The backend a pool was derived from by `makePool`, or `undefined` for
 * any other pool (e.g. for a backend's own accessors, such as
 * `NodePool.workers(pool)`).
 *
 * @since 0.1.0
 * @category getters
 */
export const backendOf = (pool: Pool.PoolService): PoolBackend<any> | undefined =>
  pool instanceof DerivedPool ? pool.backend : undefined
