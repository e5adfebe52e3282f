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
import { Cause, type Context, Duration, Effect, Exit, type Fiber, Option } from "effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { CancelledError, InvalidArgumentError, TimeoutError } from "./Errors.ts"
import { timeoutMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Future" as const

/**
 * A handle on a concurrently running task that will complete with an
 * `Exit<A, E>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Future<out A, out E = never> extends Pipeable {
  readonly [TypeId]: {
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

const PENDING = 0
const RUNNING = 1
const DONE = 2

/**
 * The implementation behind every `Future`. Executors drive it with the
 * `*Unsafe` functions below; users only see the `Future` interface.
 */
class FutureImpl<A, E> implements Future<A, E> {
  readonly [TypeId] = variance
  state: 0 | 1 | 2 = PENDING
  exit: Exit.Exit<A, E> | undefined = undefined
  observers: Array<(exit: Exit.Exit<A, E>) => void> | undefined = undefined
  fiber: Fiber.Fiber<A, E> | undefined = undefined
  readonly name: string | undefined
  canceller: (() => void) | undefined
  /** The canceller was called: the task is stopping and will complete on its own. */
  cancelRequested = false
  constructor(name: string | undefined, canceller: (() => void) | undefined) {
    this.name = name
    this.canceller = canceller
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString() {
    const state = this.state === DONE
      ? (Exit.isSuccess(this.exit!) ? "finished" : Cause.hasInterruptsOnly(this.exit!.cause) ? "cancelled" : "failed")
      : this.state === RUNNING
      ? "running"
      : "pending"
    return `Future(${this.name ?? "<unnamed>"}, ${state})`
  }
}

const variance = { _A: (_: never) => _, _E: (_: never) => _ }

const impl = <A, E>(self: Future<A, E>): FutureImpl<A, E> => self as FutureImpl<A, E>

/**
 * Whether a value is a `Future`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isFuture = (u: unknown): u is Future<unknown, unknown> => u instanceof FutureImpl

// -----------------------------------------------------------------------------
// Constructors for executors (used by Executor, TaskGroup and @corun/node)
// -----------------------------------------------------------------------------

/**
 * Creates a pending future. `cancel` is called (once) when someone asks to
 * cancel it before it completes; it must eventually lead to `completeUnsafe`
 * (with an interrupted exit when the task was stopped). This is the building
 * block for executors; application code gets futures from `Executor.submit`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = <A, E = never>(options?: {
  readonly name?: string | undefined
  readonly cancel?: (() => void) | undefined
}): Future<A, E> => new FutureImpl<A, E>(options?.name, options?.cancel)

/**
 * Binds a future to the fiber that runs its task: cancelling the future
 * interrupts the fiber, and the fiber's exit completes the future.
 *
 * @since 0.1.0
 * @category constructors
 */
export const attachFiberUnsafe = <A, E>(
  self: Future<A, E>,
  fiber: Fiber.Fiber<A, E>,
  /** A set the future leaves when it completes (an executor's registry). */
  registry?: Set<Future<any, any>>
): void => {
  const f = impl(self)
  f.fiber = fiber
  fiber.addObserver(
    registry === undefined ? (exit) => completeUnsafe(self, exit) : (exit) => {
      registry.delete(self)
      completeUnsafe(self, exit)
    }
  )
}

/**
 * Marks a pending future as running (Python's `set_running_or_notify_cancel`).
 * Returns `false` when it had already completed (e.g. was cancelled).
 *
 * @since 0.1.0
 * @category constructors
 */
export const setRunningUnsafe = <A, E>(self: Future<A, E>): boolean => {
  const f = impl(self)
  if (f.state !== PENDING) return f.state === RUNNING
  f.state = RUNNING
  return true
}

/**
 * Completes a future with an exit, waking everything that waits on it.
 * Returns `false` when it was already complete (the first exit wins).
 *
 * @since 0.1.0
 * @category constructors
 */
export const completeUnsafe = <A, E>(self: Future<A, E>, exit: Exit.Exit<A, E>): boolean => {
  const f = impl(self)
  if (f.state === DONE) return false
  f.state = DONE
  f.exit = exit
  f.canceller = undefined
  f.fiber = undefined
  const observers = f.observers
  if (observers !== undefined) {
    f.observers = undefined
    for (let i = 0; i < observers.length; i++) observers[i](exit)
  }
  return true
}

/**
 * Calls `observer` with the future's exit once it completes (at once when it
 * already has). Returns a function that removes the observer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const observeUnsafe = <A, E>(
  self: Future<A, E>,
  observer: (exit: Exit.Exit<A, E>) => void
): () => void => {
  const f = impl(self)
  if (f.state === DONE) {
    observer(f.exit!)
    return noop
  }
  if (f.observers === undefined) f.observers = [observer]
  else f.observers.push(observer)
  return () => {
    const observers = f.observers
    if (observers === undefined) return
    const index = observers.indexOf(observer)
    if (index >= 0) observers.splice(index, 1)
  }
}

const noop = () => {}

/**
 * The future's exit if it has completed, without waiting.
 *
 * @since 0.1.0
 * @category getters
 */
export const pollUnsafe = <A, E>(self: Future<A, E>): Exit.Exit<A, E> | undefined => impl(self).exit

/**
 * The future's state, without an Effect: `"pending"` (not started),
 * `"running"` or `"done"`.
 *
 * @since 0.1.0
 * @category getters
 */
export const stateUnsafe = <A, E>(self: Future<A, E>): "pending" | "running" | "done" => {
  const state = impl(self).state
  return state === PENDING ? "pending" : state === RUNNING ? "running" : "done"
}

/**
 * Whether the future has completed, without an Effect.
 *
 * @since 0.1.0
 * @category getters
 */
export const isDoneUnsafe = <A, E>(self: Future<A, E>): boolean => impl(self).state === DONE

// Fibers whose result is already decided, for a moment: see `refuseCancelUnsafe`.
const refusingCancel = new WeakSet<Fiber.Fiber<any, any>>()

/**
 * While `refuse` is set, a cancel of the future bound to `fiber` (by
 * `attachFiberUnsafe`) returns `false` and leaves the fiber alone. For
 * combinators whose result is decided before they return: `gather`, whose
 * effects have all completed, refuses the cancel as asyncio's gathering
 * future does (its children are done: nothing is left to cancel) until its
 * result is delivered. Interrupting the fiber directly is not affected.
 *
 * @since 0.1.0
 * @category constructors
 */
export const refuseCancelUnsafe = (fiber: Fiber.Fiber<any, any>, refuse: boolean): void => {
  if (refuse) refusingCancel.add(fiber)
  else refusingCancel.delete(fiber)
}

/**
 * Requests cancellation without waiting for it. Returns `false` when the
 * future has already completed (or its result is decided, see
 * `refuseCancelUnsafe`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const cancelUnsafe = <A, E>(self: Future<A, E>): boolean => {
  const f = impl(self)
  if (f.state === DONE) return false
  if (f.fiber !== undefined) {
    if (refusingCancel.has(f.fiber)) return false
    f.fiber.interruptUnsafe()
    return true
  }
  const cancel = f.canceller
  if (cancel !== undefined) {
    f.canceller = undefined
    f.cancelRequested = true
    cancel()
  } else if (!f.cancelRequested) {
    // No canceller: nothing runs the task, so it ends here. (Once a canceller
    // was called, the task is stopping and completes on its own.)
    completeUnsafe(self, Exit.interrupt() as Exit.Exit<A, E>)
  }
  return true
}

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
export const done = <A, E>(self: Future<A, E>): Effect.Effect<boolean> => Effect.sync(() => impl(self).state === DONE)

/**
 * Whether the task is running now (started and not yet complete): Python's
 * `future.running()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const running = <A, E>(self: Future<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => impl(self).state === RUNNING)

/**
 * Whether the task ended by being cancelled: Python's `future.cancelled()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const cancelled = <A, E>(self: Future<A, E>): Effect.Effect<boolean> =>
  Effect.sync(() => isCancelledExit(impl(self).exit))

const isCancelledExit = <A, E>(exit: Exit.Exit<A, E> | undefined): boolean =>
  exit !== undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)

/**
 * The future's exit if it has completed, without waiting.
 *
 * @since 0.1.0
 * @category getters
 */
export const poll = <A, E>(self: Future<A, E>): Effect.Effect<Option.Option<Exit.Exit<A, E>>> =>
  Effect.sync(() => Option.fromUndefinedOr(impl(self).exit))

/**
 * Waits for the task to complete and returns how it ended as an `Exit`; never
 * fails. Interrupting the waiter does not cancel the task.
 *
 * @since 0.1.0
 * @category waiting
 */
const await_ = <A, E>(self: Future<A, E>): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.suspend(() => {
    const f = impl(self)
    if (f.state === DONE) return Effect.succeed(f.exit!)
    return Effect.callback<Exit.Exit<A, E>>((resume) => {
      const remove = observeUnsafe(self, (exit) => resume(Effect.succeed(exit)))
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
    const exit = impl(self).exit
    if (exit !== undefined) return Effect.succeed(exit)
    return Effect.timeoutOrElse(await_(self), {
      duration: millis,
      orElse: () =>
        Effect.fail(
          new TimeoutError(`${describe(self)} did not complete within ${Duration.format(Duration.millis(millis))}`)
        )
    })
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
    const f = impl(self)
    if (f.state === DONE) return Effect.succeed(f.exit!)
    return Effect.callback<Exit.Exit<A, E>>((resume) => {
      const remove = observeUnsafe(self, (exit) => resume(Effect.succeed(exit)))
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
    observeUnsafe(self, () => {
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
