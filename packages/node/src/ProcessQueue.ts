/**
 * `ProcessQueue`: Python's `multiprocessing.Queue` — a FIFO queue shared by
 * the program and the processes (or threads) it starts with `Process`.
 *
 * ```ts
 * // tasks.ts: the target takes the queue in its input
 * export const f = Task.make("f", {
 *   input: ProcessQueue.schema(Schema.Unknown),
 *   output: Schema.Void,
 *   run: (q) => q.put([42, null, "hello"])
 * })
 * // main.ts
 * const q = yield* ProcessQueue.make(Schema.Unknown)          // q = Queue()
 * const p = yield* Process.make({ tasks, target: f, args: q }) // p = Process(target=f, args=(q,))
 * yield* p.start
 * console.log(yield* q.get())                                   // print(q.get())
 * yield* p.join()
 * ```
 *
 * | Python `multiprocessing.Queue`          | corun `ProcessQueue`                                   |
 * |-----------------------------------------|--------------------------------------------------------|
 * | `Queue(maxsize)`                        | `ProcessQueue.make(itemSchema, { maxsize })`           |
 * | passed in `args`                        | the target's input schema holds `ProcessQueue.schema(itemSchema)` |
 * | `put(x, block, timeout)` / `put_nowait` | `put(x, { block, timeout })` / `putNowait(x)` → `QueueFull` |
 * | `get(block, timeout)` / `get_nowait`    | `get({ block, timeout })` / `getNowait` → `QueueEmpty` |
 * | `qsize()` / `empty()` / `full()`        | `qsize` / `empty` / `full`                             |
 * | `close()`                               | `close` (this process will use it no more)             |
 *
 * The queue lives in the process that made it and is served to the
 * processes it starts (a handle in their input; a handle reaches direct
 * children only). Items cross encoded by the item schema. Nothing is lost
 * or duplicated when a process is terminated while it waits in `get`: its
 * wait ends without taking an item, and an item already on its way to a
 * process that died before receiving it goes back to the front of the
 * queue. The queue goes away with the scope that made it.
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

const TypeId = "~@corun/node/ProcessQueue" as const

/**
 * Options of `put` and `get`: Python's `block` and `timeout`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** `false`: fail at once (`QueueFull` / `QueueEmpty`) instead of waiting. Default `true`. */
  readonly block?: boolean | undefined
  /** Wait at most this long, then fail with `QueueFull` / `QueueEmpty`. Default: no limit. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A queue shared by processes (see the module notes).
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcessQueue<A> {
  readonly [TypeId]: { readonly id: number; readonly maxsize: number }
  /** Adds an item, waiting while the queue is full (Python's `put`). */
  readonly put: (
    item: A,
    options?: WaitOptions
  ) => Effect.Effect<void, Errors.QueueFull | Errors.QueueShutDown | Errors.InvalidArgumentError>
  /** `put(item, { block: false })` (Python's `put_nowait`). */
  readonly putNowait: (
    item: A
  ) => Effect.Effect<void, Errors.QueueFull | Errors.QueueShutDown | Errors.InvalidArgumentError>
  /** Takes the next item, waiting while the queue is empty (Python's `get`). */
  readonly get: (
    options?: WaitOptions
  ) => Effect.Effect<A, Errors.QueueEmpty | Errors.QueueShutDown | Errors.InvalidArgumentError>
  /** `get({ block: false })` (Python's `get_nowait`). */
  readonly getNowait: Effect.Effect<A, Errors.QueueEmpty | Errors.QueueShutDown | Errors.InvalidArgumentError>
  /** How many items it holds (Python's `qsize()`). */
  readonly qsize: Effect.Effect<number, Errors.QueueShutDown>
  /** Python's `empty()`. */
  readonly empty: Effect.Effect<boolean, Errors.QueueShutDown>
  /** Python's `full()`. */
  readonly full: Effect.Effect<boolean, Errors.QueueShutDown>
  /** This process will use the queue no more (Python's `close()`): its later calls fail with `QueueShutDown`. */
  readonly close: Effect.Effect<void>
}

/** The handle a queue crosses as. */
const Handle = Schema.Struct({ "~corun": Schema.Literal("ProcessQueue"), id: Schema.Number, maxsize: Schema.Number })

const isQueue = (u: unknown): u is ProcessQueue<unknown> => typeof u === "object" && u !== null && TypeId in u

/** Queues this process serves, by id: a handle coming back here is the queue itself. */
const local = new Map<number, ProcessQueue<any>>()

/** Runs on the queue: here when it is this process's, else through the channel to its owner. */
interface Backing {
  readonly call: (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>
  /** A call nobody waits for (see `Served.remoteCast`). */
  readonly cast: (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<void, unknown>
}

const closedError = () => new Errors.QueueShutDown({ message: "this process closed the queue (close)" })

/** The arguments of `get()`: block, no timeout. */
const waitForever: ReadonlyArray<unknown> = [true, undefined]

/** The queue's methods on a backing, with this handle's own `closed` flag. */
const makeQueue = <S extends Schema.Top>(
  item: S,
  id: number,
  maxsize: number,
  backing: Backing
): ProcessQueue<S["Type"]> => {
  const encode = Schema.encodeUnknownExit(item as unknown as Schema.Codec<unknown, unknown>)
  const decode = Schema.decodeUnknownExit(item as unknown as Schema.Codec<unknown, unknown>)
  let closed = false
  const put = (value: unknown, options?: WaitOptions) =>
    Effect.suspend(() => {
      if (closed) return Effect.fail(closedError())
      const timeoutMs = options === undefined ? undefined : Validation.timeoutMillis(options.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      const encoded = encode(value)
      if (Exit.isFailure(encoded)) {
        return Effect.fail(
          new Errors.InvalidArgumentError({
            argument: "item",
            message: `the item does not match the queue's schema: ${String(encoded.cause)}`
          })
        )
      }
      // A put on an unbounded queue cannot block: sent without waiting for
      // an answer (one message per item; an error answers the next call).
      return maxsize === Infinity
        ? backing.cast("put", [encoded.value])
        : backing.call("put", [encoded.value, options?.block !== false, timeoutMs])
    }) as Effect.Effect<void, Errors.QueueFull | Errors.QueueShutDown | Errors.InvalidArgumentError>
  const decoded = (encoded: unknown) => {
    const decoded = decode(encoded)
    return Exit.isSuccess(decoded)
      ? decoded
      : Exit.die(new Error(`an item of the queue does not match its schema: ${String(decoded.cause)}`))
  }
  const get = (options?: WaitOptions) =>
    Effect.suspend(() => {
      if (closed) return Effect.fail(closedError())
      if (options === undefined) {
        // The common `get()`: an item there now is decoded without another effect.
        const now = backing.call("get", waitForever)
        return Exit.isExit(now) && Exit.isSuccess(now) ? decoded(now.value) : Effect.flatMap(now, decoded)
      }
      const timeoutMs = Validation.timeoutMillis(options.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      return Effect.flatMap(backing.call("get", [options.block !== false, timeoutMs]), decoded)
    }) as Effect.Effect<S["Type"], Errors.QueueEmpty | Errors.QueueShutDown | Errors.InvalidArgumentError>
  const read = (method: string) =>
    Effect.suspend(() => closed ? Effect.fail(closedError()) : backing.call(method, [])) as Effect.Effect<
      any,
      Errors.QueueShutDown
    >
  return {
    [TypeId]: { id, maxsize },
    put,
    putNowait: (value) => put(value, { block: false }),
    get,
    getNowait: get({ block: false }),
    qsize: read("qsize"),
    empty: read("empty"),
    full: Effect.map(read("qsize"), (n: number) => n >= maxsize),
    close: Effect.sync(() => {
      closed = true
    })
  }
}

/** Serves `state`'s methods to workers. */
const served = (state: ChannelState): Served.Served => ({
  callNow: (method, args, { handOver }) => {
    if (method === "put") return state.putNow((args as ReadonlyArray<unknown>)[0])
    return method === "get" ? state.takeNow(handOver) : undefined
  },
  call: (method, args, { handOver }) => {
    switch (method) {
      case "put": {
        const [item, block, timeoutMs] = args as [unknown, boolean | undefined, number | undefined]
        return state.put(item, block !== false, timeoutMs)
      }
      case "get": {
        const [block, timeoutMs] = args as [boolean, number | undefined]
        return Effect.tap(
          state.get(block, timeoutMs, closedError),
          (item) => Effect.sync(() => handOver(() => state.giveBack(item)))
        )
      }
      case "qsize":
        return Effect.sync(() => state.items.length)
      case "empty":
        return Effect.sync(() => state.items.length === 0)
      default:
        return Effect.die(new Error(`ProcessQueue has no method ${method}`))
    }
  }
})

/**
 * Makes a queue for items of `item`'s type (Python's `Queue(maxsize)`;
 * `maxsize` 0 or absent: unbounded). It is served to the processes that get
 * it in their input until the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <S extends Schema.Top>(
  item: S,
  options?: { readonly maxsize?: number | undefined }
): Effect.Effect<ProcessQueue<S["Type"]>, Errors.InvalidArgumentError, Scope.Scope> =>
  Effect.gen(function*() {
    const requested = options?.maxsize ?? 0
    if (typeof requested !== "number" || !Number.isInteger(requested)) {
      return yield* Validation.invalidArgument("maxsize", requested, "an integer (0 or less: unbounded)")
    }
    const maxsize = requested <= 0 ? Infinity : requested
    const state = new ChannelState(maxsize, "the queue")
    const id = yield* Served.serve(served(state))
    const s = served(state)
    const queue = makeQueue(item, id, maxsize, {
      // The owner's own calls take the immediate answer when there is one.
      call: (method, args) => Served.callHere(s, method, args),
      cast: (method, args) => Served.castHere(s, method, args)
    })
    local.set(id, queue)
    yield* Effect.addFinalizer(() => Effect.sync(() => local.delete(id)))
    return queue
  })

/**
 * The schema of a queue of `item`s in a task's input: the parent passes the
 * queue, the child gets a queue that talks to it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <S extends Schema.Top>(item: S): Schema.Codec<ProcessQueue<S["Type"]>, typeof Handle.Encoded> =>
  Handle.pipe(
    Schema.decodeTo(
      Schema.declare(isQueue as (u: unknown) => u is ProcessQueue<S["Type"]>),
      SchemaTransformation.transform({
        decode: (handle) =>
          local.get(handle.id) ??
            makeQueue(item, handle.id, handle.maxsize === -1 ? Infinity : handle.maxsize, {
              call: (method, args) => Served.remoteCall(handle.id, method, args),
              cast: (method, args) => Served.remoteCast(handle.id, method, args)
            }),
        encode: (queue) => ({
          "~corun": "ProcessQueue" as const,
          id: queue[TypeId].id,
          maxsize: queue[TypeId].maxsize === Infinity ? -1 : queue[TypeId].maxsize
        })
      })
    )
  ) as any
