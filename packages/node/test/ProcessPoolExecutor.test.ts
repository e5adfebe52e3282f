import { Future, type Pool } from "@corun/core"
import { NodePool, ProcessPoolExecutor } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Scope, Stream } from "effect"
import * as T from "./fixtures/tasks.ts"
import { isAlive, makeGate, tasks, within } from "./helpers.ts"

/** A gate for `T.gated` tasks: they finish only once `open` has run (see NodePool.test.ts). */

/** A hang guard, not a speed test: fails unless `effect` ends within `seconds`. */

/** Waits (polling, under a hang guard) until `condition` holds. */
const until = (message: string, condition: Effect.Effect<boolean>) =>
  within(
    30,
    message,
    Effect.gen(function*() {
      while (!(yield* condition)) yield* Effect.sleep(5)
    })
  )

/** The tag of the error `submit` fails with now, or `undefined` if it is accepted. */
const submitRefused = (executor: Pool.PoolExecutor) =>
  Effect.map(
    Effect.exit(executor.submit(T.noop, 1)),
    (exit) =>
      Exit.isFailure(exit)
        ? Cause.findErrorOption(exit.cause).pipe(Option.map((e) => e._tag), Option.getOrUndefined)
        : undefined
  )

describe("ProcessPoolExecutor", () => {
  it.live("submit returns a future whose result comes from a child process (the default runtime)", () =>
    Effect.gen(function*() {
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 2 })
      assert.strictEqual(executor.pool.size, 2)
      const future = yield* executor.submit(T.sum, { from: 0, to: 100 })
      assert.strictEqual(yield* Future.result(future), 4950)
      const me = yield* Future.result(yield* executor.submit(T.whoami, 1))
      assert.notStrictEqual(me.pid, process.pid)
    }))

  it.live("runtime: \"thread\" runs on worker threads", () =>
    Effect.gen(function*() {
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 1, runtime: "thread" })
      const me = yield* Future.result(yield* executor.submit(T.whoami, 1))
      assert.strictEqual(me.pid, process.pid)
      assert.notStrictEqual(me.threadId, 0)
    }))

  it.live("map with chunksize streams the results in input order", () =>
    Effect.gen(function*() {
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 2 })
      const inputs = Array.from({ length: 50 }, (_, i) => i * i)
      const results = yield* Stream.runCollect(executor.map(T.sqrt, inputs, { chunksize: 7 }))
      assert.deepStrictEqual(Array.from(results), Array.from({ length: 50 }, (_, i) => i))
    }))

  it.live("a task's typed error comes back through Future.result", () =>
    Effect.gen(function*() {
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 2 })
      const bad = yield* executor.submit(T.sqrt, -4)
      const good = yield* executor.submit(T.sqrt, 9)
      const error = yield* Effect.flip(Future.result(bad))
      assert.strictEqual(error._tag, "Negative")
      assert.strictEqual((error as T.Negative).value, -4)
      assert.strictEqual(yield* Future.result(good), 3)
      // map fails with it too
      const mapError = yield* Effect.flip(Stream.runCollect(executor.map(T.sqrt, [1, -1, 4], { chunksize: 2 })))
      assert.strictEqual(mapError._tag, "Negative")
    }))

  it.live("closing the scope waits for the submitted tasks, then stops every worker process", () =>
    Effect.gen(function*() {
      const gate = yield* makeGate
      const scope = yield* Scope.make()
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 2 }).pipe(Scope.provide(scope))
      yield* executor.pool.awaitReady
      const pids = (yield* NodePool.workers(executor.pool)).map((w) => w.pid)
      assert.strictEqual(pids.length, 2)
      for (const pid of pids) assert.isTrue(isAlive(pid))
      const held = yield* executor.submit(T.gated, { value: 7, until: gate.path })
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      // The executor has shut down (it refuses work)…
      yield* until(
        "the executor did not shut down",
        Effect.map(submitRefused(executor), (tag) => tag === "ExecutorShutdownError")
      )
      // …but the held task is still running: the pool was not terminated under it.
      assert.isFalse(yield* Future.done(held))
      yield* gate.open
      yield* within(30, "the scope did not close", Fiber.join(closing))
      // It completed (the close waited for it) instead of being cancelled.
      assert.strictEqual(yield* Future.result(held), 7)
      // NodePool's terminate waits until every process has exited.
      for (const pid of pids) assert.isFalse(isAlive(pid), `worker ${pid} is still alive`)
      assert.deepStrictEqual(yield* NodePool.workers(executor.pool), [])
      assert.strictEqual(yield* submitRefused(executor), "ExecutorShutdownError")
      const refusedMap = yield* Effect.flip(Stream.runCollect(executor.map(T.noop, [1])))
      assert.strictEqual(refusedMap._tag, "ExecutorShutdownError")
    }))

  it.live("shutdown({ cancelFutures: true }) cancels the tasks not started and waits for the running one", () =>
    Effect.gen(function*() {
      const gate = yield* makeGate
      // One worker taking one job at a time: the first task runs, the others queue.
      const executor = yield* ProcessPoolExecutor.make({ tasks, maxWorkers: 1, maxInFlightPerWorker: 1 })
      const running = yield* executor.submit(T.gated, { value: 1, until: gate.path })
      yield* until("the first task never started", Future.running(running))
      const queued = yield* Effect.forEach([2, 3, 4], (value) => executor.submit(T.gated, { value }))
      for (const f of queued) assert.isFalse(yield* Future.running(f))
      const shutdown = yield* Effect.forkChild(executor.shutdown({ cancelFutures: true }))
      for (const f of queued) {
        yield* within(30, "a queued task was not cancelled", Future.await(f))
        assert.isTrue(yield* Future.cancelled(f))
      }
      assert.strictEqual(yield* submitRefused(executor), "ExecutorShutdownError")
      // The running task is not cancelled: shutdown waits for it.
      assert.isFalse(yield* Future.done(running))
      yield* gate.open
      yield* within(30, "shutdown did not return", Fiber.join(shutdown))
      assert.strictEqual(yield* Future.result(running), 1)
    }))

  it.live("bad options fail with InvalidArgumentError naming the option", () =>
    Effect.gen(function*() {
      for (const maxWorkers of [0, -1, 1.5]) {
        const error = yield* Effect.flip(ProcessPoolExecutor.make({ tasks, maxWorkers }))
        assert.strictEqual(error._tag, "InvalidArgumentError")
        assert.strictEqual(error.argument, "maxWorkers")
        assert.include(error.message, "'maxWorkers'")
      }
      const error = yield* Effect.flip(ProcessPoolExecutor.make({ tasks, maxWorkers: 2, maxTasksPerChild: -1 }))
      assert.strictEqual(error.argument, "maxTasksPerChild")
      const runtime = yield* Effect.flip(ProcessPoolExecutor.make({ tasks, runtime: "fork" as any }))
      assert.strictEqual(runtime.argument, "runtime")
    }))
})
