import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { FiberLocal } from "@corun/core"

describe("FiberLocal", () => {
  it.effect("each fiber sees its own value (the threading.local students program)", () =>
    Effect.gen(function*() {
      const student = yield* FiberLocal.make(() => "nobody")
      const processStudent = Effect.map(student.get, (name) => `Hello, ${name}`)
      const thread = (name: string) => Effect.andThen(FiberLocal.set(student, name), Effect.andThen(Effect.yieldNow, processStudent))
      const greetings = yield* Effect.all([thread("Alice"), thread("Bob")], { concurrency: "unbounded" })
      assert.deepStrictEqual(greetings, ["Hello, Alice", "Hello, Bob"])
      assert.strictEqual(yield* FiberLocal.get(student), "nobody")
    }))

  it.effect("a fiber's initial value is computed for it alone", () =>
    Effect.gen(function*() {
      let made = 0
      const local = FiberLocal.makeUnsafe(() => ({ id: ++made, items: [] as Array<number> }))
      const a = yield* Effect.forkChild(Effect.map(local.get, (v) => { v.items.push(1); return v }))
      const b = yield* Effect.forkChild(local.get)
      const va = yield* Fiber.join(a)
      const vb = yield* Fiber.join(b)
      assert.notStrictEqual(va, vb)
      assert.deepStrictEqual(vb.items, [])
      // Repeated gets in one fiber return the same object.
      assert.strictEqual(yield* local.get, yield* local.get)
    }))

  it.effect("children inherit the value at fork time; later sets do not cross", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0)
      yield* local.set(1)
      const child = yield* Effect.forkChild(Effect.gen(function*() {
        const inherited = yield* local.get
        yield* local.set(99)
        return [inherited, yield* local.get]
      }))
      assert.deepStrictEqual(yield* Fiber.join(child), [1, 99])
      assert.strictEqual(yield* local.get, 1)
      yield* local.update((n) => n + 1)
      assert.strictEqual(yield* local.get, 2)
    }))

  it.effect("locally sets a value for one region only", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "outer")
      assert.strictEqual(yield* local.locally("inner")(local.get), "inner")
      assert.strictEqual(yield* FiberLocal.locally(local, "x")(local.get), "x")
      assert.strictEqual(yield* local.get, "outer")
      // Two locals never see each other's values.
      const other = yield* FiberLocal.make(() => "other")
      yield* local.set("mine")
      assert.strictEqual(yield* other.get, "other")
    }))
})
