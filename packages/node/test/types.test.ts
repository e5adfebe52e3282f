/**
 * Type tests of `@corun/node`: what its API promises at the type level.
 * `pnpm typecheck` type-checks this file, so a signature that refuses a form
 * the README documents fails the build; the `expectTypeOf` calls do nothing
 * at run time.
 */
import { type Errors, Future, type Pool, Task } from "@corun/core"
import { NodePool, ProcessPoolExecutor } from "@corun/node"
import { describe, it } from "@effect/vitest"
import { Effect, type Layer, Schema, type Scope, Stream } from "effect"
import { expectTypeOf } from "vitest"
import * as Fixtures from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

/** An initializer as the README writes one: it cannot fail and reports no progress (`E` = `P` = `never`). */
const openDb = Task.make("openDb", {
  input: Schema.String,
  output: Schema.Void,
  run: (_url) => Effect.void
})

const initWorker = Task.make("initWorker", {
  input: Schema.String,
  output: Schema.Void,
  run: (_prefix) => Effect.void
})

class InitFailed extends Schema.TaggedError<InitFailed>()("InitFailed", {}) {}

/** An initializer with a typed error and a structured input. */
const connect = Task.make("connect", {
  input: Schema.Struct({ url: Schema.String, retries: Schema.Number }),
  output: Schema.Void,
  error: InitFailed,
  run: () => Effect.void
})

describe("types", () => {
  it("NodePool.layer takes an initializer and its initargs as the README writes them", () => {
    const PoolLive = NodePool.layer({
      tasks: new URL("./tasks.ts", import.meta.url),
      initializer: openDb,
      initargs: "postgres://…"
    })
    expectTypeOf(PoolLive).toEqualTypeOf<Layer.Layer<Pool.Pool, Errors.InvalidArgumentError>>()
    expectTypeOf(NodePool.layer({ tasks, initializer: initWorker, initargs: "pepper:" })).toEqualTypeOf<
      Layer.Layer<Pool.Pool, Errors.InvalidArgumentError>
    >()
    expectTypeOf(NodePool.make({ tasks, initializer: initWorker, initargs: "pepper:" })).toEqualTypeOf<
      Effect.Effect<Pool.PoolService, Errors.InvalidArgumentError, Scope.Scope>
    >()
    NodePool.layer({ tasks, initializer: connect, initargs: { url: "db", retries: 3 } })
    NodePool.layer({ tasks })
  })

  it("initargs must match the initializer's input", () => {
    const tasks = new URL("./fixtures/tasks.ts", import.meta.url)
    // @ts-expect-error: initargs of the wrong type
    NodePool.layer({ tasks, initializer: initWorker, initargs: 42 })
    // @ts-expect-error: a field missing
    NodePool.layer({ tasks, initializer: connect, initargs: { url: "db" } })
    // @ts-expect-error: initargs without an initializer
    NodePool.layer({ tasks, initargs: "pepper:" })
  })

  it("ProcessPoolExecutor.make is the one-step form of Python's ProcessPoolExecutor(max_workers=2)", () => {
    const tasks = new URL("./fixtures/tasks.ts", import.meta.url)
    expectTypeOf(ProcessPoolExecutor.make({ tasks, maxWorkers: 2 })).toEqualTypeOf<
      Effect.Effect<Pool.PoolExecutor, Errors.InvalidArgumentError, Scope.Scope>
    >()
    expectTypeOf(
      ProcessPoolExecutor.make({
        tasks,
        maxWorkers: 2,
        runtime: "thread",
        maxTasksPerChild: 10,
        initializer: initWorker,
        initargs: "pepper:"
      })
    ).toEqualTypeOf<Effect.Effect<Pool.PoolExecutor, Errors.InvalidArgumentError, Scope.Scope>>()
    ProcessPoolExecutor.make({ tasks })
    // The README's example: submit + result, map with chunksize; nothing but the scope is required.
    const program = Effect.scoped(Effect.gen(function*() {
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 2 })
      const future = yield* executor.submit(Fixtures.sqrt, 16)
      const four = yield* Future.result(future)
      const roots = yield* Stream.runCollect(executor.map(Fixtures.sqrt, [1, 4, 9], { chunksize: 2 }))
      return four + roots.length
    }))
    expectTypeOf(program).toExtend<Effect.Effect<number, unknown, never>>()
    // @ts-expect-error: initargs of the wrong type
    ProcessPoolExecutor.make({ tasks, initializer: initWorker, initargs: 42 })
    // @ts-expect-error: `size` is NodePool's name; the executor takes Python's `maxWorkers`
    ProcessPoolExecutor.make({ tasks, size: 2 })
  })
})
