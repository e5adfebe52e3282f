/**
 * The one timeout helper of corun: how long a wait may last, after Python's
 * `timeout=None` / `timeout=0` / `timeout=t`, as the milliseconds that
 * `validation.ts` returns for a checked timeout:
 *
 * - `undefined`: no limit (Python's `timeout=None`), wait as long as it takes;
 * - `0` (or less): poll, do not wait (Python's `timeout=0`,
 *   `blocking=False`): the caller has already tried once;
 * - a positive number: wait at most that many milliseconds.
 *
 * Loops that wait more than once under one limit (`Condition.waitFor`,
 * `TaskQueue.put` / `get` retrying after a wake-up) take a deadline once
 * (`deadlineOf`) and ask `remaining` before each wait, as Python's
 * `endtime = _time() + timeout` / `remaining = endtime - _time()` do. Times
 * come from Effect's `Clock`, so `TestClock` drives them in tests.
 *
 * Validation is not done here: check the argument with `validation.ts`
 * first, then pass its result on.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * A checked timeout in milliseconds: `undefined` for none, `<= 0` to poll,
 * otherwise the longest wait.
 */
export type Millis = number | undefined

/**
 * A point in time, in `Clock` milliseconds; `Infinity` when there is no
 * limit. A plain number, so a deadline costs no allocation.
 */
export type Deadline = number

const succeedNone = Effect.succeed(Option.none())

/**
 * Runs `wait` for at most `millis`: `Option.some` of its value when it ended
 * in time, `Option.none()` when the time ran out (then `wait` is
 * interrupted). With no limit it just waits; with `0` it does not start
 * `wait` at all and returns `Option.none()` (poll: the caller tried already).
 * Python: the `timeout` of every blocking call.
 */
export const within = <A, E, R>(wait: Effect.Effect<A, E, R>, millis: Millis): Effect.Effect<Option.Option<A>, E, R> =>
  millis === undefined ? Effect.asSome(wait) : millis <= 0 ? succeedNone : Effect.timeoutOption(wait, millis)

/**
 * As `within`, but fails with `onTimeout()` when the time runs out (Python's
 * `TimeoutError`, `queue.Empty`, …).
 */
export const withinOrFail = <A, E, R, E2>(
  wait: Effect.Effect<A, E, R>,
  millis: Millis,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> => {
  if (millis === undefined) return wait
  if (millis <= 0) return Effect.fail(onTimeout())
  return Effect.flatMap(
    Effect.timeoutOption(wait, millis),
    (option): Effect.Effect<A, E2> => Option.isSome(option) ? Effect.succeed(option.value) : Effect.fail(onTimeout())
  )
}

/**
 * The deadline `millis` from now (`Infinity` for no limit): Python's
 * `endtime = _time() + timeout`.
 */
export const deadlineOf = (millis: Millis): Effect.Effect<Deadline> =>
  millis === undefined ? succeedInfinity : Effect.map(Clock.currentTimeMillis, (now) => now + Math.max(0, millis))

const succeedInfinity = Effect.succeed(Infinity)

/**
 * The milliseconds left until `deadline` at `now`: `undefined` when there is
 * no deadline, `0` once it has passed (then poll, do not wait).
 */
export const remainingAt = (deadline: Deadline, now: number): Millis =>
  deadline === Infinity ? undefined : Math.max(0, deadline - now)

/**
 * The milliseconds left until `deadline` (Python's `remaining = endtime -
 * _time()`): `undefined` with no deadline, `0` once it has passed.
 */
export const remaining = (deadline: Deadline): Effect.Effect<Millis> =>
  deadline === Infinity ? succeedUndefined : Effect.map(Clock.currentTimeMillis, (now) => remainingAt(deadline, now))

const succeedUndefined = Effect.succeed(undefined)

/** Whether a timeout means "do not wait" (Python's `timeout=0`). */
export const isPoll = (millis: Millis): boolean => millis !== undefined && millis <= 0
