/**
 * Shared helpers of the coroutine-layer tests: counters of running tasks
 * (current and peak), start order, finalizers run.
 */
import { Cause, Effect, Exit, Option } from "effect"

export interface Probe {
  /** Tasks running now. */
  running: number
  /** The most tasks seen running at once. */
  peak: number
  /** Ids, in the order their tasks started. */
  readonly started: Array<unknown>
  /** Ids, in the order their tasks ended (any way). */
  readonly ended: Array<unknown>
  /** Ids of tasks that ended by interruption. */
  readonly interrupted: Array<unknown>
}

export const makeProbe = () => {
  const probe: Probe = { running: 0, peak: 0, started: [], ended: [], interrupted: [] }
  /** Wraps a task body: counts it as running from its first step until its finalizer. */
  const track = <A, E, R>(id: unknown, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      probe.running++
      probe.peak = Math.max(probe.peak, probe.running)
      probe.started.push(id)
      return effect
    }).pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          probe.running--
          probe.ended.push(id)
          if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) probe.interrupted.push(id)
        })
      )
    )
  return { probe, track }
}

/** The typed error of a failed exit, if any. */
export const errorOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

/** Whether an exit is an interruption and nothing else. */
export const isInterruptedOnly = <A, E>(exit: Exit.Exit<A, E> | undefined): boolean =>
  exit !== undefined && Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)
