/**
 * The implementation behind every `Future`, and the functions executors drive
 * it with. `Future.ts` reads futures for users; `Executor`, `TaskGroup`,
 * `gather`, `asCompleted` and (through `@corun/core/Backend`) the worker pools
 * make, start, complete and cancel them here.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { pipeArguments } from "effect/Pipeable"
import type { Future } from "../Future.ts"
import type { Linked } from "./registry.ts"

/** @internal */
export const TypeId = "~@corun/core/Future" as const

/**
 * Where a future is: not started, running, or complete with an exit. Python's
 * `PENDING` / `RUNNING` / `FINISHED` (a cancelled future is a complete one
 * whose exit is an interruption).
 */
export type State = "pending" | "running" | "done"

/** Called with the future's exit when it completes. */
export type Observer<A, E> = (exit: Exit.Exit<A, E>) => void

const variance = { _A: (_: never) => _, _E: (_: never) => _ }

export class FutureImpl<A, E> implements Future<A, E> {
  // On the prototype, not a field per future: a million submitted tasks are
  // a million futures.
  get [TypeId]() {
    return variance
  }
  state: State = "pending"
  exit: Exit.Exit<A, E> | undefined = undefined
  /** One observer as is (the usual case: the executor's), several in an array. */
  observers: Observer<A, E> | Array<Observer<A, E>> | undefined = undefined
  fiber: Fiber.Fiber<A, E> | undefined = undefined
  readonly name: string | undefined
  canceller: (() => void) | undefined
  /** The canceller was called: the task is stopping and will complete on its own. */
  cancelRequested = false
  /** The links of an executor's registry (`registry.ts`): no entry in a `Set` per task. */
  registryPrev: Linked | undefined = undefined
  registryNext: Linked | undefined = undefined
  /** Set by `markUnique` to tell a future given twice in one call. */
  seen = 0
  constructor(name: string | undefined, canceller: (() => void) | undefined) {
    this.name = name
    this.canceller = canceller
  }
  pipe() {
    return pipeArguments(this, arguments)
  }
  toString() {
    const state = this.state === "done"
      ? (Exit.isSuccess(this.exit!) ? "finished" : Cause.hasInterruptsOnly(this.exit!.cause) ? "cancelled" : "failed")
      : this.state
    return `Future(${this.name ?? "<unnamed>"}, ${state})`
  }
}

export const impl = <A, E>(self: Future<A, E>): FutureImpl<A, E> => self as FutureImpl<A, E>

export const isFuture = (u: unknown): u is Future<unknown, unknown> => u instanceof FutureImpl

/**
 * Creates a pending future. `cancel` is called (once) when someone asks to
 * cancel it before it completes; it must eventually lead to `completeUnsafe`
 * (with an interrupted exit when the task was stopped).
 */
export const makeUnsafe = <A, E = never>(options?: {
  readonly name?: string | undefined
  readonly cancel?: (() => void) | undefined
}): Future<A, E> => new FutureImpl<A, E>(options?.name, options?.cancel)

/**
 * Binds a future to the fiber that runs its task: cancelling the future
 * interrupts the fiber, and the fiber's exit completes the future (after it
 * leaves `registry`, an executor's registry of live tasks, when given).
 */
export const attachFiberUnsafe = <A, E>(
  self: Future<A, E>,
  fiber: Fiber.Fiber<A, E>,
  registry?: { delete(future: Future<any, any>): unknown }
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
 */
export const setRunningUnsafe = <A, E>(self: Future<A, E>): boolean => {
  const f = impl(self)
  if (f.state !== "pending") return f.state === "running"
  f.state = "running"
  return true
}

/**
 * Completes a future with an exit, waking everything that waits on it.
 * Returns `false` when it was already complete (the first exit wins).
 */
export const completeUnsafe = <A, E>(self: Future<A, E>, exit: Exit.Exit<A, E>): boolean => {
  const f = impl(self)
  if (f.state === "done") return false
  f.state = "done"
  f.exit = exit
  f.canceller = undefined
  f.fiber = undefined
  const observers = f.observers
  if (observers !== undefined) {
    f.observers = undefined
    if (typeof observers === "function") observers(exit)
    else for (let i = 0; i < observers.length; i++) observers[i](exit)
  }
  return true
}

/** Adds an observer to a future that has not completed. */
export const addObserver = <A, E>(f: FutureImpl<A, E>, observer: Observer<A, E>): void => {
  const observers = f.observers
  if (observers === undefined) f.observers = observer
  else if (typeof observers === "function") f.observers = [observers, observer]
  else observers.push(observer)
}

/** Removes an observer (no-op when it is not there). */
export const removeObserver = <A, E>(f: FutureImpl<A, E>, observer: Observer<A, E>): void => {
  const observers = f.observers
  if (observers === observer) {
    f.observers = undefined
  } else if (observers !== undefined && typeof observers !== "function") {
    const index = observers.indexOf(observer)
    if (index >= 0) observers.splice(index, 1)
  }
}

const noop = () => {}

/**
 * Calls `observer` with the future's exit once it completes (at once when it
 * already has). Returns a function that removes the observer.
 */
export const observeUnsafe = <A, E>(self: Future<A, E>, observer: Observer<A, E>): () => void => {
  const f = impl(self)
  if (f.state === "done") {
    observer(f.exit!)
    return noop
  }
  addObserver(f, observer)
  return () => removeObserver(f, observer)
}

export const pollUnsafe = <A, E>(self: Future<A, E>): Exit.Exit<A, E> | undefined => impl(self).exit

export const stateUnsafe = <A, E>(self: Future<A, E>): State => impl(self).state

export const isDoneUnsafe = <A, E>(self: Future<A, E>): boolean => impl(self).state === "done"

/** Whether an exit is a cancellation (an interruption and nothing else). */
export const isCancelledExit = <A, E>(exit: Exit.Exit<A, E> | undefined): boolean =>
  exit !== undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)

// Fibers whose result is already decided, for a moment: see `refuseCancelUnsafe`.
const refusingCancel = new WeakSet<Fiber.Fiber<any, any>>()

/**
 * While `refuse` is set, a cancel of the future bound to `fiber` (by
 * `attachFiberUnsafe`) returns `false` and leaves the fiber alone. For
 * combinators whose result is decided before they return: `gather`, whose
 * effects have all completed, refuses the cancel as asyncio's gathering
 * future does (its children are done: nothing is left to cancel) until its
 * result is delivered. Interrupting the fiber directly is not affected.
 */
export const refuseCancelUnsafe = (fiber: Fiber.Fiber<any, any>, refuse: boolean): void => {
  if (refuse) refusingCancel.add(fiber)
  else refusingCancel.delete(fiber)
}

/**
 * Requests cancellation without waiting for it. Returns `false` when the
 * future has already completed (or its result is decided, see
 * `refuseCancelUnsafe`).
 */
export const cancelUnsafe = <A, E>(self: Future<A, E>): boolean => {
  const f = impl(self)
  if (f.state === "done") return false
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

// Each call of `markUnique` marks the futures it takes with a fresh number,
// so a future given twice is recognised without a `Set` (which, for a
// million futures, cost more than the rest of `wait`). Synchronous: no other
// call interleaves.
let uniqueMark = 0

/**
 * The futures without repeats, in first-seen order; `each` (optional) sees
 * every one kept, in the same pass.
 */
export const uniqueFutures = <F extends Future<any, any>>(
  futures: Iterable<F>,
  each?: (f: FutureImpl<any, any>) => void
): Array<F> => {
  const mark = ++uniqueMark
  const unique: Array<F> = []
  for (const future of futures) {
    const f = impl(future)
    if (f.seen === mark) continue
    f.seen = mark
    unique.push(future)
    if (each !== undefined) each(f)
  }
  return unique
}
