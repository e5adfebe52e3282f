import { Executor, Future, Gather, gather } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
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

  it.effect("the first failure fails the gather at once; the others run on until they finish (asyncio)", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const events: Array<string> = []
      const fiber = yield* Effect.forkChild(Effect.gen(function*() {
        const exit = yield* Effect.exit(gather([
          track("slow", sleepThen(5000, 1)),
          track("bad", Effect.andThen(Effect.sleep(1000), Effect.fail("bad"))),
          track("done", sleepThen(500, 3))
        ]))
        events.push("gather failed")
        // The caller goes on: the gather's other effects go on too.
        yield* Effect.sleep(10_000)
        return exit
      }))
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(events, ["gather failed"])
      assert.deepStrictEqual(probe.ended, ["done", "bad"])
      assert.strictEqual(probe.running, 1)
      yield* TestClock.adjust("4 seconds")
      assert.deepStrictEqual(probe.ended, ["done", "bad", "slow"])
      assert.deepStrictEqual(probe.interrupted, [])
      yield* TestClock.adjust("6 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("bad"))
    }))

  it.effect("the effects left running after a failure stop when the fiber that ran the gather ends", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const gate = yield* Deferred.make<void>()
      let cleaned = false
      const fiber = yield* Effect.forkChild(Effect.exit(gather([
        track("slow", sleepThen(5000, 1)).pipe(
          Effect.onInterrupt(() =>
            Effect.andThen(
              Deferred.await(gate),
              Effect.sync(() => {
                cleaned = true
              })
            )
          )
        ),
        track("bad", Effect.andThen(Effect.sleep(1000), Effect.fail("bad")))
      ])))
      yield* TestClock.adjust("1 second")
      // The fiber has its result but waits for "slow" to stop before it ends.
      assert.isUndefined(fiber.pollUnsafe())
      assert.deepStrictEqual(probe.interrupted, ["slow"])
      assert.isFalse(cleaned)
      yield* Deferred.succeed(gate, undefined)
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("bad"))
      assert.isTrue(cleaned)
      assert.deepStrictEqual(probe.interrupted, ["slow"])
      assert.strictEqual(probe.running, 0)
    }))

  it.effect("a defect or a self-interruption is a failure too; the others run on", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      for (const failing of [Effect.die("defect"), Effect.interrupt]) {
        const fiber = yield* Effect.forkChild(Effect.gen(function*() {
          const exit = yield* Effect.exit(
            gather([track("slow", sleepThen(2000, 1)), Effect.andThen(Effect.sleep(1000), failing)])
          )
          yield* Effect.sleep(5000)
          return exit
        }))
        yield* TestClock.adjust("6 seconds")
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(Exit.isFailure(exit))
      }
      assert.deepStrictEqual(probe.ended, ["slow", "slow"])
      assert.deepStrictEqual(probe.interrupted, [])
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

  it.effect("interrupting the gather waits until every effect has stopped", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const events: Array<string> = []
      const stopping = (id: string) =>
        Effect.onInterrupt(Effect.never, () =>
          Effect.andThen(Deferred.await(gate), Effect.sync(() => events.push(`${id} stopped`))))
      const fiber = yield* Effect.forkChild(gather([stopping("a"), stopping("b")]))
      yield* Effect.yieldNow
      const interrupter = yield* Effect.forkChild(
        Effect.andThen(
          Fiber.interrupt(fiber),
          Effect.sync(() =>
            events.push("gather interrupted")
          )
        )
      )
      yield* Effect.yieldNow
      assert.deepStrictEqual(events, [])
      assert.isUndefined(fiber.pollUnsafe())
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(interrupter)
      assert.deepStrictEqual(events, ["a stopped", "b stopped", "gather interrupted"])
    }))

  describe("a gather run as a task (asyncio's gathering future)", () => {
    it.effect("Future.cancel cancels its effects: true while it runs, false once it has completed", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const future = yield* executor.submit(gather([track("a", Effect.never), track("b", sleepThen(1000, "b"))]))
        yield* TestClock.adjust("500 millis")
        assert.strictEqual(probe.running, 2)
        assert.isTrue(yield* Future.cancel(future))
        yield* Future.await(future)
        assert.sameMembers(probe.interrupted, ["a", "b"])
        assert.strictEqual(probe.running, 0)
        assert.isTrue(yield* Future.cancelled(future))
        assert.isFalse(yield* Future.cancel(future))
      }))

    it.effect("a cancel is refused once its effects have all completed, and the results stand (test_cancel_gather_1)", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const child = yield* Deferred.make<number>()
        const future = yield* executor.submit(gather([Deferred.await(child)]))
        yield* Effect.yieldNow
        assert.isTrue(yield* Future.running(future))
        // The child resumes at the next step and, in that same step, the
        // gather delivers its result: no cancel can come in between.
        yield* Deferred.succeed(child, 42)
        yield* Effect.yieldNow
        assert.isFalse(yield* Future.cancel(future))
        assert.deepStrictEqual(yield* Future.join(future), [42])
        assert.isFalse(yield* Future.cancelled(future))
      }))
  })
})
