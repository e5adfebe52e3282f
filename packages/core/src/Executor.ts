/**
 * An `Executor` runs submitted Effects concurrently on fibers and hands back
 * `Future`s: Python's `concurrent.futures.ThreadPoolExecutor`, with fibers in
 * place of threads.
 *
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Stream from "effect/Stream"
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
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import { type ExecutorShutdownError, InvalidArgumentError, TimeoutError } from "./Errors.ts"
import * as Future from "./Future.ts"
import * as Lifecycle from "./internal/executorLifecycle.ts"
import * as FutureInternal from "./internal/future.ts"
import * as ResultWindow from "./internal/resultWindow.ts"
import * as TaskInternal from "./internal/task.ts"
import { forkTask } from "./internal/task.ts"
import { invalidArgument, positiveCount, timeoutMillis } from "./internal/validation.ts"
import * as Progress from "./Progress.ts"

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
  /**
   * A tracker that counts the items as they end (`Progress.make`): done,
   * failed, total, rate and ETA, as a value and a stream — what a progress
   * bar needs (`ProgressBar.render` in `@corun/node`). The total is known
   * at once for an array, else it grows as the items are read; the tracker
   * finishes when the stream ends.
   */
  readonly progress?: Progress.Progress | undefined
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
   * consumed, with at most `2 × concurrency` items started and not yet
   * consumed. Each item runs as a task of the executor (its own `TaskInfo`;
   * counted by `pendingCount`, listed by `enumerate`, awaited by `shutdown`,
   * cancelled when the executor's owner is interrupted) and counts against
   * `maxWorkers`. A failure surfaces at its item's position: the values
   * before it are emitted, then the stream fails and the work still in
   * flight is interrupted; a cancelled item ends the stream at its position
   * with the interruption (Python raises `CancelledError` there). Unlike
   * Python's map, which submits every item up front, a map still running
   * when `shutdown` is called goes on reading items until its stream ends.
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
  readonly lifecycle: Lifecycle.ExecutorLifecycle

  constructor(maxWorkers: number, lifecycle: Lifecycle.ExecutorLifecycle) {
    this.maxWorkers = maxWorkers
    this.semaphore = maxWorkers === Infinity ? undefined : Semaphore.makeUnsafe(maxWorkers)
    this.lifecycle = lifecycle
  }

  submit<A, E, R>(
    effect: Effect.Effect<A, E, R>,
    options?: SubmitOptions
  ): Effect.Effect<Future.Future<A, E>, ExecutorShutdownError, R> {
    return Effect.withFiber((parent) => {
      const lifecycle = this.lifecycle
      if (lifecycle.closed) return Effect.fail(lifecycle.shutdownError("submit"))
      const name = options?.name
      // As in Python, a task started by a daemon task is a daemon too.
      const daemon = options?.daemon ?? parent.getRef(CurrentTask)?.daemon ?? false
      const future = FutureInternal.makeUnsafe<A, E>({ name })
      let task: Effect.Effect<A, E, R> = effect
      if (this.semaphore === undefined) {
        // Unbounded: the task starts as soon as its fiber does.
        FutureInternal.setRunningUnsafe(future)
      } else {
        task = this.semaphore.withPermits(1)(Effect.suspend(() => {
          FutureInternal.setRunningUnsafe(future)
          return effect
        }))
      }
      // Fork and register in one uninterruptible step, so an interrupted
      // submitter cannot leave an unregistered task behind. `forkTask` gives
      // the task its identity (lock ownership, `FiberLocal`, its name).
      return Effect.uninterruptible(Effect.map(forkTask(task, name, daemon), (fiber) => {
        const accepted = lifecycle.add(future, daemon)
        FutureInternal.attachFiberUnsafe(future, fiber, lifecycle.registry(daemon))
        if (!accepted) fiber.interruptUnsafe()
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
    const progress = options?.progress
    if (progress !== undefined && !Progress.isProgress(progress)) {
      return Stream.fail(invalidArgument("progress", progress, "a Progress tracker (Progress.make())"))
    }
    // Whoever watches the tracker sees a map refused for its options end.
    const refuse = (error: InvalidArgumentError) => {
      progress?.finish()
      return Stream.fail(error)
    }
    const concurrency = options?.concurrency === undefined
      ? (this.maxWorkers === Infinity ? 16 : this.maxWorkers)
      : positiveCount(options.concurrency, "concurrency", true)
    if (concurrency instanceof InvalidArgumentError) return refuse(concurrency)
    const millis = timeoutMillis(options?.timeout)
    if (millis instanceof InvalidArgumentError) return refuse(millis)
    const results = ResultWindow.stream<T, A, E, TimeoutError | ExecutorShutdownError, R>({
      items: progress === undefined || Array.isArray(items) ? items : tallied(items, progress),
      ordered: true,
      // Room for a second batch of results while the consumer handles one.
      window: concurrency === Infinity ? Infinity : concurrency * 2,
      timeout: millis,
      onTimeout: (window) =>
        new TimeoutError(
          `Executor.map: result ${window.delivered} was not ready within ${Duration.format(Duration.millis(millis!))}`
        ),
      drive: (window, scope) =>
        Effect.withFiber((parent) => {
          const lifecycle = this.lifecycle
          if (lifecycle.closed) return Effect.fail(lifecycle.shutdownError("map"))
          // As with `submit`, the items of a map started by a daemon task are daemons.
          const tasks = new MapTasks(parent.getRef(CurrentTask)?.daemon ?? false)
          lifecycle.sources.add(tasks)
          // At most `concurrency` workers; on a bounded executor each holds
          // one of its permits for its whole life, so a map never runs more
          // items at once than the executor has free workers, and pays for
          // the semaphore once per worker rather than once per item.
          const bound = Math.min(concurrency, this.maxWorkers)
          const semaphore = this.semaphore
          if (progress !== undefined && Array.isArray(items)) progress.addTotal(items.length)
          return Effect.andThen(
            // Added before the workers are forked, so it runs after they stop.
            Scope.addFinalizer(scope, Effect.sync(() => lifecycle.sources.delete(tasks))),
            ResultWindow.forkWorkers(
              window,
              scope,
              bound === Infinity ? 1024 : bound,
              () => mapItemRunner(lifecycle, tasks, f, progress),
              semaphore === undefined ? undefined : semaphore.withPermits(1)
            )
          )
        })
    })
    return progress === undefined ? results : Stream.ensuring(results, Effect.sync(() => progress.finish()))
  }

  shutdown(options?: ShutdownOptions): Effect.Effect<void> {
    return this.lifecycle.shutdown(options)
  }

  get isShutdown() {
    return Effect.sync(() => this.lifecycle.closed)
  }

  get pendingCount() {
    return Effect.sync(() => this.lifecycle.size)
  }

  get enumerate() {
    return Effect.sync((): ReadonlyArray<Future.Future<unknown, unknown>> => this.lifecycle.enumerate())
  }
}

/**
 * The items of one running `Executor.map`, as tasks of the executor. Each
 * item is a task of its own — a fresh `TaskInfo` (its identity: lock
 * ownership, `FiberLocal` values), counted by `pendingCount`, listed by
 * `enumerate`, awaited by `shutdown` and cancelled by `interruptAll` — but it
 * runs inline in one of the map's worker fibers, which becomes each of its
 * tasks in turn by swapping the `CurrentTask` entry of its context
 * (`Context.add` on the worker's base context is one overlay node and keeps
 * the fiber's context cache: no fiber and no registry entry per item). An
 * item's `Future` is made only when someone asks for it (`enumerate`,
 * `shutdown`, `interruptAll`); cancelling it interrupts the item's worker,
 * which records the interruption at the item's position (the map then ends
 * there, as Python's map raises `CancelledError` at a cancelled item).
 */
class MapTasks implements Lifecycle.TaskSource {
  readonly workers: Array<MapWorker> = []
  readonly daemon: boolean
  /** `shutdown({ cancelFutures: true })` ran: the items not started yet are cancelled. */
  pendingCancelled = false
  cancelPending() {
    this.pendingCancelled = true
  }
  constructor(daemon: boolean) {
    this.daemon = daemon
  }
  get size() {
    let size = 0
    for (const worker of this.workers) if (worker.task !== undefined) size++
    return size
  }
  live(into: Array<Future.Future<any, any>>) {
    for (const worker of this.workers) {
      if (worker.task === undefined) continue
      if (worker.future === undefined) {
        const future = FutureInternal.makeUnsafe<any, any>({ cancel: worker.cancel })
        FutureInternal.setRunningUnsafe(future)
        worker.future = future
      }
      into.push(worker.future)
    }
  }
}

class MapWorker {
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined
  base: Context.Context<never> | undefined = undefined
  /** The task it is running now. */
  task: TaskInfo | undefined = undefined
  /** That task's future, once someone asked for it. */
  future: Future.Future<any, any> | undefined = undefined
  // A completed future ignores cancels, so this can only reach the item the
  // worker is running.
  readonly cancel = () => this.fiber!.interruptUnsafe()
}

const CurrentTaskKey = TaskInternal.CurrentTask.key

/** `items`, adding each one to the tracker's total as it is read (an iterable of unknown length). */
const tallied = <T>(items: Iterable<T>, progress: Progress.Progress): Iterable<T> => ({
  [Symbol.iterator]: () => {
    const iterator = items[Symbol.iterator]()
    return {
      next: () => {
        const next = iterator.next()
        if (next.done !== true) progress.addTotal(1)
        return next
      },
      return: (value?: unknown) => iterator.return?.(value) ?? { done: true, value: undefined }
    }
  }
})

const mapItemRunner = <T, A, E, R>(
  lifecycle: Lifecycle.ExecutorLifecycle,
  tasks: MapTasks,
  f: (item: T, index: number) => Effect.Effect<A, E, R>,
  progress: Progress.Progress | undefined
): ResultWindow.ItemRunner<T, A, E, R> => {
  const worker = new MapWorker()
  tasks.workers.push(worker)
  const daemon = tasks.daemon
  return {
    run: (item, index, fiber) => {
      if (worker.fiber === undefined) {
        worker.fiber = fiber
        worker.base = fiber.context
      }
      const task: TaskInfo = { name: undefined, daemon }
      worker.task = task
      // After `interruptAll` no task starts (it cannot be cancelled from
      // here: an interrupted worker would skip the handler that ends the task).
      // Nor after `shutdown({ cancelFutures: true })`: Python's map submitted
      // every item up front, and cancel_futures cancels those not started;
      // the map then fails at the first of them, as Python's raises
      // `CancelledError` there.
      if (lifecycle.interrupted || tasks.pendingCancelled) return Effect.interrupt
      // `addUnsafe` skips `Context.add`'s argument-count dispatch (a hot path).
      fiber.setContext(Context.addUnsafe(worker.base!, CurrentTaskKey, task))
      return f(item, index)
    },
    done: (value, cause) => {
      worker.task = undefined
      // An interrupted item counts neither way (the map is being stopped).
      if (progress !== undefined) {
        if (cause === undefined) progress.record(1, 0)
        else if (!Cause.hasInterruptsOnly(cause)) progress.record(0, 1)
      }
      const future = worker.future
      if (future !== undefined) {
        worker.future = undefined
        FutureInternal.completeUnsafe(future, cause === undefined ? Exit.succeed(value as A) : Exit.failCause(cause))
      }
    }
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
    return new ExecutorImpl(maxWorkers, yield* Lifecycle.make) as Executor
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

/**
 * The `Executor` as a service, for code that takes its executor from the
 * context rather than making one (a service's handlers sharing one bounded
 * executor): `yield* Executor.ExecutorService`.
 *
 * @since 0.1.0
 * @category services
 */
export class ExecutorService extends Context.Service<ExecutorService, Executor>()("@corun/core/Executor") {}

/**
 * A layer providing `ExecutorService`: an executor made with `options`
 * that lives as long as the layer; its release waits for the submitted
 * tasks (Python's `with ThreadPoolExecutor(...)`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: MakeOptions): Layer.Layer<ExecutorService, InvalidArgumentError> =>
  Layer.effect(ExecutorService, make(options))
