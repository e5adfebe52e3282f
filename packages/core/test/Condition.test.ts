import { Condition, Lock, RLock } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { forkThread } from "./threads.ts"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Condition", () => {
  it.effect("wait, notify, notify, notifyAll and waitFor without the lock fail with LockNotOwnedError", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      assert.strictEqual((yield* Effect.flip(cond.wait()))._tag, "LockNotOwnedError")
      assert.strictEqual((yield* Effect.flip(Condition.wait(cond, { timeout: 1 })))._tag, "LockNotOwnedError")
      // waitFor checks the lock only when its predicate is false (Python's order).
      assert.strictEqual((yield* Effect.flip(cond.waitFor(() => false)))._tag, "LockNotOwnedError")
      assert.strictEqual((yield* Effect.flip(Condition.notify(cond)))._tag, "LockNotOwnedError")
      const error = yield* Effect.flip(Condition.notifyAll(cond))
      assert.strictEqual(error._tag, "LockNotOwnedError")
      assert.match(error.message, /un-acquired lock/)
      // Held by another task is just as wrong.
      const holder = yield* forkThread(cond.withLock(Effect.never))
      yield* settle
      assert.strictEqual((yield* Effect.flip(cond.notify()))._tag, "LockNotOwnedError")
      yield* Fiber.interrupt(holder)
      assert.strictEqual(
        (yield* Effect.flip(cond.withLock(cond.wait({ timeout: -1 }))))._tag,
        "InvalidArgumentError"
      )
    }))

  it.effect("notify wakes one waiter (FIFO), which holds the lock again when wait returns", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const woken: Array<number> = []
      const waiter = (i: number) =>
        Condition.withLock(cond)(Effect.gen(function*() {
          const notified = yield* cond.wait()
          assert.isTrue(yield* (cond.lock as RLock.RLock).isOwned)
          woken.push(i)
          return notified
        }))
      const fibers = []
      for (let i = 0; i < 3; i++) {
        fibers.push(yield* forkThread(waiter(i)))
        yield* settle
      }
      assert.strictEqual(yield* cond.waiting, 3)
      yield* cond.withLock(cond.notify())
      yield* settle
      assert.deepStrictEqual(woken, [0])
      yield* cond.withLock(Condition.notify(cond, 5))
      assert.deepStrictEqual(yield* Fiber.joinAll(fibers), [true, true, true])
      assert.deepStrictEqual(woken, [0, 1, 2])
      assert.strictEqual(yield* cond.waiting, 0)
      assert.isFalse(yield* cond.lock.locked)
    }))

  it.effect("notify moves waiters to the lock's queue: they get the lock in turn once the notifier releases it", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make(yield* Lock.make())
      const order: Array<number> = []
      const fibers = []
      for (let i = 0; i < 3; i++) {
        fibers.push(yield* forkThread(cond.withLock(Effect.andThen(cond.wait(), Effect.sync(() => order.push(i))))))
        yield* settle
      }
      assert.deepStrictEqual(yield* Condition.statistics(cond), {
        waiting: 3,
        lock: { locked: false, owner: undefined, waiting: 0 }
      })
      yield* cond.withLock(Effect.gen(function*() {
        yield* cond.notify(2)
        const stats = yield* cond.statistics
        assert.strictEqual(stats.waiting, 1)
        assert.strictEqual(stats.lock.waiting, 2)
        yield* settle
        // Still ours: nobody notified has run.
        assert.deepStrictEqual(order, [])
      }))
      yield* settle
      assert.deepStrictEqual(order, [0, 1])
      yield* cond.withLock(cond.notifyAll)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(order, [0, 1, 2])
      assert.deepStrictEqual(yield* cond.statistics, {
        waiting: 0,
        lock: { locked: false, owner: undefined, waiting: 0 }
      })
    }))

  it.effect("notifyAll wakes every waiter", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make(yield* Lock.make())
      const fibers = yield* Effect.forEach([1, 2, 3, 4], () => forkThread(cond.withLock(cond.wait())))
      yield* settle
      yield* cond.withLock(cond.notifyAll)
      assert.deepStrictEqual(yield* Fiber.joinAll(fibers), [true, true, true, true])
      assert.isFalse(yield* cond.lock.locked)
      assert.isTrue(Condition.isCondition(cond))
      assert.strictEqual(yield* Effect.succeed(1).pipe(Condition.withLock(cond)), 1)
      assert.strictEqual(yield* Condition.withLock(Effect.succeed(2), cond), 2)
    }))

  it.effect("wait with a timeout returns false and re-acquires the lock", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const waiter = yield* forkThread(cond.withLock(Effect.gen(function*() {
        const notified = yield* cond.wait({ timeout: "1 second" })
        return [notified, yield* (cond.lock as RLock.RLock).isOwned] as const
      })))
      yield* settle
      assert.isFalse(yield* cond.lock.locked) // released while waiting
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(waiter), [false, true])
      assert.strictEqual(yield* cond.waiting, 0)
      assert.isFalse(yield* cond.withLock(cond.wait({ timeout: 0 })))
    }))

  it.effect("wait releases an RLock held several times, and restores its count", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      const cond = yield* Condition.make(rlock)
      const waiter = yield* forkThread(rlock.withLock(rlock.withLock(Effect.gen(function*() {
        yield* cond.wait()
        return yield* rlock.count
      }))))
      yield* settle
      assert.isFalse(yield* rlock.locked)
      yield* cond.acquire()
      yield* cond.notify()
      yield* cond.release
      assert.strictEqual(yield* Fiber.join(waiter), 2)
      assert.isFalse(yield* rlock.locked)
    }))

  it.effect("the notifier keeps the lock until it releases; the waiter resumes after", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const log: Array<string> = []
      const waiter = yield* forkThread(
        cond.withLock(Effect.andThen(cond.wait(), Effect.sync(() => log.push("waiter"))))
      )
      yield* settle
      yield* cond.withLock(Effect.gen(function*() {
        yield* cond.notify()
        yield* settle
        log.push("notifier still holds the lock")
      }))
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(log, ["notifier still holds the lock", "waiter"])
    }))

  it.effect("an interrupted waiter takes the lock back, then re-raises, and passes a notification on", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      let released = 0
      const a = yield* forkThread(cond.withLock(Effect.ensuring(cond.wait(), Effect.sync(() => released++))))
      const b = yield* forkThread(cond.withLock(cond.wait()))
      yield* settle
      // Notify `a` and interrupt it before it runs: `b` must get the notification.
      yield* cond.withLock(Effect.andThen(cond.notify(1), Effect.sync(() => a.interruptUnsafe())))
      assert.isTrue(Exit.isFailure(yield* Fiber.await(a)))
      assert.strictEqual(released, 1)
      assert.isTrue(yield* Fiber.join(b))
      assert.isFalse(yield* cond.lock.locked)
      // Plain interruption of a waiter (not notified) leaves no trace.
      const c = yield* forkThread(cond.withLock(cond.wait()))
      yield* settle
      yield* Fiber.interrupt(c)
      assert.strictEqual(yield* cond.waiting, 0)
      assert.isFalse(yield* cond.lock.locked)
    }))

  it.effect("waitFor re-checks the predicate after each notification", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      const items: Array<number> = []
      let checks = 0
      const consumer = yield* forkThread(cond.withLock(Effect.gen(function*() {
        const ok = yield* cond.waitFor(() => {
          checks++
          return items.length >= 3
        })
        return [ok, items.length] as const
      })))
      for (let i = 0; i < 3; i++) {
        yield* settle
        yield* cond.withLock(Effect.andThen(Effect.sync(() => items.push(i)), cond.notify()))
      }
      assert.deepStrictEqual(yield* Fiber.join(consumer), [true, 3])
      assert.strictEqual(checks, 4)
      // An Effect predicate works too, and a true predicate returns at once.
      assert.isTrue(yield* cond.withLock(Condition.waitFor(cond, Effect.succeed(true))))
    }))

  it.effect("waitFor with a timeout returns the predicate's last value", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      let flag = false
      const waiter = yield* forkThread(cond.withLock(cond.waitFor(() => flag, { timeout: "3 seconds" })))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* cond.withLock(cond.notify()) // spurious: predicate still false
      yield* settle
      yield* TestClock.adjust("2 seconds")
      assert.isFalse(yield* Fiber.join(waiter))
      const second = yield* forkThread(cond.withLock(cond.waitFor(() => flag, { timeout: "3 seconds" })))
      yield* settle
      yield* TestClock.adjust("1 second")
      flag = true
      yield* cond.withLock(cond.notify())
      assert.isTrue(yield* Fiber.join(second))
      const error = yield* Effect.flip(cond.withLock(cond.waitFor(() => false, { timeout: -1 })))
      assert.strictEqual(error._tag, "InvalidArgumentError")
    }))
})
