/**
 * The wire protocol between `NodePool` and its workers (`NodeWorkerMain`).
 *
 * It rides on `effect/workers` (`NodeWorker` platform / `NodeWorkerRunner`),
 * which frames each message and signals readiness once the worker has
 * loaded its tasks and run the initializer. Parent → worker: one message
 * per flush, a flat array of records `[RUN, id, task, input]`,
 * `[CHUNK, id, task, inputs]`, `[CANCEL, id]`, `[UNQUEUE, id]`. Worker →
 * parent: one small array per event (see `R_*`). Arrays of numbers and
 * strings keep the structured clone cheap.
 *
 * @internal
 */

/** Run one task: `[RUN, id, taskName, encodedInput]`. */
export const RUN = 0
/** Run a chunk of inputs: `[CHUNK, id, taskName, encodedInputs]`. */
export const CHUNK = 1
/** Interrupt a queued or running task: `[CANCEL, id]`. */
export const CANCEL = 2
/** Give a job back if it has not started (work stealing): `[UNQUEUE, id]`. */
export const UNQUEUE = 4

/** `[R_SUCCESS, id, encodedOutput]` */
export const R_SUCCESS = 0
/** `[R_FAIL, id, encodedError]` */
export const R_FAIL = 1
/** `[R_DIE, id, SerializedDefect]` */
export const R_DIE = 2
/** `[R_INTERRUPTED, id]` */
export const R_INTERRUPTED = 3
/** `[R_PROGRESS, id, encodedProgress]` */
export const R_PROGRESS = 4
/** `[R_CHUNK, id, encodedOutputs, failTag, failValue]`, failTag one of `R_FAIL`, `R_DIE`, `R_INTERRUPTED` or -1. */
export const R_CHUNK = 5
/** `[R_UNKNOWN, id]`: no exported task has that name. */
export const R_UNKNOWN = 6
/** `[R_STARTUP_FAILED, SerializedDefect]`: loading the tasks module or the initializer failed. */
export const R_STARTUP_FAILED = 8
/** `[R_CRASH, SerializedDefect]`: an uncaught exception (process runtime; threads report it as an `error` event). */
export const R_CRASH = 9
/** `[R_UNQUEUED, id]`: the job had not started and was dropped (answer to `UNQUEUE`). */
export const R_UNQUEUED = 10

/** What a worker learns at start (`workerData`, or an environment variable for child processes). */
export interface WorkerInit {
  readonly tasks: string
  readonly workerId: number
  readonly initializer: { readonly task: string; readonly input: unknown } | undefined
  /**
   * The URL of `tsx/esm/api` when the parent runs under `tsx`: workers are
   * started without its module hooks (worker threads would not inherit them,
   * and loading them costs every worker start-up), so a worker whose tasks
   * module needs tsx registers them itself.
   */
  readonly tsxApi: string | undefined
  /**
   * The URL of the worker's bundle (`internal/bundle`: the worker body, the
   * tasks module and their imports in one ES module), when one is built and
   * up to date; without it, the worker loads plain ES modules.
   */
  readonly bundle?: string | undefined
}

/** The environment variable carrying a child-process worker's `WorkerInit` (v8-serialized, base64). */
export const INIT_ENV = "CORUN_POOL_INIT"

/** An error as it crosses the boundary. */
export interface SerializedDefect {
  readonly name: string
  readonly message: string
  readonly stack: string | undefined
}

/** Turns any thrown value into plain data. */
export const serializeDefect = (u: unknown): SerializedDefect => {
  if (u instanceof Error) return { name: u.name, message: u.message, stack: u.stack }
  if (typeof u === "object" && u !== null && "message" in u) {
    return {
      name: String((u as any)._tag ?? (u as any).name ?? "Error"),
      message: String((u as any).message),
      stack: undefined
    }
  }
  let message: string
  try {
    message = typeof u === "string" ? u : JSON.stringify(u) ?? String(u)
  } catch {
    message = String(u)
  }
  return { name: "Error", message, stack: undefined }
}

/** Rebuilds an `Error` from a serialized defect, keeping the worker's stack. */
export const reviveDefect = (d: SerializedDefect): Error => {
  const error = new Error(d.message)
  error.name = d.name
  if (d.stack !== undefined) error.stack = d.stack
  return error
}

/** The key under which workers find tasks among a module's exports (same as `Task.TypeId`). */
export const TASK_TYPE_ID = "~@corun/core/Task"
