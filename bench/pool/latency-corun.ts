// corun-only sequential round trips, for profiling (bench helper):
//   node [--enable-source-maps] --cpu-prof --cpu-prof-dir=/tmp/prof bench/pool/latency-corun.ts
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { quantile } from "../lib/stats.ts"
import { noop } from "./tasks.ts"

const M = Number(process.env.M ?? 50_000)
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const pool = yield* NodePool.make({
    tasks: new URL("./tasks.ts", import.meta.url),
    size: Number(process.env.SIZE ?? 2)
  })
  yield* pool.awaitReady
  for (let i = 0; i < 1000; i++) yield* pool.apply(noop, i)
  const lat: Array<number> = []
  for (let i = 0; i < M; i++) {
    const s = performance.now()
    yield* pool.apply(noop, i)
    lat.push((performance.now() - s) * 1000)
  }
  console.log(`corun apply: p50 ${quantile(lat, 0.5).toFixed(1)} µs, p99 ${quantile(lat, 0.99).toFixed(1)} µs`)
})))
