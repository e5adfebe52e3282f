import { Executor, Future, TaskGroup } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Logger, Option } from "effect"
import { TestClock } from "effect/testing"
import * as FutureInternal from "../src/internal/future.ts"
import { errorOf, isInterruptedOnly, makeProbe } from "./helpers.ts"

class Boom extends Error {
  readonly _tag = "Boom"
}

describe("Future", () => {
  describe("done / running / poll", () => {
    it.effect("a running task is not done; once finished it is done with its exit", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("1 second"), 42))
        yield* Effect.yieldNow
        assert.isFalse(yield* Future.done(future))
        assert.isTrue(yield* Future.running(future))
        assert.isTrue(Option.isNone(yield* Future.poll(future)))
        yield* TestClock.adjust("1 second")
        assert.isTrue(yield* Future.done(future))
        assert.isFalse(yield* Future.running(future))
        assert.deepStrictEqual(yield* Future.poll(future), Option.some(Exit.succeed(42)))
        assert.isFalse(yield* Future.cancelled(future))
      }))

    it.effect("Future.await returns the exit of a success, a failure and a cancellation without failing", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const ok = yield* executor.submit(Effect.succeed("ok"))
        const ko = yield* executor.submit(Effect.fail("ko"))
        const never = yield* executor.submit(Effect.never)
        assert.deepStrictEqual(yield* Future.await(ok), Exit.succeed("ok"))
        assert.deepStrictEqual(yield* Future.await(ko), Exit.fail("ko"))
        yield* Effect.yieldNow
        assert.isTrue(yield* Future.cancel(never))
        assert.isTrue(isInterruptedOnly(yield* Future.await(never)))
      }))

    it.effect("interrupting a waiter does not cancel the task", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("2 seconds"), 1))
        const waiter = yield* Effect.forkChild(Future.await(future))
        yield* TestClock.adjust("1 second")
        yield* Fiber.interrupt(waiter)
        assert.isFalse(yield* Future.done(future))
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Future.await(future), Exit.succeed(1))
      }))
  })

  describe("cancel", () => {
    it.effect("cancels a pending task: it never starts", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const first = yield* executor.submit(track("first", Effect.sleep("1 second")))
        const second = yield* executor.submit(track("second", Effect.sleep("1 second")))
        yield* Effect.yieldNow
        assert.isTrue(yield* Future.running(first))
        assert.isFalse(yield* Future.running(second))
        assert.isFalse(yield* Future.done(second))
        assert.isTrue(yield* Future.cancel(second))
        assert.isTrue(yield* Future.done(second))
        assert.isTrue(yield* Future.cancelled(second))
        yield* TestClock.adjust("2 seconds")
        assert.isTrue(yield* Future.done(first))
        assert.isFalse(yield* Future.cancelled(first))
        assert.deepStrictEqual(probe.started, ["first"])
      }))

    it.effect("cancels a running task: it is interrupted and its finalizers run", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const future = yield* executor.submit(track("t", Effect.never))
        yield* Effect.yieldNow
        assert.isTrue(yield* Future.running(future))
        assert.isTrue(yield* Future.cancel(future))
        assert.isTrue(yield* Future.cancelled(future))
        assert.isTrue(yield* Future.done(future))
        assert.deepStrictEqual(probe.interrupted, ["t"])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("returns false for a finished, failed or already cancelled task", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const ok = yield* executor.submit(Effect.succeed(1))
        const ko = yield* executor.submit(Effect.fail("ko"))
        const never = yield* executor.submit(Effect.never)
        yield* Future.await(ok)
        yield* Future.await(ko)
        assert.isFalse(yield* Future.cancel(ok))
        assert.isFalse(yield* Future.cancel(ko))
        assert.isFalse(yield* Future.cancelled(ok))
        assert.isFalse(yield* Future.cancelled(ko))
        assert.isTrue(yield* Future.cancel(never))
        assert.isFalse(yield* Future.cancel(never))
        assert.isTrue(yield* Future.cancelled(never))
        assert.deepStrictEqual(yield* Future.await(ok), Exit.succeed(1))
      }))

    it.effect("cancel returns at once (asyncio's Task.cancel()); the task is cancelled once its finalizers have run", () =>
      Effect.gen(function*() {
        // (A gate rather than a sleep: under TestClock a sleep inside the
        // finalizer of an interrupted fiber does not block.)
        const started = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        let cleaned = false
        const executor = yield* Executor.make()
        const future = yield* executor.submit(
          Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(
            Effect.ensuring(Effect.andThen(
              Deferred.await(gate),
              Effect.sync(() => {
                cleaned = true
              })
            ))
          )
        )
        yield* Deferred.await(started)
        // Requested, not yet stopped: the finalizer is still waiting.
        assert.isTrue(yield* Future.cancel(future))
        assert.isFalse(yield* Future.done(future))
        assert.isFalse(yield* Future.cancelled(future))
        assert.isTrue(yield* Future.running(future))
        assert.isFalse(cleaned)
        // A second request while it stops is accepted too (asyncio counts them).
        assert.isTrue(yield* Future.cancel(future))
        yield* Deferred.succeed(gate, undefined)
        assert.isTrue(isInterruptedOnly(yield* Future.await(future)))
        assert.isTrue(cleaned)
        assert.isTrue(yield* Future.cancelled(future))
        assert.isFalse(yield* Future.cancel(future))
      }))

    it.effect("a task that completes anyway after cancel keeps its value; cancelled() is false (a pool task done within the grace period)", () =>
      Effect.gen(function*() {
        // An executor's future whose task is asked to stop but finishes first
        // (as a pool task that completes within the cancel grace period).
        let requests = 0
        const future = Backend.makeFutureUnsafe<number>({ cancel: () => requests++ })
        assert.isTrue(Backend.setRunningUnsafe(future))
        const canceller = yield* Effect.forkChild(Future.cancel(future))
        yield* Effect.yieldNow
        // cancel() has returned: the request was made, the task still runs.
        assert.deepStrictEqual(canceller.pollUnsafe(), Exit.succeed(true))
        assert.strictEqual(requests, 1)
        assert.isTrue(yield* Future.running(future))
        assert.isTrue(Backend.completeUnsafe(future, Exit.succeed(7)))
        assert.isFalse(yield* Future.cancelled(future))
        assert.strictEqual(yield* Future.result(future), 7)
        assert.isFalse(yield* Future.cancel(future))
        assert.strictEqual(requests, 1)
      }))
  })

  describe("refuseCancelUnsafe (a result already decided, as a gather's whose effects are done)", () => {
    it.effect("a cancel is refused while set: cancel() is false and the task goes on; accepted again once lifted", () =>
      Effect.gen(function*() {
        const gate = yield* Deferred.make<void>()
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.gen(function*() {
          const self = yield* Effect.fiber
          FutureInternal.refuseCancelUnsafe(self, true)
          yield* Deferred.await(gate)
          FutureInternal.refuseCancelUnsafe(self, false)
          return yield* Effect.never
        }))
        yield* Effect.yieldNow
        assert.isFalse(yield* Future.cancel(future))
        assert.isFalse(Future.cancelUnsafe(future))
        assert.isTrue(yield* Future.running(future))
        yield* Deferred.succeed(gate, undefined)
        yield* Effect.yieldNow
        assert.isTrue(yield* Future.cancel(future))
        assert.isTrue(isInterruptedOnly(yield* Future.await(future)))
      }))
  })

  describe("join (asyncio's await task)", () => {
    it.effect("interrupting a fiber that joins a task cancels the task and waits until it has stopped", () =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        const events: Array<string> = []
        const executor = yield* Executor.make()
        const future = yield* executor.submit(
          Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(
            Effect.ensuring(Effect.andThen(Deferred.await(gate), Effect.sync(() => events.push("task stopped"))))
          )
        )
        yield* Deferred.await(started)
        const joiner = yield* Effect.forkChild(Future.join(future))
        yield* Effect.yieldNow
        const interrupter = yield* Effect.forkChild(
          Effect.andThen(Fiber.interrupt(joiner), Effect.sync(() => events.push("joiner interrupted")))
        )
        yield* Effect.yieldNow
        // The task is stopping (its finalizer waits on the gate); the joiner waits for it.
        assert.isUndefined(joiner.pollUnsafe())
        assert.isFalse(yield* Future.done(future))
        assert.deepStrictEqual(events, [])
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(interrupter)
        assert.deepStrictEqual(events, ["task stopped", "joiner interrupted"])
        assert.isTrue(yield* Future.cancelled(future))
        assert.isTrue(isInterruptedOnly(joiner.pollUnsafe()))
      }))

    it.effect("result() and await() stay non-cancelling waits (concurrent.futures, asyncio's shield)", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("2 seconds"), 1))
        const waiters: Array<Fiber.Fiber<unknown, unknown>> = [
          yield* Effect.forkChild(Future.result(future)),
          yield* Effect.forkChild(Future.result(future, { timeout: "10 seconds" })),
          yield* Effect.forkChild(Future.await(future))
        ]
        yield* TestClock.adjust("1 second")
        for (const waiter of waiters) yield* Fiber.interrupt(waiter)
        const timedOut = yield* Effect.flip(Future.result(future, { timeout: 0 }))
        assert.strictEqual(timedOut._tag, "TimeoutError")
        assert.isFalse(yield* Future.done(future))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Future.join(future), 1)
      }))
  })

  describe("result", () => {
    it.effect("returns the task's value", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("1 second"), "value"))
        const fiber = yield* Effect.forkChild(Future.result(future))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Fiber.join(fiber), "value")
        assert.strictEqual(yield* Future.join(future), "value")
      }))

    it.effect("fails with the task's own typed error", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.fail(new Boom("bad")))
        const error = yield* Effect.flip(Future.result(future))
        assert.instanceOf(error, Boom)
        assert.strictEqual((error as Boom).message, "bad")
      }))

    it.effect("fails with CancelledError (carrying the task's name) when the task was cancelled", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.never, { name: "forever" })
        const waiter = yield* Effect.forkChild(Effect.flip(Future.result(future)))
        yield* Effect.yieldNow
        yield* Future.cancel(future)
        const error = yield* Fiber.join(waiter)
        assert.strictEqual(error._tag, "CancelledError")
        assert.strictEqual((error as { task?: string }).task, "forever")
        const again = yield* Effect.flip(Future.join(future))
        assert.strictEqual(again._tag, "CancelledError")
      }))

    it.effect("fails with TimeoutError after the timeout, and the task goes on", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("10 seconds"), 1))
        const waiter = yield* Effect.forkChild(Effect.exit(Future.result(future, { timeout: "1 second" })))
        yield* TestClock.adjust("999 millis")
        assert.isUndefined(waiter.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        const exit = yield* Fiber.join(waiter)
        const error = errorOf(exit)
        assert.isTrue(Cause.isTimeoutError(error))
        assert.isFalse(yield* Future.done(future))
        assert.isFalse(yield* Future.cancelled(future))
        yield* TestClock.adjust("9 seconds")
        assert.strictEqual(yield* Future.result(future, { timeout: "1 second" }), 1)
      }))

    it.effect("a timeout on an already completed future returns its value", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.succeed(7))
        yield* Future.await(future)
        assert.strictEqual(yield* Future.result(future, { timeout: 0 }), 7)
      }))

    it.effect("re-raises a defect of the task as a defect", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.die(new Boom("defect")))
        const exit = yield* Effect.exit(Future.result(future))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        assert.isFalse(Exit.isFailure(exit) && Cause.hasFails(exit.cause))
      }))
  })

  describe("exception", () => {
    it.effect("is none on success and some(error) on failure", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const ok = yield* executor.submit(Effect.succeed(1))
        const ko = yield* executor.submit(Effect.fail("ko"))
        assert.deepStrictEqual(yield* Future.exception(ok), Option.none())
        assert.deepStrictEqual(yield* Future.exception(ko), Option.some("ko"))
      }))

    it.effect("fails with CancelledError for a cancelled task", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.never)
        yield* Effect.yieldNow
        yield* Future.cancel(future)
        const error = yield* Effect.flip(Future.exception(future))
        assert.strictEqual(error._tag, "CancelledError")
      }))

    it.effect("fails with TimeoutError when the task is still running at the timeout", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.never)
        const waiter = yield* Effect.forkChild(Effect.flip(Future.exception(future, { timeout: "5 seconds" })))
        yield* TestClock.adjust("5 seconds")
        const error = yield* Fiber.join(waiter)
        assert.strictEqual(error._tag, "TimeoutError")
        assert.isFalse(yield* Future.done(future))
        yield* Future.cancel(future)
      }))

    it.effect("re-raises a defect", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.die("oops"))
        const exit = yield* Effect.exit(Future.exception(future))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      }))
  })

  describe("addDoneCallback", () => {
    it.effect("runs the callback once the task completes, with the future", () =>
      Effect.gen(function*() {
        const seen: Array<unknown> = []
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.as(Effect.sleep("1 second"), "v"))
        yield* Future.addDoneCallback(future, (f) =>
          Effect.gen(function*() {
            seen.push(yield* Future.result(f))
          }))
        yield* Effect.yieldNow
        assert.deepStrictEqual(seen, [])
        yield* TestClock.adjust("1 second")
        yield* Effect.yieldNow
        assert.deepStrictEqual(seen, ["v"])
      }))

    it.effect("runs at once on an already completed future, and on a cancelled one", () =>
      Effect.gen(function*() {
        const seen: Array<string> = []
        const executor = yield* Executor.make()
        const done = yield* executor.submit(Effect.succeed(1))
        yield* Future.await(done)
        yield* Future.addDoneCallback(done, () => Effect.sync(() => seen.push("done")))
        const never = yield* executor.submit(Effect.never)
        yield* Future.addDoneCallback(never, (f) =>
          Effect.map(Future.cancelled(f), (c) => {
            seen.push(`cancelled=${c}`)
          }))
        yield* Effect.yieldNow
        yield* Future.cancel(never)
        yield* Effect.yieldNow
        assert.deepStrictEqual(seen, ["done", "cancelled=true"])
      }))

    it.effect("callbacks run in the order they were added; a failing one is logged and ignored", () =>
      Effect.gen(function*() {
        const seen: Array<number> = []
        const logged: Array<string> = []
        const logger = Logger.make((options) => {
          logged.push(`${options.logLevel}:${String(options.message)}`)
        })
        const executor = yield* Executor.make()
        const gate = yield* Deferred.make<void>()
        const future = yield* executor.submit(Deferred.await(gate))
        yield* Future.addDoneCallback(future, () => Effect.sync(() => seen.push(1)))
        yield* Future.addDoneCallback(future, () => Effect.fail("callback failed")).pipe(
          Effect.provide(Logger.layer([logger]))
        )
        yield* Future.addDoneCallback(future, () => Effect.sync(() => seen.push(3)))
        yield* Deferred.succeed(gate, undefined)
        yield* Future.await(future)
        for (let i = 0; i < 5; i++) yield* Effect.yieldNow
        assert.deepStrictEqual(seen, [1, 3])
        assert.strictEqual(logged.length, 1)
        assert.match(logged[0], /^Error:/)
      }))
  })

  describe("TaskGroup futures", () => {
    it.effect("cancelling twice does not mark a still-running task as done", () =>
      Effect.gen(function*() {
        const states: Array<boolean> = []
        const started = yield* Deferred.make<void>()
        const gate = yield* Deferred.make<void>()
        yield* TaskGroup.run((group) =>
          Effect.gen(function*() {
            // The task's cleanup waits on a gate: it is still running after the first cancel request.
            const future = yield* group.createTask(
              Effect.andThen(Deferred.succeed(started, undefined), Effect.never).pipe(
                Effect.ensuring(Deferred.await(gate))
              )
            )
            yield* Deferred.await(started)
            assert.isTrue(Future.cancelUnsafe(future))
            yield* Effect.yieldNow
            assert.isTrue(Future.cancelUnsafe(future))
            states.push(Future.isDoneUnsafe(future))
            yield* Deferred.succeed(gate, undefined)
            yield* Future.await(future)
            states.push(Future.isDoneUnsafe(future))
            assert.isTrue(yield* Future.cancelled(future))
          })
        )
        assert.deepStrictEqual(states, [false, true])
      }))
  })
})
