import { Errors } from "@corun/core"
import { Manager, Process } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as T from "./fixtures/manager-tasks.ts"
import { fixture, within } from "./helpers.ts"

const tasks = fixture("manager-tasks.ts")

describe("Manager", () => {
  for (const runtime of ["process", "thread"] as const) {
    it.live(`10 processes run f(d, l): d is {1: 1, 2: 2, 0.25: None}, l is range(5) plus ten 1s (${runtime})`, () =>
      Effect.gen(function*() {
        const manager = yield* Manager.make()
        const d = yield* manager.dict()
        const l = yield* manager.list([0, 1, 2, 3, 4])
        const ps = yield* Effect.forEach(
          Array.from({ length: 10 }, (_, i) => i),
          () => Process.make({ tasks, target: T.f, args: { d, l }, runtime })
        )
        for (const p of ps) yield* p.start
        for (const p of ps) yield* within(60, "the processes end", p.join())
        assert.deepStrictEqual([...(yield* d.toMap)], [[1, 1], [2, 2], [0.25, null]])
        assert.deepStrictEqual(yield* l.toArray, [0, 1, 2, 3, 4, ...Array.from({ length: 10 }, () => 1)])
      }).pipe(Effect.scoped))

    it.live(`a manager value incremented under the manager's lock by 4 processes loses nothing (${runtime})`, () =>
      Effect.gen(function*() {
        const manager = yield* Manager.make()
        const v = yield* manager.value(0)
        const lock = yield* manager.lock()
        const ps = yield* Effect.forEach(
          [0, 1, 2, 3],
          () => Process.make({ tasks, target: T.addLocked, args: { v, lock, times: 50 }, runtime })
        )
        for (const p of ps) yield* p.start
        for (const p of ps) yield* within(60, "the processes end", p.join())
        assert.strictEqual(yield* v.get, 200)
      }).pipe(Effect.scoped))
  }

  it.live("a namespace set by processes; the proxies' methods in the owner", () =>
    Effect.gen(function*() {
      const manager = yield* Manager.make()
      const ns = yield* manager.namespace({ x: 1 })
      const p = yield* Process.make({ tasks, target: T.setAttribute, args: { ns, name: "y", value: 2 } })
      yield* p.start
      yield* within(30, "the process ends", p.join())
      assert.deepStrictEqual(yield* ns.toObject, { x: 1, y: 2 })
      assert.deepStrictEqual(yield* ns.get("y"), Option.some(2))
      assert.isTrue(Option.isNone(yield* ns.get("z")))

      const d = yield* manager.dict([["1", "string key"]])
      yield* d.set(1, "number key")
      assert.deepStrictEqual(yield* d.get("1"), Option.some("string key"))
      assert.deepStrictEqual(yield* d.get(1), Option.some("number key"))
      assert.strictEqual(yield* d.size, 2)
      assert.isTrue(yield* d.delete(1))
      assert.isFalse(yield* d.has(1))
      // Values are copies, as across processes.
      const original = { n: 1 }
      yield* d.set("o", original)
      original.n = 2
      assert.deepStrictEqual(yield* d.get("o"), Option.some({ n: 1 }))

      const l = yield* manager.list([1, 2, 3])
      assert.strictEqual(yield* l.get(-1), 3)
      yield* l.set(0, 10)
      assert.strictEqual(yield* l.pop(), 3)
      yield* l.extend([4, 5])
      assert.deepStrictEqual(yield* l.toArray, [10, 2, 4, 5])
      assert.strictEqual(yield* l.length, 4)
      assert.instanceOf(yield* Effect.flip(l.get(9)), Errors.InvalidArgumentError)

      const q = yield* manager.queue()
      yield* q.put("item")
      assert.strictEqual(yield* q.get(), "item")
    }).pipe(Effect.scoped))
})
