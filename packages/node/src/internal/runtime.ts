/**
 * The runtime interface: how the pool starts a worker and talks to it,
 * whatever the worker is. `thread` (`runtime/thread.ts`, a `worker_threads`
 * thread) and `process` (`runtime/process.ts`, an IPC child process) both
 * spawn a worker from an init record and give back a `RuntimeWorker`; the
 * pool (and, later, `Process`) never branches on which one it has.
 *
 * Messages go through `effect/workers` on `@effect/platform-node`'s
 * `NodeWorker` platform (receiving, the ready handshake, graceful close in
 * the worker's scope); the worker side speaks that wire format itself
 * (`internal/worker.ts`). The raw thread / process stays the runtime's: its
 * exit code, signal and `error` event say how a worker died, and `kill`
 * terminates a busy worker at once (the platform's own close waits up to 5 s
 * for the worker to cooperate).
 *
 * Importing `@corun/node` loads none of this machinery: the platform is
 * loaded when a pool is made (`loadPlatform`), and the Node built-ins the
 * runtimes use (`worker_threads`, `child_process`, `v8`) at first use
 * (`process.getBuiltinModule`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Worker from "effect/workers/Worker"
import type * as ChildProcess from "node:child_process"
import type * as WorkerThreads from "node:worker_threads"
import type { ResourceLimits } from "../NodePool.ts"
import type * as P from "./protocol.ts"

/**
 * What went wrong with a worker, as far as its runtime (or the pool) saw:
 * `reason` is `WorkerCrashed`'s reason, `detail` completes "its worker
 * thread #3 …".
 */
export interface CrashInfo {
  reason: string
  detail: string
  exitCode?: number | undefined
  signal?: string | undefined
}

/** What a runtime needs to start one worker. */
export interface SpawnOptions {
  readonly id: number
  readonly init: P.WorkerInit
  readonly resourceLimits: ResourceLimits | undefined
  /** Flags added to the ones the worker inherits from this process. */
  readonly execArgv: ReadonlyArray<string>
  /** The child process's environment (process runtime); `undefined`: this process's. */
  readonly env: Readonly<Record<string, string | undefined>> | undefined
}

/** Where a runtime reports a worker's life. */
export interface WorkerEvents {
  /** The worker loaded its tasks module and ran its initializer. */
  readonly onReady: () => void
  /** One message from the worker (for the pool: a `protocol.ts` reply). */
  readonly onMessage: (message: unknown) => void
  /** The worker is gone; `RuntimeWorker.crash` / `outOfMemory` say what the runtime saw. */
  readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void
}

/** One running worker, whichever its runtime. */
export interface RuntimeWorker {
  readonly id: number
  /** The worker's process id (this process's for a thread). */
  readonly pid: number
  /** The thread id of a worker thread; 0 for a process. */
  readonly threadId: number
  /** What the runtime (or the pool) saw go wrong, if anything: the first explanation wins. */
  crash: CrashInfo | undefined
  /** V8 reported reaching the worker's heap limit. */
  readonly outOfMemory: boolean
  /** Posts one message; returns the error when it cannot be sent (a value that cannot be cloned), else `undefined`. */
  send(message: Array<unknown>, transfer: ReadonlyArray<unknown> | undefined): unknown
  /** Ends the worker at once, busy or not. */
  kill(): void
  /** Sends a child process a signal; a thread, which has none, is terminated (as by `kill`). */
  signal(signal: NodeJS.Signals): void
  /** Asks the worker to close: it finishes, runs its finalizers and exits. */
  close(): void
}

/** A way to run workers: `thread` or `process`. */
export interface Runtime {
  readonly name: "thread" | "process"
  /** How messages name its workers: "worker thread" / "worker process". */
  readonly label: string
  readonly spawn: (options: SpawnOptions, events: WorkerEvents) => RuntimeWorker
}

/** The `effect/workers` platform for Node's workers, and the `Spawner` tag it reads, once loaded. */
let loaded:
  | { readonly platform: Worker.WorkerPlatform["Service"]; readonly Spawner: typeof Worker.Spawner }
  | undefined

/**
 * Loads `effect/workers` and `@effect/platform-node`'s `NodeWorker`
 * platform, once per process; `connect` needs it. Pools load it when they
 * are made (`NodePool.make`), not when `@corun/node` is imported: a program
 * that imports the package pays for the worker machinery only if it starts
 * workers.
 */
export const loadPlatform: Effect.Effect<void> = Effect.suspend(() =>
  loaded !== undefined ?
    Effect.void :
    Effect.promise(() =>
      Promise.all([import("@effect/platform-node/NodeWorker"), import("effect/workers/Worker")]).then(
        ([NodeWorker, Worker]) => {
          loaded ??= {
            platform: Effect.runSync(
              Effect.service(Worker.WorkerPlatform).pipe(Effect.provide(NodeWorker.layerPlatform))
            ),
            Spawner: Worker.Spawner
          }
        }
      )
    )
)

/**
 * Receives a raw worker's messages through `effect/workers` and reports its
 * readiness. Returns the fiber running the platform's `run`: interrupting
 * it closes the worker gracefully.
 */
export const connect = (
  id: number,
  raw: WorkerThreads.Worker | ChildProcess.ChildProcess,
  events: WorkerEvents
): Fiber.Fiber<unknown, unknown> => {
  if (loaded === undefined) throw new Error("@corun/node: the worker platform is not loaded (loadPlatform)")
  const worker = Effect.runSync(
    Effect.provideService(loaded.platform.spawn<Array<unknown>, Array<unknown>>(id), loaded.Spawner, () => raw)
  )
  return Effect.runFork(
    worker.run((message: unknown) => {
      events.onMessage(message)
      return Effect.void
    }, { onSpawn: Effect.sync(events.onReady) })
  )
}

/** `Error: message`, or the value as a string. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

const uncloneableHint =
  "a value the task returned, failed with or reported as progress could not be cloned to the pool " +
  "(a function, a symbol, an object holding one…): give the task a Schema that encodes it to plain data"

/**
 * How a worker's uncaught error is described. A value that cannot be cloned
 * (a task's output holding a function…) throws a `DataCloneError` when the
 * worker posts it: a child process reports its message ("… could not be
 * cloned."), but a worker thread's `error` event gets an empty object (the
 * `DOMException` loses its name and message crossing the thread boundary).
 */
export const describeUncaught = (error: unknown): string => {
  if (
    typeof error === "object" && error !== null &&
    (error instanceof Error ? error.message === "" : Object.keys(error).length === 0)
  ) {
    return `threw an uncaught error that lost its message crossing the thread boundary — ` +
      `most likely a DataCloneError: ${uncloneableHint}`
  }
  if (error instanceof Error) {
    return /could not be cloned/.test(error.message)
      ? `threw an uncaught ${describeError(error)}: ${uncloneableHint}`
      : `threw an uncaught ${describeError(error)}`
  }
  return `threw an uncaught ${describeError(error)}`
}
