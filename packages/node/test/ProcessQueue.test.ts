import { Errors } from "@corun/core"
import { NodePool, Process, ProcessQueue } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as T from "./fixtures/queue-tasks.ts"
import { fixture, within } from "./helpers.ts"

const tasks = fixture("queue-tasks.ts")
const Item = Schema.Struct({ producer: Schema.Number, index: Schema.Number })

describe("ProcessQueue", () => {
  for (const runtime of ["process", "thread"] as const) {
    it.live(`a child puts, the parent gets: f(q) gives [42, null, 'hello'] (${runtime})`, () =>
      Effect.gen(function*() {
        const q = yield* ProcessQueue.make(Schema.Unknown)
        const p = yield* Process.make({ tasks, target: T.putHello, args: q, runtime })
        yield* p.start
        assert.deepStrictEqual(yield* within(30, "the item arrives", q.get()), [42, null, "hello"])
        yield* within(30, "the child exits", p.join())
        assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
      }).pipe(Effect.scoped))

    it.live(`3 producers, 2 relaying consumers: nothing lost, nothing duplicated (${runtime})`, () =>
      Effect.gen(function*() {
        const work = yield* ProcessQueue.make(Item, { maxsize: 10 })
        const done = yield* ProcessQueue.make(Item)
        const producers = yield* Effect.forEach(
          [0, 1, 2],
          (producer) => Process.make({ tasks, target: T.produce, args: { q: work, producer, count: 60 }, runtime })
        )
        const consumers = yield* Effect.forEach(
          [0, 1],
          () => Process.make({ tasks, target: T.relay, args: { from: work, to: done }, runtime })
        )
        for (const p of [...producers, ...consumers]) yield* p.start
        const received: Array<{ producer: number; index: number }> = []
        for (let i = 0; i < 180; i++) received.push(yield* within(60, `item ${i} arrives`, done.get()))
        for (const _ of consumers) yield* work.put({ producer: -1, index: 0 })
        for (const p of [...producers, ...consumers]) yield* within(30, "the processes exit", p.join())
        for (const p of [...producers, ...consumers]) assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
        const keys = received.map(({ index, producer }) => `${producer}:${index}`)
        assert.strictEqual(new Set(keys).size, 180, "no item twice")
        for (const producer of [0, 1, 2]) {
          const mine = received.filter((item) => item.producer === producer).map((item) => item.index)
          assert.deepStrictEqual([...mine].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i))
        }
        assert.isTrue(yield* done.empty)
      }).pipe(Effect.scoped))

    it.live(`3 producers, the parent consuming: each producer's items come in its order (${runtime})`, () =>
      Effect.gen(function*() {
        const work = yield* ProcessQueue.make(Item, { maxsize: 5 })
        const producers = yield* Effect.forEach(
          [0, 1, 2],
          (producer) => Process.make({ tasks, target: T.produce, args: { q: work, producer, count: 40 }, runtime })
        )
        for (const p of producers) yield* p.start
        const next = [0, 0, 0]
        for (let i = 0; i < 120; i++) {
          const item = yield* within(60, `item ${i} arrives`, work.get())
          assert.strictEqual(item.index, next[item.producer], `producer ${item.producer}'s next item`)
          next[item.producer]++
        }
        assert.deepStrictEqual(next, [40, 40, 40])
      }).pipe(Effect.scoped))

    it.live(`a consumer terminated while it waits in get takes nothing with it (${runtime})`, () =>
      Effect.gen(function*() {
        const from = yield* ProcessQueue.make(Schema.String)
        const to = yield* ProcessQueue.make(Schema.String)
        const reader = yield* Process.make({ tasks, target: T.waitForItems, args: { from, to }, runtime })
        yield* reader.start
        assert.strictEqual(yield* within(30, "the reader waits", to.get()), "waiting")
        yield* reader.terminate
        yield* within(30, "the reader exits", reader.join())
        yield* from.put("A")
        assert.strictEqual(yield* from.get({ timeout: "10 seconds" }), "A")
        assert.isTrue(yield* to.empty)
      }).pipe(Effect.scoped))

    it.live(`in a child: a timed-out get is QueueEmpty, a full put QueueFull, a closed queue QueueShutDown (${runtime})`, () =>
      Effect.gen(function*() {
        const empty = yield* ProcessQueue.make(Schema.Number)
        const full = yield* ProcessQueue.make(Schema.Number, { maxsize: 1 })
        const out = yield* ProcessQueue.make(Schema.String)
        yield* full.put(1)
        const p = yield* Process.make({ tasks, target: T.errors, args: { empty, full, out }, runtime })
        yield* p.start
        yield* within(30, "the child exits", p.join())
        const seen: Array<string> = []
        while (!(yield* out.empty)) seen.push(yield* out.get())
        assert.deepStrictEqual(seen, ["QueueEmpty", "QueueFull", "1", "QueueShutDown"])
        // The child's close is its own: the parent still uses the queue.
        yield* empty.put(7)
        assert.strictEqual(yield* empty.get(), 7)
      }).pipe(Effect.scoped))

    it.live(`a put whose value stops being cloneable before it leaves is the only one lost, and said so (${runtime})`, () =>
      Effect.gen(function*() {
        const q = yield* ProcessQueue.make(Schema.Unknown)
        const out = yield* ProcessQueue.make(Schema.String)
        const p = yield* Process.make({ tasks, target: T.spoilOne, args: { q, out }, runtime })
        yield* p.start
        const answer = yield* within(30, "the report", out.get())
        assert.match(answer, /^InvalidArgumentError: the value cannot be sent to another process/)
        yield* within(30, "the child exits", p.join())
        assert.deepStrictEqual(yield* within(30, "the first put", q.get()), { n: 1 })
        assert.deepStrictEqual(yield* within(30, "the third put", q.get()), { n: 3 })
        assert.isTrue(yield* q.empty)
      }).pipe(Effect.scoped))
  }

  for (const runtime of ["thread", "process"] as const) {
    it.live(`a pool task gets a queue in its input too: a worker of the pool puts, the program gets (${runtime})`, () =>
      Effect.gen(function*() {
        const q = yield* ProcessQueue.make(Item, { maxsize: 4 })
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        const fiber = yield* Effect.forkChild(pool.apply(T.produce, { q, producer: 7, count: 20 }))
        const got: Array<number> = []
        for (let i = 0; i < 20; i++) got.push((yield* within(30, `item ${i}`, q.get())).index)
        yield* within(30, "the task ends", Fiber.join(fiber))
        assert.deepStrictEqual(got, Array.from({ length: 20 }, (_, i) => i))
      }).pipe(Effect.scoped))
  }

  it.live("in the parent: timeouts, nowait, bounds, close, and options checked", () =>
    Effect.gen(function*() {
      const q = yield* ProcessQueue.make(Schema.Number, { maxsize: 2 })
      assert.instanceOf(yield* Effect.flip(q.get({ timeout: "10 millis" })), Errors.QueueEmpty)
      assert.instanceOf(yield* Effect.flip(q.getNowait), Errors.QueueEmpty)
      yield* q.put(1)
      yield* q.putNowait(2)
      assert.isTrue(yield* q.full)
      assert.strictEqual(yield* q.qsize, 2)
      assert.instanceOf(yield* Effect.flip(q.putNowait(3)), Errors.QueueFull)
      assert.instanceOf(yield* Effect.flip(q.put(3, { timeout: "10 millis" })), Errors.QueueFull)
      assert.deepStrictEqual([yield* q.get(), yield* q.get()], [1, 2])
      const bad = yield* Effect.flip(q.put("x" as any))
      assert.instanceOf(bad, Errors.InvalidArgumentError)
      assert.instanceOf(yield* Effect.flip(q.get({ timeout: -1 })), Errors.InvalidArgumentError)
      assert.instanceOf(
        yield* Effect.flip(ProcessQueue.make(Schema.Number, { maxsize: 1.5 })),
        Errors.InvalidArgumentError
      )
      yield* q.close
      assert.instanceOf(yield* Effect.flip(q.put(1)), Errors.QueueShutDown)
    }).pipe(Effect.scoped))
})
