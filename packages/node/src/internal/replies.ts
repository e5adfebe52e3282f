/**
 * Replies: a worker's records (see `protocol.ts`) become the ends of their
 * jobs, their values passed on still encoded (core decodes them with the
 * task's schemas), or the worker's own state (a start-up error, an uncaught
 * exception).
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import * as Exit from "effect/Exit"
import { requeueStolen } from "./dispatch.ts"
import { interrupted } from "./job.ts"
import { finish } from "./jobs.ts"
import { markDirty } from "./outbox.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { describeUncaught } from "./runtime.ts"
import * as Served from "./served.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/**
 * A task's defect as it reaches its caller: the worker's error (its name,
 * message and the worker-side stack), naming the task and the worker —
 * as properties (`task`, `worker`) and as a frame of its stack.
 */
const defectOf = (defect: P.SerializedDefect, task: string, worker: number): Error => {
  const error = Object.assign(P.reviveDefect(defect), { task, worker })
  if (error.stack !== undefined) {
    error.stack = error.stack.replace(/^(.*)$/m, `$1\n    at corun task "${task}" (pool worker ${worker})`)
  }
  return error
}

/** A span's exit as it crossed (`R_SPAN_END`): the error, revived, for the caller's tracer to record. */
const spanExit = (exit: P.SpanExit): Exit.Exit<unknown, unknown> => {
  if (exit === P.SPAN_OK) return Exit.void
  if (exit[0] === P.R_INTERRUPTED) return Exit.interrupt()
  const error = P.reviveDefect(exit[1] ?? { name: "Error", message: "unknown", stack: undefined })
  return exit[0] === P.R_FAIL ? Exit.fail(error) : Exit.die(error)
}

/** Handles one record from worker `w`. */
export const onMessage = (pool: PoolState, w: WorkerHandle, message: P.Reply) => {
  if (message[0] === P.R_STARTUP_FAILED) {
    w.startupError = message[1]
    return
  }
  if (message[0] === P.R_CRASH) {
    w.rt.crash = { reason: "exception", detail: describeUncaught(P.reviveDefect(message[1])) }
    return
  }
  if (message[0] === P.R_BATCH) {
    for (const record of message[1]) onMessage(pool, w, record)
    return
  }
  // A task's call to an object this process serves (a queue or pipe in its input).
  if (Served.isCallRecord(message)) {
    w.caller ??= Served.makeCaller((callId, ok, value) => {
      P.pushReply(w.outbox, callId, ok, value)
      markDirty(pool, w)
    })
    return Served.onRecord(w.caller, message)
  }
  const job = pool.pending.get(message[1])
  // A reply for a job that ended (cancelled meanwhile) or was taken back from this worker.
  if (job === undefined || job.worker !== w) return
  switch (message[0]) {
    case P.R_UNQUEUED:
      return requeueStolen(pool, w, job)
    case P.R_SUCCESS:
      return finish(pool, job, PoolBackend.Success, message[2])
    case P.R_FAIL:
      return finish(pool, job, PoolBackend.Failure, message[2])
    case P.R_DIE:
      return finish(pool, job, PoolBackend.Die, defectOf(message[2], job.name, w.id))
    case P.R_INTERRUPTED: {
      const stop = job.stop ?? interrupted
      return finish(pool, job, stop.kind, stop.value)
    }
    case P.R_PROGRESS:
      if (job.state !== "done") job.client.progress(message[2])
      return
    case P.R_LOG:
      if (job.state !== "done") {
        job.client.log(message[2], message[3], { ...message[4], "corun.worker": w.id }, message[5])
      }
      return
    case P.R_SPAN_START:
      if (job.state !== "done") job.client.spanStart(message[2], message[3], message[4], message[5], message[6])
      return
    case P.R_SPAN_END:
      return job.client.spanEnd(message[2], message[3], spanExit(message[4]), message[5], message[6])
    case P.R_CHUNK: {
      const values = message[2]
      if (message[3] === P.CHUNK_DONE) return finish(pool, job, PoolBackend.Success, values)
      if (message[3] === P.R_FAIL) return finish(pool, job, PoolBackend.Failure, message[4], values)
      if (message[3] === P.R_DIE) {
        return finish(pool, job, PoolBackend.Die, defectOf(message[4], job.name, w.id), values)
      }
      const stop = job.stop ?? interrupted
      return finish(pool, job, stop.kind, stop.value, values)
    }
    case P.R_UNKNOWN:
      return finish(
        pool,
        job,
        PoolBackend.Error,
        new Errors.UnknownTask({
          task: job.name,
          message:
            `the pool's workers do not know task "${job.name}": export it from the tasks module ${pool.config.tasksUrl.href}`
        })
      )
  }
}
