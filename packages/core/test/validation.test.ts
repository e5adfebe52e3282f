/**
 * Arguments are checked before any fast path: a bad timeout, duration or
 * count fails with `InvalidArgumentError` whether or not the call would have
 * had to wait, and before anything is acquired, queued or started.
 * `Infinity` and very long durations mean no limit.
 */
import { asCompleted, Condition, Event, Executor, Future, Lock, RLock, TaskQueue, Timer, wait } from "@corun/core"
import type { Errors } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, Stream } from "effect"
import { TestClock } from "effect/testing"

/** Lets forked fibers run until they block (wake-ups are scheduled on the next tick). */
const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

const badTimeouts: ReadonlyArray<Duration.Input> = [
  -1,
  Number.NaN,
  -Infinity,
  "-5 seconds",
  "soon" as any,
  [Number.NaN, 0],
  { seconds: Number.NaN }
]

const assertInvalid = (error: unknown, argument: string) => {
  const e = error as Errors.InvalidArgumentError
  assert.strictEqual(e._tag, "InvalidArgumentError", `expected InvalidArgumentError, got ${String(error)}`)
  assert.strictEqual(e.argument, argument)
  assert.include(e.message, `'${argument}'`)
}

const THIRTY_DAYS = "30 days" as const
const SIXTY_DAYS = Duration.days(60)

describe("arguments are checked before any fast path", () => {
  it.effect("Lock.acquire on a free lock: a bad timeout fails and the lock stays free", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      for (const timeout of badTimeouts) {
        assertInvalid(yield* Effect.flip(lock.acquire({ timeout })), "timeout")
        assert.isFalse(yield* lock.locked, `acquired with timeout ${String(timeout)}`)
      }
      const both = yield* Effect.flip(lock.acquire({ blocking: false, timeout: 1 }))
      assertInvalid(both, "timeout")
      assert.isFalse(yield* lock.locked)
      // Python's timeout=0 and timeout=None are fine.
      assert.isTrue(yield* lock.acquire({ timeout: 0 }))
      yield* lock.release
      assert.isTrue(yield* lock.acquire({ timeout: undefined }))
      yield* lock.release
    }))

  it.effect("RLock.acquire: checked on a free lock and in the owner (before re-entry)", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      assertInvalid(yield* Effect.flip(rlock.acquire({ timeout: -1 })), "timeout")
      assert.isFalse(yield* rlock.locked)
      assertInvalid(yield* Effect.flip(rlock.acquire({ blocking: false, timeout: 1 })), "timeout")
      assert.isFalse(yield* rlock.locked)
      yield* rlock.acquire()
      assertInvalid(yield* Effect.flip(rlock.acquire({ timeout: Number.NaN })), "timeout")
      assert.strictEqual(yield* rlock.count, 1, "a refused re-entry must not count")
      yield* rlock.release
      assert.isFalse(yield* rlock.locked)
    }))

  it.effect("Condition.acquire goes through the same check", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make(yield* Lock.make())
      assertInvalid(yield* Effect.flip(cond.acquire({ timeout: -1 })), "timeout")
      assert.isFalse(yield* cond.lock.locked)
    }))

  it.effect("Condition.notify: a count that is not an integer fails; n <= 0 wakes nobody, as in Python", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const woken: Array<number> = []
      for (const i of [1, 2]) {
        yield* Effect.forkChild(cond.withLock(Effect.andThen(cond.wait(), Effect.sync(() => woken.push(i)))))
      }
      yield* settle
      assert.strictEqual(yield* cond.waiting, 2)
      yield* cond.withLock(Effect.gen(function*() {
        for (const n of [Number.NaN, 1.5]) assertInvalid(yield* Effect.flip(cond.notify(n)), "n")
        yield* cond.notify(0)
        yield* cond.notify(-1)
      }))
      yield* settle
      assert.deepStrictEqual(woken, [], "NaN, 1.5, 0 and -1 woke nobody")
      assert.strictEqual(yield* cond.waiting, 2)
      yield* cond.withLock(cond.notify(Infinity))
      yield* settle
      assert.deepStrictEqual(woken, [1, 2])
    }))

  it.effect("TaskQueue put / get: a bad timeout fails even when the call would not wait, or with block: false", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>()
      for (const timeout of badTimeouts) {
        assertInvalid(yield* Effect.flip(q.put(1, { timeout })), "timeout")
        assertInvalid(yield* Effect.flip(q.put(1, { block: false, timeout })), "timeout")
      }
      assert.strictEqual(yield* q.qsize, 0, "nothing was put")
      assert.strictEqual(yield* q.unfinishedTasks, 0)
      yield* q.put(7)
      for (const timeout of badTimeouts) {
        assertInvalid(yield* Effect.flip(q.get({ timeout })), "timeout")
        assertInvalid(yield* Effect.flip(q.get({ block: false, timeout })), "timeout")
      }
      assert.strictEqual(yield* q.qsize, 1, "nothing was taken")
      assert.strictEqual(yield* q.get({ timeout: 0 }), 7)
      for (const maxsize of [Number.NaN, 1.5]) {
        assertInvalid(yield* Effect.flip(TaskQueue.fifo({ maxsize })), "maxsize")
      }
    }))

  it.effect("Event.wait on a set event and Timer.make check their duration", () =>
    Effect.gen(function*() {
      const event = yield* Event.make(true)
      for (const timeout of badTimeouts) assertInvalid(yield* Effect.flip(event.wait({ timeout })), "timeout")
      const exit = yield* Effect.scoped(Effect.exit(Timer.make(Number.NaN, Effect.void)))
      assert.isTrue(Exit.isFailure(exit))
      assertInvalid(yield* Effect.scoped(Effect.flip(Timer.make(-1, Effect.void))), "interval")
    }))

  it.effect("Future.result / exception on a finished future: a bad timeout fails, it is not a timeout", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const done = yield* executor.submit(Effect.succeed(1))
      const running = yield* executor.submit(Effect.never)
      yield* Future.await(done)
      for (const timeout of badTimeouts) {
        for (const future of [done, running]) {
          assertInvalid(yield* Effect.flip(Future.result(future, { timeout })), "timeout")
          assertInvalid(yield* Effect.flip(Future.exception(future, { timeout })), "timeout")
        }
      }
      // timeout 0 polls (Python's result(timeout=0)).
      assert.strictEqual(yield* Future.result(done, { timeout: 0 }), 1)
      assert.strictEqual((yield* Effect.flip(Future.result(running, { timeout: 0 })))._tag, "TimeoutError")
      yield* Future.cancel(running)
    }))

  it.effect("wait / asCompleted: a bad timeout or returnWhen fails instead of timing out", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const running = yield* executor.submit(Effect.never)
      for (const timeout of badTimeouts) {
        assertInvalid(yield* Effect.flip(wait([running], { timeout })), "timeout")
        assertInvalid(yield* Effect.flip(Stream.runCollect(asCompleted([running], { timeout }))), "timeout")
      }
      assertInvalid(yield* Effect.flip(wait([running], { returnWhen: "FIRST" as any })), "returnWhen")
      yield* Future.cancel(running)
    }))

  it.effect("Executor.map: a bad timeout fails before any item is read", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      let read = 0
      const items = {
        *[Symbol.iterator]() {
          read++
          yield 1
        }
      }
      for (const timeout of badTimeouts) {
        const error = yield* Effect.flip(Stream.runCollect(executor.map(items, Effect.succeed, { timeout })))
        assertInvalid(error, "timeout")
      }
      for (const concurrency of [0, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(Stream.runCollect(executor.map(items, Effect.succeed, { concurrency })))
        assertInvalid(error, "concurrency")
      }
      assert.strictEqual(read, 0)
    }))
})

describe("Infinity and very long durations mean no limit", () => {
  it.effect("Lock / RLock acquire with 30 days or Infinity still wait after a long clock jump, then get the lock", () =>
    Effect.gen(function*() {
      for (const timeout of [THIRTY_DAYS, SIXTY_DAYS, Infinity, "Infinity" as const]) {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        const waiter = yield* Effect.forkChild(lock.acquire({ timeout }))
        yield* settle
        yield* TestClock.adjust("29 days")
        assert.isUndefined(waiter.pollUnsafe(), `${String(timeout)}: gave up early`)
        yield* lock.release
        assert.isTrue(yield* Fiber.join(waiter))
      }
    }))

  it.effect("Event.wait / Condition.wait / TaskQueue.get with 30 days are still waiting after 29 days", () =>
    Effect.gen(function*() {
      const event = yield* Event.make()
      const cond = yield* Condition.make()
      const q = yield* TaskQueue.fifo<number>()
      const e = yield* Effect.forkChild(event.wait({ timeout: THIRTY_DAYS }))
      const c = yield* Effect.forkChild(cond.withLock(cond.wait({ timeout: Infinity })))
      const g = yield* Effect.forkChild(q.get({ timeout: THIRTY_DAYS }))
      yield* settle
      yield* TestClock.adjust("29 days")
      assert.isUndefined(e.pollUnsafe())
      assert.isUndefined(c.pollUnsafe())
      assert.isUndefined(g.pollUnsafe())
      yield* event.set
      yield* cond.withLock(cond.notifyAll)
      yield* q.put(5)
      assert.isTrue(yield* Fiber.join(e))
      assert.isTrue(yield* Fiber.join(c))
      assert.strictEqual(yield* Fiber.join(g), 5)
      // ... and 30 days do end: the long wait is not "forever".
      yield* event.clear
      const late = yield* Effect.forkChild(event.wait({ timeout: THIRTY_DAYS }))
      const late2 = yield* Effect.forkChild(q.get({ timeout: THIRTY_DAYS }))
      yield* settle
      yield* TestClock.adjust("29 days")
      assert.isUndefined(late.pollUnsafe())
      assert.isUndefined(late2.pollUnsafe())
      yield* TestClock.adjust("1 day")
      assert.isFalse(yield* Fiber.join(late))
      assert.strictEqual((yield* Effect.flip(Fiber.join(late2)))._tag, "QueueEmpty")
    }))

  it.effect("Future.result / wait / asCompleted / Executor.map with 30 days or Infinity wait for the task", () =>
    Effect.gen(function*() {
      const executor = yield* Executor.make()
      const slow = yield* executor.submit(Effect.as(Effect.sleep("40 days"), "done"))
      const result = yield* Effect.forkChild(Future.result(slow, { timeout: SIXTY_DAYS }))
      const infinite = yield* Effect.forkChild(Future.result(slow, { timeout: Infinity }))
      const waited = yield* Effect.forkChild(wait([slow], { timeout: THIRTY_DAYS }))
      const streamed = yield* Effect.forkChild(Stream.runCollect(asCompleted([slow], { timeout: SIXTY_DAYS })))
      const mapped = yield* Effect.forkChild(
        Stream.runCollect(executor.map([1], () => Future.join(slow), { timeout: SIXTY_DAYS }))
      )
      yield* settle
      yield* TestClock.adjust("29 days")
      for (const fiber of [result, infinite, waited, streamed, mapped]) assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 day")
      // wait's 30 days are over: it returns the split, the task still running.
      const split = yield* Fiber.join(waited)
      assert.deepStrictEqual(split, { done: [], notDone: [slow] })
      yield* TestClock.adjust("10 days")
      assert.strictEqual(yield* Fiber.join(result), "done")
      assert.strictEqual(yield* Fiber.join(infinite), "done")
      assert.deepStrictEqual(Array.from(yield* Fiber.join(streamed)), [slow])
      assert.deepStrictEqual(Array.from(yield* Fiber.join(mapped)), ["done"])
    }))

  it.effect("Timer.make with Infinity never fires; with 30 days it fires after 30 days", () =>
    Effect.gen(function*() {
      let fired = 0
      yield* Effect.scoped(Effect.gen(function*() {
        const never = yield* Timer.start(Infinity, Effect.sync(() => fired++))
        const month = yield* Timer.start(THIRTY_DAYS, Effect.sync(() => fired++))
        yield* settle
        yield* TestClock.adjust("29 days")
        assert.strictEqual(fired, 0)
        yield* TestClock.adjust("1 day")
        assert.deepStrictEqual(yield* month.join, Option.some(0))
        yield* TestClock.adjust("1000 days")
        assert.strictEqual(fired, 1)
        assert.isTrue(yield* never.isAlive)
      }))
    }))
})
