import { Barrier } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"

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

  it.effect("statistics: parties, the fibers waiting in the round, and the named state", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2)
      assert.deepStrictEqual(yield* Barrier.statistics(barrier), { parties: 2, nWaiting: 0, state: "filling" })
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.deepStrictEqual(yield* barrier.statistics, { parties: 2, nWaiting: 1, state: "filling" })
      // The round trips; until `a` has left, the barrier drains.
      assert.strictEqual(yield* barrier.wait(), 1)
      assert.deepStrictEqual(yield* barrier.statistics, { parties: 2, nWaiting: 0, state: "draining" })
      assert.strictEqual(yield* Fiber.join(a), 0)
      assert.deepStrictEqual(yield* barrier.statistics, { parties: 2, nWaiting: 0, state: "filling" })
      yield* barrier.abort
      assert.deepStrictEqual(yield* barrier.statistics, { parties: 2, nWaiting: 0, state: "broken" })
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

  it.effect("an interrupted waiter only leaves: nWaiting drops by one and the round still trips (asyncio's test_filling_tasks_cancel_one)", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const t1 = yield* Effect.forkChild(barrier.wait())
      const t2 = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.nWaiting, 2)
      yield* Fiber.interrupt(t1)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(t1)))
      assert.strictEqual(yield* barrier.nWaiting, 1)
      assert.isFalse(yield* barrier.broken)
      const t3 = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.nWaiting, 2)
      const t4 = yield* barrier.wait()
      // As in asyncio, the index counts the fibers waiting at arrival: t2 and t3 share 1.
      assert.deepStrictEqual([yield* Fiber.join(t2), yield* Fiber.join(t3), t4], [1, 1, 2])
      assert.strictEqual(yield* barrier.nWaiting, 0)
      assert.isFalse(yield* barrier.broken)
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
      // It only left the round: nobody waits now, and the barrier is whole.
      assert.strictEqual(yield* barrier.nWaiting, 0)
      assert.isFalse(yield* barrier.broken)
      const next = yield* Effect.forkChild(barrier.wait())
      yield* settle
      const last = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(100)
      assert.deepStrictEqual([yield* Fiber.join(next), yield* Fiber.join(last)], [0, 1])
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
      // As in CPython, both waits are in the `try`: a party still leaving
      // the first round when the abort comes fails there.
      yield* runFibers(Effect.gen(function*() {
        const first = yield* Effect.exit(barrier.wait())
        if (Exit.isFailure(first)) return void results2++
        if (first.value === Math.floor(N / 2)) return yield* barrier.abort
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
        const first = yield* Effect.exit(barrier.wait())
        if (Exit.isFailure(first)) {
          results2++
        } else if (first.value === Math.floor(N / 2)) {
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

// Issue 8, point 4: the draining phase of CPython's `threading.Barrier` and
// `asyncio.Barrier`: the waiters of a tripped round leave as they resume;
// until the last has left, arrivals wait for the next round, and a reset or
// an abort breaks the waiters still leaving.
describe("Barrier (draining phase)", () => {
  const isBroken = (exit: Exit.Exit<number, unknown>) =>
    Exit.isFailure(exit) &&
    exit.cause.reasons.some((reason) =>
      reason._tag === "Fail" && (reason.error as { _tag?: string })._tag === "BrokenBarrierError"
    )

  it.effect("a reset while the round drains breaks the waiters still leaving; an arrival meanwhile waits for the next round", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(3)
      const a = yield* Effect.forkChild(barrier.wait())
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.wait(), 2) // trips the round; a and b have not left yet
      assert.strictEqual(yield* barrier.nWaiting, 0)
      const d = yield* Effect.forkChild(barrier.wait(), { startImmediately: true })
      assert.isUndefined(d.pollUnsafe())
      yield* barrier.reset
      assert.isTrue(isBroken(yield* Fiber.await(a)))
      assert.isTrue(isBroken(yield* Fiber.await(b)))
      yield* settle
      // d was not in the round that was reset: it waits in the next one.
      assert.isUndefined(d.pollUnsafe())
      assert.strictEqual(yield* barrier.nWaiting, 1)
      assert.isFalse(yield* barrier.broken)
      const e = yield* Effect.forkChild(barrier.wait())
      yield* settle
      const f = yield* barrier.wait()
      assert.deepStrictEqual([yield* Fiber.join(d), yield* Fiber.join(e), f], [0, 1, 2])
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))

  it.effect("an abort while the round drains breaks the waiters still leaving", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2)
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.wait(), 1)
      yield* barrier.abort
      assert.isTrue(isBroken(yield* Fiber.await(a)))
      assert.isTrue(yield* barrier.broken)
      yield* barrier.reset
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.wait(), 1)
      assert.strictEqual(yield* Fiber.join(b), 0)
    }))

  it.effect("a waiter interrupted while it leaves a tripped round only leaves; the next round starts", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2)
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.wait(), 1)
      yield* Fiber.interrupt(a)
      yield* Fiber.await(a)
      assert.isFalse(yield* barrier.broken)
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      assert.strictEqual(yield* barrier.nWaiting, 1)
      assert.strictEqual(yield* barrier.wait(), 1)
      assert.strictEqual(yield* Fiber.join(b), 0)
    }))

  it.effect("a reset while the action runs fails that round; the next round passes", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.sleep(100) })
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle // b runs the action
      const early = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* barrier.reset
      assert.isTrue(isBroken(yield* Fiber.await(a)))
      yield* TestClock.adjust(100)
      assert.isTrue(isBroken(yield* Fiber.await(b)))
      yield* settle
      // `early` arrived while the action ran: it waits in the next round.
      assert.isUndefined(early.pollUnsafe())
      assert.strictEqual(yield* barrier.nWaiting, 1)
      assert.isFalse(yield* barrier.broken)
      const last = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(100)
      assert.deepStrictEqual([yield* Fiber.join(early), yield* Fiber.join(last)], [0, 1])
    }))

  it.effect("a timeout that passes while the action runs waits for its outcome (as threading's does)", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.sleep(100) })
      const a = yield* Effect.forkChild(barrier.wait({ timeout: 50 }))
      yield* settle
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* TestClock.adjust(50)
      assert.isUndefined(a.pollUnsafe())
      assert.isFalse(yield* barrier.broken)
      yield* TestClock.adjust(50)
      assert.deepStrictEqual([yield* Fiber.join(a), yield* Fiber.join(b)], [0, 1])
      assert.isFalse(yield* barrier.broken)
    }))

  it.effect("interrupting the fiber that runs the action breaks the barrier", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(2, { action: Effect.never })
      const a = yield* Effect.forkChild(barrier.wait())
      yield* settle
      const b = yield* Effect.forkChild(barrier.wait())
      yield* settle
      yield* Fiber.interrupt(b)
      assert.isTrue(isBroken(yield* Fiber.await(a)))
      assert.isTrue(yield* barrier.broken)
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))

  // CPython test_asyncio/test_locks.py BarrierTests, in fibers (N = 5).
  const N = 5
  const runFibers = (f: Effect.Effect<void, unknown>) =>
    Effect.all(Array.from({ length: N }, () => f), { concurrency: "unbounded", discard: true })

  it.effect("test_reset_barrier_while_tasks_draining: the last to leave resets; the others wait for the next round", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(N)
      let count = 0
      let results1 = 0
      let results2 = 0
      let results3 = 0
      yield* runFibers(Effect.gen(function*() {
        yield* barrier.wait()
        count++
        if (count === N) {
          // The last to leave: the round is over, so the reset finds nobody
          // in the barrier (the others wait to enter the next round).
          yield* barrier.reset
          yield* barrier.wait()
        } else {
          const second = yield* Effect.exit(barrier.wait())
          if (Exit.isSuccess(second)) results1++
          else results2++
        }
        yield* barrier.wait()
        results3++
      }))
      assert.deepStrictEqual([results1, results2, results3], [N - 1, 0, N])
      assert.isFalse(yield* barrier.broken)
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))

  it.effect("test_blocking_tasks_while_draining: fibers that wait again wait for the round to drain", () =>
    Effect.gen(function*() {
      const rewait = 2
      const barrier = yield* Barrier.make(N)
      const noWaiting = yield* Barrier.make(N - rewait)
      let rewaitLeft = rewait
      yield* runFibers(Effect.gen(function*() {
        yield* barrier.wait()
        if (rewaitLeft > 0) {
          rewaitLeft--
          yield* barrier.wait()
        } else {
          yield* noWaiting.wait()
          yield* barrier.wait()
        }
      }))
      assert.isFalse(yield* barrier.broken)
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))

  it.effect("test_abort_barrier_when_tasks_half_draining_half_blocking", () =>
    Effect.gen(function*() {
      const barrier = yield* Barrier.make(N)
      const blocking = Math.floor(N / 2)
      let results1 = 0
      let results2 = 0
      let count = 0
      yield* runFibers(Effect.gen(function*() {
        const first = yield* Effect.exit(barrier.wait())
        if (Exit.isFailure(first)) return void results1++ // still leaving when the abort came
        count++
        if (count > blocking) return yield* barrier.abort
        const second = yield* Effect.exit(barrier.wait())
        if (Exit.isFailure(second)) results2++ // blocked until the round drained, then broken
      }))
      assert.isTrue(yield* barrier.broken)
      assert.strictEqual(results1, N - blocking - 1)
      assert.strictEqual(results2, blocking)
      assert.strictEqual(yield* barrier.nWaiting, 0)
    }))
})
