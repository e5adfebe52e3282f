/**
 * A job's start and end: `start` queues an accepted job, `finish` ends it
 * once — bookkeeping first (its worker's line, the pool's counts), then the
 * report to core (which completes the caller, possibly synchronously, so
 * the pool must be consistent by then), then the dispatch of the next jobs.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import { jobLeftWorker, schedule } from "./dispatch.ts"
import type { Job } from "./job.ts"
import * as Metrics from "./metrics.ts"
import type { PoolState } from "./poolState.ts"
import { closeAllIdle, replenish } from "./workerSet.ts"

/** Ends a job (once; later calls do nothing) with an end kind and its value (see `PoolBackend.Job.end`). */
export const finish = (
  pool: PoolState,
  job: Job,
  kind: PoolBackend.EndKind,
  value: unknown,
  partial?: ReadonlyArray<unknown>
) => {
  if (job.state === "done") return
  const w = job.worker
  const wasQueued = job.state === "queued"
  job.state = "done"
  pool.pending.delete(job.id)
  pool.completed++
  if (job.timer !== undefined) job.timer.clear()
  if (job.killTimer !== undefined) job.killTimer.clear()
  if (wasQueued) pool.queue.forget()
  if (w !== undefined && !w.exited) jobLeftWorker(pool, w, job)
  if (pool.metrics !== undefined) recordEnd(pool, job, kind, value)
  const timeline = pool.config.timeline
  if (timeline !== undefined) {
    const end = performance.now()
    timeline.add({
      lane: w === undefined ? "not started" : `worker ${w.id}`,
      name: job.name,
      queuedAt: job.queuedAt > 0 ? job.queuedAt : undefined,
      start: job.sentAt > 0 ? job.sentAt : end,
      end,
      outcome: kind === PoolBackend.Success
        ? "success"
        : kind === PoolBackend.Interrupted
        ? "interrupted"
        : "failure"
    })
  }
  job.client.end(kind, value, partial)
  if (pool.closed && pool.pending.size === 0) closeAllIdle(pool)
  else if (w !== undefined) schedule(pool)
}

/** A job's end in the pool's metrics: how long it ran, how it ended, the workers busy now. */
const recordEnd = (pool: PoolState, job: Job, kind: PoolBackend.EndKind, value: unknown) => {
  const metrics = pool.metrics
  if (job.sentAt > 0) Metrics.record(metrics, Metrics.runTime, performance.now() - job.sentAt)
  const counter = kind === PoolBackend.Success
    ? Metrics.completed
    : kind === PoolBackend.Interrupted
    ? Metrics.cancelled
    : value instanceof Errors.TaskTimeout
    ? Metrics.timedOut
    : Metrics.failed
  Metrics.record(metrics, counter, 1)
  let busy = 0
  for (const w of pool.workers) if (w.inflightCount > 0) busy++
  Metrics.record(metrics, Metrics.busy, busy)
}

/** Accepts a job: it waits in the queue for a worker (workers are started if missing). */
export const start = (pool: PoolState, job: Job) => {
  if (pool.metrics !== undefined || pool.config.timeline !== undefined) job.queuedAt = performance.now()
  pool.pending.set(job.id, job)
  pool.queue.push(job)
  if (pool.startupBlocked) replenish(pool, true)
  else if (pool.workers.size < pool.config.size) replenish(pool)
  schedule(pool)
}
