/**
 * `ProcessQueue` and `Pipe` across real threads, on generated shapes
 * (fast-check): N producers and M consumers on one bounded queue lose and
 * duplicate nothing, and keep each producer's order wherever one consumer
 * reads; a pipe delivers everything once, in order, then `EOFError`.
 */
import { Errors } from "@corun/core"
import { Pipe, Process, ProcessQueue } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fc from "fast-check"
import * as PT from "./fixtures/pipe-tasks.ts"
import * as QT from "./fixtures/queue-tasks.ts"
import { fixture, within } from "./helpers.ts"

const Item = Schema.Struct({ producer: Schema.Number, index: Schema.Number })

const cases = fc.sample(
  fc.record({
    producers: fc.integer({ min: 1, max: 3 }),
    consumers: fc.integer({ min: 1, max: 2 }),
    counts: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 3, maxLength: 3 }),
    maxsize: fc.integer({ min: 0, max: 5 })
  }),
  { numRuns: 4, seed: 1010 }
)

describe("ProcessQueue and Pipe invariants (fast-check, worker threads)", () => {
  it.live(
    "N producers, M relaying consumers: each item exactly once, each producer's order kept per consumer",
    () =>
      Effect.gen(function*() {
        for (const { consumers, counts, maxsize, producers } of cases) {
          yield* Effect.scoped(Effect.gen(function*() {
            const work = yield* ProcessQueue.make(Item, { maxsize })
            const done = yield* ProcessQueue.make(Item)
            const tasks = fixture("queue-tasks.ts")
            const ps = yield* Effect.forEach(
              Array.from({ length: producers }, (_, producer) => producer),
              (producer) =>
                Process.make({
                  tasks,
                  target: QT.produce,
                  args: { q: work, producer, count: counts[producer] },
                  runtime: "thread"
                })
            )
            const cs = yield* Effect.forEach(
              Array.from({ length: consumers }, (_, i) => i),
              () => Process.make({ tasks, target: QT.relay, args: { from: work, to: done }, runtime: "thread" })
            )
            for (const p of [...ps, ...cs]) yield* p.start
            const total = counts.slice(0, producers).reduce((a, b) => a + b, 0)
            const received: Array<{ producer: number; index: number }> = []
            for (let i = 0; i < total; i++) received.push(yield* within(60, `item ${i}`, done.get()))
            for (const _ of cs) yield* work.put({ producer: -1, index: 0 })
            for (const p of [...ps, ...cs]) yield* within(60, "the threads end", p.join())
            const keys = received.map(({ index, producer }) => `${producer}:${index}`)
            assert.strictEqual(new Set(keys).size, total, "no item twice")
            for (let producer = 0; producer < producers; producer++) {
              const mine = received.filter((item) => item.producer === producer).map((item) => item.index).sort((
                a,
                b
              ) => a - b)
              assert.deepStrictEqual(mine, Array.from({ length: counts[producer] }, (_, i) => i))
            }
            assert.isTrue(yield* done.empty)
            if (consumers === 1) {
              // One relay: the order each producer put in is the order it comes out.
              for (let producer = 0; producer < producers; producer++) {
                const order = received.filter((item) => item.producer === producer).map((item) => item.index)
                assert.deepStrictEqual(order, [...order].sort((a, b) => a - b))
              }
            }
          }))
        }
      }),
    180_000
  )

  it.live("a pipe delivers every value once, in order, then EOFError", () =>
    Effect.gen(function*() {
      for (const { counts } of cases) {
        yield* Effect.scoped(Effect.gen(function*() {
          const [mine, theirs] = yield* Pipe.make(Schema.Number)
          const p = yield* Process.make({
            tasks: fixture("pipe-tasks.ts"),
            target: PT.sendNumbers,
            args: { conn: theirs, base: 1000, count: counts[0] },
            runtime: "thread"
          })
          yield* p.start
          const got: Array<number> = []
          for (let i = 0; i < counts[0]; i++) got.push(yield* within(60, `value ${i}`, mine.recv()))
          assert.deepStrictEqual(got, Array.from({ length: counts[0] }, (_, i) => 1000 + i))
          assert.instanceOf(yield* Effect.flip(within(60, "the end", mine.recv())), Errors.EOFError)
          yield* within(60, "the thread ends", p.join())
        }))
      }
    }), 180_000)
})
