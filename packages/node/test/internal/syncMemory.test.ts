import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as S from "../../src/internal/syncMemory.ts"

// Parties as the parent numbers them: threads are `threadId + 1`.
const A = 101
const B = 102

describe("syncMemory", () => {
  it("a Lock is held by one party at a time, released by any, and refuses a release when free", () => {
    const cell = S.allocate(S.KIND_LOCK, 1)
    assert.strictEqual(S.valueOf(cell), 1)
    assert.isTrue(S.tryAcquire(cell, A))
    assert.isFalse(S.tryAcquire(cell, B))
    assert.isFalse(S.tryAcquire(cell, A))
    assert.strictEqual(S.valueOf(cell), 0)
    assert.isUndefined(S.releaseFor(cell, B))
    assert.strictEqual(S.releaseFor(cell, B), "not-held")
    S.release(cell)
  })

  it("an RLock is re-entrant for its owner only, and its owner must release it as often", () => {
    const cell = S.allocate(S.KIND_RLOCK, 1)
    assert.isTrue(S.tryAcquire(cell, A))
    assert.isTrue(S.tryAcquire(cell, A))
    assert.isFalse(S.tryAcquire(cell, B))
    assert.strictEqual(S.releaseFor(cell, B), "not-owner")
    assert.isUndefined(S.releaseFor(cell, A))
    assert.isFalse(S.tryAcquire(cell, B))
    assert.isUndefined(S.releaseFor(cell, A))
    assert.isTrue(S.tryAcquire(cell, B))
    S.release(cell)
  })

  it("a dead party's lock, RLock and semaphore shares come back; others' stay", () => {
    const lock = S.allocate(S.KIND_LOCK, 1)
    const rlock = S.allocate(S.KIND_RLOCK, 1)
    const sem = S.allocate(S.KIND_SEMAPHORE, 3)
    assert.isTrue(S.tryAcquire(lock, A))
    assert.isTrue(S.tryAcquire(rlock, A))
    assert.isTrue(S.tryAcquire(rlock, A))
    assert.isTrue(S.tryAcquire(sem, A))
    assert.isTrue(S.tryAcquire(sem, A))
    assert.isTrue(S.tryAcquire(sem, B))
    assert.strictEqual(S.valueOf(sem), 0)
    S.releaseParty(A)
    assert.strictEqual(S.valueOf(lock), 1)
    assert.isTrue(S.tryAcquire(rlock, B))
    assert.strictEqual(S.valueOf(sem), 2)
    S.releaseParty(B)
    assert.strictEqual(S.valueOf(sem), 3)
    for (const cell of [lock, rlock, sem]) S.release(cell)
  })

  it("a semaphore released by another party takes the share off a holder (no double give-back)", () => {
    const sem = S.allocate(S.KIND_SEMAPHORE, 1)
    assert.isTrue(S.tryAcquire(sem, A))
    assert.isUndefined(S.releaseFor(sem, B))
    assert.strictEqual(S.valueOf(sem), 1)
    S.releaseParty(A)
    assert.strictEqual(S.valueOf(sem), 1)
    S.release(sem)
  })

  it("a bounded semaphore refuses a release above its bound", () => {
    const sem = S.allocate(S.KIND_BOUNDED, 2)
    assert.strictEqual(S.releaseFor(sem, A), "over-release")
    assert.isTrue(S.tryAcquire(sem, A))
    assert.isUndefined(S.releaseFor(sem, A))
    assert.strictEqual(S.initialOf(sem), 2)
    S.release(sem)
  })

  it("more than 12 holders: the 13th is not recorded, the others are still given back", () => {
    const sem = S.allocate(S.KIND_SEMAPHORE, 13)
    for (let party = 1; party <= 13; party++) assert.isTrue(S.tryAcquire(sem, 1000 + party))
    assert.strictEqual(S.valueOf(sem), 0)
    for (let party = 1; party <= 13; party++) S.releaseParty(1000 + party)
    assert.strictEqual(S.valueOf(sem), 12)
    S.release(sem)
  })

  it("a freed cell is reused with a new generation: old handles see it gone", () => {
    const first = S.allocate(S.KIND_LOCK, 1)
    S.release(first)
    assert.isFalse(S.isLive(first))
    const second = S.allocate(S.KIND_LOCK, 1)
    assert.isTrue(S.isLive(second))
    assert.notStrictEqual(second.gen, first.gen)
    S.release(second)
  })

  it.live("a waiter wakes when the holder releases, and a timed wait gives up", () =>
    Effect.gen(function*() {
      const cell = S.allocate(S.KIND_LOCK, 1)
      assert.isTrue(S.tryAcquire(cell, A))
      assert.isFalse(yield* S.waitFor(cell, () => S.tryAcquire(cell, B), true, 10))
      assert.isFalse(yield* S.waitFor(cell, () => S.tryAcquire(cell, B), false, undefined))
      const waiter = yield* Effect.forkChild(S.waitFor(cell, () => S.tryAcquire(cell, B), true, undefined))
      yield* Effect.yieldNow
      assert.isUndefined(S.releaseFor(cell, A))
      assert.isTrue(yield* Fiber.join(waiter))
      assert.strictEqual(S.releaseFor(cell, A), undefined) // any party may release a Lock
      S.release(cell)
    }))

  it.live("an event wakes its waiters when set", () =>
    Effect.gen(function*() {
      const cell = S.allocate(S.KIND_EVENT, 0)
      assert.isFalse(S.isSet(cell))
      const waiter = yield* Effect.forkChild(S.waitFor(cell, () => S.isSet(cell), true, undefined))
      yield* Effect.yieldNow
      S.setFlag(cell, true)
      assert.isTrue(yield* Fiber.join(waiter))
      S.setFlag(cell, false)
      assert.isFalse(S.isSet(cell))
      S.release(cell)
    }))
})
