/**
 * What tracing costs the pool (a probe, not a bench of record): 20,000
 * no-op tasks (`Effect.forEach` of `pool.apply`, unbounded) on 2 worker
 * threads, submitted outside any span; inside a span with no tracer
 * installed (Effect's default: not traced); inside a span under an
 * installed tracer (Effect's native one, given explicitly: each task's span
 * is recorded in its worker and re-created in that tracer); and the same
 * with `traces: false`. Rounds interleaved; medians.
 *
 *   node bench/probes/trace-cost.ts        (Node ≥ 22.18: type stripping)
 */
import { NodePool } from "@corun/node"
import { Effect, Tracer } from "effect"
import * as T from "../pool/tasks.ts"

const N = 20_000
const ROUNDS = Number(process.env.ROUNDS ?? 7)
const inputs = Array.from({ length: N }, (_, i) => i)

const rate = (traces: boolean, inSpan: boolean, tracer?: Tracer.Tracer) =>
  Effect.scoped(Effect.gen(function*() {
    const pool = yield* NodePool.make({ tasks: new URL("../pool/tasks.ts", import.meta.url), size: 2, traces })
    yield* Effect.forEach(inputs.slice(0, 500), (i) => pool.apply(T.noop, i), { concurrency: "unbounded" })
    const run = Effect.forEach(inputs, (i) => pool.apply(T.noop, i), { concurrency: "unbounded" })
    const start = performance.now()
    yield* inSpan ? Effect.withSpan(run, "request") : run
    return N / (performance.now() - start) * 1000
  })).pipe((effect) => tracer === undefined ? effect : Effect.withTracer(effect, tracer))

const contenders = {
  "no span": rate(true, false),
  "in a span, no tracer": rate(true, true),
  "in a span, tracer (traced)": rate(true, true, Tracer.nativeTracer),
  "the same, traces: false": rate(false, true, Tracer.nativeTracer)
}
const results: Record<string, Array<number>> = {}
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, effect] of Object.entries(contenders)) {
    ;(results[name] ??= []).push(await Effect.runPromise(effect))
  }
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const base = median(results["no span"]!)
for (const [name, xs] of Object.entries(results)) {
  console.log(`${name.padEnd(26)} ${median(xs).toFixed(0).padStart(7)} tasks/s  (${(median(xs) / base).toFixed(2)}×)`)
}
