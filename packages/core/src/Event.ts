/**
 * An `Event` is a flag fibers can wait on: Python's `threading.Event`.
 *
 * ```ts
 * const event = yield* Event.make()                       // event = threading.Event()
 * yield* event.set                                        // event.set()
 * const wasSet = yield* event.wait({ timeout: "1 second" }) // event.wait(1)
 * ```
 *
 * | Python              | corun                                    |
 * |---------------------|------------------------------------------|
 * | `Event()`           | `Event.make()`                           |
 * | `event.set()`       | `event.set`                              |
 * | `event.clear()`     | `event.clear`                            |
 * | `event.is_set()`    | `event.isSet`                            |
 * | `event.wait(timeout)` | `event.wait({ timeout })` → whether it was set |
 * | (Trio's `event.statistics()`) | `event.statistics` → `{ set, waiting }` |
 *
 * `wait` returns `true` at once when the flag is set; otherwise it waits
 * until `set` (then `true`, even if the flag was cleared again before the
 * waiter ran, as in Python) or until `timeout` passes (then `false`).
 *
 * A flag and the toolbox's parking lot: `set` unparks every waiter.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError } from "./Errors.ts"
import { ParkingLot, Waiter } from "./internal/parkingLot.ts"
import { isPoll } from "./internal/timeout.ts"
import { timeoutMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Event" as const

/**
 * Options of `Event.wait`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** Stop waiting after this long (Python's `timeout`); negative is an error. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A settable, clearable flag that fibers can wait on.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** Sets the flag and wakes every waiter (Python's `event.set()`). */
  readonly set: Effect.Effect<void>
  /** Clears the flag (Python's `event.clear()`). */
  readonly clear: Effect.Effect<void>
  /** Whether the flag is set (Python's `event.is_set()`). */
  readonly isSet: Effect.Effect<boolean>
  /**
   * Waits until the flag is set; returns `true`, or `false` when `timeout`
   * passed first (Python's `event.wait(timeout)`).
   */
  wait(): Effect.Effect<boolean>
  wait(options: WaitOptions): Effect.Effect<boolean, InvalidArgumentError>
  /** A snapshot: whether it is set and how many fibers wait (Trio's `statistics()`). */
  readonly statistics: Effect.Effect<Statistics>
}

/**
 * A snapshot of an event.
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** Whether the flag is set (Python's `event.is_set()`). */
  readonly set: boolean
  /** How many fibers wait for it. */
  readonly waiting: number
}

/** Nothing to pass on: `set` wakes every waiter at once. */
const keepNothing = () => {}

class EventImpl implements Event {
  readonly [TypeId] = TypeId
  flag: boolean
  /** The fibers waiting for `set`. */
  readonly lot = new ParkingLot({ passOn: keepNothing })

  constructor(isSet: boolean) {
    this.flag = isSet
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  get set(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.flag = true
      this.lot.unparkAll()
    })
  }

  get clear(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.flag = false
    })
  }

  get isSet(): Effect.Effect<boolean> {
    return Effect.sync(() => this.flag)
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => ({ set: this.flag, waiting: this.lot.parked }))
  }

  wait(): Effect.Effect<boolean>
  wait(options: WaitOptions): Effect.Effect<boolean, InvalidArgumentError>
  wait(options?: WaitOptions): Effect.Effect<boolean, InvalidArgumentError> {
    const millis = timeoutMillis(options?.timeout)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    // A waiter woken by `set` returns `true`, even if its timeout fires or
    // the flag is cleared before it runs (Python's `wait` returns what
    // `notify_all` told it).
    return Effect.uninterruptibleMask((restore) => {
      if (this.flag) return succeedTrue
      if (isPoll(millis)) return succeedFalse
      return this.lot.await(this.lot.enqueue(new Waiter()), restore, millis)
    })
  }

  toString() {
    return `Event(${this.flag ? "set" : "unset"})`
  }
}

const succeedTrue = Effect.succeed(true)
const succeedFalse = Effect.succeed(false)

/**
 * Creates an event whose flag is clear (or set, with `true`): Python's
 * `threading.Event()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (isSet = false): Effect.Effect<Event> => Effect.sync(() => new EventImpl(isSet))

/**
 * Creates an event outside an Effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = (isSet = false): Event => new EventImpl(isSet)

/**
 * Sets the flag and wakes every waiter: Python's `event.set()`.
 *
 * @since 0.1.0
 * @category signalling
 */
export const set = (self: Event): Effect.Effect<void> => self.set

/**
 * Clears the flag: Python's `event.clear()`.
 *
 * @since 0.1.0
 * @category signalling
 */
export const clear = (self: Event): Effect.Effect<void> => self.clear

/**
 * Whether the flag is set: Python's `event.is_set()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const isSet = (self: Event): Effect.Effect<boolean> => self.isSet

/**
 * Waits until the flag is set, returning `false` if `timeout` passes first:
 * Python's `event.wait(timeout)`.
 *
 * @since 0.1.0
 * @category waiting
 */
export const wait: {
  (self: Event): Effect.Effect<boolean>
  (self: Event, options: WaitOptions): Effect.Effect<boolean, InvalidArgumentError>
} = ((self: Event, options?: WaitOptions) => (self as EventImpl).wait(options as WaitOptions)) as any

/**
 * A snapshot of the event: `{ set, waiting }` (Trio's `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = (self: Event): Effect.Effect<Statistics> => self.statistics
