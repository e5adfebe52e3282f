import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Barrier } from "@corun/core"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

describe("Barrier", () => {
  it.effect("parties < 1 or a negative timeout fail with InvalidArgumentError", () =>
    Effect.gen(function*() {
      for (const parties of [0, -1, 1.5]) {
        const error = yield* Effect.flip(Barrier.make(parties))
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(error.argument, "parties")
      }
      assert.strictEqual((yield* Effect.flip(Barrier.make(2, { timeout: -1 })))._tag, "InvalidArgumentError")
      const barrier = yield* Barrier.make(2)
      assert.strictEqual((yield* Effect.flip(barrier.wait({ timeout: -1 })))._tag, "InvalidArgumentError")
    }))

  it.effect("wait returns distinct arrival indices 0..parties-1, runs the action once, and is reusable", () =>
    Effect.gen(function*() {
      let actions = 0
      const barrier = yield* Barrier.make(3, { action: Effect.sync(() => actions++) })
      assert.strictEqual(barrier.parties, 3)
      for (let round = 1; round <= 3; round++) {
        const a = yield* Effect.forkChild(barrier.wait())
        const b = yield* Effect.forkChild(Barrier.wait(barrier))
        yield* settle
        assert.strictEqual(yield* Barrier.nWaiting(barrier), 2)
        assert.isUndefined(a.pollUnsafe())
        const c = yield* barrier.wait()
        const indices = [yield* Fiber.join(a), yield* Fiber.join(b), c].sort()
        assert.deepStrictEqual(indices, [0, 1, 2])
        assert.strictEqual(c, 2)
        assert.strictEqual(actions, round)
        assert.strictEqual(yield* barrier.nWaiting, 0)
      }
      assert.match(String(barrier), /parties=3/)
      // One party passes at once.
      assert.strictEqual(yield* (yield* Barrier.make(1)).wait(), 0)
    }))

  it.effect("abort breaks the barrier: waiters and later arrivals fail until reset", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* Barrier.abort(barrier)
      const error = yield* Effect.flip(Fiber.join(a))
      assert.strictEqual(error._tag, "BrokenBarrierError")
      assert.isTrue(yield* Barrier.broken(barrier))
      assert.strictEqual((yield* Effect.flip(barrier.wait()))._tag, "BrokenBarrierError")
      yield* Barrier.reset(barrier)
      assert.isFalse(yield* barrier.broken)
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.forkChild(barrier.wait()))
      assert.deepStrictEqual((yield* Fiber.joinAll(fibers)).sort(), [0, 1, 2])
    }))

  it.effect("reset fails the current waiters and leaves the barrier usable", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2)
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* barrier.reset
      const error = yield* Effect.flip(Fiber.join(a))
      assert.strictEqual(error._tag, "BrokenBarrierError")
      assert.match(error.message, /reset/)
      assert.isFalse(yield* barrier.broken)
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.wait(), 1)
      assert.strictEqual(yield* Fiber.join(b), 0)
    }))

  it.effect("a waiter's timeout breaks the barrier for everyone", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3, { timeout: "5 seconds" })
      const a = yield* Effect.forkChild(barrier.wait({ timeout: "1 second" }))
      const b = yield* Effect.forkChild(barrier.wait()) // uses the default 5 s
      yield* settle
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Effect.flip(Fiber.join(a)))._tag, "BrokenBarrierError")
      assert.strictEqual((yield* Effect.flip(Fiber.join(b)))._tag, "BrokenBarrierError")
      assert.isTrue(yield* barrier.broken)
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))

  it.effect("interrupting a waiter breaks the barrier", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const a = yield* Effect.forkChild(barrier.wait())
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* Fiber.interrupt(a)
      assert.strictEqual((yield* Effect.flip(Fiber.join(b)))._tag, "BrokenBarrierError")
      assert.isTrue(yield* barrier.broken)
    }))

  it.effect("a failing action fails the last arrival with its error and breaks the barrier for the others", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.fail("action failed" as const) })
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      const exit = yield* Effect.exit(barrier.wait())
      assert.deepStrictEqual(exit, Exit.fail("action failed"))
      const other = yield* Effect.flip(Fiber.join(a))
      assert.strictEqual(typeof other === "object" && other._tag, "BrokenBarrierError")
      assert.isTrue(yield* barrier.broken)
    }))

  it.effect("arrivals during a running action wait for the next round", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.sleep(100) })
      const first = yield* Effect.forkChild(Effect.all([barrier.wait(), barrier.wait()], { concurrency: "unbounded" }))
      yield* settle
      const early = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(100)
      assert.deepStrictEqual((yield* Fiber.join(first)).sort(), [0, 1])
      yield* settle
      assert.isUndefined(early.pollUnsafe())
      assert.strictEqual(yield* barrier.nWaiting, 1)
      const last = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(100)
      assert.deepStrictEqual([yield* Fiber.join(early), yield* Fiber.join(last)], [0, 1])
    }))
})

describe("Barrier (interruption after waiting for the action)", () => {
  it.effect("an arrival that waited for the action stays interruptible in the next round", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.sleep(100) })
      const first = yield* Effect.forkChild(Effect.all([barrier.wait(), barrier.wait()], { concurrency: "unbounded" }))
      yield* settle
      const early = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(100)
      yield* Fiber.join(first)
      yield* settle
      assert.strictEqual(yield* barrier.nWaiting, 1)
      yield* Fiber.interrupt(early)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(early)))
      assert.isTrue(yield* barrier.broken)
    }))
})

// CPython's lock_tests.py BarrierTests, in fibers (N = 5).
describe("Barrier (CPython lock_tests scenarios)", () => {
  const N = 5
  const runFibers = (f: Effect.Effect<void, unknown>) =>
    Effect.all(Array.from({ length: N }, () => f), { concurrency: "unbounded", discard: true })

  it.effect("test_abort: a party that aborts breaks the next round for the N-1 others", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(N)
      let results1 = 0
      let results2 = 0
      yield* runFibers(Effect.gen(function*() {
        const i = yield* barrier.wait()
        if (i === Math.floor(N / 2)) return yield* barrier.abort
        const second = yield* Effect.exit(barrier.wait())
        if (Exit.isSuccess(second)) results1++
        else results2++
      }))
      assert.strictEqual(results1, 0)
      assert.strictEqual(results2, N - 1)
      assert.isTrue(yield* barrier.broken)
    }))

  it.effect("test_reset: reset frees the N-1 waiters with BrokenBarrierError, then all pass again", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(N)
      let results1 = 0
      let results2 = 0
      let results3 = 0
      yield* runFibers(Effect.gen(function*() {
        const i = yield* barrier.wait()
        if (i === Math.floor(N / 2)) {
          while ((yield* barrier.nWaiting) < N - 1) yield* Effect.yieldNow
          yield* barrier.reset
        } else {
          const second = yield* Effect.exit(barrier.wait())
          if (Exit.isSuccess(second)) results1++
          else results2++
        }
        yield* barrier.wait()
        results3++
      }))
      assert.deepStrictEqual([results1, results2, results3], [0, N - 1, N])
    }))

  it.effect("test_abort_and_reset: a broken barrier can be reset and used again", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(N)
      const barrier2 = yield* Barrier.make(N)
      let results1 = 0
      let results2 = 0
      let results3 = 0
      yield* runFibers(Effect.gen(function*() {
        const i = yield* barrier.wait()
        if (i === Math.floor(N / 2)) {
          yield* barrier.abort
        } else {
          const second = yield* Effect.exit(barrier.wait())
          if (Exit.isSuccess(second)) results1++
          else results2++
        }
        if ((yield* barrier2.wait()) === Math.floor(N / 2)) yield* barrier.reset
        yield* barrier2.wait()
        yield* barrier.wait()
        results3++
      }))
      assert.deepStrictEqual([results1, results2, results3], [0, N - 1, N])
    }))

  it.effect("test_single_thread: Barrier(1) passes every time", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(1)
      assert.deepStrictEqual([yield* barrier.wait(), yield* barrier.wait()], [0, 0])
    }))
})
