/**
 * The task of `pool-long-time-task.ts`: Python's `long_time_task(name)`,
 * which prints its pid, sleeps a random time and reports how long it ran.
 * It also returns its pid and start/end times so that the example can check
 * the pool's behaviour. Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** `time.sleep(random.random() * 3)` → `random() * 3 * SCALE` seconds. */
export const SCALE = 0.1

export const longTimeTask = Task.make("long_time_task", {
  input: Schema.Number,
  output: Schema.Struct({ name: Schema.Number, pid: Schema.Number, start: Schema.Number, end: Schema.Number }),
  run: (name) =>
    Effect.gen(function*() {
      console.log(`Run task ${name} (${process.pid})...`)
      const start = Date.now()
      yield* Effect.sleep(Math.round(Math.random() * 3 * SCALE * 1000))
      const end = Date.now()
      console.log(`Task ${name} runs ${((end - start) / 1000).toFixed(2)} seconds.`)
      return { name, pid: process.pid, start, end }
    })
})
