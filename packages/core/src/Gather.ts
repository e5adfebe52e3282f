/**
 * `gather`: run several Effects at once and collect their results in order:
 * Python's `asyncio.gather(*aws, return_exceptions=False)`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FutureInternal from "./internal/future.ts"
import { asNewTask } from "./internal/task.ts"

/**
 * Options of `gather`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GatherOptions {
  /**
   * `false` (default): the first failure fails the gather; the other effects
   * run on (see `gather`). `true`: every outcome is returned as an `Exit`,
   * failures included (Python's `return_exceptions=True`).
   */
  readonly returnExceptions?: boolean | undefined
}

type Successes<T extends ReadonlyArray<Effect.Effect<any, any, any>>> = {
  -readonly [K in keyof T]: Effect.Success<T[K]>
}
type Exits<T extends ReadonlyArray<Effect.Effect<any, any, any>>> = {
  -readonly [K in keyof T]: Exit.Exit<Effect.Success<T[K]>, Effect.Error<T[K]>>
}

/**
 * Runs every effect concurrently and returns their results in the order
 * given: Python's `asyncio.gather(*aws)`.
 *
 * Without `returnExceptions` the first failure (typed error, defect, or an
 * effect that interrupted itself) fails the gather at once, and — as in
 * asyncio, which hands the first exception to the awaiter and leaves the
 * other awaitables running — the other effects run on. corun keeps them
 * structured: they are child fibers of the fiber that ran `gather`, so they
 * run until they finish or that fiber ends, which interrupts them and waits
 * for them to stop (Effect's rule for child fibers). A program that catches
 * the failure and goes on therefore lets them finish; a task whose body is
 * the gather stops them as it ends with the failure. Their own outcomes are
 * not reported (asyncio logs nothing either once the gather has failed).
 * To stop them at the first failure, use `Effect.all(effects, {
 * concurrency: "unbounded" })`, or a `TaskGroup` (asyncio's answer too).
 *
 * With `returnExceptions: true` every outcome comes back as an `Exit`, so a
 * failure, a defect or a cancellation sits at its own position.
 *
 * Each effect runs as a task of its own, as asyncio wraps each awaitable in
 * a task: its own lock ownership and `FiberLocal` values (the daemon flag is
 * the caller's).
 *
 * Cancelling the gather — interrupting the fiber that waits on it — cancels
 * every effect still running and waits until they have stopped, as
 * cancelling asyncio's gathering future cancels its children. A gather run
 * as a task (`executor.submit(gather(...))`) is a `Future` like any other:
 * `Future.cancel` returns `true` while it runs and `false` once it has
 * completed, and a gather whose effects have all completed completes in the
 * same step, so a later cancel cannot undo its result (asyncio's gathering
 * future refuses a cancel once its children are done).
 *
 * @since 0.1.0
 * @category combinators
 */
export const gather: {
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options: GatherOptions & { readonly returnExceptions: true }
  ): Effect.Effect<Exits<T>, never, Effect.Services<T[number]>>
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options?: GatherOptions & { readonly returnExceptions?: false | undefined }
  ): Effect.Effect<Successes<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
  <const T extends ReadonlyArray<Effect.Effect<any, any, any>>>(
    effects: T,
    options: GatherOptions
  ): Effect.Effect<Successes<T> | Exits<T>, Effect.Error<T[number]>, Effect.Services<T[number]>>
} =
  ((effects: ReadonlyArray<Effect.Effect<unknown, unknown, unknown>>, options?: GatherOptions) =>
    options?.returnExceptions === true
      ? Effect.forEach(effects, (effect) => Effect.exit(asNewTask(effect)), { concurrency: "unbounded" })
      : gatherRunOn(effects)) as any

// The children are forked with the mask held, so none can be lost between
// the forks and the wait; they run interruptible all the same. Only the wait
// is interruptible: interrupting it interrupts the children still running
// and waits for them (uninterruptibly, so they have stopped when the
// interruption goes on). From the moment the last child has succeeded until
// the gather returns, a `Future.cancel` of the task running the gather is
// refused: the result is decided (asyncio's `_GatheringFuture.cancel()`
// finds no child to cancel and returns `False`).
const gatherRunOn = (
  effects: ReadonlyArray<Effect.Effect<unknown, unknown, unknown>>
): Effect.Effect<Array<unknown>, unknown, unknown> =>
  effects.length === 0 ?
    Effect.succeed([]) :
    Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((self) =>
        Effect.flatMap(
          Effect.forEach(effects, (effect) => Effect.forkChild(asNewTask(effect))),
          (fibers) =>
            Effect.onInterrupt(
              restore(firstFailureOrAll(fibers, self)),
              () => Fiber.interruptAll(fibers)
            ).pipe(
              Effect.ensuring(Effect.sync(() => FutureInternal.refuseCancelUnsafe(self, false))),
              // Unwrapped only here, so that `onInterrupt` above sees the
              // gather's own interruption, not a child that interrupted itself.
              Effect.flatten
            )
        )
      )
    )

/**
 * All the values in order, or the first failure, as soon as it is known (as
 * an Exit); `self` refuses cancels once every value is in.
 */
const firstFailureOrAll = (
  fibers: ReadonlyArray<Fiber.Fiber<unknown, unknown>>,
  self: Fiber.Fiber<unknown, unknown>
): Effect.Effect<Exit.Exit<Array<unknown>, unknown>> =>
  Effect.callback<Exit.Exit<Array<unknown>, unknown>>((resume) => {
    const values: Array<unknown> = new Array(fibers.length)
    const removers: Array<() => void> = []
    let remaining = fibers.length
    let settled = false
    for (let i = 0; i < fibers.length && !settled; i++) {
      removers.push(fibers[i].addObserver((exit) => {
        if (settled) return
        if (Exit.isFailure(exit)) {
          settled = true
          return resume(Effect.succeed(Exit.failCause(exit.cause)))
        }
        values[i] = exit.value
        if (--remaining === 0) {
          settled = true
          FutureInternal.refuseCancelUnsafe(self, true)
          resume(Effect.succeed(Exit.succeed(values)))
        }
      }))
    }
    return Effect.sync(() => {
      for (const remove of removers) remove()
    })
  })
