/**
 * The task of `cluster-task-master.ts` / `cluster-task-worker.ts`: the
 * tutorial's `task_worker.py` loop body, `r = '%d * %d = %d' % (n, n, n*n)`
 * after `time.sleep(1)`. Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** The tutorial's one second of work, shortened (`time.sleep(1)` → 100 ms). */
export const WORK = "100 millis"

/** `n * n = n²`, as the tutorial's worker puts it into the result queue. */
export const squareReport = Task.make("squareReport", {
  input: Schema.Number,
  output: Schema.String,
  run: (n) =>
    Effect.gen(function*() {
      yield* Effect.sleep(WORK)
      return `${n} * ${n} = ${n * n}`
    })
})
