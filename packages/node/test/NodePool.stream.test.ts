import { Errors, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

const withPool = <A, E>(use: (pool: Pool.PoolService) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(NodePool.make({ tasks, size: 2 }), use))

describe("pool.stream: the pool as a stage of a Stream pipeline", () => {
  it.live("results in input order, chunked; as they complete with ordered: false", () =>
    withPool((pool) =>
      Effect.gen(function*() {
        const inputs = Array.from({ length: 50 }, (_, i) => i * i)
        const ordered = yield* Stream.runCollect(
          Stream.fromIterable(inputs).pipe(pool.stream(T.sqrt, { chunksize: 3, concurrency: 4 }))
        )
        assert.deepStrictEqual(Array.from(ordered), inputs.map((_, i) => i))
        const delays = [40, 1, 30, 1, 20, 1]
        const unordered = yield* Stream.runCollect(
          Stream.fromIterable(delays).pipe(pool.stream(T.sleep, { ordered: false }))
        )
        assert.deepStrictEqual(Array.from(unordered).sort((a, b) => a - b), [...delays].sort((a, b) => a - b))
      })
    ))

  it.live("an async iterable as the input (an async generator); one that throws is a defect", () =>
    withPool((pool) =>
      Effect.gen(function*() {
        async function* squares(throwAt?: number) {
          for (let i = 0; i < 12; i++) {
            if (i === throwAt) throw new Error("the source broke")
            await new Promise((resolve) => setTimeout(resolve, 1))
            yield i * i
          }
        }
        const roots = yield* Stream.runCollect(pool.stream(T.sqrt, { chunksize: 5 })(squares()))
        assert.deepStrictEqual(Array.from(roots), Array.from({ length: 12 }, (_, i) => i))
        const broken = yield* Effect.exit(Stream.runCollect(pool.stream(T.sqrt)(squares(6))))
        assert.isTrue(Exit.isFailure(broken))
        const defect = Exit.isFailure(broken) ? Cause.squash(broken.cause) : undefined
        assert.instanceOf(defect, Error)
        assert.strictEqual((defect as Error).message, "the source broke")
        assert.isFalse(Exit.isFailure(broken) && broken.cause.reasons.some(Cause.isFailReason))
      })
    ))

  it.live("back-pressure: at most `concurrency` jobs in flight; the input is not read far ahead", () =>
    withPool((pool) =>
      Effect.gen(function*() {
        let pulled = 0
        let mostAhead = 0
        let emitted = 0
        const inputs = Stream.fromIterable(Array.from({ length: 40 }, () => 5)).pipe(
          Stream.tap(() =>
            Effect.sync(() => {
              pulled++
              mostAhead = Math.max(mostAhead, pulled - emitted)
            })
          )
        )
        yield* inputs.pipe(
          pool.stream(T.sleep, { concurrency: 2 }),
          Stream.runForEach(() => Effect.sync(() => emitted++))
        )
        assert.strictEqual(emitted, 40)
        // Two jobs in flight, plus what the stage holds between its steps.
        assert.isAtMost(mostAhead, 4)
      })
    ))

  it.live("a failure ends the stream with the task's error; bad options fail before any input is read", () =>
    withPool((pool) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Stream.runCollect(Stream.make(4, -1, 9).pipe(pool.stream(T.sqrt))))
        assert.strictEqual(error._tag, "Negative")
        let read = false
        const bad = yield* Effect.flip(Stream.runCollect(
          Stream.fromEffect(Effect.sync(() => (read = true))).pipe(
            Stream.as(1),
            pool.stream(T.sqrt, { concurrency: 0 })
          )
        ))
        assert.instanceOf(bad, Errors.InvalidArgumentError)
        assert.isFalse(read)
      })
    ))
})
