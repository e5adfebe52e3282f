/**
 * The body of `NodePool`'s workers (worker threads and child processes),
 * started by `NodeWorkerMain` (`start`): it imports the pool's tasks module,
 * registers every exported `Task` by name, runs the initializer, then runs
 * the tasks it is sent, one at a time, each as an Effect fiber. From a
 * bundle (`internal/bundle`), the tasks module is in the bundle with it and
 * handed to `start`.
 *
 * It speaks `effect/workers`' wire format (what `@effect/platform-node`'s
 * `NodeWorkerRunner` speaks, and the parent's `NodeWorker` platform
 * expects) directly on `parentPort` / the IPC channel: worker → parent `[0]`
 * (ready) and `[1, message]` (data); parent → worker `[0, message]` (data)
 * and `[1]` (close). `NodeWorkerRunner` itself is not loaded: it and
 * `WorkerRunner` add modules (and a scope, a deferred and a fiber per
 * message) to every worker's start-up for nothing the pool uses. The task
 * protocol on top is hand-written rather than `RpcServer`'s (see the note
 * at the top of `NodePool.ts`). Only the `effect` modules a task module
 * loads anyway (`effect/Effect`, `effect/Exit`, `effect/Schema`) are
 * imported: worker start-up is dominated by how many ES modules it loads.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import * as WorkerThreads from "node:worker_threads"
import * as P from "./protocol.ts"
import * as SyncMemory from "./syncMemory.ts"
import * as TaskTracer from "./taskTracer.ts"
import * as Watchdog from "./watchdog.ts"

const parentPort = WorkerThreads.parentPort
const isThread = parentPort !== null

if (!isThread && typeof process.send !== "function") {
  throw new Error("@corun/node NodeWorkerMain: this module is the entry point of pool workers; do not run it directly")
}

/** A child process's parent, read at start-up (an orphan's parent changes). */
const parentAtStart = process.ppid

const init: P.WorkerInit = isThread
  ? WorkerThreads.workerData
  // Built-in modules only some workers need are loaded when needed
  // (`process.getBuiltinModule`): each one is compiled anew in every worker.
  : process.getBuiltinModule("node:v8").deserialize(Buffer.from(process.env[P.INIT_ENV] ?? "", "base64")) // `Process.current`'s name: a `Process`'s own, else the pool worker's (as
 // Python names its pool workers `…PoolWorker-N`). A process-wide slot: the
// task module may read it through another copy of `@corun/node`.
;(globalThis as any)[Symbol.for("@corun/node/Process/name")] = init.name ?? `PoolWorker-${init.workerId}`
// A thread takes its parent's `ProcessSync` locks in their shared memory.
SyncMemory.setParentArena(init.syncArena)

/** Posts a reply (`effect/workers`' data message, `[1, message]`). */
const postNow: (message: P.Reply, transfer?: ReadonlyArray<unknown>) => void = isThread
  ? (message, transfer) => parentPort!.postMessage([1, message], transfer as any)
  : (message) => {
    process.send!([1, message])
  }

/** Posts a reply, after the calls nobody waits for that were made before it (order is kept). */
const post = (message: P.Reply, transfer?: ReadonlyArray<unknown>): void => {
  if (casts.length > 0) flushCasts()
  postNow(message, transfer)
}

// Calls nobody waits for (`cast`: a put that cannot block) go out together,
// one message per tick: a producer putting item after item sends a few
// large messages, not one per item (each message costs the parent a fiber
// of the `effect/workers` platform). A tick of a busy fiber can last
// thousands of puts: every `CASTS_PER_MESSAGE` go out at once, so that the
// parent starts taking them while the producer goes on.
const CASTS_PER_MESSAGE = 256
let casts: Array<P.Reply> = []
let castCount = 0
let castsScheduled = false
/** The error of a cast that could not be sent, by object: the answer to the next call on it. */
const castErrors = new Map<number, unknown>()

/** Queues a record that needs no answer for the end of this tick (with the others: one message). */
const postSoon = (record: P.Reply): void => {
  casts.push(record)
  if (!castsScheduled) {
    castsScheduled = true
    queueMicrotask(() => {
      castsScheduled = false
      flushCasts()
    })
  }
}

const flushCasts = () => {
  const batch = casts
  casts = []
  castCount = 0
  if (batch.length === 0) return
  try {
    postNow(batch.length === 1 ? batch[0] : [P.R_BATCH, batch])
  } catch {
    // One of them cannot be cloned (it changed after its cast was checked):
    // send them one call at a time; the bad one is dropped and its error
    // answers the next call on its object.
    const single: Array<P.Reply> = []
    for (const record of batch) {
      if (record[0] === P.R_CASTS) {
        for (const args of record[3]) single.push([P.R_CASTS, record[1], record[2], [args]])
      } else single.push(record)
    }
    for (const record of single) {
      try {
        postNow(record)
      } catch (error) {
        // Only a call has an object whose next call can say what was lost
        // (log records and spans are made of crossable values; one that
        // failed anyway is dropped, and an unended span ends with its job).
        if (record[0] !== P.R_CASTS && record[0] !== P.R_CALL) continue
        const objectId = (record[0] === P.R_CASTS ? record[1] : record[2]) as number
        castErrors.set(objectId, {
          _tag: "InvalidArgumentError",
          argument: "value",
          message: `the value cannot be sent to another process: ${
            error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          }`
        })
      }
    }
  }
}

/** Posts one last message and exits once it is on its way. */
const postAndExit = (message: P.Reply, code: number) => {
  if (isThread) {
    post(message)
    process.exit(code)
  }
  try {
    process.send!([1, message], undefined, undefined, () => process.exit(code))
    setTimeout(() => process.exit(code), 1000).unref()
  } catch {
    process.exit(code)
  }
}

if (!isThread) {
  // The parent is gone (even if it was SIGKILLed): leave with it.
  process.on("disconnect", () => process.exit(0))
  process.on("uncaughtException", (error) => postAndExit([P.R_CRASH, P.serializeDefect(error)], 70))
}

interface Entry {
  readonly task: any
  decodeInput: ((u: unknown) => Exit.Exit<any, any>) | undefined
  encodeOutput: ((u: unknown) => Exit.Exit<any, any>) | undefined
  encodeError: ((u: unknown) => Exit.Exit<any, any>) | undefined
  encodeProgress: ((u: unknown) => Exit.Exit<any, any>) | undefined
}

const registry = new Map<string, Entry>()

const register = (value: unknown) => {
  if (typeof value === "object" && value !== null && (value as any)[P.TASK_TYPE_ID] === P.TASK_TYPE_ID) {
    const task = value as any
    if (!registry.has(task.name)) {
      registry.set(task.name, {
        task,
        decodeInput: undefined,
        encodeOutput: undefined,
        encodeError: undefined,
        encodeProgress: undefined
      })
    }
  }
}

const decodeInput = (entry: Entry, u: unknown) =>
  (entry.decodeInput ??= Schema.decodeUnknownExit(entry.task.input as Schema.Codec<any, any>))(u)
const encodeOutput = (entry: Entry, u: unknown) =>
  (entry.encodeOutput ??= Schema.encodeUnknownExit(entry.task.output as Schema.Codec<any, any>))(u)
const encodeError = (entry: Entry, u: unknown) =>
  (entry.encodeError ??= Schema.encodeUnknownExit(entry.task.error as Schema.Codec<any, any>))(u)
const encodeProgress = (entry: Entry, u: unknown) =>
  (entry.encodeProgress ??= Schema.encodeUnknownExit(entry.task.progress as Schema.Codec<any, any>))(u)

const schemaDefect = (what: string, task: string, exit: Exit.Exit<unknown, unknown>): P.SerializedDefect => ({
  name: "SchemaError",
  message: `${what} of task "${task}" does not match its schema: ${
    Exit.isFailure(exit) ? String(exit.cause.reasons[0] && (exit.cause.reasons[0] as any).error?.message) : ""
  }`,
  stack: undefined
})

// -----------------------------------------------------------------------------
// Running tasks, one at a time
// -----------------------------------------------------------------------------

/**
 * The job queue: flat records `[op, id, task, payload]` from `head` on; a
 * cancelled or unqueued job's op becomes `DROPPED` (skipped when reached).
 */
let queue: Array<unknown> = []
const DROPPED = -1
let head = 0
let currentId = -1
/** The caller's span of each traced job not started yet (`TRACE` records), by job id. */
const traces = new Map<number, readonly [traceId: string, spanId: string]>()
let currentFiber: Fiber.Fiber<unknown, unknown> | undefined
let closing = false

const makeContext = (entry: Entry, id: number) => ({
  workerId: init.workerId,
  progress: (value: unknown) =>
    Effect.sync(() => {
      const encoded = encodeProgress(entry, value)
      if (Exit.isSuccess(encoded)) {
        try {
          post([P.R_PROGRESS, id, encoded.value])
        } catch {
          // A progress value that cannot be cloned is dropped, as one that does not match its schema.
        }
      }
    })
})

/** How a task's exit is sent: its reply's op code and value. */
type EncodedExit =
  | readonly [typeof P.R_SUCCESS, unknown]
  | readonly [typeof P.R_FAIL, unknown]
  | readonly [typeof P.R_DIE, P.SerializedDefect]
  | readonly [typeof P.R_INTERRUPTED, undefined]

/** Encodes a task's exit as `[tag, value]`. */
const encodeExit = (entry: Entry, exit: Exit.Exit<unknown, unknown>): EncodedExit => {
  if (Exit.isSuccess(exit)) {
    const encoded = encodeOutput(entry, exit.value)
    return Exit.isSuccess(encoded)
      ? [P.R_SUCCESS, encoded.value]
      : [P.R_DIE, schemaDefect("the result", entry.task.name, encoded)]
  }
  const reasons = exit.cause.reasons
  let interrupted = false
  for (let i = 0; i < reasons.length; i++) {
    const reason = reasons[i]
    if (reason._tag === "Fail") {
      const encoded = encodeError(entry, reason.error)
      return Exit.isSuccess(encoded)
        ? [P.R_FAIL, encoded.value]
        : [P.R_DIE, P.serializeDefect(reason.error)]
    }
  }
  for (let i = 0; i < reasons.length; i++) {
    const reason = reasons[i]
    if (reason._tag === "Die") return [P.R_DIE, P.serializeDefect(reason.defect)]
    if (reason._tag === "Interrupt") interrupted = true
  }
  return interrupted ? [P.R_INTERRUPTED, undefined] : [P.R_DIE, P.serializeDefect(new Error("task failed"))]
}

/**
 * Posts a job's reply; one holding a value that cannot be cloned (a function,
 * a symbol… under `Schema.Any`) throws a `DataCloneError`: the job then dies
 * with an error naming the task and the cause, and the worker goes on
 * (uncaught, it would kill the worker — in a thread with an empty message).
 */
const reply = (entry: Entry, op: unknown, id: number, exit: Exit.Exit<any, unknown>) => {
  try {
    replyUnsafe(entry, op, id, exit)
  } catch (error) {
    post([P.R_DIE, id, uncloneable("the result", entry.task.name, error)])
  }
}

/** The reply of an encoded exit. */
const replyOf = (id: number, encoded: EncodedExit): P.Reply =>
  encoded[0] === P.R_INTERRUPTED ? [P.R_INTERRUPTED, id] : [encoded[0], id, encoded[1]] as P.Reply

const uncloneable = (what: string, task: string, error: unknown): P.SerializedDefect => {
  const defect = P.serializeDefect(error)
  return {
    name: defect.name,
    message: `${what} of task "${task}" could not be sent to the pool: ${defect.name}: ${defect.message} ` +
      `(a value that cannot be cloned — a function, a symbol, an object holding one…: ` +
      `give the task a Schema that encodes it to plain data)`,
    stack: undefined
  }
}

const replyUnsafe = (entry: Entry, op: unknown, id: number, exit: Exit.Exit<any, unknown>) => {
  if (op === P.RUN) {
    const encoded = encodeExit(entry, exit)
    if (encoded[0] === P.R_SUCCESS && entry.task.transferOutput !== undefined && isThread) {
      post([P.R_SUCCESS, id, encoded[1]], entry.task.transferOutput(encoded[1]))
    } else {
      post(replyOf(id, encoded))
    }
  } else if (Exit.isSuccess(exit)) {
    const [values, failure] = exit.value as [Array<unknown>, Exit.Exit<unknown, unknown> | undefined]
    if (failure === undefined) post([P.R_CHUNK, id, values, P.CHUNK_DONE, undefined])
    else {
      const encoded = encodeExit(entry, failure)
      // A chunk ends as its failing input did; a success there cannot be (`runChunk` stops at failures).
      post([P.R_CHUNK, id, values, ...(encoded[0] === P.R_SUCCESS ? [P.CHUNK_DONE, undefined] as const : encoded)])
    }
  } else post(replyOf(id, encodeExit(entry, exit)))
}

/** Runs the items of a chunk in order, stopping at the first failure. */
const runChunk = (entry: Entry, id: number, inputs: Array<unknown>) =>
  Effect.gen(function*() {
    const context = makeContext(entry, id)
    const values: Array<unknown> = []
    for (let i = 0; i < inputs.length; i++) {
      const input = decodeInput(entry, inputs[i])
      if (Exit.isFailure(input)) {
        return [values, Exit.die(P.reviveDefect(schemaDefect("an input", entry.task.name, input)))] as const
      }
      const exit = yield* Effect.exit(entry.task.run(input.value, context) as Effect.Effect<unknown, unknown>)
      if (Exit.isFailure(exit)) return [values, exit] as const
      const encoded = encodeOutput(entry, exit.value)
      if (Exit.isFailure(encoded)) {
        return [values, Exit.die(P.reviveDefect(schemaDefect("the result", entry.task.name, encoded)))] as const
      }
      values.push(encoded.value)
    }
    return [values, undefined] as const
  })

/**
 * Runs a task's effect: with `forwardLogs`, under a logger that sends each
 * record at or above the pool maker's minimum level to the parent for the
 * running task's caller (one context made once: nothing per task), else as
 * Effect's default runtime does.
 */
const runTask: (effect: Effect.Effect<unknown, unknown>) => Fiber.Fiber<unknown, unknown> = init.forwardLogs === true
  ? Effect.runForkWith(Context.add(
    Context.make(References.MinimumLogLevel, init.minimumLogLevel ?? "Info"),
    Logger.CurrentLoggers,
    new Set([Logger.make((options) => {
      if (currentId < 0) return
      const message = Array.isArray(options.message) ? options.message.map(P.crossable) : P.crossable(options.message)
      const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
      postSoon([
        P.R_LOG,
        currentId,
        options.logLevel as P.LogSeverity,
        message,
        Object.keys(annotations).length === 0 ? undefined : P.crossable(annotations) as Record<string, unknown>,
        options.cause.reasons.length === 0 ? undefined : Cause.pretty(options.cause)
      ])
    })])
  ))
  : Effect.runFork

const drain = (): void => {
  while (head < queue.length) {
    const op = queue[head]
    const id = queue[head + 1] as number
    const name = queue[head + 2] as string
    const payload = queue[head + 3]
    queue[head + 3] = undefined
    head += 4
    if (op === DROPPED) continue
    const trace = traces.size === 0 ? undefined : traces.get(id)
    if (trace !== undefined) traces.delete(id)
    const entry = registry.get(name)
    if (entry === undefined) {
      post([P.R_UNKNOWN, id])
      continue
    }
    let effect: Effect.Effect<unknown, unknown>
    if (op === P.RUN) {
      const input = decodeInput(entry, payload)
      if (Exit.isFailure(input)) {
        post([P.R_DIE, id, schemaDefect("the input", name, input)])
        continue
      }
      try {
        effect = entry.task.run(input.value, makeContext(entry, id))
      } catch (error) {
        post([P.R_DIE, id, P.serializeDefect(error)])
        continue
      }
    } else {
      effect = runChunk(entry, id, payload as Array<unknown>)
    }
    if (trace !== undefined) effect = TaskTracer.traced(effect, id, name, init.workerId, trace[0], trace[1], postSoon)
    // The task's log records name it (`currentId`) while it runs.
    currentId = id
    const fiber = runTask(effect)
    const exit = fiber.pollUnsafe()
    if (exit !== undefined) {
      currentId = -1
      reply(entry, op, id, exit)
      continue
    }
    currentFiber = fiber
    fiber.addObserver((exit) => {
      currentId = -1
      currentFiber = undefined
      reply(entry, op, id, exit)
      if (closing) return
      drain()
    })
    return
  }
  queue = []
  head = 0
}

const cancel = (id: number) => {
  traces.delete(id)
  if (id === currentId) {
    currentFiber!.interruptUnsafe()
    return
  }
  for (let i = head; i < queue.length; i += 4) {
    if (queue[i + 1] === id && queue[i] !== DROPPED) {
      queue[i] = DROPPED
      queue[i + 3] = undefined
      post([P.R_INTERRUPTED, id])
      return
    }
  }
}

const unqueue = (id: number) => {
  traces.delete(id)
  for (let i = head; i < queue.length; i += 4) {
    if (queue[i + 1] === id && queue[i] !== DROPPED) {
      queue[i] = DROPPED
      queue[i + 3] = undefined
      post([P.R_UNQUEUED, id])
      return
    }
  }
}

const close = () => {
  closing = true
  if (currentFiber !== undefined) currentFiber.interruptUnsafe()
  exitWhenFlushed(0)
}

/**
 * Exits once what the tasks printed has left the process: a child
 * process's stdout and stderr, when they are pipes, are written
 * asynchronously, and `process.exit` would drop what is still queued (a
 * task's last lines). A thread's output is handed to its parent as it is
 * written. Bounded, in case an output never drains.
 */
const exitWhenFlushed = (code: number) => {
  if (isThread) process.exit(code)
  let pending = 2
  const done = () => {
    if (--pending === 0) process.exit(code)
  }
  process.stdout.write("", done)
  process.stderr.write("", done)
  setTimeout(() => process.exit(code), 2000).unref()
}

const onCommand = (op: P.Command[0], id: number, task: string | undefined, payload: unknown) => {
  if (op === P.RUN || op === P.CHUNK) queue.push(op, id, task, payload)
  else if (op === P.TRACE) traces.set(id, [task!, payload as string])
  else if (op === P.CANCEL) cancel(id)
  else if (op === P.UNQUEUE) unqueue(id)
  else {
    const resume = calls.get(id)
    if (resume === undefined) return
    calls.delete(id)
    const [ok, value] = payload as [0 | 1 | 2, unknown]
    // Received: what the reply hands over is this worker's now. The
    // acknowledgement leaves with this tick's other records (the task's next
    // call, often): it is on its way before the task has the value, and
    // costs no message of its own.
    if (ok === 2) postSoon([P.R_ACK, id])
    resume(ok === 0 ? 0 : 1, value)
  }
}

// -----------------------------------------------------------------------------
// Calls to objects the parent serves
// -----------------------------------------------------------------------------

/** Calls waiting for their `REPLY`, by id. */
const calls = new Map<number, (ok: 0 | 1, value: unknown) => void>()
let nextCall = 1 /**
 * The channel task code uses to reach the objects its parent serves
 * (`ProcessQueue`, `Pipe`…; see `internal/served.ts`): a process-wide slot,
 * read by whatever copy of `@corun/node` the tasks module loaded.
 */
;(globalThis as any)[Symbol.for("@corun/node/channel")] = {
  call: (objectId: number, method: string, args: unknown, resume: (ok: 0 | 1, value: unknown) => void): number => {
    const id = nextCall++
    const castError = castErrors.get(objectId)
    if (castError !== undefined) {
      castErrors.delete(objectId)
      resume(0, castError)
      return id
    }
    calls.set(id, resume)
    try {
      post([P.R_CALL, id, objectId, method, args])
    } catch (error) {
      // A value that cannot be cloned: the call fails, the worker goes on.
      calls.delete(id)
      throw error
    }
    return id
  },
  cancel: (id: number): void => {
    if (calls.delete(id)) post([P.R_CANCEL_CALL, id])
  },
  /** A call nobody waits for (call id 0: no reply); throws when `args` cannot be cloned. */
  cast: (objectId: number, method: string, args: unknown): void => {
    // Fail here, at the call, for a value that cannot be cloned (as a call
    // that waits does): the batch is cloned later. Plain values need no look.
    for (const value of args as ReadonlyArray<unknown>) {
      if (typeof value === "object" && value !== null || typeof value === "function") structuredClone(value)
    }
    // Consecutive calls of one method on one object travel as one record.
    const last = casts[casts.length - 1]
    if (last !== undefined && last[0] === P.R_CASTS && last[1] === objectId && last[2] === method) last[3].push(args)
    else postSoon([P.R_CASTS, objectId, method, [args]])
    if (++castCount >= CASTS_PER_MESSAGE) flushCasts()
  }
}

const onMessage = (batch: P.Batch) => {
  P.forEachCommand(batch, onCommand)
  if (currentFiber === undefined) drain()
}

// -----------------------------------------------------------------------------
// Start-up
// -----------------------------------------------------------------------------

const startupFailed = (error: unknown) => postAndExit([P.R_STARTUP_FAILED, P.serializeDefect(error)], 1)

/**
 * Starts the worker: loads the tasks module with `load` (`NodeWorkerMain`
 * imports it; a bundle, which holds it, hands it over), registers its tasks,
 * runs the initializer, then tells the parent it is ready. The tasks module
 * is not imported here: this body goes into bundles, where an `import()` of
 * a computed specifier would be resolved from the bundle's location.
 */
export const start = async (
  load: () => Record<string, unknown> | Promise<Record<string, unknown>>
): Promise<void> => {
  let module: Record<string, unknown>
  try {
    module = await load()
  } catch (error) {
    return startupFailed(error)
  }
  for (const key of Object.keys(module)) register(module[key])
  if (typeof module.default === "object" && module.default !== null) {
    for (const value of Object.values(module.default)) register(value)
  }
  if (init.initializer !== undefined) {
    // The initializer is user code that may keep the main thread busy before
    // any job arrives (the watchdog otherwise starts with the first job): a
    // child process arms its orphan watchdog first.
    if (!isThread) Watchdog.start(parentAtStart)
    const entry = registry.get(init.initializer.task)
    if (entry === undefined) {
      return startupFailed(
        new Error(`the initializer task "${init.initializer.task}" is not exported by the tasks module ${init.tasks}`)
      )
    }
    const input = decodeInput(entry, init.initializer.input)
    if (Exit.isFailure(input)) {
      return startupFailed(P.reviveDefect(schemaDefect("the initargs", entry.task.name, input)))
    }
    const exit = await Effect.runPromiseExit(
      Effect.suspend(() => entry.task.run(input.value, makeContext(entry, -1)) as Effect.Effect<unknown, unknown>)
    )
    if (Exit.isFailure(exit)) {
      const [, value] = encodeExit(entry, exit)
      return startupFailed(
        new Error(`the initializer "${entry.task.name}" failed: ${JSON.stringify(value) ?? String(value)}`)
      )
    }
  }
  const receive = (message: [0, Array<unknown>] | [1]) => {
    if (message[0] === 0) onMessage(message[1])
    else close()
  }
  if (isThread) parentPort!.on("message", receive)
  else process.on("message", receive as (message: unknown) => void)
  // A message that cannot be deserialized here: the jobs it carried would
  // never answer, so the worker dies as a crash (the parent replaces it).
  parentPort?.on("messageerror", (error) => postAndExit([P.R_CRASH, P.serializeDefect(error)], 70))
  // Ready: the parent starts sending jobs.
  if (isThread) parentPort!.postMessage([0])
  else process.send!([0])
}
