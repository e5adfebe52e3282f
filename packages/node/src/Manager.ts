/**
 * `Manager`: Python's `multiprocessing.Manager()` — shared `dict`, `list`,
 * `Namespace` and `Value` objects that the program and the processes it
 * starts update through proxies, plus the manager's `Lock` and `Queue`.
 *
 * ```ts
 * // tasks.ts
 * export const f = Task.make("f", {
 *   input: Schema.Struct({ d: Manager.dictSchema, l: Manager.listSchema }),
 *   output: Schema.Void,
 *   run: ({ d, l }) => Effect.gen(function*() {
 *     yield* d.set(1, 1); yield* d.set(2, 2); yield* d.set(0.25, null)   // d[1] = 1 …
 *     yield* l.append(1)                                                 // l.append(1)
 *   })
 * })
 * // main.ts
 * const manager = yield* Manager.make()                  // with Manager() as manager:
 * const d = yield* manager.dict()                        //   d = manager.dict()
 * const l = yield* manager.list([0, 1, 2, 3, 4])         //   l = manager.list(range(5))
 * // … ten processes run f(d, l), then:
 * console.log(yield* d.toMap, yield* l.toArray)
 * ```
 *
 * | Python `Manager()`                  | corun `Manager`                                           |
 * |-------------------------------------|-----------------------------------------------------------|
 * | `with Manager() as manager:`        | `const manager = yield* Manager.make()` in a scope        |
 * | `manager.dict()` / `d[k] = v` / `d[k]` / `del d[k]` / `len(d)` | `manager.dict()` / `d.set(k, v)` / `d.get(k)` (`Option`) / `d.delete(k)` / `d.size` |
 * | `manager.list(it)` / `l.append(x)` / `l[i]` / `l[i] = x` / `len(l)` | `manager.list(values)` / `l.append(x)` / `l.get(i)` / `l.set(i, x)` / `l.length` |
 * | `manager.Namespace()` / `ns.x = 1` / `ns.x` | `manager.namespace()` / `ns.set("x", 1)` / `ns.get("x")` |
 * | `manager.Value(typecode, v)` / `v.value` | `manager.value(v)` / `v.get` / `v.set(x)`            |
 * | `manager.Lock()` / `manager.Queue()` | `manager.lock()` / `manager.queue()` (a `ProcessSync` lock, a `ProcessQueue`) |
 * | proxies passed in `args`            | `dictSchema`, `listSchema`, `namespaceSchema`, `valueSchema` in the target's input |
 *
 * The objects live in the process that made the manager (Python starts a
 * separate server process for them; here the program itself serves them,
 * over the channel each process already has) and go away when its scope
 * closes. Each update is one call, applied in the order calls arrive, so
 * every update of every process is kept; a read-modify-write across two
 * calls (`l.set(i, (yield* l.get(i)) + 1)`) is not atomic — take the
 * manager's `lock()` around it, as in Python. Keys and values cross as
 * structured clones (numbers, strings, `null`, arrays, plain objects…).
 *
 * @since 0.1.0
 */
import { Errors } from "@corun/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import * as Scope from "effect/Scope"
import * as Served from "./internal/served.ts"
import * as ProcessQueue from "./ProcessQueue.ts"
import * as ProcessSync from "./ProcessSync.ts"

const TypeId = "~@corun/node/Manager" as const

type Kind = "dict" | "list" | "namespace" | "value"

interface Proxy {
  readonly [TypeId]: { readonly kind: Kind; readonly id: number }
}

/**
 * A shared `dict` (Python's `DictProxy`): any structured-clonable keys and
 * values; `1`, `"1"` and `0.25` are different keys, as in Python.
 *
 * @since 0.1.0
 * @category models
 */
export interface DictProxy extends Proxy {
  readonly get: (key: unknown) => Effect.Effect<Option.Option<unknown>>
  readonly set: (key: unknown, value: unknown) => Effect.Effect<void>
  /** Whether it was there. */
  readonly delete: (key: unknown) => Effect.Effect<boolean>
  readonly has: (key: unknown) => Effect.Effect<boolean>
  readonly size: Effect.Effect<number>
  /** A copy of the entries, in insertion order (Python's `dict(d)` / `d.items()`). */
  readonly toMap: Effect.Effect<Map<unknown, unknown>>
}

/**
 * A shared `list` (Python's `ListProxy`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ListProxy extends Proxy {
  readonly append: (value: unknown) => Effect.Effect<void>
  readonly extend: (values: ReadonlyArray<unknown>) => Effect.Effect<void>
  /** `l[i]`; negative indexes count from the end; out of range: `InvalidArgumentError` (Python's `IndexError`). */
  readonly get: (index: number) => Effect.Effect<unknown, Errors.InvalidArgumentError>
  readonly set: (index: number, value: unknown) => Effect.Effect<void, Errors.InvalidArgumentError>
  /** `l.pop(index)` (default: the last). */
  readonly pop: (index?: number) => Effect.Effect<unknown, Errors.InvalidArgumentError>
  readonly length: Effect.Effect<number>
  /** A copy of the items (Python's `list(l)`). */
  readonly toArray: Effect.Effect<Array<unknown>>
}

/**
 * A shared `Namespace`: named attributes.
 *
 * @since 0.1.0
 * @category models
 */
export interface NamespaceProxy extends Proxy {
  readonly get: (name: string) => Effect.Effect<Option.Option<unknown>>
  readonly set: (name: string, value: unknown) => Effect.Effect<void>
  /** A copy of the attributes. */
  readonly toObject: Effect.Effect<Record<string, unknown>>
}

/**
 * A shared `Value` (the manager's: not atomic across a read and a write).
 *
 * @since 0.1.0
 * @category models
 */
export interface ValueProxy extends Proxy {
  readonly get: Effect.Effect<unknown>
  readonly set: (value: unknown) => Effect.Effect<void>
}

/**
 * A manager (see the module notes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Manager {
  readonly dict: (entries?: Iterable<readonly [unknown, unknown]>) => Effect.Effect<DictProxy>
  readonly list: (values?: Iterable<unknown>) => Effect.Effect<ListProxy>
  readonly namespace: (attributes?: Record<string, unknown>) => Effect.Effect<NamespaceProxy>
  readonly value: (initial: unknown) => Effect.Effect<ValueProxy>
  readonly lock: () => Effect.Effect<ProcessSync.Lock>
  readonly queue: (options?: { readonly maxsize?: number | undefined }) => Effect.Effect<
    ProcessQueue.ProcessQueue<unknown>,
    Errors.InvalidArgumentError
  >
}

// -----------------------------------------------------------------------------
// The objects, in the manager's process
// -----------------------------------------------------------------------------

/** Python's `IndexError`. */
const indexError = (index: number, length: number) =>
  new Errors.InvalidArgumentError({
    argument: "index",
    message: `list index ${index} out of range (the list has ${length} items)`
  })

const servedDict = (map: Map<unknown, unknown>): Served.Served => ({
  call: (method, args) =>
    Effect.sync(() => {
      const [key, value] = args as [unknown, unknown]
      switch (method) {
        case "get":
          return map.has(key) ? [map.get(key)] : []
        case "set":
          map.set(key, value)
          return undefined
        case "delete":
          return map.delete(key)
        case "has":
          return map.has(key)
        case "size":
          return map.size
        case "entries":
          return Array.from(map)
        default:
          throw new Error(`a dict proxy has no method ${method}`)
      }
    })
})

const servedList = (items: Array<unknown>): Served.Served => ({
  call: (method, args) =>
    Effect.suspend(() => {
      const [a, b] = args as [unknown, unknown]
      const at = (index: number) => (index < 0 ? items.length + index : index)
      switch (method) {
        case "append":
          items.push(a)
          return Effect.void
        case "extend":
          items.push(...(a as Array<unknown>))
          return Effect.void
        case "get": {
          const i = at(a as number)
          return i >= 0 && i < items.length
            ? Effect.succeed(items[i])
            : Effect.fail(indexError(a as number, items.length))
        }
        case "set": {
          const i = at(a as number)
          if (i < 0 || i >= items.length) return Effect.fail(indexError(a as number, items.length))
          items[i] = b
          return Effect.void
        }
        case "pop": {
          if (items.length === 0) return Effect.fail(indexError(-1, 0))
          const i = a === undefined ? items.length - 1 : at(a as number)
          if (i < 0 || i >= items.length) return Effect.fail(indexError(a as number, items.length))
          return Effect.succeed(items.splice(i, 1)[0])
        }
        case "length":
          return Effect.succeed(items.length)
        case "toArray":
          return Effect.succeed([...items])
        default:
          return Effect.die(new Error(`a list proxy has no method ${method}`))
      }
    })
})

const servedNamespace = (attributes: Map<string, unknown>): Served.Served => ({
  call: (method, args) =>
    Effect.sync(() => {
      const [name, value] = args as [string, unknown]
      switch (method) {
        case "get":
          return attributes.has(name) ? [attributes.get(name)] : []
        case "set":
          attributes.set(name, value)
          return undefined
        case "toObject":
          return Object.fromEntries(attributes)
        default:
          throw new Error(`a namespace proxy has no method ${method}`)
      }
    })
})

const servedValue = (cell: { value: unknown }): Served.Served => ({
  call: (method, args) =>
    Effect.sync(() => {
      if (method === "get") return cell.value
      if (method === "set") {
        cell.value = (args as [unknown])[0]
        return undefined
      }
      throw new Error(`a value proxy has no method ${method}`)
    })
})

// -----------------------------------------------------------------------------
// Proxies: the same methods in the manager's process and in the processes it starts
// -----------------------------------------------------------------------------

type Call = (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>

/** A value that must cross is copied here too, so the owner's proxies behave as the others' (and fail alike). */
const copied = (value: unknown): Effect.Effect<unknown> =>
  Effect.try({ try: () => structuredClone(value), catch: (error) => error }).pipe(
    Effect.catch((error) =>
      Effect.die(
        new Errors.InvalidArgumentError({
          argument: "value",
          message: `the value cannot be shared with other processes: ${
            error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          }`
        })
      )
    )
  )

const option = (found: unknown): Option.Option<unknown> =>
  (found as Array<unknown>).length === 1 ? Option.some((found as Array<unknown>)[0]) : Option.none()

const makeDict = (id: number, call: Call): DictProxy => ({
  [TypeId]: { kind: "dict", id },
  get: (key) => Effect.map(Effect.orDie(call("get", [key])), option),
  set: (key, value) => Effect.flatMap(copied(value), (v) => Effect.orDie(call("set", [key, v]))) as Effect.Effect<void>,
  delete: (key) => Effect.orDie(call("delete", [key])) as Effect.Effect<boolean>,
  has: (key) => Effect.orDie(call("has", [key])) as Effect.Effect<boolean>,
  size: Effect.orDie(call("size", [])) as Effect.Effect<number>,
  toMap: Effect.map(Effect.orDie(call("entries", [])), (entries) => new Map(entries as Array<[unknown, unknown]>))
})

const makeList = (id: number, call: Call): ListProxy => ({
  [TypeId]: { kind: "list", id },
  append: (value) => Effect.flatMap(copied(value), (v) => Effect.orDie(call("append", [v]))) as Effect.Effect<void>,
  extend: (values) =>
    Effect.flatMap(copied([...values]), (v) => Effect.orDie(call("extend", [v]))) as Effect.Effect<void>,
  get: (index) => call("get", [index]) as Effect.Effect<unknown, Errors.InvalidArgumentError>,
  set: (index, value) =>
    Effect.flatMap(copied(value), (v) => call("set", [index, v])) as Effect.Effect<void, Errors.InvalidArgumentError>,
  pop: (index) => call("pop", [index]) as Effect.Effect<unknown, Errors.InvalidArgumentError>,
  length: Effect.orDie(call("length", [])) as Effect.Effect<number>,
  toArray: Effect.orDie(call("toArray", [])) as Effect.Effect<Array<unknown>>
})

const makeNamespace = (id: number, call: Call): NamespaceProxy => ({
  [TypeId]: { kind: "namespace", id },
  get: (name) => Effect.map(Effect.orDie(call("get", [name])), option),
  set: (name, value) =>
    Effect.flatMap(copied(value), (v) => Effect.orDie(call("set", [name, v]))) as Effect.Effect<void>,
  toObject: Effect.orDie(call("toObject", [])) as Effect.Effect<Record<string, unknown>>
})

const makeValue = (id: number, call: Call): ValueProxy => ({
  [TypeId]: { kind: "value", id },
  get: Effect.orDie(call("get", [])),
  set: (value) => Effect.flatMap(copied(value), (v) => Effect.orDie(call("set", [v]))) as Effect.Effect<void>
})

/** Proxies this process serves, by id: a proxy coming back here is the local one. */
const local = new Map<number, Proxy>()

/**
 * Starts a manager (Python's `with Manager() as manager:`); its objects are
 * served until the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Effect.Effect<Manager, never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const serveHere = <P extends Proxy>(served: Served.Served, make: (id: number, call: Call) => P) =>
      Effect.gen(function*() {
        const id = yield* Served.serve(served)
        const proxy = make(id, (method, args) => served.call(method, args, Served.localContext))
        local.set(id, proxy)
        yield* Effect.addFinalizer(() => Effect.sync(() => local.delete(id)))
        return proxy
      }).pipe(Scope.provide(scope))
    return {
      dict: (entries) =>
        Effect.suspend(() => serveHere(servedDict(new Map(structuredClone([...(entries ?? [])]))), makeDict)),
      list: (values) => Effect.suspend(() => serveHere(servedList(structuredClone([...(values ?? [])])), makeList)),
      namespace: (attributes) =>
        Effect.suspend(() =>
          serveHere(servedNamespace(new Map(Object.entries(structuredClone(attributes ?? {})))), makeNamespace)
        ),
      value: (initial) => Effect.suspend(() => serveHere(servedValue({ value: structuredClone(initial) }), makeValue)),
      lock: () => ProcessSync.lock().pipe(Scope.provide(scope)),
      queue: (options) => ProcessQueue.make(Schema.Unknown, options).pipe(Scope.provide(scope))
    }
  })

// -----------------------------------------------------------------------------
// Schemas: proxies in a task's input
// -----------------------------------------------------------------------------

const HandleSchema = Schema.Struct({ "~corun": Schema.Literal("Manager"), kind: Schema.String, id: Schema.Number })

const schemaOf = <P extends Proxy>(kind: Kind, make: (id: number, call: Call) => P) =>
  HandleSchema.pipe(
    Schema.decodeTo(
      Schema.declare((u: unknown): u is P =>
        typeof u === "object" && u !== null && TypeId in u && (u as P)[TypeId].kind === kind
      ),
      SchemaTransformation.transform({
        decode: (handle) =>
          (local.get(handle.id) as P | undefined) ??
            make(handle.id, (method, args) => Served.remoteCall(handle.id, method, args)),
        encode: (proxy: P) => ({
          "~corun": "Manager" as const,
          kind: proxy[TypeId].kind as string,
          id: proxy[TypeId].id
        })
      })
    )
  ) as unknown as Schema.Codec<P, typeof HandleSchema.Encoded>

/**
 * The schema of a `DictProxy` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const dictSchema: Schema.Codec<DictProxy, typeof HandleSchema.Encoded> = schemaOf("dict", makeDict)

/**
 * The schema of a `ListProxy` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const listSchema: Schema.Codec<ListProxy, typeof HandleSchema.Encoded> = schemaOf("list", makeList)

/**
 * The schema of a `NamespaceProxy` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const namespaceSchema: Schema.Codec<NamespaceProxy, typeof HandleSchema.Encoded> = schemaOf(
  "namespace",
  makeNamespace
)

/**
 * The schema of a `ValueProxy` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const valueSchema: Schema.Codec<ValueProxy, typeof HandleSchema.Encoded> = schemaOf("value", makeValue)
