/**
 * Dispatch, the balancing policy: which worker gets the next queued job
 * (the eligible one with the fewest jobs in flight), how many jobs a worker
 * holds ahead (pipelining depth, adapted to how long tasks take), work
 * stealing by idle workers, and recycling (`maxTasksPerChild`).
 *
 * @internal
 */
import type { Job } from "./job.ts"
import { finish } from "./jobs.ts"
import * as Metrics from "./metrics.ts"
import { markDirty } from "./outbox.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { armTimeout, disarmTimeout } from "./timeouts.ts"
import type { WorkerHandle } from "./workerHandle.ts"
import { onIdle } from "./workerSet.ts"

// -----------------------------------------------------------------------------
// The policy: pure functions of a worker's numbers
// -----------------------------------------------------------------------------

/**
 * Whether a worker takes jobs now: once it is down to half its pipelining
 * depth (then it is filled up to it: fewer, larger messages).
 */
export const wantsJobs = (w: Pick<WorkerHandle, "ready" | "retiring" | "inflightCount" | "depth">): boolean =>
  w.ready && !w.retiring && w.inflightCount <= w.depth >> 1

/** Among the workers that wanted jobs, the one the next job goes to: the fewest in flight, below its depth. */
export const pickWorker = <W extends Pick<WorkerHandle, "retiring" | "inflightCount" | "depth">>(
  eligible: ReadonlyArray<W>
): W | undefined => {
  let best: W | undefined
  for (let i = 0; i < eligible.length; i++) {
    const w = eligible[i]
    if (w.retiring || w.inflightCount >= w.depth) continue
    if (best === undefined || w.inflightCount < best.inflightCount) best = w
  }
  return best
}

/**
 * A worker's pipelining depth for tasks that take `ewmaMillis` on average:
 * one at a time for slow tasks (a job sent ahead would only wait, and could
 * not go to a worker that frees up), a few for middling ones, `maxDepth`
 * for tiny ones (the round trip would dominate).
 */
export const depthFor = (ewmaMillis: number, maxDepth: number): number =>
  ewmaMillis > 2 ? 1 : ewmaMillis > 0.25 ? Math.min(4, maxDepth) : maxDepth

/** The average run time, updated with one more job that `took` milliseconds (the first sets it). */
export const updateEwma = (ewmaMillis: number, took: number): number =>
  ewmaMillis < 0 ? took : ewmaMillis * 0.8 + took * 0.2

// -----------------------------------------------------------------------------
// Dispatch over the pool's state
// -----------------------------------------------------------------------------

/** Sends queued jobs to the workers that want them (see `wantsJobs`, `pickWorker`). */
export const schedule = (pool: PoolState) => {
  if (pool.queue.size === 0) return
  let eligible: Array<WorkerHandle> | undefined
  for (const w of pool.workers) if (wantsJobs(w)) (eligible ??= []).push(w)
  if (eligible === undefined) return
  while (pool.queue.size > 0) {
    const best = pickWorker(eligible)
    if (best === undefined) return
    const job = pool.queue.shift()
    if (job === undefined) return
    assign(pool, best, job)
  }
}

/** Sends one job to a worker (through its outbox): the job is running as far as its caller knows. */
export const assign = (pool: PoolState, w: WorkerHandle, job: Job) => {
  job.state = "sent"
  job.worker = w
  job.sentAt = performance.now()
  if (job.queuedAt > 0 && !job.waitRecorded) {
    Metrics.record(pool.metrics, Metrics.queueWait, job.sentAt - job.queuedAt)
    job.waitRecorded = true
  }
  const client = job.client
  client.running()
  w.inflight.push(job)
  // Nothing ahead of it in its worker: it starts now.
  if (++w.inflightCount === 1) armTimeout(pool, job)
  if (w.idleTimer !== undefined) {
    w.idleTimer.clear()
    w.idleTimer = undefined
  }
  if (pool.config.maxTasksPerChild !== undefined && ++w.dispatched >= pool.config.maxTasksPerChild) w.retiring = true
  const parentSpan = client.parentSpan
  if (parentSpan !== undefined && pool.config.traces) {
    P.pushTrace(w.outbox, job.id, parentSpan.traceId, parentSpan.spanId)
  }
  P.pushRun(w.outbox, client.chunk, job.id, client.task, client.payload)
  if (client.transfer !== undefined) {
    ;(w.outboxTransfer ??= []).push(...client.transfer)
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
    P.pushUnqueue(victim.outbox, job.id)
    wanted--
  }
  markDirty(pool, victim)
}

/**
 * A job ended in its worker's line: the line advances (the first job left in
 * it has started: its timeout starts), and the worker's depth follows how
 * long its jobs take.
 */
export const jobLeftWorker = (pool: PoolState, w: WorkerHandle, job: Job) => {
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
    // The worker runs its jobs in the order they were sent.
    armTimeout(pool, inflight[w.inflightHead])
    if (w.inflightHead > 256 && w.inflightHead * 2 > inflight.length) {
      w.inflight = inflight.slice(w.inflightHead)
      w.inflightHead = 0
    }
  }
  const now = performance.now()
  const took = now - (job.sentAt > w.lastDoneAt ? job.sentAt : w.lastDoneAt)
  w.lastDoneAt = now
  w.ewmaMillis = updateEwma(w.ewmaMillis, took)
  w.depth = depthFor(w.ewmaMillis, pool.config.maxDepth)
  if (w.inflightCount === 0) onIdle(pool, w)
}

/** The worker gave back a job it had not started (`R_UNQUEUED`): it goes to the front of the queue. */
export const requeueStolen = (pool: PoolState, w: WorkerHandle, job: Job) => {
  if (job.state !== "sent") return
  job.stealing = false
  if (job.stop !== undefined) return finish(pool, job, job.stop.kind, job.stop.value)
  w.inflightCount--
  // Out of the worker's line now (stealing is rare, and lines are short):
  // were the job sent back to this worker, a stale entry ahead of it would
  // be taken for the job the worker is running, and start its timeout early.
  const index = w.inflight.indexOf(job, w.inflightHead)
  if (index >= 0) w.inflight.splice(index, 1)
  job.state = "queued"
  job.worker = undefined
  disarmTimeout(job)
  pool.queue.pushFront(job)
  schedule(pool)
}
