// The echo worker of bench/pool/transport-throughput.ts: NodeWorkerRunner replying to each message.
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import { Effect } from "effect"
import * as WorkerRunner from "effect/workers/WorkerRunner"
Effect.gen(function*() {
  const platform = yield* WorkerRunner.WorkerRunnerPlatform
  const runner = yield* platform.start<number, number>()
  yield* runner.run((portId, msg) => {
    runner.sendUnsafe(portId, msg)
  })
}).pipe(Effect.provide(NodeWorkerRunner.layer), (effect) => Effect.runFork(effect as Effect.Effect<void, unknown>))
