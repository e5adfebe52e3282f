import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import { execFileSync } from "node:child_process"
import { readdirSync } from "node:fs"
import * as T from "./fixtures/tasks.ts"
import { isAlive, tasks } from "./helpers.ts"

/** The OS threads of this process (Linux). */
const threadCount = () => readdirSync("/proc/self/task").length

/** Runs a pool in its own scope, with one worker spinning when the scope closes. */
const usePool = (runtime: "thread" | "process") =>
  Effect.scoped(Effect.gen(function*() {
    const pool = yield* NodePool.make({ tasks, size: 3, runtime })
    const started = yield* Deferred.make<void>()
    yield* Effect.forkChild(
      pool.apply(T.spinLoud, 60_000, { onProgress: () => Deferred.doneUnsafe(started, Exit.void) })
    )
    yield* Deferred.await(started)
    yield* Effect.forkChild(pool.apply(T.sleep, 60_000))
    assert.strictEqual(yield* pool.apply(T.noop, 1), 1)
    const workers = yield* NodePool.workers(pool)
    assert.strictEqual(workers.length, 3)
    return { workers, threadsWhileRunning: threadCount() }
  }))

describe("NodePool cleanup", () => {
  it.live("process runtime: when the scope closes no worker process is left", () =>
    Effect.gen(function*() {
      const { workers } = yield* usePool("process")
      assert.strictEqual(workers.length, 3)
      for (const w of workers) {
        assert.notStrictEqual(w.pid, process.pid)
        assert.isFalse(isAlive(w.pid), `worker pid ${w.pid} is gone`)
      }
      const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(process.pid)], { encoding: "utf8" })
        .split("\n").map((line) => Number(line.trim())).filter((pid) => pid > 0)
      for (const w of workers) assert.notInclude(children, w.pid)
    }))

  it.live("thread runtime: when the scope closes every worker thread is gone", () =>
    Effect.gen(function*() {
      yield* usePool("thread") // warm up: V8 / libuv helper threads the first workers create stay
      const baseline = threadCount()
      const { threadsWhileRunning } = yield* usePool("thread")
      assert.isAtLeast(threadsWhileRunning, baseline + 3, "three worker threads ran")
      assert.isAtMost(threadCount(), baseline, "and none is left")
    }))

  it.live("terminate then join: all gone; the scope's finalizer after that is a no-op", () =>
    Effect.gen(function*() {
      const pids = yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime: "process" })
        yield* pool.map(T.noop, [1, 2, 3, 4])
        const pids = (yield* NodePool.workers(pool)).map((w) => w.pid)
        yield* pool.terminate
        yield* pool.join
        for (const pid of pids) assert.isFalse(isAlive(pid))
        return pids
      }))
      assert.strictEqual(pids.length, 2)
    }))

  it.live("interrupting the program that owns the pool leaves no worker behind", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<Array<number>>()
      const fiber = yield* Effect.forkChild(Effect.scoped(Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime: "process" })
        yield* pool.apply(T.noop, 1)
        yield* Deferred.succeed(seen, (yield* NodePool.workers(pool)).map((w) => w.pid))
        yield* pool.map(T.spin, [60_000, 60_000])
      })))
      const pids = yield* Deferred.await(seen)
      yield* Fiber.interrupt(fiber)
      for (const pid of pids) assert.isFalse(isAlive(pid))
    }))
})
