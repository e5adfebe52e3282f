import { TaskQueue } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Order } from "effect"
import { TestClock } from "effect/testing"

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

const drain = <A>(q: TaskQueue.TaskQueue<A>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    while (!(yield* q.empty)) out.push(yield* q.getNowait)
    return out
  })

describe("TaskQueue", () => {
  it.effect("constructors: kind, maxsize, and bad maxsize", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 3 })
      assert.strictEqual(q.kind, "fifo")
      assert.strictEqual(q.maxsize, 3)
      assert.isTrue(TaskQueue.isTaskQueue(q))
      assert.isFalse(TaskQueue.isTaskQueue({}))
      assert.strictEqual((yield* TaskQueue.lifo()).kind, "lifo")
      assert.strictEqual((yield* TaskQueue.priority()).kind, "priority")
      for (const maxsize of [0, -1, Infinity, undefined]) {
        assert.strictEqual((yield* TaskQueue.fifo({ maxsize })).maxsize, 0)
      }
      const error = yield* Effect.flip(TaskQueue.fifo({ maxsize: 2.5 }))
      assert.strictEqual(error._tag, "InvalidArgumentError")
      assert.strictEqual(error.argument, "maxsize")
      assert.match(String(q), /TaskQueue.fifo\(size=0, maxsize=3/)
    }))

  it.effect("fifo: items come out in the order they went in; qsize / empty / full", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 3 })
      assert.isTrue(yield* TaskQueue.empty(q))
      assert.isFalse(yield* TaskQueue.full(q))
      yield* q.put(1)
      yield* TaskQueue.put(q, 2)
      yield* q.putNowait(3)
      assert.strictEqual(yield* TaskQueue.qsize(q), 3)
      assert.isTrue(yield* q.full)
      assert.isFalse(yield* q.empty)
      assert.deepStrictEqual([yield* q.get(), yield* TaskQueue.get(q), yield* TaskQueue.getNowait(q)], [1, 2, 3])
      assert.isTrue(yield* q.empty)
    }))

  it.effect("fifo grows past its initial buffer and wraps around", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>()
      const expected: Array<number> = []
      let next = 0
      for (let round = 0; round < 10; round++) {
        for (let i = 0; i < 37; i++) {
          expected.push(next)
          yield* q.put(next++)
        }
        for (let i = 0; i < 20; i++) assert.strictEqual(yield* q.get(), expected.shift())
      }
      assert.deepStrictEqual(yield* drain(q), expected)
      assert.isFalse(yield* q.full) // unbounded is never full
    }))

  it.effect("lifo returns the newest item first", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.lifo<string>()
      for (const x of ["a", "b", "c"]) yield* q.put(x)
      assert.deepStrictEqual(yield* drain(q), ["c", "b", "a"])
    }))

  it.effect("priority returns the smallest first, Python-style tuples, ties in insertion order", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.priority<[number, string]>()
      for (const item of [[3, "c"], [1, "b"], [2, "x"], [1, "a"], [0, "z"]] as Array<[number, string]>) {
        yield* q.put(item)
      }
      assert.deepStrictEqual(yield* drain(q), [[0, "z"], [1, "a"], [1, "b"], [2, "x"], [3, "c"]])
      const byLength = yield* TaskQueue.priority<{ n: number; tag: string }>({
        order: Order.mapInput(Order.Number, (x: { n: number }) => x.n)
      })
      for (const [n, tag] of [[2, "first"], [1, "one"], [2, "second"], [2, "third"]] as const) {
        yield* byLength.put({ n, tag })
      }
      assert.deepStrictEqual((yield* drain(byLength)).map((x) => x.tag), ["one", "first", "second", "third"])
      assert.strictEqual(TaskQueue.pythonOrder([1, 2], [1, 2, 0]), -1)
      assert.strictEqual(TaskQueue.pythonOrder("b", "a"), 1)
      assert.throws(() => TaskQueue.pythonOrder({}, {}), /pass an 'order'/)
    }))

  it.effect("an order that throws is a defect of put / get (Python's TypeError), never a retry or a wait", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.priority<{ readonly n: number }>()
      yield* q.put({ n: 1 }) // the first item is never compared
      const putExit = yield* Effect.exit(q.put({ n: 2 }))
      assert.isTrue(Exit.isFailure(putExit) && Cause.hasDies(putExit.cause))
      assert.match(String(Cause.squash((putExit as Exit.Failure<void, never>).cause)), /pass an 'order'/)
      const bad = yield* TaskQueue.priority<number>({
        order: () => {
          throw new Error("bad order")
        }
      })
      yield* bad.put(1)
      const exit = yield* Effect.exit(bad.putNowait(2))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      // The failed put left nothing behind: the queue still holds only `1`.
      assert.strictEqual(yield* bad.qsize, 1)
      assert.strictEqual(yield* bad.unfinishedTasks, 1)
      assert.strictEqual(yield* bad.get(), 1)
      // get re-sifts with the order too: its defect surfaces, and nothing is lost.
      let throwing = false
      const flaky = yield* TaskQueue.priority<number>({
        order: (a, b) => {
          if (throwing) throw new Error("bad order")
          return a < b ? -1 : a > b ? 1 : 0
        }
      })
      for (const n of [3, 1, 2]) yield* flaky.put(n)
      throwing = true
      const getExit = yield* Effect.exit(flaky.get())
      assert.isTrue(Exit.isFailure(getExit) && Cause.hasDies(getExit.cause))
      throwing = false
      assert.strictEqual(yield* flaky.qsize, 3)
      assert.deepStrictEqual(yield* drain(flaky), [1, 2, 3])
    }))

  it.effect("put waits while full; get waits while empty", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      yield* q.put(1)
      const putter = yield* Effect.forkChild(q.put(2))
      yield* settle
      assert.isUndefined(putter.pollUnsafe())
      assert.strictEqual(yield* q.get(), 1)
      yield* Fiber.join(putter)
      assert.strictEqual(yield* q.get(), 2)
      const getter = yield* Effect.forkChild(q.get())
      yield* settle
      assert.isUndefined(getter.pollUnsafe())
      yield* q.put(3)
      assert.strictEqual(yield* Fiber.join(getter), 3)
    }))

  it.effect("put and get with a timeout fail with QueueFull / QueueEmpty when it passes", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      const getter = yield* Effect.forkChild(Effect.flip(q.get({ timeout: "1 second" })))
      yield* settle
      yield* TestClock.adjust("1 second")
      const empty = yield* Fiber.join(getter)
      assert.strictEqual(empty._tag, "QueueEmpty")
      yield* q.put(1)
      const putter = yield* Effect.forkChild(Effect.flip(q.put(2, { timeout: "1 second" })))
      yield* settle
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(putter.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const full = yield* Fiber.join(putter)
      assert.strictEqual(full._tag, "QueueFull")
      assert.match(full.message, /maxsize 1/)
      assert.strictEqual(yield* q.qsize, 1)
      // In time: both succeed.
      const later = yield* Effect.forkChild(q.put(5, { timeout: "1 second" }))
      yield* settle
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* q.get({ timeout: "1 second" }), 1)
      yield* Fiber.join(later)
      assert.strictEqual(yield* q.get({ timeout: "1 second" }), 5)
    }))

  it.effect("block: false, timeout: 0, putNowait and getNowait do not wait", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      assert.strictEqual((yield* Effect.flip(q.getNowait))._tag, "QueueEmpty")
      assert.strictEqual((yield* Effect.flip(q.get({ block: false })))._tag, "QueueEmpty")
      assert.strictEqual((yield* Effect.flip(q.get({ timeout: 0 })))._tag, "QueueEmpty")
      yield* q.put(1, { block: false })
      assert.strictEqual((yield* Effect.flip(TaskQueue.putNowait(q, 2)))._tag, "QueueFull")
      assert.strictEqual((yield* Effect.flip(q.put(2, { block: false })))._tag, "QueueFull")
      assert.strictEqual((yield* Effect.flip(q.put(2, { timeout: 0 })))._tag, "QueueFull")
      assert.strictEqual(yield* q.get({ timeout: 0 }), 1)
      yield* q.put(7, { timeout: "Infinity" })
      assert.strictEqual(yield* q.get({ timeout: "Infinity" }), 7)
    }))

  it.effect("a negative timeout fails with InvalidArgumentError", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      assert.strictEqual((yield* Effect.flip(q.get({ timeout: -1 })))._tag, "InvalidArgumentError")
      yield* q.put(1)
      assert.strictEqual((yield* Effect.flip(q.put(2, { timeout: -1 })))._tag, "InvalidArgumentError")
    }))

  it.effect("waiters are served in order, and an interrupted waiter loses nothing", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<string>({ maxsize: 1 })
      const a = yield* Effect.forkChild(q.get())
      const b = yield* Effect.forkChild(q.get())
      const c = yield* Effect.forkChild(q.get())
      yield* settle
      yield* Fiber.interrupt(b)
      yield* q.put("x")
      yield* q.put("y")
      assert.deepStrictEqual([yield* Fiber.join(a), yield* Fiber.join(c)], ["x", "y"])
      // Interrupted putter: its item never arrives.
      yield* q.put("full")
      const putter = yield* Effect.forkChild(q.put("lost"))
      yield* settle
      yield* Fiber.interrupt(putter)
      assert.strictEqual(yield* q.get(), "full")
      assert.isTrue(yield* q.empty)
      assert.strictEqual(yield* q.unfinishedTasks, 3)
    }))

  it.effect("a getter woken and then interrupted before it ran passes the wake-up on", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>()
      const a = yield* Effect.forkChild(q.get())
      const b = yield* Effect.forkChild(q.get())
      yield* settle
      // put wakes `a` (it runs on the next tick); interrupt `a` in the same step.
      yield* Effect.andThen(q.putNowait(1), Effect.sync(() => a.interruptUnsafe()))
      assert.strictEqual(yield* Fiber.join(b), 1)
      assert.isTrue(Exit.isFailure(yield* Fiber.await(a)))
      assert.isTrue(yield* q.empty)
    }))

  it.effect("a putter woken and then timed out re-checks and passes the wake-up on", () =>
    Effect.gen(function*() {
      const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
      yield* q.put(0)
      const a = yield* Effect.forkChild(Effect.exit(q.put(1, { timeout: "1 second" })))
      const b = yield* Effect.forkChild(q.put(2))
      yield* settle
      yield* TestClock.adjust("999 millis")
      // Free a slot (wakes `a`), then let a's timeout fire before it runs.
      yield* Effect.andThen(q.getNowait, TestClock.adjust("1 millis"))
      const aExit = yield* Fiber.join(a)
      yield* settle
      const left = yield* drain(q)
      yield* settle
      const rest = yield* drain(q)
      yield* Fiber.join(b)
      const all = [...left, ...rest]
      // Python re-checks after a timeout: `a` put its item or failed with QueueFull; `b` always got in.
      assert.include(all, 2)
      assert.strictEqual(all.includes(1), Exit.isSuccess(aExit))
    }))

  describe("taskDone / join", () => {
    it.effect("join waits until every item put has had its taskDone", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>()
        yield* TaskQueue.join(q) // nothing put: returns at once
        yield* q.put(1)
        yield* q.put(2)
        assert.strictEqual(yield* q.unfinishedTasks, 2)
        const joiner = yield* Effect.forkChild(q.join)
        yield* q.get()
        yield* q.get()
        yield* TaskQueue.taskDone(q)
        yield* settle
        assert.isUndefined(joiner.pollUnsafe())
        yield* q.taskDone
        yield* Fiber.join(joiner)
        assert.strictEqual(yield* q.unfinishedTasks, 0)
        // And again, for a second batch.
        yield* q.put(3)
        const again = yield* Effect.forkChild(q.join)
        yield* settle
        assert.isUndefined(again.pollUnsafe())
        yield* q.get()
        yield* q.taskDone
        yield* Fiber.join(again)
      }))

    it.effect("a joiner woken as the count hits zero re-checks, as Python's join does", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>()
        yield* q.put(1)
        const joiner = yield* Effect.forkChild(q.join)
        yield* settle
        yield* q.get()
        // The count reaches zero and a new item arrives before the joiner runs.
        yield* Effect.andThen(q.taskDone, q.put(2))
        yield* settle
        assert.isUndefined(joiner.pollUnsafe())
        yield* q.get()
        yield* q.taskDone
        yield* Fiber.join(joiner)
      }))

    it.effect("taskDone more times than items were put fails with TaskDoneTooManyTimesError", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>()
        const error = yield* Effect.flip(q.taskDone)
        assert.strictEqual(error._tag, "TaskDoneTooManyTimesError")
        assert.match(error.message, /too many times/)
        yield* q.put(1)
        yield* q.taskDone // allowed before get, as in Python
        assert.strictEqual((yield* Effect.flip(q.taskDone))._tag, "TaskDoneTooManyTimesError")
        assert.strictEqual(yield* q.unfinishedTasks, 0)
      }))
  })

  describe("shutdown (Python 3.13)", () => {
    it.effect("after shutdown, put fails; get drains what is left, then fails with QueueShutDown", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>({ maxsize: 5 })
        yield* q.put(1)
        yield* q.put(2)
        yield* TaskQueue.shutdown(q)
        assert.isTrue(yield* q.isShutdown)
        assert.strictEqual((yield* Effect.flip(q.put(3)))._tag, "QueueShutDown")
        assert.strictEqual((yield* Effect.flip(q.putNowait(3)))._tag, "QueueShutDown")
        assert.strictEqual((yield* Effect.flip(q.put(3, { timeout: 1 })))._tag, "QueueShutDown")
        assert.strictEqual(yield* q.get(), 1)
        assert.strictEqual(yield* q.getNowait, 2)
        const error = yield* Effect.flip(q.get())
        assert.strictEqual(error._tag, "QueueShutDown")
        assert.match(error.message, /shut down/)
        assert.strictEqual((yield* Effect.flip(q.getNowait))._tag, "QueueShutDown")
        assert.strictEqual((yield* Effect.flip(q.get({ timeout: 1 })))._tag, "QueueShutDown")
        assert.match(String(q), /shut down/)
        // Task accounting still works.
        assert.strictEqual(yield* q.unfinishedTasks, 2)
        yield* q.taskDone
        yield* q.taskDone
        yield* q.join
      }))

    it.effect("shutdown wakes blocked putters (they fail) and blocked getters (they fail once empty)", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>({ maxsize: 1 })
        const getters = yield* Effect.forkChild(
          Effect.all([Effect.flip(q.get()), Effect.flip(q.get({ timeout: "1 hour" }))], {
            concurrency: "unbounded"
          })
        )
        yield* settle
        yield* q.shutdown()
        const errors = yield* Fiber.join(getters)
        assert.deepStrictEqual(errors.map((e) => e._tag), ["QueueShutDown", "QueueShutDown"])
        const q2 = yield* TaskQueue.fifo<number>({ maxsize: 1 })
        yield* q2.put(1)
        const putters = yield* Effect.forkChild(
          Effect.all([Effect.flip(q2.put(2)), Effect.flip(q2.put(3, { timeout: "1 hour" }))], {
            concurrency: "unbounded"
          })
        )
        yield* settle
        yield* q2.shutdown({ immediate: false })
        assert.deepStrictEqual((yield* Fiber.join(putters)).map((e) => e._tag), ["QueueShutDown", "QueueShutDown"])
        assert.strictEqual(yield* q2.get(), 1)
      }))

    it.effect("immediate: drops the items left, counts them done, releases join", () =>
      Effect.gen(function*() {
        const q = yield* TaskQueue.fifo<number>()
        yield* q.put(1)
        yield* q.put(2)
        yield* q.put(3)
        yield* q.get() // taken but not done: join still waits for it
        const joiner = yield* Effect.forkChild(q.join)
        yield* q.shutdown({ immediate: true })
        assert.strictEqual(yield* q.qsize, 0)
        assert.strictEqual(yield* q.unfinishedTasks, 1)
        assert.strictEqual((yield* Effect.flip(q.get()))._tag, "QueueShutDown")
        yield* settle
        assert.isUndefined(joiner.pollUnsafe())
        yield* q.taskDone
        yield* Fiber.join(joiner)
        // With nothing taken, immediate shutdown releases join at once.
        const q2 = yield* TaskQueue.lifo<number>()
        yield* q2.put(1)
        const j2 = yield* Effect.forkChild(q2.join)
        yield* q2.shutdown({ immediate: true })
        yield* Fiber.join(j2)
        yield* q2.shutdown() // twice is harmless
      }))
  })
})
