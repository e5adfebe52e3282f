import { Errors, Future } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Exit, Fiber, Logger, Stream } from "effect"
import { execFile } from "node:child_process"
import { readdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import * as T from "./fixtures/tasks.ts"
import * as U from "./fixtures/uncloneable.ts"
import { fixture, makeGate, root, tasks, within } from "./helpers.ts"

/**
 * A gate for `T.gated` tasks: they finish only once `open` has run (it creates
 * the file they wait for). Removed with the test's scope.
 */

/** A hang guard, not a speed test: fails with `message` unless `effect` ends within `seconds`. */

describe("NodePool reliability", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a parent started with V8 flags starts a pool and runs tasks (${runtime})`, () =>
      Effect.gen(function*() {
        // Worker threads refuse these flags when passed to them; the parent has them all.
        const { stdout } = yield* Effect.promise(() =>
          promisify(execFile)(
            process.execPath,
            [
              "--max-old-space-size=4096",
              "--expose-gc",
              "--stack-size=900",
              "--title",
              "corun-v8-flags",
              fileURLToPath(fixture("run-with-v8-flags.ts")),
              runtime
            ],
            { cwd: root, timeout: 60_000 }
          )
        )
        assert.strictEqual(stdout.trim(), "[1,2,3]")
      }), 90_000)
  }

  for (const runtime of ["thread", "process"] as const) {
    for (
      const [broken, module, named] of [
        ["a tasks module path with a typo", fixture("taks.ts"), "taks.ts"],
        ["a tasks module that throws when imported", fixture("throws-at-import.ts"), "throws when imported"]
      ] as const
    ) {
      it.live(`awaitReady fails with WorkerCrashed (startup) when no worker could start: ${broken} (${runtime})`, () =>
        Effect.gen(function*() {
          const pool = yield* NodePool.make({ tasks: module, size: 2, runtime })
          // A typed failure (not a defect), every time it is asked.
          for (const awaitReady of [pool.awaitReady, pool.awaitReady]) {
            const error = yield* Effect.flip(awaitReady)
            assert.instanceOf(error, Errors.WorkerCrashed)
            assert.strictEqual(error.reason, "startup")
            assert.include(error.message, named)
          }
        }))
    }

    it.live(`awaitReady succeeds once the workers have started (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        yield* pool.awaitReady
        yield* pool.awaitReady
        assert.strictEqual((yield* NodePool.workers(pool)).length, 2)
      }))
  }

  it.live("an absurd size is refused with InvalidArgumentError before anything starts", () =>
    Effect.gen(function*() {
      // `runtime` is checked after `size`: refusing it would mean `size` was accepted.
      const options = { tasks, size: 1e6, runtime: "neither" as any }
      const error = yield* Effect.flip(NodePool.make(options))
      assert.strictEqual(error._tag, "InvalidArgumentError")
      assert.strictEqual(error.argument, "size")
      assert.include(error.message, "at most 1024")
      assert.strictEqual(NodePool.maxSize, 1024)
      const above = yield* Effect.flip(NodePool.make({ ...options, size: NodePool.maxSize + 1 }))
      assert.strictEqual(above.argument, "size")
    }))

  for (const runtime of ["thread", "process"] as const) {
    it.live(
      `a callback / errorCallback that throws is logged; the future's other observers complete and the pool goes on (${runtime})`,
      () =>
        Effect.gen(function*() {
          const gate = yield* makeGate
          // One job at a time: the next task waits in the pool's queue until the gated one completes.
          const pool = yield* NodePool.make({ tasks, size: 1, runtime, maxInFlightPerWorker: 1 })
          const logged: Array<string> = []
          const twoLogged = yield* Deferred.make<void>()
          const logger = Logger.make((options) => {
            logged.push(`${options.logLevel}:${String(options.message)}`)
            if (logged.length === 2) Deferred.doneUnsafe(twoLogged, Effect.void)
          })
          const throws = (): Effect.Effect<void> => {
            throw new Error("the callback throws")
          }
          const gated = yield* pool.applyAsync(T.gated, { value: 1, until: gate.path }, { callback: throws }).pipe(
            Effect.provide(Logger.layer([logger]))
          )
          const failing = yield* pool.mapAsync(T.sqrt, [4, -1], { errorCallback: throws }).pipe(
            Effect.provide(Logger.layer([logger]))
          )
          // Observers added after the throwing callbacks.
          const gatedObserved = yield* Deferred.make<void>()
          const failingObserved = yield* Deferred.make<void>()
          yield* Future.addDoneCallback(gated, () => Deferred.succeed(gatedObserved, undefined))
          yield* Future.addDoneCallback(failing, () => Deferred.succeed(failingObserved, undefined))
          const queued = yield* pool.applyAsync(T.noop, 7)
          yield* gate.open
          yield* within(30, "the gated task's other observer completes", Deferred.await(gatedObserved))
          yield* within(30, "the failing map's other observer completes", Deferred.await(failingObserved))
          assert.strictEqual(yield* within(30, "the queued task runs", Future.result(queued)), 7)
          assert.strictEqual(yield* Future.result(gated), 1)
          assert.strictEqual(yield* pool.apply(T.noop, 8), 8)
          yield* within(30, "both throws are logged", Deferred.await(twoLogged))
          assert.strictEqual(logged.length, 2)
          for (const line of logged) assert.match(line, /^Error:exception calling callback for /)
        })
    )
  }

  for (const runtime of ["thread", "process"] as const) {
    for (
      const [bound, before, options] of [
        [10, 25, { progressBufferSize: 10 }],
        [1000, 1005, {}]
      ] as const
    ) {
      it.live(
        `progress nobody reads is buffered up to the latest ${bound} values; a late subscriber gets them, then every later one (${runtime})`,
        () =>
          Effect.gen(function*() {
            const gate = yield* makeGate
            const pool = yield* NodePool.make({ tasks, size: 1, runtime, ...options })
            const after = 5
            const allReported = yield* Deferred.make<void>()
            let reported = 0
            const future = yield* pool.applyAsync(T.reportAroundGate, { before, after, until: gate.path }, {
              onProgress: () => {
                if (++reported === before) Deferred.doneUnsafe(allReported, Effect.void)
              }
            })
            // Every value before the gate has reached the pool, with nobody subscribed.
            yield* within(30, "the values before the gate are reported", Deferred.await(allReported))
            const seen: Array<number> = []
            const subscribed = yield* Deferred.make<void>()
            const consumer = yield* Effect.forkChild(
              Stream.runForEach(pool.progress(future), (n) =>
                Effect.sync(() => {
                  seen.push(n)
                  Deferred.doneUnsafe(subscribed, Effect.void)
                }))
            )
            // The first value comes from the buffer: the subscriber is registered.
            yield* within(30, "the subscriber gets the buffered values", Deferred.await(subscribed))
            yield* gate.open
            assert.strictEqual(yield* within(30, "the task completes", Future.result(future)), before + after)
            yield* within(30, "the progress stream ends", Fiber.join(consumer))
            const expected = Array.from({ length: bound + after }, (_, i) => before - bound + 1 + i)
            assert.deepStrictEqual(seen, expected)
          })
      )
    }
  }

  it.live("progressBufferSize is checked: a positive integer or Infinity", () =>
    Effect.gen(function*() {
      for (const progressBufferSize of [0, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(NodePool.make({ tasks, size: 1, progressBufferSize }))
        assert.strictEqual(error.argument, "progressBufferSize")
      }
      const pool = yield* NodePool.make({ tasks, size: 1, progressBufferSize: Infinity })
      assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
    }))
})

describe("NodePool start-up timeout", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a worker that never becomes ready is killed after startupTimeout: tasks and awaitReady fail with WorkerCrashed (startup) (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({
          tasks: fixture("never-ready.ts"),
          size: 1,
          runtime,
          startupTimeout: Duration.millis(300)
        })
        const future = yield* pool.applyAsync(T.noop, 1)
        const error = yield* within(30, "the task fails", Effect.flip(Future.result(future)))
        assert.instanceOf(error, Errors.WorkerCrashed)
        assert.strictEqual(error.reason, "startup")
        assert.strictEqual(error.task, "noop")
        assert.include(error.message, "startupTimeout")
        const ready = yield* within(30, "awaitReady fails", Effect.flip(pool.awaitReady))
        assert.instanceOf(ready, Errors.WorkerCrashed)
        assert.strictEqual(ready.reason, "startup")
        assert.include(ready.message, "startupTimeout")
      }))
  }

  it.live("startupTimeout is checked: a duration or Infinity", () =>
    Effect.gen(function*() {
      for (const startupTimeout of [-1, Number.NaN]) {
        const error = yield* Effect.flip(NodePool.make({ tasks, size: 1, startupTimeout }))
        assert.strictEqual(error.argument, "startupTimeout")
      }
      const pool = yield* NodePool.make({ tasks, size: 1, startupTimeout: Infinity })
      assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
    }))
})

describe("NodePool uncloneable values", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`an output that cannot be cloned fails its task with an error naming the task and the cause; its worker goes on (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks: fixture("uncloneable.ts"), size: 1, runtime })
        for (const task of [U.returnsFunction, U.returnsFunctionInside]) {
          // The task dies with an error naming it and the cause; its worker is not lost.
          const exit = yield* within(30, "the task fails", Effect.exit(pool.apply(task, 1)))
          assert.isTrue(Exit.isFailure(exit))
          const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
          assert.instanceOf(defect, Error)
          assert.include((defect as Error).message, `"${task.name}"`)
          assert.include((defect as Error).message, "could not be cloned")
        }
        // A chunk of map likewise.
        const mapped = yield* within(30, "the map fails", Effect.exit(pool.map(U.returnsFunction, [1, 2, 3])))
        assert.isTrue(Exit.isFailure(mapped))
        if (Exit.isFailure(mapped)) assert.include(String(Cause.squash(mapped.cause)), "could not be cloned")
        assert.strictEqual(yield* pool.apply(U.noop, 3), 3)
        assert.strictEqual((yield* pool.stats).spawned, 1, "the worker was not replaced")
      }))
  }
})

describe("NodePool workers killed while they start", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a replacement killed while it starts is replaced again; the queued tasks all complete (${runtime})`, () =>
      Effect.gen(function*() {
        const gate = yield* makeGate
        const dir = gate.dir
        const starting = () => readdirSync(dir).filter((name) => name.startsWith("starting-"))
        /** Waits (a hang guard, not a timing) until `count` workers have reached the hold. */
        const startedCount = (count: number) =>
          within(
            30,
            `worker #${count} starts`,
            Effect.gen(function*() {
              while (starting().length < count) yield* Effect.sleep(Duration.millis(5))
              return starting()
            })
          )
        const module = new URL(`${fixture("hold-start.ts").href}?dir=${encodeURIComponent(dir)}`)
        const pool = yield* NodePool.make({ tasks: module, size: 1, runtime })
        yield* pool.awaitReady
        const hold = join(dir, "hold")
        writeFileSync(hold, "")
        // Kill the ready worker, as the OOM killer would.
        const [first] = yield* NodePool.workers(pool)
        if (runtime === "process") {
          process.kill(first.pid, "SIGKILL")
        } else {
          const error = yield* within(30, "the exiting task fails", Effect.flip(pool.apply(T.exit, 9)))
          assert.instanceOf(error, Errors.WorkerCrashed)
        }
        // Its replacement is starting (held): queue the tasks, then kill it.
        const names = yield* startedCount(2)
        const futures = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (value) => pool.applyAsync(T.gated, { value, until: gate.path })
        )
        if (runtime === "process") {
          const replacement = names.map((name) => Number(name.split("-")[1])).find((pid) => pid !== first.pid)
          process.kill(replacement!, "SIGKILL")
        } else {
          writeFileSync(join(dir, "exit"), "")
        }
        // The pool starts another worker instead of failing the queue.
        yield* startedCount(3)
        rmSync(hold)
        yield* gate.open
        const results = yield* within(60, "the queued tasks complete", Effect.forEach(futures, Future.result))
        assert.deepStrictEqual(results, Array.from({ length: 20 }, (_, i) => i))
        assert.strictEqual((yield* pool.stats).spawned, 3)
      }))
  }
})

describe("NodePool workers that keep dying while they start", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a tasks module that exits when imported, saying nothing, fails the tasks after 5 attempts (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks: fixture("exits-at-import.ts"), size: 1, runtime })
        const error = yield* within(60, "the task fails", Effect.flip(pool.apply(T.noop, 1)))
        assert.instanceOf(error, Errors.WorkerCrashed)
        assert.strictEqual(error.reason, "startup")
        assert.strictEqual(error.exitCode, 3)
        const ready = yield* within(60, "awaitReady fails", Effect.flip(pool.awaitReady))
        assert.strictEqual(ready.reason, "startup")
        assert.strictEqual((yield* pool.stats).spawned, 5)
      }))
  }
})
