/**
 * The task of `pool-foo-bar-callback.ts`: Python's `Foo(i)` (sleep, then
 * return `i + 100`). Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** One tutorial second, in milliseconds here (`time.sleep(2)` → 200 ms). */
export const SECOND = 100

export const Foo = Task.make("Foo", {
  input: Schema.Number,
  output: Schema.Number,
  run: (i) => Effect.as(Effect.sleep(2 * SECOND), i + 100)
})
