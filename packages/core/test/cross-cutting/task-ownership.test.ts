// Locks, conditions and FiberLocal values belong to corun tasks (Python's
// threads), not to whichever fiber an Effect combinator forked.
import { Condition, Executor, FiberLocal, Future, Lock, RLock, TaskGroup, Timer } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"

describe("task ownership", () => {
  it.effect("a lock taken inside Effect.timeout belongs to the calling task, which releases it", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      assert.isTrue(yield* Effect.timeout(lock.acquire(), "1 second"))
      yield* lock.release
      assert.isFalse(yield* lock.locked)
    }))

  it.effect("cond.wait inside Effect.timeout times out instead of failing with LockNotOwnedError", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      const cond = yield* Condition.make(rlock)
      const fiber = yield* Effect.forkChild(
        cond.withLock(Effect.flip(Effect.timeout(cond.wait(), "1 second")))
      )
      yield* TestClock.adjust("1 second")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "TimeoutError")
      assert.isFalse(yield* rlock.locked)
    }))

  it.effect("any task may release a held Lock (threading.Lock, asyncio.Lock)", () =>
    Effect.scoped(Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      const executor = yield* Executor.make()
      const released = yield* executor.submit(lock.release)
      assert.isTrue(Exit.isSuccess(yield* Future.await(released)))
      assert.isFalse(yield* lock.locked)
      // Releasing an unlocked lock is still an error.
      assert.strictEqual((yield* Effect.flip(lock.release))._tag, "LockNotOwnedError")
    })))

  it.effect("an RLock is re-entered by the fibers of its task and excludes other tasks", () =>
    Effect.scoped(Effect.gen(function*() {
      const rlock = yield* RLock.make()
      const executor = yield* Executor.make()
      yield* rlock.acquire()
      // A fiber forked by a combinator in the same task re-enters.
      assert.isTrue(yield* Effect.timeout(rlock.acquire({ blocking: false }), "1 second"))
      assert.strictEqual(yield* rlock.count, 2)
      // Another task neither takes it nor releases it.
      const other = yield* executor.submit(Effect.gen(function*() {
        const took = yield* rlock.acquire({ blocking: false })
        const release = yield* Effect.flip(rlock.release)
        return [took, release._tag] as const
      }))
      assert.deepStrictEqual(yield* Future.result(other), [false, "LockNotOwnedError"])
      yield* rlock.release
      yield* rlock.release
      assert.isFalse(yield* rlock.locked)
    })))

  it.effect("waitFor evaluates the predicate first: a true predicate returns without the lock", () =>
    Effect.gen(function*() {
      const cond = yield* Condition.make()
      assert.isTrue(yield* cond.waitFor(() => true))
      assert.isTrue(yield* cond.waitFor(() => true, { timeout: 0 }))
      // A false one still needs the lock, even with timeout 0 (Python waits once).
      assert.strictEqual((yield* Effect.flip(cond.waitFor(() => false, { timeout: 0 })))._tag, "LockNotOwnedError")
    }))

  it.effect("the current task's name is set inside a named TaskGroup task", () =>
    Effect.gen(function*() {
      const name = yield* TaskGroup.run((group) =>
        Effect.flatMap(group.createTask(Executor.currentTaskName, { name: "worker" }), Future.result)
      )
      assert.deepStrictEqual(name, Option.some("worker"))
    }))
})

describe("task ownership: fibers of one task", () => {
  it.effect("a timed acquire in a sibling fiber, handed the lock as it times out, does not keep it", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      yield* lock.acquire()
      // Same task: the lock's owner is the same before and after the hand-off,
      // so only the acquisition itself can tell whether the wait kept it.
      const timed = yield* Effect.forkChild(lock.acquire({ timeout: "1 second" }))
      yield* Effect.yieldNow
      yield* TestClock.adjust("999 millis")
      yield* Effect.sync(() => Lock.releaseUnsafe(lock))
      yield* TestClock.adjust("1 millis")
      const acquired = yield* Fiber.join(timed)
      assert.strictEqual(yield* lock.locked, acquired)
    }))

  it.effect("withLock in a sibling fiber waits for the task's own hold (Lock is not re-entrant)", () =>
    Effect.gen(function*() {
      const lock = yield* Lock.make()
      const log: Array<string> = []
      yield* lock.withLock(Effect.gen(function*() {
        const sibling = yield* Effect.forkChild(lock.withLock(Effect.sync(() => log.push("sibling"))))
        yield* Effect.yieldNow
        log.push("holder")
        return sibling
      })).pipe(Effect.flatMap(Fiber.join))
      assert.deepStrictEqual(log, ["holder", "sibling"])
      assert.isFalse(yield* lock.locked)
    }))

  it.effect("an RLock re-entered by a sibling fiber is freed once both have left", () =>
    Effect.gen(function*() {
      const rlock = yield* RLock.make()
      yield* rlock.withLock(
        Effect.forEach([1, 2, 3], () => rlock.withLock(Effect.yieldNow), { concurrency: "unbounded" })
      )
      assert.isFalse(yield* rlock.locked)
      assert.strictEqual(yield* rlock.count, 0)
    }))

  it.effect("a Condition over a Lock: the withLock that waited releases the lock it got back", () =>
    Effect.scoped(Effect.gen(function*() {
      const lock = yield* Lock.make()
      const cond = yield* Condition.make(lock)
      const executor = yield* Executor.make()
      const waiter = yield* executor.submit(cond.withLock(cond.wait()))
      while ((yield* cond.waiting) === 0) yield* Effect.yieldNow
      yield* cond.withLock(cond.notify())
      assert.isTrue(yield* Future.result(waiter))
      assert.isFalse(yield* lock.locked)
    })))
})

describe("FiberLocal per task", () => {
  it.effect("each new task starts from initial(), even after the parent read the value", () =>
    Effect.scoped(Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => ({ count: 0 }))
      assert.strictEqual((yield* local.get).count, 0) // the parent reads it once
      const executor = yield* Executor.make()
      const count = Effect.gen(function*() {
        for (let i = 0; i < 10; i++) {
          ;(yield* local.get).count++
          yield* Effect.yieldNow
        }
        return (yield* local.get).count
      })
      const futures = yield* Effect.forEach([1, 2, 3], () => executor.submit(count))
      const counts = yield* Effect.forEach(futures, Future.result)
      assert.deepStrictEqual(counts, [10, 10, 10])
      assert.strictEqual((yield* local.get).count, 0)
    })))

  it.effect("the fibers of one task share its value (forEach with concurrency)", () =>
    Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0)
      yield* Effect.forEach([1, 2, 3], (n) => local.update((v) => v + n), { concurrency: "unbounded" })
      assert.strictEqual(yield* local.get, 6)
    }))

  it.effect("a TaskGroup task and a Timer start from initial()", () =>
    Effect.scoped(Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => "initial")
      yield* local.set("main")
      const inGroup = yield* TaskGroup.run((group) => Effect.flatMap(group.createTask(local.get), Future.result))
      assert.strictEqual(inGroup, "initial")
      const timer = yield* Timer.start("1 second", local.get)
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* timer.join, Option.some("initial"))
      assert.strictEqual(yield* local.get, "main")
    })))

  it.effect("{ scope: \"fiber\" } keeps Effect's inheriting rule", () =>
    Effect.scoped(Effect.gen(function*() {
      const local = yield* FiberLocal.make(() => 0, { scope: "fiber" })
      yield* local.set(1)
      const executor = yield* Executor.make()
      const child = yield* executor.submit(Effect.gen(function*() {
        const inherited = yield* local.get
        yield* local.set(99)
        return inherited
      }))
      assert.strictEqual(yield* Future.result(child), 1)
      assert.strictEqual(yield* local.get, 1)
    })))
})
