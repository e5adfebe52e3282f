/**
 * The argument checks of corun, in one place: every public function that
 * takes a timeout, a duration, a count or a size checks it here, before it
 * does any work (before any fast path, so a bad argument fails the same way
 * whether or not the call would have had to wait). Pool implementations
 * (`@corun/node`'s `NodePool`) use the same checks as `Backend.Validation` (`@corun/core/Backend`).
 *
 * Each check returns the value it accepted or an `InvalidArgumentError` (it
 * never throws): the caller fails with that error, typed, before touching
 * anything. The rules:
 *
 * - A duration is a `Duration.Input`: a number of milliseconds, a bigint of
 *   nanoseconds, a `Duration`, a `[seconds, nanos]` pair, a duration object
 *   or a string such as `"5 seconds"`. It must not be negative nor NaN (nor
 *   contain a NaN). `0` is allowed (Python's `timeout=0`: try once).
 * - `Infinity` (and `"Infinity"`, `Duration.infinity`) means no limit: the
 *   checks return `undefined` for it, as for an absent option (Python's
 *   `timeout=None`). Very long finite durations are kept as they are: Effect's
 *   `sleep` splits a wait longer than a JavaScript timer can hold, and timers
 *   armed by corun itself (`@corun/node`'s `LongTimeout`) do the same.
 * - A count is an integer; where a bound is meant, `Infinity` means no bound.
 *
 * Exposed only as `Backend.Validation` (`@corun/core/Backend`), for pool implementations.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import { InvalidArgumentError } from "../Errors.ts"

/**
 * The longest delay a JavaScript timer holds (2^31 − 1 ms, about 24.8 days):
 * `setTimeout` fires at once for anything longer.
 */
export const MAX_TIMER_MILLIS = 2 ** 31 - 1

const durationHelp = "a non-negative duration (milliseconds, a Duration or a string such as \"5 seconds\"; " +
  "Infinity for no limit)"

const show = (u: unknown): string => {
  if (typeof u === "string") return JSON.stringify(u)
  if (typeof u === "bigint") return `${u}n`
  if (Array.isArray(u)) return `[${u.map(show).join(", ")}]`
  if (Duration.isDuration(u)) return `Duration(${Duration.format(u)})`
  if (typeof u === "object" && u !== null && Object.getPrototypeOf(u) === Object.prototype) {
    return `{ ${Object.entries(u).map(([key, value]) => `${key}: ${show(value)}`).join(", ")} }`
  }
  return String(u)
}

/**
 * The `InvalidArgumentError` for `argument`: says which argument, what was
 * given and what is allowed.
 */
export const invalidArgument = (argument: string, given: unknown, allowed: string): InvalidArgumentError =>
  new InvalidArgumentError({
    argument,
    message: `'${argument}' must be ${allowed}, got ${show(given)}`
  })

const durationFields = [
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "milliseconds",
  "microseconds",
  "nanoseconds"
] as const

/** Whether a non-`Duration` object / pair input holds only numbers, none of them NaN. */
const wellFormedParts = (input: object): boolean => {
  if (Array.isArray(input)) {
    return input.length === 2 && typeof input[0] === "number" && typeof input[1] === "number" &&
      !Number.isNaN(input[0]) && !Number.isNaN(input[1])
  }
  for (const field of durationFields) {
    const value = (input as Record<string, unknown>)[field]
    if (value !== undefined && (typeof value !== "number" || Number.isNaN(value))) return false
  }
  return true
}

/**
 * Milliseconds of a duration argument (Python's `timeout` / `interval`):
 * `undefined` for `Infinity` (no limit), an `InvalidArgumentError` for a
 * negative, NaN or malformed one. `undefined` itself is malformed here; use
 * `timeoutMillis` for an optional timeout.
 */
export const durationMillis = (input: unknown, argument: string): number | undefined | InvalidArgumentError => {
  // Numbers (the common case) are checked without building a Duration.
  if (typeof input === "number") {
    if (input >= 0) return input === Infinity ? undefined : input
    return invalidArgument(argument, input, durationHelp)
  }
  if (
    !(typeof input === "string" || typeof input === "bigint" ||
      (typeof input === "object" && input !== null && (Duration.isDuration(input) || wellFormedParts(input))))
  ) {
    return invalidArgument(argument, input, durationHelp)
  }
  const duration = Duration.fromInput(input as Duration.Input)
  if (Option.isNone(duration) || Duration.isNegative(duration.value)) {
    return invalidArgument(argument, input, durationHelp)
  }
  const millis = Duration.toMillis(duration.value)
  if (Number.isNaN(millis)) return invalidArgument(argument, input, durationHelp)
  return millis === Infinity ? undefined : millis
}

/**
 * Turns an optional `timeout` into milliseconds: `undefined` when there is
 * none or it is `Infinity` (wait forever, Python's `timeout=None`), an
 * `InvalidArgumentError` for a negative, NaN or malformed one.
 */
export const timeoutMillis = (
  timeout: Duration.Input | undefined,
  argument = "timeout"
): number | undefined | InvalidArgumentError => timeout === undefined ? undefined : durationMillis(timeout, argument)

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
      message: "'timeout' can't be given with blocking: false (a non-blocking acquire does not wait): " +
        `pass either blocking: false or a timeout, got blocking: false and timeout: ${show(options.timeout)}`
    })
    : undefined

/**
 * The options of a lock's `acquire(blocking, timeout)`, checked: the timeout
 * in milliseconds (`undefined`: wait forever), `0` for `blocking: false`, or
 * an `InvalidArgumentError` (a bad timeout, or a timeout with
 * `blocking: false`).
 */
export const acquireMillis = (options: {
  readonly blocking?: boolean | undefined
  readonly timeout?: Duration.Input | undefined
}): number | undefined | InvalidArgumentError => {
  const timeout = options.timeout
  if (options.blocking === false) return timeout === undefined ? 0 : nonBlockingCheck(options)
  return timeout === undefined ? undefined : durationMillis(timeout, "timeout")
}

/**
 * A count that must be a positive integer (Python's `max_workers`,
 * `chunksize`, `processes`…); with `unbounded`, `Infinity` is allowed too
 * and means no bound.
 */
export const positiveCount = (
  n: unknown,
  argument: string,
  unbounded = false
): number | InvalidArgumentError =>
  typeof n === "number" && ((Number.isInteger(n) && n > 0) || (unbounded && n === Infinity))
    ? n
    : invalidArgument(argument, n, unbounded ? "a positive integer or Infinity" : "a positive integer")

/**
 * A count that must be an integer of any sign, or `±Infinity` (Python's
 * `notify(n)`, `Queue(maxsize)`, whose non-positive values have a meaning of
 * their own).
 */
export const integerCount = (n: unknown, argument: string, allowed: string): number | InvalidArgumentError =>
  typeof n === "number" && (Number.isInteger(n) || n === Infinity || n === -Infinity)
    ? n
    : invalidArgument(argument, n, allowed)

/** A size that must be a positive, finite number (a memory limit in MB…). */
export const positiveSize = (n: unknown, argument: string): number | InvalidArgumentError =>
  typeof n === "number" && n > 0 && Number.isFinite(n) ? n : invalidArgument(argument, n, "a positive, finite number")
