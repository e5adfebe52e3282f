/**
 * The wire protocol between `NodePool` and its workers (`internal/worker`),
 * shared by both sides: named records, typed as tuples.
 *
 * It rides on `effect/workers`' framing (the `NodeWorker` platform on the
 * parent's side), which carries each message and signals readiness once
 * the worker has loaded its tasks and run the initializer.
 *
 * - Parent → worker: one message per flush, a `Batch` — the `Command`
 *   records laid end to end in one flat array (`[RUN, 7, "sum", input,
 *   CANCEL, 3]`): one structured clone per flush, not one per record. Both
 *   sides read a batch with `forEachCommand` and write it with `pushRun` /
 *   `pushCancel` / `pushUnqueue`.
 * - Worker → parent: one `Reply` per event.
 *
 * Arrays of numbers and strings keep the structured clone cheap. Op codes
 * run from 0 without gaps on each side.
 *
 * @internal
 */

// -----------------------------------------------------------------------------
// Parent → worker
// -----------------------------------------------------------------------------

/** Run one task: `[RUN, id, taskName, encodedInput]`. */
export const RUN = 0
/** Run a chunk of inputs, one after the other, stopping at the first failure: `[CHUNK, id, taskName, encodedInputs]`. */
export const CHUNK = 1
/** Interrupt a queued or running task: `[CANCEL, id]`. */
export const CANCEL = 2
/** Give a job back if it has not started (work stealing): `[UNQUEUE, id]`. */
export const UNQUEUE = 3
/**
 * The answer to a worker's `R_CALL`: `[REPLY, callId, ok, value]`, `ok` 1
 * with the method's value, 2 with a value handed over (an item taken from
 * a queue: the worker acknowledges it, `R_ACK`), 0 with its error as
 * `{ _tag, ...fields }`.
 */
export const REPLY = 4

export type RunRecord = readonly [op: typeof RUN, id: number, task: string, input: unknown]
export type ChunkRecord = readonly [op: typeof CHUNK, id: number, task: string, inputs: ReadonlyArray<unknown>]
export type CancelRecord = readonly [op: typeof CANCEL, id: number]
export type UnqueueRecord = readonly [op: typeof UNQUEUE, id: number]
/**
 * The job sent next with this id runs under the caller's span (its trace
 * and span ids): the worker records the task's spans and sends them back
 * (`R_SPAN_START` / `R_SPAN_END`). Sent only for jobs submitted inside a
 * sampled span: an untraced job costs nothing more.
 */
export const TRACE = 5

export type ReplyRecord = readonly [op: typeof REPLY, callId: number, ok: 0 | 1 | 2, value: unknown]
export type TraceRecord = readonly [op: typeof TRACE, id: number, traceId: string, spanId: string]
/** A record the parent sends. */
export type Command = RunRecord | ChunkRecord | CancelRecord | UnqueueRecord | ReplyRecord | TraceRecord

/** `Command` records laid end to end: one message. */
export type Batch = Array<unknown>

/** Appends `[RUN | CHUNK, id, task, payload]`. */
export const pushRun = (batch: Batch, chunk: boolean, id: number, task: string, payload: unknown): void => {
  batch.push(chunk ? CHUNK : RUN, id, task, payload)
}

/** Appends `[CANCEL, id]`. */
export const pushCancel = (batch: Batch, id: number): void => {
  batch.push(CANCEL, id)
}

/** Appends `[UNQUEUE, id]`. */
export const pushUnqueue = (batch: Batch, id: number): void => {
  batch.push(UNQUEUE, id)
}

/** Appends `[TRACE, id, traceId, spanId]` (before the job's `RUN` / `CHUNK`). */
export const pushTrace = (batch: Batch, id: number, traceId: string, spanId: string): void => {
  batch.push(TRACE, id, traceId, spanId)
}

/** Appends `[REPLY, callId, ok, value]`. */
export const pushReply = (batch: Batch, callId: number, ok: 0 | 1 | 2, value: unknown): void => {
  batch.push(REPLY, callId, ok, value)
}

/**
 * Reads a batch record by record: `f(op, id, task, payload, start, end)`,
 * with `task` / `payload` `undefined` for `CANCEL` / `UNQUEUE`, and the
 * record at `batch.slice(start, end)`; for `REPLY`, `id` is the call's,
 * `task` undefined, and `payload` the pair `[ok, value]`. An unknown op code
 * ends the batch (nothing after it can be framed).
 */
export const forEachCommand = (
  batch: Batch,
  f: (op: Command[0], id: number, task: string | undefined, payload: unknown, start: number, end: number) => void
): void => {
  const length = batch.length
  let i = 0
  while (i < length) {
    const op = batch[i]
    if (op === RUN || op === CHUNK || op === TRACE) {
      f(op, batch[i + 1] as number, batch[i + 2] as string, batch[i + 3], i, i + 4)
      i += 4
    } else if (op === CANCEL || op === UNQUEUE) {
      f(op, batch[i + 1] as number, undefined, undefined, i, i + 2)
      i += 2
    } else if (op === REPLY) {
      f(op, batch[i + 1] as number, undefined, [batch[i + 2], batch[i + 3]], i, i + 4)
      i += 4
    } else return
  }
}

// -----------------------------------------------------------------------------
// Worker → parent
// -----------------------------------------------------------------------------

/** `[R_SUCCESS, id, encodedOutput]` */
export const R_SUCCESS = 0
/** `[R_FAIL, id, encodedError]` */
export const R_FAIL = 1
/** `[R_DIE, id, SerializedDefect]` */
export const R_DIE = 2
/** `[R_INTERRUPTED, id]` */
export const R_INTERRUPTED = 3
/** `[R_PROGRESS, id, encodedProgress]` */
export const R_PROGRESS = 4
/** `[R_CHUNK, id, encodedOutputs, failTag, failValue]`, failTag one of `R_FAIL`, `R_DIE`, `R_INTERRUPTED` or `CHUNK_DONE`. */
export const R_CHUNK = 5
/** `[R_UNKNOWN, id]`: no exported task has that name. */
export const R_UNKNOWN = 6
/** `[R_UNQUEUED, id]`: the job had not started and was dropped (answer to `UNQUEUE`). */
export const R_UNQUEUED = 7
/** `[R_STARTUP_FAILED, SerializedDefect]`: loading the tasks module or the initializer failed. */
export const R_STARTUP_FAILED = 8
/** `[R_CRASH, SerializedDefect]`: an uncaught exception (process runtime; threads report it as an `error` event). */
export const R_CRASH = 9

/**
 * `[R_CALL, callId, objectId, method, args]`: task code asks an object its
 * parent serves (a `ProcessQueue`, a `Pipe` end…) to run `method`; answered
 * by a `REPLY`, except a call with id 0, which nobody waits for (a `put`
 * that cannot block: its error, if any, answers the caller's next call on
 * that object).
 */
export const R_CALL = 10
/** `[R_ACK, callId]`: the worker received the `REPLY` of that call (a value handed over is its own now). */
export const R_ACK = 11
/** `[R_CANCEL_CALL, callId]`: the task stopped waiting for that call. */
export const R_CANCEL_CALL = 12

/** `[R_BATCH, replies]`: several replies in one message (the calls nobody waits for, sent together). */
export const R_BATCH = 13
/**
 * `[R_CASTS, objectId, method, argsList]`: consecutive calls nobody waits
 * for, of one method on one object (a producer's `put`s): one record, the
 * arguments of each call in order.
 */
export const R_CASTS = 14
/**
 * `[R_LOG, id, level, message, annotations, cause]`: a log record of the
 * running task (`Effect.log` in the worker), for the caller's loggers; only
 * from workers started with `forwardLogs`.
 */
export const R_LOG = 15

/**
 * `[R_SPAN_START, id, spanId, parent, name, kind, startTime]`: a span of a
 * traced task began (see `TRACE`). `parent`: `undefined` for the caller's
 * span, `null` for none, a span id of this worker, or `[traceId, spanId]`
 * of an external span.
 */
export const R_SPAN_START = 16
/**
 * `[R_SPAN_END, id, spanId, endTime, exit, attributes, events]`: that span
 * ended; `exit` is `SPAN_OK`, or `[R_FAIL | R_DIE | R_INTERRUPTED, defect]`.
 */
export const R_SPAN_END = 17

/** `R_SPAN_END`'s exit when the span's effect succeeded. */
export const SPAN_OK = 0

/** How a span of a task ended. */
export type SpanExit =
  | typeof SPAN_OK
  | readonly [tag: typeof R_FAIL | typeof R_DIE | typeof R_INTERRUPTED, defect: SerializedDefect | undefined]

/** A span's parent as it crosses (see `R_SPAN_START`). */
export type SpanParent = string | null | undefined | readonly [traceId: string, spanId: string]

/** A minimum log level (Effect's `LogLevel.LogLevel`). */
export type LogLevelName = "All" | "Fatal" | "Error" | "Warn" | "Info" | "Debug" | "Trace" | "None"

/** A log record's level (Effect's `LogLevel.Severity`). */
export type LogSeverity = "Fatal" | "Error" | "Warn" | "Info" | "Debug" | "Trace"

/** `R_CHUNK`'s failTag when every input of the chunk succeeded. */
export const CHUNK_DONE = -1

/** How a chunk ended after its outputs. */
export type ChunkEnd =
  | readonly [tag: typeof CHUNK_DONE, value: undefined]
  | readonly [tag: typeof R_FAIL, encodedError: unknown]
  | readonly [tag: typeof R_DIE, defect: SerializedDefect]
  | readonly [tag: typeof R_INTERRUPTED, value: undefined]

/** A record a worker sends. */
export type Reply =
  | readonly [op: typeof R_SUCCESS, id: number, output: unknown]
  | readonly [op: typeof R_FAIL, id: number, error: unknown]
  | readonly [op: typeof R_DIE, id: number, defect: SerializedDefect]
  | readonly [op: typeof R_INTERRUPTED, id: number]
  | readonly [op: typeof R_PROGRESS, id: number, progress: unknown]
  | readonly [op: typeof R_CHUNK, id: number, outputs: Array<unknown>, ...ChunkEnd]
  | readonly [op: typeof R_UNKNOWN, id: number]
  | readonly [op: typeof R_UNQUEUED, id: number]
  | readonly [op: typeof R_STARTUP_FAILED, defect: SerializedDefect]
  | readonly [op: typeof R_CRASH, defect: SerializedDefect]
  | readonly [op: typeof R_CALL, callId: number, objectId: number, method: string, args: unknown]
  | readonly [op: typeof R_ACK, callId: number]
  | readonly [op: typeof R_CANCEL_CALL, callId: number]
  | readonly [op: typeof R_BATCH, replies: ReadonlyArray<Reply>]
  | readonly [op: typeof R_CASTS, objectId: number, method: string, argsList: Array<unknown>]
  | readonly [
    op: typeof R_LOG,
    id: number,
    level: LogSeverity,
    message: unknown,
    annotations: Readonly<Record<string, unknown>> | undefined,
    cause: string | undefined
  ]
  | readonly [
    op: typeof R_SPAN_START,
    id: number,
    spanId: string,
    parent: SpanParent,
    name: string,
    kind: "internal" | "server" | "client" | "producer" | "consumer",
    startTime: bigint
  ]
  | readonly [
    op: typeof R_SPAN_END,
    id: number,
    spanId: string,
    endTime: bigint,
    exit: SpanExit,
    attributes: Record<string, unknown> | undefined,
    events: Array<readonly [name: string, time: bigint, attributes: Record<string, unknown>]> | undefined
  ]

/** What a worker learns at start (`workerData`, or an environment variable for child processes). */
export interface WorkerInit {
  readonly tasks: string
  readonly workerId: number
  readonly initializer: { readonly task: string; readonly input: unknown } | undefined
  /**
   * The URL of `tsx/esm/api` when the parent runs under `tsx`: workers are
   * started without its module hooks (worker threads would not inherit them,
   * and loading them costs every worker start-up), so a worker whose tasks
   * module needs tsx registers them itself.
   */
  readonly tsxApi: string | undefined
  /**
   * The URL of the worker's bundle (`internal/bundle`: the worker body, the
   * tasks module and their imports in one ES module), when one is built and
   * up to date; without it, the worker loads plain ES modules.
   */
  readonly bundle?: string | undefined
  /** The name of a `Process`'s worker (`Process.current`). */
  readonly name?: string | undefined
  /** Send the running task's log records to the parent (`R_LOG`) instead of logging them here (`NodePool`'s `logs`). */
  readonly forwardLogs?: boolean | undefined
  /** The least severe level of the records sent (the pool maker's minimum log level); default `Info`. */
  readonly minimumLogLevel?: LogLevelName | undefined
  /** A worker thread's parent's `ProcessSync` memory (`internal/syncMemory`); threads only. */
  readonly syncArena?: { readonly id: number; readonly buffer: SharedArrayBuffer } | undefined
}

/** The environment variable carrying a child-process worker's `WorkerInit` (v8-serialized, base64). */
export const INIT_ENV = "CORUN_POOL_INIT"

/** An error as it crosses the boundary. */
export interface SerializedDefect {
  readonly name: string
  readonly message: string
  readonly stack: string | undefined
}

/**
 * A value as it can cross to the parent: itself when it clones, else its
 * text (a log message or a span attribute may hold anything).
 */
export const crossable = (value: unknown): unknown => {
  if (typeof value !== "object" || value === null) {
    return typeof value === "function" || typeof value === "symbol" ? String(value) : value
  }
  try {
    return structuredClone(value)
  } catch {
    return String(value)
  }
}

/** Turns any thrown value into plain data. */
export const serializeDefect = (u: unknown): SerializedDefect => {
  if (u instanceof Error) return { name: u.name, message: u.message, stack: u.stack }
  if (typeof u === "object" && u !== null && "message" in u) {
    return {
      name: String((u as any)._tag ?? (u as any).name ?? "Error"),
      message: String((u as any).message),
      stack: undefined
    }
  }
  let message: string
  try {
    message = typeof u === "string" ? u : JSON.stringify(u) ?? String(u)
  } catch {
    message = String(u)
  }
  return { name: "Error", message, stack: undefined }
}

/** Rebuilds an `Error` from a serialized defect, keeping the worker's stack. */
export const reviveDefect = (d: SerializedDefect): Error => {
  const error = new Error(d.message)
  error.name = d.name
  if (d.stack !== undefined) error.stack = d.stack
  return error
}

/** The key under which workers find tasks among a module's exports (same as `Task.TypeId`). */
export const TASK_TYPE_ID = "~@corun/core/Task"
