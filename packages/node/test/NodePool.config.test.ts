import { Errors, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

/** What a pool made from `env` is: its size, and whether its workers are processes. */
const poolFrom = (layer: ReturnType<typeof NodePool.layerFromEnv>, env: Record<string, string>) =>
  Effect.gen(function*() {
    const pool = yield* Pool.Pool
    const sum = yield* pool.apply(T.add, [2, 3])
    yield* pool.awaitReady
    const workers = yield* NodePool.workers(pool)
    return {
      size: pool.size,
      processes: workers.length > 0 && workers.every((worker) => worker.pid !== process.pid),
      sum
    }
  }).pipe(
    Effect.provide(layer),
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
  )

describe("NodePool.layerConfig and layerFromEnv", () => {
  it.live("layerFromEnv reads the pool's options from the environment (the CORUN_* variables)", () =>
    Effect.gen(function*() {
      const layer = NodePool.layerFromEnv(tasks)
      assert.deepStrictEqual(
        yield* poolFrom(layer, { CORUN_POOL_SIZE: "3", CORUN_RUNTIME: "process", CORUN_TASK_TIMEOUT: "30 seconds" }),
        { size: 3, processes: true, sum: 5 }
      )
      assert.deepStrictEqual(yield* poolFrom(layer, { CORUN_POOL_SIZE: "1" }), { size: 1, processes: false, sum: 5 })
    }))

  it.live("takes a Config per option, as NodeHttpServer.layerConfig does", () =>
    Effect.gen(function*() {
      const layer = NodePool.layerConfig({
        tasks: Config.succeed(tasks),
        size: Config.Int("WORKERS").pipe(Config.withDefault(2))
      })
      assert.deepStrictEqual(yield* poolFrom(layer, { WORKERS: "2" }), { size: 2, processes: false, sum: 5 })
    }))

  it.live("a value that is not one fails with ConfigError, an invalid one with InvalidArgumentError", () =>
    Effect.gen(function*() {
      const layer = NodePool.layerFromEnv(tasks)
      const unreadable = yield* Effect.flip(poolFrom(layer, { CORUN_POOL_SIZE: "many" }))
      assert.strictEqual(unreadable._tag, "ConfigError")
      assert.include(String(unreadable), "CORUN_POOL_SIZE")
      const invalid = yield* Effect.flip(poolFrom(layer, { CORUN_POOL_SIZE: "0" }))
      assert.instanceOf(invalid, Errors.InvalidArgumentError)
      assert.strictEqual((invalid as Errors.InvalidArgumentError).argument, "size")
    }))
})
