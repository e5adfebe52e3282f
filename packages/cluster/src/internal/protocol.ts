/**
 * What travels between a `ClusterPool` client and the runners: one Effect
 * Cluster entity, `corun/TaskBatch`, whose one persisted RPC `Run` carries
 * a batch of jobs (the pool's own `Job`s: task name, encoded input or chunk,
 * timeout) and answers with each job's end (`PoolBackend` end kinds). A task
 * is small and a cluster message is not: a batch per message is what makes
 * the cluster fast (see bench/README.md).
 *
 * The batch id is the message's primary key: a batch sent twice (a retry
 * after its runner died) is answered once, from storage. The batch and its
 * answer are signed with the cluster's key (HMAC-SHA256 over the batch id,
 * the entity it is addressed to and the exact bytes): a process that can
 * write to the database but does not know the secret can neither make up
 * work a runner would run nor forge a result a client would accept; it can
 * replay a batch it has seen, to the same entity (tasks run at least once:
 * they must bear running again). Values cross as the pool's workers get
 * them, with V8's serializer (structured clone: `NaN`, `-0`, `undefined`,
 * dates, maps, typed arrays and bigints come through as they went), base64
 * in the message.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Cause from "effect/Cause"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import * as Exit from "effect/Exit"
import type * as LogLevel from "effect/LogLevel"
import * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import * as Tracer from "effect/Tracer"
import { createHmac, timingSafeEqual } from "node:crypto"
import { deserialize, serialize } from "node:v8"

/** A batch whose signature does not hold: refused by the runner (or its answer, by the client). */
export class BadSignature extends Schema.TaggedError<BadSignature>()("BadSignature", {
  message: Schema.String
}) {}

/** The `Run` RPC: a signed batch in, a signed list of ends out. */
export const Run = Rpc.make("Run", {
  payload: { batchId: Schema.String, body: Schema.String, signature: Schema.String },
  success: Schema.Struct({ body: Schema.String, signature: Schema.String }),
  error: BadSignature,
  primaryKey: (payload) => payload.batchId
}).annotate(ClusterSchema.Persisted, true)

/** The entity runners host and clients send batches to. */
export const TaskBatch = Entity.make("corun/TaskBatch", [Run])

/** One job of a batch. */
export interface JobRecord {
  readonly task: string
  readonly chunk: boolean
  readonly payload: unknown
  readonly timeoutMs: number | null
  /** The caller's span (trace and span ids) when it submitted the job in one; absent or `null` otherwise. */
  readonly trace?: readonly [traceId: string, spanId: string] | null
}

/** A note's tag: a log record of the task (`Job.log`'s arguments follow). */
export const NOTE_LOG = 0
/** A note's tag: a span of the task began (`Job.spanStart`'s arguments follow). */
export const NOTE_SPAN_START = 1
/** A note's tag: a span of the task ended (`Job.spanEnd`'s, the exit as a `SpanExit`). */
export const NOTE_SPAN_END = 2

/**
 * How a span ended, as plain data: 0 success, else `[EndKind, error]`
 * (`Failure`, `Die` or `Interrupted`), the error as a `Die` end's value
 * (`encodeEndValue`).
 */
export type SpanExit = 0 | readonly [kind: Backend.PoolBackend.EndKind, error: unknown]

/**
 * What a job told its caller while it ran on the runner, in order: its log
 * records and its spans. They travel with the job's end and are delivered
 * to the caller (its loggers, its tracer) just before it.
 */
export type Note =
  | readonly [
    tag: typeof NOTE_LOG,
    level: LogLevel.Severity,
    message: unknown,
    annotations: Readonly<Record<string, unknown>> | undefined,
    cause: string | undefined
  ]
  | readonly [
    tag: typeof NOTE_SPAN_START,
    spanId: string,
    parent: string | null | undefined | readonly [traceId: string, spanId: string],
    name: string,
    kind: Tracer.SpanKind,
    startTime: bigint
  ]
  | readonly [
    tag: typeof NOTE_SPAN_END,
    spanId: string,
    endTime: bigint,
    exit: SpanExit,
    attributes: Readonly<Record<string, unknown>> | undefined,
    events: ReadonlyArray<readonly [name: string, time: bigint, attributes: Record<string, unknown>]> | undefined
  ]

/** How one job ended: `[kind, value, partial, notes]` (kinds of `Backend.PoolBackend`). */
export type EndRecord = readonly [
  kind: Backend.PoolBackend.EndKind,
  value: unknown,
  partial: ReadonlyArray<unknown> | null,
  notes?: ReadonlyArray<Note> | null
]

/** A span's exit as plain data (its error as name, message and stack, as a task's defect travels). */
export const encodeSpanExit = (exit: Exit.Exit<unknown, unknown>): SpanExit => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.hasInterruptsOnly(exit.cause)) return [Backend.PoolBackend.Interrupted, null]
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  return failure !== undefined
    ? [Backend.PoolBackend.Failure, encodeEndValue(Backend.PoolBackend.Die, failure.error)]
    : [Backend.PoolBackend.Die, encodeEndValue(Backend.PoolBackend.Die, Cause.squash(exit.cause))]
}

/** A span's exit back from its plain form, for the caller's tracer. */
export const decodeSpanExit = (exit: SpanExit): Exit.Exit<unknown, unknown> => {
  if (exit === 0) return Exit.void
  if (exit[0] === Backend.PoolBackend.Interrupted) return Exit.interrupt()
  const error = decodeEndValue(Backend.PoolBackend.Die, exit[1], "")
  return exit[0] === Backend.PoolBackend.Failure ? Exit.fail(error) : Exit.die(error)
}

/**
 * Delivers a job's notes to it (its caller's loggers and tracer), in order.
 * A note that is not what it should be (from a runner of another version)
 * is skipped: it must not cost the job its result.
 */
export const deliverNotes = (job: Backend.PoolBackend.Job, notes: unknown): void => {
  if (!Array.isArray(notes)) return
  for (const note of notes as ReadonlyArray<Note>) {
    try {
      switch (note[0]) {
        case NOTE_LOG:
          job.log(note[1], note[2], note[3], note[4])
          break
        case NOTE_SPAN_START:
          job.spanStart(note[1], note[2], note[3], note[4], note[5])
          break
        case NOTE_SPAN_END:
          job.spanEnd(note[1], note[2], decodeSpanExit(note[3]), note[4], note[5])
          break
      }
    } catch {
      // Skipped.
    }
  }
}

/**
 * At most this many notes per job travel back (a task that logs in a loop
 * would otherwise fill the runner's memory and the stored reply); past it
 * they are counted, and the caller gets one warning with the count.
 */
export const MAX_NOTES = 1000

/** Signs `body` (a batch or an answer) for batch `batchId` to entity `entityId`. */
export const sign = (key: Buffer, kind: "batch" | "ends", batchId: string, entityId: string, body: string): string =>
  createHmac("sha256", key).update(`${kind}\n${batchId}\n${entityId}\n${body}`).digest("hex")

/** Whether `signature` is `body`'s, in constant time. */
export const verify = (
  key: Buffer,
  kind: "batch" | "ends",
  batchId: string,
  entityId: string,
  body: string,
  signature: string
) => {
  const expected = Buffer.from(sign(key, kind, batchId, entityId, body), "utf8")
  const got = Buffer.from(signature, "utf8")
  return expected.length === got.length && timingSafeEqual(expected, got)
}

/** A value as a message body: V8's serializer (what a worker's input goes through), base64. */
export const pack = (value: unknown): string => serialize(value).toString("base64")

/** A body back to its value (only once its signature held). */
export const unpack = (body: string): unknown => deserialize(Buffer.from(body, "base64"))

// -----------------------------------------------------------------------------
// The pool's own errors and defects, as plain data
// -----------------------------------------------------------------------------

const RunErrorSchema = Schema.Union([
  Errors.WorkerCrashed,
  Errors.TaskTimeout,
  Errors.UnknownTask,
  Errors.InputEncodingError
])
const encodeRunError = Schema.encodeUnknownSync(RunErrorSchema)
const decodeRunError = Schema.decodeUnknownSync(RunErrorSchema)

/** An end's value as plain data: a defect as its name, message and stack; a pool error through its schema. */
export const encodeEndValue = (kind: Backend.PoolBackend.EndKind, value: unknown): unknown => {
  if (kind === Backend.PoolBackend.Die) {
    const error = value instanceof Error ? value : new Error(String(value))
    return { name: error.name, message: error.message, stack: error.stack ?? null }
  }
  if (kind === Backend.PoolBackend.Error) {
    try {
      return encodeRunError(value)
    } catch {
      return { _tag: "WorkerCrashed", message: String((value as { message?: unknown })?.message ?? value) }
    }
  }
  return value
}

/** The value `Job.end` expects back from its plain form. */
export const decodeEndValue = (kind: Backend.PoolBackend.EndKind, value: unknown, task: string): unknown => {
  if (kind === Backend.PoolBackend.Die) {
    const fields = value as { name?: string; message?: string; stack?: string | null }
    const error = new Error(fields.message ?? "a task died on a runner")
    error.name = fields.name ?? "Error"
    if (typeof fields.stack === "string") error.stack = fields.stack
    return error
  }
  if (kind === Backend.PoolBackend.Error) {
    try {
      return decodeRunError(value)
    } catch {
      return new Errors.WorkerCrashed({
        task,
        worker: -1,
        reason: "exception",
        message: `a runner reported an error corun does not know: ${JSON.stringify(value)}`
      })
    }
  }
  return value
}
