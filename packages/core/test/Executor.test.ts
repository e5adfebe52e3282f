import { Executor, Future, Progress } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Logger, References, Schema, Stream, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { errorOf, isInterruptedOnly, makeProbe } from "./helpers.ts"

const sleepThen = <A>(millis: number, value: A) => Effect.as(Effect.sleep(millis), value)

describe("Executor", () => {
  describe("make", () => {
    for (const maxWorkers of [0, -1, 1.5, Number.NaN, -Infinity]) {
      it.effect(`maxWorkers: ${maxWorkers} fails with InvalidArgumentError`, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(Executor.make({ maxWorkers }))
          assert.strictEqual(error._tag, "InvalidArgumentError")
          assert.strictEqual(error.argument, "maxWorkers")
        }))
    }

    it.effect("maxWorkers defaults to Infinity; a positive integer is kept", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* Executor.make()).maxWorkers, Infinity)
        assert.strictEqual((yield* Executor.make({ maxWorkers: 3 })).maxWorkers, 3)
        assert.isTrue(Executor.isExecutor(yield* Executor.make()))
        assert.isFalse(Executor.isExecutor({}))
      }))
  })

  describe("submit", () => {
    it.effect("never runs more than maxWorkers tasks at once; the others are pending, not running", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 2 })
        const futures = yield* Effect.forEach(
          [0, 1, 2, 3, 4],
          (i) => executor.submit(track(i, sleepThen(1000, i)))
        )
        yield* Effect.yieldNow
        assert.strictEqual(probe.running, 2)
        const running = yield* Effect.forEach(futures, Future.running)
        assert.deepStrictEqual(running, [true, true, false, false, false])
        assert.strictEqual(yield* executor.pendingCount, 5)
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.done), [true, true, false, false, false])
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.running), [false, false, true, true, false])
        yield* TestClock.adjust("2 seconds")
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.join), [0, 1, 2, 3, 4])
        assert.strictEqual(probe.peak, 2)
        assert.strictEqual(yield* executor.pendingCount, 0)
      }))

    it.effect("enumerate lists the tasks not completed yet, daemons included (threading.enumerate)", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const a = yield* executor.submit(sleepThen(1000, "a"))
        const b = yield* executor.submit(sleepThen(2000, "b"), { daemon: true })
        const c = yield* executor.submit(sleepThen(1000, "c"))
        yield* Effect.yieldNow
        const live = yield* executor.enumerate
        assert.sameMembers([...live], [a, b, c])
        assert.strictEqual(yield* executor.pendingCount, 3)
        yield* TestClock.adjust("1 second")
        assert.sameMembers([...(yield* executor.enumerate)], [b, c])
        yield* TestClock.adjust("3 seconds")
        assert.deepStrictEqual([...(yield* executor.enumerate)], [])
        assert.deepStrictEqual(live.length, 3, "a snapshot: it keeps the tasks that finished since")
      }))

    it.effect("pending tasks start in submission order (FIFO)", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const futures = yield* Effect.forEach(
          [0, 1, 2, 3, 4, 5, 6, 7],
          (i) => executor.submit(track(i, Effect.sleep(10 * (8 - i))))
        )
        yield* TestClock.adjust("1 second")
        yield* Effect.forEach(futures, Future.join)
        assert.deepStrictEqual(probe.started, [0, 1, 2, 3, 4, 5, 6, 7])
        assert.deepStrictEqual(probe.ended, [0, 1, 2, 3, 4, 5, 6, 7])
        assert.strictEqual(probe.peak, 1)
      }))

    it.effect("the dual form Executor.submit(executor, effect) works", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const a = yield* Executor.submit(executor, Effect.succeed(1))
        const b = yield* Executor.submit(Effect.succeed(2))(executor)
        assert.deepStrictEqual([yield* Future.join(a), yield* Future.join(b)], [1, 2])
      }))

    it.effect("a task runs with the submitter's services", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const future = yield* executor.submit(Effect.gen(function*() {
          return yield* References.MinimumLogLevel
        })).pipe(
          Effect.provideService(References.MinimumLogLevel, "Error")
        )
        assert.strictEqual(yield* Future.join(future), "Error")
      }))

    it.effect("a named task's log lines carry the `task` annotation and its span has the name", () =>
      Effect.gen(function*() {
        const lines: Array<{ message: unknown; task: unknown }> = []
        const logger = Logger.make((options) => {
          lines.push({
            message: options.message,
            task: options.fiber.getRef(References.CurrentLogAnnotations)["task"]
          })
        })
        const spans: Array<Tracer.NativeSpan> = []
        const tracer = Tracer.make({
          span(options) {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const task = Effect.gen(function*() {
          yield* Effect.log("hello from the task")
          const span = yield* Effect.currentSpan
          return span.name
        })
        const named = yield* executor.submit(task, { name: "downloader-1" }).pipe(
          Effect.provide(Logger.layer([logger])),
          Effect.provideService(Tracer.Tracer, tracer)
        )
        assert.strictEqual(yield* Future.join(named), "downloader-1")
        assert.strictEqual(named.name, "downloader-1")
        assert.deepStrictEqual(lines, [{ message: ["hello from the task"], task: "downloader-1" }])
        assert.deepStrictEqual(spans.map((span) => span.name), ["downloader-1"])
        assert.strictEqual(spans[0].status._tag, "Ended")

        const anonymous = yield* executor.submit(Effect.log("anonymous")).pipe(
          Effect.provide(Logger.layer([logger]))
        )
        yield* Future.join(anonymous)
        assert.strictEqual(anonymous.name, undefined)
        assert.deepStrictEqual(lines[1], { message: ["anonymous"], task: undefined })
      }))
  })

  describe("shutdown", () => {
    it.effect("submit after shutdown fails with ExecutorShutdownError", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        assert.isFalse(yield* executor.isShutdown)
        yield* executor.shutdown()
        assert.isTrue(yield* executor.isShutdown)
        const error = yield* Effect.flip(executor.submit(Effect.succeed(1)))
        assert.strictEqual(error._tag, "ExecutorShutdownError")
        const mapError = yield* Effect.flip(Stream.runCollect(executor.map([1], Effect.succeed)))
        assert.strictEqual(mapError._tag, "ExecutorShutdownError")
      }))

    it.effect("shutdown() waits for the running and the pending tasks to finish", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const futures = yield* Effect.forEach([1, 2, 3], (i) => executor.submit(sleepThen(1000, i)))
        const shutdown = yield* Effect.forkChild(executor.shutdown())
        yield* TestClock.adjust("2 seconds")
        assert.isUndefined(shutdown.pollUnsafe())
        assert.isTrue(yield* executor.isShutdown)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(shutdown)
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.join), [1, 2, 3])
      }))

    it.effect("shutdown({ cancelFutures: true }) cancels the pending tasks and waits for the running ones", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 2 })
        const futures = yield* Effect.forEach([0, 1, 2, 3], (i) => executor.submit(track(i, sleepThen(1000, i))))
        yield* Effect.yieldNow
        const shutdown = yield* Effect.forkChild(executor.shutdown({ cancelFutures: true }))
        yield* Effect.yieldNow
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.cancelled), [false, false, true, true])
        assert.isUndefined(shutdown.pollUnsafe())
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(shutdown)
        assert.deepStrictEqual(yield* Future.join(futures[0]), 0)
        assert.deepStrictEqual(yield* Future.join(futures[1]), 1)
        assert.deepStrictEqual(probe.started, [0, 1])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("shutdown({ wait: false }) returns at once and the tasks go on", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const futures = yield* Effect.forEach([1, 2], (i) => executor.submit(sleepThen(1000, i)))
        yield* executor.shutdown({ wait: false })
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.done), [false, false])
        yield* TestClock.adjust("2 seconds")
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.join), [1, 2])
      }))

    it.effect("shutdown({ wait: false, cancelFutures: true }) cancels pending work without waiting", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const futures = yield* Effect.forEach([1, 2, 3], (i) => executor.submit(sleepThen(1000, i)))
        yield* Effect.yieldNow
        yield* executor.shutdown({ wait: false, cancelFutures: true })
        assert.deepStrictEqual(yield* Effect.forEach(futures, Future.done), [false, true, true])
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* Future.join(futures[0]), 1)
      }))
  })

  describe("scope", () => {
    it.effect("closing the scope waits for the submitted tasks, like leaving a `with` block", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const futures: Array<Future.Future<number>> = []
        const owner = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const executor = yield* Executor.make({ maxWorkers: 2 })
          for (const i of [1, 2, 3]) futures.push(yield* executor.submit(track(i, sleepThen(i * 1000, i))))
          return "body done"
        })))
        yield* TestClock.adjust("2 seconds")
        assert.isUndefined(owner.pollUnsafe())
        assert.strictEqual(probe.running, 1)
        yield* TestClock.adjust("2 seconds")
        assert.strictEqual(yield* Fiber.join(owner), "body done")
        // every task finished on its own: nothing was interrupted, nothing is left running
        assert.deepStrictEqual(futures.map((f) => Future.pollUnsafe(f)), [1, 2, 3].map((i) => Exit.succeed(i)))
        assert.deepStrictEqual(probe.interrupted, [])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("a failing body still waits for the tasks before failing", () =>
      Effect.gen(function*() {
        const futures: Array<Future.Future<string>> = []
        const owner = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const executor = yield* Executor.make()
          futures.push(yield* executor.submit(sleepThen(1000, "task")))
          return yield* Effect.fail("body failed")
        })))
        yield* Effect.yieldNow
        assert.isUndefined(owner.pollUnsafe())
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.await(owner), Exit.fail("body failed"))
        assert.deepStrictEqual(Future.pollUnsafe(futures[0]), Exit.succeed("task"))
      }))

    it.effect("daemon tasks are not awaited at scope close: they are interrupted", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const futures: Array<Future.Future<unknown>> = []
        const owner = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const executor = yield* Executor.make()
          futures.push(yield* executor.submit(track("worker", Effect.sleep("2 seconds"))))
          futures.push(yield* executor.submit(track("daemon", Effect.never), { daemon: true }))
          assert.strictEqual(yield* executor.pendingCount, 2)
        })))
        yield* TestClock.adjust("1 second")
        assert.isUndefined(owner.pollUnsafe())
        assert.strictEqual(probe.running, 2)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(owner)
        assert.isTrue(Exit.isSuccess(Future.pollUnsafe(futures[0])!))
        assert.isTrue(isInterruptedOnly(Future.pollUnsafe(futures[1])))
        assert.deepStrictEqual(probe.interrupted, ["daemon"])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("shutdown() does not wait for daemon tasks", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const daemon = yield* executor.submit(Effect.never, { daemon: true })
        yield* executor.shutdown()
        assert.isFalse(yield* Future.done(daemon))
        yield* Future.cancel(daemon)
      }))

    it.effect("interrupting the owner interrupts every task, running and pending, daemon or not", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const futures: Array<Future.Future<unknown>> = []
        const owner = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const executor = yield* Executor.make({ maxWorkers: 2 })
          for (const i of [0, 1, 2]) futures.push(yield* executor.submit(track(i, Effect.never)))
          futures.push(yield* executor.submit(track("d", Effect.never), { daemon: true }))
          return yield* Effect.never
        })))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(probe.running, 2)
        yield* Fiber.interrupt(owner)
        assert.isTrue(futures.every((f) => isInterruptedOnly(Future.pollUnsafe(f))))
        assert.strictEqual(probe.running, 0)
        assert.deepStrictEqual(probe.started, [0, 1])
        assert.sameMembers(probe.interrupted, [0, 1])
      }))

    it.effect("submit once the scope has closed fails with ExecutorShutdownError", () =>
      Effect.gen(function*() {
        const executor = yield* Effect.scoped(Executor.make())
        assert.isTrue(yield* executor.isShutdown)
        const error = yield* Effect.flip(executor.submit(Effect.void))
        assert.strictEqual(error._tag, "ExecutorShutdownError")
      }))
  })

  describe("map with progress", () => {
    it.live("an array: the total at once; done and failed as items end; finished with the stream", () =>
      Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 4 })
        const progress = yield* Progress.make()
        const watched = yield* Effect.forkChild(Stream.runCollect(progress.changes))
        const results = yield* Stream.runCollect(
          executor.map([1, 2, 3, 4, 5, 6, 7, 8], (n) => sleepThen(n, n * 10), { progress })
        )
        assert.deepStrictEqual(Array.from(results), [10, 20, 30, 40, 50, 60, 70, 80])
        const last = yield* progress.snapshot
        assert.deepStrictEqual([last.done, last.failed, last.total, last.finished], [8, 0, 8, true])
        const seen = Array.from(yield* Fiber.join(watched))
        assert.isTrue(seen.every((snapshot) => snapshot.total === 8 || snapshot.total === 0))
        assert.isTrue(seen.every((snapshot) => snapshot.done + snapshot.failed <= snapshot.total))
        assert.isTrue(seen.at(-1)!.finished)
      })))

    it.live("an iterable of unknown length: the total grows as items are read; a failure counts as failed", () =>
      Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        function* numbers() {
          for (let n = 1; n <= 5; n++) yield n
        }
        const progress = yield* Progress.make()
        const error = yield* Effect.flip(Stream.runCollect(
          executor.map(numbers(), (n) => n === 3 ? Effect.fail(`bad ${n}`) : Effect.succeed(n), {
            concurrency: 1,
            progress
          })
        ))
        assert.strictEqual(error, "bad 3")
        const last = yield* progress.snapshot
        assert.deepStrictEqual([last.done, last.failed, last.finished], [2, 1, true])
        assert.isTrue(last.total >= 3 && last.total <= 5)
      })))

    it.live("a total given beforehand is the total from the start, not added to what the map counts", () =>
      Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        const progress = yield* Progress.make({ total: 6 })
        assert.strictEqual((yield* progress.snapshot).total, 6)
        yield* Stream.runCollect(executor.map([1, 2, 3, 4, 5, 6], Effect.succeed, { progress }))
        const last = yield* progress.snapshot
        assert.deepStrictEqual([last.done, last.total, last.finished], [6, 6, true])
      })))

    it.effect("a map refused for its options finishes its tracker (a watcher does not wait forever)", () =>
      Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        const progress = yield* Progress.make()
        const error = yield* Effect.flip(
          Stream.runCollect(executor.map([1, 2], Effect.succeed, { concurrency: 0, progress }))
        )
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.isTrue((yield* progress.snapshot).finished)
      })))

    it.effect("a progress that is not a tracker fails before any item is read", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        let read = 0
        const items = {
          *[Symbol.iterator]() {
            read++
            yield 1
          }
        }
        const error = yield* Effect.flip(
          Stream.runCollect(executor.map(items, Effect.succeed, { progress: {} as Progress.Progress }))
        )
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(read, 0)
      }))
  })

  describe("map", () => {
    it.effect("keeps input order whatever the completion order", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const delays = [50, 10, 40, 20, 30, 0]
        const fiber = yield* Effect.forkChild(
          Stream.runCollect(executor.map(delays, (d, i) => sleepThen(d, `${i}:${d}`), { concurrency: 6 }))
        )
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(fiber), delays.map((d, i) => `${i}:${d}`))
      }))

    it.effect("passes the index to f; the dual form works; an empty input gives an empty stream", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const out = yield* Stream.runCollect(Executor.map(executor, ["a", "b", "c"], (s, i) => Effect.succeed(s + i)))
        assert.deepStrictEqual(out, ["a0", "b1", "c2"])
        assert.deepStrictEqual(yield* Stream.runCollect(executor.map([], Effect.succeed)), [])
      }))

    it.effect("never exceeds its concurrency bound", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const items = Array.from({ length: 20 }, (_, i) => i)
        const fiber = yield* Effect.forkChild(Stream.runCollect(
          executor.map(items, (i) => track(i, sleepThen(100 + (i % 3) * 50, i * 2)), { concurrency: 3 })
        ))
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(yield* Fiber.join(fiber), items.map((i) => i * 2))
        assert.strictEqual(probe.peak, 3)
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("the executor's maxWorkers bounds map too", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 2 })
        const items = Array.from({ length: 10 }, (_, i) => i)
        const fiber = yield* Effect.forkChild(Stream.runCollect(
          executor.map(items, (i) => track(i, sleepThen(100, i)), { concurrency: 5 })
        ))
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(yield* Fiber.join(fiber), items)
        assert.strictEqual(probe.peak, 2)
      }))

    it.effect("defaults its concurrency to maxWorkers", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 4 })
        const items = Array.from({ length: 12 }, (_, i) => i)
        const fiber = yield* Effect.forkChild(
          Stream.runCollect(executor.map(items, (i) => track(i, sleepThen(100, i))))
        )
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(yield* Fiber.join(fiber), items)
        assert.strictEqual(probe.peak, 4)
      }))

    it.effect("a failure surfaces at its item's position; later items stop and in-flight work is interrupted", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const items = Array.from({ length: 10 }, (_, i) => i)
        // 0,1,2 take 2s; then 3 (fails after 1s), 4 and 5 (2s) start at t=2.
        const fiber = yield* Effect.forkChild(Effect.exit(
          executor.map(
            items,
            (i) =>
              track(
                i,
                i === 3 ? Effect.andThen(Effect.sleep(1000), Effect.fail(`item ${i} failed`)) : sleepThen(2000, i)
              ),
            { concurrency: 3 }
          ).pipe(Stream.runForEach((n) => Effect.sync(() => emitted.push(n))))
        ))
        yield* TestClock.adjust("3 seconds")
        const exit = yield* Fiber.join(fiber)
        assert.deepStrictEqual(exit, Exit.fail("item 3 failed"))
        assert.deepStrictEqual(emitted, [0, 1, 2])
        assert.deepStrictEqual(probe.started, [0, 1, 2, 3, 4, 5])
        assert.sameMembers(probe.interrupted, [4, 5])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("a failure waits for the earlier items: they are emitted before it", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const fiber = yield* Effect.forkChild(Effect.exit(
          executor.map(
            [0, 1, 2],
            (i) => i === 2 ? Effect.fail("fast failure") : sleepThen(1000, i),
            { concurrency: 3 }
          ).pipe(Stream.runForEach((n) => Effect.sync(() => emitted.push(n))))
        ))
        yield* TestClock.adjust("500 millis")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("500 millis")
        assert.deepStrictEqual(yield* Fiber.join(fiber), Exit.fail("fast failure"))
        assert.deepStrictEqual(emitted, [0, 1])
      }))

    it.effect("is lazy: with an infinite input and Stream.take(5), only a bounded number of items are read", () =>
      Effect.gen(function*() {
        let read = 0
        function* naturals() {
          for (let i = 0;; i++) {
            read++
            yield i
          }
        }
        const executor = yield* Executor.make()
        const concurrency = 3
        const fiber = yield* Effect.forkChild(Stream.runCollect(
          executor.map(naturals(), (i) => sleepThen(10, i * i), { concurrency }).pipe(Stream.take(5))
        ))
        yield* TestClock.adjust("1 second")
        assert.deepStrictEqual(yield* Fiber.join(fiber), [0, 1, 4, 9, 16])
        // at most a window of 2 × concurrency results ahead of what was consumed
        assert.isAtMost(read, 5 + 2 * concurrency + 1)
      }))

    it.effect("is back-pressured: a consumer that does not pull stops the reading of items", () =>
      Effect.gen(function*() {
        let read = 0
        function* naturals() {
          for (let i = 0;; i++) {
            read++
            yield i
          }
        }
        const executor = yield* Executor.make()
        const started = yield* Deferred.make<void>()
        // The consumer takes the first chunk, then blocks for good.
        const consumer = yield* Effect.forkChild(
          executor.map(naturals(), (i) => Effect.succeed(i), { concurrency: 2 }).pipe(
            Stream.runForEach(() => Effect.andThen(Deferred.succeed(started, undefined), Effect.never))
          )
        )
        yield* Deferred.await(started)
        yield* TestClock.adjust("1 second")
        const before = read
        yield* TestClock.adjust("1 second")
        assert.strictEqual(read, before)
        assert.isAtMost(read, 2 * 2 * 2 + 2)
        yield* Fiber.interrupt(consumer)
      }))

    it.effect("an iterable that throws fails the stream with that defect, after the items read before it", () =>
      Effect.gen(function*() {
        const thrown = new Error("source broke")
        function* source() {
          yield 0
          yield 1
          yield 2
          throw thrown
        }
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const fiber = yield* Effect.forkChild(Effect.exit(
          executor.map(source(), (i) => sleepThen(100, i), { concurrency: 2 }).pipe(
            Stream.runForEach((n) => Effect.sync(() => emitted.push(n)))
          )
        ))
        yield* TestClock.adjust("1 second")
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        assert.strictEqual(Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined, thrown)
        assert.deepStrictEqual(emitted, [0, 1, 2])
      }))

    it.effect("f throwing synchronously is a defect at its position", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const exit = yield* Effect.exit(
          executor.map([0, 1, 2, 3], (i) => {
            if (i === 2) throw new Error("f threw")
            return Effect.succeed(i)
          }, { concurrency: 1 }).pipe(Stream.runForEach((n) => Effect.sync(() => emitted.push(n))))
        )
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        assert.deepStrictEqual(emitted, [0, 1])
      }))

    it.effect("timeout: the results ready in time are emitted, then the stream fails with TimeoutError", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const fiber = yield* Effect.forkChild(Effect.exit(
          executor.map([1, 2, 5, 1], (s, i) => track(i, sleepThen(s * 1000, s)), {
            concurrency: 4,
            timeout: "3 seconds"
          })
            .pipe(Stream.runForEach((n) => Effect.sync(() => emitted.push(n))))
        ))
        yield* TestClock.adjust("2999 millis")
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(Cause.isTimeoutError(errorOf(exit)))
        assert.deepStrictEqual(emitted, [1, 2])
        assert.deepStrictEqual(probe.interrupted, [2])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("timeout counts from the start of the stream, not from each item", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const fiber = yield* Effect.forkChild(Effect.exit(Stream.runCollect(
          executor.map([1, 1, 1, 1], (s) => sleepThen(s * 1000, s), { concurrency: 1, timeout: "2500 millis" })
        )))
        yield* TestClock.adjust("5 seconds")
        assert.isTrue(Cause.isTimeoutError(errorOf(yield* Fiber.join(fiber))))
      }))

    for (const concurrency of [0, -1, 1.5]) {
      it.effect(`concurrency: ${concurrency} fails with InvalidArgumentError before any work starts`, () =>
        Effect.gen(function*() {
          let read = 0
          let called = 0
          const items = {
            *[Symbol.iterator]() {
              read++
              yield 1
            }
          }
          const executor = yield* Executor.make()
          const error = yield* Effect.flip(Stream.runCollect(executor.map(items, (i) => {
            called++
            return Effect.succeed(i)
          }, { concurrency })))
          assert.strictEqual(error._tag, "InvalidArgumentError")
          assert.strictEqual((error as { argument?: string }).argument, "concurrency")
          assert.strictEqual(read, 0)
          assert.strictEqual(called, 0)
        }))
    }

    it.effect("map workers do not outlive the stream's consumer", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const consumer = yield* Effect.forkChild(Stream.runCollect(
          executor.map([1, 2, 3, 4], (i) => track(i, Effect.never), { concurrency: 4 })
        ))
        yield* TestClock.adjust("1 second")
        assert.strictEqual(probe.running, 4)
        yield* Fiber.interrupt(consumer)
        assert.strictEqual(probe.running, 0)
        assert.sameMembers(probe.interrupted, [1, 2, 3, 4])
      }))

    it.effect("each item runs as a task of its own: its own TaskInfo, counted and listed by the executor", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const caller = yield* Effect.service(Executor.CurrentTask)
        const seen: Array<Executor.TaskInfo | undefined> = []
        const gate = yield* Deferred.make<void>()
        const running = yield* Deferred.make<void>()
        let started = 0
        const fiber = yield* Effect.forkChild(
          Stream.runCollect(executor.map([0, 1, 2, 3, 4, 5], (i) =>
            Effect.gen(function*() {
              seen.push(yield* Effect.service(Executor.CurrentTask))
              if (++started === 2) yield* Deferred.succeed(running, undefined)
              yield* Deferred.await(gate)
              // Still the same task after a suspension.
              assert.strictEqual(yield* Effect.service(Executor.CurrentTask), seen[i])
              return i
            }), { concurrency: 2 }))
        )
        yield* Deferred.await(running)
        assert.strictEqual(yield* executor.pendingCount, 2)
        const live = yield* executor.enumerate
        assert.strictEqual(live.length, 2)
        assert.isTrue((yield* Effect.forEach(live, Future.running)).every((r) => r))
        assert.strictEqual(yield* Effect.service(Executor.CurrentTask), caller, "the caller's task is untouched")
        yield* Deferred.succeed(gate, undefined)
        assert.deepStrictEqual(yield* Fiber.join(fiber), [0, 1, 2, 3, 4, 5])
        assert.strictEqual(new Set(seen).size, 6, "six items, six task identities")
        assert.isTrue(seen.every((task) => task !== undefined && task !== caller && task.daemon === false))
        // The futures handed out by enumerate completed with their items.
        assert.deepStrictEqual(yield* Effect.forEach(live, Future.join), [0, 1])
        assert.strictEqual(yield* executor.pendingCount, 0)
      }))

    it.effect("cancelling an item's future (from enumerate) ends the map at that item, after the ones before it", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make()
        const emitted: Array<number> = []
        const fiber = yield* Effect.forkChild(Effect.exit(
          executor.map([0, 1, 2, 3], (i) => track(i, i === 0 ? Effect.succeed(0) : Effect.never), { concurrency: 2 })
            .pipe(Stream.runForEach((n) => Effect.sync(() => emitted.push(n))))
        ))
        yield* TestClock.adjust("1 second")
        // Item 0 is done; items 1 and 2 run (never ending) until cancelled.
        const live = yield* executor.enumerate
        assert.strictEqual(live.length, 2)
        assert.deepStrictEqual(probe.started, [0, 1, 2])
        for (const future of live) assert.isTrue(yield* Future.cancel(future))
        const exit = yield* Fiber.join(fiber)
        assert.isTrue(isInterruptedOnly(exit))
        assert.deepStrictEqual(emitted, [0])
        assert.deepStrictEqual(yield* Effect.forEach(live, Future.cancelled), [true, true])
        assert.sameMembers(probe.interrupted, [1, 2])
        assert.strictEqual(probe.running, 0)
        assert.strictEqual(yield* executor.pendingCount, 0)
      }))

    it.effect("interrupting the executor's owner cancels the running map items too", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const running = yield* Deferred.make<void>()
        const owner = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
          const executor = yield* Executor.make()
          // The map runs in a task of the executor, so the owner's body can end.
          yield* executor.submit(Stream.runDrain(executor.map([0, 1, 2], (i) =>
            track(i, Effect.andThen(Deferred.succeed(running, undefined), Effect.never)), { concurrency: 3 })))
          return yield* Effect.never
        })))
        yield* Deferred.await(running)
        yield* TestClock.adjust("1 second")
        assert.strictEqual(probe.running, 3)
        yield* Fiber.interrupt(owner)
        assert.strictEqual(probe.running, 0)
        assert.sameMembers(probe.interrupted, [0, 1, 2])
      }))

    it.effect("shutdown() waits for the map items running at the time", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make()
        const gate = yield* Deferred.make<void>()
        const running = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(Stream.runCollect(executor.map([0, 1], (i) =>
          Effect.andThen(Deferred.succeed(running, undefined), Effect.as(Deferred.await(gate), i)), {
          concurrency: 2
        })))
        yield* Deferred.await(running)
        const shutdown = yield* Effect.forkChild(executor.shutdown())
        yield* TestClock.adjust("1 second")
        assert.isUndefined(shutdown.pollUnsafe())
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(shutdown)
        assert.deepStrictEqual(yield* Fiber.join(fiber), [0, 1])
      }))

    it.effect("shutdown({ cancelFutures: true }) cancels the map items not started yet; the map fails at the first", () =>
      Effect.gen(function*() {
        const executor = yield* Executor.make({ maxWorkers: 1 })
        const gate = yield* Deferred.make<void>()
        const running = yield* Deferred.make<void>()
        const started: Array<number> = []
        const fiber = yield* Effect.forkChild(Stream.runCollect(executor.map([0, 1, 2], (i) =>
          Effect.gen(function*() {
            started.push(i)
            yield* Deferred.succeed(running, undefined)
            yield* Deferred.await(gate)
            return i
          }))))
        yield* Deferred.await(running)
        const shutdown = yield* Effect.forkChild(executor.shutdown({ cancelFutures: true }))
        yield* Effect.yieldNow
        // The running item is waited for, not cancelled.
        assert.isUndefined(shutdown.pollUnsafe())
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.join(shutdown)
        const exit = yield* Fiber.await(fiber)
        assert.deepStrictEqual(started, [0])
        assert.isTrue(isInterruptedOnly(exit))
      }))

    it.effect("on a bounded executor, map items and submitted tasks share the maxWorkers bound", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const executor = yield* Executor.make({ maxWorkers: 3 })
        const submitted = yield* executor.submit(track("s", sleepThen(1000, "s")))
        const fiber = yield* Effect.forkChild(Stream.runCollect(
          executor.map([0, 1, 2, 3, 4, 5], (i) => track(i, sleepThen(1000, i)), { concurrency: 3 })
        ))
        yield* TestClock.adjust("10 seconds")
        assert.deepStrictEqual(yield* Fiber.join(fiber), [0, 1, 2, 3, 4, 5])
        assert.strictEqual(yield* Future.join(submitted), "s")
        assert.strictEqual(probe.peak, 3)
      }))

    it.effect.prop(
      "for any input and concurrency: output is the input mapped, in order, and peak in flight ≤ concurrency",
      {
        items: Schema.Array(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 4 }))),
        concurrency: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 6 }))
      },
      ({ concurrency, items }) =>
        Effect.gen(function*() {
          const { probe, track } = makeProbe()
          const out = yield* Effect.scoped(Effect.gen(function*() {
            const executor = yield* Executor.make()
            // item k yields k times: completion order differs from input order
            const f = (k: number, i: number) =>
              track(
                i,
                Effect.andThen(
                  Effect.forEach(Array.from({ length: k }), () => Effect.yieldNow),
                  Effect.succeed(k * 10 + i)
                )
              )
            return yield* Stream.runCollect(executor.map(items, f, { concurrency }))
          }))
          assert.deepStrictEqual(out, items.map((k, i) => k * 10 + i))
          assert.isAtMost(probe.peak, concurrency)
          assert.strictEqual(probe.running, 0)
          assert.strictEqual(probe.started.length, items.length)
        })
    )
  })
})
