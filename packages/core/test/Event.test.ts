import { Event } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Event", () => {
  it.effect("set / clear / isSet", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      assert.isFalse(yield* event.isSet)
      yield* Event.set(event)
      assert.isTrue(yield* Event.isSet(event))
      assert.match(String(event), /set/)
      yield* event.set // setting twice is fine
      yield* Event.clear(event)
      assert.isFalse(yield* event.isSet)
      assert.isTrue(yield* Event.makeUnsafe(true).isSet)
      assert.isTrue(yield* (yield* Event.make(true)).isSet)
    }))

  it.effect("wait returns at once when set, and wakes every waiter on set", () =>
    Effect.gen(function*() {
      const event = yield* Event.make(true)
      assert.isTrue(yield* event.wait())
      yield* event.clear
      const waiters = yield* Effect.forkChild(
        Effect.all([event.wait(), Event.wait(event), event.wait({ timeout: "1 hour" })], {
          concurrency: "unbounded"
        })
      )
      yield* settle
      assert.isUndefined(waiters.pollUnsafe())
      yield* event.set
      assert.deepStrictEqual(yield* Fiber.join(waiters), [true, true, true])
    }))

  it.effect("wait with a timeout returns false when the flag stays clear", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const waiter = yield* Effect.forkChild(event.wait({ timeout: "2 seconds" }))
      yield* settle
      yield* TestClock.adjust("1999 millis")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.isFalse(yield* Fiber.join(waiter))
      assert.isFalse(yield* event.wait({ timeout: 0 }))
      const error = yield* Effect.flip(Event.wait(event, { timeout: -1 }))
      assert.strictEqual(error._tag, "InvalidArgumentError")
    }))

  it.effect("a waiter woken by set returns true even if the flag is cleared before it runs (as in Python)", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const waiter = yield* Effect.forkChild(event.wait({ timeout: "1 second" }))
      yield* settle
      yield* Effect.andThen(event.set, event.clear)
      assert.isTrue(yield* Fiber.join(waiter))
      assert.isFalse(yield* event.isSet)
    }))

  it.effect("an interrupted waiter leaves; later set still wakes the others", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const a = yield* Effect.forkChild(event.wait())
      const b = yield* Effect.forkChild(event.wait())
      yield* settle
      yield* Fiber.interrupt(a)
      yield* event.set
      assert.isTrue(yield* Fiber.join(b))
    }))
})
