/**
 * The no-op and sum tasks of `tasks.ts`, written against `effect/Effect` and
 * `effect/Schema` subpaths and `Task.ts` itself instead of the `effect` and
 * `@corun/core` barrels: used by `startup-probe.ts` to measure what the
 * barrels cost a worker's start-up. (`@corun/core` has no `Task` subpath
 * export, hence the relative import.)
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Task from "../../packages/core/src/Task.ts"

export const noop = Task.make("noop", {
  input: Schema.Number,
  output: Schema.Number,
  run: (n) => Effect.succeed(n)
})
