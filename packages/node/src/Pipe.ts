/**
 * `Pipe`: Python's `multiprocessing.Pipe(duplex)` — two connected ends, one
 * kept by the program and one passed to a process it starts.
 *
 * ```ts
 * // tasks.ts
 * export const f = Task.make("f", {
 *   input: Pipe.connectionSchema(Schema.Unknown),
 *   output: Schema.Void,
 *   run: (conn) => Effect.andThen(conn.send([42, null, "hello"]), conn.close)
 * })
 * // main.ts
 * const [parentConn, childConn] = yield* Pipe.make(Schema.Unknown)     // Pipe()
 * const p = yield* Process.make({ tasks, target: f, args: childConn })  // Process(target=f, args=(child_conn,))
 * yield* p.start
 * console.log(yield* parentConn.recv())                                  // parent_conn.recv()
 * ```
 *
 * | Python `multiprocessing.Pipe`    | corun `Pipe`                                                       |
 * |----------------------------------|--------------------------------------------------------------------|
 * | `a, b = Pipe(duplex=True)`       | `const [a, b] = yield* Pipe.make(itemSchema, { duplex })`          |
 * | passed in `args`                 | the target's input schema holds `Pipe.connectionSchema(itemSchema)` |
 * | `conn.send(x)` / `conn.recv()`   | `conn.send(x)` / `conn.recv({ timeout })`                          |
 * | `conn.poll(timeout)`             | `conn.poll({ timeout })` → whether something can be received       |
 * | `conn.close()`                   | `conn.close`                                                       |
 * | `EOFError` once the other end closed | `EOFError`                                                      |
 *
 * Each direction is a queue in the process that made the pipe, served to
 * the processes it starts (a connection reaches direct children only).
 * With `duplex: false`, the first end only receives and the second only
 * sends. A value crosses encoded by the item schema; one that cannot be
 * sent (a function inside an `Unknown`…) fails `send` with
 * `InvalidArgumentError`. `recv` fails with `EOFError` once the other end
 * has been closed and everything it sent has been received; an end is
 * closed by `close` (Python also closes the ends a dead process held: here
 * a process must close its end itself — or the program closes the other
 * one).
 *
 * @since 0.1.0
 */
import { Errors } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type * as Scope from "effect/Scope"
import { ChannelState } from "./internal/channelState.ts"
import * as Served from "./internal/served.ts"

const Validation = Backend.Validation

const TypeId = "~@corun/node/Pipe/Connection" as const

/**
 * One end of a pipe (see the module notes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection<A> {
  readonly [TypeId]: { readonly read: number; readonly write: number }
  /** Sends a value to the other end (Python's `send`). */
  readonly send: (value: A) => Effect.Effect<void, Errors.EOFError | Errors.InvalidArgumentError>
  /** Receives the next value, waiting for one (Python's `recv`); `EOFError` once the other end closed. */
  readonly recv: (
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<A, Errors.EOFError | Errors.QueueEmpty | Errors.InvalidArgumentError>
  /** Whether a value can be received, waiting up to `timeout` (default: not at all) — Python's `poll`. */
  readonly poll: (
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<boolean, Errors.EOFError | Errors.InvalidArgumentError>
  /** Closes this end (Python's `close`): the other end's `recv` fails with `EOFError` once it has read everything. */
  readonly close: Effect.Effect<void>
}

const Handle = Schema.Struct({ "~corun": Schema.Literal("Connection"), read: Schema.Number, write: Schema.Number })

const isConnection = (u: unknown): u is Connection<unknown> => typeof u === "object" && u !== null && TypeId in u

/** Connections this process serves, by `read:write`: a handle coming back here is the connection itself. */
const local = new Map<string, Connection<any>>()

const closedHere = () => new Errors.EOFError({ message: "this end of the pipe is closed (close)" })
const eof = () =>
  new Errors.EOFError({ message: "the other end of the pipe was closed and everything it sent was received" })

/** Runs one direction's method: here, or through the channel to the process that owns it. */
type Call = (objectId: number, method: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>
/** A call nobody waits for (see `Served.remoteCast`): a `send`, which never blocks. */
type Cast = (objectId: number, method: string, args: ReadonlyArray<unknown>) => Effect.Effect<void, unknown>

const makeConnection = <S extends Schema.Top>(
  item: S,
  read: number,
  write: number,
  call: Call,
  cast: Cast,
  checkCloneable: boolean
): Connection<S["Type"]> => {
  const encode = Schema.encodeUnknownExit(item as unknown as Schema.Codec<unknown, unknown>)
  const decode = Schema.decodeUnknownExit(item as unknown as Schema.Codec<unknown, unknown>)
  let closed = false
  const cannotSend = (why: string) =>
    new Errors.InvalidArgumentError({ argument: "value", message: `the value cannot be sent: ${why}` })
  return {
    [TypeId]: { read, write },
    send: (value) =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(closedHere())
        if (write < 0) return Effect.fail(cannotSend("this end of a one-way pipe only receives"))
        const encoded = encode(value)
        if (Exit.isFailure(encoded)) {
          return Effect.fail(cannotSend(`it does not match the pipe's schema: ${String(encoded.cause)}`))
        }
        let sent = encoded.value
        if (checkCloneable) {
          // In the process that owns the pipe nothing is copied on the way:
          // copy now, as a process's `send` does, so that the receiver gets
          // its own value and one that could not cross fails here.
          try {
            sent = structuredClone(sent)
          } catch (error) {
            return Effect.fail(cannotSend(error instanceof Error ? `${error.name}: ${error.message}` : String(error)))
          }
        }
        return cast(write, "send", [sent])
      }) as Effect.Effect<void, Errors.EOFError | Errors.InvalidArgumentError>,
    recv: (options) =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(closedHere())
        if (read < 0) return Effect.fail(cannotSend("this end of a one-way pipe only sends"))
        const timeoutMs = Validation.timeoutMillis(options?.timeout)
        if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
        return Effect.flatMap(call(read, "recv", [timeoutMs]), (encoded) => {
          const decoded = decode(encoded)
          return Exit.isSuccess(decoded)
            ? Effect.succeed(decoded.value)
            : Effect.die(new Error(`a value received does not match the pipe's schema: ${String(decoded.cause)}`))
        })
      }) as Effect.Effect<S["Type"], Errors.EOFError | Errors.QueueEmpty | Errors.InvalidArgumentError>,
    poll: (options) =>
      Effect.suspend(() => {
        if (closed) return Effect.fail(closedHere())
        if (read < 0) return Effect.succeed(false)
        const timeoutMs = options?.timeout === undefined ? 0 : Validation.timeoutMillis(options?.timeout)
        if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
        return call(read, "poll", [timeoutMs])
      }) as Effect.Effect<boolean, Errors.EOFError | Errors.InvalidArgumentError>,
    close: Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      return write < 0 ? Effect.void : Effect.ignore(call(write, "end", []))
    })
  }
}

/** Serves one direction: `send` puts, `recv` takes (handed over), `poll` waits, `end` closes the writing side. */
const served = (state: ChannelState): Served.Served => ({
  callNow: (method, args, { handOver }) => {
    if (method === "send") return state.ended ? undefined : state.putNow((args as ReadonlyArray<unknown>)[0])
    return method === "recv" ? state.takeNow(handOver) : undefined
  },
  call: (method, args, { handOver }) => {
    switch (method) {
      case "send":
        return state.ended ? Effect.fail(eof()) : state.put((args as ReadonlyArray<unknown>)[0], true, undefined)
      case "recv":
        return Effect.tap(
          state.get(true, (args as ReadonlyArray<number | undefined>)[0], eof),
          (value) => Effect.sync(() => handOver(() => state.giveBack(value)))
        )
      case "poll":
        return state.poll((args as ReadonlyArray<number | undefined>)[0])
      case "end":
        return Effect.sync(() => state.end())
      default:
        return Effect.die(new Error(`a pipe has no method ${method}`))
    }
  }
})

/**
 * Makes a pipe (Python's `Pipe(duplex=True)`): two connected ends for
 * values of `item`'s type. With `duplex: false` the first end only receives
 * and the second only sends, as in Python. Served until the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <S extends Schema.Top>(
  item: S,
  options?: { readonly duplex?: boolean | undefined }
): Effect.Effect<readonly [Connection<S["Type"]>, Connection<S["Type"]>], never, Scope.Scope> =>
  Effect.gen(function*() {
    const duplex = options?.duplex !== false
    const toFirst = new ChannelState(Infinity, "the pipe")
    const toFirstId = yield* Served.serve(served(toFirst))
    const states = new Map<number, Served.Served>([[toFirstId, served(toFirst)]])
    let toSecondId = -1
    if (duplex) {
      const toSecond = new ChannelState(Infinity, "the pipe")
      toSecondId = yield* Served.serve(served(toSecond))
      states.set(toSecondId, served(toSecond))
    }
    const call: Call = (objectId, method, args) => Served.callHere(states.get(objectId)!, method, args)
    const cast: Cast = (objectId, method, args) => Served.castHere(states.get(objectId)!, method, args)
    const first = makeConnection(item, toFirstId, toSecondId, call, cast, true)
    const second = makeConnection(item, toSecondId, toFirstId, call, cast, true)
    const keys = [`${toFirstId}:${toSecondId}`, `${toSecondId}:${toFirstId}`]
    local.set(keys[0], first)
    local.set(keys[1], second)
    yield* Effect.addFinalizer(() => Effect.sync(() => keys.forEach((key) => local.delete(key))))
    return [first, second] as const
  })

/**
 * The schema of a pipe's end in a task's input: the parent passes the end,
 * the child gets an end that talks to it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const connectionSchema = <S extends Schema.Top>(
  item: S
): Schema.Codec<Connection<S["Type"]>, typeof Handle.Encoded> =>
  Handle.pipe(
    Schema.decodeTo(
      Schema.declare(isConnection as (u: unknown) => u is Connection<S["Type"]>),
      SchemaTransformation.transform({
        decode: (handle) =>
          local.get(`${handle.read}:${handle.write}`) ??
            makeConnection(item, handle.read, handle.write, Served.remoteCall, Served.remoteCast, false),
        encode: (connection) => ({
          "~corun": "Connection" as const,
          read: connection[TypeId].read,
          write: connection[TypeId].write
        })
      })
    )
  ) as any
