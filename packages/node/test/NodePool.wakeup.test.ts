/**
 * Regression: `imap` / `imapUnordered` must not lose a wake-up when the
 * consuming fiber yields to the scheduler (its op budget ran out) between
 * looking for results and registering to be woken. Small budgets make such
 * yields happen at every phase of the pull loop.
 */
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Scheduler, Stream } from "effect"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

describe("NodePool imap wake-ups", () => {
  it.live("imap and imapUnordered finish at every small op budget", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 2 })
      yield* pool.awaitReady
      let runs = 0
      for (const ops of [3, 4, 5, 6, 7, 8, 10, 12]) {
        for (let round = 0; round < 40; round++) {
          for (const stream of [pool.imapUnordered(T.noop, [1, 2, 3]), pool.imap(T.noop, [1, 2, 3])]) {
            const out = yield* Stream.runCollect(stream).pipe(
              Effect.provideService(Scheduler.MaxOpsBeforeYield, ops),
              // A hang guard: a lost wake-up never completes; a loaded machine is only slow.
              Effect.timeoutOption("30 seconds")
            )
            assert.isTrue(Option.isSome(out), `a stream never completed (op budget ${ops}, round ${round})`)
            assert.strictEqual(Chunk.size(Chunk.fromIterable(Option.getOrThrow(out))), 3)
            runs++
          }
        }
      }
      assert.strictEqual(runs, 8 * 40 * 2)
    })), 120_000)
})
