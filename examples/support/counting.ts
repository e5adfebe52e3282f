/**
 * The CPU-bound loop of the GIL programs (`var += 1` a hundred million
 * times) on a fiber, cut into slices between which the fiber yields (as the
 * GIL switches threads), with a log of where and when each slice ran.
 *
 * The log is what those examples check: which thread counted, and in what
 * order the slices of two counts ran (one after the other, or taking turns).
 * Durations are printed for the reader, never checked: they depend on what
 * else the machine is doing.
 *
 * Not a program itself (the harness runs only the top-level `examples/*.ts`).
 */
import { Effect } from "effect"
import { threadId } from "node:worker_threads"

/** One slice of a count: who counted, on which thread, from when to when (ms, `performance.now()`). */
export interface Slice {
  readonly counter: string
  readonly threadId: number
  readonly start: number
  readonly end: number
}

/**
 * `var += 1` `additions` times, yielding to the other fibers every
 * `switchEvery` additions; each slice is appended to `log` under `counter`.
 */
export const countOnFiber = (
  counter: string,
  additions: number,
  switchEvery: number,
  log: Array<Slice>
): Effect.Effect<number> =>
  Effect.gen(function*() {
    let v = 0
    for (let i = 0; i < additions; i += switchEvery) {
      const start = performance.now()
      for (let j = 0; j < switchEvery; j++) v += 1
      log.push({ counter, threadId, start, end: performance.now() })
      yield* Effect.yieldNow
    }
    return v
  })

/** The slices of one counter, in the order they ran. */
export const slicesOf = (log: ReadonlyArray<Slice>, counter: string): ReadonlyArray<Slice> =>
  log.filter((slice) => slice.counter === counter)

const positions = (log: ReadonlyArray<Slice>, counter: string): Array<number> =>
  log.flatMap((slice, i) => slice.counter === counter ? [i] : [])

/** Whether every slice of the log ran on the main thread (`threadId` 0). */
export const allOnMainThread = (log: ReadonlyArray<Slice>): boolean => log.every((slice) => slice.threadId === 0)

/**
 * Whether the counts `a` and `b` took turns: each started before the other
 * had finished (the two advanced together, as two threads do).
 */
export const tookTurns = (log: ReadonlyArray<Slice>, a: string, b: string): boolean => {
  const [pa, pb] = [positions(log, a), positions(log, b)]
  return pa.length > 0 && pb.length > 0 && pa[0] < pb[pb.length - 1] && pb[0] < pa[pa.length - 1]
}

/** Whether every slice of `a` ran before the first slice of `b` (one after the other). */
export const ranBefore = (log: ReadonlyArray<Slice>, a: string, b: string): boolean => {
  const [pa, pb] = [positions(log, a), positions(log, b)]
  return pa.length > 0 && pb.length > 0 && pa[pa.length - 1] < pb[0]
}

/**
 * Whether no two slices of the log ran at the same instant: on one thread,
 * one slice ends before the next one starts.
 */
export const neverAtOnce = (log: ReadonlyArray<Slice>): boolean => {
  const byStart = [...log].sort((x, y) => x.start - y.start)
  return byStart.every((slice, i) => i === 0 || slice.start >= byStart[i - 1].end)
}
