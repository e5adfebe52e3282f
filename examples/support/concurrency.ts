/**
 * Evidence of concurrency that does not depend on how fast the machine is:
 * a gauge counting how many of some activity are in progress at once (and
 * the most it saw), and the same count over intervals recorded elsewhere
 * (in workers, in child processes).
 *
 * The examples check these instead of elapsed times: a busy machine makes
 * everything slower, but it cannot make two downloads that were in flight
 * together look sequential, nor five runners under a `BoundedSemaphore(5)`
 * become six.
 *
 * Not a program itself (the harness runs only the top-level `examples/*.ts`).
 */
import * as Effect from "effect/Effect"

/** Something that ran from `start` to `end` (milliseconds on one clock). */
export interface Interval {
  readonly start: number
  readonly end: number
}

/**
 * The largest number of `intervals` in progress at one instant (an interval
 * holds `start` but not `end`, so one that starts when another ends does not
 * overlap it).
 */
export const mostAtOnce = (intervals: ReadonlyArray<Interval>): number => {
  // Sweep the ends before the starts at equal times (half-open intervals).
  const events = intervals.flatMap(({ end, start }) => [[start, 1], [end, -1]] as const)
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let most = 0
  for (const [, step] of events) {
    now += step
    most = Math.max(most, now)
  }
  return most
}

/** Counts how many runs of some effect are in progress, and remembers the most at once. */
export interface Gauge {
  /** Runs in progress now. */
  readonly current: number
  /** The most runs that were in progress at once. */
  readonly peak: number
  /** `effect`, counted as in progress from its start until it ends (in any way). */
  readonly track: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** A new `Gauge`, at zero. */
export const makeGauge = (): Gauge => {
  let current = 0
  let peak = 0
  return {
    get current() {
      return current
    },
    get peak() {
      return peak
    },
    track: (effect) =>
      Effect.suspend(() => {
        current++
        peak = Math.max(peak, current)
        return Effect.ensuring(effect, Effect.sync(() => current--))
      })
  }
}
