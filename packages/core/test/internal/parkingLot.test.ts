/**
 * The parking lot on its own, without any primitive over it: FIFO order,
 * `unpark(n)`, moving waiters between lots, statistics, and the interruption
 * rules (a parked fiber that is interrupted leaves; one interrupted after it
 * was handed the wake-up passes it on).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { IDLE, PARKED, ParkingLot, settle, Waiter, WOKEN } from "../../src/internal/parkingLot.ts"

/** Lets forked fibers run until they block (wake-ups run on the next tick). */
const settleFibers = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

/** Parks `waiter` (already enqueued) in a fiber of its own, hand-off style. */
const parkIn = (lot: ParkingLot, waiter: Waiter, millis?: number) =>
  Effect.forkChild(Effect.uninterruptibleMask((restore) => lot.await(waiter, restore, millis)))

/** Enqueues `n` waiters and parks each in a fiber that records its index when woken. */
const parkMany = (lot: ParkingLot, n: number, woken: Array<number>) =>
  Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
    Effect.forkChild(
      Effect.uninterruptibleMask((restore) =>
        Effect.tap(lot.await(lot.enqueue(new Waiter()), restore, undefined), () => Effect.sync(() => woken.push(i)))
      )
    ))

describe("ParkingLot", () => {
  it.effect("unpark wakes waiters in arrival order, on the next tick", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const woken: Array<number> = []
      const fibers = yield* parkMany(lot, 3, woken)
      yield* settleFibers
      assert.deepStrictEqual(lot.statistics(), { parked: 3, woken: 0 })
      assert.strictEqual(lot.unpark(1), 1)
      // Not resumed inside the unparking fiber's step.
      assert.deepStrictEqual(woken, [])
      assert.deepStrictEqual(lot.statistics(), { parked: 2, woken: 1 })
      yield* settleFibers
      assert.deepStrictEqual(woken, [0])
      assert.deepStrictEqual(lot.statistics(), { parked: 2, woken: 0 })
      assert.strictEqual(lot.unpark(1), 1)
      yield* settleFibers
      assert.strictEqual(lot.unpark(1), 1)
      assert.deepStrictEqual(yield* Fiber.joinAll(fibers), [true, true, true])
      assert.deepStrictEqual(woken, [0, 1, 2])
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
    }))

  it.effect("unpark(n) wakes up to n and says how many; unparkAll wakes the rest", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const woken: Array<number> = []
      const fibers = yield* parkMany(lot, 5, woken)
      yield* settleFibers
      assert.strictEqual(lot.unpark(0), 0)
      assert.strictEqual(lot.unpark(2), 2)
      yield* settleFibers
      assert.deepStrictEqual(woken, [0, 1])
      assert.strictEqual(lot.unparkAll(), 3)
      assert.strictEqual(lot.unpark(10), 0)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(woken, [0, 1, 2, 3, 4])
    }))

  it.effect("a waiter unparked before its fiber parks returns at once", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const waiter = lot.enqueue(new Waiter())
      assert.strictEqual(waiter.state, PARKED)
      assert.strictEqual(lot.unparkOne(), waiter)
      assert.strictEqual(waiter.state, WOKEN)
      assert.isTrue(yield* Effect.uninterruptibleMask((restore) => lot.await(waiter, restore, undefined)))
      assert.strictEqual(waiter.state, IDLE)
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
    }))

  it.effect("repark moves the first n waiters, in order, to the end of another lot", () =>
    Effect.gen(function*() {
      const from = new ParkingLot()
      const to = new ParkingLot()
      const order: Array<string> = []
      const park = (lot: ParkingLot, name: string) => {
        const waiter = lot.enqueue(new Waiter())
        return Effect.forkChild(Effect.uninterruptibleMask((restore) =>
          Effect.tap(lot.await(waiter, restore, undefined), () => Effect.sync(() => order.push(name)))
        ))
      }
      const t = yield* park(to, "t")
      const fibers = [yield* park(from, "a"), yield* park(from, "b"), yield* park(from, "c")]
      yield* settleFibers
      assert.strictEqual(from.repark(to, 2), 2)
      assert.deepStrictEqual(from.statistics(), { parked: 1, woken: 0 })
      assert.deepStrictEqual(to.statistics(), { parked: 3, woken: 0 })
      // Moved waiters are not woken by the move, nor by their old lot.
      yield* settleFibers
      assert.deepStrictEqual(order, [])
      assert.strictEqual(to.unpark(2), 2)
      yield* settleFibers
      assert.deepStrictEqual(order, ["t", "a"])
      assert.strictEqual(from.reparkAll(to), 1)
      assert.strictEqual(from.unpark(1), 0)
      assert.strictEqual(to.unparkAll(), 2)
      yield* Fiber.joinAll([t, ...fibers])
      assert.deepStrictEqual(order, ["t", "a", "b", "c"])
    }))

  it.effect("an interrupted parked fiber leaves the lot; the next unpark wakes the next one", () =>
    Effect.gen(function*() {
      const passedOn: Array<Waiter> = []
      const lot = new ParkingLot({ passOn: (_, waiter) => passedOn.push(waiter) })
      const woken: Array<number> = []
      const [a, b] = yield* parkMany(lot, 2, woken)
      yield* settleFibers
      yield* Fiber.interrupt(a)
      assert.deepStrictEqual(lot.statistics(), { parked: 1, woken: 0 })
      assert.strictEqual(lot.unpark(1), 1)
      assert.isTrue(yield* Fiber.join(b))
      assert.deepStrictEqual(woken, [1])
      // It was never handed anything, so nothing was passed on.
      assert.deepStrictEqual(passedOn, [])
    }))

  it.effect("a fiber interrupted after it was handed the wake-up passes it on (default: to the next waiter)", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const woken: Array<number> = []
      const [a, b, c] = yield* parkMany(lot, 3, woken)
      yield* settleFibers
      // Hand `a` the wake-up and interrupt it before it runs.
      yield* Effect.sync(() => {
        lot.unparkOne()
        a.interruptUnsafe()
      })
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(a)))
      assert.isTrue(yield* Fiber.join(b))
      assert.deepStrictEqual(woken, [1])
      assert.isUndefined(c.pollUnsafe())
      assert.deepStrictEqual(lot.statistics(), { parked: 1, woken: 0 })
      lot.unparkAll()
      yield* Fiber.join(c)
    }))

  it.effect("a custom passOn receives the wake-up a woken, interrupted waiter gave up", () =>
    Effect.gen(function*() {
      const passedOn: Array<Waiter> = []
      const lot = new ParkingLot({ passOn: (_, waiter) => passedOn.push(waiter) })
      const waiter = lot.enqueue(new Waiter())
      const fiber = yield* parkIn(lot, waiter)
      yield* settleFibers
      yield* Effect.sync(() => {
        lot.unparkOne()
        fiber.interruptUnsafe()
      })
      yield* Fiber.await(fiber)
      assert.deepStrictEqual(passedOn, [waiter])
      assert.strictEqual(waiter.state, IDLE)
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
    }))

  it.effect("await with a timeout: false and gone when it passes, true when woken in time", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const late = yield* parkIn(lot, lot.enqueue(new Waiter()), 1000)
      yield* settleFibers
      yield* TestClock.adjust(999)
      assert.isUndefined(late.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.isFalse(yield* Fiber.join(late))
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
      const inTime = yield* parkIn(lot, lot.enqueue(new Waiter()), 1000)
      yield* settleFibers
      yield* TestClock.adjust(500)
      lot.unparkOne()
      assert.isTrue(yield* Fiber.join(inTime))
    }))

  it.effect("a wake-up that lands as the timeout fires is kept, not lost", () =>
    Effect.gen(function*() {
      const passedOn: Array<Waiter> = []
      const lot = new ParkingLot({ passOn: (_, waiter) => passedOn.push(waiter) })
      const timed = yield* parkIn(lot, lot.enqueue(new Waiter()), 1000)
      yield* settleFibers
      yield* TestClock.adjust(999)
      lot.unparkOne()
      yield* TestClock.adjust(1)
      assert.isTrue(yield* Fiber.join(timed))
      assert.deepStrictEqual(passedOn, [])
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
    }))

  it.effect("await with timeout 0 polls: returns false without waiting and leaves the lot", () =>
    Effect.gen(function*() {
      const lot = new ParkingLot()
      const waiter = lot.enqueue(new Waiter())
      assert.isFalse(yield* Effect.uninterruptibleMask((restore) => lot.await(waiter, restore, 0)))
      assert.strictEqual(waiter.state, IDLE)
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
      // Already woken: polling keeps the wake-up.
      const handed = lot.enqueue(new Waiter())
      lot.unparkOne()
      assert.isTrue(yield* Effect.uninterruptibleMask((restore) => lot.await(handed, restore, 0)))
    }))

  it.effect("settle: a parked waiter leaves, a woken one keeps or passes on, a settled one is left alone", () =>
    Effect.sync(() => {
      const passedOn: Array<Waiter> = []
      const lot = new ParkingLot({ passOn: (_, waiter) => passedOn.push(waiter) })
      const a = lot.enqueue(new Waiter())
      const b = lot.enqueue(new Waiter())
      const c = lot.enqueue(new Waiter())
      assert.isFalse(settle(b, true))
      assert.deepStrictEqual(lot.statistics(), { parked: 2, woken: 0 })
      assert.strictEqual(lot.unparkOne(), a)
      assert.strictEqual(lot.unparkOne(), c)
      assert.isTrue(settle(a, true))
      assert.isFalse(settle(c, false))
      assert.deepStrictEqual(passedOn, [c])
      assert.isFalse(settle(c, false))
      assert.deepStrictEqual(passedOn, [c])
      assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
    }))

  describe("hint mode (wait)", () => {
    it.effect("returns at once when ready; otherwise parks until unparked", () =>
      Effect.gen(function*() {
        const lot = new ParkingLot({ hint: true })
        let ready = true
        yield* lot.wait(() => ready)
        assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
        ready = false
        const fiber = yield* Effect.forkChild(lot.wait(() => ready))
        yield* settleFibers
        assert.deepStrictEqual(lot.statistics(), { parked: 1, woken: 0 })
        lot.unparkOne()
        yield* Fiber.join(fiber)
        assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
      }))

    it.effect("an interrupted waiter leaves; one interrupted after its wake-up passes it on", () =>
      Effect.gen(function*() {
        const lot = new ParkingLot({ hint: true })
        const never = () => false
        const [a, b, c] = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(lot.wait(never)))
        yield* settleFibers
        yield* Fiber.interrupt(c)
        assert.deepStrictEqual(lot.statistics(), { parked: 2, woken: 0 })
        yield* Effect.sync(() => {
          lot.unparkOne()
          a.interruptUnsafe()
        })
        yield* Fiber.join(b)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(a)))
        assert.deepStrictEqual(lot.statistics(), { parked: 0, woken: 0 })
      }))
  })
})
