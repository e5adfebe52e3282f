import { Lock } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { forkThread, threadTask } from "./threads.ts"

/** Lets forked fibers run until they block (wake-ups are scheduled on the next tick). */
const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Lock", () => {
  it.effect("acquire / release / locked", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      assert.isTrue(Lock.isLock(lock))
      assert.isFalse(Lock.isLock({}))
      assert.isFalse(yield* lock.locked)
      assert.isTrue(yield* lock.acquire())
      assert.isTrue(yield* Lock.locked(lock))
      // Held by the main task: the same owner as any other lock taken here.
      const other = Lock.makeUnsafe()
      yield* other.acquire()
      assert.strictEqual(Lock.ownerUnsafe(lock), Lock.ownerUnsafe(other))
      assert.match(String(lock), /locked by the main task/)
      yield* Lock.release(lock)
      assert.isFalse(yield* lock.locked)
      assert.strictEqual(Lock.ownerUnsafe(lock), undefined)
      assert.match(String(Lock.makeUnsafe()), /unlocked/)
    }))

  it.effect("releasing an unlocked lock fails with LockNotOwnedError", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      const error = yield* Effect.flip(lock.release)
      assert.strictEqual(error._tag, "LockNotOwnedError")
      assert.match(error.message, /unlocked/)
    }))

  it.effect("another task may release a held lock (Python's Lock has no owner check)", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      yield* forkThread(lock.release).pipe(Effect.flatMap(Fiber.join))
      assert.isFalse(yield* lock.locked)
    }))

  it.effect("acquire waits for the holder to release", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const waiter = yield* forkThread(Effect.andThen(lock.acquire(), lock.release))
      yield* settle
      assert.isUndefined(waiter.pollUnsafe())
      yield* lock.release
      yield* Fiber.join(waiter)
      assert.isFalse(yield* lock.locked)
    }))

  it.effect("acquire with a timeout returns false when it passes, true when released in time", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const late = yield* forkThread(
        forkThread(lock.acquire({ timeout: "1 second" })).pipe(
          Effect.flatMap(Fiber.join)
        )
      )
      yield* settle
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(late.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      assert.isFalse(yield* Fiber.join(late))
      const inTime = yield* forkThread(lock.acquire({ timeout: "1 second" }))
      yield* settle
      yield* TestClock.adjust("500 millis")
      yield* lock.release
      assert.isTrue(yield* Fiber.join(inTime))
      assert.strictEqual(Lock.ownerUnsafe(lock), threadTask(inTime))
    }))

  it.effect("blocking: false and timeout: 0 try once", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      assert.isTrue(yield* lock.acquire({ blocking: false }))
      const other = (options: Lock.AcquireOptions) => forkThread(lock.acquire(options)).pipe(Effect.flatMap(Fiber.join))
      assert.isFalse(yield* other({ blocking: false }))
      assert.isFalse(yield* other({ timeout: 0 }))
      yield* lock.release
      assert.isTrue(yield* other({ timeout: 0 }))
    }))

  it.effect("a negative or malformed timeout fails with InvalidArgumentError", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const both = yield* Effect.flip(lock.acquire({ blocking: false, timeout: 1 }))
      assert.match(both.message, /non-blocking/)
      for (const timeout of [-1, "-5 seconds" as const, Number.NaN, "soon" as any]) {
        const error = yield* Effect.flip(Lock.acquire(lock, { timeout }))
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(error.argument, "timeout")
      }
      // An infinite timeout waits like no timeout.
      const waiter = yield* forkThread(lock.acquire({ timeout: "Infinity" }))
      yield* settle
      yield* lock.release
      assert.isTrue(yield* Fiber.join(waiter))
    }))

  it.effect("waiters get the lock in arrival order (FIFO hand-off)", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      const order: Array<number> = []
      yield* lock.acquire()
      const fibers = []
      for (let i = 0; i < 5; i++) {
        fibers.push(yield* forkThread(Lock.withLock(lock)(Effect.sync(() => order.push(i)))))
        yield* settle
      }
      yield* lock.release
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(order, [0, 1, 2, 3, 4])
    }))

  describe("withLock", () => {
    it.effect("releases on success and on failure", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        assert.strictEqual(yield* lock.withLock(Effect.succeed(1)), 1)
        assert.isFalse(yield* lock.locked)
        const exit = yield* Effect.exit(Effect.fail("boom").pipe(Lock.withLock(lock)))
        assert.deepStrictEqual(exit, Exit.fail("boom"))
        assert.isFalse(yield* lock.locked)
        const defect = yield* Effect.exit(lock.withLock(Effect.die("bug")))
        assert.isTrue(Exit.isFailure(defect))
        assert.isFalse(yield* lock.locked)
      }))

    it.effect("releases when the holder is interrupted; the next waiter gets the lock", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        const holder = yield* forkThread(lock.withLock(Effect.never))
        yield* settle
        assert.strictEqual(Lock.ownerUnsafe(lock), threadTask(holder))
        const waiter = yield* forkThread(lock.withLock(Effect.succeed("next")))
        yield* settle
        yield* Fiber.interrupt(holder)
        assert.strictEqual(yield* Fiber.join(waiter), "next")
        assert.isFalse(yield* lock.locked)
      }))

    it.effect("an interrupted waiter leaves the queue without taking the lock", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        const ran: Array<string> = []
        const a = yield* forkThread(lock.withLock(Effect.sync(() => ran.push("a"))))
        const b = yield* forkThread(lock.withLock(Effect.sync(() => ran.push("b"))))
        yield* settle
        yield* Fiber.interrupt(a)
        yield* lock.release
        yield* Fiber.join(b)
        assert.deepStrictEqual(ran, ["b"])
        assert.isFalse(yield* lock.locked)
      }))

    it.effect("a waiter handed the lock but interrupted before it ran passes the lock on", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        const a = yield* forkThread(lock.withLock(Effect.succeed("a")))
        const b = yield* forkThread(lock.withLock(Effect.succeed("b")))
        yield* settle
        // Release (hands the lock to `a`, resumed on the next tick) and
        // interrupt `a` in the same step.
        yield* Effect.sync(() => {
          Lock.releaseUnsafe(lock)
          a.interruptUnsafe()
        })
        assert.strictEqual(yield* Fiber.join(b), "b")
        assert.isTrue(Exit.isFailure(yield* Fiber.await(a)))
        assert.isFalse(yield* lock.locked)
      }))

    it.effect("a timed acquire that times out as the lock is handed to it does not keep the lock", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        const timed = yield* forkThread(lock.acquire({ timeout: "1 second" }))
        yield* settle
        yield* TestClock.adjust("999 millis")
        // Hand the lock over, then let the timeout fire before the waiter runs.
        yield* Effect.sync(() => Lock.releaseUnsafe(lock))
        yield* TestClock.adjust("1 millis")
        const acquired = yield* Fiber.join(timed)
        assert.strictEqual(Lock.ownerUnsafe(lock), acquired ? threadTask(timed) : undefined)
        if (acquired) {
          // It won: the lock is its own, and nothing else was lost.
          assert.isTrue(yield* lock.locked)
        }
      }))

    it.effect("a body that releases the lock itself is not released twice", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        const other = yield* forkThread(Effect.andThen(Effect.sleep(10), lock.withLock(Effect.sleep(100))))
        yield* forkThread(TestClock.adjust(50))
        yield* lock.withLock(Effect.gen(function*() {
          yield* lock.release
          yield* Effect.sleep(20) // `other` takes the lock meanwhile
          assert.strictEqual(Lock.ownerUnsafe(lock), threadTask(other))
        }))
        // Our exit did not release `other`'s lock.
        assert.strictEqual(Lock.ownerUnsafe(lock), threadTask(other))
        yield* TestClock.adjust(200)
        yield* Fiber.join(other)
        assert.isFalse(yield* lock.locked)
      }))

    it.effect("acquiring a held Lock twice in one task waits (not re-entrant), like Python", () =>
      Effect.gen(function*() {
        const lock = yield* Lock.make()
        yield* lock.acquire()
        // Effect.timeout forks a fiber of the same task: it waits too.
        assert.isFalse(
          yield* lock.acquire({ timeout: "1 second" }).pipe(
            Effect.forkChild,
            Effect.tap(() => TestClock.adjust("1 second")),
            Effect.flatMap(Fiber.join)
          )
        )
        assert.isFalse(yield* lock.acquire({ blocking: false }))
      }))
  })
})
