/**
 * Scheduling for the synchronisation primitives (the parking lot resumes
 * woken fibers through it). Argument checks live in `validation.ts`,
 * timeouts in `timeout.ts`. Not part of the public API.
 *
 * @internal
 */
import * as Fiber from "effect/Fiber"

/**
 * Schedules `f` on the dispatcher of the fiber that is running (as Effect's
 * own `Semaphore` does), so a woken fiber does not run inside the stack of
 * the fiber that woke it.
 */
export const scheduleUnsafe = (f: () => void): void => {
  const fiber = Fiber.getCurrent()
  if (fiber === undefined) Promise.resolve().then(f)
  else fiber.currentDispatcher.scheduleTask(f, 0)
}
