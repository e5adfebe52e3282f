/**
 * Timed-out and interrupted waiters leave nothing behind: no entry in any
 * waiting list, no wake-up owed, nothing held. The lists are read through
 * each primitive's public `statistics` snapshot (a leak there is otherwise
 * invisible from the API until memory runs out); an owed wake-up shows as a
 * later waiter that is never woken.
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
      assert.strictEqual((yield* lock.statistics).waiting, 2 * ROUNDS)
      yield* TestClock.adjust(10)
      yield* Fiber.interruptAll(plain)
      assert.deepStrictEqual(new Set(yield* Fiber.joinAll(timed)), new Set([false]))
      assert.deepStrictEqual(yield* Lock.statistics(lock), { locked: true, owner: Lock.ownerUnsafe(lock), waiting: 0 })
      yield* lock.release
      assert.deepStrictEqual(yield* lock.statistics, { locked: false, owner: undefined, waiting: 0 })
    }))

  it.effect("Semaphore: timed-out acquires leave no waiter and no permit", () =>
    Effect.gen(function*() {
      const sem = yield* Semaphore.makeBounded(1)
      yield* sem.acquire()
      const timed = yield* Effect.forEach(Array.from({ length: ROUNDS }), () =>
        Effect.forkChild(sem.acquire({ timeout: 10 })))
      yield* settle
      assert.deepStrictEqual(yield* sem.statistics, { value: 0, waiting: ROUNDS })
      yield* TestClock.adjust(10)
      assert.deepStrictEqual(new Set(yield* Fiber.joinAll(timed)), new Set([false]))
      assert.deepStrictEqual(yield* Semaphore.statistics(sem), { value: 0, waiting: 0 })
      yield* sem.release()
      assert.deepStrictEqual(yield* sem.statistics, { value: 1, waiting: 0 })
    }))

  it.effect("TaskQueue: timed-out and interrupted gets and puts leave no waiter and owe no wake-up", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      const getters = yield* Effect.forEach(
        Array.from({ length: ROUNDS }),
        () => Effect.forkChild(Effect.exit(q.get({ timeout: 10 })))
      )
      yield* settle
      assert.strictEqual((yield* q.statistics).waitingGet, ROUNDS)
      yield* TestClock.adjust(10)
      yield* Fiber.joinAll(getters)
      yield* q.put(0)
      const putters = yield* Effect.forEach(Array.from({ length: ROUNDS }), (_, i) => Effect.forkChild(q.put(i)))
      yield* settle
      assert.strictEqual((yield* q.statistics).waitingPut, ROUNDS)
      // The get wakes one putter (to run on the next tick) and the putters
      // are interrupted before it runs: the wake-up must not stay owed to a
      // fiber that is gone.
      assert.strictEqual(yield* q.get(), 0)
      yield* Effect.sync(() => {
        for (const putter of putters) putter.interruptUnsafe()
      })
      yield* Fiber.awaitAll(putters)
      assert.deepStrictEqual(yield* TaskQueue.statistics(q), {
        size: 0,
        maxsize: 1,
        waitingPut: 0,
        waitingGet: 0,
        waitingJoin: 0,
        unfinished: 1,
        isShutdown: false
      })
      // No wake-up is owed: a new putter and a new getter are served.
      yield* q.put(1)
      const putter = yield* Effect.forkChild(q.put(2))
      yield* settle
      assert.strictEqual(yield* q.get(), 1)
      yield* Fiber.join(putter)
      assert.strictEqual(yield* q.get(), 2)
      const getter = yield* Effect.forkChild(q.get())
      yield* settle
      yield* q.put(3)
      assert.strictEqual(yield* Fiber.join(getter), 3)
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
      assert.deepStrictEqual(yield* event.statistics, { set: false, waiting: ROUNDS })
      yield* TestClock.adjust(10)
      yield* Fiber.joinAll(waits)
      assert.deepStrictEqual(yield* Condition.statistics(cond), {
        waiting: 0,
        lock: { locked: false, owner: undefined, count: 0, waiting: 0 }
      })
      assert.deepStrictEqual(yield* Event.statistics(event), { set: false, waiting: 0 })
    }))
})
