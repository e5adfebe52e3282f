import { asCompleted, Executor, Future } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { errorOf, makeProbe } from "./helpers.ts"

const sleepThen = <A>(millis: number, value: A) => Effect.as(Effect.sleep(millis), value)

describe("asCompleted", () => {
  it.effect("yields the futures in completion order", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const delays = [3000, 1000, 4000, 2000]
      const futures = yield* Effect.forEach(delays, (d) => executor.submit(sleepThen(d, d)))
      const seen: Array<number> = []
      const fiber = yield* Effect.forkChild(
        asCompleted(futures).pipe(
          Stream.mapEffect((future) => Future.result(future)),
          Stream.runForEach((d) => Effect.sync(() => seen.push(d)))
        )
      )
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(seen, [1000])
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(seen, [1000, 2000])
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(seen, [1000, 2000, 3000, 4000])
    }))

  it.effect("futures already complete come first; failed and cancelled ones are yielded too", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const running = yield* executor.submit(sleepThen(1000, "running"))
      const failed = yield* executor.submit(Effect.fail("failed"))
      const finished = yield* executor.submit(Effect.succeed("finished"))
      const cancelled = yield* executor.submit(Effect.never)
      yield* Future.await(failed)
      yield* Future.await(finished)
      yield* Future.cancel(cancelled)
      const fiber = yield* Effect.forkChild(Stream.runCollect(asCompleted([running, failed, finished, cancelled])))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [failed, finished, cancelled, running])
    }))

  it.effect("yields each future once, even when given twice; an empty list is an empty stream", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const a = yield* executor.submit(sleepThen(1000, "a"))
      const b = yield* executor.submit(sleepThen(500, "b"))
      const fiber = yield* Effect.forkChild(Stream.runCollect(asCompleted([a, b, a, b, a])))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [b, a])
      assert.deepStrictEqual(yield* Stream.runCollect(asCompleted([])), [])
    }))

  it.effect("timeout: fails with TimeoutError after yielding what had completed; the rest keep running", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const executor = yield* Executor.make()
      const futures = yield* Effect.forEach(
        [1000, 5000, 2000, 6000],
        (d) => executor.submit(track(d, sleepThen(d, d)))
      )
      const seen: Array<number> = []
      const fiber = yield* Effect.forkChild(Effect.exit(
        asCompleted(futures, { timeout: "3 seconds" }).pipe(
          Stream.mapEffect((future) => Future.result(future)),
          Stream.runForEach((d) => Effect.sync(() => seen.push(d)))
        )
      ))
      yield* TestClock.adjust("2999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const exit = yield* Fiber.join(fiber)
      const error = errorOf(exit)
      assert.isTrue(Cause.isTimeoutError(error))
      assert.match((error as Cause.TimeoutError).message, /2 of 4/)
      assert.deepStrictEqual(seen, [1000, 2000])
      // nothing was cancelled
      assert.strictEqual(probe.running, 2)
      yield* TestClock.adjust("3 seconds")
      assert.deepStrictEqual(yield* Effect.forEach(futures, Future.join), [1000, 5000, 2000, 6000])
      assert.deepStrictEqual(probe.interrupted, [])
    }))

  it.effect("timeout counts from when the stream starts, not from when the stream was built", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const future = yield* executor.submit(sleepThen(3000, "x"))
      const stream = asCompleted([future], { timeout: "2 seconds" })
      yield* TestClock.adjust("2 seconds")
      const fiber = yield* Effect.forkChild(Stream.runCollect(stream))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [future])
    }))

  it.effect("no timeout error when everything completes in time", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const futures = yield* Effect.forEach([1, 2], (s) => executor.submit(sleepThen(s * 1000, s)))
      const fiber = yield* Effect.forkChild(
        Effect.exit(Stream.runCollect(asCompleted(futures, { timeout: "2 seconds" })))
      )
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.succeed(futures))
    }))

  it.effect("stopping the stream early leaves the futures running", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const futures = yield* Effect.forEach([1, 2, 3], (s) => executor.submit(sleepThen(s * 1000, s)))
      const fiber = yield* Effect.forkChild(Stream.runCollect(asCompleted(futures).pipe(Stream.take(1))))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(fiber), [futures[0]])
      assert.deepStrictEqual(yield* Effect.forEach(futures, Future.done), [true, false, false])
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Effect.forEach(futures, Future.join), [1, 2, 3])
    }))

  describe("effects (asyncio.as_completed takes coroutines)", () => {
    it.effect("effects are started as tasks when the stream starts and yielded as futures, in completion order, mixed with futures", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const given = yield* executor.submit(track("future", sleepThen(2000, "future")))
        const stream = asCompleted([
          track("slow", sleepThen(3000, "slow")),
          given,
          track("fast", sleepThen(1000, "fast"))
        ])
        yield* TestClock.adjust("100 millis")
        // Built, not started: only the given future runs.
        assert.deepStrictEqual(probe.started, ["future"])
        const seen: Array<string> = []
        const fiber = yield* Effect.forkChild(
          stream.pipe(
            Stream.mapEffect((future) => Future.result(future)),
            Stream.runForEach((value) => Effect.sync(() => seen.push(value)))
          )
        )
        yield* TestClock.adjust("1 second")
        assert.sameMembers(probe.started, ["future", "slow", "fast"])
        assert.deepStrictEqual(seen, ["fast"])
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(fiber)
        assert.deepStrictEqual(seen, ["fast", "future", "slow"])
        assert.deepStrictEqual(probe.interrupted, [])
      }))

    it.effect("every occurrence of an effect runs; its future reports a failure like any other", () =>
      Effect.gen(function*() {
        let runs = 0
        const once = Effect.sync(() => ++runs)
        const failing = Effect.andThen(Effect.sleep(1000), Effect.fail("bad"))
        const fiber = yield* Effect.forkChild(Stream.runCollect(asCompleted([once, once, failing])))
        yield* TestClock.adjust("1 second")
        const futures = yield* Fiber.join(fiber)
        assert.strictEqual(futures.length, 3)
        assert.strictEqual(runs, 2)
        assert.deepStrictEqual(yield* Future.await(futures[2]), Exit.fail("bad"))
      }))

    it.effect("leaving the stream early interrupts the tasks it started, and waits for them; given futures go on", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const gate = yield* Deferred.make<void>()
        const executor = yield* Executor.make()
        const given = yield* executor.submit(track("future", sleepThen(3000, "future")))
        const events: Array<string> = []
        const slow = track("slow", sleepThen(5000, "slow")).pipe(
          Effect.onInterrupt(() => Effect.andThen(Deferred.await(gate), Effect.sync(() => events.push("slow stopped"))))
        )
        const fiber = yield* Effect.forkChild(
          Effect.tap(
            Stream.runCollect(asCompleted([slow, given, track("fast", sleepThen(1000, "fast"))]).pipe(Stream.take(1))),
            () => Effect.sync(() => events.push("stream ended"))
          )
        )
        yield* TestClock.adjust("1 second")
        // The stream has its element; its end waits for "slow" to stop.
        assert.deepStrictEqual(events, [])
        assert.isUndefined(fiber.pollUnsafe())
        yield* Deferred.succeed(gate, undefined)
        const [first] = yield* Fiber.join(fiber)
        assert.deepStrictEqual(events, ["slow stopped", "stream ended"])
        assert.strictEqual(yield* Future.result(first), "fast")
        assert.deepStrictEqual(probe.interrupted, ["slow"])
        assert.isFalse(yield* Future.done(given))
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual(yield* Future.join(given), "future")
      }))

    it.effect("on timeout the tasks it started are interrupted; given futures go on", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const given = yield* executor.submit(track("future", sleepThen(5000, "future")))
        const fiber = yield* Effect.forkChild(Effect.exit(Stream.runCollect(
          asCompleted([track("slow", sleepThen(5000, "slow")), given], { timeout: "1 second" })
        )))
        yield* TestClock.adjust("1 second")
        const error = errorOf(yield* Fiber.join(fiber))
        assert.isTrue(Cause.isTimeoutError(error))
        assert.deepStrictEqual(probe.interrupted, ["slow"])
        assert.isFalse(yield* Future.done(given))
        yield* TestClock.adjust("4 seconds")
        assert.strictEqual(yield* Future.join(given), "future")
      }))
  })
})
