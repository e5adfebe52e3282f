/**
 * The `thread` runtime: each worker is a `worker_threads` thread of this
 * process, started on the bootstrap code of `environment.ts` with the
 * parent's flags that threads accept.
 *
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import type * as WorkerThreads from "node:worker_threads"
import { startThread } from "../environment.ts"
import { connect, type CrashInfo, describeUncaught, type Runtime, type RuntimeWorker } from "../runtime.ts"
import * as SyncMemory from "../syncMemory.ts"

class ThreadWorker implements RuntimeWorker {
  crash: CrashInfo | undefined = undefined
  exited = false
  runFiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  readonly id: number
  readonly thread: WorkerThreads.Worker
  constructor(id: number, thread: WorkerThreads.Worker) {
    this.id = id
    this.thread = thread
  }
  get pid() {
    return process.pid
  }
  get threadId() {
    return this.thread.threadId
  }
  get outOfMemory() {
    return this.crash?.reason === "out-of-memory"
  }
  send(message: Array<unknown>, transfer: ReadonlyArray<unknown> | undefined): unknown {
    try {
      // `effect/workers`' wire format: `[0, payload]`, the data case of
      // `WorkerRunner.PlatformMessage`. Jobs only go to workers whose runner
      // has signalled readiness, so the platform's buffering `send` (which
      // ends the worker's run if a buffered value cannot be cloned) is not
      // needed; a value that cannot be cloned fails here, for this message only.
      this.thread.postMessage([0, message], transfer as any)
    } catch (error) {
      return error
    }
    return undefined
  }
  kill() {
    if (!this.exited) void this.thread.terminate()
  }
  signal() {
    this.kill()
  }
  close() {
    this.runFiber?.interruptUnsafe()
  }
}

/** Worker threads (`runtime: "thread"`, the default). */
export const threadRuntime: Runtime = {
  name: "thread",
  label: "worker thread",
  spawn(options, events) {
    const thread = startThread({
      eval: true,
      // The parent's lock memory goes to every thread: a lock passed in a
      // task's input is then taken with Atomics, not a message.
      workerData: { ...options.init, syncArena: SyncMemory.arenaForThread() },
      resourceLimits: options.resourceLimits as WorkerThreads.ResourceLimits | undefined,
      name: `corun-pool-${options.id}`
    }, options.execArgv)
    const worker = new ThreadWorker(options.id, thread)
    thread.on("error", (error: any) => {
      if (worker.crash === undefined) {
        worker.crash = error?.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? { reason: "out-of-memory", detail: `ran out of memory under its resourceLimits (${error.message})` }
          : { reason: "exception", detail: describeUncaught(error) }
      }
    })
    const threadId = thread.threadId
    thread.on("exit", (code) => {
      worker.exited = true
      // What the thread held of this process's locks is given back.
      SyncMemory.threadExited(threadId)
      events.onExit(code, null)
    })
    worker.runFiber = connect(options.id, thread, events)
    return worker
  }
}
