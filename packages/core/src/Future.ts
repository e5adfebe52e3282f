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
 * @since 0.1.0
 */
import { Cause, Clock, type Context, Duration, Effect, Exit, type Fiber, Option, Scope, Stream } from "effect"
import * as Channel from "effect/Channel"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import type * as Pull from "effect/Pull"
import { CancelledError, InvalidArgumentError, TimeoutError } from "./Errors.ts"
import { asNewTask } from "./internal/task.ts"
import { invalidArgument, timeoutMillis } from "./internal/validation.ts"

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

// Starts `effect` as a task whose fiber lives in `scope` (interrupted, and
// waited for, when the scope closes), and returns its future.
const startInScope = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  scope: Scope.Scope
): Effect.Effect<Future<A, E>, never, R> =>
  Effect.uninterruptible(Effect.map(Effect.forkIn(asNewTask(effect), scope), (fiber) => {
    const future = makeUnsafe<A, E>()
    setRunningUnsafe(future)
    attachFiberUnsafe(future, fiber)
    return future
  }))

// -----------------------------------------------------------------------------
// Waiting on many futures: concurrent.futures.wait / as_completed
// -----------------------------------------------------------------------------

/**
 * When `wait` returns: Python's `ALL_COMPLETED`, `FIRST_COMPLETED`,
 * `FIRST_EXCEPTION`.
 *
 * @since 0.1.0
 * @category models
 */
export type ReturnWhen = "ALL_COMPLETED" | "FIRST_COMPLETED" | "FIRST_EXCEPTION"

/**
 * The split `wait` returns: the futures that had completed and the others,
 * each in the order they were given.
 *
 * @since 0.1.0
 * @category models
 */
export interface DoneAndNotDone<F> {
  readonly done: Array<F>
  readonly notDone: Array<F>
}

/**
 * Options of `wait`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitManyOptions {
  /**
   * Return the split as it is after this long (Python's `timeout`): `0`
   * checks once, `Infinity` waits as long as it takes; a negative, NaN or
   * malformed one fails with `InvalidArgumentError`.
   */
  readonly timeout?: Duration.Input | undefined
  /** When to return; default `"ALL_COMPLETED"`. */
  readonly returnWhen?: ReturnWhen | undefined
}

const uniqueFutures = <F extends Future<any, any>>(futures: Iterable<F>): Array<F> => Array.from(new Set(futures))

// A future "raised an exception" when it failed other than by cancellation.
const isFailed = (future: Future<any, any>): boolean => {
  const exit = impl(future).exit
  return exit !== undefined && Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)
}

/**
 * Waits until the futures satisfy `returnWhen` (default `"ALL_COMPLETED"`)
 * or `timeout` passes, and returns `{ done, notDone }`: Python's
 * `concurrent.futures.wait(fs, timeout, return_when)`.
 *
 * - `"FIRST_COMPLETED"` returns as soon as any future completes (or was
 *   already complete).
 * - `"FIRST_EXCEPTION"` returns as soon as any future fails (cancellation
 *   does not count); if none fails it is `"ALL_COMPLETED"`.
 * - On timeout it returns the split at that moment; it never fails.
 *
 * It never cancels the futures in `notDone`: they go on running.
 *
 * @since 0.1.0
 * @category waiting
 */
export const wait: {
  <F extends Future<any, any>>(futures: Iterable<F>): Effect.Effect<DoneAndNotDone<F>>
  <F extends Future<any, any>>(
    futures: Iterable<F>,
    options: WaitManyOptions | undefined
  ): Effect.Effect<DoneAndNotDone<F>, InvalidArgumentError>
} = (<F extends Future<any, any>>(
  futures: Iterable<F>,
  options?: WaitManyOptions
): Effect.Effect<DoneAndNotDone<F>, InvalidArgumentError> =>
  Effect.suspend(() => {
    // The options are checked before the futures are read.
    const millis = timeoutMillis(options?.timeout)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    const returnWhen = options?.returnWhen ?? "ALL_COMPLETED"
    if (returnWhen !== "ALL_COMPLETED" && returnWhen !== "FIRST_COMPLETED" && returnWhen !== "FIRST_EXCEPTION") {
      return Effect.fail(
        invalidArgument("returnWhen", returnWhen, `"ALL_COMPLETED", "FIRST_COMPLETED" or "FIRST_EXCEPTION"`)
      )
    }
    const all = uniqueFutures(futures)
    const split = (): DoneAndNotDone<F> => {
      const done: Array<F> = []
      const notDone: Array<F> = []
      for (const future of all) (isDoneUnsafe(future) ? done : notDone).push(future)
      return { done, notDone }
    }
    // The initial check walks the list once; after that each completion is
    // counted as it happens, so waiting on n futures costs O(n), not O(n²).
    let completed = 0
    let failed = false
    const count = () => {
      completed = 0
      failed = false
      for (const future of all) {
        if (!isDoneUnsafe(future)) continue
        completed++
        if (isFailed(future)) failed = true
      }
    }
    const satisfied = () =>
      completed === all.length ||
      (completed > 0 && returnWhen === "FIRST_COMPLETED") ||
      (failed && returnWhen === "FIRST_EXCEPTION")
    count()
    if (satisfied()) return Effect.succeed(split())
    const waiting = Effect.callback<void>((resume) => {
      // Count again here: the fiber may have yielded since the check above.
      count()
      if (satisfied()) return resume(Effect.void)
      const removers: Array<() => void> = []
      let resumed = false
      for (const future of all) {
        if (isDoneUnsafe(future)) continue
        removers.push(observeUnsafe(future, () => {
          completed++
          if (isFailed(future)) failed = true
          if (!resumed && satisfied()) {
            resumed = true
            resume(Effect.void)
          }
        }))
      }
      return Effect.sync(() => {
        for (const remove of removers) remove()
      })
    })
    return Effect.map(
      millis === undefined ? waiting : Effect.timeoutOption(waiting, millis),
      split
    )
  })) as any

/**
 * What `asCompleted` yields for one of its inputs: a future as given, an
 * effect as the future of the task it was started as.
 *
 * @since 0.1.0
 * @category type-level
 */
export type AsFuture<X> = X extends Future<any, any> ? X
  : X extends Effect.Effect<infer A, infer E, infer _R> ? Future<A, E>
  : never

type ServicesOf<X> = X extends Effect.Effect<infer _A, infer _E, infer R> ? R : never

/**
 * Streams the futures as they complete, those already complete first:
 * Python's `concurrent.futures.as_completed(fs, timeout)` and
 * `asyncio.as_completed(aws, timeout=)`. A future given twice is yielded
 * once. With `timeout` (counted from when the stream starts) the stream
 * fails with `TimeoutError` after yielding what had completed by then.
 *
 * Effects may be given too, as `asyncio.as_completed` takes coroutines:
 * each is started as a task of its own when the stream starts (every
 * occurrence: an effect is a description, not a running thing), and the
 * stream yields its `Future`. Those tasks live in the stream's scope: when
 * the stream ends — consumed to the end, failed by the timeout, or left
 * early (`Stream.take`, an interrupted consumer) — the ones still running
 * are interrupted, and the stream's end waits until they have stopped.
 * Futures that were given are never cancelled by the stream: their tasks
 * belong to whoever started them.
 *
 * ```ts
 * yield* asCompleted(futures).pipe(
 *   Stream.mapEffect((future) => Future.result(future)),
 *   Stream.runForEach((page) => Console.log(page))
 * )
 * ```
 *
 * @since 0.1.0
 * @category waiting
 */
export const asCompleted: {
  <X extends Future<any, any> | Effect.Effect<any, any, any>>(
    futures: Iterable<X>
  ): Stream.Stream<AsFuture<X>, TimeoutError, ServicesOf<X>>
  <X extends Future<any, any> | Effect.Effect<any, any, any>>(
    futures: Iterable<X>,
    options: WaitOptions | undefined
  ): Stream.Stream<AsFuture<X>, TimeoutError | InvalidArgumentError, ServicesOf<X>>
} = (<F extends Future<any, any>>(
  inputs: Iterable<F | Effect.Effect<any, any, any>>,
  options?: WaitOptions
): Stream.Stream<F, TimeoutError | InvalidArgumentError> => {
  // Checked before the stream reads the futures or registers anything.
  const millis = timeoutMillis(options?.timeout)
  if (millis instanceof InvalidArgumentError) return Stream.fail(millis)
  return Stream.fromChannel(
    Channel.fromTransform((_upstream, scope) =>
      Effect.gen(function*() {
        const futures: Array<F> = []
        for (const input of inputs) {
          if (isFuture(input)) futures.push(input)
          else futures.push((yield* startInScope(input as Effect.Effect<unknown, unknown>, scope)) as F)
        }
        const all = uniqueFutures(futures)
        const completed: Array<F> = []
        let emitted = 0
        let wake: (() => void) | undefined
        const removers: Array<() => void> = []
        for (const future of all) {
          removers.push(observeUnsafe(future, () => {
            completed.push(future)
            const resume = wake
            wake = undefined
            if (resume !== undefined) resume()
          }))
        }
        yield* Scope.addFinalizer(scope, Effect.sync(() => removers.forEach((remove) => remove())))
        const deadline = millis === undefined ? undefined : (yield* Clock.currentTimeMillis) + millis
        const waitOne: Effect.Effect<void> = Effect.callback<void>((resume) => {
          if (completed.length > 0) return resume(Effect.void)
          wake = () => resume(Effect.void)
          return Effect.sync(() => {
            wake = undefined
          })
        })
        const waitWithin: Effect.Effect<void, TimeoutError> = deadline === undefined ? waitOne : Effect.flatMap(
          Clock.currentTimeMillis,
          (now) =>
            Effect.timeoutOrElse(waitOne, {
              duration: Math.max(0, deadline - now),
              orElse: () =>
                Effect.fail(
                  new TimeoutError(
                    `asCompleted: ${all.length - emitted} of ${all.length} futures did not complete within ${
                      Duration.format(Duration.millis(millis!))
                    }`
                  )
                )
            })
        )
        const pull: Pull.Pull<readonly [F, ...Array<F>], TimeoutError> = Effect.suspend(() => {
          if (completed.length > 0) {
            const chunk = completed.splice(0, completed.length)
            emitted += chunk.length
            return Effect.succeed(chunk as unknown as readonly [F, ...Array<F>])
          }
          if (emitted === all.length) return Cause.done()
          // Yield once after a wake-up so one pull collects every future that
          // completes in the same tick.
          return Effect.flatMap(waitWithin, () => Effect.flatMap(Effect.yieldNow, () => pull))
        })
        return pull
      })
    )
  )
}) as any
