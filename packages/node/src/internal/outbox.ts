/**
 * The per-worker outbox: records for a worker are batched and posted once
 * per tick (one message per worker); a batch that cannot be cloned is
 * resent record by record so that only the bad record's job fails.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import { finish } from "./jobs.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { describeError } from "./runtime.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/** The worker's outbox has records: flush it at the end of this tick. */
export const markDirty = (pool: PoolState, w: WorkerHandle) => {
  if (!w.dirty) {
    w.dirty = true
    pool.dirtyWorkers.push(w)
  }
  if (!pool.flushScheduled) {
    pool.flushScheduled = true
    queueMicrotask(pool.flushOutboxes)
  }
}

/** Posts each dirty worker's outbox as one message. */
export const flush = (pool: PoolState): void => {
  pool.flushScheduled = false
  const dirty = pool.dirtyWorkers.splice(0)
  for (const w of dirty) {
    w.dirty = false
    const outbox = w.outbox
    const transfer = w.outboxTransfer
    w.outbox = []
    w.outboxTransfer = undefined
    if (w.exited || outbox.length === 0) continue
    const error = w.rt.send(outbox, transfer)
    if (error !== undefined) onSendError(pool, w, outbox)
  }
}

/** A batch could not be cloned: resend its records one by one, failing only the bad ones. */
export const onSendError = (pool: PoolState, w: WorkerHandle, outbox: P.Batch) => {
  // A job's `TRACE` travels with its `RUN` / `CHUNK`: if the job cannot be
  // sent, neither is its trace (the worker would keep it).
  let traceStart = -1
  P.forEachCommand(outbox, (op, id, _task, _payload, start, end) => {
    if (op === P.TRACE) {
      traceStart = start
      return
    }
    const from = traceStart >= 0 && (op === P.RUN || op === P.CHUNK) && outbox[traceStart + 1] === id
      ? traceStart
      : start
    traceStart = -1
    const job = op === P.RUN || op === P.CHUNK ? pool.pending.get(id) : undefined
    const failed = w.rt.send(outbox.slice(from, end), job?.client.transfer)
    if (failed !== undefined && job !== undefined) {
      finish(
        pool,
        job,
        PoolBackend.Error,
        new Errors.InputEncodingError({
          task: job.name,
          message: `the input of task "${job.name}" cannot be sent to a worker: ${describeError(failed)}`
        })
      )
    }
  })
}
