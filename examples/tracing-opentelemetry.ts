/**
 * The "divide and conquer" sum of the Russian tutorial “Процессы и потоки”
 * (1..100,000,000 in 8 slices summed by 8 processes; ported as is in
 * `pool-sum-8-slices.ts`), traced with OpenTelemetry: the whole sum runs in
 * a span, each slice is a task on the pool, and inside its worker each task
 * sums its two halves in spans of their own (`Effect.fn("addUp")`).
 *
 * Exporting is one `Layer`, `NodeSdk.layer` of `@effect/opentelemetry`, here
 * with a span processor that appends each span to a file as a line of JSON
 * (a console exporter with `--console`). The pool needs nothing: a task
 * submitted inside a span runs in a child span in its worker, and the
 * spans the task opens there reach the caller's tracer, in the caller's
 * trace.
 *
 * Expected output (durations vary):
 *
 * ```
 * 5000000050000000
 * trace 5b8e…: 25 spans
 * sum-8-slices  92.1 ms
 *   sumSliceTraced  worker 0  22.4 ms
 *     addUp  from 1 to 6250001  11.1 ms
 *     addUp  from 6250001 to 12500001  11.2 ms
 *   ...
 * ```
 *
 * Checks: the total is n(n+1)/2; the sum's trace has one root, the sum's
 * span, the parent of 8 task spans (with their task and worker as
 * attributes), each the parent of two `addUp` spans whose bounds cover its
 * slice; no span ended in error.
 *
 * Run: `pnpm tsx examples/tracing-opentelemetry.ts [--out FILE] [--console]`
 */
import { NodePool } from "@corun/node"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { ConsoleSpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ExportedSpan, JsonLinesSpanExporter, readSpans } from "./support/json-lines-exporter.ts"
import { checkNow } from "./support/report.ts"
import { sumSliceTraced } from "./tasks/sum.ts"

const N = 100_000_000
const SLICES = 8
const EXPECTED = (N * (N + 1)) / 2

const slices = Array.from({ length: SLICES }, (_, k) => ({
  from: 1 + k * (N / SLICES),
  to: 1 + (k + 1) * (N / SLICES)
}))

const args = process.argv.slice(2)
const outAt = args.indexOf("--out")
const scratch = outAt < 0 ? mkdtempSync(join(tmpdir(), "corun-trace-")) : undefined
const file = outAt < 0 ? join(scratch!, "spans.jsonl") : args[outAt + 1]!

/** The exporting `Layer`: every span the program ends goes to `file` (and the console with `--console`). */
const TracingLive = NodeSdk.layer(() => ({
  resource: { serviceName: "corun-sum-8-slices" },
  spanProcessor: [
    new SimpleSpanProcessor(new JsonLinesSpanExporter(file)),
    ...(args.includes("--console") ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [])
  ]
}))

/** The sum: each slice a task on the pool, all of it in the span `sum-8-slices`. */
const sum = Effect.scoped(Effect.gen(function*() {
  const pool = yield* NodePool.make({ tasks: new URL("./tasks/sum.ts", import.meta.url) })
  yield* pool.awaitReady
  const totals = yield* Effect.forEach(slices, (slice) => pool.apply(sumSliceTraced, slice), {
    concurrency: "unbounded"
  }).pipe(Effect.withSpan("sum-8-slices"))
  return totals.reduce((a, b) => a + b, 0)
}))

const printTree = (spans: ReadonlyArray<ExportedSpan>, parent: string | undefined, depth: number) => {
  const children = spans.filter((span) => span.parentSpanId === parent).sort((a, b) => a.start - b.start)
  for (const span of children) {
    const details = [
      span.attributes["corun.worker"] !== undefined ? `worker ${span.attributes["corun.worker"]}` : "",
      span.attributes.from !== undefined ? `from ${span.attributes.from} to ${span.attributes.to}` : ""
    ].filter((detail) => detail !== "")
    console.log(
      `${"  ".repeat(depth)}${[span.name, ...details, `${(span.end - span.start).toFixed(1)} ms`].join("  ")}`
    )
    printTree(spans, span.spanId, depth + 1)
  }
}

/** Checks the sum's trace (`spans`: every span of it, and of nothing else). */
const check = (total: number, spans: ReadonlyArray<ExportedSpan>) => {
  checkNow(total === EXPECTED, `the total is ${EXPECTED} (got ${total})`)
  checkNow(spans.every((span) => span.status !== 2), "no span ended in error")
  const roots = spans.filter((span) => span.parentSpanId === undefined)
  checkNow(roots.length === 1 && roots[0]!.name === "sum-8-slices", "one root span, sum-8-slices")
  const tasks = spans.filter((span) => span.parentSpanId === roots[0]?.spanId)
  checkNow(
    tasks.length === SLICES &&
      tasks.every((span) =>
        span.name === "sumSliceTraced" && span.attributes["corun.task"] === "sumSliceTraced" &&
        typeof span.attributes["corun.worker"] === "number"
      ),
    `the sum's span is the parent of ${SLICES} task spans, with their task and worker`
  )
  const covered = tasks.flatMap((task) => {
    const halves = spans.filter((span) => span.parentSpanId === task.spanId && span.name === "addUp")
    return halves.length === 2
      ? halves.map((half) => [half.attributes.from, half.attributes.to] as [number, number])
      : []
  }).sort((a, b) => a[0] - b[0])
  checkNow(
    covered.length === 2 * SLICES && covered[0]![0] === 1 && covered.at(-1)![1] === N + 1 &&
      covered.every(([, to], i) => i === covered.length - 1 || covered[i + 1]![0] === to),
    "each task span is the parent of two addUp spans, covering the slices"
  )
}

const main = Effect.gen(function*() {
  // Provided here, the layer closes (and flushes every span) when `sum` ends.
  const total = yield* sum.pipe(Effect.provide(TracingLive))
  console.log(total)
  const exported = readSpans(file)
  // The sum's trace; the pool's own spans (`NodePool.make`…) are in another.
  const root = exported.find((span) => span.name === "sum-8-slices")
  const spans = exported.filter((span) => span.traceId === root?.traceId)
  console.log(
    `trace ${root?.traceId.slice(0, 4)}…: ${spans.length} spans${
      scratch === undefined ? ` (all spans in ${file})` : ""
    }`
  )
  printTree(spans, undefined, 0)
  check(total, spans)
}).pipe(Effect.ensuring(Effect.sync(() => scratch !== undefined && rmSync(scratch, { recursive: true, force: true }))))

NodeRuntime.runMain(main)
