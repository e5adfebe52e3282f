import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import * as T from "./fixtures/tasks.ts"
import * as Unexported from "./fixtures/unexported.ts"
import { makeGate, tasks, within } from "./helpers.ts"

const makePool = (options?: Partial<NodePool.Options<any>>) => NodePool.make({ tasks, size: 2, ...options })

/**
 * A gate for `T.gated` tasks: they finish only once `open` has run (it creates
 * the file they wait for), so a test decides which task is "slow" instead of
 * guessing with durations. Removed with the test's scope.
 */

/**
 * A hang guard, not a speed test: fails with `message` unless `effect` ends
 * within `seconds` (generous: a loaded, shared machine is slow).
 */

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const error = Cause.findErrorOption((exit as Exit.Failure<A, E>).cause)
  assert.isTrue(error._tag === "Some", `expected a typed error, got ${String(exit)}`)
  return (error as any).value
}

for (const runtime of ["thread", "process"] as const) {
  describe(`NodePool (${runtime})`, () => {
    it.live("apply runs a task on a worker and returns its typed result", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        assert.strictEqual(yield* pool.apply(T.sum, { from: 0, to: 100 }), 4950)
        const me = yield* pool.apply(T.whoami, 1)
        if (runtime === "process") assert.notStrictEqual(me.pid, process.pid)
        else {
          assert.strictEqual(me.pid, process.pid)
          assert.notStrictEqual(me.threadId, 0)
        }
        assert.isTrue(me.workerId >= 1)
      }))

    it.live("awaitReady waits until every worker has started", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, initializer: T.openResource, initargs: "db" })
        yield* pool.awaitReady
        const workers = yield* NodePool.workers(pool)
        assert.strictEqual(workers.length, 2)
        for (const w of workers) assert.isAbove(w.pid, 0)
        const stats = yield* pool.stats
        assert.strictEqual(stats.workers, 2)
        const broken = yield* makePool({ runtime, initializer: T.boom, initargs: "no" })
        // fails with the start-up error once the start-up has failed
        const startup = yield* Effect.flip(broken.awaitReady)
        assert.strictEqual(startup.reason, "startup")
        assert.strictEqual((yield* Effect.flip(broken.apply(T.noop, 1)))._tag, "WorkerCrashed")
      }))

    it.live("typed errors come back as the task's error class; defects as defects", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const error = yield* Effect.flip(pool.apply(T.sqrt, -4))
        assert.strictEqual(error._tag, "Negative")
        assert.instanceOf(error, T.Negative)
        if (error._tag === "Negative") assert.strictEqual(error.value, -4)
        const exit = yield* Effect.exit(pool.apply(T.boom, "kaput"))
        assert.isTrue(Exit.isFailure(exit))
        const defect = Cause.squash((exit as Exit.Failure<void, unknown>).cause) as Error
        assert.strictEqual(defect.name, "RangeError")
        assert.strictEqual(defect.message, "kaput")
        // It names the task and its worker, and keeps the worker-side stack.
        assert.strictEqual((defect as Error & { task: string }).task, "boom")
        assert.strictEqual(typeof (defect as Error & { worker: number }).worker, "number")
        assert.match(defect.stack ?? "", /^RangeError: kaput\n    at corun task "boom" \(pool worker \d+\)\n/)
        // …then the frames of the worker where it was thrown.
        assert.isAtLeast((defect.stack ?? "").split("\n").length, 3)
        // the pool goes on
        assert.strictEqual(yield* pool.apply(T.sqrt, 9), 3)
      }))

    it.live("bad input fails with InputEncodingError before anything is sent", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const error = yield* Effect.flip(pool.apply(T.sum, { from: "zero", to: 1 } as any))
        assert.strictEqual(error._tag, "InputEncodingError")
        if (error._tag === "InputEncodingError") {
          assert.strictEqual(error.task, "sum")
          assert.include(error.message, "from")
        }
        const mapError = yield* Effect.flip(pool.map(T.noop, [1, 2, "three" as any, 4]))
        assert.strictEqual(mapError._tag, "InputEncodingError")
        assert.include(mapError.message, "#2")
        const stats = yield* pool.stats
        assert.strictEqual(stats.completed, 0, "nothing was sent")
      }))

    it.live("a value that cannot cross the worker boundary fails only its task with InputEncodingError", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const good = yield* pool.applyAsync(T.echo, { a: [1, 2] })
        const bad = yield* pool.applyAsync(T.echo, { f: () => 1 })
        const good2 = yield* pool.applyAsync(T.echo, "fine")
        const error = yield* Effect.flip(Future.result(bad))
        assert.strictEqual(error._tag, "InputEncodingError")
        assert.include(error.message, "echo")
        assert.deepStrictEqual(yield* Future.result(good), { a: [1, 2] })
        assert.strictEqual(yield* Future.result(good2), "fine")
      }))

    it.live("a task the workers do not export fails with UnknownTask", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const error = yield* Effect.flip(pool.apply(Unexported.secret, 1))
        assert.strictEqual(error._tag, "UnknownTask")
        assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
      }))

    it.live("applyAsync returns a Future; callback and errorCallback run", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const ok = yield* Deferred.make<number>()
        const ko = yield* Deferred.make<string>()
        const f1 = yield* pool.applyAsync(T.sqrt, 16, { callback: (value) => Deferred.succeed(ok, value) })
        const f2 = yield* pool.applyAsync(T.sqrt, -1, {
          errorCallback: (cause) => Deferred.succeed(ko, String((Cause.squash(cause) as any)._tag))
        })
        assert.strictEqual(yield* Future.result(f1), 4)
        assert.strictEqual(yield* Deferred.await(ok), 4)
        assert.strictEqual(yield* Deferred.await(ko), "Negative")
        assert.strictEqual(failureOf(yield* Future.await(f2))._tag, "Negative")
        assert.isTrue(yield* Future.done(f1))
      }))

    it.live("map / starmap return results in input order, with and without chunksize", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const inputs = Array.from({ length: 1000 }, (_, i) => i)
        assert.deepStrictEqual(yield* pool.map(T.noop, inputs), inputs)
        assert.deepStrictEqual(yield* pool.map(T.noop, inputs, { chunksize: 1 }), inputs)
        assert.deepStrictEqual(yield* pool.map(T.noop, inputs, { chunksize: 7 }), inputs)
        assert.deepStrictEqual(yield* pool.map(T.noop, new Set([3, 1, 2])), [3, 1, 2])
        assert.deepStrictEqual(yield* pool.map(T.noop, []), [])
        assert.deepStrictEqual(yield* pool.starmap(T.add, [[1, 2], [3, 4], [5, 6]]), [3, 7, 11])
        const error = yield* Effect.flip(pool.map(T.sqrt, [4, 9, -1, 16], { chunksize: 2 }))
        assert.strictEqual(error._tag, "Negative")
        const badChunk = yield* Effect.flip(pool.map(T.noop, [1], { chunksize: 0 }))
        assert.strictEqual(badChunk._tag, "InvalidArgumentError")
        const badTimeout = yield* Effect.flip(pool.apply(T.noop, 1, { timeout: -1 }))
        assert.strictEqual(badTimeout._tag, "InvalidArgumentError")
      }))

    it.live("mapAsync / starmapAsync return a Future of all results", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const got = yield* Deferred.make<Array<number>>()
        const f = yield* pool.mapAsync(T.noop, [1, 2, 3], { callback: (values) => Deferred.succeed(got, values) })
        assert.deepStrictEqual(yield* Future.result(f), [1, 2, 3])
        assert.deepStrictEqual(yield* Deferred.await(got), [1, 2, 3])
        const g = yield* pool.starmapAsync(T.add, [[1, 1], [2, 2]])
        assert.deepStrictEqual(yield* Future.result(g), [2, 4])
        const h = yield* pool.mapAsync(T.sqrt, [1, -1])
        assert.strictEqual(failureOf(yield* Future.await(h))._tag, "Negative")
      }))

    it.live("imap streams in input order; imapUnordered in completion order", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const inputs = Array.from({ length: 300 }, (_, i) => i)
        assert.deepStrictEqual(Array.from(yield* Stream.runCollect(pool.imap(T.noop, inputs))), inputs)
        assert.deepStrictEqual(
          Array.from(yield* Stream.runCollect(pool.imap(T.noop, inputs, { chunksize: 8 }))),
          inputs
        )
        const unordered = Array.from(yield* Stream.runCollect(pool.imapUnordered(T.noop, inputs, { chunksize: 5 })))
        assert.deepStrictEqual([...unordered].sort((a, b) => a - b), inputs)
        // One task held by a gate, quick ones behind it: imapUnordered emits the
        // quick ones while the held one still runs (the gate opens only once
        // all three came through); imap waits for it, keeping input order.
        const gate = yield* makeGate
        const inputs2 = [{ value: 0, until: gate.path }, { value: 1 }, { value: 2 }, { value: 3 }]
        const order: Array<number> = []
        yield* within(
          30,
          "imapUnordered held the quick results back behind the running one",
          Stream.runForEach(pool.imapUnordered(T.gated, inputs2), (n) =>
            Effect.suspend(() => {
              order.push(n)
              return order.length === 3 ? gate.open : Effect.void
            }))
        )
        assert.deepStrictEqual(order.slice(0, 3).sort(), [1, 2, 3])
        assert.strictEqual(order[3], 0)
        const gate2 = yield* makeGate
        const held = [{ value: 0, until: gate2.path }, { value: 1 }, { value: 2 }, { value: 3 }]
        const emitted: Array<number> = []
        const completedBefore = (yield* pool.stats).completed
        const ordered = yield* Effect.forkChild(Stream.runForEach(pool.imap(T.gated, held), (n) =>
          Effect.sync(() => {
            emitted.push(n)
          })))
        // Once the three quick ones have completed, imap still holds them back.
        yield* within(
          30,
          "the quick tasks did not complete while the held one ran",
          Effect.gen(function*() {
            while ((yield* pool.stats).completed < completedBefore + 3) yield* Effect.sleep(5)
          })
        )
        assert.deepStrictEqual(emitted, [])
        yield* gate2.open
        yield* Fiber.join(ordered)
        assert.deepStrictEqual(emitted, [0, 1, 2, 3])
      }))

    it.live("imap emits the results before a failure, then fails; bad input fails at its position", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const seen: Array<number> = []
        const error = yield* Effect.flip(Stream.runForEach(pool.imap(T.sqrt, [1, 4, -9, 16]), (n) =>
          Effect.sync(() => {
            seen.push(n)
          })))
        assert.strictEqual(error._tag, "Negative")
        assert.deepStrictEqual(seen, [1, 2])
        const seenChunked: Array<number> = []
        const error2 = yield* Effect.flip(
          Stream.runForEach(pool.imap(T.sqrt, [1, 4, 9, -1, 25], { chunksize: 2 }), (n) =>
            Effect.sync(() => {
              seenChunked.push(n)
            }))
        )
        assert.strictEqual(error2._tag, "Negative")
        assert.deepStrictEqual(seenChunked, [1, 2, 3])
        const seen3: Array<number> = []
        const error3 = yield* Effect.flip(
          Stream.runForEach(pool.imap(T.noop, [1, 2, "x" as any]), (n) =>
            Effect.sync(() => {
              seen3.push(n)
            }))
        )
        assert.strictEqual(error3._tag, "InputEncodingError")
        assert.deepStrictEqual(seen3, [1, 2])
      }))

    it.live("imap is lazy: taking a few results does not read the whole input", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        let read = 0
        function* naturals() {
          for (let i = 0;; i++) {
            read++
            yield i
          }
        }
        const first = Array.from(yield* Stream.runCollect(Stream.take(pool.imap(T.noop, naturals()), 5)))
        assert.deepStrictEqual(first, [0, 1, 2, 3, 4])
        assert.isBelow(read, 10_000)
        const stats = yield* pool.stats
        assert.strictEqual(stats.running + stats.queued, 0, "the jobs still in flight were cancelled")
      }))

    it.live("imap is back-pressured: a slow consumer bounds how far ahead inputs are read", () =>
      Effect.gen(function*() {
        // window = size × maxInFlightPerWorker × 2 = 2 × 4 × 2 = 16 jobs in flight or buffered
        const pool = yield* makePool({ runtime, maxInFlightPerWorker: 4 })
        let read = 0
        function* naturals() {
          for (let i = 0;; i++) {
            read++
            yield i
          }
        }
        for (const ordered of [true, false]) {
          read = 0
          let consumed = 0
          let maxLead = 0
          const stream = ordered ? pool.imap(T.noop, naturals()) : pool.imapUnordered(T.noop, naturals())
          yield* Stream.runDrain(
            stream.pipe(
              Stream.take(60),
              Stream.tap(() =>
                Effect.flatMap(Effect.sleep(2), () =>
                  Effect.sync(() => {
                    consumed++
                    maxLead = Math.max(maxLead, read - consumed)
                  }))
              )
            )
          )
          assert.strictEqual(consumed, 60)
          // at most a window of jobs in flight or buffered, plus one chunk handed downstream
          assert.isAtMost(maxLead, 2 * 16 + 1, `read ${maxLead} inputs ahead of the consumer`)
        }
      }))

    it.live("progress values stream to the caller while the task runs", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const seen: Array<number> = []
        const future = yield* pool.applyAsync(T.countUp, 5, { onProgress: (p) => seen.push(p.done) })
        const progress = Array.from(yield* Stream.runCollect(pool.progress(future)))
        assert.deepStrictEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5])
        assert.deepStrictEqual(progress.map((p) => p.total), [5, 5, 5, 5, 5])
        assert.strictEqual(yield* Future.result(future), 5)
        assert.deepStrictEqual(seen, [1, 2, 3, 4, 5])
        // a task without progress: an empty stream
        const quiet = yield* pool.applyAsync(T.noop, 1)
        assert.deepStrictEqual(Array.from(yield* Stream.runCollect(pool.progress(quiet))), [])
      }))

    it.live("two progress streams of one task both see its values and both end", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const future = yield* pool.applyAsync(T.countUp, 5)
        const [first, second] = yield* Effect.all([
          Stream.runCollect(pool.progress(future)),
          Stream.runCollect(pool.progress(future))
        ], { concurrency: 2 }).pipe(Effect.timeout("20 seconds"))
        const all = [1, 2, 3, 4, 5]
        assert.deepStrictEqual(Array.from(first).map((p) => p.done), all)
        const later = Array.from(second).map((p) => p.done)
        assert.deepStrictEqual(later, all.slice(all.length - later.length))
        assert.strictEqual(yield* Future.result(future), 5)
      }))

    it.live("the Pool service and its accessors", () =>
      Effect.gen(function*() {
        assert.strictEqual(yield* Pool.apply(T.noop, 7), 7)
        assert.deepStrictEqual(yield* Pool.map(T.noop, [1, 2]), [1, 2])
        assert.deepStrictEqual(Array.from(yield* Stream.runCollect(Pool.imap(T.noop, [3, 4]))), [3, 4])
        const f = yield* Pool.applyAsync(T.noop, 5)
        assert.strictEqual(yield* Future.result(f), 5)
        yield* Pool.close
        yield* Pool.join
      }).pipe(Effect.provide(NodePool.layer({ tasks, size: 2, runtime }))))

    it.live("close: no new tasks (PoolClosed), the submitted ones finish; join waits for the workers", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const early = yield* Effect.flip(pool.join)
        assert.strictEqual(early._tag, "PoolStillRunning")
        const f = yield* pool.applyAsync(T.sleep, 100)
        yield* pool.close
        const refused = yield* Effect.flip(pool.apply(T.noop, 1))
        assert.strictEqual(refused._tag, "PoolClosed")
        const refusedMap = yield* Effect.flip(pool.map(T.noop, [1]))
        assert.strictEqual(refusedMap._tag, "PoolClosed")
        const refusedStream = yield* Effect.flip(Stream.runCollect(pool.imap(T.noop, [1])))
        assert.strictEqual(refusedStream._tag, "PoolClosed")
        yield* pool.join
        assert.strictEqual(yield* Future.result(f), 100)
        assert.strictEqual((yield* pool.stats).workers, 0)
      }))

    it.live("terminate stops the workers at once; pending tasks end cancelled", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const running = yield* pool.applyAsync(T.sleep, 60_000)
        const queued = yield* Effect.forEach([1, 2, 3, 4, 5], () => pool.applyAsync(T.sleep, 60_000))
        yield* pool.terminate
        assert.isTrue(yield* Future.cancelled(running))
        for (const f of queued) assert.isTrue(yield* Future.cancelled(f))
        yield* pool.join
        assert.strictEqual((yield* pool.stats).workers, 0)
        const refused = yield* Effect.flip(pool.apply(T.noop, 1))
        assert.strictEqual(refused._tag, "PoolClosed")
      }))

    it.live("initializer runs once in every worker before its tasks", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, initializer: T.openResource, initargs: "db" })
        const results = yield* pool.map(T.useResource, Array.from({ length: 50 }, (_, i) => i), { chunksize: 1 })
        for (const r of results) {
          assert.strictEqual(r.initialized, 1)
          assert.match(r.resource, /^db@/)
        }
      }))

    it.live("a failing initializer fails the waiting tasks with WorkerCrashed (startup) instead of looping", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, initializer: T.boom, initargs: "no database" })
        const error = yield* Effect.flip(pool.apply(T.noop, 1))
        assert.strictEqual(error._tag, "WorkerCrashed")
        if (error._tag === "WorkerCrashed") {
          assert.strictEqual(error.reason, "startup")
          assert.strictEqual(error.task, "noop")
          assert.include(error.message, "no database")
        }
      }))

    it.live("maxTasksPerChild recycles workers", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, maxTasksPerChild: 3 })
        const results = yield* pool.map(T.whoami, Array.from({ length: 24 }, (_, i) => i), { chunksize: 1 })
        const workerIds = new Set(results.map((r) => r.workerId))
        assert.isAtLeast(workerIds.size, 8, "24 tasks, 3 per worker")
        const perWorker = new Map<number, number>()
        for (const r of results) perWorker.set(r.workerId, (perWorker.get(r.workerId) ?? 0) + 1)
        for (const count of perWorker.values()) assert.isAtMost(count, 3)
        if (runtime === "process") assert.isAtLeast(new Set(results.map((r) => r.pid)).size, 8)
        else assert.isAtLeast(new Set(results.map((r) => r.threadId)).size, 8)
        assert.deepStrictEqual(results.map((r) => r.n), Array.from({ length: 24 }, (_, i) => i))
      }))

    it.live("idleTimeout lets idle workers exit; they come back when work arrives", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, idleTimeout: 50 })
        assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
        // Poll until they are gone: a worker's exit (a graceful close, up to
        // 2 s before it is killed) can take a while on a loaded machine.
        yield* within(
          30,
          "the idle workers did not exit",
          Effect.gen(function*() {
            while ((yield* pool.stats).workers > 0) yield* Effect.sleep(20)
          })
        )
        assert.strictEqual((yield* pool.stats).workers, 0)
        assert.strictEqual(yield* pool.apply(T.noop, 2), 2)
      }))

    it.live("per-task timeout fails with TaskTimeout and the pool goes on", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        // 50 ms timeouts on tasks that would run a minute: only the timeout can end them.
        const error = yield* Effect.flip(pool.apply(T.sleep, 60_000, { timeout: 50 }))
        assert.strictEqual(error._tag, "TaskTimeout")
        if (error._tag === "TaskTimeout") assert.strictEqual(error.timeoutMillis, 50)
        const spinError = yield* Effect.flip(pool.apply(T.spin, 60_000, { timeout: 50 }))
        assert.strictEqual(spinError._tag, "TaskTimeout")
        assert.strictEqual(yield* pool.apply(T.noop, 3), 3)
        const layered = yield* makePool({ runtime, taskTimeout: "50 millis" })
        assert.strictEqual((yield* Effect.flip(layered.apply(T.sleep, 60_000)))._tag, "TaskTimeout")
      }))

    it.live("a task's timeout counts from when its worker starts it, not while it waits", () =>
      Effect.gen(function*() {
        // A grace period longer than the test: a timed-out task is stopped by
        // interruption in its worker, never by terminating the worker (which
        // would put the other tasks back in the queue and hide a timeout that
        // fired too early).
        const pool = yield* makePool({ runtime, size: 1, cancelGracePeriod: "1 hour" })
        // Short tasks first: the worker's pipeline deepens, so the tasks below
        // are sent ahead to the worker, behind the busy one.
        yield* pool.map(T.noop, Array.from({ length: 50 }, (_, i) => i), { chunksize: 1 })
        // The worker is busy for 3 s (a lower bound: the loop watches the
        // clock). The tasks behind it have a 2 s timeout: had it counted while
        // they waited, it would pass during the busy task; counted from their
        // start, it leaves them ample time (however loaded the machine) for
        // their own few milliseconds of work.
        const busyMs = 3000
        const timeout = 2000
        const submitted = performance.now()
        const busy = yield* pool.applyAsync(T.spin, busyMs)
        const waiting = yield* pool.applyAsync(T.sleep, 20, { timeout })
        const chunked = yield* pool.mapAsync(T.noop, [1, 2, 3, 4], { chunksize: 2, timeout })
        const tooLong = yield* pool.applyAsync(T.sleep, 60_000, { timeout: 1000 })
        yield* Future.result(busy)
        assert.strictEqual(yield* Future.result(waiting), 20)
        assert.deepStrictEqual(yield* Future.result(chunked), [1, 2, 3, 4])
        const error = yield* Effect.flip(Future.result(tooLong))
        assert.strictEqual(error._tag, "TaskTimeout")
        // It waited ≥ 3 s for the busy task, then ran until its 1 s timeout
        // (had that counted from submission, it would have ended during the
        // busy task). Lower bounds only: a slow machine only adds time.
        assert.isAtLeast(performance.now() - submitted, busyMs + 500)
        assert.strictEqual((yield* pool.stats).spawned, 1, "the worker was never replaced")
        assert.strictEqual(yield* pool.apply(T.noop, 7), 7)
      }))

    it.live("inputs whose iterator throws: a defect of map / mapAsync, not a typed error", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const broken: Iterable<number> = {
          [Symbol.iterator]: () => {
            throw new Error("no inputs today")
          }
        }
        const exit = yield* Effect.exit(pool.map(T.noop, broken))
        assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
        const asyncExit = yield* Effect.exit(pool.mapAsync(T.noop, broken))
        assert.isTrue(Exit.isFailure(asyncExit) && Cause.hasDies(asyncExit.cause))
        assert.deepStrictEqual(yield* pool.map(T.noop, [1, 2]), [1, 2])
      }))

    it.live("bad options fail with InvalidArgumentError", () =>
      Effect.gen(function*() {
        for (const options of [{ size: 0 }, { size: 1.5 }, { maxTasksPerChild: -1 }, { idleTimeout: -5 }]) {
          const error = yield* Effect.flip(makePool({ runtime, ...options }))
          assert.strictEqual(error._tag, "InvalidArgumentError")
        }
        const error = yield* Effect.flip(makePool({ runtime, initializer: T.openResource, initargs: 42 as any }))
        assert.strictEqual(error.argument, "initargs")
      }))

    it.live("the pool-backed executor: submit / map / shutdown", () =>
      Effect.gen(function*() {
        const executor = yield* Pool.makeExecutor
        const futures = yield* Effect.forEach([1, 4, 9], (n) => executor.submit(T.sqrt, n))
        assert.deepStrictEqual(yield* Effect.forEach(futures, (f) => Future.result(f)), [1, 2, 3])
        assert.deepStrictEqual(Array.from(yield* Stream.runCollect(executor.map(T.sqrt, [16, 25]))), [4, 5])
        const slow = yield* executor.submit(T.sleep, 50)
        yield* executor.shutdown()
        assert.strictEqual(yield* Future.result(slow), 50)
        const refused = yield* Effect.flip(executor.submit(T.noop, 1))
        assert.strictEqual(refused._tag, "ExecutorShutdownError")
      }).pipe(Effect.provide(NodePool.layer({ tasks, size: 2, runtime }))))

    it.live("pool futures work with wait and asCompleted (Python's concurrent.futures.wait / as_completed)", () =>
      Effect.gen(function*() {
        const executor = yield* Pool.makeExecutor
        // `slow` runs until the test opens its gate: it cannot finish first.
        const gate = yield* makeGate
        const slow = yield* executor.submit(T.gated, { value: 1, until: gate.path })
        const fast = yield* executor.submit(T.gated, { value: 2 })
        const first = yield* within(
          30,
          "FIRST_COMPLETED did not return",
          Future.wait([slow, fast], { returnWhen: "FIRST_COMPLETED" })
        )
        assert.deepStrictEqual(first.done, [fast])
        assert.deepStrictEqual(first.notDone, [slow])
        // asCompleted yields `fast`, which opens the gate; then `slow`.
        const order: Array<unknown> = []
        yield* within(
          30,
          "asCompleted did not yield the completed future first",
          Stream.runForEach(Future.asCompleted([slow, fast]), (f) =>
            Effect.suspend(() => {
              order.push(f)
              return f === fast ? gate.open : Effect.void
            }))
        )
        assert.deepStrictEqual(order, [fast, slow])
        const all = yield* Future.wait([slow, fast])
        assert.strictEqual(all.done.length, 2)
        assert.deepStrictEqual(yield* Effect.forEach([slow, fast], (f) => Future.result(f)), [1, 2])
      }).pipe(Effect.provide(NodePool.layer({ tasks, size: 2, runtime }))))

    it.live("the caller's interruption of map cancels every job", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime })
        const fiber = yield* Effect.forkChild(pool.map(T.sleep, [60_000, 60_000, 60_000, 60_000], { chunksize: 1 }))
        // Wait until both workers have jobs (however long they take to start).
        yield* within(
          30,
          "the jobs never reached the workers",
          Effect.gen(function*() {
            while ((yield* pool.stats).running < 2) yield* Effect.sleep(5)
          })
        )
        yield* Fiber.interrupt(fiber)
        const stats = yield* pool.stats
        assert.strictEqual(stats.running + stats.queued, 0)
        assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
      }))
  })
}

describe("NodePool (thread runtime only)", () => {
  it.live("ArrayBuffers are transferred without copying", () =>
    Effect.gen(function*() {
      const pool = yield* makePool()
      const buffer = new ArrayBuffer(1024)
      assert.strictEqual(yield* pool.apply(T.byteLength, buffer, { transfer: [buffer] }), 1024)
      assert.strictEqual(buffer.byteLength, 0, "the sender's buffer is detached")
      const kept = new ArrayBuffer(16)
      assert.strictEqual(yield* pool.apply(T.byteLength, kept), 16)
      assert.strictEqual(kept.byteLength, 16, "copied when not transferred")
      const made = yield* pool.apply(T.makeBuffer, 4096)
      assert.strictEqual(made.byteLength, 4096)
    }))
})

describe("NodePool: arguments are checked first; Infinity and long durations mean no limit", () => {
  it.live("bad options fail with an InvalidArgumentError naming the option, before any worker starts", () =>
    Effect.gen(function*() {
      const cases: Array<[Partial<NodePool.Options<any>>, string]> = [
        [{ taskTimeout: Number.NaN }, "taskTimeout"],
        [{ taskTimeout: -1 }, "taskTimeout"],
        [{ idleTimeout: "soon" as any }, "idleTimeout"],
        [{ cancelGracePeriod: -Infinity }, "cancelGracePeriod"],
        [{ size: Number.NaN }, "size"],
        [{ maxInFlightPerWorker: 0 }, "maxInFlightPerWorker"],
        [{ maxTasksPerChild: 2.5 }, "maxTasksPerChild"],
        [{ resourceLimits: { maxOldGenerationSizeMb: -1 } }, "resourceLimits.maxOldGenerationSizeMb"],
        [{ resourceLimits: { stackSizeMb: Number.NaN } }, "resourceLimits.stackSizeMb"],
        [{ tasks: "http://[" }, "tasks"]
      ]
      for (const [options, argument] of cases) {
        const error = yield* Effect.flip(makePool(options))
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(error.argument, argument, `for ${JSON.stringify(options)}`)
        assert.include(error.message, `'${argument}'`)
      }
    }))

  it.live("a bad timeout or chunksize fails before the inputs are read or anything is sent", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ size: 1 })
      let read = 0
      const inputs = {
        *[Symbol.iterator]() {
          read++
          yield 1
        }
      }
      const before = yield* pool.stats
      for (const timeout of [-1, Number.NaN, "soon" as any]) {
        assert.strictEqual((yield* Effect.flip(pool.apply(T.noop, 1, { timeout })))._tag, "InvalidArgumentError")
        assert.strictEqual((yield* Effect.flip(pool.applyAsync(T.noop, 1, { timeout })))._tag, "InvalidArgumentError")
        assert.strictEqual((yield* Effect.flip(pool.map(T.noop, inputs, { timeout })))._tag, "InvalidArgumentError")
        assert.strictEqual(
          (yield* Effect.flip(Stream.runCollect(pool.imap(T.noop, inputs, { timeout }))))._tag,
          "InvalidArgumentError"
        )
      }
      for (const chunksize of [0, 1.5, Number.NaN]) {
        assert.strictEqual((yield* Effect.flip(pool.map(T.noop, inputs, { chunksize })))._tag, "InvalidArgumentError")
        assert.strictEqual(
          (yield* Effect.flip(pool.mapAsync(T.noop, inputs, { chunksize })))._tag,
          "InvalidArgumentError"
        )
      }
      assert.strictEqual(read, 0, "the inputs were not read")
      const after = yield* pool.stats
      assert.strictEqual(after.completed, before.completed, "nothing ran")
      assert.strictEqual(after.queued + after.running, 0, "nothing is queued or running")
    }))

  it.live("taskTimeout / timeout of 30 days or Infinity never time a task out", () =>
    Effect.gen(function*() {
      // A JavaScript timer longer than 2^31 - 1 ms fires at once: the pool
      // must not arm one for these. The gate opens after the task started,
      // so a timeout that fired early would have failed it.
      const pool = yield* makePool({ size: 1, taskTimeout: "30 days" })
      for (const timeout of [undefined, Infinity, "Infinity" as const, "60 days" as const]) {
        const gate = yield* makeGate
        const future = yield* pool.applyAsync(T.gated, { value: 7, until: gate.path }, { timeout })
        while (!(yield* Future.running(future))) yield* Effect.sleep(5)
        yield* Effect.sleep(50)
        yield* gate.open
        assert.strictEqual(yield* Future.result(future), 7, `timeout ${String(timeout)}`)
      }
      assert.strictEqual((yield* pool.stats).spawned, 1, "no task was stopped, no worker replaced")
    }))

  it.live("idleTimeout of 30 days keeps an idle worker; maxTasksPerChild: Infinity never replaces it", () =>
    Effect.gen(function*() {
      const pool = yield* makePool({ size: 1, idleTimeout: "30 days", maxTasksPerChild: Infinity })
      for (let i = 0; i < 5; i++) assert.strictEqual(yield* pool.apply(T.noop, i), i)
      const [worker] = yield* NodePool.workers(pool)
      // Idle for a while: a 30-day idle timer that fired at once would have
      // closed the worker by now (whatever the speed of the machine, a
      // correct pool keeps it: nothing else closes it).
      yield* Effect.sleep(200)
      assert.deepStrictEqual(yield* NodePool.workers(pool), [worker])
      assert.strictEqual(yield* pool.apply(T.noop, 9), 9)
      assert.strictEqual((yield* pool.stats).spawned, 1)
    }))
})

for (const runtime of ["thread", "process"] as const) {
  describe(`NodePool imap / imapUnordered: early exit and close (${runtime})`, () => {
    it.live("leaving the stream early cancels the jobs in flight; the stream ends once they have stopped", () =>
      Effect.gen(function*() {
        const pool = yield* makePool({ runtime, maxInFlightPerWorker: 2 })
        // Never opened: the held tasks can only end by being cancelled.
        const gate = yield* makeGate
        for (const [ordered, chunksize] of [[true, 1], [false, 1], [true, 3], [false, 3]] as const) {
          let held = 0
          // One quick chunk first (its first value is the one taken), then held tasks.
          function* inputs() {
            for (let i = 0; i < chunksize; i++) yield { value: i }
            for (let i = chunksize;; i++) {
              held++
              yield { value: i, until: gate.path }
            }
          }
          const stream = ordered
            ? pool.imap(T.gated, inputs(), { chunksize })
            : pool.imapUnordered(T.gated, inputs(), { chunksize })
          const first = Array.from(
            yield* within(30, "the quick result did not come", Stream.runCollect(Stream.take(stream, 1)))
          )
          assert.deepStrictEqual(first, [0])
          // The window started held jobs along with the quick one...
          assert.isAbove(held, 0, `ordered ${ordered}, chunksize ${chunksize}`)
          // ...and none is left queued or running once the stream has ended.
          const stats = yield* pool.stats
          assert.strictEqual(stats.queued + stats.running, 0, `ordered ${ordered}, chunksize ${chunksize}`)
        }
        assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
      }))

    it.live("the pool closing mid-stream: the jobs already sent finish and are delivered, then PoolClosed", () =>
      Effect.gen(function*() {
        for (const ordered of [true, false]) {
          // A window of two jobs.
          const pool = yield* makePool({ runtime, size: 1, maxInFlightPerWorker: 1 })
          const gate = yield* makeGate
          let read = 0
          function* inputs() {
            for (let i = 0;; i++) {
              read++
              yield { value: i, until: gate.path }
            }
          }
          const seen: Array<number> = []
          const stream = ordered ? pool.imap(T.gated, inputs()) : pool.imapUnordered(T.gated, inputs())
          const fiber = yield* Effect.forkChild(
            Effect.flip(Stream.runForEach(stream, (n) =>
              Effect.sync(() => {
                seen.push(n)
              })))
          )
          yield* within(
            30,
            "the window did not start its two jobs",
            Effect.gen(function*() {
              while (true) {
                const stats = yield* pool.stats
                if (stats.queued + stats.running === 2) return
                yield* Effect.sleep(5)
              }
            })
          )
          yield* pool.close
          yield* gate.open
          const error = yield* within(30, "the stream did not end", Fiber.join(fiber))
          assert.strictEqual(error._tag, "PoolClosed")
          assert.deepStrictEqual([...seen].sort(), [0, 1])
          assert.strictEqual(read, 2, "nothing was read once the pool had closed")
        }
      }))
  })
}
