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
 *
 * When the last of `parties` fibers arrives, it runs `action` (if any), then
 * every waiter returns its arrival index and the barrier is ready for the
 * next round. The barrier breaks, and every current and later `wait` fails
 * with `BrokenBarrierError` until `reset`, when: `abort` is called, a
 * waiter's timeout passes, a waiter is interrupted, or the action fails (the
 * fiber that ran it fails with the action's error, the others with
 * `BrokenBarrierError`). `reset` fails the fibers waiting at that moment with
 * `BrokenBarrierError` and makes the barrier usable again.
 *
 * Interruption is treated like a timeout (Python threads cannot be
 * interrupted; Java's `CyclicBarrier` breaks the same way): the remaining
 * parties could otherwise wait forever for a fiber that left.
 *
 * Effect has no barrier; each round here is one Effect `Deferred`.
 *
 * @since 0.1.0
 */
import type { Duration } from "effect"
import { Cause, Context, Deferred, Effect, Exit, Option } from "effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { BrokenBarrierError, InvalidArgumentError } from "./Errors.ts"
import { timeoutMillis } from "./internal/options.ts"

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
  /** Breaks the barrier: current and later waiters fail (Python's `abort()`). */
  readonly abort: Effect.Effect<void>
  /**
   * Returns the barrier to its initial state; fibers waiting now fail with
   * `BrokenBarrierError` (Python's `reset()`).
   */
  readonly reset: Effect.Effect<void>
  /** Whether the barrier is broken (Python's `broken`). */
  readonly broken: Effect.Effect<boolean>
  /** How many fibers are waiting in the current round (Python's `n_waiting`). */
  readonly nWaiting: Effect.Effect<number>
}

/** One round of the barrier: the fibers that arrived, and how they are released. */
interface Round {
  readonly deferred: Deferred.Deferred<void, BrokenBarrierError>
  count: number
  /** Set when every party arrived (and the action succeeded). */
  released: boolean
}

const newRound = (): Round => ({ deferred: Deferred.makeUnsafe(), count: 0, released: false })

class BarrierImpl<E> implements Barrier<E> {
  readonly [TypeId] = TypeId
  readonly parties: number
  readonly action: Effect.Effect<unknown, E> | undefined
  readonly defaultTimeout: Duration.Input | undefined
  round: Round = newRound()
  isBroken = false
  /** Set while the last arrival runs the action; later arrivals wait for it. */
  releasing: Deferred.Deferred<void> | undefined = undefined

  constructor(parties: number, action: Effect.Effect<unknown, E> | undefined, timeout: Duration.Input | undefined) {
    this.parties = parties
    this.action = action
    this.defaultTimeout = timeout
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  breakUnsafe(reason: string): void {
    this.isBroken = true
    Deferred.doneUnsafe(this.round.deferred, Exit.fail(brokenError(reason)))
  }

  wait(options?: WaitOptions): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.suspend((): Effect.Effect<number, BrokenBarrierError | InvalidArgumentError | E> => {
        const millis = timeoutMillis(options?.timeout ?? this.defaultTimeout)
        if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
        // Python blocks new arrivals while the previous round drains.
        if (this.releasing !== undefined) {
          return restore(Effect.andThen(Deferred.await(this.releasing), this.wait(options)))
        }
        if (this.isBroken) return Effect.fail(brokenError("the barrier is broken"))
        const round = this.round
        const index = round.count++
        if (index + 1 === this.parties) return this.release(round, index, restore)
        const waiting = millis === undefined
          ? Effect.asSome(Deferred.await(round.deferred))
          : Effect.timeoutOption(Deferred.await(round.deferred), millis)
        return Effect.flatMap(Effect.exit(restore(waiting)), (exit): Effect.Effect<number, BrokenBarrierError> => {
          if (Exit.isSuccess(exit)) {
            // Released at the same moment the timeout fired: the round passed.
            if (Option.isSome(exit.value) || round.released) return Effect.succeed(index)
            // Timed out: break the barrier for everyone, as Python does.
            if (this.round === round) {
              round.count--
              this.breakUnsafe("a waiter timed out")
            }
            return Effect.fail(brokenError("timed out waiting for the other parties; the barrier is now broken"))
          }
          if (Cause.hasInterrupts(exit.cause) && this.round === round && !Deferred.isDoneUnsafe(round.deferred)) {
            round.count--
            this.breakUnsafe("a waiting fiber was interrupted")
          }
          return Effect.failCause(exit.cause)
        })
      })
    )
  }

  release(
    round: Round,
    index: number,
    restore: <A, E1, R>(effect: Effect.Effect<A, E1, R>) => Effect.Effect<A, E1, R>
  ): Effect.Effect<number, BrokenBarrierError | E> {
    const finish = () => {
      round.count = 0
      round.released = true
      this.round = newRound()
      Deferred.doneUnsafe(round.deferred, Exit.void)
      return Effect.succeed(index)
    }
    if (this.action === undefined) return Effect.suspend(finish)
    const releasing = Deferred.makeUnsafe<void>()
    this.releasing = releasing
    return Effect.flatMap(Effect.exit(restore(this.action)), (exit): Effect.Effect<number, BrokenBarrierError | E> => {
      // Settle this round first, then let the arrivals that waited for the
      // action in (they must join the next round, not this one).
      let result: Effect.Effect<number, BrokenBarrierError | E>
      if (this.round !== round) {
        // Reset while the action ran: this round is already failed.
        result = Exit.isFailure(exit) ? Effect.failCause(exit.cause) : Effect.fail(brokenError("the barrier was reset"))
      } else if (Exit.isSuccess(exit)) {
        result = finish()
      } else {
        round.count = 0
        this.breakUnsafe("the barrier action failed")
        result = Effect.failCause(exit.cause)
      }
      this.releasing = undefined
      Deferred.doneUnsafe(releasing, Exit.void)
      return result
    })
  }

  get abort(): Effect.Effect<void> {
    return Effect.sync(() => this.breakUnsafe("the barrier was aborted"))
  }

  get reset(): Effect.Effect<void> {
    return Effect.sync(() => {
      const round = this.round
      // Switch rounds first: the failed waiters resume inline and may call
      // `wait` again at once; they must find the new round.
      this.round = newRound()
      this.isBroken = false
      if (round.count > 0) Deferred.doneUnsafe(round.deferred, Exit.fail(brokenError("the barrier was reset")))
    })
  }

  get broken(): Effect.Effect<boolean> {
    return Effect.sync(() => this.isBroken)
  }

  get nWaiting(): Effect.Effect<number> {
    return Effect.sync(() => (this.isBroken ? 0 : this.round.count))
  }

  toString() {
    return `Barrier(parties=${this.parties}, waiting=${this.round.count}${this.isBroken ? ", broken" : ""})`
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
