/**
 * The job record: one task run (one input, or a chunk of inputs) from its
 * submission to its end, with its named state, the worker it was sent to,
 * its timers, and where its end is reported.
 *
 * @internal
 */
import type { Future } from "@corun/core"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import type * as Schema from "effect/Schema"
import type { LongTimeout } from "./timers.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/**
 * A job's state: `"queued"` in the pool's queue (or back in it, stolen or
 * requeued after its worker died), `"sent"` to a worker (which runs its jobs
 * in the order sent), `"done"` once it has ended (it ends once).
 */
export type JobState = "queued" | "sent" | "done"

export interface Codecs {
  readonly encodeInput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeOutput: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeError: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly decodeProgress: (u: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly hasProgress: boolean
}

export interface ProgressSubscriber {
  readonly value: (value: unknown) => void
  readonly end: () => void
}

/**
 * A task's progress: values reported while nobody listens are buffered (the
 * latest `Options.progressBufferSize`) for the next subscriber; every
 * subscriber gets every value reported while it listens.
 */
export interface ProgressState {
  /** Holds up to twice the bound (dropping the oldest half at a time); the latest `bound` are delivered. */
  buffer: Array<unknown>
  readonly subscribers: Set<ProgressSubscriber>
  done: boolean
}

export class Job {
  state: JobState = "queued"
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

/** The exit of a job stopped with nothing more specific to say. */
export const interruptExit: Exit.Exit<never, never> = Exit.interrupt()

/** The first problem a schema found, as one line. */
export const formatSchemaError = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const reason = exit.cause.reasons[0]
  return reason !== undefined && reason._tag === "Fail" ? reason.error.message : Cause.pretty(exit.cause)
}
