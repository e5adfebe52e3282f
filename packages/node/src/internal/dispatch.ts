/**
 * Dispatch, the balancing policy: which worker gets the next queued job
 * (the eligible one with the fewest jobs in flight), how many jobs a worker
 * holds ahead (pipelining depth, adapted to how long tasks take), work
 * stealing by idle workers, and recycling (`maxTasksPerChild`).
 *
 * @internal
 */
import * as Backend from "@corun/core/Backend"
import { type Job } from "./job.ts"
import { finish } from "./jobs.ts"
import { markDirty } from "./outbox.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { armTimeout, disarmTimeout } from "./timeouts.ts"
import { WorkerHandle } from "./workerHandle.ts"

export const schedule = (pool: PoolState) => {
  if (pool.queue.size === 0) return
  // A worker takes jobs once it is down to half its pipelining depth, and
  // is then filled up to it (fewer, larger messages); each job goes to the
  // eligible worker with the fewest jobs in flight.
  let eligible: Array<WorkerHandle> | undefined
  for (const w of pool.workers) {
    if (w.ready && !w.retiring && w.inflightCount <= w.depth >> 1) (eligible ??= []).push(w)
  }
  if (eligible === undefined) return
  while (pool.queue.size > 0) {
    let best: WorkerHandle | undefined
    for (let i = 0; i < eligible.length; i++) {
      const w = eligible[i]
      if (w.retiring || w.inflightCount >= w.depth) continue
      if (best === undefined || w.inflightCount < best.inflightCount) best = w
    }
    if (best === undefined) return
    const job = pool.queue.shift()
    if (job === undefined) return
    assign(pool, best, job)
  }
}

export const assign = (pool: PoolState, w: WorkerHandle, job: Job) => {
  job.state = "sent"
  job.worker = w
  job.sentAt = performance.now()
  if (job.future !== undefined) Backend.setRunningUnsafe(job.future)
  w.inflight.push(job)
  // Nothing ahead of it in its worker: it starts now.
  if (++w.inflightCount === 1) armTimeout(pool, job)
  if (w.idleTimer !== undefined) {
    w.idleTimer.clear()
    w.idleTimer = undefined
  }
  if (pool.config.maxTasksPerChild !== undefined && ++w.dispatched >= pool.config.maxTasksPerChild) w.retiring = true
  w.outbox.push(job.op, job.id, job.name, job.payload)
  if (job.transfer !== undefined) {
    ;(w.outboxTransfer ??= []).push(...job.transfer)
  }
  markDirty(pool, w)
}

/**
 * Work stealing: `w` has nothing to do and nothing is queued, while
 * another worker has jobs waiting behind the one it runs (pipelining sent
 * them ahead). Ask that worker to give back the later half of them; those
 * it has not started come back (`R_UNQUEUED`) and are dispatched again.
 */
export const steal = (pool: PoolState, w: WorkerHandle) => {
  let victim: WorkerHandle | undefined
  for (const other of pool.workers) {
    if (other !== w && other.ready && !other.killing && other.inflightCount >= 2) {
      if (victim === undefined || other.inflightCount > victim.inflightCount) victim = other
    }
  }
  if (victim === undefined) return
  let wanted = victim.inflightCount >> 1
  const inflight = victim.inflight
  for (let i = inflight.length - 1; i > victim.inflightHead && wanted > 0; i--) {
    const job = inflight[i]
    if (job.state !== "sent" || job.worker !== victim || job.stealing || job.cancelSent) continue
    job.stealing = true
    victim.outbox.push(P.UNQUEUE, job.id)
    wanted--
  }
  markDirty(pool, victim)
}

export const requeueStolen = (pool: PoolState, w: WorkerHandle, job: Job) => {
  if (job.state !== "sent") return
  job.stealing = false
  if (job.stopExit !== undefined) return finish(pool, job, job.stopExit)
  w.inflightCount--
  job.state = "queued"
  job.worker = undefined
  disarmTimeout(job)
  pool.queue.pushFront(job)
  schedule(pool)
}
