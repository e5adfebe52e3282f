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
 * - The first task to fail cancels the body and every other task; the group
 *   then fails with the failures of all the tasks that failed (and the
 *   body's, if it failed too), combined in one `Cause` — Python's
 *   `ExceptionGroup`.
 * - A task cancelled on its own (`Future.cancel`) does not fail the group.
 * - Interrupting the group interrupts the body and every task.
 *
 * Typing: `group.createTask(effect)` adds `effect`'s error type to the
 * body's error channel, because that is where a task's failure surfaces
 * (it aborts the body). So `TaskGroup.run` has the precise union of the
 * body's and the tasks' errors.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Fiber } from "effect"
import { TaskGroupClosedError } from "./Errors.ts"
import * as Future from "./Future.ts"

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
      const tasks = new Set<Fiber.Fiber<unknown, unknown>>()
      const failures: Array<Cause.Cause<unknown>> = []
      let closed = false
      let aborting = false
      let bodyFiber: Fiber.Fiber<A, E> | undefined
      let idle: (() => void) | undefined

      const abort = () => {
        if (aborting) return
        aborting = true
        bodyFiber?.interruptUnsafe()
        for (const task of tasks) task.interruptUnsafe()
      }

      const group: TaskGroup = {
        createTask: <A2, E2, R2>(effect: Effect.Effect<A2, E2, R2>, options?: { readonly name?: string | undefined }) =>
          Effect.suspend(() => {
            if (closed || aborting) {
              return Effect.fail(
                new TaskGroupClosedError({
                  message: aborting
                    ? "cannot create a task: the task group is shutting down after a failure"
                    : "cannot create a task: the task group has finished"
                })
              )
            }
            const name = options?.name
            const task = name === undefined
              ? effect
              : effect.pipe(Effect.withSpan(name), Effect.annotateLogs("task", name))
            const future = Future.makeUnsafe<A2, E2>({ name })
            // Fork and register in one uninterruptible step: a creator paused
            // and interrupted in between would leave a task outside the group.
            return Effect.uninterruptible(Effect.map(Effect.forkDetach(Effect.suspend(() => {
              Future.setRunningUnsafe(future)
              return task
            })), (fiber) => {
              tasks.add(fiber)
              // The group may have started aborting since the check above.
              if (aborting) fiber.interruptUnsafe()
              Future.attachFiberUnsafe(future, fiber)
              fiber.addObserver((exit) => {
                tasks.delete(fiber)
                if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
                  failures.push(withoutInterrupts(exit.cause))
                  abort()
                }
                if (tasks.size === 0 && idle !== undefined) {
                  const resume = idle
                  idle = undefined
                  resume()
                }
              })
              return future
            }))
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
      const interruptEverything = Effect.suspend(() => {
        aborting = true
        closed = true
        return Fiber.interruptAll([bodyFiber!, ...tasks])
      })

      const bodyExit = yield* restore(Fiber.await(bodyFiber)).pipe(Effect.onInterrupt(() => interruptEverything))
      if (Exit.isFailure(bodyExit) && !(aborting && Cause.hasInterruptsOnly(bodyExit.cause))) {
        failures.unshift(aborting ? withoutInterrupts(bodyExit.cause) : bodyExit.cause)
        abort()
      }
      yield* restore(waitForTasks).pipe(Effect.onInterrupt(() => interruptEverything))
      closed = true
      if (failures.length > 0) {
        return yield* Effect.failCause(failures.reduce(Cause.combine) as Cause.Cause<E>)
      }
      return (bodyExit as Exit.Success<A, E>).value
    })
  )

// A failure that raced the group's own abort carries that interruption too:
// only the failures themselves go into the group's cause (an ExceptionGroup).
const withoutInterrupts = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.hasInterrupts(cause)
    ? Cause.fromReasons(cause.reasons.filter((reason) => !Cause.isInterruptReason(reason)))
    : cause
