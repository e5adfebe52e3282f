/**
 * The orphan watchdog of a child-process worker (issue 9): a worker whose
 * parent died — even SIGKILLed — must not outlive it, not even while a task
 * keeps its event loop busy (the IPC channel's `disconnect` event, which ends
 * an idle worker, cannot run then).
 *
 * So a tiny `worker_threads` thread, off the main thread, checks every
 * `INTERVAL_MS` whether the process's parent is still the one it started
 * with: on Linux (and macOS) an orphan is re-parented to `init` or a
 * subreaper, so `process.ppid` changes — it is read anew on each access, and
 * works from a thread; unlike `process.kill(ppid, 0)` it cannot be fooled by
 * a new process reusing the parent's pid. Then it ends the whole process
 * with `SIGKILL` (a thread's `process.exit` would only end the thread, and
 * a `SIGTERM` handler installed by a task could not run while it spins).
 *
 * The thread is eval'd CommonJS (no module loading, no loader hooks: its
 * `execArgv` is empty), shares the process's environment instead of copying
 * it, and is `unref`'d, so it never keeps the worker alive. `prctl(2)`'s
 * `PR_SET_PDEATHSIG` would do the same in the kernel but is not reachable
 * from Node without a native addon.
 *
 * @internal
 */
import * as WorkerThreads from "node:worker_threads"

/** How often the thread looks at the parent. */
export const INTERVAL_MS = 150

const source = `"use strict";
const parent = require("node:worker_threads").workerData;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
}, ${INTERVAL_MS});
`

/**
 * Whether this process has its watchdog: a process-wide mark, since the
 * worker's entry and its body (maybe from a bundle, with its own copy of
 * this module) both start it.
 */
const STARTED = Symbol.for("@corun/node/watchdog")

/**
 * Starts the watchdog thread for a child process whose parent is `parent`
 * (its `process.ppid` at start-up; a worker thread ends with its process
 * anyway), once per process. If the parent is already gone, the thread's
 * first look ends the process. Returns the thread, or `undefined` when it
 * runs already or could not be started (the worker then only leaves on
 * `disconnect`, once its event loop runs).
 */
export const start = (parent: number): WorkerThreads.Worker | undefined => {
  if (parent <= 1 || (globalThis as any)[STARTED] === true) return undefined
  ;(globalThis as any)[STARTED] = true
  try {
    const thread = new WorkerThreads.Worker(source, {
      eval: true,
      workerData: parent,
      execArgv: [],
      env: WorkerThreads.SHARE_ENV,
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 }
    })
    thread.on("error", () => {})
    thread.unref()
    return thread
  } catch {
    return undefined
  }
}
