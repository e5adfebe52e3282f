/**
 * The lifecycle every corun executor shares — the fiber `Executor` and the
 * pool's `ProcessPoolExecutor` (`Pool.makeExecutor`): a registry of the live
 * tasks (their futures, daemon ones apart), the closed flag, Python's
 * `shutdown(wait, cancel_futures)`, and the scope finaliser that plays the end
 * of Python's `with` block.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Scope from "effect/Scope"
import { ExecutorShutdownError } from "../Errors.ts"
import * as Future from "../Future.ts"
import * as FutureInternal from "./future.ts"
import { Registry } from "./registry.ts"

/** Options of `shutdown`: Python's `shutdown(wait=True, cancel_futures=False)`. */
export interface ShutdownOptions {
  readonly wait?: boolean | undefined
  readonly cancelFutures?: boolean | undefined
}

/**
 * Live tasks that are not registered one by one: `Executor.map`'s items,
 * which its worker fibers run one after another. The source makes their
 * futures only when asked (by `enumerate`, `shutdown` or `interruptAll`), so
 * an item nobody looks at costs no `Future` and no registry entry.
 */
export interface TaskSource {
  /** The tasks are daemons (not awaited by `shutdown`). */
  readonly daemon: boolean
  /** How many of its tasks are live now. */
  readonly size: number
  /** Appends the futures of its live tasks to `into`. */
  readonly live: (into: Array<Future.Future<any, any>>) => void
  /**
   * `shutdown({ cancelFutures: true })`: the tasks it has not started yet
   * are cancelled (it starts no more), as Python cancels the map's pending
   * futures.
   */
  readonly cancelPending: () => void
}

/** The live tasks of one executor and whether it still accepts work. */
export class ExecutorLifecycle {
  /** The futures of the non-daemon tasks not yet complete. */
  readonly tasks = new Registry<Future.Future<any, any>>()
  /** The futures of the daemon tasks not yet complete. */
  readonly daemons = new Registry<Future.Future<any, any>>()
  /** Sources of live tasks (running maps). */
  readonly sources = new Set<TaskSource>()
  /** `shutdown` was called or the scope closed: no new task is accepted. */
  closed = false
  /** Set by `interruptAll`: a task registered later is cancelled at once. */
  interrupted = false

  /** The set a task's future belongs to while it is live. */
  registry(daemon: boolean): Registry<Future.Future<any, any>> {
    return daemon ? this.daemons : this.tasks
  }

  /**
   * Registers a live task. Call it in the step that starts the task, so that
   * no task escapes `shutdown`; the caller removes it when it completes
   * (`remove`, or the registry given to `FutureInternal.attachFiberUnsafe`). Returns
   * `false` when `interruptAll` has run (possibly since the caller checked
   * `closed`): the caller must then stop the task at once. (It is not
   * cancelled here: a worker fiber that cancelled itself synchronously would
   * skip the handler that completes the task's future.)
   */
  add(future: Future.Future<any, any>, daemon: boolean): boolean {
    this.registry(daemon).add(future)
    return !this.interrupted
  }

  /** Removes a task that has completed. */
  remove(future: Future.Future<any, any>, daemon: boolean): void {
    this.registry(daemon).delete(future)
  }

  /** Registers a task and removes it when its future completes. */
  track(future: Future.Future<any, any>, daemon: boolean): void {
    if (!this.add(future, daemon)) Future.cancelUnsafe(future)
    FutureInternal.observeUnsafe(future, () => this.remove(future, daemon))
  }

  /** How many tasks are live, daemons included. */
  get size(): number {
    let size = this.tasks.size + this.daemons.size
    for (const source of this.sources) size += source.size
    return size
  }

  /** A snapshot of the live tasks' futures (daemons too unless `daemons` is false). */
  enumerate(daemons = true): Array<Future.Future<unknown, unknown>> {
    const futures: Array<Future.Future<unknown, unknown>> = [...this.tasks]
    for (const source of this.sources) {
      if (daemons || !source.daemon) source.live(futures)
    }
    if (daemons) { for (const future of this.daemons) futures.push(future) }
    return futures
  }

  /** The error of an operation refused after shutdown. */
  shutdownError(operation: string): ExecutorShutdownError {
    return new ExecutorShutdownError({
      message: `cannot ${operation} after the executor has shut down (shutdown() was called or its scope closed)`
    })
  }

  /**
   * Python's `executor.shutdown(wait, cancel_futures)`: stops accepting
   * tasks; with `cancelFutures` the tasks not started yet are cancelled; with
   * `wait` (the default) it returns once the non-daemon tasks live now have
   * completed.
   */
  shutdown(options?: ShutdownOptions): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      if (options?.cancelFutures === true) {
        for (const source of this.sources) source.cancelPending()
        for (const future of this.enumerate()) {
          if (Future.stateUnsafe(future) === "pending") Future.cancelUnsafe(future)
        }
      }
      if (options?.wait === false) return Effect.void
      return awaitAll(this.enumerate(false))
    })
  }

  /** Cancels every live task, daemon or not, and waits until they have stopped. */
  interruptAll(): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.closed = true
      this.interrupted = true
      const futures = this.enumerate()
      for (const future of futures) Future.cancelUnsafe(future)
      return awaitAll(futures)
    })
  }

  /**
   * The end of Python's `with executor:` block, as a scope finaliser. A scope
   * closed by interruption (the owner was interrupted) cancels every task at
   * once; otherwise — success or failure, as Python's `__exit__` calls
   * `shutdown(wait=True)` in both — it waits for the non-daemon tasks, then
   * cancels the daemons.
   */
  finalize(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)
      ? this.interruptAll()
      : Effect.andThen(this.shutdown({ wait: true }), this.interruptAll())
  }
}

const awaitAll = (futures: ReadonlyArray<Future.Future<unknown, unknown>>): Effect.Effect<void> =>
  Effect.forEach(futures, (future) => Future.await(future), { discard: true })

/** A lifecycle bound to the current scope: its finaliser runs when the scope closes. */
export const make: Effect.Effect<ExecutorLifecycle, never, Scope.Scope> = Effect.suspend(() => {
  const lifecycle = new ExecutorLifecycle()
  return Effect.as(Effect.addFinalizer((exit) => lifecycle.finalize(exit)), lifecycle)
})
