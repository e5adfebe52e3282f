/**
 * A probe (not a bench of record): what corun's cluster handshake adds to
 * opening a connection to a runner. N sequential connections to a local
 * socket server, each opened until its first byte of payload comes back
 * (an echo), with and without the handshake on both sides.
 *
 *   npx tsx bench/cluster/handshake-probe.ts
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Effect from "effect/Effect"
import type * as Socket from "effect/socket/Socket"
import type * as SocketServer from "effect/socket/SocketServer"
import { randomBytes } from "node:crypto"
import * as Handshake from "../../packages/cluster/src/internal/handshake.ts"
import { median, quantile } from "../lib/stats.ts"

const N = Number(process.env.N ?? 500)
const key = randomBytes(32)

/** Echoes whatever a connection sends. */
const echo = (socket: Socket.Socket) =>
  Effect.scoped(Effect.gen(function*() {
    const reader = yield* socket.reader
    const writer = yield* socket.writer
    for (;;) {
      const chunks = yield* reader.pull
      for (const chunk of chunks) yield* writer.write(chunk)
    }
  })).pipe(Effect.ignore)

const measure = (server: SocketServer.SocketServer["Service"], wrap: (socket: Socket.Socket) => Socket.Socket) =>
  Effect.gen(function*() {
    const address = server.address as { port: number }
    const times: Array<number> = []
    for (let i = 0; i < N; i++) {
      const start = performance.now()
      yield* Effect.scoped(Effect.gen(function*() {
        const socket = wrap(yield* NodeSocket.makeNet({ host: "127.0.0.1", port: address.port }))
        const reader = yield* socket.reader
        const writer = yield* socket.writer
        yield* writer.write(new Uint8Array([1]))
        yield* reader.pull
      }))
      times.push(performance.now() - start)
    }
    return times
  })

const program = Effect.gen(function*() {
  const plain = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
  yield* Effect.forkScoped(plain.run(echo))
  const inner = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
  const guarded = Handshake.acceptingServer(inner, key)
  yield* Effect.forkScoped(guarded.run(echo))
  yield* measure(plain, (s) => s) // warm-up
  yield* measure(guarded, (s) => Handshake.connectSocket(s, key))
  const without = yield* measure(plain, (s) => s)
  const withHandshake = yield* measure(guarded, (s) => Handshake.connectSocket(s, key))
  const f = (t: Array<number>) => `p50 ${median(t).toFixed(3)} ms, p99 ${quantile(t, 0.99).toFixed(3)} ms`
  console.log(`${N} connections, open → first echo: plain ${f(without)}; with the handshake ${f(withHandshake)}`)
})

await Effect.runPromise(Effect.scoped(program))
process.exit(0)
