/**
 * corun's tasks for bench/pool.bench.ts (loaded by the pool's workers):
 * the no-op task and one slice of the 8-slice sum (the same loop as the
 * peers' worker scripts). Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const noop = Task.make("noop", {
  input: Schema.Number,
  output: Schema.Number,
  run: (n) => Effect.succeed(n)
})

export const sum = Task.make("sum", {
  input: Schema.Struct({ from: Schema.Number, to: Schema.Number }),
  output: Schema.Number,
  run: ({ from, to }) =>
    Effect.sync(() => {
      let total = 0
      for (let n = from; n < to; n++) total += n
      return total
    })
})

/** Reports that it started, then loops without yielding for `ms` (only terminating its worker stops it early). */
export const spin = Task.make("spin", {
  input: Schema.Number,
  output: Schema.Number,
  progress: Schema.Literal("started"),
  run: (ms, ctx) =>
    Effect.andThen(
      ctx.progress("started"),
      Effect.sync(() => {
        const end = Date.now() + ms
        let n = 0
        while (Date.now() < end) n++
        return n
      })
    )
})

/** Reports that it started, then sleeps (yields) for `ms`: interrupting it stops it inside its worker. */
export const nap = Task.make("nap", {
  input: Schema.Number,
  output: Schema.Number,
  progress: Schema.Literal("started"),
  run: (ms, ctx) => Effect.andThen(ctx.progress("started"), Effect.as(Effect.sleep(ms), ms))
})
