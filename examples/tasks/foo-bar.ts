/**
 * The task of `pool-foo-bar-callback.ts`: Python's `Foo(i)` (sleep, then
 * return `i + 100`). Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** One tutorial second, in milliseconds here (`time.sleep(2)` → 200 ms). */
export const SECOND = 100

/**
 * `Foo(i)`: sleeps, then returns `i + 100` as `value`, with when it started
 * and ended (`Date.now()` in the worker) for the example's check that five
 * ran at once.
 */
export const Foo = Task.make("Foo", {
  input: Schema.Number,
  output: Schema.Struct({ value: Schema.Number, start: Schema.Number, end: Schema.Number }),
  run: (i) =>
    Effect.gen(function*() {
      const start = Date.now()
      yield* Effect.sleep(2 * SECOND)
      return { value: i + 100, start, end: Date.now() }
    })
})
