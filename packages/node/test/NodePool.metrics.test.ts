import { Errors } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

/** The pool's metrics now: counters and gauges by their value, histograms by their count. */
const readings = Effect.map(Metric.snapshot, (snapshots) => {
  const values: Record<string, number> = {}
  for (const snapshot of snapshots) {
    if (!snapshot.id.startsWith("corun_pool_")) continue
    const state = snapshot.state as { count?: number; value?: number }
    values[snapshot.id] = Number(state.count ?? state.value ?? 0)
  }
  return values
})

describe("NodePool's Effect metrics", () => {
  it.live("queue wait and run time histograms, how tasks ended, workers spawned and crashed", () =>
    Effect.gen(function*() {
      const before = yield* readings
      yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime: "process" })
        yield* pool.map(T.noop, [1, 2, 3, 4, 5, 6], { chunksize: 1 })
        yield* Effect.flip(pool.apply(T.sqrt, -1))
        const timedOut = yield* Effect.flip(pool.apply(T.sleep, 5_000, { timeout: "50 millis" }))
        assert.instanceOf(timedOut, Errors.TaskTimeout)
        yield* Effect.flip(pool.apply(T.exit, 3))
        yield* pool.apply(T.noop, 7).pipe(Effect.timeout("1 millis"), Effect.ignore)
      }))
      const after = yield* readings
      const delta = (id: string) => (after[id] ?? 0) - (before[id] ?? 0)
      assert.isAtLeast(delta("corun_pool_tasks_completed"), 6)
      assert.strictEqual(delta("corun_pool_tasks_failed"), 2) // the typed failure and the worker that exited
      assert.strictEqual(delta("corun_pool_tasks_timed_out"), 1)
      assert.isAtLeast(delta("corun_pool_worker_crashes"), 1)
      assert.isAtLeast(delta("corun_pool_workers_spawned"), 3) // 2, and the crashed one's replacement
      assert.isAtLeast(delta("corun_pool_queue_wait_ms"), 9)
      assert.isAtLeast(delta("corun_pool_run_ms"), 9)
    }))
})
