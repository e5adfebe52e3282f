import { Executor, Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

describe("services and layers a service author takes from the context", () => {
  it.live("Executor.layer provides an ExecutorService; its release waits for the submitted tasks", () =>
    Effect.gen(function*() {
      let finished = false
      const value = yield* Effect.gen(function*() {
        const executor = yield* Executor.ExecutorService
        yield* executor.submit(Effect.sleep(20).pipe(Effect.andThen(Effect.sync(() => (finished = true)))))
        return yield* Future.result(yield* executor.submit(Effect.succeed(21)))
      }).pipe(Effect.provide(Executor.layer({ maxWorkers: 2 })))
      assert.strictEqual(value, 21)
      assert.isTrue(finished)
    }))

  it.live("Pool.layerExecutor: the pool's ProcessPoolExecutor over NodePool.layer", () =>
    Effect.gen(function*() {
      const sum = yield* Effect.gen(function*() {
        const executor = yield* Pool.PoolExecutorService
        return yield* Future.result(yield* executor.submit(T.add, [2, 3]))
      }).pipe(Effect.provide(Pool.layerExecutor.pipe(Layer.provide(NodePool.layer({ tasks, size: 1 })))))
      assert.strictEqual(sum, 5)
    }))
})
