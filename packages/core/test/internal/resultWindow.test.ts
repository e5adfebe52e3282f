/**
 * The result window behind `Executor.map` and `asCompleted`: delivery order,
 * the back-pressure bound, the failure slot and interruption, each checked
 * causally (items complete when the test says so; counters, no clocks).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Scheduler, Stream } from "effect"
import * as ResultWindow from "../../src/internal/resultWindow.ts"

/** Items the test completes by hand: `startEach` records each start and its callback. */
const manual = <T>(items: Iterable<T>, options: ResultWindow.WindowOptions) => {
  const started: Array<T> = []
  const completions: Array<(exit: Exit.Exit<T, string>) => void> = []
  const completionsAll: Array<(values: ReadonlyArray<T>, cause?: Cause.Cause<string>) => void> = []
  const cancelled: Array<number> = []
  const startedAt = new Map<number, Deferred.Deferred<void>>()
  const latch = (index: number) => {
    let deferred = startedAt.get(index)
    if (deferred === undefined) {
      deferred = Deferred.makeUnsafe<void>()
      startedAt.set(index, deferred)
    }
    return deferred
  }
  /** Resolves once item `index` has started. */
  const whenStarted = (index: number) => Deferred.await(latch(index))
  const stream = ResultWindow.stream<T, T, string, never, never>({
    items,
    ...options,
    drive: (window, scope) =>
      ResultWindow.startEach(window, scope, (item, index, complete, completeAll) =>
        Effect.sync(() => {
          started.push(item)
          completions[index] = complete
          completionsAll[index] = completeAll
          Deferred.doneUnsafe(latch(index), Exit.void)
          return () => cancelled.push(index)
        }))
  })
  const succeed = (index: number, value: T) => Effect.sync(() => completions[index](Exit.succeed(value)))
  const fail = (index: number, error: string) => Effect.sync(() => completions[index](Exit.fail(error)))
  const succeedAll = (index: number, values: ReadonlyArray<T>) => Effect.sync(() => completionsAll[index](values))
  const failAfter = (index: number, values: ReadonlyArray<T>, error: string) =>
    Effect.sync(() => completionsAll[index](values, Cause.fail(error)))
  return { stream, started, cancelled, whenStarted, succeed, fail, succeedAll, failAfter }
}

/** Runs `stream`, recording each element; the fiber ends with the stream's exit. */
const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.gen(function*() {
    const seen: Array<A> = []
    const fiber = yield* Effect.forkChild(
      Effect.exit(Stream.runForEach(stream, (a) => Effect.sync(() => seen.push(a))))
    )
    return { seen, fiber }
  })

/** Lets every other ready fiber run (no clock involved). */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

describe("resultWindow", () => {
  it.effect("ordered: results come in input order whatever the completion order", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3], { window: Infinity, ordered: true })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(3)
      yield* m.succeed(3, 30)
      yield* m.succeed(1, 10)
      yield* settle
      assert.deepStrictEqual(seen, [])
      yield* m.succeed(0, 0)
      yield* settle
      assert.deepStrictEqual(seen, [0, 10])
      yield* m.succeed(2, 20)
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
      assert.deepStrictEqual(seen, [0, 10, 20, 30])
    }))

  it.effect("unordered: results come in completion order", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3], { window: Infinity, ordered: false })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(3)
      for (const index of [2, 0, 3, 1]) {
        yield* m.succeed(index, index * 10)
        yield* settle
      }
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
      assert.deepStrictEqual(seen, [20, 0, 30, 10])
    }))

  for (const ordered of [true, false]) {
    it.effect(`back-pressure (${ordered ? "ordered" : "unordered"}): at most \`window\` items started ahead of the consumer`, () =>
      Effect.gen(function*() {
        const m = manual([0, 1, 2, 3, 4, 5, 6, 7], { window: 3, ordered })
        const { fiber, seen } = yield* collect(m.stream)
        yield* m.whenStarted(2)
        yield* settle
        assert.deepStrictEqual(m.started, [0, 1, 2], "three started, none delivered: the fourth waits")
        if (ordered) {
          // A later item completing does not make room: it is not delivered yet.
          yield* m.succeed(1, 1)
          yield* settle
          assert.deepStrictEqual(m.started, [0, 1, 2])
        }
        yield* m.succeed(0, 0)
        // Delivering frees room for as many items as were delivered.
        yield* m.whenStarted(ordered ? 4 : 3)
        yield* settle
        assert.deepStrictEqual(seen, ordered ? [0, 1] : [0])
        assert.deepStrictEqual(m.started, ordered ? [0, 1, 2, 3, 4] : [0, 1, 2, 3])
        for (let index = ordered ? 2 : 1; index < 8; index++) {
          yield* m.whenStarted(index)
          yield* m.succeed(index, index)
        }
        assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
        assert.sameMembers(seen, [0, 1, 2, 3, 4, 5, 6, 7])
      }))
  }

  it.effect("back-pressure with worker fibers: no more than `window` items run before the consumer pulls", () =>
    Effect.gen(function*() {
      let started = 0
      const release = yield* Deferred.make<void>()
      const threeStarted = yield* Deferred.make<void>()
      const stream = ResultWindow.stream<number, number, never, never, never>({
        items: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        window: 3,
        ordered: true,
        // More workers than the window: the window is the bound.
        drive: (window, scope) =>
          ResultWindow.forkWorkers(window, scope, 6, () => ({
            run: (item) =>
              Effect.suspend(() => {
                if (++started === 3) Deferred.doneUnsafe(threeStarted, Exit.void)
                return Effect.as(Deferred.await(release), item)
              })
          }))
      })
      // The consumer blocks on its first element, so it pulls nothing more.
      const firstSeen = yield* Deferred.make<void>()
      const consumer = yield* Effect.forkChild(
        Stream.runForEach(stream, () => Effect.andThen(Deferred.succeed(firstSeen, undefined), Effect.never))
      )
      yield* Deferred.await(threeStarted)
      yield* settle
      assert.strictEqual(started, 3)
      yield* Deferred.succeed(release, undefined)
      yield* Deferred.await(firstSeen)
      yield* settle
      // The first pull took the three results; three more items ran, and
      // their results wait for a consumer that does not pull.
      assert.strictEqual(started, 6)
      yield* Fiber.interrupt(consumer)
    }))

  it.effect("ordered failure: the results before the first failure in input order, then that failure; no new item starts", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3, 4, 5], { window: 4, ordered: true })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(3)
      // Item 3 fails first, item 2 later: item 2's failure is the one reported.
      yield* m.fail(3, "three failed")
      yield* m.fail(2, "two failed")
      yield* m.succeed(1, 1)
      yield* settle
      assert.deepStrictEqual(seen, [], "item 0 is not done: nothing can be delivered")
      yield* m.succeed(0, 0)
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(exit, Exit.fail("two failed"))
      assert.deepStrictEqual(seen, [0, 1])
      assert.deepStrictEqual(m.started, [0, 1, 2, 3], "no item started after the failure")
    }))

  it.effect("ordered failure: the items still in flight when the stream fails are cancelled", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2], { window: Infinity, ordered: true })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(2)
      yield* m.fail(0, "zero failed")
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("zero failed"))
      assert.deepStrictEqual(seen, [])
      assert.sameMembers(m.cancelled, [1, 2])
    }))

  it.effect("unordered failure: the results completed before it, then the failure; later results are dropped", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3], { window: Infinity, ordered: false })
      // Nothing pulls until every completion below has happened.
      const ready = yield* Deferred.make<void>()
      const seen: Array<number> = []
      const fiber = yield* Effect.forkChild(Effect.exit(
        Effect.andThen(Deferred.await(ready), Stream.runForEach(m.stream, (a) => Effect.sync(() => seen.push(a))))
      ))
      yield* settle
      // The stream has not started: nothing is read before it does.
      assert.deepStrictEqual(m.started, [])
      yield* Deferred.succeed(ready, undefined)
      yield* m.whenStarted(3)
      yield* m.succeed(2, 20)
      yield* m.fail(0, "zero failed")
      yield* m.succeed(1, 10)
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("zero failed"))
      assert.deepStrictEqual(seen, [20])
      assert.deepStrictEqual(m.cancelled, [3])
    }))

  it.effect("items with several values (chunks): flattened in the item's place, in either order", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3], { window: Infinity, ordered: true })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(3)
      yield* m.succeedAll(1, [10, 11, 12])
      yield* m.succeedAll(2, [])
      yield* m.succeed(3, 30)
      yield* settle
      assert.deepStrictEqual(seen, [])
      yield* m.succeedAll(0, [0, 1])
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
      assert.deepStrictEqual(seen, [0, 1, 10, 11, 12, 30])
      const u = manual([0, 1, 2], { window: Infinity, ordered: false })
      const unordered = yield* collect(u.stream)
      yield* u.whenStarted(2)
      yield* u.succeedAll(2, [20, 21])
      yield* settle
      assert.deepStrictEqual(unordered.seen, [20, 21])
      yield* u.succeedAll(0, [])
      yield* u.succeedAll(1, [10])
      assert.deepStrictEqual(yield* Fiber.join(unordered.fiber), Exit.void)
      assert.deepStrictEqual(unordered.seen, [20, 21, 10])
    }))

  for (const ordered of [true, false]) {
    it.effect(`items with several values (${ordered ? "ordered" : "unordered"}): the bound counts items, not values`, () =>
      Effect.gen(function*() {
        const m = manual([0, 1, 2, 3, 4], { window: 2, ordered })
        const { fiber, seen } = yield* collect(m.stream)
        yield* m.whenStarted(1)
        yield* settle
        assert.deepStrictEqual(m.started, [0, 1])
        // Five values of one item make room for one item.
        yield* m.succeedAll(0, [0, 1, 2, 3, 4])
        yield* m.whenStarted(2)
        yield* settle
        assert.deepStrictEqual(seen, [0, 1, 2, 3, 4])
        assert.deepStrictEqual(m.started, [0, 1, 2])
        // An item without values makes room too.
        yield* m.succeedAll(1, [])
        yield* m.whenStarted(3)
        yield* settle
        assert.deepStrictEqual(m.started, [0, 1, 2, 3])
        for (let index = 2; index < 5; index++) {
          yield* m.whenStarted(index)
          yield* m.succeedAll(index, [index * 10])
        }
        assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
        assert.deepStrictEqual(seen, [0, 1, 2, 3, 4, 20, 30, 40])
      }))
  }

  it.effect("an item that failed part-way: its values first, then the failure; nothing starts after it", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3, 4], { window: 3, ordered: true })
      const { fiber, seen } = yield* collect(m.stream)
      yield* m.whenStarted(2)
      yield* m.failAfter(1, [10, 11], "one failed")
      yield* m.succeed(2, 20)
      yield* settle
      assert.deepStrictEqual(seen, [])
      yield* m.succeedAll(0, [0, 1])
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("one failed"))
      assert.deepStrictEqual(seen, [0, 1, 10, 11])
      assert.deepStrictEqual(m.started, [0, 1, 2], "no item started after the failure")
      // In completion order: the values completed before, the item's own, then its failure.
      const u = manual([0, 1, 2], { window: Infinity, ordered: false })
      const ready = yield* Deferred.make<void>()
      const seenU: Array<number> = []
      const fiberU = yield* Effect.forkChild(Effect.exit(
        Effect.andThen(Deferred.await(ready), Stream.runForEach(u.stream, (a) => Effect.sync(() => seenU.push(a))))
      ))
      yield* settle
      yield* Deferred.succeed(ready, undefined)
      yield* u.whenStarted(2)
      yield* u.succeedAll(2, [20])
      yield* u.failAfter(0, [0, 1], "zero failed")
      yield* u.succeedAll(1, [10])
      assert.deepStrictEqual(yield* Fiber.join(fiberU), Exit.fail("zero failed"))
      assert.deepStrictEqual(seenU, [20, 0, 1])
    }))

  it.effect("an iterator that throws: every item it gave is delivered, then the defect", () =>
    Effect.gen(function*() {
      const thrown = new Error("source broke")
      function* source() {
        yield 0
        yield 1
        throw thrown
      }
      for (const ordered of [true, false]) {
        const m = manual(source(), { window: Infinity, ordered })
        const { fiber, seen } = yield* collect(m.stream)
        yield* m.whenStarted(1)
        yield* settle
        yield* m.succeed(1, 1)
        yield* m.succeed(0, 0)
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(Exit.isFailure(exit) && Cause.squash(exit.cause) === thrown)
        assert.sameMembers(seen, [0, 1])
      }
    }))

  it.effect("stopping the consumer cancels the items in flight and starts nothing more", () =>
    Effect.gen(function*() {
      const m = manual([0, 1, 2, 3, 4, 5], { window: 3, ordered: true })
      const stream = m.stream.pipe(Stream.take(1))
      const { fiber, seen } = yield* collect(stream)
      yield* m.whenStarted(2)
      yield* m.succeed(0, 0)
      assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.void)
      assert.deepStrictEqual(seen, [0])
      // Delivering item 0 made room for item 3, which may have started before
      // the stream ended: every item started and not delivered is cancelled.
      assert.isAtMost(m.started.length, 4)
      assert.sameMembers(m.cancelled, m.started.slice(1))
      const before = m.started.length
      yield* settle
      assert.strictEqual(m.started.length, before, "nothing starts once the stream has ended")
    }))

  it.effect("interrupting the consumer interrupts the worker fibers; each running item's end is reported once", () =>
    Effect.gen(function*() {
      const ended: Array<[number, boolean]> = []
      const running = yield* Deferred.make<void>()
      let started = 0
      const stream = ResultWindow.stream<number, number, never, never, never>({
        items: [0, 1, 2, 3],
        window: 4,
        ordered: true,
        drive: (window, scope) =>
          ResultWindow.forkWorkers(window, scope, 2, () => {
            let current = -1
            return {
              run: (item) => {
                current = item
                if (++started === 2) Deferred.doneUnsafe(running, Exit.void)
                return Effect.never
              },
              done: (_value, cause) => {
                ended.push([current, cause !== undefined && Cause.hasInterruptsOnly(cause)])
              }
            }
          })
      })
      const consumer = yield* Effect.forkChild(Stream.runDrain(stream))
      yield* Deferred.await(running)
      yield* Fiber.interrupt(consumer)
      assert.sameDeepMembers(ended, [[0, true], [1, true]])
      assert.strictEqual(started, 2)
    }))

  it.effect("a worker whose item is interrupted ends the stream at that item's position", () =>
    Effect.gen(function*() {
      const fibers: Array<Fiber.Fiber<unknown, unknown>> = []
      const bothRunning = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const stream = ResultWindow.stream<number, number, never, never, never>({
        items: [0, 1, 2, 3],
        window: 4,
        ordered: true,
        drive: (window, scope) =>
          ResultWindow.forkWorkers(window, scope, 2, () => ({
            run: (item, _index, fiber) => {
              fibers[item] = fiber
              if (item === 1) Deferred.doneUnsafe(bothRunning, Exit.void)
              return item === 0 ? Effect.as(Deferred.await(release), 0) : Effect.never
            }
          }))
      })
      const { fiber, seen } = yield* collect(stream)
      yield* Deferred.await(bothRunning)
      fibers[1].interruptUnsafe()
      yield* Deferred.succeed(release, undefined)
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause))
      assert.deepStrictEqual(seen, [0])
    }))

  it.effect("worker fibers share one dispatcher: n workers do not each ask the scheduler for one", () =>
    Effect.gen(function*() {
      const parent = yield* Effect.service(Scheduler.Scheduler)
      let made = 0
      const counting: Scheduler.Scheduler = {
        executionMode: parent.executionMode,
        shouldYield: (fiber) => parent.shouldYield(fiber),
        makeDispatcher: () => {
          made++
          return parent.makeDispatcher()
        }
      }
      const items = Array.from({ length: 100 }, (_, i) => i)
      const stream = ResultWindow.stream<number, number, never, never, never>({
        items,
        window: 16,
        ordered: true,
        drive: (window, scope) =>
          ResultWindow.forkWorkers(window, scope, 8, () => ({ run: (item) => Effect.as(Effect.yieldNow, item) }))
      })
      const out = yield* Stream.runCollect(stream).pipe(Effect.provideService(Scheduler.Scheduler, counting))
      assert.deepStrictEqual(out, items)
      // One dispatcher for all eight workers, plus the consumer's own; with a
      // dispatcher per fiber (Effect's default) it would be at least 8.
      assert.isAbove(made, 0)
      assert.isBelow(made, 8)
    }))

  it.effect("startEachSync: items start inside the consumer's pull; a throwing start fails its item; leaving cancels", () =>
    Effect.gen(function*() {
      const run = (items: ReadonlyArray<number>) => {
        const started: Array<number> = []
        const completions: Array<(exit: Exit.Exit<number, string>) => void> = []
        const cancelled: Array<number> = []
        const stream = ResultWindow.stream<number, number, string, never, never>({
          items,
          window: 2,
          ordered: true,
          drive: (window, scope) =>
            ResultWindow.startEachSync(window, scope, (item, index, complete) => {
              if (item === 4) throw new Error("bad item")
              started.push(item)
              completions[index] = complete
              return () => cancelled.push(index)
            })
        })
        const succeed = (index: number) => Effect.sync(() => completions[index](Exit.succeed(index)))
        return { stream, started, cancelled, succeed }
      }
      const r = run([0, 1, 2, 3, 4, 5])
      const seen: Array<number> = []
      const startedWhenSeen: Array<number> = []
      const fiber = yield* Effect.forkChild(Effect.exit(Stream.runForEach(r.stream, (n) =>
        Effect.sync(() => {
          seen.push(n)
          startedWhenSeen.push(r.started.length)
        }))))
      yield* settle
      assert.deepStrictEqual(r.started, [0, 1])
      yield* r.succeed(0)
      yield* settle
      // The pull that took item 0's result started item 2 before handing it over.
      assert.deepStrictEqual(seen, [0])
      assert.deepStrictEqual(startedWhenSeen, [3])
      for (let index = 1; index < 4; index++) {
        yield* settle
        yield* r.succeed(index)
      }
      const exit = yield* Fiber.join(fiber)
      assert.isTrue(Exit.isFailure(exit) && (Cause.squash(exit.cause) as Error).message === "bad item")
      assert.deepStrictEqual(seen, [0, 1, 2, 3])
      assert.deepStrictEqual(r.started, [0, 1, 2, 3], "nothing started after the failure")
      const early = run([0, 1, 2, 3])
      const taken = yield* Effect.forkChild(Stream.runCollect(Stream.take(early.stream, 1)))
      yield* settle
      yield* early.succeed(0)
      assert.deepStrictEqual(yield* Fiber.join(taken), [0])
      assert.deepStrictEqual(early.started, [0, 1, 2])
      assert.sameMembers(early.cancelled, [1, 2])
    }))
})
