/**
 * The corun task: Python's unit of ownership (a thread, an asyncio task).
 *
 * A task is the fiber that `Executor.submit`, `TaskGroup.createTask` or a
 * `Timer` started, together with every fiber Effect's combinators fork inside
 * it (`Effect.timeout`, `race`, `forEach` with concurrency, `forkChild`, …):
 * they all run with the same `TaskInfo` object in their context, and that
 * object *is* the task's identity. Locks, re-entrancy, `Condition` checks and
 * `FiberLocal` values are keyed by it, never by a fiber id, so a lock taken
 * inside `Effect.timeout` belongs to the task that called it.
 *
 * Code outside any task runs in the main task (`mainTask`), as Python code
 * outside any started thread runs in `MainThread`.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"

/**
 * What a task was started as: its name and whether it is a daemon. One
 * object per task, so its identity is the task's identity.
 */
export interface TaskInfo {
  readonly name: string | undefined
  readonly daemon: boolean
}

/**
 * The current task, inherited by every fiber forked inside it; `undefined`
 * in the main task. Exported by `Executor` as `Executor.CurrentTask`.
 */
export const CurrentTask: Context.Reference<TaskInfo | undefined> = Context.Reference<TaskInfo | undefined>(
  "@corun/core/Executor/CurrentTask",
  { defaultValue: () => undefined }
)

/** The identity of code running outside any task (Python's `MainThread`). */
export const mainTask: TaskInfo = { name: undefined, daemon: false }

/** The task `fiber` belongs to. */
export const taskOf = (fiber: Fiber.Fiber<unknown, unknown>): TaskInfo => fiber.getRef(CurrentTask) ?? mainTask

/** A readable name for a task, for error messages and `toString`. */
export const describeTask = (task: TaskInfo): string =>
  task === mainTask ? "the main task" : task.name === undefined ? "another task" : `task "${task.name}"`

/**
 * Starts `effect` as a new task, detached, and returns its fiber: the one
 * step `Executor.submit` and `TaskGroup.createTask` share. The task gets a
 * fresh `TaskInfo` (its identity); with a `name` it also gets a span and the
 * `task` log annotation. `daemon` defaults to the creating task's flag, as
 * Python threads inherit it.
 *
 * The identity is put into the new fiber's context before its first step
 * (the fiber is scheduled, not started, by `forkDetach`), which costs one
 * context copy and no extra effect per task: `submit` is a hot path.
 *
 * Call it in an uninterruptible region, with the registration of the fiber.
 */
export const forkTask = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string | undefined,
  daemon: boolean
): Effect.Effect<Fiber.Fiber<A, E>, never, R> => {
  const info: TaskInfo = { name, daemon }
  const task = name === undefined ? effect : effect.pipe(Effect.withSpan(name), Effect.annotateLogs("task", name))
  return Effect.map(Effect.forkDetach(task), (fiber) => {
    fiber.setContext(Context.add(fiber.context, CurrentTask, info))
    return fiber
  })
}

/**
 * Runs `effect` as a new task in whatever fiber it is forked into: a fresh
 * `TaskInfo` (its own lock ownership and `FiberLocal` values), the creating
 * task's daemon flag. For combinators that fork their own fibers and want
 * each to be a task, as `gather` wants each of its effects to be one
 * (asyncio wraps each awaitable in a task): `Effect.forkChild(asNewTask(e))`.
 */
export const asNewTask = <A, E, R>(effect: Effect.Effect<A, E, R>, name?: string): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    Effect.provideService(effect, CurrentTask, { name, daemon: fiber.getRef(CurrentTask)?.daemon ?? false })
  )
