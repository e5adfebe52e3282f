/**
 * The timeout helper: no limit / poll / a limit, and deadlines for loops
 * that wait more than once. Time is `TestClock`'s.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import { deadlineOf, isPoll, remaining, remainingAt, within, withinOrFail } from "../../src/internal/timeout.ts"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("timeout", () => {
  it.effect("within, no limit: waits as long as it takes", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(within(Effect.as(Effect.sleep("10 days"), "done"), undefined))
      yield* settle
      yield* TestClock.adjust("10 days")
      assert.deepStrictEqual(yield* Fiber.join(fiber), Option.some("done"))
    }))

  it.effect("within, 0: polls without starting the wait", () =>
    Effect.gen(function*() {
      let started = 0
      const wait = Effect.sync(() => ++started)
      assert.deepStrictEqual(yield* within(wait, 0), Option.none())
      assert.strictEqual(started, 0)
      const error = yield* Effect.flip(withinOrFail(wait, 0, () => "timed out" as const))
      assert.strictEqual(error, "timed out")
      assert.strictEqual(started, 0)
    }))

  it.effect("within, a limit: the value when in time, none (and the wait interrupted) when not", () =>
    Effect.gen(function*() {
      const inTime = yield* Effect.forkChild(within(Effect.as(Effect.sleep(99), 1), 100))
      yield* settle
      yield* TestClock.adjust(99)
      assert.deepStrictEqual(yield* Fiber.join(inTime), Option.some(1))
      let interrupted = false
      const late = yield* Effect.forkChild(
        within(Effect.onInterrupt(Effect.never, () => Effect.sync(() => (interrupted = true))), 100)
      )
      yield* settle
      yield* TestClock.adjust(99)
      assert.isUndefined(late.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* Fiber.join(late), Option.none())
      assert.isTrue(interrupted)
    }))

  it.effect("withinOrFail: the value, the wait's own error, or the given error on timeout", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* withinOrFail(Effect.succeed(1), undefined, () => "late"), 1)
      assert.strictEqual(yield* withinOrFail(Effect.succeed(2), 100, () => "late"), 2)
      assert.deepStrictEqual(
        yield* Effect.exit(withinOrFail(Effect.fail("own"), 100, () => "late")),
        Exit.fail("own")
      )
      const late = yield* Effect.forkChild(Effect.flip(withinOrFail(Effect.never, 100, () => "late" as const)))
      yield* settle
      yield* TestClock.adjust(100)
      assert.strictEqual(yield* Fiber.join(late), "late")
    }))

  it.effect("deadlines: remaining counts down on the clock and stops at 0; no limit has no deadline", () =>
    Effect.gen(function*() {
      const deadline = yield* deadlineOf(100)
      assert.strictEqual(yield* remaining(deadline), 100)
      yield* TestClock.adjust(30)
      assert.strictEqual(yield* remaining(deadline), 70)
      yield* TestClock.adjust(100)
      assert.strictEqual(yield* remaining(deadline), 0)
      assert.isTrue(isPoll(yield* remaining(deadline)))
      const never = yield* deadlineOf(undefined)
      assert.strictEqual(never, Infinity)
      assert.isUndefined(yield* remaining(never))
      assert.isFalse(isPoll(yield* remaining(never)))
      assert.strictEqual(remainingAt(1000, 400), 600)
      assert.strictEqual(remainingAt(1000, 2000), 0)
      assert.isUndefined(remainingAt(Infinity, 0))
    }))

  it("isPoll: 0 (and below) polls; a limit or none waits", () => {
    assert.isTrue(isPoll(0))
    assert.isTrue(isPoll(-1))
    assert.isFalse(isPoll(1))
    assert.isFalse(isPoll(undefined))
  })
})
