import { Executor, Future, wait } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { makeProbe } from "./helpers.ts"

const sleepThen = <A>(millis: number, value: A) => Effect.as(Effect.sleep(millis), value)
const failAfter = <E>(millis: number, error: E) => Effect.andThen(Effect.sleep(millis), Effect.fail(error))

describe("wait", () => {
  it.effect("ALL_COMPLETED (the default) waits for every future", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const a = yield* executor.submit(sleepThen(1000, "a"))
      const b = yield* executor.submit(failAfter(2000, "b failed"))
      const c = yield* executor.submit(sleepThen(3000, "c"))
      const waiter = yield* Effect.forkChild(wait([a, b, c]))
      yield* TestClock.adjust("2999 millis")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const { done, notDone } = yield* Fiber.join(waiter)
      assert.deepStrictEqual(done, [a, b, c])
      assert.deepStrictEqual(notDone, [])
    }))

  it.effect("FIRST_COMPLETED returns as soon as one finishes while the rest keep running", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const executor = yield* Executor.make()
      const slow = yield* executor.submit(track("slow", sleepThen(3000, "slow")))
      const fast = yield* executor.submit(track("fast", sleepThen(1000, "fast")))
      const medium = yield* executor.submit(track("medium", sleepThen(2000, "medium")))
      const waiter = yield* Effect.forkChild(wait([slow, fast, medium], { returnWhen: "FIRST_COMPLETED" }))
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const { done, notDone } = yield* Fiber.join(waiter)
      assert.deepStrictEqual(done, [fast])
      assert.deepStrictEqual(notDone, [slow, medium])
      // the others were not cancelled: they go on and finish
      assert.strictEqual(probe.running, 2)
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Future.join(slow), "slow")
      assert.deepStrictEqual(yield* Future.join(medium), "medium")
      assert.deepStrictEqual(probe.interrupted, [])
    }))

  it.effect("FIRST_COMPLETED returns at once when a future has already completed", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const done = yield* executor.submit(Effect.succeed(1))
      yield* Future.await(done)
      const running = yield* executor.submit(Effect.never)
      const result = yield* wait([running, done], { returnWhen: "FIRST_COMPLETED" })
      assert.deepStrictEqual(result, { done: [done], notDone: [running] })
      yield* Future.cancel(running)
    }))

  it.effect("FIRST_COMPLETED counts a cancellation as a completion", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const a = yield* executor.submit(Effect.never)
      const b = yield* executor.submit(Effect.never)
      const waiter = yield* Effect.forkChild(wait([a, b], { returnWhen: "FIRST_COMPLETED" }))
      yield* Effect.yieldNow
      yield* Future.cancel(b)
      assert.deepStrictEqual(yield* Fiber.join(waiter), { done: [b], notDone: [a] })
      yield* Future.cancel(a)
    }))

  it.effect("FIRST_EXCEPTION returns on the first failure, not on successes or cancellations", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const ok = yield* executor.submit(sleepThen(1000, "ok"))
      const cancelled = yield* executor.submit(Effect.never)
      const bad = yield* executor.submit(failAfter(2000, "bad"))
      const slow = yield* executor.submit(sleepThen(5000, "slow"))
      const waiter = yield* Effect.forkChild(wait([ok, cancelled, bad, slow], { returnWhen: "FIRST_EXCEPTION" }))
      yield* TestClock.adjust("1 second")
      yield* Future.cancel(cancelled)
      yield* Effect.yieldNow
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 second")
      const { done, notDone } = yield* Fiber.join(waiter)
      assert.deepStrictEqual(done, [ok, cancelled, bad])
      assert.deepStrictEqual(notDone, [slow])
      assert.isFalse(yield* Future.done(slow))
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(yield* Future.join(slow), "slow")
    }))

  it.effect("FIRST_EXCEPTION returns at once when a future has already failed", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const bad = yield* executor.submit(Effect.fail("bad"))
      yield* Future.await(bad)
      const running = yield* executor.submit(Effect.never)
      assert.deepStrictEqual(
        yield* wait([running, bad], { returnWhen: "FIRST_EXCEPTION" }),
        { done: [bad], notDone: [running] }
      )
      yield* Future.cancel(running)
    }))

  it.effect("FIRST_EXCEPTION is ALL_COMPLETED when nothing fails", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const futures = yield* Effect.forEach([1, 2, 3], (i) => executor.submit(sleepThen(i * 1000, i)))
      const waiter = yield* Effect.forkChild(wait(futures, { returnWhen: "FIRST_EXCEPTION" }))
      yield* TestClock.adjust("2 seconds")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(waiter), { done: futures, notDone: [] })
    }))

  it.effect("a defect counts as an exception", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const dying = yield* executor.submit(Effect.andThen(Effect.sleep(1000), Effect.die("boom")))
      const running = yield* executor.submit(Effect.never)
      const waiter = yield* Effect.forkChild(wait([dying, running], { returnWhen: "FIRST_EXCEPTION" }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(waiter), { done: [dying], notDone: [running] })
      yield* Future.cancel(running)
    }))

  for (const returnWhen of ["ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION"] as const) {
    it.effect(`${returnWhen}: a timeout returns the partial split and cancels nothing`, () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const a = yield* executor.submit(track("a", sleepThen(5000, "a")))
        const b = yield* executor.submit(track("b", sleepThen(1000, "b")))
        const c = yield* executor.submit(track("c", sleepThen(6000, "c")))
        const timeout = returnWhen === "FIRST_COMPLETED" ? "500 millis" : "2 seconds"
        const waiter = yield* Effect.forkChild(wait([a, b, c], { returnWhen, timeout }))
        yield* TestClock.adjust(timeout)
        const split = yield* Fiber.join(waiter)
        if (returnWhen === "FIRST_COMPLETED") {
          assert.deepStrictEqual(split, { done: [], notDone: [a, b, c] })
        } else {
          assert.deepStrictEqual(split, { done: [b], notDone: [a, c] })
        }
        assert.strictEqual(probe.running, returnWhen === "FIRST_COMPLETED" ? 3 : 2)
        yield* TestClock.adjust("6 seconds")
        assert.deepStrictEqual(
          yield* Effect.forEach([a, b, c], Future.await),
          [Exit.succeed("a"), Exit.succeed("b"), Exit.succeed("c")]
        )
        assert.deepStrictEqual(probe.interrupted, [])
      }))
  }

  it.effect("a timeout of zero returns the split at once", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const done = yield* executor.submit(Effect.succeed(1))
      yield* Future.await(done)
      const running = yield* executor.submit(Effect.never)
      assert.deepStrictEqual(yield* wait([done, running], { timeout: 0 }), { done: [done], notDone: [running] })
      yield* Future.cancel(running)
    }))

  it.effect("an empty list returns at once; duplicates are counted once", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* wait([]), { done: [], notDone: [] })
      const executor = yield* Executor.make()
      const a = yield* executor.submit(sleepThen(1000, "a"))
      const b = yield* executor.submit(sleepThen(2000, "b"))
      const waiter = yield* Effect.forkChild(wait([a, a, b, a]))
      yield* TestClock.adjust("1 second")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(waiter), { done: [a, b], notDone: [] })
    }))

  it.effect("interrupting wait leaves the futures running", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const a = yield* executor.submit(sleepThen(2000, "a"))
      const waiter = yield* Effect.forkChild(wait([a]))
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(waiter)
      assert.isFalse(yield* Future.done(a))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Future.join(a), "a")
    }))
})
