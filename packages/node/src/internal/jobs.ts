/**
 * A job's start and end: `start` queues an accepted job, `finish`
 * completes it once (bookkeeping in its worker, progress, future,
 * callbacks) and lets the pool dispatch the next ones.
 *
 * @internal
 */
import * as Backend from "@corun/core/Backend"
import * as Exit from "effect/Exit"
import { schedule } from "./dispatch.ts"
import { type Job } from "./job.ts"
import type { PoolState } from "./poolState.ts"
import { armTimeout } from "./timeouts.ts"
import { closeAllIdle, onIdle, replenish } from "./workerSet.ts"

export const finish = (pool: PoolState, job: Job, exit: Exit.Exit<any, any>) => {
  if (job.state === "done") return
  const w = job.worker
  const wasQueued = job.state === "queued"
  job.state = "done"
  job.payload = undefined
  pool.pending.delete(job.id)
  pool.completed++
  if (job.timer !== undefined) job.timer.clear()
  if (job.killTimer !== undefined) job.killTimer.clear()
  if (wasQueued) pool.queue.forget()
  if (w !== undefined && !w.exited) {
    w.inflightCount--
    const inflight = w.inflight
    while (
      w.inflightHead < inflight.length &&
      (inflight[w.inflightHead].state === "done" || inflight[w.inflightHead].worker !== w)
    ) {
      inflight[w.inflightHead++] = undefined as any
    }
    if (w.inflightHead === inflight.length) {
      w.inflight = []
      w.inflightHead = 0
    } else {
      // The worker runs its jobs in the order they were sent: the first
      // one left in line has started.
      armTimeout(pool, inflight[w.inflightHead])
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
    w.depth = w.ewmaMillis > 2 ? 1 : w.ewmaMillis > 0.25 ? Math.min(4, pool.config.maxDepth) : pool.config.maxDepth
    if (w.inflightCount === 0) onIdle(pool, w)
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
  if (pool.closed && pool.pending.size === 0) closeAllIdle(pool)
  else if (w !== undefined) schedule(pool)
}

export const start = (pool: PoolState, job: Job, ms: number | undefined) => {
  pool.pending.set(job.id, job)
  job.timeoutMs = ms
  pool.queue.push(job)
  if (pool.startupBlocked) replenish(pool, true)
  else if (pool.workers.size < pool.config.size) replenish(pool)
  schedule(pool)
}
