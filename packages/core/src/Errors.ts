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
import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Schema from "effect/Schema"

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

// -----------------------------------------------------------------------------
// Worker pools (`Pool`, `Task`; implemented by `@corun/node`'s `NodePool`)
// -----------------------------------------------------------------------------

/**
 * Raised when a task is given to a pool after `close()` / `terminate()` (or
 * once the pool's scope has closed): Python's `ValueError('Pool not running')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolClosed extends Schema.TaggedError<PoolClosed>()("PoolClosed", {
  /** The task that was refused. */
  task: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `Pool.join` while the pool still accepts tasks: Python's
 * `ValueError('Pool is still running')`. Call `close` or `terminate` first.
 *
 * @since 0.1.0
 * @category errors
 */
export class PoolStillRunning extends Schema.TaggedError<PoolStillRunning>()("PoolStillRunning", {
  message: Schema.String
}) {}

/**
 * Raised when the worker running a task died under it: an uncaught exception
 * at the worker's top level, `process.exit`, running out of memory under
 * `resourceLimits`, a signal such as `SIGKILL` (process runtime), or a
 * worker that could not start. Only the task that was running fails; the
 * worker is replaced and the pool goes on (Python's `BrokenProcessPool`,
 * without breaking the pool).
 *
 * @since 0.1.0
 * @category errors
 */
export class WorkerCrashed extends Schema.TaggedError<WorkerCrashed>()("WorkerCrashed", {
  /** The name of the task that was running. */
  task: Schema.String,
  /** The pool's id of the worker that died. */
  worker: Schema.Number,
  /** How it died: `"exception"`, `"exit"`, `"out-of-memory"`, `"signal"` or `"startup"`. */
  reason: Schema.String,
  /** The exit code, when the worker exited with one. */
  exitCode: Schema.optional(Schema.Number),
  /** The signal that killed a child-process worker. */
  signal: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/**
 * Raised when a pool task does not finish within its `timeout`; the task is
 * stopped in its worker (the worker is replaced if the task does not yield).
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskTimeout extends Schema.TaggedError<TaskTimeout>()("TaskTimeout", {
  task: Schema.String,
  /** The timeout, in milliseconds. */
  timeoutMillis: Schema.Number,
  message: Schema.String
}) {}

/**
 * Raised, before anything is sent to a worker, when a task's input does not
 * match (cannot be encoded by) the task's `input` schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class InputEncodingError extends Schema.TaggedError<InputEncodingError>()("InputEncodingError", {
  task: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised when the pool's workers do not know a task: the task definition is
 * not exported by the `tasks` module the pool was started with.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownTask extends Schema.TaggedError<UnknownTask>()("UnknownTask", {
  task: Schema.String,
  message: Schema.String
}) {}

// -----------------------------------------------------------------------------
// The threading / queue toolbox (Lock, RLock, Semaphore, Barrier, Timer, TaskQueue)
// -----------------------------------------------------------------------------

/**
 * Raised when a fiber releases a `Lock` / `RLock` it does not hold, or uses a
 * `Condition` (`wait`, `notify`) without holding its lock: Python's
 * `RuntimeError('release unlocked lock')` / `RuntimeError('cannot release
 * un-acquired lock')` / `RuntimeError('cannot wait on un-acquired lock')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class LockNotOwnedError extends Schema.TaggedError<LockNotOwnedError>()("LockNotOwnedError", {
  message: Schema.String
}) {}

/**
 * Raised when a `BoundedSemaphore` is released more times than it was
 * acquired (its value would exceed the initial value): Python's
 * `ValueError('Semaphore released too many times')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SemaphoreOverReleaseError extends Schema.TaggedError<SemaphoreOverReleaseError>()(
  "SemaphoreOverReleaseError",
  {
    /** The initial value of the bounded semaphore. */
    bound: Schema.Number,
    message: Schema.String
  }
) {}

/**
 * Raised by `Barrier.wait` when the barrier is broken (aborted, reset while
 * fibers were waiting, a waiter timed out or was interrupted, or the action
 * failed): Python's `threading.BrokenBarrierError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class BrokenBarrierError extends Schema.TaggedError<BrokenBarrierError>()("BrokenBarrierError", {
  message: Schema.String
}) {}

/**
 * Raised by `TaskQueue.put` when its timeout passes while the queue stays
 * full, and by `TaskQueue.putNowait` on a full queue: Python's `queue.Full`.
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueFull extends Schema.TaggedError<QueueFull>()("QueueFull", {
  message: Schema.String
}) {}

/**
 * Raised by `TaskQueue.get` when its timeout passes while the queue stays
 * empty, and by `TaskQueue.getNowait` on an empty queue: Python's
 * `queue.Empty`.
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueEmpty extends Schema.TaggedError<QueueEmpty>()("QueueEmpty", {
  message: Schema.String
}) {}

/**
 * Raised when a `Process` is used in a state that does not allow it: started
 * twice, joined before it was started, closed while running, started after
 * `close` — Python's `AssertionError` / `ValueError` of
 * `multiprocessing.Process`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ProcessStateError extends Schema.TaggedError<ProcessStateError>()("ProcessStateError", {
  process: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `TaskQueue.put` after `shutdown`, and by `TaskQueue.get` once a
 * shut-down queue is empty: Python 3.13's `queue.ShutDown`.
 *
 * @since 0.1.0
 * @category errors
 */
export class QueueShutDown extends Schema.TaggedError<QueueShutDown>()("QueueShutDown", {
  message: Schema.String
}) {}

/**
 * Raised by `TaskQueue.taskDone` when it is called more times than items
 * were put: Python's `ValueError('task_done() called too many times')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TaskDoneTooManyTimesError extends Schema.TaggedError<TaskDoneTooManyTimesError>()(
  "TaskDoneTooManyTimesError",
  {
    message: Schema.String
  }
) {}

/**
 * Raised by `Timer.start` on a timer that was already started: Python's
 * `RuntimeError('threads can only be started once')`.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimerStartedError extends Schema.TaggedError<TimerStartedError>()("TimerStartedError", {
  message: Schema.String
}) {}

/**
 * Every failure of one kind, together: Python's `ExceptionGroup`, as an
 * `except* NotFound as eg:` clause sees it (`eg.exceptions` is `errors`).
 * `TaskGroup.exceptStar` hands one to its handler, and `TaskGroup.grouped`
 * turns a group's failures into one.
 *
 * A `Data.TaggedError`, not a `Schema` one: it carries errors of any type,
 * which have no schema in general.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExceptionGroup<out E> extends Data.TaggedError("ExceptionGroup")<{
  /** The failures, in the order the group recorded them. */
  readonly errors: Arr.NonEmptyReadonlyArray<E>
  readonly message: string
}> {}

/**
 * Builds an `ExceptionGroup` with Python's message
 * (`"unhandled errors in a TaskGroup (2 sub-exceptions)"`).
 *
 * @since 0.1.0
 * @category errors
 */
export const exceptionGroup = <E>(errors: Arr.NonEmptyReadonlyArray<E>, what = "errors"): ExceptionGroup<E> =>
  new ExceptionGroup({
    errors,
    message: `${what} (${errors.length} sub-exception${errors.length === 1 ? "" : "s"})`
  })

/**
 * Raised by `Subprocess.run` / `call` / `spawn` when the program to run (or
 * the working directory given as `cwd`) does not exist: Python's
 * `FileNotFoundError: [Errno 2] No such file or directory: 'nosuch'`.
 * Nothing was started.
 *
 * @since 0.1.0
 * @category errors
 */
export class SubprocessNotFound extends Schema.TaggedError<SubprocessNotFound>()("SubprocessNotFound", {
  /** The command line that could not start (`args`). */
  cmd: Schema.Array(Schema.String),
  /** What is missing: the program (`cmd[0]`) or the `cwd` (Python's `filename`). */
  filename: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `Subprocess.run` with `check: true` (and `checkCall`,
 * `checkOutput`) when the process exited with a non-zero status: Python's
 * `subprocess.CalledProcessError`. `returncode` is negative when a signal
 * killed the process (−9 for `SIGKILL`), as in Python.
 *
 * @since 0.1.0
 * @category errors
 */
export class CalledProcessError extends Schema.TaggedError<CalledProcessError>()("CalledProcessError", {
  /** The exit status: the code, or minus the number of the signal that killed the process. */
  returncode: Schema.Number,
  /** The command line (`args`). */
  cmd: Schema.Array(Schema.String),
  /** Its captured standard output (`""` when it was not captured). */
  stdout: Schema.String,
  /** Its captured standard error (`""` when it was not captured). */
  stderr: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `Subprocess.run` / `call` (and a spawned process's `wait` /
 * `communicate`) when the process did not finish within its `timeout`:
 * Python's `subprocess.TimeoutExpired`. `run` and `call` have killed the
 * process and every process of its group (its children) before they fail
 * with it; `wait` and `communicate` leave the process running, as in Python
 * (its scope kills it), and may be called again.
 *
 * @since 0.1.0
 * @category errors
 */
export class SubprocessTimeout extends Schema.TaggedError<SubprocessTimeout>()("SubprocessTimeout", {
  /** The command line (`args`). */
  cmd: Schema.Array(Schema.String),
  /** The timeout, in milliseconds. */
  timeoutMillis: Schema.Number,
  /** The standard output captured before the timeout (`""` when it was not captured). */
  stdout: Schema.String,
  /** The standard error captured before the timeout (`""` when it was not captured). */
  stderr: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by `Subprocess` when the operating system refuses to start or talk
 * to a process for another reason than a missing program: the program is not
 * executable, `cwd` is not a directory… — Python's `PermissionError` /
 * `OSError` from `Popen`.
 *
 * @since 0.1.0
 * @category errors
 */
export class SubprocessOSError extends Schema.TaggedError<SubprocessOSError>()("SubprocessOSError", {
  /** The command line (`args`). */
  cmd: Schema.Array(Schema.String),
  /** What went wrong, as Effect's `PlatformError` names it (`"PermissionDenied"`, `"BadResource"`…). */
  reason: Schema.String,
  message: Schema.String
}) {}

/**
 * Raised by a `Pipe` end's `recv` once the other end was closed and
 * everything it sent has been received, and by `send` on an end the other
 * side closed, or on a closed end: Python's `EOFError` of
 * `Connection.recv`.
 *
 * @since 0.1.0
 * @category errors
 */
export class EOFError extends Schema.TaggedError<EOFError>()("EOFError", {
  message: Schema.String
}) {}
