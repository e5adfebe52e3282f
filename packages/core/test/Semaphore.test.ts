import { BoundedSemaphore, Semaphore } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Semaphore", () => {
  it.effect("a bad initial value fails with InvalidArgumentError", () =>
    Effect.gen(function*() {
      for (const value of [-1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(Semaphore.make(value))
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(error.argument, "value")
        assert.strictEqual((yield* Effect.flip(Semaphore.makeBounded(value)))._tag, "InvalidArgumentError")
      }
      assert.throws(() => Semaphore.makeUnsafe(-1))
      assert.strictEqual(yield* (yield* Semaphore.make()).value, 1)
      assert.strictEqual(yield* (yield* Semaphore.make(0)).value, 0)
    }))

  it.effect("acquire takes permits and waits when there is none; release wakes a waiter", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(2)
      assert.isTrue(Semaphore.isSemaphore(sem))
      assert.isTrue(yield* sem.acquire())
      assert.isTrue(yield* Semaphore.acquire(sem))
      assert.strictEqual(yield* Semaphore.value(sem), 0)
      const waiter = yield* Effect.forkChild(sem.acquire())
      yield* settle
      assert.isUndefined(waiter.pollUnsafe())
      yield* Semaphore.release(sem)
      assert.isTrue(yield* Fiber.join(waiter))
      assert.strictEqual(yield* sem.value, 0)
      assert.match(String(sem), /Semaphore\(value=0\/2\)/)
    }))

  it.effect("acquire with a timeout, blocking: false and timeout: 0", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      assert.isTrue(yield* sem.acquire({ blocking: false }))
      assert.isFalse(yield* sem.acquire({ blocking: false }))
      assert.isFalse(yield* sem.acquire({ timeout: 0 }))
      const timed = yield* Effect.forkChild(sem.acquire({ timeout: "1 second" }))
      yield* settle
      yield* TestClock.adjust("1 second")
      assert.isFalse(yield* Fiber.join(timed))
      assert.strictEqual(yield* sem.value, 0)
      const inTime = yield* Effect.forkChild(sem.acquire({ timeout: "1 second" }))
      yield* settle
      yield* sem.release()
      assert.isTrue(yield* Fiber.join(inTime))
      assert.strictEqual(yield* sem.value, 0)
      assert.strictEqual((yield* Effect.flip(sem.acquire({ timeout: -1 })))._tag, "InvalidArgumentError")
      assert.strictEqual(
        (yield* Effect.flip(sem.acquire({ blocking: false, timeout: 1 })))._tag,
        "InvalidArgumentError"
      )
    }))

  it.effect("a timed-out or interrupted acquire leaks no permit", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      yield* sem.acquire()
      const timed = yield* Effect.forkChild(sem.acquire({ timeout: "1 second" }))
      const interrupted = yield* Effect.forkChild(sem.acquire())
      yield* settle
      yield* Fiber.interrupt(interrupted)
      yield* TestClock.adjust("1 second")
      assert.isFalse(yield* Fiber.join(timed))
      yield* sem.release()
      assert.strictEqual(yield* sem.value, 1)
      assert.isTrue(yield* sem.acquire({ blocking: false }))
    }))

  it.effect("a plain semaphore may be released beyond its initial value (as in Python)", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      yield* sem.release(2)
      assert.strictEqual(yield* sem.value, 3)
      assert.isTrue(yield* sem.acquire({ blocking: false }))
      assert.isTrue(yield* sem.acquire({ blocking: false }))
      assert.isTrue(yield* sem.acquire({ blocking: false }))
      assert.isFalse(yield* sem.acquire({ blocking: false }))
      const bad = yield* Effect.flip(sem.release(0))
      assert.strictEqual(bad._tag, "InvalidArgumentError")
    }))

  it.effect("withPermit returns the permit on success, failure and interruption", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(2)
      assert.strictEqual(yield* Semaphore.withPermit(sem)(Effect.map(sem.value, (v) => v)), 1)
      assert.strictEqual(yield* sem.value, 2)
      assert.deepStrictEqual(yield* Effect.exit(sem.withPermit(Effect.fail("x"))), Exit.fail("x"))
      assert.strictEqual(yield* Effect.succeed(7).pipe(Semaphore.withPermit(sem)), 7)
      assert.strictEqual(yield* Semaphore.withPermit(Effect.succeed(8), sem), 8)
      assert.strictEqual(yield* sem.value, 2)
      const holders = yield* Effect.forkChild(
        Effect.all([sem.withPermit(Effect.never), sem.withPermit(Effect.never), sem.withPermit(Effect.never)], {
          concurrency: "unbounded"
        })
      )
      yield* settle
      assert.strictEqual(yield* sem.value, 0)
      yield* Fiber.interrupt(holders)
      assert.strictEqual(yield* sem.value, 2)
    }))
})

describe("BoundedSemaphore", () => {
  it.effect("releasing beyond the initial value fails with SemaphoreOverReleaseError and changes nothing", () =>
    Effect.gen(function*() {
      const sem = yield* BoundedSemaphore.make(2)
      assert.isTrue(sem.bounded)
      assert.strictEqual(sem.initial, 2)
      const error = yield* Effect.flip(sem.release())
      assert.strictEqual(error._tag, "SemaphoreOverReleaseError")
      assert.strictEqual((error as { bound: number }).bound, 2)
      assert.match(error.message, /released too many times/)
      assert.strictEqual(yield* sem.value, 2)
      yield* sem.acquire()
      yield* sem.acquire()
      const two = yield* Effect.flip(sem.release(3))
      assert.strictEqual(two._tag, "SemaphoreOverReleaseError")
      yield* sem.release(2)
      assert.strictEqual(yield* sem.value, 2)
      assert.match(String(sem), /BoundedSemaphore/)
      assert.isTrue(BoundedSemaphore.makeUnsafe(3).bounded)
      assert.isTrue((yield* Semaphore.makeBounded()).bounded)
    }))

  it.effect("withPermit never over-releases a bounded semaphore", () =>
    Effect.gen(function*() {
      const sem = yield* BoundedSemaphore.make(5)
      let active = 0
      let peak = 0
      const runner = sem.withPermit(Effect.gen(function*() {
        active++
        peak = Math.max(peak, active)
        yield* Effect.sleep(100)
        active--
      }))
      const all = yield* Effect.forkChild(
        Effect.all(Array.from({ length: 20 }, () => runner), { concurrency: "unbounded" })
      )
      yield* TestClock.adjust(1000)
      yield* Fiber.join(all)
      assert.strictEqual(peak, 5)
      assert.strictEqual(yield* sem.value, 5)
    }))
})

// Issue 8, point 5: a release hands its permit to the first waiter (asyncio
// 3.11's `_wake_up_next`), so nothing can take it from under the waiter.
describe("Semaphore hand-off", () => {
  it.effect("a release with waiters hands the permit over: value stays 0 and a non-blocking acquire gets nothing", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      yield* sem.acquire()
      const waiter = yield* Effect.forkChild(sem.acquire())
      yield* settle
      yield* sem.release()
      // The waiter has not run yet, but the permit is already its own.
      assert.isUndefined(waiter.pollUnsafe())
      assert.strictEqual(yield* sem.value, 0)
      assert.deepStrictEqual(yield* Semaphore.statistics(sem), { value: 0, waiting: 0 })
      assert.isFalse(yield* sem.acquire({ blocking: false }))
      assert.isFalse(yield* sem.acquire({ timeout: 0 }))
      assert.isTrue(yield* Fiber.join(waiter))
      assert.strictEqual(yield* sem.value, 0)
      yield* sem.release()
      assert.strictEqual(yield* sem.value, 1)
    }))

  it.effect("a newcomer's withPermit cannot overtake a waiter that was handed the permit", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      const order: Array<string> = []
      yield* sem.acquire()
      const waiter = yield* Effect.forkChild(sem.withPermit(Effect.sync(() => order.push("waiter"))))
      yield* settle
      yield* sem.release()
      const newcomer = yield* Effect.forkChild(sem.withPermit(Effect.sync(() => order.push("newcomer"))))
      yield* Fiber.join(waiter)
      yield* Fiber.join(newcomer)
      assert.deepStrictEqual(order, ["waiter", "newcomer"])
      assert.strictEqual(yield* sem.value, 1)
    }))

  it.effect("release(n) hands one permit to each of the first n waiters and frees the rest", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(0)
      const waiters = yield* Effect.forEach([1, 2], () => Effect.forkChild(sem.acquire()))
      yield* settle
      yield* sem.release(3)
      assert.strictEqual(yield* sem.value, 1)
      assert.deepStrictEqual(yield* Fiber.joinAll(waiters), [true, true])
      assert.strictEqual(yield* sem.value, 1)
    }))

  it.effect("a waiter interrupted after it was handed the permit passes it to the next waiter", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      yield* sem.acquire()
      const first = yield* Effect.forkChild(sem.acquire())
      const second = yield* Effect.forkChild(sem.withPermit(sem.value))
      yield* settle
      yield* sem.release() // handed to `first`, which has not run yet
      yield* Fiber.interrupt(first)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(first)))
      assert.strictEqual(yield* Fiber.join(second), 0)
      assert.strictEqual(yield* sem.value, 1)
    }))

  it.effect("a waiter interrupted after it was handed the permit, with nobody behind it, gives it back", () =>
    Effect.gen(function*() {
      for (
        const acquire of [
          (sem: Semaphore.Semaphore) => sem.acquire(),
          (sem: Semaphore.Semaphore) => sem.withPermit(Effect.never)
        ]
      ) {
        const sem = yield* BoundedSemaphore.make(1)
        yield* sem.acquire()
        const waiter = yield* Effect.forkChild(acquire(sem))
        yield* settle
        yield* sem.release()
        assert.strictEqual(yield* sem.value, 0)
        yield* Fiber.interrupt(waiter)
        assert.strictEqual(yield* sem.value, 1)
        // Bounded: the permit came back once, so one more release is too many.
        assert.strictEqual((yield* Effect.flip(sem.release()))._tag, "SemaphoreOverReleaseError")
      }
    }))

  it.effect("a timed-out waiter handed the permit as its timeout fires keeps it or passes it on, never both or neither", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      yield* sem.acquire()
      const timed = yield* Effect.forkChild(sem.acquire({ timeout: "1 second" }))
      const next = yield* Effect.forkChild(sem.acquire())
      yield* settle
      yield* sem.release()
      yield* TestClock.adjust("1 second")
      const kept = yield* Fiber.join(timed)
      if (kept) {
        assert.isUndefined(next.pollUnsafe())
        yield* sem.release()
      }
      assert.isTrue(yield* Fiber.join(next))
      assert.strictEqual(yield* sem.value, 0)
      yield* sem.release()
      assert.strictEqual(yield* sem.value, 1)
    }))

  // CPython test_asyncio/test_locks.py SemaphoreTests, in fibers.
  it.effect("test_acquire_fifo_order_2: a fiber that releases and acquires again queues behind the waiters", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(1)
      const result: Array<number> = []
      const c1 = Effect.andThen(sem.acquire(), Effect.sync(() => result.push(1)))
      const c2 = Effect.gen(function*() {
        yield* sem.acquire()
        result.push(2)
        yield* sem.release()
        yield* sem.acquire()
        result.push(4)
      })
      const c3 = Effect.andThen(sem.acquire(), Effect.sync(() => result.push(3)))
      const fibers = yield* Effect.forEach([c1, c2, c3], (c) => Effect.forkChild(c))
      yield* settle
      yield* sem.release()
      yield* sem.release()
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(result, [1, 2, 3, 4])
    }))

  it.effect("test_acquire_cancel_before_awoken: cancelled waiters pass the permit to the first live one", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(0)
      const [t1, t2, t3, t4] = yield* Effect.forEach([1, 2, 3, 4], () => Effect.forkChild(sem.acquire()))
      yield* settle
      yield* Fiber.interrupt(t1)
      yield* Fiber.interrupt(t2)
      yield* sem.release()
      yield* settle
      assert.isDefined(t3.pollUnsafe())
      assert.isUndefined(t4.pollUnsafe())
      assert.strictEqual(yield* sem.value, 0)
      yield* Fiber.interrupt(t4)
    }))

  it.effect("test_acquire_hang: a waiter interrupted just before the release does not swallow it", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.make(0)
      const t1 = yield* Effect.forkChild(sem.acquire())
      const t2 = yield* Effect.forkChild(sem.acquire())
      yield* settle
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(t1))
      yield* sem.release()
      yield* Fiber.join(interrupting)
      assert.isTrue(yield* Fiber.join(t2))
      assert.strictEqual(yield* sem.value, 0)
    }))
})
