/**
 * Effect Cluster assembled as `@effect/platform-node`'s `NodeClusterSocket`
 * assembles it — socket runners, SQL message and runner storage, the
 * schema-binary wire format, ping health checks — with one difference:
 * every connection, both ways, opens with corun's signed handshake
 * (`handshake.ts`). The runner protocol has no middleware hook, so the
 * socket server and the client protocol are the seams: the health checks'
 * pings use the same authenticated client, or healthy runners would look
 * dead.
 *
 * @internal
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import type * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import type * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SocketRunner from "effect/cluster/SocketRunner"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RpcClient from "effect/rpc/RpcClient"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Handshake from "./handshake.ts"

/** Connections to runners (client → runner, runner → runner, pings), each opened with the handshake. */
const clientProtocol = (
  key: Buffer
): Layer.Layer<Runners.RpcClientProtocol, never, RpcSerialization.RpcSerialization> =>
  Layer.effect(Runners.RpcClientProtocol)(
    Effect.gen(function*() {
      const serialization = yield* RpcSerialization.RpcSerialization
      return {
        codecFor: serialization.codecFor,
        make: Effect.fnUntraced(function*(address) {
          const raw = yield* NodeSocket.makeNet({
            openTimeout: 1000,
            timeout: 5500,
            host: address.host,
            port: address.port
          })
          return yield* RpcClient.makeProtocolSocket().pipe(
            Effect.provideService(Socket.Socket, Handshake.connectSocket(raw, key)),
            Effect.provideService(RpcSerialization.RpcSerialization, serialization)
          )
        }, Effect.orDie)
      }
    })
  )

/** The runner's listening socket (`runnerListenAddress`, else `runnerAddress`): a caller is heard only after the handshake. */
const socketServer = (key: Buffer): Layer.Layer<
  SocketServer.SocketServer,
  SocketServer.SocketServerError,
  ShardingConfig.ShardingConfig
> =>
  Layer.effect(SocketServer.SocketServer)(
    Effect.gen(function*() {
      const config = yield* ShardingConfig.ShardingConfig
      const listen = Option.orElse(config.runnerListenAddress, () => config.runnerAddress)
      if (Option.isNone(listen)) return yield* Effect.die(new Error("a runner needs an address to listen on"))
      const inner = yield* NodeSocketServer.make({ host: listen.value.host, port: listen.value.port })
      return Handshake.acceptingServer(inner, key)
    })
  )

const storage = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  layer.pipe(
    Layer.provideMerge(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))),
    Layer.provide(Layer.orDie(SqlRunnerStorage.layer))
  )

/** A runner: it hosts entities, listens for callers and other runners, and checks its peers' health. */
export const runnerLayer = (
  key: Buffer,
  config: Partial<ShardingConfig.ShardingConfig["Service"]>
): Layer.Layer<
  Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage,
  SocketServer.SocketServerError,
  SqlClient.SqlClient
> => {
  const protocol = clientProtocol(key)
  return SocketRunner.layer.pipe(
    Layer.provide([socketServer(key), protocol]),
    Layer.provide(RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(protocol))),
    storage,
    Layer.provide(ShardingConfig.layer(config)),
    Layer.provide(RpcSerialization.layerSchemaBinary())
  )
}

/** A client only: it sends to runners, hosts nothing and listens on nothing. */
export const clientLayer = (
  key: Buffer,
  config: Partial<ShardingConfig.ShardingConfig["Service"]>
): Layer.Layer<Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage, never, SqlClient.SqlClient> =>
  SocketRunner.layerClientOnly.pipe(
    Layer.provide(clientProtocol(key)),
    storage,
    Layer.provide(ShardingConfig.layer({ ...config, runnerAddress: Option.none() })),
    Layer.provide(RpcSerialization.layerSchemaBinary())
  )
