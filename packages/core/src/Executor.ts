/**
 * An `Executor` runs submitted Effects concurrently on fibers and hands back
 * `Future`s: Python's `concurrent.futures.ThreadPoolExecutor`, with fibers in
 * place of threads.
 *
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Executor, Future } from "@corun/core"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const executor = yield* Executor.make({ maxWorkers: 4 })   // with ThreadPoolExecutor(4) as executor:
 *   const future = yield* executor.submit(fetchPage(1))         //   future = executor.submit(get_html, 1)
 *   const page = yield* Future.result(future)                   //   future.result()
 *   const pages = yield* Stream.runCollect(executor.map([1, 2, 3], fetchPage)) // executor.map(get_html, urls)
 * }))                                                           // leaving the block waits for the tasks
 * ```
 *
 * Lifetime: the executor belongs to the `Scope` it was made in. Closing the
 * scope normally behaves like leaving Python's `with` block
 * (`shutdown(wait=True)`): it waits for every submitted task, then
 * interrupts the daemon ones. Closing it by interruption (the owner was
 * interrupted) interrupts every task at once.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Context, Duration, Effect, Exit, Option, Scope, Semaphore, Stream } from "effect"
import * as Channel from "effect/Channel"
import { dual } from "effect/Function"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type * as Pull from "effect/Pull"
import { ExecutorShutdownError, InvalidArgumentError, TimeoutError } from "./Errors.ts"
import * as Future from "./Future.ts"
import * as TaskInternal from "./internal/task.ts"
import { forkTask } from "./internal/task.ts"
import { positiveCount, timeoutMillis } from "./internal/validation.ts"

const TypeId = "~@corun/core/Executor" as const

/**
 * Options of `Executor.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /**
   * How many submitted tasks may run at once; the others wait their turn in
   * submission order (Python's `max_workers`). A positive integer or
   * `Infinity`; default `Infinity`, since fibers are cheap.
   */
  readonly maxWorkers?: number | undefined
}

/**
 * Options of `Executor.submit`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SubmitOptions {
  /**
   * The task's name (Python's thread `name`): it names the task's span and
   * is added to its log lines as the `task` annotation.
   */
  readonly name?: string | undefined
  /**
   * A daemon task is not awaited when the executor shuts down or its scope
   * closes: it is interrupted instead (Python's `daemon=True` threads).
   * Default: the submitting task's own daemon flag (`false` outside tasks),
   * as Python threads inherit it from the thread that creates them.
   */
  readonly daemon?: boolean | undefined
}

/**
 * Options of `Executor.map`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MapOptions {
  /**
   * How many items are processed at once (default: the executor's
   * `maxWorkers`, or 16 when that is unbounded). The executor's own bound
   * applies too.
   */
  readonly concurrency?: number | undefined
  /**
   * A deadline for the whole map, counted from when the stream starts: if
   * the next result is not ready by then the stream fails with
   * `TimeoutError` (Python's `executor.map(..., timeout=)`). `Infinity`
   * means none; a negative, NaN or malformed one fails the stream with
   * `InvalidArgumentError` before any item is read.
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * Options of `Executor.shutdown`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ShutdownOptions {
  /** Wait for the submitted (non-daemon) tasks to finish. Default `true`. */
  readonly wait?: boolean | undefined
  /** Cancel the tasks that have not started yet. Default `false`. */
  readonly cancelFutures?: boolean | undefined
}

/**
 * A scoped runner of concurrent tasks.
 *
 * @since 0.1.0
 * @category models
 */
export interface Executor extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The bound on tasks running at once (`Infinity` when unbounded). */
  readonly maxWorkers: number
  /**
   * Starts `effect` as a task and returns its `Future` at once: Python's
   * `executor.submit(fn, *args)`. Fails with `ExecutorShutdownError` after
   * `shutdown`. The task runs with the submitter's services.
   */
  submit<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: SubmitOptions
  ): Effect.Effect<Future.Future<A, E>, ExecutorShutdownError, R>
  /**
   * Applies `f` to every item concurrently and streams the results in input
   * order: Python's `executor.map(fn, iterable, timeout=)`. Lazy and
   * back-pressured: items are read from `items` only as results are
   * consumed, with at most `2 × concurrency` results in flight or buffered.
   * A failure surfaces at its item's position: the values before it are
   * emitted, then the stream fails and the work still in flight is
   * interrupted.
   */
  map<T, A, E, R>(
    items: Iterable<T>,
    f: (item: T, index: number) => Effect.Effect<A, E, R>,
    options?: MapOptions
  ): Stream.Stream<A, E | TimeoutError | ExecutorShutdownError | InvalidArgumentError, R>
  /**
   * Stops accepting tasks: Python's `executor.shutdown(wait, cancel_futures)`.
   * With `cancelFutures` the tasks that have not started are cancelled; with
   * `wait` (the default) it returns once the other non-daemon tasks have
   * finished.
   */
  shutdown(options?: ShutdownOptions): Effect.Effect<void>
  /** Whether `shutdown` has been called (or the scope has closed). */
  readonly isShutdown: Effect.Effect<boolean>
  /**
   * How many submitted tasks have not completed yet (pending or running),
   * daemons included: Python's `threading.active_count()` for this
   * executor's tasks (Python also counts the main thread: add 1).
   */
  readonly pendingCount: Effect.Effect<number>
  /**
   * The futures of the submitted tasks that have not completed yet (pending
   * or running), daemons included: Python's `threading.enumerate()` for this
   * executor's tasks (without the main thread). A snapshot: tasks that finish
   * afterwards stay in the returned array.
   */
  readonly enumerate: Effect.Effect<ReadonlyArray<Future.Future<unknown, unknown>>>
}

class ExecutorImpl implements Executor {
  readonly [TypeId] = TypeId
  pipe() {
    return pipeArguments(this, arguments)
  }
  readonly maxWorkers: number
  readonly semaphore: Semaphore.Semaphore | undefined
  /** The futures of the tasks not yet complete, daemon ones apart. */
  readonly tasks = new Set<Future.Future<any, any>>()
  readonly daemons = new Set<Future.Future<any, any>>()
  closed = false
  /** Set by `interruptAll`: a task registered later is interrupted at once. */
  interrupted = false

  constructor(maxWorkers: number) {
    this.maxWorkers = maxWorkers
    this.semaphore = maxWorkers === Infinity ? undefined : Semaphore.makeUnsafe(maxWorkers)
  }

  submit<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: SubmitOptions
  ): Effect.Effect<Future.Future<A, E>, ExecutorShutdownError, R> {
    return Effect.withFiber((parent) => {
      if (this.closed) return Effect.fail(shutdownError("submit"))
      const name = options?.name
      const current = parent.getRef(CurrentTask)
      // As in Python, a task started by a daemon task is a daemon too.
      const daemon = options?.daemon ?? current?.daemon ?? false
      const future = Future.makeUnsafe<A, E>({ name })
      let task: Effect.Effect<A, E, R> = effect
      if (this.semaphore === undefined) {
        // Unbounded: the task starts as soon as its fiber does.
        Future.setRunningUnsafe(future)
      } else {
        task = this.semaphore.withPermits(1)(Effect.suspend(() => {
          Future.setRunningUnsafe(future)
          return effect
        }))
      }
      const registry = daemon ? this.daemons : this.tasks
      // Fork and register in one uninterruptible step, so an interrupted
      // submitter cannot leave an unregistered task behind. `forkTask` gives
      // the task its identity (lock ownership, `FiberLocal`, its name).
      return Effect.uninterruptible(Effect.map(forkTask(task, name, daemon), (fiber) => {
        registry.add(future)
        Future.attachFiberUnsafe(future, fiber, registry)
        // `interruptAll` may have run since the check above.
        if (this.interrupted) fiber.interruptUnsafe()
        return future
      }))
    })
  }

  map<T, A, E, R>(
    items: Iterable<T>,
    f: (item: T, index: number) => Effect.Effect<A, E, R>,
    options?: MapOptions
  ): Stream.Stream<A, E | TimeoutError | ExecutorShutdownError | InvalidArgumentError, R> {
    // The options are checked before the stream reads any item.
    const concurrency = options?.concurrency === undefined
      ? (this.maxWorkers === Infinity ? 16 : this.maxWorkers)
      : positiveCount(options.concurrency, "concurrency", true)
    if (concurrency instanceof InvalidArgumentError) return Stream.fail(concurrency)
    const millis = timeoutMillis(options?.timeout)
    if (millis instanceof InvalidArgumentError) return Stream.fail(millis)
    return Stream.fromChannel(
      Channel.fromTransform((_upstream, scope) => {
        if (this.closed) return Effect.fail(shutdownError("map"))
        return orderedMap(this, items, f, concurrency, millis, scope)
      })
    )
  }

  shutdown(options?: ShutdownOptions): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      if (options?.cancelFutures === true) {
        for (const registry of [this.tasks, this.daemons]) {
          for (const future of registry) {
            if (Future.stateUnsafe(future) === "pending") Future.cancelUnsafe(future)
          }
        }
      }
      if (options?.wait === false) return Effect.void
      return Effect.forEach(Array.from(this.tasks), (future) => Future.await(future), { discard: true })
    })
  }

  get isShutdown() {
    return Effect.sync(() => this.closed)
  }

  get pendingCount() {
    return Effect.sync(() => this.tasks.size + this.daemons.size)
  }

  get enumerate() {
    return Effect.sync((): ReadonlyArray<Future.Future<unknown, unknown>> => [...this.tasks, ...this.daemons])
  }

  /** Interrupts every task still alive and waits for them to stop. */
  interruptAll(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      this.interrupted = true
      const futures = [...this.tasks, ...this.daemons]
      for (const future of futures) Future.cancelUnsafe(future)
      return Effect.forEach(futures, (future) => Future.await(future), { discard: true })
    })
  }
}

/**
 * What the running task was started as: its name and whether it is a
 * daemon. Every task (`Executor.submit`, `TaskGroup.createTask`, a `Timer`)
 * has its own `TaskInfo` object, which is also its identity.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskInfo = TaskInternal.TaskInfo

/**
 * The current task's name and daemon flag, set for every task by `submit`,
 * `TaskGroup.createTask` and `Timer`, and inherited by the fibers it forks;
 * `undefined` outside any task (the main task).
 *
 * @since 0.1.0
 * @category references
 */
export const CurrentTask: Context.Reference<TaskInfo | undefined> = TaskInternal.CurrentTask

/**
 * The name of the task this fiber runs in, if it was started with one
 * (`Executor.submit` or `TaskGroup.createTask`): Python's
 * `threading.current_thread().name`.
 *
 * @since 0.1.0
 * @category references
 */
export const currentTaskName: Effect.Effect<Option.Option<string>> = Effect.map(
  Effect.service(CurrentTask),
  (task) => Option.fromUndefinedOr(task?.name)
)

const shutdownError = (operation: string) =>
  new ExecutorShutdownError({
    message: `cannot ${operation} after the executor has shut down (shutdown() was called or its scope closed)`
  })

/**
 * Creates an executor that lives as long as the current scope: Python's
 * `with ThreadPoolExecutor(max_workers) as executor:`. Fails with
 * `InvalidArgumentError` when `maxWorkers` is not a positive integer or
 * `Infinity`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: MakeOptions) => Effect.Effect<Executor, InvalidArgumentError, Scope.Scope> = Effect
  .fnUntraced(function*(options?: MakeOptions) {
    const maxWorkers = options?.maxWorkers === undefined
      ? Infinity
      : positiveCount(options.maxWorkers, "maxWorkers", true)
    if (maxWorkers instanceof InvalidArgumentError) return yield* maxWorkers
    const executor = new ExecutorImpl(maxWorkers)
    yield* Effect.addFinalizer((exit) =>
      Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)
        ? executor.interruptAll()
        : Effect.andThen(executor.shutdown({ wait: true }), executor.interruptAll())
    )
    return executor as Executor
  })

/**
 * Starts `effect` on the executor and returns its `Future`: Python's
 * `executor.submit(fn, *args)`.
 *
 * @since 0.1.0
 * @category running
 */
export const submit: {
  <A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: SubmitOptions
  ): (self: Executor) => Effect.Effect<Future.Future<A, E>, ExecutorShutdownError, R>
  <A, E, R>(
    self: Executor,
    effect: Effect.Effect<A, E, R>,
    options?: SubmitOptions
  ): Effect.Effect<Future.Future<A, E>, ExecutorShutdownError, R>
} = dual(
  (args) => isExecutor(args[0]),
  <A, E, R>(self: Executor, effect: Effect.Effect<A, E, R>, options?: SubmitOptions) => self.submit(effect, options)
)

/**
 * Applies `f` to every item concurrently, streaming the results in input
 * order: Python's `executor.map(fn, iterable, timeout=)`.
 *
 * @since 0.1.0
 * @category running
 */
export const map: {
  <T, A, E, R>(
    items: Iterable<T>,
    f: (item: T, index: number) => Effect.Effect<A, E, R>,
    options?: MapOptions
  ): (self: Executor) => Stream.Stream<A, E | TimeoutError | ExecutorShutdownError | InvalidArgumentError, R>
  <T, A, E, R>(
    self: Executor,
    items: Iterable<T>,
    f: (item: T, index: number) => Effect.Effect<A, E, R>,
    options?: MapOptions
  ): Stream.Stream<A, E | TimeoutError | ExecutorShutdownError | InvalidArgumentError, R>
} = dual(
  (args) => isExecutor(args[0]),
  <T, A, E, R>(
    self: Executor,
    items: Iterable<T>,
    f: (item: T, index: number) => Effect.Effect<A, E, R>,
    options?: MapOptions
  ) => self.map(items, f, options)
)

/**
 * Stops accepting tasks and (by default) waits for the submitted ones:
 * Python's `executor.shutdown(wait=True, cancel_futures=False)`.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const shutdown = (self: Executor, options?: ShutdownOptions): Effect.Effect<void> => self.shutdown(options)

/**
 * Whether a value is an `Executor`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isExecutor = (u: unknown): u is Executor => typeof u === "object" && u !== null && TypeId in u

// -----------------------------------------------------------------------------
// Ordered, back-pressured map
// -----------------------------------------------------------------------------

/**
 * The engine of `Executor.map`. `Stream.mapEffect` (and `Effect.forEach`)
 * fork one fiber per item; here `concurrency` worker fibers pull items
 * themselves and run `f` inline, writing each exit into a ring of
 * `2 × concurrency` slots that the consumer drains in input order. That
 * keeps the per-item cost at one `Effect.exit` and no fiber, which is what
 * lets `map` match a hand-written `Effect.forEach` (see `bench/`).
 */
const orderedMap = <T, A, E, R>(
  executor: ExecutorImpl,
  items: Iterable<T>,
  f: (item: T, index: number) => Effect.Effect<A, E, R>,
  concurrency: number,
  /** The checked timeout in milliseconds; `undefined` for none. */
  timeout: number | undefined,
  scope: Scope.Scope
): Effect.Effect<Pull.Pull<readonly [A, ...Array<A>], E | TimeoutError, void, R>, never, R> =>
  Effect.gen(function*() {
    const iterator = items[Symbol.iterator]()
    const window = concurrency === Infinity ? Infinity : concurrency * 2
    // Completed exits waiting to be emitted, by index: a ring of `window`
    // slots (a Map when the window is unbounded).
    const slots = window === Infinity ? new MapSlots<Exit.Exit<A, E>>() : new RingSlots<Exit.Exit<A, E>>(window)
    let nextIndex = 0 // the next item a worker takes
    let emitted = 0 // the next index the consumer emits
    let exhausted = false
    let stopped = false // a failure was seen, or the source threw
    let sourceError: Cause.Cause<never> | undefined
    let consumerWaiting: (() => void) | undefined
    const parkedWorkers: Array<() => void> = []

    const wakeConsumer = () => {
      const resume = consumerWaiting
      if (resume !== undefined) {
        consumerWaiting = undefined
        resume()
      }
    }
    const wakeWorkers = () => {
      // Take the parked workers out first: a resumed worker can run at once
      // and park again, which must not re-enter this loop (it would spin).
      if (parkedWorkers.length === 0) return
      const woken = parkedWorkers.splice(0, parkedWorkers.length)
      for (let i = 0; i < woken.length; i++) woken[i]()
    }
    // Every wait re-checks its condition when it registers: a fiber may yield
    // to the scheduler between its check and its registration.
    const park = Effect.callback<void>((resume) => {
      if (stopped || nextIndex < emitted + window) resume(Effect.void)
      else parkedWorkers.push(() => resume(Effect.void))
    })

    const semaphore = executor.semaphore
    // One worker loop per unit of concurrency. Written as a reusable `step`
    // effect and one continuation per worker (not a generator with a closure
    // per item): the per-item cost is one `matchCauseEffect` and no fiber.
    const makeWorker = (): Effect.Effect<void, never, R> => {
      let index = 0
      const afterItem = (exit: Exit.Exit<A, E>): Effect.Effect<void, never, R> => {
        slots.set(index, exit)
        if (Exit.isFailure(exit)) stopped = true
        if (index === emitted || stopped) wakeConsumer()
        return step
      }
      // One `matchCauseEffect` per item (cheaper than `exit` + `flatMap`).
      const handlers = {
        onSuccess: (value: A) => afterItem(Exit.succeed(value)),
        onFailure: (cause: Cause.Cause<E>) => afterItem(Exit.failCause(cause))
      }
      const runItem = (item: T): Effect.Effect<void, never, R> => {
        let effect: Effect.Effect<A, E, R>
        try {
          effect = f(item, index)
        } catch (defect) {
          effect = Effect.die(defect)
        }
        return semaphore === undefined
          ? Effect.matchCauseEffect(effect, handlers)
          : Effect.flatMap(semaphore.withPermits(1)(Effect.exit(effect)), afterItem)
      }
      const step: Effect.Effect<void, never, R> = Effect.suspend(() => {
        if (stopped || exhausted) return Effect.void
        if (nextIndex >= emitted + window) return Effect.flatMap(park, () => step)
        let next: IteratorResult<T>
        try {
          next = iterator.next()
        } catch (error) {
          stopped = true
          sourceError = Cause.die(error)
          wakeConsumer()
          return Effect.void
        }
        if (next.done === true) {
          exhausted = true
          wakeConsumer()
          return Effect.void
        }
        index = nextIndex++
        return runItem(next.value)
      })
      return step
    }

    const workers = concurrency === Infinity ? 1024 : concurrency
    for (let i = 0; i < workers; i++) {
      yield* Effect.forkIn(makeWorker(), scope)
    }

    const deadline = timeout === undefined ? undefined : (yield* Clock.currentTimeMillis) + timeout
    let pendingFailure: Cause.Cause<E> | undefined

    const waitForProgress: Effect.Effect<void> = Effect.callback<void>((resume) => {
      if (slots.has(emitted) || ((sourceError !== undefined || exhausted) && emitted === nextIndex)) {
        return resume(Effect.void)
      }
      consumerWaiting = () => resume(Effect.void)
      return Effect.sync(() => {
        consumerWaiting = undefined
      })
    })

    const waitWithDeadline: Effect.Effect<void, TimeoutError> = deadline === undefined
      ? waitForProgress
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.timeoutOrElse(waitForProgress, {
          duration: Math.max(0, deadline - now),
          orElse: () =>
            Effect.fail(
              new TimeoutError(
                `Executor.map: result ${emitted} was not ready within ${Duration.format(Duration.millis(timeout!))}`
              )
            )
        }))

    const pull: Pull.Pull<readonly [A, ...Array<A>], E | TimeoutError, void, R> = Effect.suspend(() => {
      if (pendingFailure !== undefined) return Effect.failCause(pendingFailure)
      const chunk: Array<A> = []
      while (true) {
        const exit = slots.take(emitted)
        if (exit === undefined) break
        emitted++
        if (Exit.isFailure(exit)) {
          pendingFailure = exit.cause
          break
        }
        chunk.push(exit.value)
      }
      if (chunk.length > 0) {
        wakeWorkers()
        return Effect.succeed(chunk as unknown as readonly [A, ...Array<A>])
      }
      if (pendingFailure !== undefined) return Effect.failCause(pendingFailure)
      // The source failed after the items already read: those come first.
      if (sourceError !== undefined && emitted === nextIndex) return Effect.failCause(sourceError)
      if (exhausted && emitted === nextIndex) return Cause.done()
      // After a wake-up, let the other workers that are ready run first, so
      // that one pull collects a whole batch instead of a single result.
      return Effect.flatMap(waitWithDeadline, () => Effect.flatMap(Effect.yieldNow, () => pull))
    })
    return pull
  })

class RingSlots<A> {
  readonly ring: Array<A | undefined>
  readonly size: number
  constructor(size: number) {
    this.size = size
    this.ring = new Array(size).fill(undefined)
  }
  set(index: number, value: A) {
    this.ring[index % this.size] = value
  }
  has(index: number) {
    return this.ring[index % this.size] !== undefined
  }
  take(index: number): A | undefined {
    const slot = index % this.size
    const value = this.ring[slot]
    this.ring[slot] = undefined
    return value
  }
}

class MapSlots<A> {
  readonly map = new Map<number, A>()
  set(index: number, value: A) {
    this.map.set(index, value)
  }
  has(index: number) {
    return this.map.has(index)
  }
  take(index: number): A | undefined {
    const value = this.map.get(index)
    this.map.delete(index)
    return value
  }
}
