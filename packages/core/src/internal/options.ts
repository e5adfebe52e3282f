/**
 * Internal helpers shared by the synchronisation primitives: option
 * validation and scheduling. Not part of the public API.
 *
 * @internal
 */
import { Duration, Fiber, Option } from "effect"
import { InvalidArgumentError } from "../Errors.ts"

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

/**
 * Turns a `timeout` option into milliseconds: `undefined` when there is none
 * (wait forever), an `InvalidArgumentError` for a negative or malformed one.
 */
export const timeoutMillis = (
  timeout: Duration.Input | undefined,
  argument = "timeout"
): number | undefined | InvalidArgumentError => {
  if (timeout === undefined) return undefined
  const duration = Duration.fromInput(timeout)
  if (
    Option.isNone(duration) || Duration.isNegative(duration.value) ||
    (typeof timeout === "number" && Number.isNaN(timeout))
  ) {
    return new InvalidArgumentError({
      argument,
      message: `'${argument}' must be a non-negative duration, got ${String(timeout)}`
    })
  }
  const millis = Duration.toMillis(duration.value)
  return millis === Infinity ? undefined : millis
}

/**
 * Python refuses `acquire(blocking=False, timeout=t)`: a timeout makes no
 * sense for a call that does not wait.
 */
export const nonBlockingCheck = (options: {
  readonly blocking?: boolean | undefined
  readonly timeout?: Duration.Input | undefined
}): InvalidArgumentError | undefined =>
  options.blocking === false && options.timeout !== undefined
    ? new InvalidArgumentError({
      argument: "timeout",
      message: "can't specify a timeout for a non-blocking acquire: pass either blocking: false or a timeout"
    })
    : undefined
