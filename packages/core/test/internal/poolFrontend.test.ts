/**
 * The pool front end (`Backend.PoolBackend.makePool`): the whole
 * `Pool.PoolService` derived from a backend, tested through a fake backend
 * that runs jobs in-process — a FIFO queue served by `size` simulated
 * workers, each task a synchronous function of the encoded input. Tasks can
 * report progress, fail with an encoded error, die, hold (stay running until
 * the test ends them or they are cancelled) and time out. No workers, and no
 * assertion depends on timing: the test waits for states, not for delays.
 */
import { Errors, Future, Pool, Task } from "@corun/core"
import { PoolBackend } from "@corun/core/Backend"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { errorOf, isInterruptedOnly } from "../helpers.ts"

// -----------------------------------------------------------------------------
// Tasks (their `run` is never called: the fake backend runs `impls` instead)
// -----------------------------------------------------------------------------

class Negative extends Schema.TaggedError<Negative>()("Negative", {
  value: Schema.Number,
  message: Schema.String
}) {}

const notRun = () => Effect.die("run by the fake backend")

/** Input a number; output encoded as a string (decoded back to a number). */
const double = Task.make("double", { input: Schema.Number, output: Schema.NumberFromString, run: notRun })
/** Fails with `Negative` for a negative input. */
const checked = Task.make("checked", {
  input: Schema.Number,
  output: Schema.Number,
  error: Negative,
  run: notRun
})
/** Holds until the test ends it (or it is cancelled / times out). */
const hold = Task.make("hold", { input: Schema.Number, output: Schema.Number, run: notRun })
/** Reports its progress values (encoded as strings). */
const report = Task.make("report", {
  input: Schema.Number,
  output: Schema.Number,
  progress: Schema.NumberFromString,
  run: notRun
})
/** Returns what does not match its output schema. */
const badOutput = Task.make("badOutput", { input: Schema.Number, output: Schema.String, run: notRun })
/** Fails with what does not match its error schema. */
const badError = Task.make("badError", { input: Schema.Number, output: Schema.Number, error: Negative, run: notRun })
/** Throws a defect. */
const dies = Task.make("dies", { input: Schema.Number, output: Schema.Number, run: notRun })
/** Tuple input, for `starmap`. */
const add = Task.make("add", {
  input: Schema.Tuple([Schema.Number, Schema.Number]),
  output: Schema.Number,
  run: notRun
})

// -----------------------------------------------------------------------------
// The fake backend
// -----------------------------------------------------------------------------

const HOLD: unique symbol = Symbol("hold")

class Fail {
  readonly encoded: unknown
  constructor(encoded: unknown) {
    this.encoded = encoded
  }
}

type Impl = (input: any, report: (encoded: unknown) => void) => unknown

const impls: Record<string, Impl> = {
  double: (n: number) => String(n * 2),
  checked: (n: number) => {
    if (n < 0) throw new Fail({ _tag: "Negative", value: n, message: `${n} is negative` })
    return n * 2
  },
  hold: () => HOLD,
  report: (n: number, report) => {
    for (let i = 1; i <= n; i++) report(String(i))
    return n
  },
  badOutput: (n: number) => n,
  badError: () => {
    throw new Fail({ _tag: "Unexpected" })
  },
  dies: () => {
    throw new Error("boom")
  },
  add: ([a, b]: [number, number]) => a + b
}

interface Handle {
  readonly id: number
  readonly job: PoolBackend.Job
  /** The payload as the backend received it. */
  readonly payload: unknown
  state: "queued" | "running" | "held" | "ended"
  cancelled: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

interface FakeOptions {
  readonly size?: number
  readonly window?: number
  readonly taskTimeoutMs?: number
  readonly progressBufferSize?: number
  /** How a running job that core cancelled ends. */
  readonly cancelEnd?: { readonly kind: PoolBackend.EndKind; readonly value: unknown }
}

const makeFake = (options: FakeOptions = {}) => {
  const size = options.size ?? 2
  const handles: Array<Handle> = []
  const queue: Array<Handle> = []
  let running = 0
  let closed = false
  let completed = 0

  const end = (h: Handle, kind: PoolBackend.EndKind, value: unknown, partial?: ReadonlyArray<unknown>) => {
    if (h.state === "ended") return
    if (h.state !== "queued") running--
    h.state = "ended"
    completed++
    if (h.timer !== undefined) clearTimeout(h.timer)
    h.job.end(kind, value, partial)
    pump()
  }

  let pumping = false
  const pump = () => {
    if (pumping) return
    pumping = true
    queueMicrotask(() => {
      pumping = false
      while (running < size && queue.length > 0) {
        const h = queue.shift()!
        if (h.state !== "queued") continue
        h.state = "running"
        running++
        h.job.running()
        setTimeout(() => execute(h), 0)
      }
    })
  }

  const execute = (h: Handle) => {
    if (h.state !== "running") return
    const job = h.job
    const impl = impls[job.task]
    if (impl === undefined) {
      return end(h, PoolBackend.Error, new Errors.UnknownTask({ task: job.task, message: "unknown" }))
    }
    const inputs = job.chunk ? job.payload as Array<unknown> : [job.payload]
    const outputs: Array<unknown> = []
    for (const input of inputs) {
      let output: unknown
      try {
        output = impl(input, (encoded) => job.progress(encoded))
      } catch (error) {
        const partial = job.chunk ? outputs : undefined
        if (error instanceof Fail) return end(h, PoolBackend.Failure, error.encoded, partial)
        return end(h, PoolBackend.Die, error, partial)
      }
      if (output === HOLD) {
        h.state = "held"
        const ms = job.timeoutMs
        if (ms !== undefined) {
          h.timer = setTimeout(() =>
            end(
              h,
              PoolBackend.Error,
              new Errors.TaskTimeout({ task: job.task, timeoutMillis: ms, message: `timed out after ${ms} ms` }),
              job.chunk ? outputs : undefined
            ), ms)
        }
        return
      }
      outputs.push(output)
    }
    end(h, PoolBackend.Success, job.chunk ? outputs : outputs[0])
  }

  const cancels: Array<number> = []
  const backend: PoolBackend.PoolBackend<Handle> = {
    size,
    window: options.window ?? 16,
    taskTimeoutMs: options.taskTimeoutMs,
    progressBufferSize: options.progressBufferSize ?? 1000,
    isClosed: () => closed,
    start: (job) => {
      const h: Handle = {
        id: handles.length,
        job,
        payload: job.payload,
        state: "queued",
        cancelled: false,
        timer: undefined
      }
      handles.push(h)
      queue.push(h)
      pump()
      return h
    },
    cancel: (h) => {
      if (h.state === "ended") return
      h.cancelled = true
      cancels.push(h.id)
      if (h.state === "queued") return end(h, PoolBackend.Interrupted, undefined)
      // A running job is interrupted in its worker: it ends later.
      const { kind, value } = options.cancelEnd ?? { kind: PoolBackend.Interrupted, value: undefined }
      setTimeout(() => end(h, kind, value), 0)
    },
    close: Effect.sync(() => {
      closed = true
    }),
    terminate: Effect.sync(() => {
      closed = true
      for (const h of handles) if (h.state !== "ended") end(h, PoolBackend.Interrupted, undefined)
    }),
    join: Effect.suspend(() =>
      closed ? Effect.void : Effect.fail(new Errors.PoolStillRunning({ message: "close first" }))
    ),
    awaitReady: Effect.void,
    stats: Effect.sync(() => ({
      size,
      workers: size,
      queued: queue.filter((h) => h.state === "queued").length,
      running,
      completed,
      spawned: size
    }))
  }
  const pool = PoolBackend.makePool(backend)
  return {
    pool,
    backend,
    handles,
    cancels,
    /** Ends a job as its worker would. */
    finish: (h: Handle, kind: PoolBackend.EndKind, value: unknown, partial?: ReadonlyArray<unknown>) =>
      Effect.sync(() => end(h, kind, value, partial)),
    held: () => handles.filter((h) => h.state === "held")
  }
}

/** Waits (polling the event loop, not a clock) until `predicate` holds. */
const waitFor = (predicate: () => boolean) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      const check = () => (predicate() ? resolve() : setTimeout(check, 1))
      check()
    })
  )

/** Lets every other ready fiber run (no clock involved). */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

/** An iterable that counts how many inputs were read from it. */
const counting = <A>(values: ReadonlyArray<A>) => {
  const counter = {
    reads: 0,
    iterable: {
      [Symbol.iterator]: function*() {
        for (const value of values) {
          counter.reads++
          yield value
        }
      }
    } as Iterable<A>
  }
  return counter
}

/** Runs a stream, returning the elements it gave and its exit. */
const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.gen(function*() {
    const seen: Array<A> = []
    const exit = yield* Effect.exit(Stream.runForEach(stream, (a) => Effect.sync(() => seen.push(a))))
    return { seen, exit }
  })

const defectMessage = (exit: Exit.Exit<unknown, unknown>): string => {
  assert.isTrue(Exit.isFailure(exit))
  const defect = Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)
  assert.instanceOf(defect, Error)
  return (defect as Error).message
}

// -----------------------------------------------------------------------------

describe("PoolBackend.makePool", () => {
  describe("apply", () => {
    it.effect("encodes the input, decodes the output; size and backendOf come from the backend", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 3 })
        assert.strictEqual(yield* fake.pool.apply(double, 21), 42)
        // The backend saw the encoded input and reported the encoded output ("42").
        assert.strictEqual(fake.handles[0].payload, 21)
        assert.isFalse(fake.handles[0].job.chunk)
        assert.strictEqual(fake.pool.size, 3)
        assert.strictEqual(PoolBackend.backendOf(fake.pool), fake.backend)
        assert.isUndefined(PoolBackend.backendOf({ ...fake.pool }))
      }))

    it.effect("a bad input fails with InputEncodingError and nothing is sent", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const exit = yield* Effect.exit(fake.pool.apply(double, "x" as any))
        const error = errorOf(exit)
        assert.instanceOf(error, Errors.InputEncodingError)
        assert.isTrue(
          (error as Errors.InputEncodingError).message.startsWith(
            `invalid input for task "double" (nothing was sent): `
          )
        )
        assert.strictEqual(fake.handles.length, 0)
      }))

    it.effect("decodes the typed error; output / error mismatches and deaths are defects naming the task", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const failed = errorOf(yield* Effect.exit(fake.pool.apply(checked, -3)))
        assert.instanceOf(failed, Negative)
        assert.strictEqual((failed as Negative).value, -3)
        assert.strictEqual(
          defectMessage(yield* Effect.exit(fake.pool.apply(badOutput, 1))).split(": ")[0],
          `the result of task "badOutput" does not match its output schema`
        )
        assert.strictEqual(
          defectMessage(yield* Effect.exit(fake.pool.apply(badError, 1))).split(": ")[0],
          `the error of task "badError" does not match its error schema`
        )
        assert.strictEqual(defectMessage(yield* Effect.exit(fake.pool.apply(dies, 1))), "boom")
      }))

    it.effect("timeouts: the call's, else the backend's; a backend Error (TaskTimeout) fails the call", () =>
      Effect.gen(function*() {
        const fake = makeFake({ taskTimeoutMs: 7 })
        yield* fake.pool.apply(double, 1)
        yield* fake.pool.apply(double, 1, { timeout: "3 seconds" })
        yield* fake.pool.apply(double, 1, { timeout: Infinity })
        assert.deepStrictEqual(fake.handles.map((h) => h.job.timeoutMs), [7, 3000, undefined])
        const error = errorOf(yield* Effect.exit(fake.pool.apply(hold, 1, { timeout: 5 })))
        assert.instanceOf(error, Errors.TaskTimeout)
        assert.strictEqual((error as Errors.TaskTimeout).timeoutMillis, 5)
      }))

    it.effect("an invalid timeout fails with InvalidArgumentError before anything is sent", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const error = errorOf(yield* Effect.exit(fake.pool.apply(double, 1, { timeout: -1 })))
        assert.instanceOf(error, Errors.InvalidArgumentError)
        assert.strictEqual((error as Errors.InvalidArgumentError).argument, "timeout")
        assert.strictEqual(fake.handles.length, 0)
      }))

    it.effect("interrupting apply cancels the job and waits until it has ended", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const fiber = yield* Effect.forkChild(fake.pool.apply(hold, 1))
        yield* waitFor(() => fake.held().length === 1)
        yield* Fiber.interrupt(fiber)
        // The fake ends a cancelled running job later: apply waited for it.
        assert.strictEqual(fake.handles[0].state, "ended")
        assert.deepStrictEqual(fake.cancels, [0])
      }))

    it.effect("onProgress gets the decoded values; wantsProgress says whether anyone can read them", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const seen: Array<number> = []
        assert.strictEqual(yield* fake.pool.apply(report, 3, { onProgress: (n) => seen.push(n) }), 3)
        assert.deepStrictEqual(seen, [1, 2, 3])
        yield* fake.pool.apply(report, 1)
        yield* fake.pool.apply(double, 1, { onProgress: () => {} })
        assert.deepStrictEqual(fake.handles.map((h) => h.job.wantsProgress), [true, false, false])
      }))
  })

  describe("applyAsync", () => {
    it.effect("returns a future: pending while queued, running once a worker took it, then its result", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 1 })
        const first = yield* fake.pool.applyAsync(hold, 1)
        const second = yield* fake.pool.applyAsync(double, 5)
        yield* waitFor(() => fake.held().length === 1)
        assert.strictEqual(Future.stateUnsafe(first), "running")
        assert.strictEqual(Future.stateUnsafe(second), "pending")
        yield* fake.finish(fake.handles[0], PoolBackend.Success, 11)
        assert.strictEqual(yield* Future.result(first), 11)
        assert.strictEqual(yield* Future.result(second), 10)
      }))

    it.effect("Future.cancel stops the job; an Error end after core's cancel is still a cancellation", () =>
      Effect.gen(function*() {
        const crashed = new Errors.WorkerCrashed({ task: "hold", worker: 1, reason: "signal", message: "killed" })
        const fake = makeFake({ cancelEnd: { kind: PoolBackend.Error, value: crashed } })
        const cancelled = yield* fake.pool.applyAsync(hold, 1)
        const crashing = yield* fake.pool.applyAsync(hold, 2)
        yield* waitFor(() => fake.held().length === 2)
        assert.isTrue(yield* Future.cancel(cancelled))
        yield* waitFor(() => Future.isDoneUnsafe(cancelled))
        assert.isTrue(isInterruptedOnly(Future.pollUnsafe(cancelled)))
        assert.deepStrictEqual(fake.cancels, [0])
        // Not cancelled by core: the backend's error is the task's.
        yield* fake.finish(fake.handles[1], PoolBackend.Error, crashed)
        assert.strictEqual(errorOf(Future.pollUnsafe(crashing)!), crashed)
      }))

    it.effect("callbacks run with the result / cause; one that throws is logged and the others still run", () =>
      Effect.gen(function*() {
        const values: Array<number> = []
        const causes: Array<Cause.Cause<unknown>> = []
        const logs: Array<string> = []
        const logger = Logger.make((options) => {
          logs.push(String(Array.isArray(options.message) ? options.message[0] : options.message))
        })
        yield* Effect.gen(function*() {
          const fake = makeFake()
          const throwing = yield* fake.pool.applyAsync(double, 1, {
            callback: () => {
              throw new Error("callback bug")
            }
          })
          const ok = yield* fake.pool.applyAsync(double, 2, {
            callback: (n) => Effect.sync(() => values.push(n))
          })
          const ko = yield* fake.pool.applyAsync(checked, -1, {
            errorCallback: (cause) => Effect.sync(() => causes.push(cause))
          })
          assert.strictEqual(yield* Future.result(throwing), 2)
          assert.strictEqual(yield* Future.result(ok), 4)
          assert.isTrue(Exit.isFailure(yield* Effect.exit(Future.result(ko))))
          yield* waitFor(() => values.length === 1 && causes.length === 1 && logs.length === 1)
          assert.deepStrictEqual(values, [4])
          assert.instanceOf(errorOf(Exit.failCause(causes[0])), Negative)
          assert.match(logs[0], /^exception calling callback for Future\(double/)
        }).pipe(Effect.provide(Logger.layer([logger])))
      }))

    it.effect("a closed pool refuses with PoolClosed", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        yield* fake.pool.close
        const error = errorOf(yield* Effect.exit(fake.pool.applyAsync(double, 1)))
        assert.instanceOf(error, Errors.PoolClosed)
        assert.include((error as Errors.PoolClosed).message, `cannot run task "double": the pool is closed`)
        assert.instanceOf(errorOf(yield* Effect.exit(fake.pool.apply(double, 1))), Errors.PoolClosed)
        assert.instanceOf(errorOf(yield* Effect.exit(fake.pool.map(double, [1]))), Errors.PoolClosed)
        const inputs = counting([1, 2])
        const { exit } = yield* collect(fake.pool.imap(double, inputs.iterable))
        assert.instanceOf(errorOf(exit), Errors.PoolClosed)
        assert.strictEqual(inputs.reads, 0)
        assert.strictEqual(fake.handles.length, 0)
        // The lifecycle is the backend's.
        yield* fake.pool.join
      }))
  })

  describe("progress", () => {
    it.effect("values reported before anyone listens are kept up to the bound (the latest), then replayed", () =>
      Effect.gen(function*() {
        const fake = makeFake({ progressBufferSize: 3 })
        const future = yield* fake.pool.applyAsync(report, 10)
        assert.strictEqual(yield* Future.result(future), 10)
        assert.isTrue(fake.handles[0].job.wantsProgress)
        const { seen, exit } = yield* collect(fake.pool.progress(future))
        assert.deepStrictEqual(seen, [8, 9, 10])
        assert.deepStrictEqual(exit, Exit.void)
      }))

    it.effect("a task without a progress schema, or a future of another pool, has an empty progress stream", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const other = makeFake()
        const future = yield* fake.pool.applyAsync(hold, 1)
        const reporting = yield* other.pool.applyAsync(report, 2)
        yield* waitFor(() => fake.held().length === 1)
        assert.isFalse(fake.handles[0].job.wantsProgress)
        fake.handles[0].job.progress(1) // dropped: nobody can read it
        const finished = yield* Effect.forkChild(collect(fake.pool.progress(future)))
        yield* fake.finish(fake.handles[0], PoolBackend.Success, 1)
        assert.deepStrictEqual((yield* Fiber.join(finished)).seen, [])
        yield* Future.result(reporting)
        assert.deepStrictEqual((yield* collect(fake.pool.progress(reporting))).seen, [])
        assert.deepStrictEqual((yield* collect(other.pool.progress(reporting))).seen, [1, 2])
      }))

    it.effect("live: values reported while a subscriber listens reach it; a bad value is dropped", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const holdReport = Task.make("hold", {
          input: Schema.Number,
          output: Schema.Number,
          progress: Schema.NumberFromString,
          run: notRun
        })
        const future = yield* fake.pool.applyAsync(holdReport, 1)
        yield* waitFor(() => fake.held().length === 1)
        const job = fake.handles[0].job
        job.progress("1")
        const fiber = yield* Effect.forkChild(collect(fake.pool.progress(future)))
        yield* settle
        job.progress("2")
        job.progress(3) // not a string: does not match the progress schema
        job.progress("4")
        yield* fake.finish(fake.handles[0], PoolBackend.Success, 1)
        job.progress("5") // after the end: ignored
        const { seen, exit } = yield* Fiber.join(fiber)
        assert.deepStrictEqual(seen, [1, 2, 4])
        assert.deepStrictEqual(exit, Exit.void)
        assert.strictEqual(yield* Future.result(future), 1)
      }))
  })

  describe("map", () => {
    it.effect("results in input order; chunks of Python's default size ceil(n / (4 × size))", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 2 })
        const inputs = Array.from({ length: 20 }, (_, i) => i)
        assert.deepStrictEqual(yield* fake.pool.map(double, inputs), inputs.map((i) => i * 2))
        assert.deepStrictEqual(
          fake.handles.map((h) => (h.payload as Array<number>).length),
          [3, 3, 3, 3, 3, 3, 2]
        )
        assert.isTrue(fake.handles.every((h) => h.job.chunk && !h.job.wantsProgress))
      }))

    it.effect("an explicit chunksize; chunksize 1 sends single inputs; an empty input is []", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        assert.deepStrictEqual(yield* fake.pool.map(checked, [1, 2, 3, 4, 5], { chunksize: 2 }), [2, 4, 6, 8, 10])
        assert.deepStrictEqual(fake.handles.map((h) => h.payload), [[1, 2], [3, 4], [5]])
        assert.deepStrictEqual(yield* fake.pool.map(checked, [1, 2], { chunksize: 1 }), [2, 4])
        assert.deepStrictEqual(fake.handles.slice(3).map((h) => [h.job.chunk, h.payload]), [[false, 1], [false, 2]])
        assert.deepStrictEqual(yield* fake.pool.map(checked, []), [])
        assert.strictEqual(fake.handles.length, 5)
      }))

    it.effect("starmap takes tuple inputs; mapAsync / starmapAsync return a future of the results", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        assert.deepStrictEqual(yield* fake.pool.starmap(add, [[1, 2], [3, 4]]), [3, 7])
        const future = yield* fake.pool.mapAsync(double, [1, 2, 3])
        assert.strictEqual(Future.stateUnsafe(future), "running")
        assert.deepStrictEqual(yield* Future.result(future), [2, 4, 6])
        assert.deepStrictEqual(yield* Future.result(yield* fake.pool.starmapAsync(add, [[5, 5]])), [10])
      }))

    it.effect("options are checked before any input is read; a bad input refuses the whole map", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const inputs = counting([1, 2, 3])
        const chunk = errorOf(yield* Effect.exit(fake.pool.map(double, inputs.iterable, { chunksize: 0 })))
        assert.instanceOf(chunk, Errors.InvalidArgumentError)
        assert.strictEqual((chunk as Errors.InvalidArgumentError).argument, "chunksize")
        const timeout = errorOf(yield* Effect.exit(fake.pool.mapAsync(double, inputs.iterable, { timeout: -5 })))
        assert.instanceOf(timeout, Errors.InvalidArgumentError)
        assert.strictEqual(inputs.reads, 0)
        const bad = errorOf(yield* Effect.exit(fake.pool.map(double, [1, 2, "x" as any, 4])))
        assert.instanceOf(bad, Errors.InputEncodingError)
        assert.isTrue(
          (bad as Errors.InputEncodingError).message.startsWith(
            `invalid input #2 for task "double" (nothing was sent): `
          )
        )
        assert.strictEqual(fake.handles.length, 0)
      }))

    it.effect("an iterator that throws is a defect", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const throwing: Iterable<number> = {
          [Symbol.iterator]: () => ({
            next: () => {
              throw new Error("broken iterator")
            }
          })
        }
        assert.strictEqual(defectMessage(yield* Effect.exit(fake.pool.map(double, throwing))), "broken iterator")
        assert.strictEqual(fake.handles.length, 0)
      }))

    it.effect("the first failure fails the map, after the other jobs were stopped", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 2 })
        const mixed = Task.make("mixed", { input: Schema.Number, output: Schema.Number, error: Negative, run: notRun })
        impls.mixed = (n: number) => {
          if (n < 0) throw new Fail({ _tag: "Negative", value: n, message: "negative" })
          return HOLD
        }
        // Two run (one holds, one fails), two are still queued when the failure comes.
        const exit = yield* Effect.exit(fake.pool.map(mixed, [1, -1, 2, 3], { chunksize: 1 }))
        assert.instanceOf(errorOf(exit), Negative)
        assert.isTrue(fake.handles.every((h) => h.state === "ended"))
        assert.deepStrictEqual(fake.cancels.slice().sort(), [0, 2, 3])
      }))

    it.effect("a chunk that fails part-way fails the map with its error", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const exit = yield* Effect.exit(fake.pool.map(checked, [1, 2, -3, 4], { chunksize: 4 }))
        assert.instanceOf(errorOf(exit), Negative)
        assert.strictEqual(
          defectMessage(yield* Effect.exit(fake.pool.map(badOutput, [1, 2], { chunksize: 2 }))).split(": ")[0],
          `a result of task "badOutput" does not match its output schema`
        )
      }))

    it.effect("interrupting map cancels every job and waits until they have all ended", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 2 })
        const fiber = yield* Effect.forkChild(fake.pool.map(hold, [1, 2, 3, 4], { chunksize: 1 }))
        yield* waitFor(() => fake.held().length === 2)
        yield* Fiber.interrupt(fiber)
        assert.strictEqual(fake.handles.length, 4)
        assert.isTrue(fake.handles.every((h) => h.state === "ended" && h.cancelled))
      }))

    it.effect("Future.cancel of a mapAsync future stops its jobs; the future ends cancelled", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 2 })
        const future = yield* fake.pool.mapAsync(hold, [1, 2, 3], { chunksize: 1 })
        yield* waitFor(() => fake.held().length === 2)
        yield* Future.cancel(future)
        yield* waitFor(() => Future.isDoneUnsafe(future))
        assert.isTrue(isInterruptedOnly(Future.pollUnsafe(future)))
        assert.isTrue(fake.handles.every((h) => h.state === "ended" && h.cancelled))
      }))
  })

  describe("imap / imapUnordered", () => {
    it.effect("imap delivers in input order, imapUnordered in completion order", () =>
      Effect.gen(function*() {
        for (const ordered of [true, false]) {
          const fake = makeFake({ size: 3 })
          const stream = ordered ? fake.pool.imap(hold, [1, 2, 3]) : fake.pool.imapUnordered(hold, [1, 2, 3])
          const fiber = yield* Effect.forkChild(collect(stream))
          yield* waitFor(() => fake.held().length === 3)
          yield* fake.finish(fake.handles[2], PoolBackend.Success, 30)
          yield* fake.finish(fake.handles[0], PoolBackend.Success, 10)
          yield* fake.finish(fake.handles[1], PoolBackend.Success, 20)
          const { seen, exit } = yield* Fiber.join(fiber)
          assert.deepStrictEqual(seen, ordered ? [10, 20, 30] : [30, 10, 20])
          assert.deepStrictEqual(exit, Exit.void)
        }
      }))

    it.effect("decodes outputs, flattens chunks, defaults to chunksize 1", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const { seen } = yield* collect(fake.pool.imap(double, [1, 2, 3, 4, 5], { chunksize: 2 }))
        assert.deepStrictEqual(seen, [2, 4, 6, 8, 10])
        assert.deepStrictEqual(fake.handles.map((h) => h.payload), [[1, 2], [3, 4], [5]])
        yield* collect(fake.pool.imapUnordered(double, [1, 2]))
        assert.deepStrictEqual(fake.handles.slice(3).map((h) => [h.job.chunk, h.payload]), [[false, 1], [false, 2]])
      }))

    it.effect("a bad input at position k fails the stream there, after the k results before it", () =>
      Effect.gen(function*() {
        for (const chunksize of [1, 2]) {
          const fake = makeFake()
          const inputs = counting([1, 2, 3, "x" as any, 5])
          const { seen, exit } = yield* collect(fake.pool.imap(double, inputs.iterable, { chunksize }))
          assert.deepStrictEqual(seen, [2, 4, 6])
          const error = errorOf(exit)
          assert.instanceOf(error, Errors.InputEncodingError)
          assert.isTrue(
            (error as Errors.InputEncodingError).message.startsWith(`invalid input #3 for task "double": `)
          )
          // Nothing after the bad input was read.
          assert.strictEqual(inputs.reads, 4)
        }
      }))

    it.effect("options are checked before any input is read", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const inputs = counting([1, 2, 3])
        const chunk = errorOf((yield* collect(fake.pool.imap(double, inputs.iterable, { chunksize: 1.5 }))).exit)
        assert.instanceOf(chunk, Errors.InvalidArgumentError)
        const timeout = errorOf(
          (yield* collect(fake.pool.imapUnordered(double, inputs.iterable, { timeout: "soon" as any }))).exit
        )
        assert.instanceOf(timeout, Errors.InvalidArgumentError)
        assert.strictEqual((timeout as Errors.InvalidArgumentError).argument, "timeout")
        assert.strictEqual(inputs.reads, 0)
        assert.strictEqual(fake.handles.length, 0)
      }))

    it.effect("in input order, a chunk that failed part-way delivers its values before the failure", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const { seen, exit } = yield* collect(fake.pool.imap(checked, [1, 2, -3, 4], { chunksize: 3 }))
        assert.deepStrictEqual(seen, [2, 4])
        assert.instanceOf(errorOf(exit), Negative)
      }))

    it.effect("ending the stream early cancels the jobs in flight and waits until they have ended", () =>
      Effect.gen(function*() {
        const fake = makeFake({ size: 4 })
        const firstFast = Task.make("firstFast", { input: Schema.Number, output: Schema.Number, run: notRun })
        impls.firstFast = (n: number) => (n === 1 ? 1 : HOLD)
        const { seen } = yield* collect(Stream.take(fake.pool.imap(firstFast, [1, 2, 3, 4, 5, 6]), 1))
        assert.deepStrictEqual(seen, [1])
        assert.isTrue(fake.handles.length > 1)
        assert.isTrue(fake.handles.every((h) => h.state === "ended"))
        assert.isTrue(fake.handles.slice(1).every((h) => h.cancelled))
      }))
  })

  describe("makeExecutor", () => {
    it.effect("Pool.makeExecutor works on a derived pool: submit and map", () =>
      Effect.gen(function*() {
        const fake = makeFake()
        const result = yield* Effect.scoped(
          Effect.gen(function*() {
            const executor = yield* Pool.makeExecutor
            assert.strictEqual(executor.pool, fake.pool)
            const future = yield* executor.submit(double, 4)
            const mapped = yield* collect(executor.map(double, [1, 2, 3]))
            return { value: yield* Future.result(future), mapped: mapped.seen }
          })
        ).pipe(Effect.provideService(Pool.Pool, fake.pool))
        assert.deepStrictEqual(result, { value: 8, mapped: [2, 4, 6] })
        const stats = yield* fake.pool.stats
        assert.strictEqual(stats.completed, 4)
      }))
  })
})
