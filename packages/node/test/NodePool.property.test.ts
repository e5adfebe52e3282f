import { Future } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as fc from "fast-check"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

// Each case: the inputs, a chunksize, and the pool's pipelining bound.
const cases = fc.sample(
  fc.record({
    inputs: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 400 }),
    chunksize: fc.integer({ min: 1, max: 17 }),
    delays: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 5 })
  }),
  { numRuns: 25, seed: 4242 }
)

describe("NodePool invariants (fast-check)", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`no result is lost or duplicated; map/imap keep input order (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        for (const { chunksize, inputs } of cases) {
          assert.deepStrictEqual(yield* pool.map(T.noop, inputs, { chunksize }), inputs)
          assert.deepStrictEqual(Array.from(yield* Stream.runCollect(pool.imap(T.noop, inputs, { chunksize }))), inputs)
          const unordered = Array.from(yield* Stream.runCollect(pool.imapUnordered(T.noop, inputs, { chunksize })))
          assert.deepStrictEqual([...unordered].sort((a, b) => a - b), [...inputs].sort((a, b) => a - b))
          const futures = yield* Effect.forEach(inputs, (n) => pool.applyAsync(T.noop, n))
          assert.deepStrictEqual(yield* Effect.forEach(futures, (f) => Future.result(f)), inputs)
        }
        const stats = yield* pool.stats
        assert.strictEqual(stats.queued + stats.running, 0)
      }), 120_000)

    it.live(`tasks of mixed durations: every result arrives exactly once (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        for (const { delays } of cases.slice(0, 8)) {
          const inputs = Array.from({ length: 30 }, (_, i) => delays[i % delays.length])
          const got = Array.from(yield* Stream.runCollect(pool.imapUnordered(T.sleep, inputs)))
          assert.deepStrictEqual([...got].sort(), [...inputs].sort())
        }
      }), 120_000)
  }
})
