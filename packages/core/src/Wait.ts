/**
 * Waiting on many futures at once: Python's `concurrent.futures.wait` /
 * `as_completed` and asyncio's `asyncio.wait` / `asyncio.as_completed`.
 *
 * | Python                                              | corun                                          |
 * |-----------------------------------------------------|------------------------------------------------|
 * | `wait(fs, timeout, return_when)`                    | `wait(fs, { timeout, returnWhen })` → `{ done, notDone }` |
 * | `asyncio.wait(fs, timeout=, return_when=)`          | the same `wait` (it never cancels `notDone`)   |
 * | `as_completed(fs, timeout)`                         | `asCompleted(fs, { timeout })` → `Stream` of futures |
 * | `asyncio.as_completed(aws, timeout=)`               | `asCompleted` also takes effects (started as tasks) |
 * | `ALL_COMPLETED` / `FIRST_COMPLETED` / `FIRST_EXCEPTION` | `ReturnWhen`                               |
 *
 * Every future works here, whoever made it: `Executor.submit`,
 * `TaskGroup.createTask`, a pool's `applyAsync` or its executor's `submit`.
 *
 * ```ts
 * const { done, notDone } = yield* Wait.wait(futures, { returnWhen: "FIRST_COMPLETED" })
 * yield* Wait.asCompleted(futures).pipe(
 *   Stream.mapEffect((future) => Future.result(future)),
 *   Stream.runForEach((page) => Console.log(page))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { InvalidArgumentError, TimeoutError } from "./Errors.ts"
import * as Future from "./Future.ts"
import * as FutureInternal from "./internal/future.ts"
import * as ResultWindow from "./internal/resultWindow.ts"
import { asNewTask } from "./internal/task.ts"
import { within } from "./internal/timeout.ts"
import { invalidArgument, timeoutMillis } from "./internal/validation.ts"

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
 * each in the order they were given (Python's `DoneAndNotDoneFutures`).
 *
 * @since 0.1.0
 * @category models
 */
export interface DoneAndNotDone<F> {
  readonly done: Array<F>
  readonly notDone: Array<F>
}

/**
 * Options of `wait`: Python's `timeout` and `return_when`.
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

// A future "raised an exception" when it failed other than by cancellation.
const isFailedExit = (exit: Exit.Exit<any, any>): boolean =>
  Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)

/**
 * Waits until the futures satisfy `returnWhen` (default `"ALL_COMPLETED"`)
 * or `timeout` passes, and returns `{ done, notDone }`: Python's
 * `concurrent.futures.wait(fs, timeout, return_when)` and
 * `asyncio.wait(fs, timeout=, return_when=)`.
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
  <F extends Future.Future<any, any>>(futures: Iterable<F>): Effect.Effect<DoneAndNotDone<F>>
  <F extends Future.Future<any, any>>(
    futures: Iterable<F>,
    options: WaitManyOptions | undefined
  ): Effect.Effect<DoneAndNotDone<F>, InvalidArgumentError>
} = (<F extends Future.Future<any, any>>(
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
    // Each completion is counted as it happens, so waiting on n futures
    // costs O(n), not O(n²); the list itself is walked once here (making it
    // unique and counting what is done) and once more to observe the rest.
    let completed = 0
    let failed = false
    const tally = (exit: Exit.Exit<any, any>) => {
      completed++
      if (isFailedExit(exit)) failed = true
    }
    const all = FutureInternal.uniqueFutures(futures, (f) => {
      if (f.state === "done") tally(f.exit!)
    })
    const split = (): DoneAndNotDone<F> => {
      if (completed === all.length) return { done: all, notDone: [] }
      const done: Array<F> = []
      const notDone: Array<F> = []
      for (const future of all) (Future.isDoneUnsafe(future) ? done : notDone).push(future)
      return { done, notDone }
    }
    const satisfied = () =>
      completed === all.length ||
      (completed > 0 && returnWhen === "FIRST_COMPLETED") ||
      (failed && returnWhen === "FIRST_EXCEPTION")
    if (satisfied()) return Effect.succeed(split())
    const waiting = Effect.callback<void>((resume) => {
      let resumed = false
      // One observer for all the futures (it needs the exit, not the future):
      // no closure per future.
      const stopObserving = () => {
        for (const future of all) FutureInternal.removeObserver(FutureInternal.impl(future), observer)
      }
      const observer = (exit: Exit.Exit<any, any>) => {
        tally(exit)
        if (!resumed && satisfied()) {
          resumed = true
          // Returning early: the futures still pending need not keep it.
          if (completed < all.length) stopObserving()
          resume(Effect.void)
        }
      }
      // Count again, observing the futures still pending in the same pass:
      // the fiber may have yielded since the count above.
      completed = 0
      failed = false
      for (const future of all) {
        const f = FutureInternal.impl(future)
        if (f.state === "done") tally(f.exit!)
        else FutureInternal.addObserver(f, observer)
      }
      if (satisfied()) {
        stopObserving()
        return resume(Effect.void)
      }
      return Effect.sync(stopObserving)
    })
    return Effect.map(within(waiting, millis), split)
  })) as any

/**
 * What `asCompleted` yields for one of its inputs: a future as given, an
 * effect as the future of the task it was started as.
 *
 * @since 0.1.0
 * @category type-level
 */
export type AsFuture<X> = X extends Future.Future<any, any> ? X
  : X extends Effect.Effect<infer A, infer E, infer _R> ? Future.Future<A, E>
  : never

/**
 * The services the effects given to `asCompleted` need.
 *
 * @since 0.1.0
 * @category type-level
 */
export type ServicesOf<X> = X extends Effect.Effect<infer _A, infer _E, infer R> ? R : never

// Starts `effect` as a task whose fiber lives in `scope` (interrupted, and
// waited for, when the scope closes), and returns its future.
const startInScope = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  scope: Scope.Scope
): Effect.Effect<Future.Future<A, E>, never, R> =>
  Effect.uninterruptible(Effect.map(Effect.forkIn(asNewTask(effect), scope), (fiber) => {
    const future = FutureInternal.makeUnsafe<A, E>()
    FutureInternal.setRunningUnsafe(future)
    FutureInternal.attachFiberUnsafe(future, fiber)
    return future
  }))

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
 * It is the result window (`internal/resultWindow.ts`) in completion order,
 * with no bound: each item is "started" by observing its future.
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
  <X extends Future.Future<any, any> | Effect.Effect<any, any, any>>(
    futures: Iterable<X>
  ): Stream.Stream<AsFuture<X>, TimeoutError, ServicesOf<X>>
  <X extends Future.Future<any, any> | Effect.Effect<any, any, any>>(
    futures: Iterable<X>,
    options: Future.WaitOptions | undefined
  ): Stream.Stream<AsFuture<X>, TimeoutError | InvalidArgumentError, ServicesOf<X>>
} = (<F extends Future.Future<any, any>>(
  inputs: Iterable<F | Effect.Effect<any, any, any>>,
  options?: Future.WaitOptions
): Stream.Stream<F, TimeoutError | InvalidArgumentError> => {
  // Checked before the stream reads the futures or registers anything.
  const millis = timeoutMillis(options?.timeout)
  if (millis instanceof InvalidArgumentError) return Stream.fail(millis)
  // The futures, once the stream has started the effects among the inputs.
  let all: Array<F> = []
  return ResultWindow.stream<F, F, never, TimeoutError, never>({
    // Read once the driver has set `all` (the window reads its items lazily).
    items: { [Symbol.iterator]: () => all[Symbol.iterator]() },
    ordered: false,
    window: Infinity,
    timeout: millis,
    onTimeout: (window) =>
      new TimeoutError(
        `asCompleted: ${all.length - window.delivered} of ${all.length} futures did not complete within ${
          Duration.format(Duration.millis(millis!))
        }`
      ),
    drive: (window, scope) =>
      Effect.gen(function*() {
        const futures: Array<F> = []
        for (const input of inputs) {
          if (Future.isFuture(input)) futures.push(input)
          else futures.push((yield* startInScope(input as Effect.Effect<unknown, unknown>, scope)) as F)
        }
        all = FutureInternal.uniqueFutures(futures)
        // Observing is all it takes to "start" a future; the canceller only
        // stops observing (a given future is not the stream's to cancel).
        yield* ResultWindow.startEach(window, scope, (future, _index, complete) =>
          Effect.sync(() =>
            FutureInternal.observeUnsafe(future, () =>
              complete(Exit.succeed(future)))
          ))
      })
  })
}) as any
