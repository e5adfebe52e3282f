/**
 * Timed-out and interrupted waiters leave nothing behind: no entry in any
 * waiting list, no wake-up owed, nothing held. (These tests look at the
 * internal lists on purpose: a leak there is invisible from the API until
 * memory runs out.)
 */
import { Condition, Event, Lock, Semaphore, TaskQueue } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })
const ROUNDS = 50

describe("no waiter leaks", () => {
  it.effect("Lock: timed-out and interrupted acquires leave no waiter", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const timed = yield* Effect.forEach(Array.from({ length: ROUNDS }), () =>
        Effect.forkChild(lock.acquire({ timeout: 10 })))
      const plain = yield* Effect.forEach(Array.from({ length: ROUNDS }), () =>
        Effect.forkChild(lock.withLock(Effect.void)))
      yield* settle
      assert.strictEqual((lock as any).waiters.size, 2 * ROUNDS)
      yield* TestClock.adjust(10)
      yield* Fiber.interruptAll(plain)
      assert.deepStrictEqual(new Set(yield* Fiber.joinAll(timed)), new Set([false]))
      assert.strictEqual((lock as any).waiters.size, 0)
      yield* lock.release
      assert.isFalse(yield* lock.locked)
    }))

  it.effect("Semaphore: timed-out acquires leave no waiter and no permit", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.makeBounded(1)
      yield* sem.acquire()
      const timed = yield* Effect.forEach(Array.from({ length: ROUNDS }), () =>
        Effect.forkChild(sem.acquire({ timeout: 10 })))
      yield* settle
      yield* TestClock.adjust(10)
      yield* Fiber.joinAll(timed)
      assert.strictEqual((sem as any).semaphore.waiters.size, 0)
      yield* sem.release()
      assert.strictEqual(yield* sem.value, 1)
    }))

  it.effect("TaskQueue: timed-out and interrupted gets and puts leave no waiter and owe no wake-up", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      const getters = yield* Effect.forEach(
        Array.from({ length: ROUNDS }),
        () => Effect.forkChild(Effect.exit(q.get({ timeout: 10 })))
      )
      yield* settle
      yield* TestClock.adjust(10)
      yield* Fiber.joinAll(getters)
      yield* q.put(0)
      const putters = yield* Effect.forEach(Array.from({ length: ROUNDS }), (_, i) => Effect.forkChild(q.put(i)))
      yield* settle
      yield* Fiber.interruptAll(putters)
      const impl = q as any
      assert.strictEqual(impl.getters.waiting.size, 0)
      assert.strictEqual(impl.putters.waiting.size, 0)
      assert.strictEqual(impl.getters.woken, 0)
      assert.strictEqual(impl.putters.woken, 0)
      assert.strictEqual(yield* q.qsize, 1)
    }))

  it.effect("Condition and Event: timed-out waits leave no waiter", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const event = yield* Event.make()
      const waits = yield* Effect.forEach(Array.from({ length: ROUNDS }), () =>
        Effect.forkChild(Effect.all([cond.withLock(cond.wait({ timeout: 10 })), event.wait({ timeout: 10 })], {
          concurrency: "unbounded"
        })))
      yield* settle
      assert.strictEqual(yield* cond.waiting, ROUNDS)
      yield* TestClock.adjust(10)
      yield* Fiber.joinAll(waits)
      assert.strictEqual(yield* cond.waiting, 0)
      assert.strictEqual((event as any).latch.waiters.length, 0)
      assert.isFalse(yield* cond.lock.locked)
    }))
})
