/**
 * Crash classification: how a worker died (what its runtime saw, its exit
 * code or signal, whether it had started) becomes `WorkerCrashed`, and
 * whether its replacement would only fail the same way.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import type { PoolState } from "./poolState.ts"
import type * as P from "./protocol.ts"
import type { CrashInfo } from "./runtime.ts"
import type { WorkerHandle } from "./workerHandle.ts"

/** What is known about a worker that exited without the pool asking it to. */
export interface Death {
  /** It had become ready (loaded its tasks module, ran its initializer). */
  readonly ready: boolean
  /** What its runtime saw (an uncaught error, could not start…), or the start-up timeout. */
  readonly seen: CrashInfo | undefined
  /** The error of its tasks module or initializer, as it reported it. */
  readonly startupError: P.SerializedDefect | undefined
  readonly outOfMemory: boolean
  readonly startupTimedOut: boolean
  readonly code: number | null
  readonly signal: string | null | undefined
  /** The pool's `resourceLimits.maxOldGenerationSizeMb`. */
  readonly heapLimitMb: number | undefined
}

/**
 * Whether the worker said why it died (a start-up error, an uncaught
 * exception, out of memory, the start-up timeout): a worker that dies that
 * way while starting would only die the same way again. A death with nothing
 * said (a signal, a plain exit) came from outside, such as the OOM killer.
 */
export const isExplained = (death: Death): boolean =>
  death.seen !== undefined || death.startupError !== undefined || death.outOfMemory || death.startupTimedOut

/**
 * How a worker died, as `WorkerCrashed`'s reason and detail: what was seen
 * first, else its start-up error, out of memory, the signal, or its exit
 * code. Any death before it was ready is a `"startup"` one.
 */
export const classify = (death: Death): CrashInfo => {
  const limit = death.heapLimitMb
  const crash: CrashInfo = death.seen !== undefined ? { ...death.seen } : death.startupError !== undefined
    ? { reason: "startup", detail: `failed to start: ${death.startupError.name}: ${death.startupError.message}` }
    : death.outOfMemory
    ? { reason: "out-of-memory", detail: `ran out of memory${limit === undefined ? "" : ` (heap limit ${limit} MB)`}` }
    : death.signal
    ? { reason: "signal", detail: `was killed by signal ${death.signal}` }
    : { reason: "exit", detail: `exited with code ${death.code}` }
  if (!death.ready) crash.reason = "startup"
  crash.exitCode = death.code ?? undefined
  crash.signal = death.signal ?? undefined
  return crash
}

/**
 * Whether a worker that died while starting is replaced (`true`) or the
 * pool stops starting workers and fails its queue (`false`, when no other
 * worker is ready): an explained death blocks at once, unexplained ones
 * after `maxUnexplainedStartupDeaths` in a row.
 */
export const replaceAfterStartupDeath = (explained: boolean, unexplainedInARow: number): boolean =>
  !explained && unexplainedInARow < maxUnexplainedStartupDeaths

/**
 * How many workers in a row may die while starting without a start-up error
 * (killed by a signal, or exiting with no error from the tasks module or the
 * initializer) before the pool gives up and fails its queued tasks.
 */
export const maxUnexplainedStartupDeaths = 5

/** The error of a task whose worker died. */
export const crashedError = (pool: PoolState, w: WorkerHandle, task: string) => {
  const crash = w.rt.crash!
  const kind = pool.runtime.label
  return new Errors.WorkerCrashed({
    task,
    worker: w.id,
    reason: crash.reason,
    exitCode: crash.exitCode,
    signal: crash.signal,
    message: `task "${task}" failed: its ${kind} #${w.id}${w.pid ? ` (pid ${w.pid})` : ""} ${crash.detail}; ` +
      (crash.reason === "startup" ? "check the tasks module and the initializer" : "the worker was replaced")
  })
}

/** `awaitReady`'s error when no worker could start, `w` being the last that tried. */
export const startupFailureOf = (pool: PoolState, w: WorkerHandle) => {
  const crash = w.rt.crash!
  const kind = pool.runtime.label
  return new Errors.WorkerCrashed({
    task: "",
    worker: w.id,
    reason: crash.reason,
    exitCode: crash.exitCode,
    signal: crash.signal,
    message: `no worker of the pool could start: its ${kind} #${w.id}${
      w.pid ? ` (pid ${w.pid})` : ""
    } ${crash.detail}; check the tasks module and the initializer`
  })
}
