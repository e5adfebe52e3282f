// The effect/workers transport alone (NodeWorker platform + NodeWorkerRunner,
// one worker thread echoing 100,000 messages) vs NodePool on one worker
// (probe, not a bench): `node bench/pool/transport-throughput.ts` (or
// `npx tsx ...`). Backs the note at the top of packages/node/src/NodePool.ts.
import { NodePool } from "@corun/node"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Effect } from "effect"
import * as Worker from "effect/workers/Worker"
import * as WT from "node:worker_threads"
import * as T from "./tasks.ts"
const N = 100_000
await Effect.runPromise(Effect.scoped(
  Effect.gen(function*() {
    const platform = yield* Worker.WorkerPlatform
    const worker = yield* platform.spawn<number, number>(0)
    let received = 0
    let done!: () => void
    const all = new Promise<void>((r) => {
      done = r
    })
    yield* Effect.forkChild(worker.run((_msg) =>
      Effect.sync(() => {
        if (++received === N) done()
      })
    ))
    yield* worker.send(-1)
    const t = performance.now()
    received = -1
    for (let i = 0; i < N; i++) yield* worker.send(i)
    yield* Effect.promise(() => all)
    console.log(
      `effect/workers (NodeWorker platform), 1 worker echo: ${(N / (performance.now() - t) * 1000).toFixed(0)} msgs/s`
    )
  }).pipe(Effect.provide(NodeWorker.layer(() => new WT.Worker(new URL("./transport-echo-worker.ts", import.meta.url)))))
))
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const pool = yield* NodePool.make({ tasks: new URL("./tasks.ts", import.meta.url), size: 1 })
  yield* pool.apply(T.noop, 1)
  const t = performance.now()
  yield* pool.map(T.noop, Array.from({ length: N }, (_, i) => i), { chunksize: 1 })
  console.log(`NodePool size 1, map chunksize 1: ${(N / (performance.now() - t) * 1000).toFixed(0)} tasks/s`)
})))
