/**
 * The pool's record of one worker: its runtime handle, its jobs in flight
 * (in the order sent), its pipelining depth, its outbox, its timers, and
 * where it is in its life (starting, ready, retiring, closing, killed,
 * exited).
 *
 * @internal
 */
import type { Job } from "./job.ts"
import type * as P from "./protocol.ts"
import type { RuntimeWorker } from "./runtime.ts"
import type * as Served from "./served.ts"
import type { LongTimeout } from "./timers.ts"

export class WorkerHandle {
  ready = false
  /** Jobs sent and not finished, in the order they were sent (the worker runs them in that order). */
  inflight: Array<Job> = []
  inflightHead = 0
  inflightCount = 0
  dispatched = 0
  depth = 1
  ewmaMillis = -1
  lastDoneAt = 0
  /** No more jobs: it is being recycled, closed or killed. */
  retiring = false
  closing = false
  killing = false
  exited = false
  startupError: P.SerializedDefect | undefined = undefined
  /**
   * The worker as a caller of the objects this process serves (a
   * `ProcessQueue` or `Pipe` end in a task's input); made at its first call.
   */
  caller: Served.Caller | undefined = undefined
  outbox: Array<unknown> = []
  outboxTransfer: Array<unknown> | undefined = undefined
  dirty = false
  idleTimer: LongTimeout | undefined = undefined
  /** Kills the worker if it is not ready within `startupTimeout`. */
  startupTimer: LongTimeout | undefined = undefined
  /** It was killed for not starting within `startupTimeout`: a start-up failure, not a deliberate kill. */
  startupTimedOut = false
  closeTimer: ReturnType<typeof setTimeout> | undefined = undefined
  /** The worker's process id, once it is ready (the runtime's may be known before). */
  pid = 0
  readonly id: number
  readonly rt: RuntimeWorker
  constructor(rt: RuntimeWorker) {
    this.id = rt.id
    this.rt = rt
  }
  get threadId() {
    return this.rt.threadId
  }
  kill() {
    if (this.exited) return
    this.killing = true
    this.retiring = true
    this.rt.kill()
  }
}
