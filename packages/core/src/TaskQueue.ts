/**
 * A `TaskQueue<A>` is a bounded, awaitable queue with task accounting:
 * Python's `queue.Queue`, `queue.LifoQueue` and `queue.PriorityQueue`, for
 * fibers.
 *
 * ```ts
 * const q = yield* TaskQueue.fifo<string>({ maxsize: 10 })  // q = queue.Queue(maxsize=10)
 * // producer
 * yield* q.put("bone")                                       // q.put("bone")
 * // consumer
 * const item = yield* q.get()                                // item = q.get()
 * yield* q.taskDone                                          // q.task_done()
 * // owner
 * yield* q.join                                              // q.join()
 * ```
 *
 * | Python                                  | corun                                          |
 * |-----------------------------------------|------------------------------------------------|
 * | `Queue(maxsize)` / `LifoQueue` / `PriorityQueue` | `TaskQueue.fifo({ maxsize })` / `lifo` / `priority({ maxsize, order })` |
 * | `q.put(item)`                           | `q.put(item)`                                  |
 * | `q.put(item, timeout=t)`                | `q.put(item, { timeout: t })` → `QueueFull` on timeout |
 * | `q.put(item, block=False)`, `q.put_nowait(item)` | `q.put(item, { block: false })`, `q.putNowait(item)` → `QueueFull` |
 * | `q.get()`, `q.get(timeout=t)`           | `q.get()`, `q.get({ timeout: t })` → `QueueEmpty` on timeout |
 * | `q.get_nowait()`                        | `q.getNowait` → `QueueEmpty`                   |
 * | `q.qsize()`, `q.empty()`, `q.full()`    | `q.qsize`, `q.empty`, `q.full`                 |
 * | `q.task_done()`                         | `q.taskDone` (too many → `TaskDoneTooManyTimesError`) |
 * | `q.join()`                              | `q.join`                                       |
 * | `q.shutdown(immediate=False)` (3.13)    | `q.shutdown({ immediate })` → later `put` / `get` fail with `QueueShutDown` |
 * | (Trio's `channel.statistics()`)        | `q.statistics` → `{ size, maxsize, waitingPut, waitingGet, waitingJoin, unfinished, isShutdown }` |
 *
 * Semantics (Python's; CPython's `queue.py` and `test_queue.py` decide the
 * corners):
 *
 * - `maxsize <= 0` means unbounded. `put` waits while the queue is full,
 *   `get` while it is empty; a `timeout` gives up with `QueueFull` /
 *   `QueueEmpty`, `timeout: 0` tries once, a negative one is an
 *   `InvalidArgumentError`.
 * - Every successful `put` adds one unfinished task; `taskDone` removes one;
 *   `join` returns once none is left.
 * - After `shutdown()`, `put` fails with `QueueShutDown` (waiting putters
 *   too) and `get` keeps returning the items left, then fails with
 *   `QueueShutDown`. `shutdown({ immediate: true })` also drops the items
 *   left (counting each as done) so every waiting `get` fails at once.
 * - `lifo` returns the newest item first; `priority` the smallest by `order`
 *   (Python's `<`; by default numbers, strings, bigints, booleans and arrays
 *   of those, compared element by element like Python tuples), and equal
 *   items in insertion order.
 * - Interruption is safe: an interrupted `put` added nothing, an interrupted
 *   `get` removed nothing, and a wake-up given to a fiber that was then
 *   interrupted or timed out is passed on to the next waiter.
 *
 * Why this is not a wrapper around Effect's `Queue`: it has no LIFO or
 * priority order and no task accounting, and its end states (`end`, `fail`,
 * `shutdown`) do not match Python 3.13's shutdown (graceful drain vs
 * immediate drop, with task accounting). Wrapping it for FIFO only would
 * still need all of that around it, plus a second implementation for the
 * other two orders. So the buffer and the waiting lists are written here,
 * once for all three orders; the waiting is the toolbox's parking lot (hint
 * mode: a woken fiber retries), and it is
 * measured against Effect's bounded `Queue` in `bench/toolbox.bench.ts`
 * (it is faster there: blocked producers are woken in one batch per tick).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Order from "effect/Order"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { InvalidArgumentError, QueueEmpty, QueueFull, QueueShutDown, TaskDoneTooManyTimesError } from "./Errors.ts"
import { ParkingLot } from "./internal/parkingLot.ts"
import { type Deadline, deadlineOf, isPoll, remaining, within } from "./internal/timeout.ts"
import { integerCount, timeoutMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/TaskQueue" as const

/**
 * Options of the constructors.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /** The most items the queue holds; `<= 0` (the default) means unbounded. */
  readonly maxsize?: number | undefined
}

/**
 * Options of `TaskQueue.priority`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PriorityOptions<A> extends MakeOptions {
  /**
   * The order of the items: the smallest comes out first. Default: Python's
   * `<` on numbers, strings, bigints, booleans and arrays of those (tuples).
   */
  readonly order?: Order.Order<A> | undefined
}

/**
 * Options of `put` / `get`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** When `false`, do not wait: fail at once (Python's `block=False`). */
  readonly block?: boolean | undefined
  /**
   * Give up after this long (Python's `timeout`): `0` tries once, `Infinity`
   * waits as long as it takes; a negative, NaN or malformed one fails with
   * `InvalidArgumentError`, also with `block: false` (which ignores a valid
   * one, as Python does).
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The order items come out in.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "fifo" | "lifo" | "priority"

/**
 * A bounded queue with Python's `queue` semantics.
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskQueue<in out A> extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** `"fifo"`, `"lifo"` or `"priority"`. */
  readonly kind: Kind
  /** The bound; `0` when unbounded. */
  readonly maxsize: number
  /**
   * Adds an item, waiting while the queue is full (Python's `q.put(item)`).
   * Fails with `QueueShutDown` after `shutdown`; with `{ timeout }` or
   * `{ block: false }`, with `QueueFull` when there was no room in time.
   */
  put(item: A): Effect.Effect<void, QueueShutDown>
  put(item: A, options: WaitOptions): Effect.Effect<void, QueueFull | QueueShutDown | InvalidArgumentError>
  /**
   * Removes and returns an item, waiting while the queue is empty (Python's
   * `q.get()`). Fails with `QueueShutDown` once a shut-down queue is empty;
   * with `{ timeout }` or `{ block: false }`, with `QueueEmpty` when no item
   * came in time.
   */
  get(): Effect.Effect<A, QueueShutDown>
  get(options: WaitOptions): Effect.Effect<A, QueueEmpty | QueueShutDown | InvalidArgumentError>
  /** Adds an item if there is room now (Python's `q.put_nowait(item)`). */
  putNowait(item: A): Effect.Effect<void, QueueFull | QueueShutDown>
  /** Removes an item if there is one now (Python's `q.get_nowait()`). */
  readonly getNowait: Effect.Effect<A, QueueEmpty | QueueShutDown>
  /** How many items are in the queue (Python's `q.qsize()`). */
  readonly qsize: Effect.Effect<number>
  /** Whether the queue holds no item (Python's `q.empty()`). */
  readonly empty: Effect.Effect<boolean>
  /** Whether the queue is at its bound (Python's `q.full()`). */
  readonly full: Effect.Effect<boolean>
  /**
   * Marks one item taken with `get` as processed (Python's
   * `q.task_done()`); fails with `TaskDoneTooManyTimesError` when called more
   * times than items were put.
   */
  readonly taskDone: Effect.Effect<void, TaskDoneTooManyTimesError>
  /**
   * Waits until every item ever put has been marked with `taskDone`
   * (Python's `q.join()`).
   */
  readonly join: Effect.Effect<void>
  /** How many items were put and not yet marked done (Python's `q.unfinished_tasks`). */
  readonly unfinishedTasks: Effect.Effect<number>
  /**
   * Shuts the queue down (Python 3.13's `q.shutdown(immediate)`): later
   * `put`s fail, `get` drains what is left and then fails, all with
   * `QueueShutDown`; `immediate` drops what is left at once.
   */
  shutdown(options?: { readonly immediate?: boolean | undefined }): Effect.Effect<void>
  /** Whether `shutdown` was called (Python's `q.is_shutdown`). */
  readonly isShutdown: Effect.Effect<boolean>
  /**
   * A snapshot: `{ size, maxsize, waitingPut, waitingGet, waitingJoin,
   * unfinished, isShutdown }` (Trio's `statistics()`).
   */
  readonly statistics: Effect.Effect<Statistics>
}

// -----------------------------------------------------------------------------
// Buffers: the three orders
// -----------------------------------------------------------------------------

interface Buffer<A> {
  size: number
  push(item: A): void
  pop(): A
  clear(): void
}

/** A growable ring buffer: O(1) at both ends, no shifting. */
class FifoBuffer<A> implements Buffer<A> {
  items: Array<A | undefined> = new Array(16)
  head = 0
  size = 0
  mask = 15

  push(item: A): void {
    if (this.size === this.items.length) this.grow()
    this.items[(this.head + this.size) & this.mask] = item
    this.size++
  }

  pop(): A {
    const item = this.items[this.head] as A
    this.items[this.head] = undefined
    this.head = (this.head + 1) & this.mask
    this.size--
    return item
  }

  grow(): void {
    const old = this.items
    const items = new Array<A | undefined>(old.length * 2)
    for (let i = 0; i < this.size; i++) items[i] = old[(this.head + i) & this.mask]
    this.items = items
    this.head = 0
    this.mask = items.length - 1
  }

  clear(): void {
    this.items = new Array(16)
    this.head = 0
    this.size = 0
    this.mask = 15
  }
}

class LifoBuffer<A> implements Buffer<A> {
  items: Array<A> = []
  size = 0

  push(item: A): void {
    this.items.push(item)
    this.size++
  }

  pop(): A {
    this.size--
    return this.items.pop()!
  }

  clear(): void {
    this.items = []
    this.size = 0
  }
}

/**
 * A binary min-heap; the insertion sequence breaks ties, so equal items stay
 * FIFO. Each operation first finds where the moving item lands using only
 * comparisons, then moves items without comparing: an `order` that throws
 * leaves the heap exactly as it was (Python's `heapq` would keep the half-
 * inserted item).
 */
class PriorityBuffer<A> implements Buffer<A> {
  items: Array<A> = []
  seqs: Array<number> = []
  size = 0
  seq = 0
  readonly path: Array<number> = []
  readonly order: Order.Order<A>

  constructor(order: Order.Order<A>) {
    this.order = order
  }

  /** Whether `item` (inserted as `seq`) comes before the item at `k`. */
  before(item: A, seq: number, k: number): boolean {
    const c = this.order(item, this.items[k])
    return c < 0 || (c === 0 && seq < this.seqs[k])
  }

  push(item: A): void {
    const seq = this.seq
    let i = this.size
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.before(item, seq, parent)) break
      i = parent
    }
    // No comparison from here on.
    let j = this.size
    this.items.push(item)
    this.seqs.push(seq)
    while (j > i) {
      const parent = (j - 1) >> 1
      this.items[j] = this.items[parent]
      this.seqs[j] = this.seqs[parent]
      j = parent
    }
    this.items[i] = item
    this.seqs[i] = seq
    this.size++
    this.seq++
  }

  pop(): A {
    const top = this.items[0]
    const n = this.size - 1
    const last = this.items[n]
    const lastSeq = this.seqs[n]
    const path = this.path
    path.length = 0
    let i = 0
    while (true) {
      const left = 2 * i + 1
      if (left >= n) break
      const right = left + 1
      const child = right < n && this.before(this.items[right], this.seqs[right], left) ? right : left
      if (!this.before(this.items[child], this.seqs[child], n)) break
      path.push(child)
      i = child
    }
    // No comparison from here on.
    let hole = 0
    for (let k = 0; k < path.length; k++) {
      const child = path[k]
      this.items[hole] = this.items[child]
      this.seqs[hole] = this.seqs[child]
      hole = child
    }
    this.items[hole] = last
    this.seqs[hole] = lastSeq
    this.items.pop()
    this.seqs.pop()
    this.size = n
    return top
  }

  clear(): void {
    this.items = []
    this.seqs = []
    this.size = 0
  }
}

/**
 * Python's `<` for the values a `PriorityQueue` usually holds: numbers,
 * strings, bigints and booleans by value, arrays (tuples) element by element.
 * Anything else throws a `TypeError`, as Python does.
 *
 * @since 0.1.0
 * @category ordering
 */
export const pythonOrder: Order.Order<unknown> = (a: unknown, b: unknown): -1 | 0 | 1 => {
  const ta = typeof a
  if (
    ta === typeof b && (ta === "number" || ta === "string" || ta === "bigint" || ta === "boolean")
  ) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) {
      const c = pythonOrder(a[i], b[i])
      if (c !== 0) return c
    }
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0
  }
  throw new TypeError(
    `TaskQueue.priority cannot compare ${describeType(a)} with ${describeType(b)}: pass an 'order'`
  )
}

const describeType = (u: unknown) => (u === null ? "null" : Array.isArray(u) ? "an array" : `a ${typeof u}`)

// -----------------------------------------------------------------------------
// The queue
// -----------------------------------------------------------------------------

/**
 * A snapshot of a queue (Trio's `statistics()` of a memory channel, with
 * Python's `queue` names).
 *
 * @since 0.1.0
 * @category models
 */
export interface Statistics {
  /** How many items it holds (Python's `qsize()`). */
  readonly size: number
  /** The bound; `0` when unbounded. */
  readonly maxsize: number
  /** How many fibers wait for room to `put`. */
  readonly waitingPut: number
  /** How many fibers wait for an item to `get`. */
  readonly waitingGet: number
  /** How many fibers wait in `join`. */
  readonly waitingJoin: number
  /** Items put and not yet marked done (Python's `unfinished_tasks`). */
  readonly unfinished: number
  /** Whether `shutdown` was called (Python's `is_shutdown`). */
  readonly isShutdown: boolean
}

class TaskQueueImpl<A> implements TaskQueue<A> {
  readonly [TypeId] = TypeId
  readonly kind: Kind
  readonly maxsize: number
  readonly buffer: Buffer<A>
  /**
   * Fibers waiting for an item, and for room. A wake-up is a hint, not a
   * hand-over: the woken fiber retries, so an item is never stranded in a
   * fiber that was interrupted while it was being woken; that fiber's
   * wake-up goes to the next waiter (`rewake`).
   */
  readonly getters: ParkingLot = new ParkingLot({ hint: true, passOn: (lot) => this.rewake(lot) })
  readonly putters: ParkingLot = new ParkingLot({ hint: true, passOn: (lot) => this.rewake(lot) })
  /** Fibers in `join`, woken when the last unfinished task is done. */
  readonly joiners = new ParkingLot({ hint: true, passOn: () => {} })
  unfinished = 0
  shut = false

  constructor(kind: Kind, maxsize: number, buffer: Buffer<A>) {
    this.kind = kind
    this.maxsize = maxsize
    this.buffer = buffer
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  // --- unsafe core -----------------------------------------------------------

  hasRoom(): boolean {
    return this.maxsize === 0 || this.buffer.size < this.maxsize
  }

  putUnsafe(item: A): void {
    this.buffer.push(item)
    this.unfinished++
    if (this.getters.parked > 0) this.wake(this.getters, this.buffer.size)
  }

  takeUnsafe(): A {
    const item = this.buffer.pop()
    if (this.putters.parked > 0) this.wake(this.putters, this.maxsize - this.buffer.size)
    return item
  }

  /**
   * Wakes waiters of `lot` until `available` of them are woken and not yet
   * run: as many as there are items (or free places) for them, and no more,
   * so that blocked producers are woken in one batch per tick.
   */
  wake(lot: ParkingLot, available: number): void {
    while (lot.woken < available && lot.unparkOne() !== undefined) {
      // unparked one more
    }
  }

  rewake(lot: ParkingLot): void {
    if (this.shut) this.wake(lot, Infinity)
    else if (lot === this.getters) this.wake(lot, this.buffer.size)
    else this.wake(lot, this.maxsize === 0 ? Infinity : this.maxsize - this.buffer.size)
  }

  readonly readyToGet = () => this.buffer.size > 0 || this.shut
  readonly readyToPut = () => this.hasRoom() || this.shut
  /** Waits until woken; the caller re-checks. */
  readonly awaitItem = this.getters.wait(this.readyToGet)
  readonly awaitRoom = this.putters.wait(this.readyToPut)

  // --- put / get ---------------------------------------------------------
  //
  // The item moves inside an `Effect.sync`, which hands its value straight to
  // the caller's continuation in the same step: an interruption can land
  // before the item moves (then nothing happened) but never between the move
  // and the caller seeing it. When the item cannot move (full / empty / shut
  // down) the thunk throws the private `Retry` signal, caught right there and
  // turned into waiting or a typed failure; a real defect (an `order` that
  // throws) passes through untouched.

  tryPut(item: A): void {
    if (this.shut || !this.hasRoom()) throw Retry
    this.putUnsafe(item)
  }

  tryTake(): A {
    if (this.buffer.size === 0) throw Retry
    return this.takeUnsafe()
  }

  readonly tryTakeEffect: Effect.Effect<A> = Effect.sync(() => this.tryTake())

  putWaiting(item: A): Effect.Effect<void, QueueShutDown> {
    return Effect.catchCause(Effect.sync(() => this.tryPut(item)), (cause) => {
      if (!isRetry(cause)) return Effect.failCause(cause)
      if (this.shut) return failShutDown
      return Effect.flatMap(this.awaitRoom, () => this.putWaiting(item))
    })
  }

  putNowaitEffect(item: A): Effect.Effect<void, QueueFull | QueueShutDown> {
    return Effect.catchCause(
      Effect.sync(() => this.tryPut(item)),
      (cause): Effect.Effect<void, QueueFull | QueueShutDown> => {
        if (!isRetry(cause)) return Effect.failCause(cause)
        return this.shut ? failShutDown : Effect.fail(fullError(this.maxsize))
      }
    )
  }

  putUntil(item: A, deadline: Deadline): Effect.Effect<void, QueueFull | QueueShutDown> {
    return Effect.catchCause(Effect.sync(() => this.tryPut(item)), (cause) => {
      if (!isRetry(cause)) return Effect.failCause(cause)
      if (this.shut) return failShutDown
      return Effect.flatMap(remaining(deadline), (left) => {
        if (isPoll(left)) return Effect.fail(fullError(this.maxsize))
        return Effect.flatMap(within(this.awaitRoom, left), () => this.putUntil(item, deadline))
      })
    })
  }

  put(item: A): Effect.Effect<void, QueueShutDown>
  put(item: A, options: WaitOptions): Effect.Effect<void, QueueFull | QueueShutDown | InvalidArgumentError>
  put(item: A, options?: WaitOptions): Effect.Effect<void, QueueFull | QueueShutDown | InvalidArgumentError> {
    if (options === undefined) return this.putWaiting(item)
    // The timeout is checked before anything else, also with `block: false`
    // (which then ignores it, as Python does): a bad one fails whether or not
    // the call would have had to wait, and puts nothing.
    const millis = timeoutMillis(options.timeout)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    if (options.block === false) return this.putNowaitEffect(item)
    if (millis === undefined) return this.putWaiting(item)
    if (isPoll(millis)) return this.putNowaitEffect(item)
    return Effect.flatMap(deadlineOf(millis), (deadline) => this.putUntil(item, deadline))
  }

  putNowait(item: A): Effect.Effect<void, QueueFull | QueueShutDown> {
    return this.putNowaitEffect(item)
  }

  readonly getEffect: Effect.Effect<A, QueueShutDown> = Effect.catchCause(this.tryTakeEffect, (cause) => {
    if (!isRetry(cause)) return Effect.failCause(cause)
    if (this.shut) return failShutDown
    return Effect.flatMap(this.awaitItem, () => this.getEffect)
  })

  readonly getNowaitEffect: Effect.Effect<A, QueueEmpty | QueueShutDown> = Effect.catchCause(
    this.tryTakeEffect,
    (cause): Effect.Effect<A, QueueEmpty | QueueShutDown> =>
      !isRetry(cause) ? Effect.failCause(cause) : this.shut ? failShutDown : failEmpty
  )

  getUntil(deadline: Deadline): Effect.Effect<A, QueueEmpty | QueueShutDown> {
    return Effect.catchCause(this.tryTakeEffect, (cause) => {
      if (!isRetry(cause)) return Effect.failCause(cause)
      if (this.shut) return failShutDown
      return Effect.flatMap(remaining(deadline), (left) => {
        if (isPoll(left)) return failEmpty
        return Effect.flatMap(within(this.awaitItem, left), () => this.getUntil(deadline))
      })
    })
  }

  get(): Effect.Effect<A, QueueShutDown>
  get(options: WaitOptions): Effect.Effect<A, QueueEmpty | QueueShutDown | InvalidArgumentError>
  get(options?: WaitOptions): Effect.Effect<A, QueueEmpty | QueueShutDown | InvalidArgumentError> {
    if (options === undefined) return this.getEffect
    const millis = timeoutMillis(options.timeout)
    if (millis instanceof InvalidArgumentError) return Effect.fail(millis)
    if (options.block === false) return this.getNowaitEffect
    if (millis === undefined) return this.getEffect
    if (isPoll(millis)) return this.getNowaitEffect
    return Effect.flatMap(deadlineOf(millis), (deadline) => this.getUntil(deadline))
  }

  get getNowait(): Effect.Effect<A, QueueEmpty | QueueShutDown> {
    return this.getNowaitEffect
  }

  // --- state ---------------------------------------------------------------

  get qsize(): Effect.Effect<number> {
    return Effect.sync(() => this.buffer.size)
  }

  get empty(): Effect.Effect<boolean> {
    return Effect.sync(() => this.buffer.size === 0)
  }

  get full(): Effect.Effect<boolean> {
    return Effect.sync(() => this.maxsize > 0 && this.buffer.size >= this.maxsize)
  }

  readonly taskDone: Effect.Effect<void, TaskDoneTooManyTimesError> = Effect.suspend(() => {
    if (this.unfinished <= 0) {
      return Effect.fail(
        new TaskDoneTooManyTimesError({
          message: "task_done() called too many times: call taskDone once per item taken with get"
        })
      )
    }
    if (--this.unfinished === 0) this.joiners.unparkAll()
    return Effect.void
  })

  readonly allDone = () => this.unfinished === 0
  readonly awaitAllDone = this.joiners.wait(this.allDone)

  // As Python's `join`, re-check after every wake-up: tasks put between the
  // count reaching zero and the joiner running must be done too.
  readonly join: Effect.Effect<void> = Effect.suspend(() =>
    this.unfinished === 0 ? Effect.void : Effect.andThen(this.awaitAllDone, this.join)
  )

  get unfinishedTasks(): Effect.Effect<number> {
    return Effect.sync(() => this.unfinished)
  }

  shutdown(options?: { readonly immediate?: boolean | undefined }): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.shut = true
      if (options?.immediate === true) {
        const dropped = this.buffer.size
        this.buffer.clear()
        this.unfinished = Math.max(0, this.unfinished - dropped)
        if (this.unfinished === 0) this.joiners.unparkAll()
      }
      // Every waiter re-checks: putters fail, getters drain or fail.
      this.wake(this.getters, Infinity)
      this.wake(this.putters, Infinity)
      return Effect.void
    })
  }

  get isShutdown(): Effect.Effect<boolean> {
    return Effect.sync(() => this.shut)
  }

  get statistics(): Effect.Effect<Statistics> {
    return Effect.sync(() => ({
      size: this.buffer.size,
      maxsize: this.maxsize,
      waitingPut: this.putters.parked,
      waitingGet: this.getters.parked,
      waitingJoin: this.joiners.parked,
      unfinished: this.unfinished,
      isShutdown: this.shut
    }))
  }

  toString() {
    return `TaskQueue.${this.kind}(size=${this.buffer.size}, maxsize=${this.maxsize}, unfinished=${this.unfinished}${
      this.shut ? ", shut down" : ""
    })`
  }
}

/** Thrown inside `Effect.sync` when an item cannot move now; never escapes. */
const Retry: { readonly _tag: "TaskQueueRetry" } = { _tag: "TaskQueueRetry" }

const isRetry = (cause: Cause.Cause<unknown>): boolean => {
  const reasons = cause.reasons
  return reasons.length === 1 && Cause.isDieReason(reasons[0]) && reasons[0].defect === Retry
}

const failShutDown = Effect.fail(
  new QueueShutDown({ message: "the queue was shut down: no more put, and get only drains what is left" })
)
const failEmpty = Effect.fail(new QueueEmpty({ message: "the queue is empty" }))
const fullError = (maxsize: number) => new QueueFull({ message: `the queue is full (maxsize ${maxsize})` })

const validateMaxsize = (maxsize: number | undefined): number | InvalidArgumentError => {
  if (maxsize === undefined) return 0
  const size = integerCount(maxsize, "maxsize", "an integer (<= 0 or Infinity for unbounded)")
  if (size instanceof InvalidArgumentError) return size
  return size <= 0 || size === Infinity ? 0 : size
}

const construct = <A>(
  kind: Kind,
  maxsize: number | undefined,
  buffer: () => Buffer<A>
): Effect.Effect<TaskQueue<A>, InvalidArgumentError> =>
  Effect.suspend(() => {
    const size = validateMaxsize(maxsize)
    return size instanceof InvalidArgumentError
      ? Effect.fail(size)
      : Effect.succeed(new TaskQueueImpl(kind, size, buffer()))
  })

/**
 * Creates a first-in, first-out queue: Python's `queue.Queue(maxsize)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fifo = <A>(options?: MakeOptions): Effect.Effect<TaskQueue<A>, InvalidArgumentError> =>
  construct("fifo", options?.maxsize, () => new FifoBuffer<A>())

/**
 * Creates a last-in, first-out queue (a stack): Python's
 * `queue.LifoQueue(maxsize)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const lifo = <A>(options?: MakeOptions): Effect.Effect<TaskQueue<A>, InvalidArgumentError> =>
  construct("lifo", options?.maxsize, () => new LifoBuffer<A>())

/**
 * Creates a queue that returns the smallest item first: Python's
 * `queue.PriorityQueue(maxsize)`. Equal items come out in insertion order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const priority = <A>(options?: PriorityOptions<A>): Effect.Effect<TaskQueue<A>, InvalidArgumentError> =>
  construct(
    "priority",
    options?.maxsize,
    () => new PriorityBuffer<A>(options?.order ?? (pythonOrder as Order.Order<A>))
  )

/**
 * Whether a value is a `TaskQueue`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isTaskQueue = (u: unknown): u is TaskQueue<unknown> => u instanceof TaskQueueImpl

/**
 * Adds an item, waiting while the queue is full: Python's `q.put(item, block,
 * timeout)`.
 *
 * @since 0.1.0
 * @category putting
 */
export const put: {
  <A>(self: TaskQueue<A>, item: A): Effect.Effect<void, QueueShutDown>
  <A>(self: TaskQueue<A>, item: A, options: WaitOptions): Effect.Effect<
    void,
    QueueFull | QueueShutDown | InvalidArgumentError
  >
} =
  (<A>(self: TaskQueue<A>, item: A, options?: WaitOptions) =>
    (self as TaskQueueImpl<A>).put(item, options as WaitOptions)) as any

/**
 * Removes and returns an item, waiting while the queue is empty: Python's
 * `q.get(block, timeout)`.
 *
 * @since 0.1.0
 * @category getting
 */
export const get: {
  <A>(self: TaskQueue<A>): Effect.Effect<A, QueueShutDown>
  <A>(self: TaskQueue<A>, options: WaitOptions): Effect.Effect<A, QueueEmpty | QueueShutDown | InvalidArgumentError>
} = (<A>(self: TaskQueue<A>, options?: WaitOptions) => (self as TaskQueueImpl<A>).get(options as WaitOptions)) as any

/**
 * Adds an item if there is room now: Python's `q.put_nowait(item)`.
 *
 * @since 0.1.0
 * @category putting
 */
export const putNowait = <A>(self: TaskQueue<A>, item: A): Effect.Effect<void, QueueFull | QueueShutDown> =>
  self.putNowait(item)

/**
 * Removes an item if there is one now: Python's `q.get_nowait()`.
 *
 * @since 0.1.0
 * @category getting
 */
export const getNowait = <A>(self: TaskQueue<A>): Effect.Effect<A, QueueEmpty | QueueShutDown> => self.getNowait

/**
 * How many items the queue holds: Python's `q.qsize()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const qsize = <A>(self: TaskQueue<A>): Effect.Effect<number> => self.qsize

/**
 * Whether the queue is empty: Python's `q.empty()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const empty = <A>(self: TaskQueue<A>): Effect.Effect<boolean> => self.empty

/**
 * Whether the queue is full: Python's `q.full()`.
 *
 * @since 0.1.0
 * @category getters
 */
export const full = <A>(self: TaskQueue<A>): Effect.Effect<boolean> => self.full

/**
 * Marks one item as processed: Python's `q.task_done()`.
 *
 * @since 0.1.0
 * @category tasks
 */
export const taskDone = <A>(self: TaskQueue<A>): Effect.Effect<void, TaskDoneTooManyTimesError> => self.taskDone

/**
 * Waits until every item put has been marked done: Python's `q.join()`.
 *
 * @since 0.1.0
 * @category tasks
 */
export const join = <A>(self: TaskQueue<A>): Effect.Effect<void> => self.join

/**
 * Shuts the queue down: Python 3.13's `q.shutdown(immediate=False)`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const shutdown = <A>(
  self: TaskQueue<A>,
  options?: { readonly immediate?: boolean | undefined }
): Effect.Effect<void> => self.shutdown(options)

/**
 * A snapshot of the queue: `{ size, maxsize, waitingPut, waitingGet,
 * waitingJoin, unfinished, isShutdown }` (Trio's `statistics()`).
 *
 * @since 0.1.0
 * @category getters
 */
export const statistics = <A>(self: TaskQueue<A>): Effect.Effect<Statistics> => self.statistics
