/**
 * The typed errors of `@corun/core`, in one place.
 *
 * Every error is a `Schema.TaggedError`, so it can be matched with
 * `Effect.catchTag`, encoded across a worker boundary, and carries a message
 * that says what happened and what to do about it. Timeouts reuse Effect's
 * own `Cause.TimeoutError` (tag `"TimeoutError"`), which is what
 * `Effect.timeout` raises too.
 *
 * @since 0.1.0
 */
import { Cause, Schema } from "effect"

/**
 * Raised when awaiting the result of a task that was cancelled: Python's
 * `concurrent.futures.CancelledError` / `asyncio.CancelledError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class CancelledError extends Schema.TaggedError<CancelledError>()("CancelledError", {
  /** The name of the cancelled task, when it had one. */
  task: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/**
 * Raised by `Executor.submit` / `Executor.map` after `Executor.shutdown` (or
 * once the executor's scope has closed): Python's
 * `RuntimeError('cannot schedule new futures after shutdown')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExecutorShutdownError extends Schema.TaggedError<ExecutorShutdownError>()("ExecutorShutdownError", {
  message: Schema.String
}) {}

/**
 * Raised when an argument is out of range before any work starts (a
 * non-positive `maxWorkers`, a negative timeout, …): Python's `ValueError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidArgumentError extends Schema.TaggedError<InvalidArgumentError>()("InvalidArgumentError", {
  /** The name of the offending argument. */
  argument: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `TaskGroup` operations once the group has finished or is
 * shutting down: Python's `RuntimeError('TaskGroup ... is finished')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskGroupClosedError extends Schema.TaggedError<TaskGroupClosedError>()("TaskGroupClosedError", {
  message: Schema.String
}) {}

/**
 * Effect's own timeout error, re-exported: raised by every `{ timeout }`
 * option of corun (`Future.result`, `asCompleted`, `Executor.map`, …), as
 * Python raises `TimeoutError`.
 *
 * @since 0.1.0
 * @category errors
 */
export type TimeoutError = Cause.TimeoutError

/**
 * Constructs a `TimeoutError` with a message.
 *
 * @since 0.1.0
 * @category errors
 */
export const TimeoutError: new(message?: string) => TimeoutError = Cause.TimeoutError
