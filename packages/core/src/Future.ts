/**
 * A `Future<A, E>` is a handle on a task that was submitted to run
 * concurrently: Python's `concurrent.futures.Future` / `asyncio.Task`.
 *
 * Futures are made by `Executor.submit`, `TaskGroup.createTask`, and the
 * worker pools of `@corun/node`; this module reads them. Every operation is an
 * `Effect`:
 *
 * | Python                         | corun                                     |
 * |--------------------------------|-------------------------------------------|
 * | `f.done()`                     | `Future.done(f)`                          |
 * | `f.running()`                  | `Future.running(f)`                       |
 * | `f.cancel()`                   | `Future.cancel(f)` (returns at once)      |
 * | `f.cancelled()`                | `Future.cancelled(f)`                     |
 * | `f.result(timeout)`            | `Future.result(f, { timeout })`           |
 * | `f.exception(timeout)`         | `Future.exception(f, { timeout })`        |
 * | `f.add_done_callback(fn)`      | `Future.addDoneCallback(f, fn)`           |
 * | `await task`                   | `Future.join(f)` (interrupted: cancels f) |
 * | `await shield(task)` (as data) | `Future.await(f)` → `Exit<A, E>`          |
 *
 * Waiting on many futures at once (`concurrent.futures.wait` /
 * `as_completed`, `asyncio.wait` / `as_completed`) lives in the `Wait` module.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import { CancelledError, InvalidArgumentError, TimeoutError } from "./Errors.ts"
import * as internal from "./internal/future.ts"
import { withinOrFail } from "./internal/timeout.ts"
import { timeoutMillis } from "./internal/validation.ts"

/**
 * A handle on a concurrently running task that will complete with an
 * `Exit<A, E>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Future<out A, out E = never> extends Pipeable {
  readonly [internal.TypeId]: {
    readonly _A: (_: never) => A
    readonly _E: (_: never) => E
  }
  /** The task's name (Python's thread `name`), when it was given one. */
  readonly name: string | undefined
}

/**
 * The success type of a `Future`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Success<F> = F extends Future<infer A, infer _E> ? A : never

/**
 * The error type of a `Future`.
 *
 * @since 0.1.0
 * @category type-level
 */
export type Error<F> = F extends Future<infer _A, infer E> ? E : never

/**
 * Whether a value is a `Future`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isFuture: (u: unknown) => u is Future<unknown, unknown> = internal.isFuture

/**
 * The future's exit if it has completed, without waiting (for done
 * callbacks and other synchronous code).
 *
 * @since 0.1.0
 * @category getters
 */
export const pollUnsafe: <A, E>(self: Future<A, E>) => Exit.Exit<A, E> | undefined = internal.pollUnsafe

/**
 * The future's state, without an Effect: `"pending"` (not started),
 * `"running"` or `"done"` (Python's `PENDING` / `RUNNING` / `FINISHED`).
 *
 * @since 0.1.0
 * @category getters
 */
export const stateUnsafe: <A, E>(self: Future<A, E>) => "pending" | "running" | "done" = internal.stateUnsafe

/**
 * Whether the future has completed, without an Effect.
 *
 * @since 0.1.0
 * @category getters
 */
export const isDoneUnsafe: <A, E>(self: Future<A, E>) => boolean = internal.isDoneUnsafe

/**
 * `Future.cancel` without an Effect (for done callbacks and other
 * synchronous code): requests cancellation and returns at once, `false` when
 * the future has already completed.
 *
 * @since 0.1.0
 * @category cancellation
 */
export const cancelUnsafe: <A, E>(self: Future<A, E>) => boolean = internal.cancelUnsafe

// -----------------------------------------------------------------------------
// Python's Future API
// -----------------------------------------------------------------------------

/**
 * Whether the task has finished, failed or been cancelled: Python's
 * `future.done()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const done = <A, E>(self: Future<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => internal.impl(self).state === "done")

/**
 * Whether the task is running now (started and not yet complete): Python's
 * `future.running()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const running = <A, E>(self: Future<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => internal.impl(self).state === "running")

/**
 * Whether the task ended by being cancelled: Python's `future.cancelled()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const cancelled = <A, E>(self: Future<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => internal.isCancelledExit(internal.impl(self).exit))

/**
 * The future's exit if it has completed, without waiting.
 *
 * @since 0.1.0
 * @category getters
 */
export const poll = <A, E>(self: Future<A, E>): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.sync(() => Option.fromUndefinedOr(internal.impl(self).exit))

/**
 * Waits for the task to complete and returns how it ended as an `Exit`; never
 * fails. Interrupting the waiter does not cancel the task.
 *
 * @since 0.1.0
 * @category waiting
 */
const await_ = <A, E>(self: Future<A, E>): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.suspend(() => {
    const f = internal.impl(self)
    if (f.state === "done") return Effect.succeed(f.exit!)
    return Effect.callback<Exit.Exit<A, E>>((resume) => {
      const remove = internal.observeUnsafe(self, (exit) => resume(Effect.succeed(exit)))
      return Effect.sync(remove)
    })
  })

export {
  /**
   * Waits for the task to complete and returns how it ended as an `Exit`;
   * never fails. Interrupting the waiter does not cancel the task.
   *
   * @since 0.1.0
   * @category waiting
   */
  await_ as await
}

/**
 * Options of the waiting functions.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /**
   * Gives up after this long with a `TimeoutError` (the task goes on): `0`
   * polls, `Infinity` waits as long as it takes; a negative, NaN or malformed
   * one fails with `InvalidArgumentError` (even when the task has finished).
   */
  readonly timeout?: Duration.Input | undefined
}

const awaitWithin = <A, E>(
  self: Future<A, E>,
  options: WaitOptions | undefined
): Effect.Effect<Exit.Exit<A, E>, TimeoutError | InvalidArgumentError> => {
  const timeout = options?.timeout
  if (timeout === undefined) return await_(self)
  // Checked before the done-future fast path: a bad timeout fails the same
  // way whether or not the task has finished.
  const millis = timeoutMillis(timeout)
  if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
  if (millis === undefined) return await_(self)
  return Effect.suspend(() => {
    const exit = internal.impl(self).exit
    if (exit !== undefined) return Effect.succeed(exit)
    return withinOrFail(
      await_(self),
      millis,
      () => new TimeoutError(`${describe(self)} did not complete within ${Duration.format(Duration.millis(millis))}`)
    )
  })
}

const describe = <A, E>(self: Future<A, E>) => self.name === undefined ? "the task" : `task "${self.name}"`

const cancelledError = <A, E>(self: Future<A, E>) =>
  new CancelledError({ task: self.name, message: `${describe(self)} was cancelled` })

/**
 * Waits for the task and returns its value, or fails with its typed error, a
 * `CancelledError` if it was cancelled, or a `TimeoutError` if `timeout`
 * passes first (the task itself goes on): Python's `future.result(timeout)`.
 * Defects of the task are re-raised as defects.
 *
 * @since 0.1.0
 * @category waiting
 */
export const result: {
  <A, E>(self: Future<A, E>): Effect.Effect<A, E | CancelledError | TimeoutError>
  <A, E>(
    self: Future<A, E>,
    options: WaitOptions | undefined
  ): Effect.Effect<A, E | CancelledError | TimeoutError | InvalidArgumentError>
} = <A, E>(
  self: Future<A, E>,
  options?: WaitOptions
): Effect.Effect<A, E | CancelledError | TimeoutError | InvalidArgumentError> =>
  Effect.flatMap(awaitWithin(self, options), (exit) => fromExit(self, exit))

/**
 * Waits for the task and returns its value, or fails with its typed error or
 * a `CancelledError`: asyncio's `await task`. As in asyncio, interrupting
 * the fiber that is joining cancels the task and waits until it has stopped
 * (its finalizers have run) before the interruption goes on; several joiners
 * each cancel it when interrupted. To wait without that — Python's
 * `concurrent.futures` `result()`, or asyncio's `shield` — use
 * `Future.result` or `Future.await`, whose interruption leaves the task
 * running.
 *
 * @since 0.1.0
 * @category waiting
 */
export const join = <A, E>(self: Future<A, E>): Effect.Effect<A, E | CancelledError> =>
  Effect.flatMap(awaitCancelling(self), (exit) => fromExit(self, exit))

// `await_`, cancelling the task if the waiter is interrupted. The callback's
// cancel effect runs uninterruptibly, so the waiter only goes once the task
// has stopped; it costs nothing more than `await_` when not interrupted
// (`Effect.onInterrupt` around `await_` doubled the cost of a join).
const awaitCancelling = <A, E>(self: Future<A, E>): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.suspend(() => {
    const f = internal.impl(self)
    if (f.state === "done") return Effect.succeed(f.exit!)
    return Effect.callback<Exit.Exit<A, E>>((resume) => {
      const remove = internal.observeUnsafe(self, (exit) => resume(Effect.succeed(exit)))
      return Effect.suspend(() => {
        remove()
        cancelUnsafe(self)
        return Effect.asVoid(await_(self))
      })
    })
  })

const fromExit = <A, E>(self: Future<A, E>, exit: Exit.Exit<A, E>): Effect.Effect<A, E | CancelledError> =>
  Exit.isSuccess(exit)
    ? exit
    : Cause.hasInterruptsOnly(exit.cause)
    ? Effect.fail(cancelledError(self))
    : Effect.failCause(withoutInterrupts(exit.cause))

const withoutInterrupts = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.fromReasons(cause.reasons.filter((reason) => !Cause.isInterruptReason(reason)))

/**
 * Waits for the task and returns its error (`Option.none()` when it
 * succeeded); fails with `CancelledError` if it was cancelled or
 * `TimeoutError` if `timeout` passes first: Python's `future.exception()`.
 * Defects of the task are re-raised as defects.
 *
 * @since 0.1.0
 * @category waiting
 */
export const exception: {
  <A, E>(self: Future<A, E>): Effect.Effect<Option.Option<E>, CancelledError | TimeoutError>
  <A, E>(
    self: Future<A, E>,
    options: WaitOptions | undefined
  ): Effect.Effect<Option.Option<E>, CancelledError | TimeoutError | InvalidArgumentError>
} = (<A, E>(
  self: Future<A, E>,
  options?: WaitOptions
): Effect.Effect<Option.Option<E>, CancelledError | TimeoutError | InvalidArgumentError> =>
  Effect.flatMap(awaitWithin(self, options), (exit): Effect.Effect<Option.Option<E>, CancelledError> => {
    if (Exit.isSuccess(exit)) return Effect.succeedNone
    if (Cause.hasInterruptsOnly(exit.cause)) return Effect.fail(cancelledError(self))
    const error = Cause.findErrorOption(exit.cause)
    return Option.isSome(error)
      ? Effect.succeed(error)
      : Effect.failCause(withoutInterrupts(exit.cause) as Cause.Cause<never>)
  })) as any

/**
 * Requests the task's cancellation, whether it is still waiting to start or
 * already running, and returns at once: `true` when the request was made
 * (the task had not completed), `false` when it had already completed.
 * Python's `future.cancel()`, with asyncio's `Task.cancel()` rule that a
 * running task can be cancelled too.
 *
 * As in asyncio, `true` means "requested", not "stopped": a pending task
 * never starts, a running fiber is interrupted (its finalizers run), and a
 * pool task is interrupted in its worker (which is replaced if the task does
 * not stop within the pool's grace period). Until it has stopped,
 * `Future.done` is `false`. How it ended is then what the task did:
 * `Future.cancelled` is `true` once it stopped by the cancellation; a task
 * that completed anyway (it finished before the interruption reached it, or
 * a pool task finished within the grace period) keeps its value or error,
 * and `Future.cancelled` stays `false` — asyncio's task that swallows
 * `CancelledError`. Wait for the stop with `Future.await` (or
 * `Future.result`, which fails with `CancelledError`).
 *
 * @since 0.1.0
 * @category cancellation
 */
export const cancel = <A, E>(self: Future<A, E>): Effect.Effect<boolean> => Effect.sync(() => cancelUnsafe(self))

/**
 * Runs `callback` with the future once it completes (at once if it already
 * has), in a new fiber that inherits the caller's services: Python's
 * `future.add_done_callback(fn)`. As in Python, a failing callback is logged
 * and ignored.
 *
 * @since 0.1.0
 * @category callbacks
 */
export const addDoneCallback = <A, E, R>(
  self: Future<A, E>,
  callback: (future: Future<A, E>) => Effect.Effect<void, unknown, R>
): Effect.Effect<void, never, R> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context as Context.Context<R>
    internal.observeUnsafe(self, () => {
      Effect.runForkWith(context)(
        Effect.catchCause(Effect.suspend(() => callback(self)), (cause) =>
          Effect.logError(`exception calling callback for ${String(self)}`, cause))
      )
    })
    return Effect.void
  }) as Effect.Effect<void, never, R>

// -----------------------------------------------------------------------------
// Waiting on many futures lives in `Wait`
// -----------------------------------------------------------------------------

export {
  /**
   * `Wait.asCompleted`, also reachable from `Future` (Python has it beside
   * `Future` in `concurrent.futures`).
   *
   * @since 0.1.0
   * @category waiting
   */
  asCompleted,
  /**
   * `Wait.wait`, also reachable from `Future` (Python has it beside `Future`
   * in `concurrent.futures`).
   *
   * @since 0.1.0
   * @category waiting
   */
  wait
} from "./Wait.ts"
