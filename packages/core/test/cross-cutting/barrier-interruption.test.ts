/**
 * Interrupting `Barrier` waiters at any point leaves the barrier whole: an
 * interrupted waiter only leaves (as a cancelled task leaves asyncio's
 * barrier), whether it was arriving, waiting, blocked behind a draining
 * round or leaving a tripped one. Three fibers loop on a barrier of three;
 * they are interrupted one by one after a varying number of scheduler turns,
 * and with varying op budgets (`References.MaxOpsBeforeYield`, where a fiber
 * is paused), which moves the point of interruption across every phase of a
 * round. Only an interruption of the fiber running the action breaks the
 * barrier (as an action that raises does in Python).
 */
import { Barrier } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, References } from "effect"

const BUDGETS = Array.from({ length: 20 }, (_, i) => 100 + 7 * i)
const PAUSES = Array.from({ length: 16 }, (_, i) => i)

const turns = (n: number) => Effect.forEach(Array.from({ length: n }), () => Effect.yieldNow, { discard: true })

describe("interrupting Barrier waiters at any point", () => {
  it.live("leaves the barrier unbroken, empty, and ready for a full round", () =>
    Effect.gen(function*() {
      let rounds = 0
      for (const ops of BUDGETS) {
        for (const pause of PAUSES) {
          for (const action of [undefined, Effect.yieldNow]) {
            const barrier = yield* Barrier.make(3, { action })
            const loop = Effect.forever(Effect.andThen(barrier.wait(), Effect.sync(() => rounds++)), {
              disableYield: true
            })
            yield* Effect.gen(function*() {
              const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(Effect.orDie(loop)))
              for (const fiber of fibers) {
                yield* turns(pause)
                yield* Fiber.interrupt(fiber)
              }
            }).pipe(Effect.provideService(References.MaxOpsBeforeYield, ops))
            const label = `${barrier} ops=${ops} pause=${pause} action=${action !== undefined}`
            if (action === undefined) {
              assert.isFalse(yield* barrier.broken, label)
            } else if (yield* barrier.broken) {
              // The fiber running the action was interrupted in it. Once every
              // fiber has left, a reset makes the barrier as new at once.
              yield* barrier.reset
            }
            // Every fiber has left: a new round can start now.
            assert.match(String(barrier), /filling, waiting=0/, label)
            const indices = yield* Effect.all([barrier.wait(), barrier.wait(), barrier.wait()], {
              concurrency: "unbounded"
            })
            assert.deepStrictEqual([...indices].sort(), [0, 1, 2], label)
          }
        }
      }
      // The loops passed the barrier many times before they were interrupted.
      assert.isAbove(rounds, 1000)
    }))
})
