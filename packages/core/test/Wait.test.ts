import { asCompleted, Executor, Future, Wait, wait } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { errorOf, makeProbe } from "./helpers.ts"

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

describe("Wait module", () => {
  it("the top-level wait / asCompleted and Future's are Wait's", () => {
    assert.strictEqual(wait, Wait.wait)
    assert.strictEqual(asCompleted, Wait.asCompleted)
    assert.strictEqual(Future.wait, Wait.wait)
    assert.strictEqual(Future.asCompleted, Wait.asCompleted)
  })
})
