/**
 * Tasks of the CPU-bound examples, loaded by the pool's workers:
 * `pool-sum-8-slices.ts` (the sum of 1..100,000,000 in slices),
 * `tracing-opentelemetry.ts` (the same sum, traced) and
 * `process-count-workers-vs-fibers.ts` (counting to 100,000,000).
 * Erasable TypeScript only: workers load it with Node's type stripping.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { threadId } from "node:worker_threads"

/** The sum of the integers `from`, `from + 1`, …, `to - 1` (one slice of the big sum). */
export const sumRange = (from: number, to: number): number => {
  let total = 0
  for (let n = from; n < to; n++) total += n
  return total
}

/** Where (thread id, pid) and when (`start`/`end`, ms since the epoch, comparable between threads and processes) a task ran. */
const Ran = {
  threadId: Schema.Number,
  pid: Schema.Number,
  start: Schema.Number,
  end: Schema.Number
}

/** Runs `f`, and reports its value as `value` with where and when it ran. */
const reportingWhereAndWhen = <A>(f: () => A) => {
  const start = performance.timeOrigin + performance.now()
  const value = f()
  return { value, threadId, pid: process.pid, start, end: performance.timeOrigin + performance.now() }
}

/**
 * Python's `task_handler(curr_list, result_queue)`: adds up one slice (sent
 * as its bounds, not as a list); reports where and when it ran too.
 */
export const sumSlice = Task.make("sumSlice", {
  input: Schema.Struct({ from: Schema.Number, to: Schema.Number }),
  output: Schema.Struct({ value: Schema.Number, ...Ran }),
  run: ({ from, to }) => Effect.sync(() => reportingWhereAndWhen(() => sumRange(from, to)))
})

/** One half of a slice, in a span of its own (`Effect.fn`): its bounds are the span's attributes. */
const addUp = Effect.fn("addUp")(function*(from: number, to: number) {
  yield* Effect.annotateCurrentSpan({ from, to })
  return sumRange(from, to)
})

/**
 * `sumSlice` for the traced example: the slice in two halves, each in a span
 * (`addUp`). Called inside a span, the pool makes the task's span a child of
 * the caller's, and these two its children.
 */
export const sumSliceTraced = Task.make("sumSliceTraced", {
  input: Schema.Struct({ from: Schema.Number, to: Schema.Number }),
  output: Schema.Number,
  run: ({ from, to }) =>
    Effect.gen(function*() {
      const middle = Math.floor((from + to) / 2)
      return (yield* addUp(from, middle)) + (yield* addUp(middle, to))
    })
})

/** The body of Python's `pstart(arg)`: `var += 1` a given number of times (100,000,000 in the tutorial). */
export const countUp = (times: number): number => {
  let v = 0
  for (let i = 0; i < times; i++) v += 1
  return v
}

/**
 * Python's `pstart(arg)` as a pool task: counts (`value`), and reports where
 * and when the count ran, for the example's checks.
 */
export const pstart = Task.make("pstart", {
  input: Schema.Number,
  output: Schema.Struct({ value: Schema.Number, ...Ran }),
  run: (times) => Effect.sync(() => reportingWhereAndWhen(() => countUp(times)))
})
