/**
 * One back-pressured result window: the engine behind every corun operation
 * that runs a function over a lazy input and streams the results — Python's
 * `executor.map`, `as_completed`, and a pool's `imap` / `imap_unordered`.
 *
 * The window reads items from an iterator only when there is room: at most
 * `window` items are started and not yet delivered to the consumer
 * (back-pressure). Results are delivered
 *
 * - in input order (`ordered: true`, `executor.map` / `pool.imap`): a result
 *   waits in its slot until every earlier one has been delivered;
 * - in completion order (`ordered: false`, `as_completed` /
 *   `pool.imap_unordered`).
 *
 * A failure has an explicit slot. In input order, the first failure *in input
 * order* ends the stream: the results before it are still delivered, then the
 * stream fails with it. In completion order, the results that completed before
 * the failure are delivered, then it. Either way no item starts once a failure
 * is recorded. An iterator that throws is a failure after every item it gave
 * (those are delivered first).
 *
 * An item usually has one result. It may have several (`completeAll`: a
 * pool's chunk of inputs sent as one job), delivered one after another as
 * stream elements in the item's place, and possibly followed by a failure (a
 * chunk that failed part-way: the values computed before the failure are
 * delivered first, then the failure, as if each input had been an item). The
 * back-pressure bound still counts items, not values.
 *
 * The window does not run anything itself. Drivers start items and report
 * their exits with `complete`:
 *
 * - `startEach` — "start item i and register a completion callback": one
 *   starter fiber calls `start(item, index, complete)` (an Effect, so it can
 *   submit to a pool) while there is room, and keeps the returned cancellers
 *   of the items in flight. This is the shape of `asCompleted` (observe a
 *   future).
 * - `startEachSync` — the same with a synchronous `start`, and no fiber: the
 *   window calls it back when the consumer makes room, inside the pull. The
 *   shape of a pool's `imap` / `imapUnordered` (queue a job, report its exit
 *   from its completion callback, cancel it when the consumer leaves).
 * - `forkWorkers` — `n` worker fibers, each pulling the next index and running
 *   its effect inline: no fiber per item. `Executor.map` uses it.
 *
 * Everything a driver starts lives in the stream's scope: when the consumer
 * stops (the stream is consumed, fails, times out, or is left early) the
 * window stops handing out items, the workers are interrupted and the
 * cancellers of the items still in flight are called.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Pull from "effect/Pull"
import * as Scheduler from "effect/Scheduler"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { remaining, withinOrFail } from "./timeout.ts"

/** An empty slot of the ordered ring. */
const EMPTY: unique symbol = Symbol("corun/resultWindow/empty")

/**
 * A failure in its slot (a class of its own, so no value can pass for one),
 * with the item's values before it when it failed part-way.
 */
class Failed<A, E> {
  readonly cause: Cause.Cause<E>
  readonly before: ReadonlyArray<A> | undefined
  constructor(cause: Cause.Cause<E>, before?: ReadonlyArray<A>) {
    this.cause = cause
    this.before = before
  }
}

/** The several values of one item in its slot. */
class Many<A> {
  readonly values: ReadonlyArray<A>
  constructor(values: ReadonlyArray<A>) {
    this.values = values
  }
}

/** Options of a window. */
export interface WindowOptions {
  /**
   * How many items may be started and not yet delivered to the consumer (a
   * positive integer or `Infinity`).
   */
  readonly window: number
  /** Deliver in input order (`true`) or in completion order (`false`). */
  readonly ordered: boolean
}

/**
 * The state shared by a driver (which starts items and reports their exits)
 * and the consumer (which pulls the results).
 */
export class ResultWindow<T, A, E> {
  readonly bound: number
  readonly ordered: boolean
  private readonly items: Iterable<T>
  /** `items` when it is an array: read by index (no iterator result object per item). */
  private readonly array: ReadonlyArray<T> | undefined
  /** Made by the first `tryStart`: nothing is read before a driver asks. */
  private iterator: Iterator<T> | undefined
  /**
   * Ordered delivery, bounded window: results by `index % bound` — the value
   * itself (no `Exit` per item), a `Failed` box, or `EMPTY`.
   */
  private readonly ring: Array<A | Failed<A, E> | Many<A> | typeof EMPTY> | undefined
  /** Ordered delivery, unbounded window: results by index. */
  private readonly slots: Map<number, A | Failed<A, E> | Many<A>> | undefined
  /** Unordered delivery: the values completed and not yet delivered. */
  private queue: Array<A> = []
  /** Unordered delivery: how many items the values in `queue` came from. */
  private queuedItems = 0
  /** The item handed out by the last successful `tryStart`. */
  item: T = undefined as T
  /** How many items were started (the index of the next one). */
  started = 0
  /** How many items' results were delivered (in input order: the next index to deliver). */
  delivered = 0
  /** Unordered delivery: how many started items have completed. */
  private completedCount = 0
  /** The iterator is done (or threw). */
  exhausted = false
  /** No item starts any more: a failure was recorded, or the consumer left. */
  stopped = false
  /** Unordered delivery: the failure slot (the first failure to complete). */
  private failure: Cause.Cause<E> | undefined
  /** Ordered delivery: a failure taken out of its slot, delivered after the chunk before it. */
  private pendingFailure: Cause.Cause<E> | undefined
  /** The iterator threw: delivered once every item it gave has been. */
  private sourceFailure: Cause.Cause<never> | undefined
  private consumerWaiting: (() => void) | undefined
  private parked: Array<() => void> = []
  /**
   * A synchronous producer (`startEachSync`): called where parked producer
   * fibers are woken — room may have appeared, or the window finished.
   */
  onRoom: (() => void) | undefined = undefined

  constructor(items: Iterable<T>, options: WindowOptions) {
    this.bound = options.window
    this.ordered = options.ordered
    this.items = items
    this.array = Array.isArray(items) ? items : undefined
    if (options.ordered) {
      if (options.window === Infinity) this.slots = new Map()
      else this.ring = new Array(options.window).fill(EMPTY)
    }
  }

  /** No item will be handed out any more. */
  get finished(): boolean {
    return this.stopped || this.exhausted
  }

  /**
   * Takes the next item if there is room: returns its index (the item is in
   * `item`), or `-1` when the window is full (wait with `waitForRoom`) or
   * `finished`.
   */
  tryStart(): number {
    if (this.stopped || this.exhausted || this.started >= this.delivered + this.bound) return -1
    const array = this.array
    if (array !== undefined) {
      // Read at the time of the start, as an iterator would.
      if (this.started >= array.length) {
        this.endOfInput()
        return -1
      }
      this.item = array[this.started]
      return this.started++
    }
    let next: IteratorResult<T>
    try {
      next = (this.iterator ??= this.items[Symbol.iterator]()).next()
    } catch (error) {
      this.sourceFailure = Cause.die(error)
      this.endOfInput()
      return -1
    }
    if (next.done === true) {
      this.endOfInput()
      return -1
    }
    this.item = next.value
    return this.started++
  }

  private endOfInput() {
    this.exhausted = true
    this.wakeConsumer()
    this.wakeProducers()
  }

  /**
   * Resumes when `tryStart` may succeed again (the consumer made room) or the
   * window is `finished`. Re-checks when it registers: the fiber may have
   * yielded between its `tryStart` and this wait.
   */
  readonly waitForRoom: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.finished || this.started < this.delivered + this.bound) return resume(Effect.void)
    this.parked.push(() => resume(Effect.void))
  })

  /** Records item `index`'s exit. */
  complete(index: number, exit: Exit.Exit<A, E>): void {
    if (Exit.isSuccess(exit)) this.succeed(index, exit.value)
    else this.fail(index, exit.cause)
  }

  /** Records item `index`'s value. */
  succeed(index: number, value: A): void {
    if (this.ordered) {
      if (this.ring !== undefined) this.ring[index % this.bound] = value
      else this.slots!.set(index, value)
      if (index === this.delivered) this.wakeConsumer()
      return
    }
    this.completedCount++
    if (this.failure === undefined) {
      this.queue.push(value)
      this.queuedItems++
    }
    this.wakeConsumer()
  }

  /**
   * Records item `index`'s several values, delivered in order in the item's
   * place; with `cause`, the item then failed: its values are delivered,
   * then the failure (as `fail`: the window then starts nothing more).
   */
  completeAll(index: number, values: ReadonlyArray<A>, cause?: Cause.Cause<E>): void {
    if (this.ordered) {
      const result = cause === undefined ? new Many(values) : new Failed(cause, values)
      if (this.ring !== undefined) this.ring[index % this.bound] = result
      else this.slots!.set(index, result)
      if (cause !== undefined) this.stop()
      if (index === this.delivered) this.wakeConsumer()
      return
    }
    this.completedCount++
    if (this.failure === undefined) {
      for (let i = 0; i < values.length; i++) this.queue.push(values[i])
      this.queuedItems++
      if (cause !== undefined) this.failure = cause
    }
    if (cause !== undefined) this.stop()
    this.wakeConsumer()
  }

  /** Records item `index`'s failure (the window then starts nothing more). */
  fail(index: number, cause: Cause.Cause<E>): void {
    if (this.ordered) {
      const failed = new Failed<A, E>(cause)
      if (this.ring !== undefined) this.ring[index % this.bound] = failed
      else this.slots!.set(index, failed)
      this.stop()
      if (index === this.delivered) this.wakeConsumer()
      return
    }
    this.completedCount++
    if (this.failure === undefined) this.failure = cause
    this.stop()
    this.wakeConsumer()
  }

  /** Starts nothing more (a failure, or the consumer left); wakes the parked producers so they can end. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.wakeProducers()
  }

  private wakeConsumer() {
    const resume = this.consumerWaiting
    if (resume !== undefined) {
      this.consumerWaiting = undefined
      resume()
    }
  }

  private wakeProducers() {
    const onRoom = this.onRoom
    if (onRoom !== undefined) onRoom()
    // Take the parked producers out first: a resumed one can run at once and
    // park again, which must not re-enter this loop.
    if (this.parked.length === 0) return
    const woken = this.parked
    this.parked = []
    for (let i = 0; i < woken.length; i++) woken[i]()
  }

  private takeOrdered(index: number): A | Failed<A, E> | Many<A> | typeof EMPTY {
    if (this.ring !== undefined) {
      const slot = index % this.bound
      const result = this.ring[slot]
      this.ring[slot] = EMPTY
      return result
    }
    if (!this.slots!.has(index)) return EMPTY
    const result = this.slots!.get(index)!
    this.slots!.delete(index)
    return result
  }

  /** Whether a pull would not wait. */
  private ready(): boolean {
    if (this.ordered) {
      if (this.pendingFailure !== undefined) return true
      if (
        this.ring !== undefined
          ? this.ring[this.delivered % this.bound] !== EMPTY
          : this.slots!.has(this.delivered)
      ) {
        return true
      }
      return this.exhausted && this.delivered === this.started
    }
    return this.queuedItems > 0 || this.failure !== undefined ||
      (this.exhausted && this.completedCount === this.started)
  }

  private readonly waitForResult: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.ready()) return resume(Effect.void)
    this.consumerWaiting = () => resume(Effect.void)
    return Effect.sync(() => {
      this.consumerWaiting = undefined
    })
  })

  /**
   * The consumer's side: each pull returns the results ready now (at least
   * one), waiting for them if need be; fails with the failure slot once the
   * results before it are delivered; ends when every item is delivered.
   * `deadline` (a `Clock` time in milliseconds) bounds the waits: past it the
   * pull fails with `onTimeout()`.
   */
  pull<E2 = never>(
    deadline?: number,
    onTimeout?: () => E2
  ): Pull.Pull<readonly [A, ...Array<A>], E | E2, void> {
    const wait: Effect.Effect<void, E2> = deadline === undefined
      ? this.waitForResult
      : Effect.flatMap(remaining(deadline), (millis) => withinOrFail(this.waitForResult, millis, onTimeout!))
    const pull: Pull.Pull<readonly [A, ...Array<A>], E | E2, void> = Effect.suspend(() => {
      const delivered = this.delivered
      const chunk = this.ordered ? this.takeChunkOrdered() : this.takeChunkUnordered()
      // Items were taken (possibly without a value: an item with none) — room for more.
      if (this.delivered !== delivered) this.wakeProducers()
      if (chunk !== undefined) return Effect.succeed(chunk)
      if (this.pendingFailure !== undefined) return Effect.failCause(this.pendingFailure)
      if (this.failure !== undefined) return Effect.failCause(this.failure)
      if (this.exhausted && (this.ordered ? this.delivered : this.completedCount) === this.started) {
        return this.sourceFailure !== undefined ? Effect.failCause(this.sourceFailure) : Cause.done()
      }
      // After a wake-up, let the other producers that are ready run first, so
      // that one pull collects a batch instead of a single result.
      return Effect.flatMap(wait, () => Effect.flatMap(Effect.yieldNow, () => pull))
    })
    return pull
  }

  private takeChunkOrdered(): readonly [A, ...Array<A>] | undefined {
    if (this.pendingFailure !== undefined) return undefined
    const chunk: Array<A> = []
    while (true) {
      const result = this.takeOrdered(this.delivered)
      if (result === EMPTY) break
      this.delivered++
      if (result instanceof Failed) {
        if (result.before !== undefined) pushAll(chunk, result.before)
        this.pendingFailure = result.cause
        break
      }
      if (result instanceof Many) pushAll(chunk, result.values)
      else chunk.push(result)
    }
    return chunk.length > 0 ? chunk as unknown as readonly [A, ...Array<A>] : undefined
  }

  private takeChunkUnordered(): readonly [A, ...Array<A>] | undefined {
    if (this.queuedItems === 0) return undefined
    this.delivered += this.queuedItems
    this.queuedItems = 0
    if (this.queue.length === 0) return undefined
    const chunk = this.queue
    this.queue = []
    return chunk as unknown as readonly [A, ...Array<A>]
  }
}

const pushAll = <A>(target: Array<A>, values: ReadonlyArray<A>) => {
  for (let i = 0; i < values.length; i++) target.push(values[i])
}

/** Options of `stream`. */
export interface StreamOptions<T, A, E, E2, R> extends WindowOptions {
  readonly items: Iterable<T>
  /**
   * Starts the driver (`startEach`, `forkWorkers`) in the stream's scope. It
   * runs when the stream starts, before the first pull; a failure fails the
   * stream before any item is read.
   */
  readonly drive: (window: ResultWindow<T, A, E>, scope: Scope.Scope) => Effect.Effect<void, E2, R>
  /** A deadline in milliseconds for the whole stream, counted from when it starts. */
  readonly timeout?: number | undefined
  /** The error of a missed deadline. */
  readonly onTimeout?: ((window: ResultWindow<T, A, E>) => E2) | undefined
}

/**
 * The results of a window as a `Stream` (the pull interface for Stream
 * consumers). The window is made when the stream starts; when the stream ends
 * (in any way) it stops and its scope closes, which stops what the driver
 * started.
 */
export const stream = <T, A, E, E2, R>(options: StreamOptions<T, A, E, E2, R>): Stream.Stream<A, E | E2, R> =>
  Stream.fromChannel(
    Channel.fromTransform((_upstream, scope) =>
      Effect.gen(function*() {
        const window = new ResultWindow<T, A, E>(options.items, options)
        // Runs first among the scope's finalizers (they run in reverse):
        // nothing starts while the driver's fibers are being stopped.
        yield* options.drive(window, scope)
        yield* Scope.addFinalizer(scope, Effect.sync(() => window.stop()))
        const deadline = options.timeout === undefined
          ? undefined
          : (yield* Clock.currentTimeMillis) + options.timeout
        return window.pull<E2>(deadline, () => options.onTimeout!(window))
      })
    )
  )

/** One started item's completion: the first call of either function wins. */
interface ItemCompletion<A, E> {
  done: boolean
  readonly complete: (exit: Exit.Exit<A, E>) => void
  readonly completeAll: (values: ReadonlyArray<A>, cause?: Cause.Cause<E>) => void
}

/**
 * The items `startEach` / `startEachSync` have started and not yet seen
 * complete, with their cancellers: what `stop` cancels when the stream ends.
 */
class InFlight<T, A, E> {
  readonly cancellers = new Map<number, () => void>()
  readonly window: ResultWindow<T, A, E>
  constructor(window: ResultWindow<T, A, E>) {
    this.window = window
  }

  /** The completion functions of item `index`, to hand to its `start`. */
  item(index: number): ItemCompletion<A, E> {
    const item: ItemCompletion<A, E> = {
      done: false,
      complete: (exit) => {
        if (item.done) return
        item.done = true
        this.cancellers.delete(index)
        this.window.complete(index, exit)
      },
      completeAll: (values, cause) => {
        if (item.done) return
        item.done = true
        this.cancellers.delete(index)
        this.window.completeAll(index, values, cause)
      }
    }
    return item
  }

  /** `start` returned: keep the canceller while the item is still in flight. */
  started(index: number, item: ItemCompletion<A, E>, cancel: unknown): void {
    if (!item.done && typeof cancel === "function") this.cancellers.set(index, cancel as () => void)
  }

  /** Stops the window and cancels every item still in flight. */
  stop(): void {
    this.window.stop()
    const cancellers = Array.from(this.cancellers.values())
    this.cancellers.clear()
    for (const cancel of cancellers) cancel()
  }
}

/**
 * The "start item i, register a completion callback" driver: one starter
 * fiber, forked in `scope`, calls `start` for each item while the window has
 * room. `start` starts the item and arranges for one call, synchronously or
 * later, of `complete(exit)` — or of `completeAll(values, cause?)` when the
 * item has several values (see `ResultWindow.completeAll`); it returns a
 * canceller, called if the stream ends while the item is in flight (e.g.
 * cancel a pool job; for a future that is not the stream's to cancel, stop
 * observing it). A failing `start` is that item's failure.
 */
export const startEach = <T, A, E, R>(
  window: ResultWindow<T, A, E>,
  scope: Scope.Scope,
  start: (
    item: T,
    index: number,
    complete: (exit: Exit.Exit<A, E>) => void,
    completeAll: (values: ReadonlyArray<A>, cause?: Cause.Cause<E>) => void
  ) => Effect.Effect<(() => void) | void, E, R>
): Effect.Effect<void, never, R> =>
  Effect.gen(function*() {
    const inFlight = new InFlight(window)
    yield* Scope.addFinalizer(scope, Effect.sync(() => inFlight.stop()))
    const startOne = (index: number): Effect.Effect<void, never, R> => {
      const item = inFlight.item(index)
      return Effect.matchCause(start(window.item, index, item.complete, item.completeAll), {
        onFailure: (cause) => item.complete(Exit.failCause(cause)),
        onSuccess: (cancel) => inFlight.started(index, item, cancel)
      })
    }
    const loop: Effect.Effect<void, never, R> = Effect.suspend(() => {
      const index = window.tryStart()
      if (index >= 0) return Effect.flatMap(startOne(index), () => loop)
      if (window.finished) return Effect.void
      return Effect.flatMap(window.waitForRoom, () => loop)
    })
    yield* Effect.forkIn(loop, scope)
  })

/**
 * `startEach` for a synchronous `start` (e.g. queue a pool job): no starter
 * fiber and no effect per item. The items are started at once, while the
 * window has room, and again each time the consumer makes room — inside its
 * pull, so a freed slot is refilled before the consumer handles the results
 * it took, without waiting for another fiber to be scheduled. `start` arranges
 * for one call of `complete` or `completeAll` (synchronously or later) and
 * returns the canceller; a throw is that item's failure (a defect).
 */
export const startEachSync = <T, A, E>(
  window: ResultWindow<T, A, E>,
  scope: Scope.Scope,
  start: (
    item: T,
    index: number,
    complete: (exit: Exit.Exit<A, E>) => void,
    completeAll: (values: ReadonlyArray<A>, cause?: Cause.Cause<E>) => void
  ) => (() => void) | void
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const inFlight = new InFlight(window)
    const startOne = (index: number) => {
      const item = inFlight.item(index)
      let cancel: (() => void) | void
      try {
        cancel = start(window.item, index, item.complete, item.completeAll)
      } catch (defect) {
        return item.complete(Exit.die(defect))
      }
      inFlight.started(index, item, cancel)
    }
    // A start can record a failure at once, which stops the window and calls
    // `onRoom` again: that call returns, the loop then sees the window finished.
    let filling = false
    const fill = () => {
      if (filling) return
      filling = true
      let index: number
      while ((index = window.tryStart()) >= 0) startOne(index)
      filling = false
    }
    return Effect.andThen(
      Scope.addFinalizer(
        scope,
        Effect.sync(() => {
          window.onRoom = undefined
          inFlight.stop()
        })
      ),
      Effect.sync(() => {
        window.onRoom = fill
        fill()
      })
    )
  })

/** What a worker of `forkWorkers` does with each item. */
export interface ItemRunner<T, A, E, R> {
  /** Returns item `index`'s effect; called in the worker fiber just before it runs. */
  readonly run: (item: T, index: number, fiber: Fiber.Fiber<unknown, unknown>) => Effect.Effect<A, E, R>
  /**
   * Called when the item's effect has ended, before the window records its
   * result: with its value, or with `undefined` and the failure's cause.
   */
  readonly done?: ((value: A | undefined, cause: Cause.Cause<E> | undefined) => void) | undefined
}

/**
 * The worker-pool driver: `count` worker fibers forked in `scope`, each
 * taking the next index and running its effect inline, one after another (no
 * fiber per item: the per-item cost is one `matchCauseEffect`). `makeRunner`
 * is called once per worker (per-worker state lives in its closure); `wrap`
 * wraps each whole worker loop (e.g. to hold one permit of a bounded executor
 * for the worker's life instead of taking one per item).
 *
 * Interrupting a worker while it runs an item records that item's exit as
 * the interruption (a failure at its position), through `done` too, and ends
 * the worker.
 */
export const forkWorkers = <T, A, E, R>(
  window: ResultWindow<T, A, E>,
  scope: Scope.Scope,
  count: number,
  makeRunner: () => ItemRunner<T, A, E, R>,
  wrap?: (worker: Effect.Effect<void, never, R>) => Effect.Effect<void, never, R>
): Effect.Effect<void, never, R> =>
  Effect.withFiber((parent) => {
    const scheduler = new SharedDispatcherScheduler(parent.getRef(Scheduler.Scheduler))
    const forkWorker = (): Effect.Effect<void, never, R> => {
      const runner = makeRunner()
      const done = runner.done
      let index = 0
      /** The worker is running item `index` (its result not yet recorded). */
      let running = false
      const failed = (cause: Cause.Cause<E>) => {
        running = false
        if (done !== undefined) done(undefined, cause)
        window.fail(index, cause)
      }
      // One `matchCauseEffect` per item, with handlers made once per worker.
      const handlers = {
        onSuccess: (value: A): Effect.Effect<void, never, R> => {
          running = false
          if (done !== undefined) done(value, undefined)
          window.succeed(index, value)
          return step
        },
        onFailure: (cause: Cause.Cause<E>): Effect.Effect<void, never, R> => {
          failed(cause)
          // A failure stops the window: the worker ends instead of parking.
          return Effect.void
        }
      }
      const step: Effect.Effect<void, never, R> = Effect.withFiber((fiber) => {
        const next = window.tryStart()
        if (next < 0) return window.finished ? Effect.void : Effect.flatMap(window.waitForRoom, () => step)
        index = next
        running = true
        let effect: Effect.Effect<A, E, R>
        try {
          effect = runner.run(window.item, next, fiber)
        } catch (defect) {
          effect = Effect.die(defect)
        }
        return Effect.matchCauseEffect(effect, handlers)
      })
      const worker = Effect.provideService(wrap === undefined ? step : wrap(step), Scheduler.Scheduler, scheduler)
      return Effect.map(Effect.forkIn(worker, scope), (fiber) => {
        // An interrupted fiber skips its failure handlers (Effect runs no
        // recovery code in an interrupted, interruptible region), so the exit
        // of an item whose worker was interrupted — its task cancelled, or the
        // stream ended — is recorded from the worker's own exit.
        fiber.addObserver((exit) => {
          if (running && Exit.isFailure(exit)) failed(exit.cause as Cause.Cause<never>)
        })
      })
    }
    return Effect.forEach(Array.from({ length: count }), forkWorker, { discard: true })
  })

/**
 * The parent's scheduler, with one dispatcher for every fiber that runs on
 * it. Effect gives each fiber a dispatcher of its own, and each dispatcher
 * asks the host for a macrotask (`setImmediate`) when it gets work: `n` workers
 * that yield once per item cost one macrotask per item. Sharing one
 * dispatcher batches the workers' resumptions into one macrotask per round,
 * as a single queue would. Fibers forked inside an item inherit it.
 */
class SharedDispatcherScheduler implements Scheduler.Scheduler {
  readonly executionMode: "sync" | "async"
  private readonly parent: Scheduler.Scheduler
  private readonly dispatcher: Scheduler.SchedulerDispatcher
  constructor(parent: Scheduler.Scheduler) {
    this.parent = parent
    this.executionMode = parent.executionMode
    this.dispatcher = parent.makeDispatcher()
  }
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return this.parent.shouldYield(fiber)
  }
  makeDispatcher(): Scheduler.SchedulerDispatcher {
    return this.dispatcher
  }
}
