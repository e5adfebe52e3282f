import { Timer } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Scope } from "effect"
import { TestClock } from "effect/testing"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Timer", () => {
  it.effect("fires once after the interval; join returns the value", () =>
    Effect.gen(function*() {
      let calls = 0
      const timer = yield* Timer.make("1 second", Effect.sync(() => ++calls))
      assert.isFalse(yield* timer.isAlive)
      yield* timer.start
      assert.isTrue(yield* timer.isAlive)
      const joined = yield* Effect.forkChild(Timer.join(timer))
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(calls, 0)
      assert.isFalse(yield* timer.finished)
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(yield* Fiber.join(joined), Option.some(1))
      assert.strictEqual(calls, 1)
      assert.isTrue(yield* timer.finished)
      assert.isFalse(yield* timer.isAlive)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(calls, 1)
      assert.match(String(timer), /done/)
    }))

  it.effect("cancel before it fires: the effect never runs, join returns none", () =>
    Effect.gen(function*() {
      let calls = 0
      const timer = yield* Timer.start(1000, Effect.sync(() => ++calls))
      yield* TestClock.adjust(500)
      yield* Timer.cancel(timer)
      assert.deepStrictEqual(yield* timer.join, Option.none())
      yield* TestClock.adjust(1000)
      assert.strictEqual(calls, 0)
      assert.isTrue(yield* timer.finished)
      yield* timer.cancel // twice is harmless
    }))

  it.effect("cancel before start; start afterwards does not run it", () =>
    Effect.gen(function*() {
      let calls = 0
      const timer = yield* Timer.make(10, Effect.sync(() => ++calls))
      yield* timer.cancel
      assert.isTrue(yield* timer.finished)
      yield* timer.start
      yield* TestClock.adjust(100)
      assert.strictEqual(calls, 0)
      assert.deepStrictEqual(yield* timer.join, Option.none())
    }))

  it.effect("start twice fails with TimerStartedError", () =>
    Effect.gen(function*() {
      const timer = yield* Timer.make(10, Effect.void)
      yield* timer.start
      const error = yield* Effect.flip(timer.start)
      assert.strictEqual(error._tag, "TimerStartedError")
    }))

  it.effect("cancel once the effect runs lets it finish (as in Python)", () =>
    Effect.gen(function*() {
      const timer = yield* Timer.start(10, Effect.as(Effect.sleep(100), "done"))
      yield* TestClock.adjust(50)
      assert.isTrue(yield* timer.isAlive)
      yield* timer.cancel
      yield* TestClock.adjust(100)
      assert.deepStrictEqual(yield* timer.join, Option.some("done"))
    }))

  it.effect("a failing effect fails join", () =>
    Effect.gen(function*() {
      const timer = yield* Timer.start(10, Effect.fail("boom"))
      yield* TestClock.adjust(10)
      assert.deepStrictEqual(yield* Effect.exit(timer.join), Exit.fail("boom"))
    }))

  it.effect("closing the scope cancels a waiting timer and interrupts a running one", () =>
    Effect.gen(function*() {
      let calls = 0
      const scope = yield* Scope.make()
      const waiting = yield* Timer.start(1000, Effect.sync(() => ++calls)).pipe(Scope.provide(scope))
      const running = yield* Timer.start(10, Effect.andThen(Effect.sleep(1000), Effect.sync(() => ++calls))).pipe(
        Scope.provide(scope)
      )
      yield* TestClock.adjust(20)
      assert.isTrue(yield* running.isAlive)
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* waiting.join, Option.none())
      assert.deepStrictEqual(yield* running.join, Option.none())
      yield* TestClock.adjust(5000)
      assert.strictEqual(calls, 0)
      assert.isFalse(yield* waiting.isAlive)
      assert.isFalse(yield* running.isAlive)
    }))

  it.effect("the effect runs with the caller's services; a negative interval is an error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Timer.make(-1, Effect.void))
      assert.strictEqual(error._tag, "InvalidArgumentError")
      assert.strictEqual(error.argument, "interval")
      const timer = yield* Timer.start(0, Effect.succeed(42))
      yield* settle
      assert.deepStrictEqual(yield* timer.join, Option.some(42))
    }))
})
