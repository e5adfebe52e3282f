/**
 * A `Timer` runs an effect once, after a delay, unless it is cancelled
 * first: Python's `threading.Timer(interval, function)`.
 *
 * ```ts
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const timer = yield* Timer.make("1 second", Console.log("hello, world")) // t = Timer(1.0, hello)
 *   yield* timer.start                                                     // t.start()
 *   yield* timer.join                                                      // t.join()
 * }))
 * ```
 *
 * | Python                          | corun                                      |
 * |---------------------------------|--------------------------------------------|
 * | `Timer(interval, fn, args)`     | `Timer.make(interval, effect)` (scoped)    |
 * | `t.start()`                     | `t.start`                                  |
 * | `t.cancel()`                    | `t.cancel`                                 |
 * | `t.join()`                      | `t.join` → `Option.some(result)`, `Option.none()` when cancelled |
 * | `t.finished.is_set()`           | `t.finished`                               |
 * | `t.is_alive()`                  | `t.isAlive`                                |
 *
 * As in Python, `cancel` stops a timer that is still waiting (also one not
 * started yet); once the effect has started, `cancel` lets it finish. A
 * timer belongs to the `Scope` it was made in: closing the scope cancels a
 * waiting timer and interrupts a running effect, so no timer outlives its
 * scope. `start` on a started timer fails with `TimerStartedError`.
 *
 * Built on a fiber forked into the scope that sleeps on Effect's `Clock`
 * (so `TestClock` drives it in tests) and a `Deferred` for the outcome.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import type * as Scope from "effect/Scope"
import { InvalidArgumentError, TimerStartedError } from "./Errors.ts"
import { CurrentTask, type TaskInfo } from "./internal/task.ts"
import { durationMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Timer" as const

/**
 * A one-shot delayed action.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timer<out A = void, out E = never> extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The delay before the effect runs. */
  readonly interval: Duration.Duration
  /**
   * Starts the countdown (Python's `t.start()`); fails with
   * `TimerStartedError` when called twice.
   */
  readonly start: Effect.Effect<void, TimerStartedError>
  /**
   * Stops the timer if its effect has not started yet (Python's
   * `t.cancel()`); does nothing once it has.
   */
  readonly cancel: Effect.Effect<void>
  /**
   * Waits until the timer has fired or been cancelled (Python's `t.join()`):
   * `Option.some` of the effect's value, `Option.none()` when cancelled;
   * fails with the effect's error.
   */
  readonly join: Effect.Effect<Option.Option<A>, E>
  /** Whether the timer has fired or been cancelled (Python's `t.finished.is_set()`). */
  readonly finished: Effect.Effect<boolean>
  /** Whether the timer was started and has not finished (Python's `t.is_alive()`). */
  readonly isAlive: Effect.Effect<boolean>
}

/**
 * Where a timer is in its life: `new` (not started), `waiting` (counting
 * down), `running` (its effect runs; `cancel` no longer stops it), `done`.
 * A string union: the state changes a few times per timer, not per
 * operation, and reads as itself in `toString`. Whether `cancel` was called
 * is a flag of its own (`cancelled`), since it can be asked in any state.
 */
type State = "new" | "waiting" | "running" | "done"

class TimerImpl<A, E> implements Timer<A, E> {
  readonly [TypeId] = TypeId
  readonly interval: Duration.Duration
  readonly effect: Effect.Effect<A, E>
  readonly scope: Scope.Scope
  readonly result = Deferred.makeUnsafe<Option.Option<A>, E>()
  state: State = "new"
  cancelled = false
  fiber: Fiber.Fiber<Option.Option<A>, E> | undefined = undefined

  constructor(interval: Duration.Duration, effect: Effect.Effect<A, E>, scope: Scope.Scope) {
    this.interval = interval
    this.effect = effect
    this.scope = scope
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  finish(exit: Exit.Exit<Option.Option<A>, E>): void {
    this.state = "done"
    this.fiber = undefined
    Deferred.doneUnsafe(
      this.result,
      Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) ? Exit.succeed(Option.none()) : exit
    )
  }

  get start(): Effect.Effect<void, TimerStartedError> {
    return Effect.uninterruptible(Effect.suspend(() => {
      if (this.state !== "new") {
        return Effect.fail(new TimerStartedError({ message: "a Timer can only be started once; make a new one" }))
      }
      if (this.cancelled) {
        this.finish(Exit.succeed(Option.none()))
        return Effect.void
      }
      this.state = "waiting"
      const run = Effect.andThen(
        Effect.sleep(this.interval),
        Effect.suspend(() => {
          if (this.cancelled) return Effect.succeedNone
          this.state = "running"
          return Effect.asSome(this.effect)
        })
      )
      return Effect.map(Effect.forkIn(run, this.scope), (fiber) => {
        this.fiber = fiber
        fiber.addObserver((exit) => this.finish(exit))
      })
    }))
  }

  get cancel(): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.cancelled || this.state === "running" || this.state === "done") return Effect.void
      this.cancelled = true
      if (this.state === "new") {
        Deferred.doneUnsafe(this.result, Exit.succeed(Option.none()))
        return Effect.void
      }
      const fiber = this.fiber
      // The fiber's observer completes `result` as it exits.
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })
  }

  get join(): Effect.Effect<Option.Option<A>, E> {
    return Deferred.await(this.result)
  }

  get finished(): Effect.Effect<boolean> {
    return Effect.sync(() => Deferred.isDoneUnsafe(this.result))
  }

  get isAlive(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "waiting" || this.state === "running")
  }

  toString() {
    return `Timer(${Duration.format(this.interval)}, ${this.state})`
  }
}

/**
 * Creates a timer that will run `effect` once, `interval` after `start`:
 * Python's `threading.Timer(interval, function)`. The timer belongs to the
 * current scope (closing it cancels the timer) and runs `effect` with the
 * caller's services, as a task of its own (its own lock ownership and
 * `FiberLocal` values, like the thread a Python `Timer` is). A negative, NaN or malformed interval fails with
 * `InvalidArgumentError`; `Infinity` makes a timer that never fires.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E = never, R = never>(
  interval: Duration.Input,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Timer<A, E>, InvalidArgumentError, R | Scope.Scope> =>
  Effect.withFiber((fiber) => {
    const millis = durationMillis(interval, "interval")
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    const context = fiber.context as Context.Context<R | Scope.Scope>
    // The effect runs as a task of its own, as Python's `Timer` is a thread:
    // its own lock ownership and `FiberLocal` values (the daemon flag is the
    // creator's, as Python threads inherit it).
    const task: TaskInfo = { name: undefined, daemon: fiber.getRef(CurrentTask)?.daemon ?? false }
    return Effect.flatMap(Effect.scope, (scope) =>
      Effect.succeed(
        new TimerImpl<A, E>(
          millis === undefined ? Duration.infinity : Duration.millis(millis),
          Effect.provideContext(Effect.provideService(effect, CurrentTask, task), context),
          scope
        )
      ))
  })

/**
 * Makes a timer and starts it at once: `Timer(interval, fn).start()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = <A, E = never, R = never>(
  interval: Duration.Input,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<Timer<A, E>, InvalidArgumentError, R | Scope.Scope> =>
  Effect.tap(make(interval, effect), (timer) => Effect.orDie(timer.start))

/**
 * Cancels a timer that has not fired yet: Python's `t.cancel()`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const cancel = <A, E>(self: Timer<A, E>): Effect.Effect<void> => self.cancel

/**
 * Waits for the timer to fire or be cancelled: Python's `t.join()`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const join = <A, E>(self: Timer<A, E>): Effect.Effect<Option.Option<A>, E> => self.join
