/**
 * The `process` runtime: each worker is a child process (`fork` of the
 * worker entry, an IPC channel with the "advanced" serialization), with the
 * parent's flags, its resource limits as V8 flags, the compile cache on from
 * its start, and its stderr passed through and watched for V8's report of a
 * heap limit reached.
 *
 * @internal
 */
import type * as Fiber from "effect/Fiber"
import type * as ChildProcess from "node:child_process"
import { fileURLToPath } from "node:url"
import type { ResourceLimits } from "../../NodePool.ts"
import { compileCacheEnv, workerEntry, workerExecArgv } from "../environment.ts"
import * as P from "../protocol.ts"
import { connect, type CrashInfo, describeError, type Runtime, type RuntimeWorker } from "../runtime.ts"

class ProcessWorker implements RuntimeWorker {
  crash: CrashInfo | undefined = undefined
  outOfMemory = false
  /** `kill` or `close` was called: its exit is no mystery to classify. */
  deliberate = false
  exited = false
  runFiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  readonly id: number
  readonly child: ChildProcess.ChildProcess
  readonly pid: number
  readonly threadId = 0
  constructor(id: number, child: ChildProcess.ChildProcess) {
    this.id = id
    this.child = child
    this.pid = child.pid ?? 0
  }
  send(message: Array<unknown>): unknown {
    try {
      // `effect/workers`' wire format, as for threads (`thread.ts`).
      if (this.child.connected) this.child.send([0, message])
    } catch (error) {
      return error
    }
    return undefined
  }
  kill() {
    this.deliberate = true
    if (!this.exited) this.child.kill("SIGKILL")
  }
  signal(signal: NodeJS.Signals) {
    this.deliberate = true
    if (!this.exited) this.child.kill(signal)
  }
  close() {
    this.deliberate = true
    this.runFiber?.interruptUnsafe()
  }
}

/** `resourceLimits` as the V8 flags of a child process. */
const limitFlags = (limits: ResourceLimits | undefined): Array<string> => {
  const flags: Array<string> = []
  if (limits?.maxOldGenerationSizeMb !== undefined) {
    flags.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`)
  }
  if (limits?.maxYoungGenerationSizeMb !== undefined) {
    flags.push(`--max-semi-space-size=${Math.max(1, Math.round(limits.maxYoungGenerationSizeMb / 3))}`)
  }
  if (limits?.stackSizeMb !== undefined) flags.push(`--stack-size=${Math.round(limits.stackSizeMb * 1024)}`)
  return flags
}

/**
 * Copies a child's output to `target` a whole line at a time: several
 * children writing at once do not cut each other's lines (a child writing
 * to a shared pipe itself may: its queued lines go out in one `writev`,
 * which the pipe can split anywhere). The rest of a line waits for its end,
 * for the stream's end, or until it is 64 KiB long.
 */
const lineWriter = (target: NodeJS.WriteStream) => {
  let partial: Buffer | undefined
  return {
    write: (chunk: Buffer) => {
      const end = chunk.lastIndexOf(10)
      if (end < 0) {
        partial = partial === undefined ? chunk : Buffer.concat([partial, chunk])
        if (partial.length > 65536) {
          target.write(partial)
          partial = undefined
        }
        return
      }
      const lines = chunk.subarray(0, end + 1)
      target.write(partial === undefined ? lines : Buffer.concat([partial, lines]))
      partial = end + 1 < chunk.length ? chunk.subarray(end + 1) : undefined
    },
    end: () => {
      if (partial !== undefined) target.write(partial)
      partial = undefined
    }
  }
}

/** Child processes (`runtime: "process"`). */
export const processRuntime: Runtime = {
  name: "process",
  label: "worker process",
  spawn(options, events) {
    const env = options.env ?? process.env
    const child = process.getBuiltinModule("node:child_process").fork(fileURLToPath(workerEntry), [], {
      serialization: "advanced",
      execArgv: [...workerExecArgv(), ...limitFlags(options.resourceLimits), ...options.execArgv],
      env: {
        ...compileCacheEnv(env),
        ...env,
        [P.INIT_ENV]: process.getBuiltinModule("node:v8").serialize(options.init).toString("base64")
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"]
    })
    const worker = new ProcessWorker(options.id, child)
    // The worker's stdout and stderr are passed through a whole line at a
    // time (`lineWriter`); V8's report of a heap limit reached on stderr (the
    // process then aborts) tells an out-of-memory death apart.
    const stdout = lineWriter(process.stdout)
    const stderrLines = lineWriter(process.stderr)
    child.stdout?.on("data", stdout.write)
    child.stdout?.on("end", stdout.end)
    let tail = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrLines.write(chunk)
      if (worker.outOfMemory) return
      // Search before trimming: one chunk can hold the report and a long
      // native stack trace after it. The tail keeps a report split across chunks.
      const text = tail + chunk.toString("latin1")
      if (/heap out of memory|Reached heap limit/.test(text)) worker.outOfMemory = true
      tail = text.slice(-64)
    })
    child.stderr?.on("end", stderrLines.end)
    child.on("error", (error) => {
      if (worker.crash === undefined) {
        worker.crash = { reason: "startup", detail: `could not start: ${describeError(error)}` }
      }
    })
    child.on("exit", (code, signal) => {
      worker.exited = true
      // 'exit' can come before the last of stderr: a worker that died on
      // its own is classified once V8's report (if any) has been read —
      // at stderr's end, or after 100 ms (a grandchild may hold the pipe).
      const stderr = child.stderr
      if (
        (code === 0 && signal === null) || worker.outOfMemory || worker.deliberate ||
        stderr === null || stderr.readableEnded || stderr.destroyed
      ) return events.onExit(code, signal)
      const classify = () => {
        clearTimeout(timer)
        stderr.off("end", classify)
        stderr.off("close", classify)
        events.onExit(code, signal)
      }
      const timer = setTimeout(classify, 100)
      stderr.once("end", classify)
      stderr.once("close", classify)
    })
    worker.runFiber = connect(options.id, child, events)
    return worker
  }
}
