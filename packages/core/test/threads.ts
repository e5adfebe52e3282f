// Test helper: start an effect as a new corun task, the way a Python test
// starts a thread, while keeping Effect's fiber handle (to interrupt, poll
// and join it). A fresh `Executor.CurrentTask` value is a new task identity,
// which is what `Executor.submit` and `TaskGroup.createTask` give theirs.
import { Executor } from "@corun/core"
import { Effect, type Fiber } from "effect"

const tasks = new WeakMap<Fiber.Fiber<unknown, unknown>, Executor.TaskInfo>()

/** Forks `effect` as a new task (a new Python thread); see the module comment. */
export const forkThread = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<Fiber.Fiber<A, E>, never, R> => {
  const task: Executor.TaskInfo = { name: undefined, daemon: false }
  return Effect.map(Effect.forkChild(Effect.provideService(effect, Executor.CurrentTask, task)), (fiber) => {
    tasks.set(fiber, task)
    return fiber
  })
}

/** The task a fiber started by `forkThread` runs in (what `Lock.ownerUnsafe` reports). */
export const threadTask = (fiber: Fiber.Fiber<unknown, unknown>): Executor.TaskInfo | undefined => tasks.get(fiber)
