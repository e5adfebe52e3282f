import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { asCompleted, Executor, Future } from "@corun/core"
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
      const fiber = yield* Effect.forkChild(Effect.exit(Stream.runCollect(asCompleted(futures, { timeout: "2 seconds" }))))
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
})
