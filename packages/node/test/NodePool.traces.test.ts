import { Errors, type Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

/** A tracer of the caller's that keeps every span it makes (Effect's native spans). */
const recordingTracer = () => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

const byName = (spans: ReadonlyArray<Tracer.NativeSpan>, name: string) => spans.filter((span) => span.name === name)

const one = (spans: ReadonlyArray<Tracer.NativeSpan>, name: string): Tracer.NativeSpan => {
  const found = byName(spans, name)
  assert.strictEqual(found.length, 1, `one span "${name}" (spans: ${spans.map((span) => span.name).join(", ")})`)
  return found[0]!
}

/** The spans' names, but the pool's own (`NodePool.make`, `NodePool.terminate`). */
const taskSide = (spans: ReadonlyArray<Tracer.NativeSpan>) =>
  spans.map((span) => span.name).filter((name) => !name.startsWith("NodePool."))

const parentOf = (span: Tracer.NativeSpan) => Option.getOrUndefined(span.parent)

const exitOf = (span: Tracer.NativeSpan): Exit.Exit<unknown, unknown> => {
  assert.strictEqual(span.status._tag, "Ended", `span "${span.name}" ended`)
  return (span.status as Extract<Tracer.SpanStatus, { _tag: "Ended" }>).exit
}

/** Runs `program` on a fresh pool, under the recording tracer. */
const withPool = <A, E>(
  options: Partial<NodePool.Options>,
  program: (pool: Pool.PoolService) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const { spans, tracer } = recordingTracer()
    const value = yield* Effect.scoped(Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 1, ...options })
      return yield* program(pool)
    })).pipe(Effect.withTracer(tracer))
    return { spans, value }
  })

describe("a task's spans join the caller's trace", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`the caller's span is the parent of the task's, the task's of its own (${runtime})`, () =>
      Effect.gen(function*() {
        const { spans, value } = yield* withPool(
          { runtime },
          (pool) => pool.apply(T.traced, 3).pipe(Effect.withSpan("request"))
        )
        assert.strictEqual(value, 6 + 8)
        const request = one(spans, "request")
        const task = one(spans, "traced")
        assert.strictEqual(parentOf(task), request)
        assert.strictEqual(task.traceId, request.traceId)
        assert.strictEqual(task.attributes.get("corun.task"), "traced")
        assert.strictEqual(typeof task.attributes.get("corun.worker"), "number")
        assert.isTrue(Exit.isSuccess(exitOf(task)))
        assert.deepStrictEqual(task.events.map(([name, , attributes]) => [name, attributes]), [["halfway", { n: 3 }]])
        // Times are the worker's: inside the caller's span.
        assert.isTrue(task.status.startTime >= request.status.startTime)
        assert.isTrue((task.status as any).endTime <= (request.status as any).endTime)

        const steps = byName(spans, "crunch-step")
        assert.deepStrictEqual(steps.map((span) => span.attributes.get("step")), [3, 4])
        for (const step of steps) {
          assert.strictEqual(parentOf(step), task)
          assert.strictEqual(step.traceId, request.traceId)
          assert.isTrue(Exit.isSuccess(exitOf(step)))
        }
        const doomed = one(spans, "doomed")
        assert.strictEqual(parentOf(doomed), task)
        const doomedExit = exitOf(doomed)
        assert.isTrue(Exit.isFailure(doomedExit))
        assert.include(String(Exit.isFailure(doomedExit) && doomedExit.cause), "recovered")
      }))
  }

  it.live("a failed task's span ends with its error", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool(
        {},
        (pool) => pool.apply(T.traced, -1).pipe(Effect.flip, Effect.withSpan("request"))
      )
      assert.instanceOf(value, T.Negative)
      const task = one(spans, "traced")
      const exit = exitOf(task)
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) && exit.cause), "negative")
    }))

  it.live("a span left open by a crashed worker ends with the job", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool(
        {},
        (pool) => pool.apply(T.crashTopLevel, 0).pipe(Effect.flip, Effect.withSpan("request"))
      )
      assert.instanceOf(value, Errors.WorkerCrashed)
      const task = one(spans, "crashTopLevel")
      assert.strictEqual(parentOf(task), one(spans, "request"))
      assert.isTrue(Exit.isFailure(exitOf(task)))
    }))

  it.live("map's chunks each get a span", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool(
        { size: 2 },
        (pool) => pool.map(T.noop, [1, 2, 3, 4], { chunksize: 2 }).pipe(Effect.withSpan("batch"))
      )
      assert.deepStrictEqual(value, [1, 2, 3, 4])
      const batch = one(spans, "batch")
      const chunks = byName(spans, "noop")
      assert.strictEqual(chunks.length, 2)
      for (const chunk of chunks) assert.strictEqual(parentOf(chunk), batch)
    }))

  it.live("the task runs in its span in the worker only when traced", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool({}, (pool) =>
        Effect.all([
          // Traced: the task's span is the worker's current span.
          pool.apply(T.spanHere, 0).pipe(Effect.withSpan("request")),
          // Outside any span; in an unsampled one: no span in the worker.
          pool.apply(T.spanHere, 0),
          pool.apply(T.spanHere, 0).pipe(Effect.withSpan("quiet", { sampled: false }))
        ]))
      assert.deepStrictEqual(value, ["spanHere", "", ""])
      assert.deepStrictEqual(taskSide(spans), ["request", "spanHere", "quiet"])
    }))

  it.live("a span that does not propagate is skipped for its nearest ancestor that does", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool({}, (pool) =>
        pool.apply(T.spanHere, 0).pipe(
          Effect.withSpan("hidden", { annotations: Context.make(Tracer.DisablePropagation, true) }),
          Effect.withSpan("request")
        ))
      assert.strictEqual(value, "spanHere")
      assert.strictEqual(parentOf(one(spans, "spanHere")), one(spans, "request"))
    }))

  it.live("traces: false sends none", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool(
        { traces: false },
        (pool) => Effect.all([pool.apply(T.traced, 3), pool.apply(T.spanHere, 0)]).pipe(Effect.withSpan("request"))
      )
      assert.deepStrictEqual(value, [14, ""])
      assert.deepStrictEqual(taskSide(spans), ["request"])
    }))

  it.live("under Effect's default tracer (none installed) nothing is traced: nobody would export it", () =>
    Effect.scoped(Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks, size: 1 })
      const name = yield* pool.apply(T.spanHere, 0).pipe(Effect.withSpan("request"))
      assert.strictEqual(name, "")
    })))

  it.live("a span that starts after its parent ended keeps its parent; an attribute that cannot cross becomes text", () =>
    Effect.gen(function*() {
      const { spans, value } = yield* withPool({}, (pool) => pool.apply(T.oddSpans, 5).pipe(Effect.withSpan("request")))
      assert.strictEqual(value, 5)
      const outer = one(spans, "outer")
      const late = one(spans, "late")
      assert.strictEqual(parentOf(late), outer)
      assert.isTrue(late.status.startTime >= (outer.status as any).endTime)
      const odd = one(spans, "odd")
      assert.isTrue(Exit.isSuccess(exitOf(odd)))
      assert.strictEqual(odd.attributes.get("ok"), 1)
      assert.strictEqual(odd.attributes.get("symbol"), "Symbol(x)")
    }))

  it.live("a tracer that throws costs the caller its spans, not its result", () =>
    Effect.scoped(Effect.gen(function*() {
      let thrown = 0
      class Brittle extends Tracer.NativeSpan {
        override attribute(): void {
          thrown++
          throw new Error("the tracer broke")
        }
      }
      const tracer = Tracer.make({ span: (options) => new Brittle(options) })
      const pool = yield* NodePool.make({ tasks, size: 1 })
      const values = yield* Effect.all([pool.apply(T.traced, 3), pool.apply(T.traced, 4)]).pipe(
        Effect.withSpan("request"),
        Effect.withTracer(tracer)
      )
      assert.deepStrictEqual(values, [14, 18])
      assert.isTrue(thrown > 0)
    })))

  it("traces must be a boolean", () => {
    const result = Effect.runSyncExit(Effect.scoped(NodePool.make({ tasks, traces: "yes" as any })))
    assert.isTrue(Exit.isFailure(result))
    assert.include(String(Exit.isFailure(result) && result.cause), "traces")
  })
})
