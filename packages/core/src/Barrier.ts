/**
 * A `Barrier` makes a fixed number of fibers wait for each other: Python's
 * `threading.Barrier(parties, action, timeout)`.
 *
 * ```ts
 * const barrier = yield* Barrier.make(3, { action: Effect.log("all here") }) // Barrier(3, action)
 * const index = yield* barrier.wait()   // index = barrier.wait(): 0, 1 or 2
 * ```
 *
 * | Python                                  | corun                                   |
 * |-----------------------------------------|-----------------------------------------|
 * | `Barrier(parties, action=None, timeout=None)` | `Barrier.make(parties, { action, timeout })` |
 * | `barrier.wait(timeout=None)`            | `barrier.wait({ timeout })` → arrival index `0 … parties-1` |
 * | `barrier.reset()`                       | `barrier.reset`                         |
 * | `barrier.abort()`                       | `barrier.abort`                         |
 * | `barrier.broken`                        | `barrier.broken`                        |
 * | `barrier.n_waiting`, `barrier.parties`  | `barrier.nWaiting`, `barrier.parties`   |
 * | `BrokenBarrierError`                    | `Errors.BrokenBarrierError`             |
 * | (Trio's `statistics()`)                 | `barrier.statistics` → `{ parties, nWaiting, state }` |
 *
 * When the last of `parties` fibers arrives, it runs `action` (if any), and
 * the round trips: the waiters are released and leave the barrier, each as
 * it resumes, returning its arrival index. Until the last of them has left
 * (the *draining* phase of Python's barrier), a fiber arriving waits for the
 * next round, and `reset` or `abort` breaks the waiters still leaving.
 *
 * The barrier breaks, and every current and later `wait` fails with
 * `BrokenBarrierError` until `reset`, when: `abort` is called, a waiter's
 * timeout passes before the round trips (as in `threading`), or the action
 * fails or is interrupted (the fiber that ran it fails with the action's
 * error, the others with `BrokenBarrierError`). A timeout that passes while
 * the action runs waits for the action's outcome, as a Python thread, which
 * needs the barrier's lock the action holds, does. `reset` fails the fibers
 * waiting or still leaving with `BrokenBarrierError`; new arrivals wait until
 * they have left, then the barrier is as new.
 *
 * An interrupted waiter only leaves (`nWaiting` drops by one), as a
 * cancelled task leaves asyncio's `Barrier`: the barrier stays whole and the
 * round trips when enough other fibers arrive. (As in asyncio, the arrival
 * index counts the fibers waiting at arrival, so after an interruption two
 * fibers of a round can share an index.)
 *
 * The states are Python's (`filling`, `draining`, `resetting`, `broken`),
 * plus `acting` while the last arrival runs the action (Python runs it under
 * the barrier's lock, which keeps everyone else out). Effect has no barrier
 * or condition variable; the fibers waiting for a change of state park in
 * the toolbox's parking lot, and every change unparks them all (Python's
 * `notify_all`); each looks at the state again.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { BrokenBarrierError, InvalidArgumentError } from "./Errors.ts"
import { ParkingLot } from "./internal/parkingLot.ts"
import { type Millis, within } from "./internal/timeout.ts"
import { timeoutMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Barrier" as const

/**
 * Options of `Barrier.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions<E, R> {
  /** Run by the last fiber to arrive, before the others are released. */
  readonly action?: Effect.Effect<unknown, E, R> | undefined
  /** The default `timeout` of `wait`. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * Options of `Barrier.wait`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /**
   * How long to wait for the other parties before breaking the barrier
   * (default: the barrier's own `timeout`, or forever).
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A reusable rendezvous point for `parties` fibers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Barrier<out E = never> extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** How many fibers must arrive to pass the barrier. */
  readonly parties: number
  /**
   * Waits until `parties` fibers have called `wait`; returns this fiber's
   * arrival index, `0` for the first (Python's `barrier.wait(timeout)`).
   */
  wait(options?: WaitOptions): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E>
  /**
   * Breaks the barrier: current waiters, those still leaving a tripped round,
   * and later arrivals fail until `reset` (Python's `abort()`).
   */
  readonly abort: Effect.Effect<void>
  /**
   * Returns the barrier to its initial state (Python's `reset()`): fibers
   * waiting now, or still leaving a tripped round, fail with
   * `BrokenBarrierError`; fibers arriving meanwhile wait until they have left.
   */
  readonly reset: Effect.Effect<void>
  /** Whether the barrier is broken (Python's `broken`). */
  readonly broken: Effect.Effect<boolean>
  /**
   * How many fibers are waiting in the current round (Python's `n_waiting`):
   * 0 while a tripped round drains, is reset, or the barrier is broken.
   */
  readonly nWaiting: Effect.Effect<number>
  /** A snapshot: `{ parties, nWaiting, state }` (Trio's `statistics()`). */
  readonly statistics: Effect.Effect<Statistics>
}

/**
 * The barrier's state, after CPython's `threading.Barrier` and
 * `asyncio.Barrier`:
 *
 * - `filling`: fibers arrive and wait for the round to trip;
 * - `acting`: the last arrival runs the action; arrivals wait;
 * - `draining`: the round tripped and its waiters are leaving; arrivals
 *   wait for the next round, which starts when the last waiter has left;
 * - `resetting`: `reset` was called while fibers were in the barrier; they
 *   fail as they leave, arrivals wait, and the last to leave makes the
 *   barrier `filling` again;
 * - `broken`: `abort`, a timeout or a failed action broke it; every `wait`
 *   fails until `reset`.
 *
 * A string union rather than numbers: the state changes once per round,
 * not per operation, and reads as itself in `statistics` and `toString`.
 *
 * @since 0.1.0
 * @category models
 */
export type State = "filling" | "acting" | "draining" | "resetting" | "broken"

/**
 * A snapshot of a barrier (Trio's `statistics()`; Python's `parties`,
 * `n_waiting` and `broken` in one object).
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** How many fibers must arrive to pass the barrier. */
  readonly parties: number
  /** How many wait in the current round (Python's `n_waiting`). */
  readonly nWaiting: number
  /** The barrier's state (see `State`). */
  readonly state: State
}

type Restore = <A, E1, R>(effect: Effect.Effect<A, E1, R>) => Effect.Effect<A, E1, R>

class BarrierImpl<E> implements Barrier<E> {
  readonly [TypeId] = TypeId
  readonly parties: number
  readonly action: Effect.Effect<unknown, E> | undefined
  readonly defaultTimeout: Duration.Input | undefined
  state: State = "filling"
  /** The fibers in the barrier: waiting for the round, or still leaving it. */
  count = 0
  /**
   * The fibers waiting for `state` to change (Python's `notify_all` wakes
   * them all; each looks again, so a wake-up is only a hint, and there is
   * nothing to pass on when a woken waiter is interrupted).
   */
  readonly lot = new ParkingLot({ hint: true, passOn: () => {} })

  constructor(parties: number, action: Effect.Effect<unknown, E> | undefined, timeout: Duration.Input | undefined) {
    this.parties = parties
    this.action = action
    this.defaultTimeout = timeout
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  /**
   * Moves to `state` and wakes every fiber waiting for a change. They are
   * woken on the next scheduler tick, not inside the stack of this fiber:
   * so the fibers of a tripped round leave when they run, which is what
   * makes the draining phase, and no woken fiber re-enters the barrier in
   * the middle of this step. Each checks the state again when it runs.
   */
  transition(state: State): void {
    this.state = state
    this.lot.unparkAll()
  }

  /** Waits until the state is no longer `state` (re-checked in the parking step). */
  leaves(state: State): Effect.Effect<void> {
    return this.lot.wait(() => this.state !== state)
  }

  readonly notBusy = () => this.state === "filling" || this.state === "broken"

  /**
   * A fiber leaves the barrier (it returns, fails, or is interrupted). The
   * last to leave a drained or reset round opens the barrier for the next.
   */
  leave(): void {
    this.count--
    if (this.count === 0 && (this.state === "draining" || this.state === "resetting")) this.transition("filling")
  }

  wait(options?: WaitOptions): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E> {
    return Effect.uninterruptibleMask(
      (restore): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E> => {
        const millis = timeoutMillis(options?.timeout ?? this.defaultTimeout)
        if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
        // Python's `_enter`: while a round drains or resets (or its action
        // runs), wait for it to end (without a timeout, as Python does). The
        // check and the arrival happen in one step.
        const enter: Effect.Effect<number, BrokenBarrierError | E> = Effect.suspend(() => {
          switch (this.state) {
            case "acting":
            case "draining":
            case "resetting":
              return Effect.flatMap(restore(this.lot.wait(this.notBusy)), () => enter)
            case "broken":
              return Effect.fail(brokenError("the barrier is broken"))
            case "filling": {
              const index = this.count++
              return index + 1 === this.parties ? this.trip(index, restore) : this.awaitTrip(index, millis, restore)
            }
          }
        })
        return enter
      }
    )
  }

  /** Waits, as arrival `index`, for the round to trip, then leaves. */
  awaitTrip(index: number, millis: Millis, restore: Restore): Effect.Effect<number, BrokenBarrierError> {
    const untilTripped: Effect.Effect<void> = Effect.suspend(() =>
      this.state === "filling" ? Effect.flatMap(this.leaves("filling"), () => untilTripped) : Effect.void
    )
    // Decides, in one step with leaving, how this wait ends (Python's
    // `_wait` after `wait_for`).
    const settle = (): Effect.Effect<number, BrokenBarrierError> => {
      switch (this.state) {
        case "filling":
          // Timed out (`wait_for` checks once more, and so does this): break
          // the barrier for everyone, as `threading` does.
          this.transition("broken")
          this.leave()
          return Effect.fail(brokenError("timed out waiting for the other parties; the barrier is now broken"))
        case "acting":
          // The timeout passed while the action runs: wait for its outcome,
          // as a Python thread does (it needs the lock the action holds).
          return Effect.flatMap(
            this.interruptible(restore(this.leaves("acting"))),
            () => Effect.suspend(settle)
          )
        case "draining":
          this.leave()
          return Effect.succeed(index)
        case "resetting":
          this.leave()
          return Effect.fail(brokenError("the barrier was reset"))
        case "broken":
          this.leave()
          return Effect.fail(brokenError("the barrier is broken"))
      }
    }
    return Effect.flatMap(this.interruptible(restore(within(untilTripped, millis))), settle)
  }

  /**
   * Runs `wait`'s interruptible part: an interrupted waiter only leaves the
   * barrier, as a cancelled task leaves asyncio's.
   */
  interruptible<A>(effect: Effect.Effect<A>): Effect.Effect<A> {
    return Effect.onExitPrimitive(effect, (exit) => {
      if (Exit.isFailure(exit)) this.leave()
      return undefined
    }, true)
  }

  /** The last arrival: runs the action, then trips the round (Python's `_release`). */
  trip(index: number, restore: Restore): Effect.Effect<number, BrokenBarrierError | E> {
    if (this.action === undefined) {
      this.transition("draining")
      this.leave()
      return Effect.succeed(index)
    }
    this.transition("acting")
    return Effect.flatMap(Effect.exit(restore(this.action)), (exit): Effect.Effect<number, BrokenBarrierError | E> => {
      if (this.state !== "acting") {
        // Reset or aborted while the action ran: the round did not trip.
        this.leave()
        return Exit.isFailure(exit)
          ? Effect.failCause(exit.cause)
          : Effect.fail(
            brokenError(`the barrier was ${this.state === "broken" ? "aborted" : "reset"} while its action ran`)
          )
      }
      if (Exit.isSuccess(exit)) {
        this.transition("draining")
        this.leave()
        return Effect.succeed(index)
      }
      // The action failed or was interrupted: break the barrier, as Python
      // does when the action raises.
      this.transition("broken")
      this.leave()
      return Effect.failCause(exit.cause)
    })
  }

  get abort(): Effect.Effect<void> {
    return Effect.sync(() => this.transition("broken"))
  }

  get reset(): Effect.Effect<void> {
    return Effect.sync(() => {
      // asyncio's `reset`: fibers still in the barrier (waiting, or leaving
      // a drained round) fail as they leave; the last one reopens it.
      this.transition(this.count > 0 ? "resetting" : "filling")
    })
  }

  get broken(): Effect.Effect<boolean> {
    return Effect.sync(() => this.state === "broken")
  }

  get nWaiting(): Effect.Effect<number> {
    return Effect.sync(() => this.nWaitingUnsafe())
  }

  nWaitingUnsafe(): number {
    return this.state === "filling" || this.state === "acting" ? this.count : 0
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => ({ parties: this.parties, nWaiting: this.nWaitingUnsafe(), state: this.state }))
  }

  toString() {
    return `Barrier(parties=${this.parties}, ${this.state}, waiting=${
      this.state === "filling" || this.state === "acting" ? this.count : 0
    })`
  }
}

const brokenError = (reason: string) => new BrokenBarrierError({ message: `BrokenBarrierError: ${reason}` })

/**
 * Creates a barrier for `parties` fibers: Python's
 * `threading.Barrier(parties, action=None, timeout=None)`. The action runs
 * with the services of the fiber that made the barrier. `parties < 1` fails
 * with `InvalidArgumentError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E = never, R = never>(
  parties: number,
  options?: MakeOptions<E, R>
): Effect.Effect<Barrier<E>, InvalidArgumentError, R> =>
  Effect.withFiber((fiber) => {
    if (!Number.isInteger(parties) || parties < 1) {
      return Effect.fail(
        new InvalidArgumentError({ argument: "parties", message: `'parties' must be an integer >= 1, got ${parties}` })
      )
    }
    const timeout = timeoutMillis(options?.timeout)
    if (timeout instanceof InvalidArgumentError) return Effect.fail(timeout)
    const context = fiber.context as Context.Context<R>
    const action = options?.action === undefined ? undefined : Effect.provideContext(options.action, context)
    return Effect.succeed(new BarrierImpl<E>(parties, action, options?.timeout))
  })

/**
 * Waits for the other parties and returns this fiber's arrival index:
 * Python's `barrier.wait(timeout)`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const wait = <E>(
  self: Barrier<E>,
  options?: WaitOptions
): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E> => self.wait(options)

/**
 * Breaks the barrier: Python's `barrier.abort()`.
 *
 * @since 0.1.0
 * @category state
 */
export const abort = <E>(self: Barrier<E>): Effect.Effect<void> => self.abort

/**
 * Returns the barrier to its initial state: Python's `barrier.reset()`.
 *
 * @since 0.1.0
 * @category state
 */
export const reset = <E>(self: Barrier<E>): Effect.Effect<void> => self.reset

/**
 * Whether the barrier is broken: Python's `barrier.broken`.
 *
 * @since 0.1.0
 * @category getters
 */
export const broken = <E>(self: Barrier<E>): Effect.Effect<boolean> => self.broken

/**
 * How many fibers wait in the current round: Python's `barrier.n_waiting`.
 *
 * @since 0.1.0
 * @category getters
 */
export const nWaiting = <E>(self: Barrier<E>): Effect.Effect<number> => self.nWaiting

/**
 * A snapshot of the barrier: `{ parties, nWaiting, state }` (Trio's
 * `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = <E>(self: Barrier<E>): Effect.Effect<Statistics> => self.statistics
