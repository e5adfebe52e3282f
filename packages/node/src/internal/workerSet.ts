/**
 * The worker set's lifecycle: start workers (`spawn`, `replenish`), learn
 * that they are ready, retire idle or used-up ones, close and terminate
 * them, and handle a worker's exit — its jobs requeued or failed (see
 * `crash.ts` for how a death is classified), the start-up blocked when the
 * same failure would only repeat.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import * as Effect from "effect/Effect"
import * as Bundle from "./bundle.ts"
import { classify, crashedError, type Death, isExplained, replaceAfterStartupDeath, startupFailureOf } from "./crash.ts"
import { schedule, steal } from "./dispatch.ts"
import { tsxApi } from "./environment.ts"
import { failedWith, interrupted, type Job, type Outcome } from "./job.ts"
import { finish } from "./jobs.ts"
import * as Metrics from "./metrics.ts"
import { emit, type PoolState } from "./poolState.ts"
import * as P from "./protocol.ts"
import { onMessage } from "./replies.ts"
import { describeError } from "./runtime.ts"
import * as Served from "./served.ts"
import { disarmTimeout } from "./timeouts.ts"
import { LongTimeout } from "./timers.ts"
import { WorkerHandle } from "./workerHandle.ts"

/** Starts one worker on the pool's runtime, with its start-up timeout armed. */
export const spawn = (pool: PoolState): WorkerHandle => {
  const id = pool.nextWorkerId++
  const init: P.WorkerInit = {
    tasks: pool.config.tasksUrl.href,
    workerId: id,
    initializer: pool.config.initializer,
    tsxApi: tsxApi(),
    bundle: pool.config.bundle ? Bundle.forWorker(pool.config.tasksUrl.href) : undefined,
    forwardLogs: pool.config.forwardLogs,
    minimumLogLevel: pool.minimumLogLevel
  }
  let handle!: WorkerHandle
  const rt = pool.runtime.spawn({
    id,
    init,
    resourceLimits: pool.config.resourceLimits,
    execArgv: pool.config.execArgv ?? [],
    env: pool.config.env
  }, {
    onReady: () => onReady(pool, handle),
    onMessage: (message) => onMessage(pool, handle, message as P.Reply),
    onExit: (code, signal) => onExit(pool, handle, code, signal)
  })
  handle = new WorkerHandle(rt)
  if (pool.runtime.name === "process") handle.pid = rt.pid
  if (pool.config.startupTimeoutMs !== undefined) {
    const startupTimeoutMs = pool.config.startupTimeoutMs
    handle.startupTimer = new LongTimeout(
      () => {
        handle.startupTimer = undefined
        if (handle.ready || handle.exited || handle.killing || handle.closing) return
        handle.startupTimedOut = true
        handle.rt.crash = {
          reason: "startup",
          detail: `did not become ready within ${startupTimeoutMs} ms (startupTimeout): ` +
            `does the tasks module (or the initializer) wait for something that never comes?`
        }
        handle.kill()
      },
      startupTimeoutMs,
      { unref: true }
    )
  }
  pool.workers.add(handle)
  pool.spawned++
  Metrics.record(pool.metrics, Metrics.spawned, 1)
  return handle
}

/** Whether no worker is still starting (each live one is ready, or none is left to start). */
export const allStarted = (pool: PoolState): boolean => {
  for (const w of pool.workers) if (!w.ready && !w.exited) return false
  return true
}

/** Wakes the `awaitReady` callers once no worker is still starting. */
export const notifyStarted = (pool: PoolState) => {
  if (pool.readyWaiters.length === 0 || !allStarted(pool)) return
  const waiters = pool.readyWaiters
  pool.readyWaiters = []
  for (const waiter of waiters) waiter()
}

/**
 * Waits until no worker is still starting; fails with the start-up error
 * when none of them started (the pool is blocked on a broken tasks module
 * or initializer), rather than leaving it to the first task.
 */
export const awaitStarted = (pool: PoolState): Effect.Effect<void, Errors.WorkerCrashed> => {
  const settled = (): Effect.Effect<void, Errors.WorkerCrashed> =>
    pool.startupFailure !== undefined && pool.startupBlocked ? Effect.fail(pool.startupFailure) : Effect.void
  return Effect.callback<void, Errors.WorkerCrashed>((resume) => {
    if (allStarted(pool)) return resume(settled())
    const waiter = () => resume(settled())
    pool.readyWaiters.push(waiter)
    return Effect.sync(() => {
      const index = pool.readyWaiters.indexOf(waiter)
      if (index >= 0) pool.readyWaiters.splice(index, 1)
    })
  })
}

/** A worker loaded its tasks module and ran its initializer: it takes jobs (or closes, if retired meanwhile). */
export const onReady = (pool: PoolState, w: WorkerHandle) => {
  if (w.startupTimer !== undefined) {
    w.startupTimer.clear()
    w.startupTimer = undefined
  }
  if (w.exited || w.startupTimedOut) return
  w.ready = true
  w.pid = w.rt.pid
  pool.startupBlocked = false
  pool.startupFailure = undefined
  pool.unexplainedStartupDeaths = 0
  if (pool.eventListeners.size > 0) emit(pool, { _tag: "Started", worker: w.id, pid: w.pid, threadId: w.threadId })
  if (w.retiring) closeWorker(w)
  else {
    schedule(pool)
    if (w.inflightCount === 0) onIdle(pool, w)
  }
  notifyStarted(pool)
}

/** Starts workers until there are as many as needed. */
export const replenish = (pool: PoolState, force = false) => {
  if (pool.terminated) return
  if (pool.startupBlocked && !force) return
  const wanted = pool.closed || pool.config.idleTimeoutMs !== undefined
    ? (pool.queue.size > 0 ? pool.config.size : 0)
    : pool.config.size
  let live = 0
  for (const w of pool.workers) if (!w.retiring) live++
  for (; live < wanted; live++) {
    try {
      spawn(pool)
    } catch (error) {
      if (!pool.started) throw error // from `make`: the pool is not created (bad options)
      return spawnFailed(pool, live, error)
    }
  }
}

/**
 * Node refused to start a worker after the pool had started (out of
 * threads or memory…). Called from event handlers, so it must not throw:
 * with no live worker left, the queued tasks fail with `WorkerCrashed`
 * (reason `"startup"`) — in a microtask, after their callers are attached —
 * and the next submission tries again.
 */
export const spawnFailed = (pool: PoolState, live: number, error: unknown) => {
  if (live > 0) return
  pool.startupBlocked = true
  pool.startupFailure = new Errors.WorkerCrashed({
    task: "",
    worker: 0,
    reason: "startup",
    exitCode: undefined,
    signal: undefined,
    message: `no worker of the pool could start: ${describeError(error)}`
  })
  queueMicrotask(() =>
    failQueued(pool, (task) =>
      new Errors.WorkerCrashed({
        task,
        worker: 0,
        reason: "startup",
        exitCode: undefined,
        signal: undefined,
        message: `task "${task}" failed: no worker could be started: ${describeError(error)}`
      }))
  )
}

/**
 * A worker is gone: the job it was running fails with `WorkerCrashed` (unless
 * the pool stopped it), the jobs sent ahead are requeued, a replacement
 * starts — unless start-up itself keeps failing (`crash.ts`), then the queue
 * fails.
 */
export const onExit = (
  pool: PoolState,
  w: WorkerHandle,
  code: number | null,
  signal: NodeJS.Signals | null | undefined
) => {
  if (w.exited) return
  w.exited = true
  pool.workers.delete(w)
  if (w.caller !== undefined) Served.callerGone(w.caller)
  if (w.idleTimer !== undefined) w.idleTimer.clear()
  if (w.startupTimer !== undefined) w.startupTimer.clear()
  if (w.closeTimer !== undefined) clearTimeout(w.closeTimer)
  const jobs: Array<Job> = []
  for (let i = w.inflightHead; i < w.inflight.length; i++) {
    const job = w.inflight[i]
    if (job.state !== "done" && job.worker === w && !jobs.includes(job)) jobs.push(job)
  }
  w.inflight = []
  w.inflightCount = 0
  // Killed for not starting in time: a start-up failure, not a deliberate kill.
  const deliberate = (w.killing || w.closing) && !w.startupTimedOut
  let crashed: Job | undefined
  const death: Death = {
    ready: w.ready,
    seen: w.rt.crash,
    startupError: w.startupError,
    outOfMemory: w.rt.outOfMemory,
    startupTimedOut: w.startupTimedOut,
    code,
    signal,
    heapLimitMb: pool.config.resourceLimits?.maxOldGenerationSizeMb
  }
  if (!deliberate && !pool.terminated) {
    w.rt.crash = classify(death)
    Metrics.record(pool.metrics, Metrics.crashed, 1)
    if (pool.eventListeners.size > 0) {
      emit(pool, { _tag: "Crashed", worker: w.id, reason: w.rt.crash.reason, detail: w.rt.crash.detail ?? "" })
    }
    if (w.ready) {
      // Only the job at the head had started: the worker runs its jobs in order.
      crashed = jobs.find((job) => job.stop === undefined)
    }
  } else if (pool.eventListeners.size > 0) {
    const recycled = pool.config.maxTasksPerChild !== undefined && w.dispatched >= pool.config.maxTasksPerChild
    emit(pool, {
      _tag: "Exited",
      worker: w.id,
      why: pool.closed || pool.terminated
        ? "closed"
        : recycled
        ? "recycled"
        // Killed without being asked to close: its task did not stop in time.
        : w.killing && !w.closing
        ? "killed"
        : "idle"
    })
  }
  // Bookkeeping first, completions last: completing a job can resume its
  // caller synchronously, which must find the pool consistent.
  const requeue: Array<Job> = []
  const completions: Array<[Job, Outcome]> = []
  for (const job of jobs) {
    if (job.stop !== undefined) completions.push([job, job.stop])
    else if (pool.terminated) completions.push([job, interrupted])
    else if (job === crashed) completions.push([job, failedWith(crashedError(pool, w, job.name))])
    else requeue.push(job)
  }
  if (requeue.length > 0) {
    for (const job of requeue) {
      job.state = "queued"
      job.worker = undefined
      job.cancelSent = false
      job.stealing = false
      disarmTimeout(job)
    }
    pool.queue.pushAllFront(requeue)
  }
  let failStartup = false
  if (!w.ready && !deliberate && !pool.terminated) {
    // It never started: do not loop on a broken tasks module or initializer.
    // One killed from outside while it started (a signal, an exit with no
    // start-up error) is replaced, unless that keeps happening.
    const explained = isExplained(death)
    if (!explained) pool.unexplainedStartupDeaths++
    const retry = replaceAfterStartupDeath(explained, pool.unexplainedStartupDeaths)
    let others = false
    for (const other of pool.workers) if (other.ready && !other.retiring) others = true
    if (!others && !retry) {
      pool.startupBlocked = true
      pool.startupFailure = startupFailureOf(pool, w)
      failStartup = true
    }
  }
  replenish(pool)
  schedule(pool)
  for (const [job, outcome] of completions) finish(pool, job, outcome.kind, outcome.value)
  if (failStartup) failQueued(pool, (name) => crashedError(pool, w, name))
  notifyStarted(pool)
  checkExited(pool)
}

/** Fails every queued job with the pool's own error for its task. */
export const failQueued = (pool: PoolState, error: (task: string) => unknown) => {
  for (const job of pool.queue.drain()) finish(pool, job, PoolBackend.Error, error(job.name))
}

/** Asks a worker to close (it finishes its scope); killed after 2 s, or at once if it is not ready. */
export const closeWorker = (w: WorkerHandle) => {
  if (w.closing || w.exited) return
  w.closing = true
  w.retiring = true
  if (!w.ready) return w.kill()
  // The platform's finalizer asks the worker to close and waits for it.
  w.rt.close()
  w.closeTimer = setTimeout(() => w.kill(), 2000)
}

/** A worker has nothing in flight: it steals, retires, or arms its idle timeout. */
export const onIdle = (pool: PoolState, w: WorkerHandle) => {
  if (!w.retiring && pool.queue.size === 0) steal(pool, w)
  if (w.retiring) {
    if (!w.killing) closeWorker(w)
    if (!pool.closed) replenishLater(pool)
    return
  }
  if (pool.config.idleTimeoutMs !== undefined && !pool.closed) {
    w.idleTimer = new LongTimeout(
      () => {
        w.idleTimer = undefined
        if (w.inflightCount === 0 && !w.exited) closeWorker(w)
      },
      pool.config.idleTimeoutMs,
      { unref: true }
    )
  }
}

/** `replenish` and `schedule` in a microtask (once per tick), after a worker retired. */
export const replenishLater = (pool: PoolState) => {
  if (pool.replenishScheduled) return
  pool.replenishScheduled = true
  queueMicrotask(() => {
    pool.replenishScheduled = false
    replenish(pool)
    schedule(pool)
  })
}

/** Closes every worker with nothing in flight (the pool was closed). */
export const closeAllIdle = (pool: PoolState) => {
  for (const w of pool.workers) if (w.inflightCount === 0) closeWorker(w)
  checkExited(pool)
}

/** Wakes `join` / `terminate` once the pool is closed, every job ended and every worker exited. */
export const checkExited = (pool: PoolState) => {
  if (pool.workers.size === 0 && pool.closed && pool.pending.size === 0) {
    const waiters = pool.exitWaiters
    pool.exitWaiters = []
    for (const waiter of waiters) waiter()
  }
}

/** Python's `terminate()`: closes idle workers, kills busy ones, interrupts the queued jobs. */
export const terminateNow = (pool: PoolState) => {
  pool.closed = true
  pool.terminated = true
  for (const w of pool.workers) {
    if (w.ready && w.inflightCount === 0 && !w.killing) closeWorker(w)
    else w.kill()
  }
  for (const job of pool.queue.drain()) finish(pool, job, interrupted.kind, interrupted.value)
  checkExited(pool)
}

/** Waits until every worker has exited and every job has ended. */
export const awaitExited = (pool: PoolState): Effect.Effect<void> => {
  return Effect.callback<void>((resume) => {
    if (pool.workers.size === 0 && pool.pending.size === 0) return resume(Effect.void)
    const waiter = () => resume(Effect.void)
    pool.exitWaiters.push(waiter)
    return Effect.sync(() => {
      const index = pool.exitWaiters.indexOf(waiter)
      if (index >= 0) pool.exitWaiters.splice(index, 1)
    })
  })
}
