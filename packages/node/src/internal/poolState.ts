/**
 * The pool's state: its checked options, its workers, its queue and its
 * pending jobs, counters and waiters. Every part of the pool
 * (`workerSet.ts`, `dispatch.ts`, `outbox.ts`, `replies.ts`, `jobs.ts`,
 * `timeouts.ts`, `crash.ts`) is a set of plain functions over it: no fiber,
 * scope or span per task.
 *
 * @internal
 */
import type { Errors } from "@corun/core"
import type { PoolConfig } from "./config.ts"
import type { Job } from "./job.ts"
import { JobQueue } from "./jobQueue.ts"
import type * as Metrics from "./metrics.ts"
import { flush } from "./outbox.ts"
import type * as P from "./protocol.ts"
import type { Runtime } from "./runtime.ts"
import { processRuntime } from "./runtime/process.ts"
import { threadRuntime } from "./runtime/thread.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/**
 * What happened to one of a pool's workers (`NodePool.events`): it started
 * (loaded the tasks module, ran its initializer), died unexpectedly (and
 * how), or exited as the pool decided — recycled after `maxTasksPerChild`,
 * closed when idle, killed because a cancelled or timed-out task did not
 * stop within `cancelGracePeriod` (a new worker takes its place), or with
 * the pool.
 */
export type WorkerEvent =
  | { readonly _tag: "Started"; readonly worker: number; readonly pid: number; readonly threadId: number }
  | { readonly _tag: "Crashed"; readonly worker: number; readonly reason: string; readonly detail: string }
  | {
    readonly _tag: "Exited"
    readonly worker: number
    readonly why: "recycled" | "idle" | "killed" | "closed"
  }

/** Tells every listener. */
export const emit = (pool: PoolState, event: WorkerEvent): void => {
  for (const listener of pool.eventListeners) listener.event(event)
}

export class PoolState {
  readonly config: PoolConfig
  /** Where the pool's Effect metrics go (`metrics.ts`): set by `NodePool.make`. */
  metrics: Metrics.Recorder | undefined = undefined
  /**
   * The least severe log level the workers forward (`Effect.logDebug` in a
   * task reaches the caller only if this lets it through): the minimum log
   * level of the fiber that made the pool, set by `NodePool.make`.
   */
  minimumLogLevel: P.LogLevelName = "Info"
  /** Who listens to the workers' events (`NodePool.events`); `end` once the pool is gone. */
  readonly eventListeners = new Set<{ readonly event: (event: WorkerEvent) => void; readonly end: () => void }>()
  /** How workers are started and spoken to. */
  readonly runtime: Runtime
  readonly workers = new Set<WorkerHandle>()
  /** Jobs accepted and not ended, by id (replies name their job by id). */
  readonly pending = new Map<number, Job>()
  /** Jobs waiting for a worker. */
  readonly queue = new JobQueue()
  nextJobId = 1
  nextWorkerId = 1
  spawned = 0
  completed = 0
  closed = false
  terminated = false
  startupBlocked = false
  /**
   * Workers in a row that died while starting with nothing said why (a
   * signal, an exit without a start-up error): killed from outside (the OOM
   * killer…), so they are replaced; only `maxUnexplainedStartupDeaths` of
   * them in a row block the pool.
   */
  unexplainedStartupDeaths = 0
  /** Why no worker could start, while `startupBlocked`: what `awaitReady` fails with. */
  startupFailure: Errors.WorkerCrashed | undefined = undefined
  /** `make` has started the first workers. */
  started = false
  flushScheduled = false
  replenishScheduled = false
  readonly dirtyWorkers: Array<WorkerHandle> = []
  exitWaiters: Array<() => void> = []
  readyWaiters: Array<() => void> = []
  /** Posts every dirty worker's outbox (queued as a microtask by `markDirty`). */
  readonly flushOutboxes = () => flush(this)

  constructor(config: PoolConfig) {
    this.config = config
    this.runtime = config.runtime === "thread" ? threadRuntime : processRuntime
  }
}
