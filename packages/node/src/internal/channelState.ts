/**
 * The state behind a `ProcessQueue` (and each direction of a `Pipe`): a FIFO
 * of encoded items, bounded or not, in the process that made it, with
 * blocking `put` / `get` (optionally timed), and an end for readers once
 * every writer has closed (a `Pipe`'s EOF). Served to workers through
 * `served.ts`; `get` hands its item over, and takes it back to the front if
 * the worker that asked dies before receiving it.
 *
 * @internal
 */
import { Errors } from "@corun/core"
import { ParkingLot } from "@corun/core/Backend"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as MutableList from "effect/MutableList"

export class ChannelState {
  /**
   * Effect's chunked list, not an array: `Array.prototype.shift` copies a
   * large array on every call (15 µs per item at 200,000 queued here).
   */
  readonly items: MutableList.MutableList<unknown> = MutableList.make()
  /** `Infinity`: unbounded. */
  readonly maxsize: number
  /** No more items will come (every writer closed): readers get `onEnd` once it is empty. */
  ended = false
  /** Readers waiting for an item (or the end), writers for room: woken to look again. */
  private readonly getters = new ParkingLot.ParkingLot({ hint: true })
  private readonly putters = new ParkingLot.ParkingLot({ hint: true })
  readonly name: string

  constructor(maxsize: number, name: string) {
    this.maxsize = maxsize
    this.name = name
  }

  /** Adds an item if there is room now; whether it did. */
  tryPut(item: unknown): boolean {
    if (this.items.length >= this.maxsize) return false
    MutableList.append(this.items, item)
    this.getters.unparkOne()
    return true
  }

  /** Takes the next item if there is one now (`undefined`: none, look at `items.length` / `ended`). */
  tryTake(): { readonly item: unknown } | undefined {
    if (this.items.length === 0) return undefined
    const item = MutableList.take(this.items)
    this.putters.unparkOne()
    return { item }
  }

  /** The immediate answer to a put: done if there is room now, else `undefined` (it must wait). */
  putNow(item: unknown): Exit.Exit<void> | undefined {
    return this.tryPut(item) ? Exit.void : undefined
  }

  /**
   * The immediate answer to a take: the next item, handed over (given back
   * if its taker dies before receiving it), or `undefined` (it must wait).
   */
  takeNow(handOver: (rollback: () => void) => void): Exit.Exit<unknown> | undefined {
    const taken = this.tryTake()
    if (taken === undefined) return undefined
    handOver(() => this.giveBack(taken.item))
    return Exit.succeed(taken.item)
  }

  /** Adds an encoded item, waiting for room (`timeoutMs`: at most that long; `block: false`: not at all). */
  put(item: unknown, block: boolean, timeoutMs: number | undefined): Effect.Effect<void, Errors.QueueFull> {
    const attempt: Effect.Effect<void, Errors.QueueFull> = Effect.suspend(() => {
      if (this.items.length < this.maxsize) {
        MutableList.append(this.items, item)
        this.getters.unparkOne()
        return Effect.void
      }
      if (!block) return Effect.fail(new Errors.QueueFull({ message: `${this.name} is full` }))
      return Effect.andThen(this.putters.wait(() => this.items.length < this.maxsize), attempt)
    })
    return timeoutMs === undefined || !block ? attempt : Effect.timeoutOrElse(attempt, {
      duration: timeoutMs,
      orElse: () => Effect.fail(new Errors.QueueFull({ message: `${this.name} stayed full for ${timeoutMs} ms` }))
    })
  }

  /**
   * Takes the next encoded item, waiting for one. Once the channel has
   * ended and is empty, fails with `onEnd()`.
   */
  get<E>(
    block: boolean,
    timeoutMs: number | undefined,
    onEnd: () => E
  ): Effect.Effect<unknown, Errors.QueueEmpty | E> {
    const attempt: Effect.Effect<unknown, Errors.QueueEmpty | E> = Effect.suspend(() => {
      if (this.items.length > 0) {
        const item = MutableList.take(this.items)
        this.putters.unparkOne()
        return Effect.succeed(item)
      }
      if (this.ended) return Effect.fail(onEnd())
      if (!block) return Effect.fail(new Errors.QueueEmpty({ message: `${this.name} is empty` }))
      return Effect.andThen(this.getters.wait(() => this.items.length > 0 || this.ended), attempt)
    })
    return timeoutMs === undefined || !block ? attempt : Effect.timeoutOrElse(attempt, {
      duration: timeoutMs,
      orElse: () => Effect.fail(new Errors.QueueEmpty({ message: `${this.name} stayed empty for ${timeoutMs} ms` }))
    })
  }

  /** Waits until an item is there or the channel ended (at most `timeoutMs`); whether an item is there. */
  poll(timeoutMs: number | undefined): Effect.Effect<boolean> {
    const ready = () => this.items.length > 0 || this.ended
    if (ready() || timeoutMs === 0) return Effect.sync(() => this.items.length > 0)
    const wait: Effect.Effect<void> = Effect.suspend(() =>
      ready() ? Effect.void : Effect.andThen(this.getters.wait(ready), wait)
    )
    const waited = timeoutMs === undefined ? wait : Effect.asVoid(Effect.timeoutOption(wait, timeoutMs))
    // A poll that was woken passes the wake-up on: it took no item.
    return Effect.map(waited, () => {
      const has = this.items.length > 0
      if (has) this.getters.unparkOne()
      return has
    })
  }

  /** Puts an item handed over to a worker that died before receiving it back at the front. */
  giveBack(item: unknown) {
    MutableList.prepend(this.items, item)
    this.getters.unparkOne()
  }

  /** No more items will come: waiting readers are woken (to find it empty and ended). */
  end() {
    this.ended = true
    this.getters.unparkAll()
  }
}
