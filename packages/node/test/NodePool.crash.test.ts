import { Future } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Deferred, Effect, Exit, Fiber, Stream } from "effect"
import * as T from "./fixtures/tasks.ts"
import { isAlive, tasks, within } from "./helpers.ts"

const crashOf = <A, E>(exit: Exit.Exit<A, E>) => {
  assert.isTrue(Exit.isFailure(exit), `expected a failure, got ${String(exit)}`)
  const error = Cause.findErrorOption((exit as Exit.Failure<A, E>).cause)
  assert.isTrue(error._tag === "Some", `expected a typed error, got ${String(exit)}`)
  const crashed = (error as any).value
  assert.strictEqual(crashed._tag, "WorkerCrashed", String(exit))
  return crashed as {
    task: string
    worker: number
    reason: string
    exitCode?: number
    signal?: string
    message: string
  }
}

/**
 * A hang guard, not a speed test: fails with `message` unless `effect` ends
 * within `seconds`. The bounds below are generous (a shared 2-core machine
 * under load can be slow by orders of magnitude); what the tests assert is
 * the causal fact — the worker that ran the task is gone (or is still the
 * same one), the task ended cancelled — and the bound only turns "it never
 * stopped" (the busy loop runs 60 s) into a prompt, readable failure.
 */

/**
 * Runs `crasher` alongside 40 ordinary tasks: only the crasher fails (with
 * WorkerCrashed naming it); every other task completes.
 */
const crashAmongOthers = <E>(
  pool: Effect.Success<ReturnType<typeof NodePool.make>>,
  crasher: Effect.Effect<Future.Future<unknown, E>, unknown>
) =>
  Effect.gen(function*() {
    const before = yield* Effect.forEach(
      Array.from({ length: 20 }, (_, i) => i),
      (i) => pool.applyAsync(T.sleep, i % 5)
    )
    const crash = yield* crasher
    const after = yield* Effect.forEach(Array.from({ length: 20 }, (_, i) => i), (i) => pool.applyAsync(T.sleep, i % 5))
    const exit = yield* Future.await(crash)
    const crashed = crashOf(exit)
    for (const [i, f] of [...before, ...after].entries()) {
      assert.strictEqual(yield* Future.result(f), i % 5)
    }
    const stats = yield* pool.stats
    assert.isAtLeast(stats.spawned, 3, "the crashed worker was replaced")
    assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
    return crashed
  })

for (const runtime of ["thread", "process"] as const) {
  describe(`NodePool crash recovery (${runtime})`, () => {
    it.live("an uncaught exception at the worker's top level fails only the running task", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        const crash = yield* crashAmongOthers(pool, pool.applyAsync(T.crashTopLevel, 0))
        assert.strictEqual(crash.task, "crashTopLevel")
        assert.strictEqual(crash.reason, "exception")
        assert.include(crash.message, "top-level boom")
        assert.include(crash.message, "crashTopLevel")
      }))

    it.live("process.exit in a task fails only that task", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        const crash = yield* crashAmongOthers(pool, pool.applyAsync(T.exit, 3))
        assert.strictEqual(crash.task, "exit")
        assert.strictEqual(crash.reason, "exit")
        assert.strictEqual(crash.exitCode, 3)
        assert.include(crash.message, "exited with code 3")
      }))

    it.live("running out of memory under resourceLimits fails only that task", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({
          tasks,
          size: 2,
          runtime,
          resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 }
        })
        const crash = yield* crashAmongOthers(pool, pool.applyAsync(T.oom, 0))
        assert.strictEqual(crash.task, "oom")
        assert.strictEqual(crash.reason, "out-of-memory")
        assert.include(crash.message, "out of memory")
      }), 60_000)

    it.live("a cancelled busy-looping task is stopped: its worker is terminated and replaced", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        const started = yield* Deferred.make<void>()
        // Busy for 60 s without yielding: only terminating its worker stops it.
        const fiber = yield* Effect.forkChild(
          pool.apply(T.spinLoud, 60_000, { onProgress: () => Deferred.doneUnsafe(started, Exit.void) })
        )
        yield* Deferred.await(started)
        const workersBefore = yield* NodePool.workers(pool)
        yield* within(5, "the busy-looping task was not stopped", Fiber.interrupt(fiber))
        assert.isTrue(Exit.isFailure(fiber.pollUnsafe()!) && Cause.hasInterruptsOnly((fiber.pollUnsafe() as any).cause))
        // The interruption returned once the loop's worker had exited (its
        // 'exit' event removes it from the pool), long before the loop could end.
        const workersAfter = (yield* NodePool.workers(pool)).map((w) => w.id)
        const gone = workersBefore.filter((w) => !workersAfter.includes(w.id))
        assert.strictEqual(gone.length, 1, "the spinning worker was terminated")
        if (runtime === "process") assert.isFalse(isAlive(gone[0].pid))
        // the pool goes on, at full size
        assert.deepStrictEqual(yield* pool.map(T.noop, [1, 2, 3]), [1, 2, 3])
        assert.strictEqual((yield* pool.stats).workers, 2)
        assert.strictEqual((yield* pool.stats).spawned, 3, "the terminated worker was replaced")
      }))

    it.live("Future.cancel of a busy-looping task returns at once; the task stops: its worker is terminated and replaced", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        const future = yield* pool.applyAsync(T.spinLoud, 60_000)
        // Its first progress value says it is running (busy from then on).
        const first = yield* Stream.runCollect(Stream.take(pool.progress(future), 1))
        assert.deepStrictEqual(Array.from(first), ["started"])
        const workersBefore = yield* NodePool.workers(pool)
        // Future.cancel returns at once (asyncio's Task.cancel()): the task
        // is still running (its worker cannot even read the request), and
        // Future.await waits until the worker has been replaced.
        assert.isTrue(yield* Future.cancel(future))
        assert.isFalse(yield* Future.done(future))
        assert.isTrue(yield* Future.running(future))
        assert.isFalse(yield* Future.cancelled(future))
        yield* within(5, "the busy-looping task was not stopped", Future.await(future))
        assert.isTrue(yield* Future.cancelled(future))
        const workersAfter = (yield* NodePool.workers(pool)).map((w) => w.id)
        const gone = workersBefore.filter((w) => !workersAfter.includes(w.id))
        assert.strictEqual(gone.length, 1, "the spinning worker was terminated")
        if (runtime === "process") assert.isFalse(isAlive(gone[0].pid))
        assert.strictEqual(yield* pool.apply(T.noop, 5), 5)
        assert.strictEqual((yield* pool.stats).spawned, 3, "the terminated worker was replaced")
      }))

    it.live("a cancelled task that yields is interrupted in its worker, which stays", () =>
      Effect.gen(function*() {
        // A grace period far longer than the test: the worker is never
        // terminated for being slow to stop, so it stays if and only if the
        // task was interrupted inside it (however loaded the machine is).
        const pool = yield* NodePool.make({ tasks, size: 1, runtime, cancelGracePeriod: "1 hour" })
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          pool.apply(T.sleepLoud, 60_000, { onProgress: () => Deferred.doneUnsafe(started, Exit.void) })
        )
        yield* Deferred.await(started)
        const before = yield* NodePool.workers(pool)
        yield* within(10, "the sleeping task was not interrupted in its worker", Fiber.interrupt(fiber))
        assert.isTrue(Exit.isFailure(fiber.pollUnsafe()!) && Cause.hasInterruptsOnly((fiber.pollUnsafe() as any).cause))
        const after = yield* NodePool.workers(pool)
        assert.deepStrictEqual(after.map((w) => w.id), before.map((w) => w.id), "same worker")
        assert.strictEqual((yield* pool.stats).spawned, 1)
        // Its only worker is free again: the 60 s sleep really stopped.
        assert.strictEqual(
          yield* within(10, "the worker is still busy with the cancelled task", pool.apply(T.noop, 1)),
          1
        )
      }))

    it.live("cancelling a queued task never sends it", () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 1, runtime })
        const blocker = yield* pool.applyAsync(T.sleep, 200)
        const queued = yield* pool.applyAsync(T.noop, 1)
        assert.isTrue(yield* Future.cancel(queued))
        assert.isTrue(yield* Future.cancelled(queued))
        assert.strictEqual(yield* Future.result(blocker), 200)
        assert.isFalse(yield* Future.cancel(blocker), "already done")
      }))
  })
}

describe("NodePool when Node cannot start a worker", () => {
  it.live("after the pool started, the waiting tasks fail with WorkerCrashed (startup), and the pool recovers", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 1, maxTasksPerChild: 1 })
      assert.strictEqual(yield* pool.apply(T.noop, 1), 1) // its worker retires after this task
      // Node refuses to start the replacement: the runtime's spawn throws.
      const impl = PoolBackend.backendOf(pool) as any
      const runtime = impl.runtime
      impl.runtime = {
        ...runtime,
        spawn: () => {
          throw new Error("ERR_WORKER_INIT_FAILED (simulated)")
        }
      }
      const crashed = crashOf(yield* Effect.exit(pool.apply(T.noop, 2)))
      assert.strictEqual(crashed.reason, "startup")
      assert.include(crashed.message, "simulated")
      impl.runtime = runtime
      assert.strictEqual(yield* pool.apply(T.noop, 3), 3)
    }))
})

describe("NodePool crash recovery (process only)", () => {
  it.live("SIGKILL of a worker process fails only its task with WorkerCrashed", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 2, runtime: "process" })
      const pid = yield* Deferred.make<number>()
      const crash = yield* crashAmongOthers(
        pool,
        Effect.gen(function*() {
          const future = yield* pool.applyAsync(T.hang, 0, {
            onProgress: (p) => Deferred.doneUnsafe(pid, Exit.succeed(p))
          })
          const victim = yield* Deferred.await(pid)
          assert.notStrictEqual(victim, process.pid)
          process.kill(victim, "SIGKILL")
          return future
        })
      )
      assert.strictEqual(crash.task, "hang")
      assert.strictEqual(crash.reason, "signal")
      assert.strictEqual(crash.signal, "SIGKILL")
      assert.include(crash.message, "SIGKILL")
      assert.isFalse(isAlive(yield* Deferred.await(pid)))
    }))
})
