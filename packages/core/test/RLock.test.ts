import { RLock } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { forkThread, threadTask } from "./threads.ts"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("RLock", () => {
  it.effect("the owner re-acquires without waiting; the count must drop to 0 to free it", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      assert.isTrue(RLock.isRLock(rlock))
      assert.isFalse(RLock.isRLock({}))
      assert.isTrue(yield* rlock.acquire())
      assert.isTrue(yield* RLock.acquire(rlock))
      assert.isTrue(yield* rlock.acquire({ blocking: false }))
      assert.strictEqual(yield* rlock.count, 3)
      assert.isTrue(yield* rlock.isOwned)
      assert.match(String(rlock), /count 3/)
      yield* rlock.release
      yield* RLock.release(rlock)
      assert.isTrue(yield* rlock.locked)
      yield* rlock.release
      assert.isFalse(yield* rlock.locked)
      assert.strictEqual(yield* rlock.count, 0)
      assert.isFalse(yield* rlock.isOwned)
    }))

  it.effect("statistics: locked, owner, count and waiting fibers", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      assert.deepStrictEqual(yield* RLock.statistics(rlock), { locked: false, owner: undefined, count: 0, waiting: 0 })
      yield* rlock.acquire()
      yield* rlock.acquire()
      const waiter = yield* forkThread(rlock.withLock(Effect.void))
      yield* settle
      assert.deepStrictEqual(yield* rlock.statistics, {
        locked: true,
        owner: RLock.ownerUnsafe(rlock),
        count: 2,
        waiting: 1
      })
      yield* rlock.release
      yield* rlock.release
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(yield* rlock.statistics, { locked: false, owner: undefined, count: 0, waiting: 0 })
    }))

  it.effect("only the owner releases; releasing an unheld RLock fails", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      const unheld = yield* Effect.flip(rlock.release)
      assert.strictEqual(unheld._tag, "LockNotOwnedError")
      yield* rlock.acquire()
      const foreign = yield* forkThread(rlock.release).pipe(Effect.flatMap(Fiber.await))
      assert.isTrue(Exit.isFailure(foreign))
      assert.isTrue(yield* rlock.locked)
      assert.strictEqual(yield* rlock.count, 1)
      // Another task waits (a fiber the owner forks re-enters: see task-ownership.test.ts).
      const child = yield* forkThread(rlock.acquire({ timeout: "1 second" }))
      yield* settle
      yield* TestClock.adjust("1 second")
      assert.isFalse(yield* Fiber.join(child))
      yield* rlock.release
    }))

  it.effect("nested withLock in the owner, released however the body ends", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      const nested = RLock.withLock(rlock)(
        Effect.gen(function*() {
          assert.strictEqual(yield* rlock.count, 1)
          return yield* rlock.withLock(Effect.map(rlock.count, (n) => n * 10))
        })
      )
      assert.strictEqual(yield* nested, 20)
      assert.isFalse(yield* rlock.locked)
      const failed = yield* Effect.exit(rlock.withLock(rlock.withLock(Effect.fail("boom"))))
      assert.deepStrictEqual(failed, Exit.fail("boom"))
      assert.isFalse(yield* rlock.locked)
      const holder = yield* forkThread(rlock.withLock(rlock.withLock(Effect.never)))
      yield* settle
      assert.strictEqual(yield* rlock.count, 2)
      yield* Fiber.interrupt(holder)
      assert.isFalse(yield* rlock.locked)
      assert.strictEqual(yield* rlock.count, 0)
    }))

  it.effect("waiters get the lock after the owner's last release", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      yield* rlock.acquire()
      yield* rlock.acquire()
      const waiter = yield* forkThread(rlock.withLock(Effect.map(rlock.count, (n) => n)))
      yield* settle
      yield* rlock.release
      yield* settle
      assert.isUndefined(waiter.pollUnsafe())
      yield* rlock.release
      assert.strictEqual(yield* Fiber.join(waiter), 1)
      assert.isFalse(yield* rlock.locked)
    }))

  it.effect("a timed acquire by another task returns false, then true once free", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      yield* rlock.acquire()
      const bad = yield* Effect.flip(forkThread(rlock.acquire({ timeout: -1 })).pipe(Effect.flatMap(Fiber.join)))
      assert.strictEqual(bad._tag, "InvalidArgumentError")
      const waiter = yield* forkThread(rlock.acquire({ timeout: "2 seconds" }))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* rlock.release
      assert.isTrue(yield* Fiber.join(waiter))
      assert.strictEqual(RLock.ownerUnsafe(rlock), threadTask(waiter))
    }))

  it.effect("the run1/run2/run3 program: nested withLock calls in one task", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      let num1 = 0
      let num2 = 0
      const run1 = rlock.withLock(Effect.sync(() => ++num1))
      const run2 = rlock.withLock(Effect.sync(() => ++num2))
      const run3 = rlock.withLock(Effect.zip(run1, run2))
      const results = yield* Effect.all(Array.from({ length: 10 }, () => run3), { concurrency: "unbounded" })
      assert.deepStrictEqual(results.at(-1), [10, 10])
      assert.isFalse(yield* rlock.locked)
    }))
})
