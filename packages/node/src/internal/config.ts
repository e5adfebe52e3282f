/**
 * The pool's options, checked once: `parseOptions` turns `NodePool.Options`
 * into a `PoolConfig` or the `InvalidArgumentError` of the first bad option,
 * before anything starts.
 *
 * @internal
 */
import { Errors, type Task, Timeline } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as os from "node:os"
import { pathToFileURL } from "node:url"
import type { Options, ResourceLimits } from "../NodePool.ts"

const Validation = Backend.Validation

/** The first problem a schema found, as one line. */
const formatSchemaError = (exit: Exit.Exit<unknown, Schema.SchemaError>): string => {
  if (Exit.isSuccess(exit)) return ""
  const reason = exit.cause.reasons[0]
  return reason !== undefined && reason._tag === "Fail" ? reason.error.message : Cause.pretty(exit.cause)
}

/** The largest pool (`NodePool.maxSize`). */
export const maxSize = 1024

/** The tasks module's URL; `undefined` when `tasks` is neither a URL nor a path. */
export const toUrl = (tasks: unknown): URL | undefined => {
  if (tasks instanceof URL) return tasks
  if (typeof tasks !== "string" || tasks === "") return undefined
  if (/^[a-z][a-z0-9+.-]*:/i.test(tasks) && !/^[a-z]:[\\/]/i.test(tasks)) {
    return URL.canParse(tasks) ? new URL(tasks) : undefined
  }
  return pathToFileURL(tasks)
}

/** `Options`, checked once by `parseOptions`: what the pool runs on. */
export interface PoolConfig {
  readonly size: number
  readonly runtime: "thread" | "process"
  readonly tasksUrl: URL
  /** `undefined`: workers are never replaced for their task count. */
  readonly maxTasksPerChild: number | undefined
  /** `undefined`: idle workers live as long as the pool. */
  readonly idleTimeoutMs: number | undefined
  /** `undefined`: workers may take forever to start. */
  readonly startupTimeoutMs: number | undefined
  /** `undefined`: no default task timeout. */
  readonly taskTimeoutMs: number | undefined
  /** `undefined`: a cancelled task's worker is never terminated for it. */
  readonly graceMs: number | undefined
  readonly maxDepth: number
  /** `Infinity`: every progress value is kept. */
  readonly progressBufferSize: number
  readonly initializer: { readonly task: string; readonly input: unknown } | undefined
  readonly resourceLimits: ResourceLimits | undefined
  /** Workers start from a bundle of the tasks module when one is cached (`internal/bundle.ts`). */
  readonly bundle: boolean
  /** Tasks' log records go to their callers' loggers (`Options.logs`). */
  readonly forwardLogs: boolean
  /** Tasks submitted in a span run in a child span, their spans sent to the caller's tracer (`Options.traces`). */
  readonly traces: boolean
  /** Where each job's times and outcome are recorded (`Options.timeline`). */
  readonly timeline: Timeline.Timeline | undefined
  /** Flags added to the ones workers inherit. */
  readonly execArgv: ReadonlyArray<string>
  /** Child processes' environment; `undefined`: this process's. */
  readonly env: Readonly<Record<string, string | undefined>> | undefined
}

const resourceLimitKeys = [
  "maxOldGenerationSizeMb",
  "maxYoungGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb"
] as const

/**
 * Checks every option with corun's shared argument checks and returns what
 * the pool needs, or the `InvalidArgumentError` of the first bad option.
 * Nothing is started before this has succeeded.
 */
export const parseOptions = (options: Options<any>): PoolConfig | Errors.InvalidArgumentError => {
  const size = options.size === undefined ? os.availableParallelism() : Validation.positiveCount(options.size, "size")
  if (size instanceof Errors.InvalidArgumentError) return size
  if (size > maxSize) {
    return Validation.invalidArgument(
      "size",
      size,
      `at most ${maxSize} (NodePool.maxSize; a worker per core is the usual size, and this machine has ${os.availableParallelism()})`
    )
  }
  const runtime = options.runtime ?? "thread"
  if (runtime !== "thread" && runtime !== "process") {
    return Validation.invalidArgument("runtime", runtime, `"thread" or "process"`)
  }
  const tasksUrl = toUrl(options.tasks)
  if (tasksUrl === undefined) {
    return Validation.invalidArgument("tasks", options.tasks, "the URL or the file path of the tasks module")
  }
  const maxTasksPerChild = options.maxTasksPerChild === undefined
    ? Infinity
    : Validation.positiveCount(options.maxTasksPerChild, "maxTasksPerChild", true)
  if (maxTasksPerChild instanceof Errors.InvalidArgumentError) return maxTasksPerChild
  const idleTimeoutMs = Validation.timeoutMillis(options.idleTimeout, "idleTimeout")
  if (idleTimeoutMs instanceof Errors.InvalidArgumentError) return idleTimeoutMs
  const startupTimeoutMs = options.startupTimeout === undefined
    ? 30_000
    : Validation.timeoutMillis(options.startupTimeout, "startupTimeout")
  if (startupTimeoutMs instanceof Errors.InvalidArgumentError) return startupTimeoutMs
  const taskTimeoutMs = Validation.timeoutMillis(options.taskTimeout, "taskTimeout")
  if (taskTimeoutMs instanceof Errors.InvalidArgumentError) return taskTimeoutMs
  const graceMs = options.cancelGracePeriod === undefined
    ? 50
    : Validation.durationMillis(options.cancelGracePeriod, "cancelGracePeriod")
  if (graceMs instanceof Errors.InvalidArgumentError) return graceMs
  const maxDepth = options.maxInFlightPerWorker === undefined
    ? 64
    : Validation.positiveCount(options.maxInFlightPerWorker, "maxInFlightPerWorker")
  if (maxDepth instanceof Errors.InvalidArgumentError) return maxDepth
  const progressBufferSize = options.progressBufferSize === undefined
    ? 1000
    : Validation.positiveCount(options.progressBufferSize, "progressBufferSize", true)
  if (progressBufferSize instanceof Errors.InvalidArgumentError) return progressBufferSize
  const limits = options.resourceLimits
  if (limits !== undefined) {
    for (const key of resourceLimitKeys) {
      if (limits[key] === undefined) continue
      const limit = Validation.positiveSize(limits[key], `resourceLimits.${key}`)
      if (limit instanceof Errors.InvalidArgumentError) return limit
    }
  }
  if (options.timeline !== undefined && !Timeline.isTimeline(options.timeline)) {
    return Validation.invalidArgument("timeline", options.timeline, "a Timeline (Timeline.make())")
  }
  if (options.logs !== undefined && typeof options.logs !== "boolean") {
    return Validation.invalidArgument("logs", options.logs, "true or false")
  }
  if (options.traces !== undefined && typeof options.traces !== "boolean") {
    return Validation.invalidArgument("traces", options.traces, "true or false")
  }
  if (options.bundle !== undefined && typeof options.bundle !== "boolean") {
    return Validation.invalidArgument("bundle", options.bundle, "true or false")
  }
  let initializer: PoolConfig["initializer"]
  if (options.initializer !== undefined) {
    const task = options.initializer as Task.Any
    const encoded = Schema.encodeUnknownExit(task.input as Schema.Codec<unknown, unknown>)(options.initargs)
    if (Exit.isFailure(encoded)) {
      return new Errors.InvalidArgumentError({
        argument: "initargs",
        message: `'initargs' do not match the input schema of the initializer "${task.name}": ${
          formatSchemaError(encoded)
        }`
      })
    }
    initializer = { task: task.name, input: encoded.value }
  }
  return {
    size,
    runtime,
    tasksUrl,
    maxTasksPerChild: maxTasksPerChild === Infinity ? undefined : maxTasksPerChild,
    idleTimeoutMs,
    startupTimeoutMs,
    taskTimeoutMs,
    graceMs,
    maxDepth,
    progressBufferSize,
    initializer,
    resourceLimits: options.resourceLimits,
    bundle: options.bundle !== false,
    forwardLogs: options.logs !== false,
    traces: options.traces !== false,
    timeline: options.timeline,
    execArgv: options.execArgv ?? [],
    env: options.env
  }
}
