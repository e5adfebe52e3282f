import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { gather, Gather } from "@corun/core"
import { isInterruptedOnly, makeProbe } from "./helpers.ts"

const sleepThen = <A>(millis: number, value: A) => Effect.as(Effect.sleep(millis), value)

describe("gather", () => {
  it.effect("runs the effects at once and returns the results in the order given", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(gather([
        track("a", sleepThen(3000, "a")),
        track("b", sleepThen(1000, 2)),
        track("c", sleepThen(2000, true))
      ]))
      yield* TestClock.adjust("2999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const [a, b, c] = yield* Fiber.join(fiber)
      assert.deepStrictEqual([a, b, c], ["a", 2, true])
      assert.strictEqual(probe.peak, 3)
      assert.deepStrictEqual(probe.ended, ["b", "c", "a"])
    }))

  it.effect("Gather.gather is the same function; an empty list gives []", () =>
    Effect.gen(function*() {
      assert.strictEqual(Gather.gather, gather)
      assert.deepStrictEqual(yield* gather([]), [])
    }))

  it.effect("the first failure fails the gather and interrupts the others", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(Effect.exit(gather([
        track("slow", sleepThen(5000, 1)),
        track("bad", Effect.andThen(Effect.sleep(1000), Effect.fail("bad"))),
        track("done", sleepThen(500, 3))
      ])))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(exit, Exit.fail("bad"))
      assert.deepStrictEqual(probe.interrupted, ["slow"])
      assert.strictEqual(probe.running, 0)
    }))

  it.effect("returnExceptions: every outcome comes back as an Exit at its position", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(gather([
        track(0, sleepThen(3000, "ok")),
        track(1, Effect.andThen(Effect.sleep(1000), Effect.fail("bad"))),
        track(2, Effect.andThen(Effect.sleep(2000), Effect.die("defect"))),
        track(3, Effect.andThen(Effect.sleep(500), Effect.interrupt))
      ], { returnExceptions: true }))
      yield* TestClock.adjust("2 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 second")
      const [ok, bad, defect, cancelled] = yield* Fiber.join(fiber)
      assert.deepStrictEqual(ok, Exit.succeed("ok"))
      assert.deepStrictEqual(bad, Exit.fail("bad"))
      assert.isTrue(Exit.isFailure(defect) && Cause.hasDies(defect.cause))
      assert.isTrue(isInterruptedOnly(cancelled))
      // a failure did not stop the others
      assert.deepStrictEqual(probe.interrupted, [3])
    }))

  it.effect("interrupting the gather interrupts every effect", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      for (const returnExceptions of [false, true]) {
        const effects = [track("a", Effect.never), track("b", Effect.never)] as const
        const fiber = yield* Effect.forkChild(
          returnExceptions ? gather(effects, { returnExceptions: true }) : gather(effects)
        )
        yield* TestClock.adjust("1 second")
        assert.strictEqual(probe.running, 2)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(probe.running, 0)
      }
      assert.deepStrictEqual(probe.interrupted.length, 4)
    }))
})
