// applyAsync throughput alone (a probe for A/B runs across commits, not a
// bench): 2 worker threads, 100,000 no-op tasks submitted with applyAsync
// and awaited, 5 rounds after a warm-up round; prints the median.
//   node bench/pool/apply-async-probe.ts
import { Future } from "@corun/core"
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import * as T from "./tasks.ts"

const N = 100_000
const rates: Array<number> = []
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const pool = yield* NodePool.make({ tasks: new URL("./tasks.ts", import.meta.url), size: 2 })
  for (let round = 0; round < 6; round++) {
    const start = performance.now()
    const futures = []
    for (let i = 0; i < N; i++) futures.push(yield* pool.applyAsync(T.noop, i))
    for (const future of futures) yield* Future.result(future)
    if (round > 0) rates.push(N / (performance.now() - start) * 1000)
  }
})))
rates.sort((a, b) => a - b)
console.log(
  `applyAsync median ${rates[rates.length >> 1]!.toFixed(0)} tasks/s (${rates.map((r) => r.toFixed(0)).join(" ")})`
)
