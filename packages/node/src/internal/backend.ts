/**
 * The pool as core's `PoolBackend`: what `NodePool` implements itself —
 * start a job, cancel it, the lifecycle and the statistics — while
 * `@corun/core` derives the whole `Pool` API from it (`apply`, `map`,
 * `imap`, the `*Async` forms, progress, callbacks, the executor; see
 * `Backend.PoolBackend.makePool`).
 *
 * @internal
 */
import { Errors, type Pool } from "@corun/core"
import type { PoolBackend } from "@corun/core/Backend"
import * as Effect from "effect/Effect"
import type { PoolConfig } from "./config.ts"
import { interrupted, Job } from "./job.ts"
import { start } from "./jobs.ts"
import { PoolState } from "./poolState.ts"
import { cancel } from "./timeouts.ts"
import { awaitExited, awaitStarted, closeAllIdle, terminateNow } from "./workerSet.ts"

export class NodeBackend extends PoolState implements PoolBackend.PoolBackend<Job> {
  readonly size: number
  /**
   * `imap`'s window: a few rounds of what the workers can hold
   * (`size × maxDepth`), so the workers stay busy while the consumer handles
   * a batch.
   */
  readonly window: number
  readonly taskTimeoutMs: number | undefined
  readonly progressBufferSize: number
  readonly close: Effect.Effect<void>
  readonly terminate: Effect.Effect<void>
  readonly join: Effect.Effect<void, Errors.PoolStillRunning>
  readonly awaitReady: Effect.Effect<void, Errors.WorkerCrashed>
  readonly stats: Effect.Effect<Pool.Stats>

  constructor(config: PoolConfig) {
    super(config)
    this.size = config.size
    this.window = Math.max(2, config.size * config.maxDepth * 2)
    this.taskTimeoutMs = config.taskTimeoutMs
    this.progressBufferSize = config.progressBufferSize
    this.close = Effect.sync(() => {
      this.closed = true
      if (this.pending.size === 0) closeAllIdle(this)
    }).pipe(Effect.withSpan("NodePool.close"))
    this.terminate = Effect.suspend(() => {
      terminateNow(this)
      return awaitExited(this)
    }).pipe(Effect.withSpan("NodePool.terminate"))
    this.join = Effect.suspend(() =>
      this.closed
        ? awaitExited(this)
        : Effect.fail(
          new Errors.PoolStillRunning({
            message: "join() waits for the workers to exit: call close() or terminate() first"
          })
        )
    ).pipe(Effect.withSpan("NodePool.join"))
    this.awaitReady = awaitStarted(this)
    this.stats = Effect.sync(() => {
      let running = 0
      for (const w of this.workers) running += w.inflightCount
      return {
        size: this.config.size,
        workers: this.workers.size,
        queued: this.queue.size,
        running,
        completed: this.completed,
        spawned: this.spawned
      }
    })
  }

  readonly isClosed = (): boolean => this.closed

  readonly start = (client: PoolBackend.Job): Job => {
    const job = new Job(this.nextJobId++, client)
    start(this, job)
    return job
  }

  readonly cancel = (job: Job): void => cancel(this, job, interrupted)

  /** The pids (process runtime) or thread ids (thread runtime) of the live workers. */
  workerIds(): Array<{ readonly id: number; readonly pid: number; readonly threadId: number }> {
    return Array.from(this.workers, (w) => ({ id: w.id, pid: w.pid, threadId: w.threadId }))
  }
}
