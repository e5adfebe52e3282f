/**
 * `Process`: Python's `multiprocessing.Process` — run one task in a child
 * process of its own (its own pid, its own module state), or in a worker
 * thread on request, and follow its life: `start`, `join`, `isAlive`,
 * `pid`, `exitCode`, `terminate`, `kill`, `close`.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Process } from "@corun/node"
 * import { task1 } from "./tasks.ts"
 *
 * Effect.gen(function*() {
 *   const p1 = yield* Process.make({ tasks: new URL("./tasks.ts", import.meta.url), target: task1, args: 5 })
 *   yield* p1.start                      // p1.start()
 *   yield* p1.join()                     // p1.join()
 *   console.log(yield* p1.exitCode)      // p1.exitcode
 * }).pipe(Effect.scoped, NodeRuntime.runMain)
 * ```
 *
 * | Python `multiprocessing.Process`           | corun `Process`                                            |
 * |--------------------------------------------|------------------------------------------------------------|
 * | `Process(target=f, args=(…), name=…, daemon=…)` | `Process.make({ tasks, target, args, name, daemon })`  |
 * | `p.start()` / `p.join(timeout)`            | `p.start` / `p.join({ timeout })`                          |
 * | `p.is_alive()` / `p.pid` / `p.exitcode`    | `p.isAlive` / `p.pid` / `p.exitCode` (`Option`s)           |
 * | `p.terminate()` / `p.kill()` / `p.close()` | `p.terminate` (SIGTERM) / `p.kill` (SIGKILL) / `p.close`   |
 * | `p.name` / `p.daemon`                      | `p.name` / `p.daemon`                                      |
 * | `os.getpid()`, `os.getppid()`, `current_process().name` | `Process.current` (in the child)              |
 *
 * The target is a `Task` exported by the `tasks` module (as for the pool:
 * the child imports that module and finds the task by name), and `args` its
 * input, encoded with the task's `input` schema before anything starts. A
 * JavaScript function cannot be sent to another process, and a module URL
 * is how the child finds the code — Python pickles `f` the same way, by
 * module and name.
 *
 * Exit codes as Python reports them: 0 when the target returned, 1 when it
 * failed (its error is printed to stderr, as Python prints the traceback),
 * the code given to `process.exit(n)`, or minus the signal number when the
 * process was killed (`terminate` gives −15, `kill` −9; a thread, which has
 * no signals, reports the same).
 *
 * Python's rule at the end of the program holds at the end of the scope
 * that made the process: a daemon process is terminated, a non-daemon one is
 * waited for. A child process never outlives its parent, even one that was
 * SIGKILLed (the pool's orphan watchdog), and one that is terminated takes
 * the processes it started with it (theirs notice their parent is gone).
 *
 * It runs on the pool's worker machinery — the same runtime interface, the
 * same worker body and protocol: a `Process` is one worker that runs one job
 * and closes.
 *
 * @since 0.1.0
 */
import { Errors, type Task } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as os from "node:os"
import * as Bundle from "./internal/bundle.ts"
import { toUrl } from "./internal/config.ts"
import { tsxApi } from "./internal/environment.ts"
import * as P from "./internal/protocol.ts"
import { describeError, loadPlatform, type RuntimeWorker } from "./internal/runtime.ts"
import { processRuntime } from "./internal/runtime/process.ts"
import { threadRuntime } from "./internal/runtime/thread.ts"
import * as Served from "./internal/served.ts"
import { releaseLocksOfThread } from "./SharedMemory.ts"

const Validation = Backend.Validation

const TypeId = "~@corun/node/Process" as const

/**
 * A task a process can run: any exported `Task` (its output, if any, is
 * not sent back: a process's target returns nothing to its parent, as in
 * Python).
 *
 * @since 0.1.0
 * @category models
 */
export type Target = Pick<Task.Any, typeof Task.TypeId | "name" | "input" | "error">

/**
 * What `Process.make` takes: Python's `Process(target, args, name, daemon)`,
 * plus where the target is exported from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<T extends Target> {
  /** The module exporting `target` (a URL, or a file path). */
  readonly tasks: URL | string
  /** The task the process runs (Python's `target`). */
  readonly target: T
  /** Its input (Python's `args` / `kwargs`: one value; use a struct or a tuple schema for several). */
  readonly args?: Schema.Schema.Type<T["input"]> | undefined
  /** Default `Process-N`, N counting the processes made by this program. */
  readonly name?: string | undefined
  /** Terminated when the scope that made it closes, instead of waited for. Default `false`. */
  readonly daemon?: boolean | undefined
  /** `"process"` (default): a child process. `"thread"`: a worker thread of this process. */
  readonly runtime?: "process" | "thread" | undefined
  /** Extra Node flags for the child (added to the ones it inherits). */
  readonly execArgv?: ReadonlyArray<string> | undefined
  /** The child process's environment; default this process's. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * A process made by `make`. State reads (`isAlive`, `pid`, `exitCode`) are
 * effects, read when run.
 *
 * @since 0.1.0
 * @category models
 */
export interface Process {
  readonly [TypeId]: typeof TypeId
  /** Python's `name`. */
  readonly name: string
  /** Python's `daemon`. */
  readonly daemon: boolean
  /** Starts the process (Python's `start()`); a second start, or one after `close`, fails with `ProcessStateError`. */
  readonly start: Effect.Effect<void, Errors.ProcessStateError | Errors.WorkerCrashed>
  /**
   * Waits until the process has exited (Python's `join(timeout)`), or until
   * `timeout` has passed — it then returns all the same (read `isAlive`).
   * Joining a process that was not started fails with `ProcessStateError`.
   */
  readonly join: (
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<void, Errors.ProcessStateError | Errors.InvalidArgumentError>
  /** Started and not exited yet (Python's `is_alive()`). */
  readonly isAlive: Effect.Effect<boolean>
  /** The child's pid once started (this process's pid for a thread); `None` before. */
  readonly pid: Effect.Effect<Option.Option<number>>
  /** `None` while it runs (or before it starts); then the exit code, Python's way (see the module notes). */
  readonly exitCode: Effect.Effect<Option.Option<number>>
  /** SIGTERM (Python's `terminate()`); nothing if it is not running. */
  readonly terminate: Effect.Effect<void>
  /** SIGKILL (Python's `kill()`); nothing if it is not running. */
  readonly kill: Effect.Effect<void>
  /** Releases the process object (Python's `close()`): fails with `ProcessStateError` while it runs. */
  readonly close: Effect.Effect<void, Errors.ProcessStateError>
}

/**
 * What a process knows about itself (Python's `os.getpid()`,
 * `os.getppid()`, `multiprocessing.current_process().name`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Current {
  readonly pid: number
  readonly ppid: number
  /** The `name` given to `make` in a process made by `Process`, `MainProcess` in the main program. */
  readonly name: string
}

/** Where the worker body leaves the process's name (a process-wide slot: bundles have their own module copies). */
const NAME = Symbol.for("@corun/node/Process/name")

/**
 * The current process: its pid, its parent's pid and its name — in a task
 * run by `Process`, the child's; in the main program, `MainProcess`.
 *
 * @since 0.1.0
 * @category getters
 */
export const current: Effect.Effect<Current> = Effect.sync(() => ({
  pid: process.pid,
  ppid: process.ppid,
  name: ((globalThis as any)[NAME] as string | undefined) ?? "MainProcess"
}))

let counter = 0

type State =
  | { readonly _tag: "Initial" }
  | { readonly _tag: "Running"; readonly worker: RuntimeWorker }
  | { readonly _tag: "Exited"; readonly pid: number; readonly code: number }

/**
 * Makes a process (Python's `Process(...)`, not started). Every option is
 * checked now, the input encoded with the target's schema: a bad one fails
 * with `InvalidArgumentError` and nothing starts. When the scope closes, a
 * running daemon process is terminated and a non-daemon one is waited for.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: <T extends Target>(
  options: Options<T>
) => Effect.Effect<Process, Errors.InvalidArgumentError, Scope.Scope> = Effect.fn("Process.make")(
  function*<T extends Target>(options: Options<T>) {
    const tasksUrl = toUrl(options.tasks)
    if (tasksUrl === undefined) {
      return yield* Validation.invalidArgument("tasks", options.tasks, "the URL or the file path of the tasks module")
    }
    const runtime = options.runtime ?? "process"
    if (runtime !== "process" && runtime !== "thread") {
      return yield* Validation.invalidArgument("runtime", runtime, `"process" or "thread"`)
    }
    if (options.name !== undefined && (typeof options.name !== "string" || options.name === "")) {
      return yield* Validation.invalidArgument("name", options.name, "a non-empty string")
    }
    if (options.daemon !== undefined && typeof options.daemon !== "boolean") {
      return yield* Validation.invalidArgument("daemon", options.daemon, "true or false")
    }
    const target = options.target as Target
    const encoded = Schema.encodeUnknownExit(target.input as Schema.Codec<unknown, unknown>)(options.args)
    if (Exit.isFailure(encoded)) {
      return yield* new Errors.InvalidArgumentError({
        argument: "args",
        message: `'args' do not match the input schema of the target "${target.name}": ${
          encoded.cause.reasons[0]?._tag === "Fail" ? encoded.cause.reasons[0].error.message : "invalid"
        }`
      })
    }
    if (runtime === "process" && holdsSharedMemory(encoded.value)) {
      return yield* new Errors.InvalidArgumentError({
        argument: "args",
        message: `'args' hold shared memory (SharedMemory.value / array), which only worker threads share: ` +
          `use runtime: "thread", or a Manager value for a child process`
      })
    }
    yield* loadPlatform
    const name = options.name ?? `Process-${++counter}`
    const daemon = options.daemon ?? false
    const exited = yield* Deferred.make<void>()
    let state: State = { _tag: "Initial" }
    let closed = false
    /** The target failed: Python's exit code 1, whatever code the worker then exits with. */
    let failed = false
    /** Set by `terminate` / `kill` on a thread, which has no signals. */
    let stoppedBy: NodeJS.Signals | undefined

    const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null): number => {
      const by = signal ?? stoppedBy
      if (by !== undefined && by !== null) return -(os.constants.signals[by] ?? 1)
      if (failed && (code === 0 || code === null)) return 1
      return code ?? 1
    }

    const start = Effect.suspend((): Effect.Effect<void, Errors.ProcessStateError | Errors.WorkerCrashed> => {
      if (closed) return Effect.fail(stateError(name, "the process object is closed"))
      if (state._tag !== "Initial") return Effect.fail(stateError(name, "a process can only be started once"))
      const init: P.WorkerInit = {
        tasks: tasksUrl.href,
        workerId: 0,
        initializer: undefined,
        tsxApi: tsxApi(),
        bundle: Bundle.forWorker(tasksUrl.href),
        name
      }
      let worker!: RuntimeWorker
      let threadId = 0
      // The child's calls to the objects this process serves (queues, pipes).
      const caller = Served.makeCaller((callId, ok, value) => {
        const error = worker.send([P.REPLY, callId, ok, value], undefined)
        if (error !== undefined) {
          worker.send([
            P.REPLY,
            callId,
            0,
            Served.encodeError(new Error(`the value cannot be sent: ${describeError(error)}`))
          ], undefined)
        }
      })
      return Effect.try({
        try: () => {
          worker = (runtime === "thread" ? threadRuntime : processRuntime).spawn({
            id: 0,
            init,
            resourceLimits: undefined,
            execArgv: options.execArgv ?? [],
            env: options.env
          }, {
            onReady: () => worker.send([P.RUN, 1, target.name, encoded.value], undefined),
            onMessage: function onMessage(message) {
              const reply = message as P.Reply
              if (reply[0] === P.R_BATCH) {
                for (const record of reply[1]) onMessage(record)
                return
              }
              switch (reply[0]) {
                case P.R_SUCCESS:
                  return worker.close()
                case P.R_FAIL:
                case P.R_DIE:
                case P.R_UNKNOWN:
                  failed = true
                  process.stderr.write(`Process ${name}:\n${describeFailure(target, tasksUrl, reply)}\n`)
                  return worker.close()
                case P.R_STARTUP_FAILED:
                  failed = true
                  process.stderr.write(`Process ${name}: could not start: ${reply[1].name}: ${reply[1].message}\n`)
                  return
                case P.R_CRASH:
                  failed = true
                  process.stderr.write(`Process ${name}: ${describeError(P.reviveDefect(reply[1]))}\n`)
                  return
                default:
                  if (Served.isCallRecord(reply)) Served.onRecord(caller, reply)
              }
            },
            onExit: (code, signal) => {
              Served.callerGone(caller)
              // A thread that ended holding the lock of shared memory it was
              // given frees it: its waiters go on (never a deadlock).
              if (runtime === "thread") {
                for (const memory of sharedMemoriesOf(encoded.value)) releaseLocksOfThread(memory, threadId)
              }
              state = { _tag: "Exited", pid: worker.pid, code: exitCodeOf(code, signal) }
              Deferred.doneUnsafe(exited, Exit.void)
            }
          })
          // Read now: a thread that has ended reports -1.
          threadId = worker.threadId
          state = { _tag: "Running", worker }
        },
        catch: (error) =>
          new Errors.WorkerCrashed({
            task: target.name,
            worker: 0,
            reason: "startup",
            exitCode: undefined,
            signal: undefined,
            message: `process ${name} could not start: ${describeError(error)}`
          })
      })
    }).pipe(Effect.withSpan("Process.start"))

    const join = (joinOptions?: { readonly timeout?: Duration.Input | undefined }) =>
      Effect.suspend((): Effect.Effect<void, Errors.ProcessStateError | Errors.InvalidArgumentError> => {
        if (state._tag === "Initial") return Effect.fail(stateError(name, "can only join a started process"))
        const timeoutMs = Validation.timeoutMillis(joinOptions?.timeout)
        if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
        const wait = Deferred.await(exited)
        return timeoutMs === undefined ? wait : Effect.asVoid(Effect.timeoutOption(wait, timeoutMs))
      })

    const signal = (which: "SIGTERM" | "SIGKILL") =>
      Effect.sync(() => {
        if (state._tag !== "Running") return
        if (runtime === "thread") {
          stoppedBy ??= which
          state.worker.kill()
        } else state.worker.signal(which)
      })

    const self: Process = {
      [TypeId]: TypeId,
      name,
      daemon,
      start,
      join,
      isAlive: Effect.sync(() => state._tag === "Running"),
      pid: Effect.sync(() =>
        state._tag === "Running" ? Option.some(state.worker.pid) : state._tag === "Exited"
          ? Option.some(state.pid)
          : Option.none()
      ),
      exitCode: Effect.sync(() => state._tag === "Exited" ? Option.some(state.code) : Option.none()),
      terminate: signal("SIGTERM").pipe(Effect.withSpan("Process.terminate")),
      kill: signal("SIGKILL").pipe(Effect.withSpan("Process.kill")),
      close: Effect.suspend(() => {
        if (state._tag === "Running") {
          return Effect.fail(stateError(name, "cannot close a process while it is still running: join it first"))
        }
        closed = true
        return Effect.void
      })
    }

    // Python at exit: daemons are terminated, the others waited for.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        if (state._tag !== "Running") return Effect.void
        return daemon ? Effect.andThen(self.terminate, Deferred.await(exited)) : Deferred.await(exited)
      })
    )
    return self
  }
)

/** The memories of the `SharedMemory` handles in encoded args. */
const sharedMemoriesOf = (value: unknown, found: Array<Uint8Array> = [], depth = 0): Array<Uint8Array> => {
  if (typeof value !== "object" || value === null || depth > 16 || ArrayBuffer.isView(value)) return found
  const handle = value as { "~corun"?: unknown; memory?: unknown }
  if (handle["~corun"] === "SharedValue" || handle["~corun"] === "SharedArray") {
    if (handle.memory instanceof Uint8Array) found.push(handle.memory)
    return found
  }
  for (const key of Object.keys(value)) sharedMemoriesOf((value as Record<string, unknown>)[key], found, depth + 1)
  return found
}

/** Whether encoded args hold a `SharedMemory` handle (which a child process cannot share). */
const holdsSharedMemory = (value: unknown): boolean => sharedMemoriesOf(value).length > 0

const stateError = (name: string, why: string) =>
  new Errors.ProcessStateError({ process: name, message: `process ${name}: ${why}` })

/** The target's failure as the child reported it, for stderr (Python prints the traceback there). */
const describeFailure = (target: Target, tasksUrl: URL, reply: P.Reply): string => {
  switch (reply[0]) {
    case P.R_FAIL: {
      const decoded = Schema.decodeUnknownExit(target.error as Schema.Codec<unknown, unknown>)(reply[2])
      const error = Exit.isSuccess(decoded) ? decoded.value : reply[2]
      return `task "${target.name}" failed: ${describeError(error)}${
        typeof error === "object" && error !== null && !(error instanceof Error) ? ` ${JSON.stringify(error)}` : ""
      }`
    }
    case P.R_DIE:
      return P.reviveDefect(reply[2]).stack ?? describeError(P.reviveDefect(reply[2]))
    case P.R_UNKNOWN:
      return `the tasks module ${tasksUrl.href} does not export task "${target.name}"`
    default:
      return ""
  }
}
