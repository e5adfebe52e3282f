/**
 * `Subprocess`: Python's `subprocess` module — run a program, feed it input,
 * capture its output and its exit status, with a `timeout` that kills it and
 * the processes it started.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Subprocess } from "@corun/node"
 *
 * Effect.gen(function*() {
 *   const r = yield* Subprocess.call(["uname", "-a"])                  // subprocess.call(['uname', '-a'])
 *   const done = yield* Subprocess.run(["sort"], { input: "b\na\n" })  // subprocess.run(['sort'], input=…, capture_output=True, text=True)
 *   done.stdout                                                         // "a\nb\n"
 *   const p = yield* Subprocess.spawn(["sort"], { stdin: "pipe", stdout: "pipe" })
 *   const { stdout } = yield* p.communicate("b\na\n")                  // p.communicate(b'b\na\n')
 * }).pipe(Effect.scoped, NodeRuntime.runMain)
 * ```
 *
 * | Python `subprocess`                                   | corun `Subprocess`                                        |
 * |-------------------------------------------------------|-----------------------------------------------------------|
 * | `subprocess.run(args, input=, timeout=, check=, capture_output=True, text=True)` | `Subprocess.run(args, { input, timeout, check, encoding })` → `CompletedProcess` |
 * | `subprocess.call(args, timeout=)`                     | `Subprocess.call(args, { timeout })` → the return code    |
 * | `subprocess.check_call` / `check_output`              | `Subprocess.checkCall` / `Subprocess.checkOutput`         |
 * | `Popen(args, stdin=PIPE, stdout=PIPE, stderr=PIPE)`   | `Subprocess.spawn(args, { stdin: "pipe", stdout: "pipe", stderr: "pipe" })` (scoped) |
 * | `p.communicate(input, timeout)`                       | `p.communicate(input, { timeout })` → `{ stdout, stderr }` |
 * | `p.wait(timeout)` / `p.poll()` / `p.returncode`       | `p.wait({ timeout })` / `p.poll` / `p.returncode` (`Option`) |
 * | `p.pid` / `p.send_signal(s)` / `p.terminate()` / `p.kill()` | `p.pid` / `p.sendSignal(s)` / `p.terminate` / `p.kill` |
 * | `FileNotFoundError` / `PermissionError`               | `SubprocessNotFound` / `SubprocessOSError`                |
 * | `CalledProcessError` / `TimeoutExpired`               | `CalledProcessError` / `SubprocessTimeout`                |
 *
 * `args` is the program and its arguments, never parsed by a shell (Python's
 * default `shell=False`; run `["sh", "-c", script]` for a shell). A return
 * code is the exit status, or minus the number of the signal that killed the
 * process (−9 for `SIGKILL`), as in Python. Output is text decoded with
 * `encoding` (`"utf-8"` by default: Python's `text=True`).
 *
 * Every process runs in a process group of its own (Effect's
 * `ChildProcessSpawner` starts it detached on POSIX), so that it can be
 * killed together with the processes it started: `run` and `call` kill the
 * whole group (`SIGKILL`) when the `timeout` expires, and when the scope of
 * a process ends — `run` / `call` returning or being interrupted, the scope
 * of a `spawn` closing — the group still running is sent `SIGTERM`, then
 * `SIGKILL` after a grace period (`killGracePeriod`). Python leaves the
 * children of a timed-out process running; corun leaves nothing behind. A
 * consequence: a program meant to keep running in the background after the
 * command that started it returned is stopped too.
 *
 * Output is read from the moment the process starts, in the background, so a
 * process writing more than a pipe holds never blocks (Python warns against
 * `wait` with `stdout=PIPE` for that reason; here it is safe).
 *
 * Built on `effect/process` (`ChildProcess`, `ChildProcessSpawner`): the
 * `ChildProcessSpawner` of the context is used when there is one, else
 * `@effect/platform-node`'s `NodeChildProcessSpawner`, loaded at first use.
 *
 * @since 0.1.0
 */
import { Errors } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import type * as ChildProcess from "effect/process/ChildProcess"
import type { ChildProcessHandle, ChildProcessSpawner } from "effect/process/ChildProcessSpawner"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as os from "node:os"

const Validation = Backend.Validation

/**
 * How long a process still running when its scope ends is given to exit
 * after `SIGTERM` before its group is sent `SIGKILL`: 2 seconds.
 *
 * @since 0.1.0
 * @category constants
 */
export const killGracePeriod: Duration.Input = "2 seconds"

/**
 * What can be fed to a process's standard input: text (encoded with the
 * call's `encoding`) or bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Input = string | Uint8Array

/**
 * Where a standard stream of a spawned process goes: `"pipe"` (Python's
 * `subprocess.PIPE`: written by `communicate`, or read and returned by it),
 * `"inherit"` (this program's own stream: Python's default `None`) or
 * `"ignore"` (Python's `subprocess.DEVNULL`).
 *
 * @since 0.1.0
 * @category models
 */
export type Stdio = "pipe" | "inherit" | "ignore"

/**
 * The options every function takes.
 *
 * @since 0.1.0
 * @category options
 */
export interface BaseOptions {
  /** The working directory of the process (Python's `cwd`); this program's by default. */
  readonly cwd?: string | undefined
  /**
   * The environment of the process (Python's `env`): it replaces this
   * program's, unless `extendEnv` is `true`. This program's by default.
   */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  /** With `env`: add `env` to this program's environment instead of replacing it. */
  readonly extendEnv?: boolean | undefined
}

/**
 * The options of `call` and `checkCall`.
 *
 * @since 0.1.0
 * @category options
 */
export interface CallOptions extends BaseOptions {
  /**
   * How long the process may run (Python's `timeout`); no limit by default.
   * When it expires the process and its group are killed and the call fails
   * with `SubprocessTimeout`.
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The options of `run` and `checkOutput`.
 *
 * @since 0.1.0
 * @category options
 */
export interface RunOptions extends CallOptions {
  /**
   * What to write to the process's standard input, which is then closed
   * (Python's `input`). Without it the process reads this program's
   * standard input, as in Python.
   */
  readonly input?: Input | undefined
  /** Fail with `CalledProcessError` when the return code is not 0 (Python's `check=True`). */
  readonly check?: boolean | undefined
  /** How the output is decoded and a text `input` encoded: `"utf-8"` by default. */
  readonly encoding?: BufferEncoding | undefined
}

/**
 * The options of `spawn` (Python's `Popen` keyword arguments). Every stream
 * is inherited by default, as in Python.
 *
 * @since 0.1.0
 * @category options
 */
export interface SpawnOptions extends BaseOptions {
  readonly stdin?: Stdio | undefined
  readonly stdout?: Stdio | undefined
  readonly stderr?: Stdio | undefined
  /** How the output is decoded and a text input encoded: `"utf-8"` by default. */
  readonly encoding?: BufferEncoding | undefined
}

/**
 * A finished process, as `run` returns it: Python's
 * `subprocess.CompletedProcess`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompletedProcess {
  /** The command line that ran. */
  readonly args: ReadonlyArray<string>
  /** The exit status, or minus the number of the signal that killed the process. */
  readonly returncode: number
  /** Everything it wrote to its standard output. */
  readonly stdout: string
  /** Everything it wrote to its standard error. */
  readonly stderr: string
}

/**
 * The output `communicate` returns: Python's `(stdout_data, stderr_data)`.
 * A stream that was not `"pipe"` gives `""` (Python's `None`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Output {
  readonly stdout: string
  readonly stderr: string
}

/**
 * A running process started by `spawn`: Python's `subprocess.Popen`. It
 * lives as long as the scope that started it: when the scope closes, the
 * process and its group, if still running, are terminated.
 *
 * @since 0.1.0
 * @category models
 */
export interface Popen {
  /** The command line (Python's `p.args`). */
  readonly args: ReadonlyArray<string>
  /** Its process id (Python's `p.pid`). */
  readonly pid: number
  /** The return code once the process has exited, `Option.none()` while it runs (Python's `p.returncode`). */
  readonly returncode: Effect.Effect<Option.Option<number>>
  /** The same as `returncode`: Python's `p.poll()`. */
  readonly poll: Effect.Effect<Option.Option<number>>
  /**
   * Waits for the process to exit and returns its return code (Python's
   * `p.wait(timeout)`). On timeout it fails with `SubprocessTimeout` and the
   * process keeps running.
   */
  readonly wait: (
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<number, Errors.SubprocessTimeout | Errors.InvalidArgumentError>
  /**
   * Writes `input` to the process's standard input and closes it, then
   * waits for the process to end its output and exit, and returns
   * everything it wrote (Python's `p.communicate(input, timeout)`). `input`
   * needs `stdin: "pipe"`, and can be given only to the first call. On
   * timeout it fails with `SubprocessTimeout` (with the output so far) and
   * the process keeps running, as in Python: call `communicate` again, or
   * `kill` it.
   */
  readonly communicate: (
    input?: Input | undefined,
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<Output, Errors.SubprocessTimeout | Errors.InvalidArgumentError>
  /**
   * Sends `signal` to the process and its group, if it is still running
   * (Python's `p.send_signal(signal)`); does not wait for it to exit.
   */
  readonly sendSignal: (signal: ChildProcess.Signal) => Effect.Effect<void>
  /** Sends `SIGTERM` (Python's `p.terminate()`); see `sendSignal`. */
  readonly terminate: Effect.Effect<void>
  /** Sends `SIGKILL` (Python's `p.kill()`); see `sendSignal`. */
  readonly kill: Effect.Effect<void>
}

/**
 * Why a process could not be started: a missing program or `cwd`, another
 * refusal of the operating system, or a bad argument.
 *
 * @since 0.1.0
 * @category errors
 */
export type StartError = Errors.SubprocessNotFound | Errors.SubprocessOSError | Errors.InvalidArgumentError

// ---------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------

interface Parsed {
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: Readonly<Record<string, string | undefined>> | undefined
  readonly extendEnv: boolean | undefined
  readonly encoding: BufferEncoding
  readonly timeoutMillis: number | undefined
  readonly input: Uint8Array | undefined
}

const stdioValues: ReadonlyArray<unknown> = ["pipe", "inherit", "ignore"]

const checkStdio = (value: unknown, argument: string): Errors.InvalidArgumentError | undefined =>
  value === undefined || stdioValues.includes(value)
    ? undefined
    : Validation.invalidArgument(argument, value, `"pipe", "inherit" or "ignore"`)

const toBytes = (input: Input, encoding: BufferEncoding): Uint8Array =>
  typeof input === "string" ? Buffer.from(input, encoding) : input

const checkInput = (input: unknown): Errors.InvalidArgumentError | undefined =>
  input === undefined || typeof input === "string" || input instanceof Uint8Array
    ? undefined
    : Validation.invalidArgument("input", input, "a string or a Uint8Array")

/** Every option, checked before anything starts: the `Parsed` call, or the first bad argument. */
const parse = (
  args: unknown,
  options: RunOptions & SpawnOptions
): Parsed | Errors.InvalidArgumentError => {
  if (
    !Array.isArray(args) || args.length === 0 || args[0] === "" ||
    !args.every((arg) => typeof arg === "string" && !arg.includes("\0"))
  ) {
    return Validation.invalidArgument(
      "args",
      args,
      "a non-empty array of strings without NUL characters (the program, then its arguments)"
    )
  }
  if (options.cwd !== undefined && (typeof options.cwd !== "string" || options.cwd === "")) {
    return Validation.invalidArgument("cwd", options.cwd, "the path of a directory")
  }
  if (options.env !== undefined) {
    const env: unknown = options.env
    if (
      typeof env !== "object" || env === null ||
      !Object.values(env).every((value) => value === undefined || (typeof value === "string" && !value.includes("\0")))
    ) {
      return Validation.invalidArgument("env", env, "an object of strings without NUL characters")
    }
  }
  const encoding = options.encoding ?? "utf8"
  if (typeof encoding !== "string" || !Buffer.isEncoding(encoding)) {
    return Validation.invalidArgument("encoding", encoding, `a Node encoding such as "utf-8" or "latin1"`)
  }
  const timeoutMillis = Validation.timeoutMillis(options.timeout)
  if (timeoutMillis instanceof Errors.InvalidArgumentError) return timeoutMillis
  const badInput = checkInput(options.input)
  if (badInput !== undefined) return badInput
  const badStdio = checkStdio(options.stdin, "stdin") ?? checkStdio(options.stdout, "stdout") ??
    checkStdio(options.stderr, "stderr")
  if (badStdio !== undefined) return badStdio
  return {
    args: [...args],
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.extendEnv,
    encoding,
    timeoutMillis,
    input: options.input === undefined ? undefined : toBytes(options.input, encoding)
  }
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

const show = (args: ReadonlyArray<string>): string => JSON.stringify(args)

const signalName = (signal: number): string =>
  Object.entries(os.constants.signals).find(([, n]) => n === signal)?.[0] ?? `signal ${signal}`

const calledProcessError = (completed: CompletedProcess): Errors.CalledProcessError =>
  new Errors.CalledProcessError({
    returncode: completed.returncode,
    cmd: [...completed.args],
    stdout: completed.stdout,
    stderr: completed.stderr,
    message: completed.returncode < 0
      ? `Command ${show(completed.args)} died with ${signalName(-completed.returncode)}.`
      : `Command ${show(completed.args)} returned non-zero exit status ${completed.returncode}.`
  })

const timeoutError = (
  args: ReadonlyArray<string>,
  timeoutMillis: number,
  output: Output
): Errors.SubprocessTimeout =>
  new Errors.SubprocessTimeout({
    cmd: [...args],
    timeoutMillis,
    stdout: output.stdout,
    stderr: output.stderr,
    message: `Command ${show(args)} timed out after ${timeoutMillis / 1000} seconds`
  })

/** A failure to start, from Effect's `PlatformError`, as the typed error of this module. */
const startError = (parsed: Parsed, error: PlatformError.PlatformError): StartError => {
  const cmd = [...parsed.args]
  const reason = error.reason
  if (reason._tag === "BadArgument") {
    return new Errors.InvalidArgumentError({ argument: "args", message: reason.message })
  }
  if (reason._tag === "NotFound") {
    // The spawner checks `cwd` (FileSystem.access) before it starts the program.
    const filename = reason.module === "FileSystem" && parsed.cwd !== undefined ? parsed.cwd : parsed.args[0]
    return new Errors.SubprocessNotFound({
      cmd,
      filename,
      message: `No such file or directory: '${filename}'` +
        (filename === parsed.args[0] ? "" : ` (the cwd of ${show(cmd)})`)
    })
  }
  return new Errors.SubprocessOSError({
    cmd,
    reason: reason._tag,
    message: `${show(cmd)} could not be started: ${reason.message}`
  })
}

// ---------------------------------------------------------------------------
// The spawner
// ---------------------------------------------------------------------------

type Spawner = ChildProcessSpawner["Service"]

/**
 * `effect/process`'s modules, loaded at first use: importing `@corun/node`
 * does not pay for them (its import cost is a target; see
 * `bench/probes/import-cost.ts`).
 */
let processModules:
  | Promise<{ readonly ChildProcess: typeof ChildProcess; readonly Spawner: typeof ChildProcessSpawner }>
  | undefined
const loadProcessModules = () =>
  processModules ??= Promise.all([import("effect/process/ChildProcess"), import("effect/process/ChildProcessSpawner")])
    .then(([ChildProcess, Spawner]) => ({ ChildProcess, Spawner: Spawner.ChildProcessSpawner }))

let nodeSpawner: Promise<Spawner> | undefined

/**
 * `@effect/platform-node`'s spawner, built once, at first use: importing
 * `@corun/node` does not load it (nor `node:child_process`).
 */
const loadNodeSpawner = (): Promise<Spawner> =>
  nodeSpawner ??= Promise.all([
    import("@effect/platform-node/NodeChildProcessSpawner"),
    import("@effect/platform-node/NodeFileSystem"),
    import("@effect/platform-node/NodePath"),
    loadProcessModules()
  ]).then(([NodeSpawner, NodeFileSystem, NodePath, { Spawner: ChildProcessSpawner }]) =>
    Effect.runPromise(
      Effect.service(ChildProcessSpawner).pipe(
        Effect.provide(NodeSpawner.layer.pipe(Layer.provide(Layer.merge(NodeFileSystem.layer, NodePath.layer))))
      )
    )
  )

/** The context's `ChildProcessSpawner`, else Node's. */
const spawner: Effect.Effect<Spawner> = Effect.flatMap(
  Effect.promise(loadProcessModules),
  ({ Spawner: ChildProcessSpawner }) =>
    Effect.flatMap(
      Effect.serviceOption(ChildProcessSpawner),
      Option.match({ onNone: () => Effect.promise(loadNodeSpawner), onSome: Effect.succeed })
    )
)

// ---------------------------------------------------------------------------
// A started process
// ---------------------------------------------------------------------------

/** A stream's output, read in the background from the start. */
interface Collector {
  readonly chunks: Array<Uint8Array>
  /** Done at the end of the stream. */
  readonly done: Deferred.Deferred<void>
}

interface Proc {
  readonly parsed: Parsed
  readonly handle: ChildProcessHandle
  readonly scope: Scope.Scope
  /** Done with the return code when the process exits. */
  readonly exited: Deferred.Deferred<number>
  /** The return code once the process has exited. */
  readonly status: { code: number | undefined }
  readonly stdout: Collector
  readonly stderr: Collector
}

/**
 * The signal number in the failure of `handle.exitCode` for a process a
 * signal killed. Effect's handle reports that case only as an error whose
 * cause reads "Process interrupted due to receipt of signal: 'SIGKILL'"
 * (the handle exposes neither Node's `signalCode` nor the `ChildProcess`),
 * so the name is read from that text.
 */
const signalOf = (error: PlatformError.PlatformError): number | undefined => {
  const cause: unknown = error.reason._tag === "BadArgument" ? undefined : error.reason.cause
  const text = cause instanceof Error ? cause.message : String(cause)
  const name = /signal: '(SIG[A-Z0-9]+)'/.exec(text)?.[1]
  return name === undefined ? undefined : os.constants.signals[name as NodeJS.Signals]
}

const collect = (stream: Stream.Stream<Uint8Array, PlatformError.PlatformError>, scope: Scope.Scope) =>
  Effect.gen(function*() {
    const collector: Collector = { chunks: [], done: yield* Deferred.make<void>() }
    yield* Effect.forkIn(
      Stream.runForEach(stream, (chunk) => Effect.sync(() => collector.chunks.push(chunk))).pipe(
        // A pipe that fails to read ends like one at its end: what was read is kept.
        Effect.ignore,
        Effect.andThen(Deferred.succeed(collector.done, undefined))
      ),
      scope
    )
    return collector
  })

const decode = (collector: Collector, encoding: BufferEncoding): string =>
  Buffer.concat(collector.chunks).toString(encoding)

const output = (proc: Proc): Output => ({
  stdout: decode(proc.stdout, proc.parsed.encoding),
  stderr: decode(proc.stderr, proc.parsed.encoding)
})

/** Starts the process in the current scope, which terminates it (and its group) when it closes. */
const start = (
  parsed: Parsed,
  stdio: { readonly stdin: Stdio; readonly stdout: Stdio; readonly stderr: Stdio }
): Effect.Effect<Proc, StartError, Scope.Scope> =>
  Effect.gen(function*() {
    const { ChildProcess } = yield* Effect.promise(loadProcessModules)
    const command = ChildProcess.make(parsed.args[0], parsed.args.slice(1), {
      cwd: parsed.cwd,
      env: parsed.env,
      extendEnv: parsed.extendEnv,
      stdin: stdio.stdin,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      // When the scope closes on a running process: SIGTERM to its group,
      // SIGKILL after the grace period.
      killSignal: "SIGTERM",
      forceKillAfter: killGracePeriod
    })
    const handle = yield* Effect.flatMap(spawner, (spawner) => spawner.spawn(command)).pipe(
      Effect.mapError((error) => startError(parsed, error))
    )
    const scope = yield* Effect.scope
    const exited = yield* Deferred.make<number>()
    const status: Proc["status"] = { code: undefined }
    yield* Effect.forkIn(
      handle.exitCode.pipe(
        Effect.map(Number),
        Effect.catch((error) => {
          const signal = signalOf(error)
          // Effect's handle fails `exitCode` for a signal only (input streams
          // are not used here): anything else is a bug.
          return signal === undefined ? Effect.die(error) : Effect.succeed(-signal)
        }),
        Effect.flatMap((code) => {
          status.code = code
          return Deferred.succeed(exited, code)
        })
      ),
      scope
    )
    const stdout = yield* collect(handle.stdout, scope)
    const stderr = yield* collect(handle.stderr, scope)
    return { parsed, handle, scope, exited, status, stdout, stderr }
  })

/** Writes `input` to the process's standard input, then closes it, in the background (a closed pipe is ignored, as in Python). */
const feed = (proc: Proc, input: Uint8Array | undefined) =>
  Effect.forkIn(
    Stream.run(input === undefined ? Stream.empty : Stream.make(input), proc.handle.stdin).pipe(Effect.ignore),
    proc.scope
  )

/** The end of the output and the exit of the process: its return code. */
const finished = (proc: Proc): Effect.Effect<number> =>
  Deferred.await(proc.stdout.done).pipe(
    Effect.andThen(Deferred.await(proc.stderr.done)),
    Effect.andThen(Deferred.await(proc.exited))
  )

/**
 * `finished` within `timeoutMillis`; else the process and its group are
 * killed (`SIGKILL`; Effect's `kill` signals the group and waits for it),
 * the output that is left is read (for at most a second: a process that
 * left the group may hold the pipe) and the call fails with
 * `SubprocessTimeout`, as Python's `run` does.
 */
const finishedOrKilled = (proc: Proc): Effect.Effect<number, Errors.SubprocessTimeout> => {
  const timeoutMillis = proc.parsed.timeoutMillis
  if (timeoutMillis === undefined) return finished(proc)
  return Effect.flatMap(
    Effect.timeoutOption(finished(proc), timeoutMillis),
    Option.match({
      onSome: Effect.succeed,
      onNone: () =>
        proc.handle.kill({ killSignal: "SIGKILL" }).pipe(
          Effect.ignore,
          Effect.andThen(
            Effect.timeoutOption(
              Effect.andThen(Deferred.await(proc.stdout.done), Deferred.await(proc.stderr.done)),
              "1 second"
            )
          ),
          Effect.andThen(Effect.suspend(() => Effect.fail(timeoutError(proc.parsed.args, timeoutMillis, output(proc)))))
        )
    })
  )
}

const withParsed = <A, E, R>(
  args: ReadonlyArray<string>,
  options: RunOptions & SpawnOptions,
  f: (parsed: Parsed) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | Errors.InvalidArgumentError, R> =>
  Effect.suspend((): Effect.Effect<A, E | Errors.InvalidArgumentError, R> => {
    const parsed = parse(args, options)
    return parsed instanceof Errors.InvalidArgumentError ? Effect.fail(parsed) : f(parsed)
  })

// ---------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------

/**
 * Runs `args` with its output captured, waits for it, and returns a
 * `CompletedProcess`: Python's
 * `subprocess.run(args, input=…, timeout=…, check=…, capture_output=True, text=True)`.
 *
 * Fails with `SubprocessNotFound` when the program does not exist,
 * `CalledProcessError` when `check` is set and the return code is not 0,
 * `SubprocessTimeout` when `timeout` expires (the process and its children
 * are killed first), `InvalidArgumentError` for a bad argument (before
 * anything starts).
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  args: ReadonlyArray<string>,
  options: RunOptions = {}
): Effect.Effect<CompletedProcess, StartError | Errors.CalledProcessError | Errors.SubprocessTimeout> =>
  withParsed(args, options, (parsed) =>
    Effect.scoped(Effect.gen(function*() {
      const proc = yield* start(parsed, {
        stdin: parsed.input === undefined ? "inherit" : "pipe",
        stdout: "pipe",
        stderr: "pipe"
      })
      if (parsed.input !== undefined) yield* feed(proc, parsed.input)
      const returncode = yield* finishedOrKilled(proc)
      const completed: CompletedProcess = { args: parsed.args, returncode, ...output(proc) }
      if (options.check === true && returncode !== 0) return yield* calledProcessError(completed)
      return completed
    })))

/**
 * Runs `args` with this program's standard streams, waits for it, and
 * returns its return code: Python's `subprocess.call(args, timeout=…)`.
 * Fails as `run` does (never with `CalledProcessError`).
 *
 * @since 0.1.0
 * @category running
 */
export const call = (
  args: ReadonlyArray<string>,
  options: CallOptions = {}
): Effect.Effect<number, StartError | Errors.SubprocessTimeout> =>
  withParsed(args, options, (parsed) =>
    Effect.scoped(Effect.flatMap(
      start(parsed, { stdin: "inherit", stdout: "inherit", stderr: "inherit" }),
      finishedOrKilled
    )))

/**
 * `call`, failing with `CalledProcessError` when the return code is not 0:
 * Python's `subprocess.check_call`.
 *
 * @since 0.1.0
 * @category running
 */
export const checkCall = (
  args: ReadonlyArray<string>,
  options: CallOptions = {}
): Effect.Effect<void, StartError | Errors.SubprocessTimeout | Errors.CalledProcessError> =>
  Effect.flatMap(call(args, options), (returncode) =>
    returncode === 0
      ? Effect.void
      : Effect.fail(calledProcessError({ args: [...args], returncode, stdout: "", stderr: "" })))

/**
 * `run` with `check: true`, returning the standard output: Python's
 * `subprocess.check_output(args, text=True)` (the standard error is
 * captured too, and kept in a `CalledProcessError`).
 *
 * @since 0.1.0
 * @category running
 */
export const checkOutput = (
  args: ReadonlyArray<string>,
  options: Omit<RunOptions, "check"> = {}
): Effect.Effect<string, StartError | Errors.CalledProcessError | Errors.SubprocessTimeout> =>
  Effect.map(run(args, { ...options, check: true }), (completed) => completed.stdout)

/**
 * Starts `args` and returns a `Popen` handle at once: Python's
 * `subprocess.Popen(args, stdin=…, stdout=…, stderr=…)`. The process lives
 * as long as the current scope: when the scope closes, the process and its
 * group are terminated if still running (`SIGTERM`, then `SIGKILL` after
 * `killGracePeriod`) — Python's `with Popen(...) as p:` waits instead.
 *
 * @since 0.1.0
 * @category running
 */
export const spawn = (
  args: ReadonlyArray<string>,
  options: SpawnOptions = {}
): Effect.Effect<Popen, StartError, Scope.Scope> =>
  withParsed(args, options, (parsed) =>
    Effect.map(
      start(parsed, {
        stdin: options.stdin ?? "inherit",
        stdout: options.stdout ?? "inherit",
        stderr: options.stderr ?? "inherit"
      }),
      (proc) => makePopen(proc, options.stdin ?? "inherit")
    ))

const timeoutOption = (options: { readonly timeout?: Duration.Input | undefined } | undefined) =>
  Validation.timeoutMillis(options?.timeout)

const makePopen = (proc: Proc, stdin: Stdio): Popen => {
  const { args, encoding } = proc.parsed
  let communicating = false
  const returncode = Effect.sync(() => Option.fromUndefinedOr(proc.status.code))
  // Written by hand: Effect's `handle.kill` waits for the group to exit
  // (forever, for a process that ignores the signal), and Python's
  // `send_signal` only sends. The group is the process's own (it was
  // started detached), so its children get the signal too. A process that
  // has exited is not signalled (its pid may have been reused).
  const sendSignal = (signal: ChildProcess.Signal): Effect.Effect<void> =>
    Effect.sync(() => {
      if (proc.status.code !== undefined) return
      try {
        process.kill(process.platform === "win32" ? proc.handle.pid : -proc.handle.pid, signal)
      } catch {
        try {
          process.kill(proc.handle.pid, signal)
        } catch {
          // exited meanwhile
        }
      }
    })
  return {
    args,
    pid: proc.handle.pid,
    returncode,
    poll: returncode,
    wait: (options) =>
      Effect.suspend((): Effect.Effect<number, Errors.SubprocessTimeout | Errors.InvalidArgumentError> => {
        const timeoutMillis = timeoutOption(options)
        if (timeoutMillis instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMillis)
        const wait = Deferred.await(proc.exited)
        if (timeoutMillis === undefined) return wait
        return Effect.flatMap(
          Effect.timeoutOption(wait, timeoutMillis),
          Option.match({
            onSome: Effect.succeed,
            onNone: () => Effect.fail(timeoutError(args, timeoutMillis, { stdout: "", stderr: "" }))
          })
        )
      }),
    communicate: (input, options) =>
      Effect.suspend((): Effect.Effect<Output, Errors.SubprocessTimeout | Errors.InvalidArgumentError> => {
        const timeoutMillis = timeoutOption(options)
        if (timeoutMillis instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMillis)
        const badInput = checkInput(input)
        if (badInput !== undefined) return Effect.fail(badInput)
        if (input !== undefined && stdin !== "pipe") {
          return Effect.fail(
            new Errors.InvalidArgumentError({
              argument: "input",
              message: `'input' needs a process started with stdin: "pipe", got stdin: ${JSON.stringify(stdin)}`
            })
          )
        }
        if (input !== undefined && communicating) {
          return Effect.fail(
            new Errors.InvalidArgumentError({
              argument: "input",
              message: "'input' can be given only to the first communicate (its standard input is closed)"
            })
          )
        }
        const first = !communicating
        communicating = true
        const begin = first && stdin === "pipe"
          ? feed(proc, input === undefined ? undefined : toBytes(input, encoding))
          : Effect.void
        const done = Effect.as(finished(proc), undefined)
        const wait = timeoutMillis === undefined ? done : Effect.flatMap(
          Effect.timeoutOption(done, timeoutMillis),
          Option.match({
            onSome: Effect.succeed,
            onNone: () => Effect.suspend(() => Effect.fail(timeoutError(args, timeoutMillis, output(proc))))
          })
        )
        return begin.pipe(Effect.andThen(wait), Effect.andThen(Effect.sync(() => output(proc))))
      }),
    sendSignal,
    terminate: sendSignal("SIGTERM"),
    kill: sendSignal("SIGKILL")
  }
}
