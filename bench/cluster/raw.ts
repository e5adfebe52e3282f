/**
 * The "raw Effect Cluster" contender of bench/cluster.bench.ts: one
 * persisted request per task to a plain entity, on plain
 * `NodeClusterSocket` runners (no batching, no handshake), with the same
 * shard timings as corun's runners. Run as a program, it is such a runner
 * (`DATABASE_URL`, `PORT`); imported, it gives the entity and the client
 * layer.
 */
import { ClusterRunner } from "@corun/cluster"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as Sharding from "effect/cluster/Sharding"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Rpc from "effect/rpc/Rpc"
import * as Schema from "effect/Schema"
import { fileURLToPath } from "node:url"

export const Noop = Rpc.make("Noop", {
  payload: { n: Schema.Number },
  success: Schema.Number
}).annotate(ClusterSchema.Persisted, true)

export const RawTask = Entity.make("bench/RawTask", [Noop])

const database = (url: string) => PgClient.layer({ url: Redacted.make(url), maxConnections: 20 })

/** A client-only process of the raw cluster. */
export const clientLayer = (url: string): Layer.Layer<Sharding.Sharding, unknown> =>
  NodeClusterSocket.layer({
    clientOnly: true,
    storage: "sql",
    shardingConfig: { ...ClusterRunner.shardingDefaults, runnerAddress: Option.none() }
  }).pipe(Layer.provide(database(url)))

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT)
  const runner = RawTask.toLayer({ Noop: ({ payload }) => Effect.succeed(payload.n) }, { concurrency: "unbounded" })
    .pipe(
      Layer.provide(
        NodeClusterSocket.layer({
          storage: "sql",
          shardingConfig: {
            ...ClusterRunner.shardingDefaults,
            runnerAddress: Option.some(RunnerAddress.make("127.0.0.1", port)),
            runnerListenAddress: Option.some(RunnerAddress.make("127.0.0.1", port))
          }
        })
      ),
      Layer.provide(database(process.env.DATABASE_URL!))
    )
  Layer.launch(runner).pipe(NodeRuntime.runMain)
}
