/**
 * The signed handshake every connection to a runner opens with — client to
 * runner, runner to runner, the health checks' pings — before a byte of
 * Effect Cluster's own protocol: Python's `authkey` (its
 * `multiprocessing.connection` challenge), mutual.
 *
 *   runner → `corun-auth-1 <nonceR>\n`
 *   caller → `<nonceC> <HMAC-SHA256(key, "caller" nonceR nonceC)>\n`
 *   runner → `<HMAC-SHA256(key, "runner" nonceC nonceR)>\n`   (only when the caller's proof holds)
 *
 * The key is derived from the shared secret (`membership.ts`); neither is ever
 * sent, logged or stored, only proofs over fresh random nonces, compared in
 * constant time. A connection whose proof is wrong, missing or slower than
 * `HANDSHAKE_TIMEOUT` is closed before anything reaches the cluster; a
 * caller whose runner cannot prove the secret gives up on it. What the
 * handshake does not do is encrypt: run runners on a private network, or
 * under TLS, where the traffic itself must stay secret.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Latch from "effect/Latch"
import * as Semaphore from "effect/Semaphore"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/** How long a peer has to complete the handshake. */
export const HANDSHAKE_TIMEOUT = "5 seconds"

const GREETING = "corun-auth-1"
const MAX_LINE = 512

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const prove = (key: Buffer, role: "caller" | "runner", first: string, second: string): string =>
  createHmac("sha256", key).update(`${role} ${first} ${second}`).digest("hex")

const sameProof = (expected: string, got: string): boolean => {
  const a = Buffer.from(expected, "utf8")
  const b = Buffer.from(got, "utf8")
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The caller's side: the connection could not be opened (Effect Cluster retries, and says why). */
const refused = (why: string) =>
  new Socket.SocketError({
    reason: new Socket.SocketOpenError({ kind: "Unknown", cause: new Error(`corun cluster handshake: ${why}`) })
  })

/**
 * The runner's side: the connection is closed (1008, policy violation) —
 * quietly, as a client that hangs up is: a port scanner or a health probe
 * that cannot prove the secret must not fill the runner's log.
 */
const turnedAway = (why: string) =>
  new Socket.SocketError({
    reason: new Socket.SocketCloseError({ code: 1008, closeReason: `corun cluster handshake: ${why}` })
  })

/** Handshakes a runner runs at once: more wait (each for at most `HANDSHAKE_TIMEOUT`). */
const MAX_PENDING = 64

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** Reads lines from a socket's reader, keeping what follows the last one read. */
const lineReader = (reader: Socket.Reader) => {
  let buffered: Uint8Array = new Uint8Array(0)
  const line: Effect.Effect<string, Socket.SocketError> = Effect.gen(function*() {
    for (;;) {
      const newline = buffered.indexOf(10)
      if (newline >= 0) {
        const text = decoder.decode(buffered.subarray(0, newline))
        buffered = buffered.subarray(newline + 1)
        return text
      }
      if (buffered.length > MAX_LINE) return yield* Effect.fail(refused("handshake line too long"))
      for (const chunk of yield* reader.pull) {
        buffered = concat(buffered, typeof chunk === "string" ? encoder.encode(chunk) : chunk)
      }
    }
  })
  /** The reader the cluster's protocol gets: the bytes after the handshake first. */
  const rest = (): Socket.Reader => {
    let leftover: Uint8Array | undefined = buffered.length > 0 ? buffered : undefined
    return {
      upgrade: reader.upgrade,
      pull: Effect.suspend(() => {
        if (leftover === undefined) return reader.pull
        const chunk = leftover
        leftover = undefined
        return Effect.succeed([chunk] as const)
      })
    }
  }
  return { line, rest }
}

/** The runner's side of a connection it accepted: it proves nothing to whom proves nothing. */
export const acceptSocket = (socket: Socket.Socket, key: Buffer, pending: Semaphore.Semaphore): Socket.Socket =>
  Socket.make({
    writer: socket.writer,
    reader: pending.withPermits(1)(
      Effect.gen(function*() {
        const inner = yield* socket.reader
        const writer = yield* socket.writer
        const lines = lineReader(inner)
        const nonceR = randomBytes(16).toString("hex")
        yield* writer.write(encoder.encode(`${GREETING} ${nonceR}\n`))
        const [nonceC = "", proof = ""] = (yield* lines.line).split(" ")
        if (!/^[0-9a-f]{32}$/.test(nonceC) || !sameProof(prove(key, "caller", nonceR, nonceC), proof)) {
          return yield* Effect.fail(turnedAway("the caller could not prove the shared secret"))
        }
        yield* writer.write(encoder.encode(`${prove(key, "runner", nonceC, nonceR)}\n`))
        return lines.rest()
      }).pipe(
        Effect.mapError((error) =>
          error.reason._tag === "SocketCloseError" ? error : turnedAway(`the connection failed: ${error.message}`)
        ),
        Effect.timeoutOrElse({
          duration: HANDSHAKE_TIMEOUT,
          orElse: () => Effect.fail(turnedAway("the caller did not complete the handshake in time"))
        })
      )
    )
  })

/** The caller's side of a connection to a runner: the cluster's writes wait until both sides proved the secret. */
export const connectSocket = (socket: Socket.Socket, key: Buffer): Socket.Socket => {
  const ready = Latch.makeUnsafe(false)
  return Socket.make({
    reader: Effect.gen(function*() {
      ready.closeUnsafe()
      // A connection that ends (the RPC client reconnects after a backoff)
      // holds the cluster's writes back again until the next handshake.
      yield* Effect.addFinalizer(() => Effect.sync(() => ready.closeUnsafe()))
      const inner = yield* socket.reader
      const writer = yield* socket.writer
      const lines = lineReader(inner)
      const [greeting, nonceR = ""] = (yield* lines.line).split(" ")
      if (greeting !== GREETING || !/^[0-9a-f]{32}$/.test(nonceR)) {
        return yield* Effect.fail(refused("the peer is not a corun runner"))
      }
      const nonceC = randomBytes(16).toString("hex")
      yield* writer.write(encoder.encode(`${nonceC} ${prove(key, "caller", nonceR, nonceC)}\n`))
      const proof = yield* lines.line
      if (!sameProof(prove(key, "runner", nonceC, nonceR), proof)) {
        return yield* Effect.fail(refused("the runner could not prove the shared secret"))
      }
      ready.openUnsafe()
      return lines.rest()
    }).pipe(
      Effect.timeoutOrElse({
        duration: HANDSHAKE_TIMEOUT,
        orElse: () => Effect.fail(refused("the runner did not complete the handshake in time"))
      })
    ),
    writer: Effect.map(socket.writer, (writer) => ({
      write: (chunk: Uint8Array | string | Socket.CloseEvent) => Effect.andThen(ready.await, writer.write(chunk)),
      writeAll: (chunks: readonly [Uint8Array | string, ...Array<Uint8Array | string>]) =>
        Effect.andThen(ready.await, writer.writeAll(chunks))
    }))
  })
}

/** A socket server whose connections are handed on only after the handshake. */
export const acceptingServer = (
  inner: SocketServer.SocketServer["Service"],
  key: Buffer
): SocketServer.SocketServer["Service"] => {
  const pending = Semaphore.makeUnsafe(MAX_PENDING)
  return SocketServer.SocketServer.of({
    address: inner.address,
    run: (handler) => inner.run((socket) => handler(acceptSocket(socket, key, pending)))
  })
}
