/**
 * `TaskGroup`: structured concurrency with Python's `asyncio.TaskGroup`
 * semantics.
 *
 * ```ts
 * const [a, b] = yield* TaskGroup.run((group) =>       // async with TaskGroup() as tg:
 *   Effect.gen(function*() {
 *     const a = yield* group.createTask(fetchPage(1))  //   a = tg.create_task(get_html(1))
 *     const b = yield* group.createTask(fetchPage(2))  //   b = tg.create_task(get_html(2))
 *     return [a, b] as const
 *   }))
 * // every task has finished here
 * ```
 *
 * - The group waits for every task when the body returns.
 * - The first task to fail cancels the body and every other task, one
 *   scheduler step later (as asyncio runs a done callback): tasks resumed in
 *   the same step as the first failure still run, so tasks failing at the
 *   same instant are all reported. The group then fails with the failures of all
 *   the tasks that failed (and the body's, if it failed too), combined in one
 *   `Cause` — Python's `ExceptionGroup`.
 * - A task cancelled on its own (`Future.cancel`) does not fail the group.
 * - Interrupting the group's owner interrupts the body first; the tasks run
 *   on until the body has exited, then they are cancelled and awaited.
 * - No failure is dropped: a task or a cancel handler that fails while the
 *   group is being interrupted fails the group, nested groups included.
 *   Python's rule: the `CancelledError` propagates only when there is no
 *   other error. An interruption with no failure stays an interruption.
 *
 * Typing: `group.createTask(effect)` adds `effect`'s error type to the
 * body's error channel, because that is where a task's failure surfaces
 * (it aborts the body). So `TaskGroup.run` has the precise union of the
 * body's and the tasks' errors.
 *
 * @since 0.1.0
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import type { ExcludeTag, ExtractTag, Tags } from "effect/Types"
import { type ExceptionGroup, exceptionGroup, TaskGroupClosedError } from "./Errors.ts"
import * as Future from "./Future.ts"
import * as FutureInternal from "./internal/future.ts"
import { CurrentTask, forkTask } from "./internal/task.ts"

/**
 * A group of tasks started by `TaskGroup.run`'s body.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskGroup {
  /**
   * Starts `effect` as a task of the group and returns its `Future`:
   * Python's `tg.create_task(coro, name=)`. Fails with
   * `TaskGroupClosedError` once the group has finished or is aborting.
   */
  createTask<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: { readonly name?: string | undefined }
  ): Effect.Effect<Future.Future<A, E>, E | TaskGroupClosedError, R>
}

/**
 * Runs `body` with a new task group, waits for every task it started, and
 * returns the body's value: Python's `async with asyncio.TaskGroup() as tg:`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = <A, E, R>(body: (group: TaskGroup) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const owner = yield* Effect.fiber
      const tasks = new Set<Fiber.Fiber<unknown, unknown>>()
      // Every failure, the body's first: the group's ExceptionGroup.
      const failures: Array<Cause.Cause<unknown>> = []
      // The owner's interruption, or the body's own: asyncio's CancelledError,
      // raised only when there is no failure (failures have priority).
      let interruption: Cause.Cause<never> | undefined
      let closed = false
      let aborting = false
      let abortScheduled = false
      let bodyFiber: Fiber.Fiber<A, E> | undefined
      let idle: (() => void) | undefined

      // asyncio's `_abort`: cancel the body and every task.
      const abort = () => {
        if (aborting) return
        aborting = true
        bodyFiber?.interruptUnsafe()
        for (const task of tasks) task.interruptUnsafe()
      }
      // A task's failure aborts the group one scheduler step later, as
      // asyncio runs a task's done callback: a task already resumed in the
      // same step (two tasks failing at the same instant) fails rather than
      // being cancelled, and both failures are reported.
      const scheduleAbort = () => {
        if (aborting || abortScheduled) return
        abortScheduled = true
        owner.currentDispatcher.scheduleTask(abort, 0)
      }

      const group: TaskGroup = {
        createTask: <A2, E2, R2>(effect: Effect.Effect<A2, E2, R2>, options?: { readonly name?: string | undefined }) =>
          Effect.withFiber((creator) => {
            if (closed || aborting) {
              return Effect.fail(
                new TaskGroupClosedError({
                  message: aborting
                    ? "cannot create a task: the task group is shutting down"
                    : "cannot create a task: the task group has finished"
                })
              )
            }
            const name = options?.name
            const future = FutureInternal.makeUnsafe<A2, E2>({ name })
            // Fork and register in one uninterruptible step: a creator paused
            // and interrupted in between would leave a task outside the group.
            // `forkTask` (shared with `Executor.submit`) gives the task its
            // identity and its name; it keeps the creator's daemon flag.
            const daemon = creator.getRef(CurrentTask)?.daemon ?? false
            return Effect.uninterruptible(Effect.map(
              forkTask(
                Effect.suspend(() => {
                  FutureInternal.setRunningUnsafe(future)
                  return effect
                }),
                name,
                daemon
              ),
              (fiber) => {
                tasks.add(fiber)
                // The group may have started aborting since the check above.
                if (aborting) fiber.interruptUnsafe()
                FutureInternal.attachFiberUnsafe(future, fiber)
                fiber.addObserver((exit) => {
                  tasks.delete(fiber)
                  // A task cancelled on its own (or by the abort) is no failure;
                  // one that failed in its finaliser after being cancelled is.
                  if (Exit.isFailure(exit)) {
                    const failure = withoutInterrupts(exit.cause)
                    if (failure.reasons.length > 0) {
                      failures.push(failure)
                      scheduleAbort()
                    }
                  }
                  if (tasks.size === 0 && idle !== undefined) {
                    const resume = idle
                    idle = undefined
                    resume()
                  }
                })
                return future
              }
            ))
          })
      }

      bodyFiber = yield* Effect.forkChild(restore(Effect.suspend(() => body(group))), { startImmediately: true })
      if (aborting) bodyFiber.interruptUnsafe()

      const waitForTasks = Effect.callback<void>((resume) => {
        if (tasks.size === 0) return resume(Effect.void)
        idle = () => resume(Effect.void)
        return Effect.sync(() => {
          idle = undefined
        })
      })

      // The body. When the owner is interrupted, asyncio interrupts the body
      // (it runs in the owner's task) and cancels the tasks only once the
      // body has exited: until then they run on, and a failure of theirs is
      // reported. Once the owner is interrupted every wait is uninterruptible,
      // so no task outlives the group.
      const awaited = yield* Effect.exit(restore(Fiber.await(bodyFiber)))
      if (Exit.isFailure(awaited)) {
        interruption = awaited.cause
        yield* Fiber.interrupt(bodyFiber)
      }
      const bodyExit = Exit.isSuccess(awaited) ? awaited.value : yield* Fiber.await(bodyFiber)
      if (Exit.isFailure(bodyExit)) {
        // Failures of the body's cancel handler count as failures.
        const failure = withoutInterrupts(bodyExit.cause)
        if (failure.reasons.length > 0) failures.unshift(failure)
        else interruption ??= bodyExit.cause as Cause.Cause<never>
        abort()
      } else if (interruption !== undefined) {
        abort()
      }

      // The tasks. An interruption of the owner here cancels them all.
      if (interruption === undefined) {
        const waited = yield* Effect.exit(restore(waitForTasks))
        if (Exit.isFailure(waited)) {
          interruption = waited.cause
          abort()
        }
      }
      if (tasks.size > 0) yield* waitForTasks
      closed = true

      // asyncio: "propagate CancelledError if there is one, except if there
      // are other errors -- those have priority".
      if (failures.length > 0) {
        return yield* Effect.failCause(failures.reduce(Cause.combine) as Cause.Cause<E>)
      }
      if (interruption !== undefined) return yield* Effect.failCause(interruption)
      return (bodyExit as Exit.Success<A, E>).value
    })
  )

// A failure that raced the group's own abort carries that interruption too:
// only the failures themselves go into the group's cause (an ExceptionGroup).
const withoutInterrupts = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.hasInterrupts(cause)
    ? Cause.fromReasons(cause.reasons.filter((reason) => !Cause.isInterruptReason(reason)))
    : cause

/**
 * Splits a cause into the typed failures `matches` accepts and the rest
 * (other failures, defects, interruptions), keeping the order of reasons.
 */
const splitFailures = <E, E1 extends E>(
  cause: Cause.Cause<E>,
  matches: (error: E) => error is E1
): { readonly matched: Array<E1>; readonly rest: Array<Cause.Reason<Exclude<E, E1>>> } => {
  const matched: Array<E1> = []
  const rest: Array<Cause.Reason<Exclude<E, E1>>> = []
  for (const reason of cause.reasons) {
    if (Cause.isFailReason(reason) && matches(reason.error)) matched.push(reason.error)
    else rest.push(reason as Cause.Reason<Exclude<E, E1>>)
  }
  return { matched, rest }
}

const isAnyFailure = (_error: unknown): boolean => true

const hasTag = <K extends string>(tag: K) => (error: unknown): error is { readonly _tag: K } =>
  typeof error === "object" && error !== null && (error as { readonly _tag?: unknown })._tag === tag

/**
 * Python's `except* NotFound as eg:` for a failed group: handles *every*
 * failure with the tag `NotFound` (or that the refinement accepts) at once,
 * as one `ExceptionGroup` whose `errors` are all of them, and re-raises the
 * others — other failures, defects and interruptions — untouched. When the
 * handler fails too, its failure joins the re-raised ones, as a new
 * exception raised in an `except*` clause joins the unhandled ones.
 *
 * Works on any effect whose cause can hold several failures (a `TaskGroup`,
 * `gather`, `Effect.all` with concurrency). With nothing left to re-raise,
 * the handler's value is the result.
 *
 * ```ts
 * TaskGroup.run(body).pipe(
 *   TaskGroup.exceptStar("NotFound", (eg) => Console.log(`${eg.errors.length} pages not found`))
 * )                                                   // except* NotFound as eg: print(len(eg.exceptions))
 * ```
 *
 * @since 0.1.0
 * @category error handling
 */
export const exceptStar: {
  <E, K extends Tags<E>, A2, E2, R2>(
    tag: K,
    handler: (group: ExceptionGroup<ExtractTag<E, K>>) => Effect.Effect<A2, E2, R2>
  ): <A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, ExcludeTag<E, K> | E2, R | R2>
  <E, E1 extends E, A2, E2, R2>(
    refinement: (error: E) => error is E1,
    handler: (group: ExceptionGroup<E1>) => Effect.Effect<A2, E2, R2>
  ): <A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, Exclude<E, E1> | E2, R | R2>
  <A, E, R, K extends Tags<E>, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    tag: K,
    handler: (group: ExceptionGroup<ExtractTag<E, K>>) => Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, ExcludeTag<E, K> | E2, R | R2>
  <A, E, R, E1 extends E, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    refinement: (error: E) => error is E1,
    handler: (group: ExceptionGroup<E1>) => Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, Exclude<E, E1> | E2, R | R2>
} = dual(3, <A, E, R, A2, E2, R2>(
  self: Effect.Effect<A, E, R>,
  select: string | ((error: E) => boolean),
  handler: (group: ExceptionGroup<E>) => Effect.Effect<A2, E2, R2>
): Effect.Effect<A | A2, E | E2, R | R2> => {
  const matches = (typeof select === "string" ? hasTag(select) : select) as (error: E) => error is E
  return Effect.catchCause(self, (cause): Effect.Effect<A2, E | E2, R2> => {
    const { matched, rest } = splitFailures(cause, matches)
    if (!Arr.isArrayNonEmpty(matched)) return Effect.failCause(cause)
    const handled = handler(exceptionGroup(matched, "errors caught by except*"))
    if (rest.length === 0) return handled
    const others = Cause.fromReasons(rest) as Cause.Cause<E>
    return Effect.matchCauseEffect(handled, {
      onFailure: (raised) => Effect.failCause(Cause.combine(others, raised)),
      onSuccess: () => Effect.failCause(others)
    })
  })
})

/**
 * Turns every typed failure of `self` into one `ExceptionGroup` carrying all
 * of them, as Python's `TaskGroup` raises `ExceptionGroup("unhandled errors
 * in a TaskGroup", [...])`: then `Effect.catchTag("ExceptionGroup", (eg) =>
 * …)` sees every failure at once. Defects and interruptions stay as they are
 * (Python's `BaseException`s); an effect that has no typed failure is left
 * unchanged.
 *
 * @since 0.1.0
 * @category error handling
 */
export const grouped = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, ExceptionGroup<E>, R> =>
  Effect.catchCause(self, (cause) => {
    const { matched, rest } = splitFailures(cause, isAnyFailure as (error: E) => error is E)
    if (!Arr.isArrayNonEmpty(matched)) return Effect.failCause(cause as Cause.Cause<never>)
    const group = exceptionGroup(matched, "unhandled errors in a TaskGroup")
    return Effect.failCause(Cause.combine(Cause.fail(group), Cause.fromReasons(rest) as Cause.Cause<never>))
  })
