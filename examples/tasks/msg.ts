/**
 * The tasks of `pool-apply-async-vs-apply.ts` and `pool-apply-async-get.ts`:
 * Python's `func(msg)` (print, sleep 3 s, print "end"). Erasable TypeScript
 * only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** One tutorial second, in milliseconds here (`time.sleep(3)` → 300 ms). */
export const SECOND = 100

/** `func(msg)` returning `"done" + msg` (the `get()` program). */
export const func = Task.make("func", {
  input: Schema.String,
  output: Schema.String,
  run: (msg) =>
    Effect.gen(function*() {
      console.log("msg:", msg)
      yield* Effect.sleep(3 * SECOND)
      console.log("end")
      return "done" + msg
    })
})

/**
 * `func(msg)` of the `apply` / `apply_async` programs (which return nothing),
 * reporting when it started and ended (`Date.now()`, shared by every thread
 * and process) so that the example can check which tasks overlapped.
 */
export const timedFunc = Task.make("timedFunc", {
  input: Schema.String,
  output: Schema.Struct({ msg: Schema.String, start: Schema.Number, end: Schema.Number }),
  run: (msg) =>
    Effect.gen(function*() {
      const start = Date.now()
      console.log("msg:", msg)
      yield* Effect.sleep(3 * SECOND)
      console.log("end")
      return { msg, start, end: Date.now() }
    })
})
