// Quick no-op throughput / latency check of NodePool against Piscina (2 workers;
// probe, not a bench): `node bench/pool/quick-throughput.ts [thread|process]`
// (or `npx tsx ...`). The full side-by-side benchmark is bench/pool.bench.ts.
import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { Piscina } from "piscina"
import * as T from "./tasks.ts"
const N = 100_000
const piscina = new Piscina({
  filename: new URL("./peer-worker.mjs", import.meta.url).href,
  minThreads: 2,
  maxThreads: 2
})
await Promise.all(Array.from({ length: 100 }, (_, i) => piscina.run(i)))
let t = performance.now()
await Promise.all(Array.from({ length: N }, (_, i) => piscina.run(i)))
const pisc = N / (performance.now() - t) * 1000
const lat: number[] = []
for (let i = 0; i < 5000; i++) {
  const s = performance.now()
  await piscina.run(i)
  lat.push(performance.now() - s)
}
lat.sort((a, b) => a - b)
console.log(
  `piscina: ${pisc.toFixed(0)} tasks/s, p50 ${(lat[2500] * 1000).toFixed(0)}us p99 ${(lat[4950] * 1000).toFixed(0)}us`
)
await piscina.destroy()
const runtime = (process.argv[2] ?? "thread") as "thread" | "process"
await Effect.runPromise(
  Effect.gen(function*() {
    const pool = yield* Pool.Pool
    yield* pool.map(T.noop, Array.from({ length: 100 }, (_, i) => i))
    let t = performance.now()
    const fs: Array<Future.Future<number, unknown>> = []
    for (let i = 0; i < N; i++) fs.push(yield* pool.applyAsync(T.noop, i))
    for (const f of fs) yield* Future.await(f)
    console.log(`corun applyAsync: ${(N / (performance.now() - t) * 1000).toFixed(0)} tasks/s`)
    t = performance.now()
    yield* Effect.forEach(Array.from({ length: N }, (_, i) => i), (i) => pool.apply(T.noop, i), {
      concurrency: "unbounded",
      discard: true
    })
    console.log(`corun forEach(apply, unbounded): ${(N / (performance.now() - t) * 1000).toFixed(0)} tasks/s`)
    t = performance.now()
    yield* pool.map(T.noop, Array.from({ length: N }, (_, i) => i), { chunksize: 1 })
    console.log(`corun map chunksize 1: ${(N / (performance.now() - t) * 1000).toFixed(0)} tasks/s`)
    const lat: number[] = []
    for (let i = 0; i < 5000; i++) {
      const s = performance.now()
      yield* pool.apply(T.noop, i)
      lat.push(performance.now() - s)
    }
    lat.sort((a, b) => a - b)
    console.log(`corun apply latency p50 ${(lat[2500] * 1000).toFixed(0)}us p99 ${(lat[4950] * 1000).toFixed(0)}us`)
  }).pipe(Effect.provide(NodePool.layer({ tasks: new URL("./tasks.ts", import.meta.url), size: 2, runtime })))
)
