/**
 * The job record: one run of a task (one input, or a chunk of inputs) from
 * the moment the pool accepts it to its end, with its named state, the
 * worker it was sent to and its timers. What to run, and where its end is
 * reported, is core's `PoolBackend.Job` (`client`): the pool reports each
 * job's end once, as an end kind and a value still encoded as the worker
 * sent it (core decodes it with the task's schemas), or the pool's own typed
 * error.
 *
 * @internal
 */
import { PoolBackend } from "@corun/core/Backend"
import type { LongTimeout } from "./timers.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/**
 * A job's state: `"queued"` in the pool's queue (or back in it, stolen or
 * requeued after its worker died), `"sent"` to a worker (which runs its jobs
 * in the order sent), `"done"` once it has ended (it ends once).
 */
export type JobState = "queued" | "sent" | "done"

/** How a job ends: `PoolBackend`'s end kind and its value. */
export interface Outcome {
  readonly kind: PoolBackend.EndKind
  readonly value: unknown
}

/** The end of a job the pool stopped because core asked (a cancel). */
export const interrupted: Outcome = { kind: PoolBackend.Interrupted, value: undefined }

/** The end of a job that failed with one of the pool's own errors (`Pool.RunError`). */
export const failedWith = (error: unknown): Outcome => ({ kind: PoolBackend.Error, value: error })

export class Job {
  state: JobState = "queued"
  worker: WorkerHandle | undefined = undefined
  sentAt = 0
  /** When the pool accepted it (`performance.now()`; 0 when nothing records it). */
  queuedAt = 0
  /** Its queue wait went to the metrics (a job given back waits again, unrecorded). */
  waitRecorded = false
  /** Why the pool stopped it (a cancel, its timeout): how it ends once its worker has let go of it. */
  stop: Outcome | undefined = undefined
  cancelSent = false
  /** An UNQUEUE (work stealing) was sent for it. */
  stealing = false
  /** Its timeout, which starts when its worker starts it (`armTimeout`). */
  timer: LongTimeout | undefined = undefined
  /** Kills its worker when a cancelled job does not stop within the grace period. */
  killTimer: LongTimeout | undefined = undefined
  readonly id: number
  readonly client: PoolBackend.Job
  constructor(id: number, client: PoolBackend.Job) {
    this.id = id
    this.client = client
  }
  /** The task's name. */
  get name(): string {
    return this.client.task
  }
}
