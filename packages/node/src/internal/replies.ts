/**
 * Replies: a worker's records (see `protocol.ts`) become the exits of their
 * jobs, decoded with the tasks' schemas.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import * as Exit from "effect/Exit"
import { requeueStolen } from "./dispatch.ts"
import { interruptExit } from "./job.ts"
import { formatSchemaError } from "./job.ts"
import { finish } from "./jobs.ts"
import type { PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { describeUncaught } from "./runtime.ts"
import { WorkerHandle } from "./workerHandle.ts"

export const onMessage = (pool: PoolState, w: WorkerHandle, message: Array<unknown>) => {
  const op = message[0] as number
  if (op === P.R_STARTUP_FAILED) {
    w.startupError = message[1] as P.SerializedDefect
    return
  }
  if (op === P.R_CRASH) {
    const defect = message[1] as P.SerializedDefect
    w.rt.crash = { reason: "exception", detail: describeUncaught(P.reviveDefect(defect)) }
    return
  }
  const job = pool.pending.get(message[1] as number)
  if (job === undefined || job.worker !== w) return
  const codecs = job.codecs
  switch (op) {
    case P.R_UNQUEUED:
      return requeueStolen(pool, w, job)
    case P.R_SUCCESS: {
      const decoded = codecs.decodeOutput(message[2])
      return finish(
        pool,
        job,
        Exit.isSuccess(decoded) ? decoded : Exit.die(
          new Error(
            `the result of task "${job.name}" does not match its output schema: ${formatSchemaError(decoded)}`
          )
        )
      )
    }
    case P.R_FAIL: {
      const decoded = codecs.decodeError(message[2])
      return finish(
        pool,
        job,
        Exit.isSuccess(decoded) ? Exit.fail(decoded.value) : Exit.die(
          new Error(
            `the error of task "${job.name}" does not match its error schema: ${formatSchemaError(decoded)}`
          )
        )
      )
    }
    case P.R_DIE:
      return finish(pool, job, Exit.die(P.reviveDefect(message[2] as P.SerializedDefect)))
    case P.R_INTERRUPTED:
      return finish(pool, job, job.stopExit ?? interruptExit)
    case P.R_PROGRESS: {
      if (job.state === "done") return
      const decoded = codecs.decodeProgress(message[2])
      if (Exit.isFailure(decoded)) return
      job.onProgress?.(decoded.value)
      const progress = job.progress
      if (progress !== undefined) {
        if (progress.subscribers.size === 0) {
          const buffer = progress.buffer
          buffer.push(decoded.value)
          // Amortized: the oldest values go once the buffer holds twice the bound.
          if (buffer.length >= 2 * pool.config.progressBufferSize) {
            progress.buffer = buffer.slice(-pool.config.progressBufferSize)
          }
        } else for (const subscriber of progress.subscribers) subscriber.value(decoded.value)
      }
      return
    }
    case P.R_CHUNK: {
      const raw = message[2] as Array<unknown>
      const values: Array<unknown> = new Array(raw.length)
      for (let i = 0; i < raw.length; i++) {
        const decoded = codecs.decodeOutput(raw[i])
        if (Exit.isFailure(decoded)) {
          return finish(
            pool,
            job,
            Exit.die(
              new Error(
                `a result of task "${job.name}" does not match its output schema: ${formatSchemaError(decoded)}`
              )
            )
          )
        }
        values[i] = decoded.value
      }
      const tag = message[3] as number
      if (tag === -1) return finish(pool, job, Exit.succeed(values))
      job.partial = values
      if (tag === P.R_FAIL) {
        const decoded = codecs.decodeError(message[4])
        return finish(pool, job, Exit.isSuccess(decoded) ? Exit.fail(decoded.value) : Exit.die(message[4]))
      }
      if (tag === P.R_DIE) return finish(pool, job, Exit.die(P.reviveDefect(message[4] as P.SerializedDefect)))
      return finish(pool, job, job.stopExit ?? interruptExit)
    }
    case P.R_UNKNOWN:
      return finish(
        pool,
        job,
        Exit.fail(
          new Errors.UnknownTask({
            task: job.name,
            message:
              `the pool's workers do not know task "${job.name}": export it from the tasks module ${pool.config.tasksUrl.href}`
          })
        )
      )
  }
}
