/**
 * Where corun's round-trip latency goes (bench helper, not a bench):
 *   node bench/pool/latency-probe.ts
 * Compares, on 2 worker threads, sequential round trips of: Piscina;
 * corun `pool.apply` in an Effect loop; a bare `worker_threads` echo
 * (`postMessage` both ways, the floor); and the split of corun's time
 * between the caller's Effect (resume after `Effect.callback`) and the rest.
 */
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import { Piscina } from "piscina"
import { quantile } from "../lib/stats.ts"
import { noop } from "./tasks.ts"

const M = 10_000
const fmt = (xs: Array<number>) => `p50 ${quantile(xs, 0.5).toFixed(1)} µs, p99 ${quantile(xs, 0.99).toFixed(1)} µs`

// bare echo worker
const echo = new Worker(
  "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m))",
  { eval: true }
)
const bare: Array<number> = []
for (let i = 0; i < M + 1000; i++) {
  const s = performance.now()
  await new Promise<void>((resolve) => {
    echo.once("message", () => resolve())
    echo.postMessage(i)
  })
  if (i >= 1000) bare.push((performance.now() - s) * 1000)
}
await echo.terminate()
console.log(`bare postMessage echo:     ${fmt(bare)}`)

const piscina = new Piscina({
  filename: new URL("./peer-worker.mjs", import.meta.url).href,
  minThreads: 2,
  maxThreads: 2
})
const pl: Array<number> = []
for (let i = 0; i < M + 1000; i++) {
  const s = performance.now()
  await piscina.run(i)
  if (i >= 1000) pl.push((performance.now() - s) * 1000)
}
await piscina.destroy()
console.log(`piscina.run:               ${fmt(pl)}`)

for (const size of [2, 1]) {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pool = yield* NodePool.make({ tasks: new URL("./tasks.ts", import.meta.url), size })
    yield* pool.awaitReady
    for (let i = 0; i < 1000; i++) yield* pool.apply(noop, i)
    const lat: Array<number> = []
    for (let i = 0; i < M; i++) {
      const s = performance.now()
      yield* pool.apply(noop, i)
      lat.push((performance.now() - s) * 1000)
    }
    console.log(`corun apply (size ${size}):      ${fmt(lat)}`)
    // From a Promise loop: one runPromise per call.
    const lat2: Array<number> = []
    for (let i = 0; i < M; i++) {
      const s = performance.now()
      yield* Effect.promise(() => Effect.runPromise(pool.apply(noop, i)))
      lat2.push((performance.now() - s) * 1000)
    }
    console.log(`corun runPromise(apply) (size ${size}): ${fmt(lat2)}`)
  })))
}
