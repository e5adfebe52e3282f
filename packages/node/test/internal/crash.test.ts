import { Errors } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { parseOptions, type PoolConfig } from "../../src/internal/config.ts"
import {
  classify,
  crashedError,
  type Death,
  isExplained,
  maxUnexplainedStartupDeaths,
  replaceAfterStartupDeath,
  startupFailureOf
} from "../../src/internal/crash.ts"
import { PoolState } from "../../src/internal/poolState.ts"
import type { CrashInfo, RuntimeWorker } from "../../src/internal/runtime.ts"
import { WorkerHandle } from "../../src/internal/workerHandle.ts"

/** A death with nothing known, after the worker was ready: the exit branch. */
const death = (overrides: Partial<Death> = {}): Death => ({
  ready: true,
  seen: undefined,
  startupError: undefined,
  outOfMemory: false,
  startupTimedOut: false,
  code: 1,
  signal: null,
  heapLimitMb: undefined,
  ...overrides
})

const startupError = { name: "SyntaxError", message: "Unexpected token", stack: undefined }

describe("classify", () => {
  it("a plain exit: reason exit, its code", () => {
    assert.deepStrictEqual(classify(death({ code: 3 })), {
      reason: "exit",
      detail: "exited with code 3",
      exitCode: 3,
      signal: undefined
    })
  })

  it("a signal: reason signal, names it, no exit code", () => {
    assert.deepStrictEqual(classify(death({ code: null, signal: "SIGKILL" })), {
      reason: "signal",
      detail: "was killed by signal SIGKILL",
      exitCode: undefined,
      signal: "SIGKILL"
    })
  })

  it("an undefined signal is no signal", () => {
    const crash = classify(death({ code: 0, signal: undefined }))
    assert.strictEqual(crash.reason, "exit")
    assert.strictEqual(crash.detail, "exited with code 0")
    assert.strictEqual(crash.exitCode, 0)
    assert.isUndefined(crash.signal)
  })

  it("out of memory without a heap limit", () => {
    const crash = classify(death({ outOfMemory: true, code: 134, signal: "SIGABRT" }))
    assert.strictEqual(crash.reason, "out-of-memory")
    assert.strictEqual(crash.detail, "ran out of memory")
    assert.strictEqual(crash.exitCode, 134)
    assert.strictEqual(crash.signal, "SIGABRT")
  })

  it("out of memory with a heap limit names it", () => {
    const crash = classify(death({ outOfMemory: true, heapLimitMb: 64 }))
    assert.strictEqual(crash.reason, "out-of-memory")
    assert.strictEqual(crash.detail, "ran out of memory (heap limit 64 MB)")
  })

  it("out of memory wins over the signal and the exit code", () => {
    assert.strictEqual(classify(death({ outOfMemory: true, signal: "SIGKILL" })).reason, "out-of-memory")
  })

  it("a start-up error: reason startup, the error's name and message", () => {
    const crash = classify(death({ ready: false, startupError, code: 1 }))
    assert.strictEqual(crash.reason, "startup")
    assert.strictEqual(crash.detail, "failed to start: SyntaxError: Unexpected token")
    assert.strictEqual(crash.exitCode, 1)
  })

  it("a start-up error wins over out of memory and a signal", () => {
    const crash = classify(death({ ready: false, startupError, outOfMemory: true, signal: "SIGTERM" }))
    assert.strictEqual(crash.detail, "failed to start: SyntaxError: Unexpected token")
    assert.strictEqual(crash.signal, "SIGTERM")
  })

  it("what was seen first wins over everything else, exit code and signal being the death's", () => {
    const seen: CrashInfo = { reason: "exception", detail: "threw an uncaught Error: boom", exitCode: 9, signal: "X" }
    const crash = classify(
      death({ seen, startupError, outOfMemory: true, signal: "SIGKILL", code: null, heapLimitMb: 8 })
    )
    assert.deepStrictEqual(crash, {
      reason: "exception",
      detail: "threw an uncaught Error: boom",
      exitCode: undefined,
      signal: "SIGKILL"
    })
  })

  it("does not mutate the seen object", () => {
    const seen: CrashInfo = { reason: "exception", detail: "threw" }
    const crash = classify(death({ seen, ready: false, code: 7, signal: "SIGSEGV" }))
    assert.notStrictEqual(crash, seen)
    assert.deepStrictEqual(seen, { reason: "exception", detail: "threw" })
    assert.strictEqual(crash.reason, "startup")
    assert.strictEqual(crash.exitCode, 7)
    assert.strictEqual(crash.signal, "SIGSEGV")
  })

  it("any death before the worker was ready has reason startup, keeping its detail", () => {
    const cases: Array<[Partial<Death>, string]> = [
      [{ code: 2 }, "exited with code 2"],
      [{ code: null, signal: "SIGKILL" }, "was killed by signal SIGKILL"],
      [{ outOfMemory: true, heapLimitMb: 16 }, "ran out of memory (heap limit 16 MB)"],
      [{ seen: { reason: "exception", detail: "threw an uncaught Error: x" } }, "threw an uncaught Error: x"]
    ]
    for (const [overrides, detail] of cases) {
      const crash = classify(death({ ...overrides, ready: false }))
      assert.strictEqual(crash.reason, "startup", detail)
      assert.strictEqual(crash.detail, detail)
      // The same death after the worker was ready keeps its own reason.
      assert.notStrictEqual(classify(death({ ...overrides, ready: true })).reason, "startup", detail)
    }
  })
})

describe("isExplained", () => {
  it("a plain exit or a signal is not explained", () => {
    assert.isFalse(isExplained(death()))
    assert.isFalse(isExplained(death({ code: null, signal: "SIGKILL", ready: false })))
  })

  it("something seen, a start-up error, out of memory or the start-up timeout explains it", () => {
    assert.isTrue(isExplained(death({ seen: { reason: "exception", detail: "threw" } })))
    assert.isTrue(isExplained(death({ startupError })))
    assert.isTrue(isExplained(death({ outOfMemory: true })))
    assert.isTrue(isExplained(death({ startupTimedOut: true })))
  })
})

describe("replaceAfterStartupDeath", () => {
  it("an explained death is not replaced, whatever the count", () => {
    assert.isFalse(replaceAfterStartupDeath(true, 0))
    assert.isFalse(replaceAfterStartupDeath(true, 1))
  })

  it("unexplained deaths are replaced below maxUnexplainedStartupDeaths, not at it", () => {
    assert.strictEqual(maxUnexplainedStartupDeaths, 5)
    for (let n = 0; n < maxUnexplainedStartupDeaths; n++) assert.isTrue(replaceAfterStartupDeath(false, n), `${n}`)
    assert.isFalse(replaceAfterStartupDeath(false, maxUnexplainedStartupDeaths))
    assert.isFalse(replaceAfterStartupDeath(false, maxUnexplainedStartupDeaths + 1))
  })
})

const config = (runtime: "thread" | "process"): PoolConfig => {
  const parsed = parseOptions({ tasks: "/tmp/x.ts", size: 2, runtime })
  if (parsed instanceof Errors.InvalidArgumentError) throw parsed
  return parsed
}

const handle = (id: number, crash: CrashInfo, pid = 0): WorkerHandle => {
  const rt: RuntimeWorker = {
    id,
    pid: 4242,
    threadId: id,
    crash,
    outOfMemory: false,
    send: () => undefined,
    kill: () => {},
    signal: () => {},
    close: () => {}
  }
  const w = new WorkerHandle(rt)
  w.pid = pid
  return w
}

describe("crashedError", () => {
  it("names the task, the worker, its pid and the runtime; a crash after start says the worker was replaced", () => {
    const pool = new PoolState(config("thread"))
    const crash = classify(death({ code: null, signal: "SIGKILL" }))
    const error = crashedError(pool, handle(3, crash, 1234), "sum")
    assert.instanceOf(error, Errors.WorkerCrashed)
    assert.strictEqual(error.task, "sum")
    assert.strictEqual(error.worker, 3)
    assert.strictEqual(error.reason, "signal")
    assert.strictEqual(error.signal, "SIGKILL")
    assert.isUndefined(error.exitCode)
    assert.strictEqual(
      error.message,
      "task \"sum\" failed: its worker thread #3 (pid 1234) was killed by signal SIGKILL; the worker was replaced"
    )
  })

  it("leaves the pid out while it is not known, and names the process runtime", () => {
    const pool = new PoolState(config("process"))
    const error = crashedError(pool, handle(5, classify(death({ code: 2 }))), "work")
    assert.strictEqual(error.exitCode, 2)
    assert.strictEqual(error.reason, "exit")
    assert.strictEqual(
      error.message,
      "task \"work\" failed: its worker process #5 exited with code 2; the worker was replaced"
    )
  })

  it("a start-up death points to the tasks module and the initializer", () => {
    const pool = new PoolState(config("thread"))
    const crash = classify(death({ ready: false, startupError, code: 1 }))
    const error = crashedError(pool, handle(1, crash), "sum")
    assert.strictEqual(error.reason, "startup")
    assert.strictEqual(
      error.message,
      "task \"sum\" failed: its worker thread #1 failed to start: SyntaxError: Unexpected token; " +
        "check the tasks module and the initializer"
    )
  })
})

describe("startupFailureOf", () => {
  it("says no worker could start, naming the last one, its pid when known and the runtime", () => {
    const pool = new PoolState(config("process"))
    const crash = classify(death({ ready: false, code: null, signal: "SIGKILL" }))
    const error = startupFailureOf(pool, handle(7, crash, 99))
    assert.instanceOf(error, Errors.WorkerCrashed)
    assert.strictEqual(error.task, "")
    assert.strictEqual(error.worker, 7)
    assert.strictEqual(error.reason, "startup")
    assert.strictEqual(error.signal, "SIGKILL")
    assert.strictEqual(
      error.message,
      "no worker of the pool could start: its worker process #7 (pid 99) was killed by signal SIGKILL; " +
        "check the tasks module and the initializer"
    )
  })

  it("without a pid, on threads", () => {
    const pool = new PoolState(config("thread"))
    const crash = classify(death({ ready: false, startupError, code: 1 }))
    const error = startupFailureOf(pool, handle(2, crash))
    assert.strictEqual(error.exitCode, 1)
    assert.strictEqual(
      error.message,
      "no worker of the pool could start: its worker thread #2 failed to start: SyntaxError: Unexpected token; " +
        "check the tasks module and the initializer"
    )
  })
})
