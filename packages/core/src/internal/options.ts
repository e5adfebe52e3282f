/**
 * Internal helpers shared by the synchronisation primitives: option
 * validation (from `validation.ts`, the one module every argument check
 * lives in) and scheduling. Not part of the public API.
 *
 * @internal
 */
import { Fiber } from "effect"

export { nonBlockingCheck, timeoutMillis } from "./validation.ts"

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
