/**
 * A `Task` is a CPU-bound function that a worker pool runs on another core:
 * the `func` of Python's `pool.apply(func, args)` /
 * `executor.submit(fn, *args)`, declared once with schemas so that callers
 * get full types and typed errors back across the worker boundary.
 *
 * Declare tasks in a module that both the caller and the workers import, and
 * export them (the workers register every exported `Task` by its name):
 *
 * ```ts
 * // tasks.ts
 * import * as Effect from "effect/Effect"
 * import * as Schema from "effect/Schema"
 * import { Task } from "@corun/core"
 *
 * export class Overflow extends Schema.TaggedError<Overflow>()("Overflow", { message: Schema.String }) {}
 *
 * export const sum = Task.make("sum", {
 *   input: Schema.Struct({ from: Schema.Number, to: Schema.Number }),
 *   output: Schema.Number,
 *   error: Overflow,
 *   progress: Schema.Number,              // optional: what ctx.progress reports
 *   run: ({ from, to }, ctx) => Effect.gen(function*() {
 *     let total = 0
 *     for (let i = from; i < to; i++) total += i
 *     yield* ctx.progress(1)
 *     if (!Number.isSafeInteger(total)) return yield* new Overflow({ message: "too big" })
 *     return total
 *   })
 * })
 * ```
 *
 * The input is encoded with `input` on the caller's side (bad input fails
 * with `InputEncodingError` before anything is sent) and decoded in the
 * worker; the output and typed error travel back the same way. Encoded
 * values must survive the structured clone of `postMessage` (thread
 * runtime) or of Node's `"advanced"` IPC serialization (process runtime):
 * plain data, typed arrays, `ArrayBuffer`s, `Map`s, `Date`s…
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import { pipeArguments } from "effect/Pipeable"
import type { Pipeable } from "effect/Pipeable"
import * as Schema from "effect/Schema"

/**
 * The runtime identity of tasks (workers find the exported tasks of a module
 * by it).
 *
 * @since 0.1.0
 * @category symbols
 */
export const TypeId = "~@corun/core/Task" as const

/**
 * What a running task can do besides computing its result.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskContext<in P = never> {
  /**
   * Reports progress to the caller, who receives the values as a stream
   * (`Pool.progress(future)`) or through `onProgress` while the task runs.
   * Encoded with the task's `progress` schema. Never fails.
   */
  readonly progress: (value: P) => Effect.Effect<void>
  /** The pool's id of the worker running the task (`1`, `2`, …). */
  readonly workerId: number
}

/**
 * A task definition: a name, the schemas of its input, output, error and
 * progress values, and the Effect that computes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Task<out Name extends string, in out I, in out O, in out E = never, in out P = never>
  extends Pipeable
{
  readonly [TypeId]: typeof TypeId
  /** The name workers know the task by; unique within a tasks module. */
  readonly name: Name
  readonly input: Schema.Codec<I, unknown>
  readonly output: Schema.Codec<O, unknown>
  readonly error: Schema.Codec<E, unknown>
  readonly progress: Schema.Codec<P, unknown>
  /** Computes the task; runs in a worker. */
  readonly run: (input: I, context: TaskContext<P>) => Effect.Effect<O, E>
  /**
   * Picks the `ArrayBuffer`s (or other transferables) of an encoded output
   * to move to the caller without copying (thread runtime).
   */
  readonly transferOutput: ((encodedOutput: unknown) => ReadonlyArray<unknown>) | undefined
}

/**
 * Any task.
 *
 * @since 0.1.0
 * @category models
 */
export interface Any extends Task<string, any, any, any, any> {}

/**
 * The input type of a task.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Input<T> = T extends Task<infer _N, infer I, infer _O, infer _E, infer _P> ? I : never

/**
 * The output (success) type of a task.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Output<T> = T extends Task<infer _N, infer _I, infer O, infer _E, infer _P> ? O : never

/**
 * The typed error of a task.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Error<T> = T extends Task<infer _N, infer _I, infer _O, infer E, infer _P> ? E : never

/**
 * The type of a task's progress values.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Progress<T> = T extends Task<infer _N, infer _I, infer _O, infer _E, infer P> ? P : never

/**
 * A schema a task can use: no services are needed to encode or decode it
 * (tasks cross thread and process boundaries on their own).
 *
 * @since 0.1.0
 * @category models
 */
export type TaskSchema = Schema.Codec<any, any, never, never>

class TaskImpl implements Any {
  readonly [TypeId] = TypeId
  readonly name: string
  readonly input: Schema.Codec<any, unknown>
  readonly output: Schema.Codec<any, unknown>
  readonly error: Schema.Codec<any, unknown>
  readonly progress: Schema.Codec<any, unknown>
  readonly run: (input: any, context: TaskContext<any>) => Effect.Effect<any, any>
  readonly transferOutput: ((encodedOutput: unknown) => ReadonlyArray<unknown>) | undefined
  constructor(name: string, options: MakeOptions<TaskSchema, TaskSchema, TaskSchema, TaskSchema>) {
    this.name = name
    this.input = options.input
    this.output = options.output
    this.error = options.error ?? Schema.Never
    this.progress = options.progress ?? Schema.Never
    this.run = options.run
    this.transferOutput = options.transferOutput
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString() {
    return `Task(${this.name})`
  }
}

/**
 * Options of `Task.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions<
  IS extends TaskSchema,
  OS extends TaskSchema,
  ES extends TaskSchema,
  PS extends TaskSchema
> {
  /** The schema of the task's input (encoded by the caller). */
  readonly input: IS
  /** The schema of the task's result (encoded by the worker). */
  readonly output: OS
  /** The schema of the task's typed error; default `Schema.Never`. */
  readonly error?: ES | undefined
  /** The schema of the values passed to `context.progress`; default `Schema.Never`. */
  readonly progress?: PS | undefined
  /** Computes the task; it runs in a worker, as an Effect fiber. */
  readonly run: (input: IS["Type"], context: TaskContext<PS["Type"]>) => Effect.Effect<OS["Type"], ES["Type"]>
  /**
   * Picks the transferables (e.g. `ArrayBuffer`s) of the encoded output to
   * move back to the caller without copying (thread runtime only).
   */
  readonly transferOutput?: ((encodedOutput: OS["Encoded"]) => ReadonlyArray<unknown>) | undefined
}

/**
 * Declares a task: the `def func(...)` that Python passes to
 * `pool.apply(func, args)`. Give every task of a module its own name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  const Name extends string,
  IS extends TaskSchema,
  OS extends TaskSchema,
  ES extends TaskSchema = Schema.Never,
  PS extends TaskSchema = Schema.Never
>(
  name: Name,
  options: MakeOptions<IS, OS, ES, PS>
): Task<Name, IS["Type"], OS["Type"], ES["Type"], PS["Type"]> => new TaskImpl(name, options as any) as any

/**
 * Whether a value is a task (a module's exported tasks are found with it).
 *
 * @since 0.1.0
 * @category guards
 */
export const isTask = (u: unknown): u is Any => typeof u === "object" && u !== null && (u as any)[TypeId] === TypeId
