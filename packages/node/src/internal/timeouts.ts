/**
 * Cancellation and timeouts: a job's timeout runs from the moment its
 * worker starts it; stopping a job removes it if it is queued, else
 * interrupts it in its worker and kills the worker after the grace period.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { failedWith, type Job, type Outcome } from "./job.ts"
import { finish } from "./jobs.ts"
import { markDirty } from "./outbox.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { LongTimeout } from "./timers.ts"

/**
 * Starts a job's timeout when its worker starts running it: `assign` and
 * `finish` call it for the job first in its worker's line (workers run
 * their jobs one at a time, in the order sent). Time spent queued — in the
 * pool, or pipelined behind another job in the worker — is not counted.
 * One check per dispatch and per completion; no message from the worker.
 */
export const armTimeout = (pool: PoolState, job: Job) => {
  const ms = job.client.timeoutMs
  if (ms === undefined || job.timer !== undefined || job.stop !== undefined || job.state !== "sent") return
  job.timer = new LongTimeout(() => {
    cancel(
      pool,
      job,
      failedWith(
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
export const disarmTimeout = (job: Job) => {
  if (job.timer !== undefined) {
    job.timer.clear()
    job.timer = undefined
  }
}

/** Stops a job: at once if it is queued; else interrupts it in its worker, killing the worker after the grace period. */
export const cancel = (pool: PoolState, job: Job, stop: Outcome) => {
  if (job.state === "done") return
  if (job.stop === undefined) job.stop = stop
  if (job.state === "queued") return finish(pool, job, job.stop.kind, job.stop.value)
  if (job.cancelSent) return
  job.cancelSent = true
  const w = job.worker!
  P.pushCancel(w.outbox, job.id)
  markDirty(pool, w)
  // No grace period limit (`Infinity`): the task is only ever interrupted.
  if (pool.config.graceMs === undefined) return
  job.killTimer = new LongTimeout(() => {
    job.killTimer = undefined
    if (job.state !== "done" && job.worker === w) w.kill()
  }, pool.config.graceMs)
}
