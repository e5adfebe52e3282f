import { FiberLocal } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber } from "effect"
import { forkThread } from "./threads.ts"

describe("FiberLocal", () => {
  it.effect("each fiber sees its own value (the threading.local students program)", () =>
    Effect.gen(function*() {
      const student = yield* FiberLocal.make(() => "nobody")
      const processStudent = Effect.map(student.get, (name) => `Hello, ${name}`)
      const thread = (name: string) =>
        Effect.andThen(FiberLocal.set(student, name), Effect.andThen(Effect.yieldNow, processStudent))
      // Each thread is a task of its own (fibers of one task share the value).
      const threads = yield* Effect.all([forkThread(thread("Alice")), forkThread(thread("Bob"))])
      const greetings = yield* Fiber.joinAll(threads)
      assert.deepStrictEqual(greetings, ["Hello, Alice", "Hello, Bob"])
      assert.strictEqual(yield* FiberLocal.get(student), "nobody")
    }))

  it.effect("a task's initial value is computed for it alone", () =>
    Effect.gen(function*() {
      let made = 0
      const local = FiberLocal.makeUnsafe(() => ({ id: ++made, items: [] as Array<number> }))
      const a = yield* forkThread(Effect.map(local.get, (v) => {
        v.items.push(1)
        return v
      }))
      const b = yield* forkThread(local.get)
      const va = yield* Fiber.join(a)
      const vb = yield* Fiber.join(b)
      assert.notStrictEqual(va, vb)
      assert.deepStrictEqual(vb.items, [])
      // Repeated gets in one task return the same object.
      assert.strictEqual(yield* local.get, yield* local.get)
    }))

  it.effect("children inherit the value at fork time; later sets do not cross", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0, { scope: "fiber" })
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

// Regressions: `set` and the lazy initial value used to live only in the
// fiber's current context, so any region that restores its context on exit
// (Effect.fn, withSpan, annotateLogs, provide…) undid them.
describe("FiberLocal survives context regions", () => {
  it.effect("a set inside an Effect.fn lasts after the function returns", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial")
      const setName = Effect.fn("setName")(function*(name: string) {
        yield* local.set(name)
      })
      yield* setName("alice")
      assert.strictEqual(yield* local.get, "alice")
      const bump = Effect.fn("bump")(function*() {
        yield* local.update((s) => s + "!")
      })
      yield* bump()
      yield* bump()
      assert.strictEqual(yield* local.get, "alice!!")
    }))

  it.effect("a set under withSpan, annotateLogs or provideService lasts after the region", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0)
      yield* local.set(1).pipe(Effect.withSpan("s"))
      assert.strictEqual(yield* local.get, 1)
      yield* local.set(2).pipe(Effect.annotateLogs("k", "v"))
      assert.strictEqual(yield* local.get, 2)
      const Other = Context.Reference<string>("test/FiberLocal/Other", { defaultValue: () => "" })
      yield* local.set(3).pipe(Effect.provideService(Other, "x"))
      assert.strictEqual(yield* local.get, 3)
      // Nested regions, set at the innermost level.
      yield* local.set(4).pipe(Effect.annotateLogs("a", "b"), Effect.withSpan("outer"))
      assert.strictEqual(yield* local.get, 4)
    }))

  it.effect("a child's first set inside a region lasts after it (copy-on-write)", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial", { scope: "fiber" })
      yield* local.set("parent")
      const child = yield* Effect.forkChild(Effect.gen(function*() {
        yield* local.set("child").pipe(Effect.withSpan("s"))
        return yield* local.get
      }))
      assert.strictEqual(yield* Fiber.join(child), "child")
      assert.strictEqual(yield* local.get, "parent")
    }))

  it.effect("the initial value is computed once per fiber, even when first read inside a region", () =>
    Effect.gen(function*() {
      let made = 0
      const local = FiberLocal.makeUnsafe(() => ({ n: ++made }))
      const a = yield* local.get.pipe(Effect.withSpan("first-use"))
      const b = yield* local.get
      const c = yield* local.get.pipe(Effect.annotateLogs("k", "v"))
      assert.strictEqual(a, b)
      assert.strictEqual(b, c)
      assert.strictEqual(made, 1)
      const inChild = yield* Effect.forkDetach(Effect.gen(function*() {
        const x = yield* Effect.fn("f")(function*() {
          return yield* local.get
        })()
        return [x, yield* local.get]
      }))
      // The child inherits the parent's value: no initial() for it.
      const [x, y] = yield* Fiber.join(inChild)
      assert.strictEqual(x, a)
      assert.strictEqual(y, a)
      assert.strictEqual(made, 1)
    }))

  it.effect("a fiber with nothing to inherit computes initial() once, also inside regions", () =>
    Effect.gen(function*() {
      let made = 0
      const local = FiberLocal.makeUnsafe(() => ({ n: ++made }))
      const fiber = yield* Effect.forkChild(Effect.gen(function*() {
        const a = yield* local.get.pipe(Effect.withSpan("s"))
        const b = yield* local.get
        return a === b
      }))
      assert.isTrue(yield* Fiber.join(fiber))
      assert.strictEqual(made, 1)
    }))
})

// Effect's inheriting rule, kept as `{ scope: "fiber" }`.
describe("FiberLocal inheritance ({ scope: \"fiber\" })", () => {
  it.effect("a child sees the parent's value at fork; its writes do not reach the parent", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial", { scope: "fiber" })
      yield* local.set("parent")
      const child = yield* Effect.forkChild(Effect.gen(function*() {
        const seen = yield* local.get
        yield* Effect.fn("childSet")(function*() {
          yield* local.set("child")
        })()
        return [seen, yield* local.get]
      }))
      assert.deepStrictEqual(yield* Fiber.join(child), ["parent", "child"])
      assert.strictEqual(yield* local.get, "parent")
    }))

  it.effect("parent writes after the fork do not reach the child", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial", { scope: "fiber" })
      yield* local.set("before")
      const forked = yield* Deferred.make<void>()
      const parentWrote = yield* Deferred.make<void>()
      const child = yield* Effect.forkChild(Effect.gen(function*() {
        yield* Deferred.succeed(forked, undefined)
        yield* Deferred.await(parentWrote) // read only after the parent's writes
        return yield* local.get
      }))
      yield* Deferred.await(forked)
      yield* local.set("after")
      yield* local.set("after, in a function").pipe(Effect.withSpan("s"))
      yield* Deferred.succeed(parentWrote, undefined)
      assert.strictEqual(yield* Fiber.join(child), "before")
      assert.strictEqual(yield* local.get, "after, in a function")
    }))

  it.effect("children forked in a loop each keep the value set just before their fork", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "", { scope: "fiber" })
      const fibers: Array<Fiber.Fiber<string>> = []
      for (const name of ["a", "b", "c"]) {
        yield* local.set(name)
        fibers.push(yield* Effect.forkChild(Effect.andThen(Effect.yieldNow, local.get)))
      }
      assert.deepStrictEqual(yield* Fiber.joinAll(fibers), ["a", "b", "c"])
    }))

  it.effect("a child forked after a region that set the value sees it once the parent has read it", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial", { scope: "fiber" })
      yield* Effect.fn("setup")(function*() {
        yield* local.set("configured")
      })()
      assert.strictEqual(yield* local.get, "configured")
      const child = yield* Effect.forkChild(local.get)
      assert.strictEqual(yield* Fiber.join(child), "configured")
    }))
})

describe("FiberLocal.locally", () => {
  it.effect("restores the previous value, also after a set inside it", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial")
      yield* local.set("outer")
      const inside = yield* local.locally("scoped")(Effect.gen(function*() {
        const first = yield* local.get
        yield* Effect.fn("f")(function*() {
          yield* local.set("set inside")
        })()
        return [first, yield* local.get]
      }))
      assert.deepStrictEqual(inside, ["scoped", "set inside"])
      assert.strictEqual(yield* local.get, "outer")
      // Nested locally, and a fiber that never set the value.
      const fresh = yield* FiberLocal.make(() => "fresh")
      const nested = yield* fresh.locally("a")(
        Effect.zip(fresh.locally("b")(fresh.get), fresh.get)
      )
      assert.deepStrictEqual(nested, ["b", "a"])
      assert.strictEqual(yield* fresh.get, "fresh")
    }))

  it.effect("a set after locally, inside a region, still lasts", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0)
      yield* local.locally(5)(local.set(6))
      assert.strictEqual(yield* local.get, 0)
      yield* local.set(7).pipe(Effect.withSpan("s"))
      assert.strictEqual(yield* local.locally(8)(local.get), 8)
      assert.strictEqual(yield* local.get, 7)
    }))
})
