/**
 * `ProcessSync`: Python's `multiprocessing.Lock`, `RLock`, `Semaphore`,
 * `BoundedSemaphore` and `Event` — synchronization shared by the program
 * and the processes (or threads) it starts with `Process`.
 *
 * ```ts
 * // tasks.ts
 * export const f = Task.make("f", {
 *   input: Schema.Struct({ l: ProcessSync.lockSchema, i: Schema.Number }),
 *   output: Schema.Void,
 *   run: ({ i, l }) => l.withLock(Effect.sync(() => console.log("hello world", i)))
 * })
 * // main.ts
 * const lock = yield* ProcessSync.lock()                 // lock = Lock()
 * for (let num = 0; num < 10; num++) {
 *   const p = yield* Process.make({ tasks, target: f, args: { l: lock, i: num } })
 *   yield* p.start                                       // Process(target=f, args=(lock, num)).start()
 * }
 * ```
 *
 * | Python `multiprocessing`              | corun `ProcessSync`                                   |
 * |---------------------------------------|-------------------------------------------------------|
 * | `Lock()` / `RLock()`                  | `ProcessSync.lock()` / `ProcessSync.rlock()`          |
 * | `Semaphore(n)` / `BoundedSemaphore(n)` | `ProcessSync.semaphore(n)` / `ProcessSync.boundedSemaphore(n)` |
 * | `Event()`                             | `ProcessSync.event()`                                 |
 * | passed in `args`                      | `lockSchema`, `rlockSchema`, `semaphoreSchema`, `eventSchema` in the target's input |
 * | `acquire(block, timeout)` / `release()` / `with lock:` | `acquire({ block, timeout })` → `boolean` / `release` / `withLock(effect)` |
 * | `event.set()` / `clear()` / `is_set()` / `wait(timeout)` | `set` / `clear` / `isSet` / `wait({ timeout })` → `boolean` |
 *
 * Each primitive's state lives in memory shared with every worker thread
 * the process starts (a `SharedArrayBuffer`): where all parties are threads
 * they take and release it with `Atomics` on that memory, no message
 * involved; a child process's calls travel to its parent over the channel
 * the process runtime already has, and the parent runs the same operations
 * for it. Waiting never blocks a thread (`Atomics.waitAsync`): its other
 * fibers go on. **A process or thread that dies holding a lock releases
 * it** (and gives back what it had acquired of a semaphore), as the OS
 * releases a dead process's file locks: its waiters go on, never a
 * deadlock. An `RLock` is re-entrant per thread or process; a `Lock` may be
 * released by any party, as in Python; releasing a lock that is not held
 * fails with `LockNotOwnedError`, releasing a bounded semaphore above its
 * initial value with `SemaphoreOverReleaseError`. Waiters are woken
 * together and the first to look takes the lock (no FIFO order, as with
 * Python's OS semaphores). A handle reaches the processes and threads a
 * program starts itself, not their children.
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
import * as Served from "./internal/served.ts"
import * as SyncMemory from "./internal/syncMemory.ts"

const Validation = Backend.Validation

const TypeId = "~@corun/node/ProcessSync" as const

/**
 * Options of `acquire` and `wait`: Python's `block` and `timeout`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** `false`: answer at once. Default `true`. */
  readonly block?: boolean | undefined
  /** Wait at most this long, then answer `false`. Default: no limit. */
  readonly timeout?: Duration.Input | undefined
}

type Kind = "Lock" | "RLock" | "Semaphore" | "BoundedSemaphore" | "Event"

interface Handle {
  readonly [TypeId]: Ref
}

/**
 * A lock or semaphore shared by processes (`Lock`, `RLock`, `Semaphore`,
 * `BoundedSemaphore`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Lock extends Handle {
  /** Takes it, waiting while it is held (Python's `acquire`): `true` once taken, `false` if not within the timeout. */
  readonly acquire: (options?: WaitOptions) => Effect.Effect<boolean, Errors.InvalidArgumentError>
  /** Gives it back (Python's `release`). */
  readonly release: Effect.Effect<void, Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError>
  /** Runs `effect` holding it, released however `effect` ends (Python's `with lock:`). */
  readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** The semaphore's current value (1 or 0 for a lock; Python's `get_value()`). */
  readonly value: Effect.Effect<number>
}

/**
 * An event shared by processes (Python's `multiprocessing.Event`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Event extends Handle {
  readonly set: Effect.Effect<void>
  readonly clear: Effect.Effect<void>
  readonly isSet: Effect.Effect<boolean>
  /** Waits until the flag is set (Python's `wait(timeout)`): `true` once it is, `false` if not within the timeout. */
  readonly wait: (
    options?: { readonly timeout?: Duration.Input | undefined }
  ) => Effect.Effect<boolean, Errors.InvalidArgumentError>
}

// -----------------------------------------------------------------------------
// Operations: on shared memory (this process, its threads), or served (its processes)
// -----------------------------------------------------------------------------

/** What a handle does, wherever it is. */
interface Ops {
  readonly acquire: (
    block: boolean,
    timeoutMs: number | undefined,
    restore?: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<boolean>
  readonly release: Effect.Effect<void, Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError>
  readonly value: Effect.Effect<number>
  readonly set: (flag: boolean) => Effect.Effect<void>
  readonly isSet: Effect.Effect<boolean>
  readonly wait: (timeoutMs: number | undefined) => Effect.Effect<boolean>
}

const kindCodes: Record<Kind, number> = {
  Lock: SyncMemory.KIND_LOCK,
  RLock: SyncMemory.KIND_RLOCK,
  Semaphore: SyncMemory.KIND_SEMAPHORE,
  BoundedSemaphore: SyncMemory.KIND_BOUNDED,
  Event: SyncMemory.KIND_EVENT
}

const closed = (cell: SyncMemory.Cell) =>
  Effect.die(
    new Errors.QueueShutDown({
      message: `this lock no longer exists: the scope of the ProcessSync that made it closed (slot ${cell.slot})`
    })
  )

/** Why a release was refused, as the error Python would raise. */
const refusal = (
  cell: SyncMemory.Cell,
  why: SyncMemory.ReleaseRefused
): Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError => {
  if (why === "over-release") {
    const bound = SyncMemory.initialOf(cell)
    return new Errors.SemaphoreOverReleaseError({
      bound,
      message: `the BoundedSemaphore was released more times than acquired (its bound is ${bound})`
    })
  }
  return new Errors.LockNotOwnedError({
    message: why === "not-held"
      ? "cannot release a Lock that is not held"
      : "cannot release an RLock this thread or process does not hold"
  })
}

/** The operations on `cell` for `party` (who calls: this thread, or a child process its parent acts for). */
const cellOps = (cell: SyncMemory.Cell, party: number): Ops => {
  const live = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => SyncMemory.isLive(cell) ? effect : closed(cell))
  return {
    acquire: (block, timeoutMs, restore) =>
      live(SyncMemory.waitFor(cell, () => SyncMemory.tryAcquire(cell, party), block, timeoutMs, restore)),
    release: live(Effect.suspend(() => {
      const refused = SyncMemory.releaseFor(cell, party)
      return refused === undefined ? Effect.void : Effect.fail(refusal(cell, refused))
    })),
    value: live(Effect.sync(() => SyncMemory.valueOf(cell))),
    set: (flag) => live(Effect.sync(() => SyncMemory.setFlag(cell, flag))),
    isSet: live(Effect.sync(() => SyncMemory.isSet(cell))),
    wait: (timeoutMs) => live(SyncMemory.waitFor(cell, () => SyncMemory.isSet(cell), true, timeoutMs))
  }
}

/** The calls of a child process, run by its parent on the same memory for the child's party. */
const served = (cell: SyncMemory.Cell): Served.Served => {
  const partyOf = (context: Served.CallContext) =>
    context.caller === Served.local
      ? SyncMemory.ownParty()
      : SyncMemory.processParty(context.caller, (onGone) => void context.onGone(onGone))
  const now = (method: string, args: unknown, context: Served.CallContext) => {
    if (!SyncMemory.isLive(cell)) return undefined
    switch (method) {
      case "acquire": {
        const [block] = args as [boolean, number | undefined]
        const party = partyOf(context)
        if (SyncMemory.tryAcquire(cell, party)) return Exit.succeed(true)
        return block ? undefined : Exit.succeed(false)
      }
      case "release": {
        const refused = SyncMemory.releaseFor(cell, partyOf(context))
        return refused === undefined ? Exit.void : Exit.fail(refusal(cell, refused))
      }
      case "value":
        return Exit.succeed(SyncMemory.valueOf(cell))
      case "set":
        SyncMemory.setFlag(cell, (args as [boolean])[0])
        return Exit.void
      case "isSet":
        return Exit.succeed(SyncMemory.isSet(cell))
      default:
        return undefined
    }
  }
  return {
    callNow: now,
    call: (method, args, context) => {
      const ops = cellOps(cell, partyOf(context))
      switch (method) {
        case "acquire": {
          const [block, timeoutMs] = args as [boolean, number | undefined]
          return ops.acquire(block, timeoutMs)
        }
        case "wait":
          return ops.wait((args as [number | undefined])[0])
        default: {
          const exit = now(method, args, context)
          return exit ?? (SyncMemory.isLive(cell)
            ? Effect.die(new Error(`a ProcessSync object has no method ${method}`))
            : closed(cell))
        }
      }
    }
  }
}

/** Operations through the parent (a child process's handle): each a call over the process's channel. */
const remoteOps = (id: number): Ops => {
  const call = (method: string, args: ReadonlyArray<unknown>) => Served.remoteCall(id, method, args)
  return {
    // Acquired or not, the parent decides: the wait is not cut short here
    // (an interrupted call whose grant is on its way would leave the lock
    // held by nobody who knows it).
    acquire: (block, timeoutMs) => Effect.orDie(call("acquire", [block, timeoutMs])) as Effect.Effect<boolean>,
    release: call("release", []) as Effect.Effect<
      void,
      Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError
    >,
    value: Effect.orDie(call("value", [])) as Effect.Effect<number>,
    set: (flag) => Effect.orDie(call("set", [flag])) as Effect.Effect<void>,
    isSet: Effect.orDie(call("isSet", [])) as Effect.Effect<boolean>,
    wait: (timeoutMs) => Effect.orDie(call("wait", [timeoutMs])) as Effect.Effect<boolean>
  }
}

// -----------------------------------------------------------------------------
// Handles: the same methods in the owner, its threads and its processes
// -----------------------------------------------------------------------------

/** Where a handle's lock lives: the served object's id, the arena, the cell and its generation. */
interface Ref {
  readonly kind: Kind
  readonly id: number
  readonly arena: number
  readonly slot: number
  readonly gen: number
}

const makeLock = (ref: Ref, ops: Ops): Lock => {
  const acquire = (options?: WaitOptions) =>
    Effect.suspend(() => {
      const timeoutMs = Validation.timeoutMillis(options?.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      return Effect.uninterruptibleMask((restore) => ops.acquire(options?.block !== false, timeoutMs, restore))
    })
  const releaseOrDie = Effect.orDie(ops.release)
  return {
    [TypeId]: ref,
    acquire,
    release: ops.release,
    withLock: (effect) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(ops.acquire(true, undefined, restore), () => Effect.ensuring(restore(effect), releaseOrDie))
      ),
    value: ops.value
  }
}

const makeEvent = (ref: Ref, ops: Ops): Event => ({
  [TypeId]: ref,
  set: ops.set(true),
  clear: ops.set(false),
  isSet: ops.isSet,
  wait: (options) =>
    Effect.suspend(() => {
      const timeoutMs = Validation.timeoutMillis(options?.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      return ops.wait(timeoutMs)
    })
})

/** Handles this process made, by id: a handle coming back here is the object itself. */
const local = new Map<number, Handle>()

const makeHere = <H extends Handle>(kind: Kind, value: number, make: (ref: Ref, ops: Ops) => H) =>
  Effect.gen(function*() {
    const cell = yield* Effect.acquireRelease(
      Effect.sync(() => SyncMemory.allocate(kindCodes[kind], value)),
      (cell) => Effect.sync(() => SyncMemory.release(cell))
    )
    const id = yield* Served.serve(served(cell))
    const arena = SyncMemory.ownArena().id
    const handle = make({ kind, id, arena, slot: cell.slot, gen: cell.gen }, cellOps(cell, SyncMemory.ownParty()))
    local.set(id, handle)
    yield* Effect.addFinalizer(() => Effect.sync(() => local.delete(id)))
    return handle
  })

const makeSemaphore = (kind: Kind, initial: number) => makeHere(kind, initial, makeLock)

const checkedValue = (value: number | undefined): number | Errors.InvalidArgumentError =>
  value === undefined
    ? 1
    : typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 2 ** 31
    ? value
    : Validation.invalidArgument("value", value, "an integer from 0 to 2**31 - 1")

/**
 * A lock shared by processes (Python's `multiprocessing.Lock()`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const lock = (): Effect.Effect<Lock, never, Scope.Scope> => makeSemaphore("Lock", 1)

/**
 * A re-entrant lock shared by processes (Python's `multiprocessing.RLock()`):
 * the process that holds it may take it again, and must release it as many
 * times.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rlock = (): Effect.Effect<Lock, never, Scope.Scope> => makeSemaphore("RLock", 1)

/**
 * A semaphore shared by processes (Python's `multiprocessing.Semaphore(value)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const semaphore = (value?: number): Effect.Effect<Lock, Errors.InvalidArgumentError, Scope.Scope> =>
  Effect.suspend(() => {
    const checked = checkedValue(value)
    return checked instanceof Errors.InvalidArgumentError ? Effect.fail(checked) : makeSemaphore("Semaphore", checked)
  })

/**
 * A bounded semaphore shared by processes (Python's
 * `multiprocessing.BoundedSemaphore(value)`): releasing it above its initial
 * value fails with `SemaphoreOverReleaseError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const boundedSemaphore = (value?: number): Effect.Effect<Lock, Errors.InvalidArgumentError, Scope.Scope> =>
  Effect.suspend(() => {
    const checked = checkedValue(value)
    return checked instanceof Errors.InvalidArgumentError
      ? Effect.fail(checked)
      : makeSemaphore("BoundedSemaphore", checked)
  })

/**
 * An event shared by processes (Python's `multiprocessing.Event()`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const event = (): Effect.Effect<Event, never, Scope.Scope> => makeHere("Event", 0, makeEvent)

// -----------------------------------------------------------------------------
// Schemas: handles in a task's input
// -----------------------------------------------------------------------------

const HandleSchema = Schema.Struct({
  "~corun": Schema.Literal("ProcessSync"),
  kind: Schema.String,
  id: Schema.Number,
  arena: Schema.Number,
  slot: Schema.Number,
  gen: Schema.Number
})

/**
 * A handle that crossed: the object itself back in the process that made
 * it; in a worker thread sharing its arena, operations on the memory
 * itself; in a child process, calls to the parent.
 */
const decodeHandle = <H extends Handle>(ref: Ref, make: (ref: Ref, ops: Ops) => H): H => {
  if (ref.arena === SyncMemory.ownArenaId()) {
    const here = local.get(ref.id) as H | undefined
    if (here !== undefined) return here
  }
  const cell = SyncMemory.parentCell(ref.arena, ref.slot, ref.gen)
  return make(ref, cell === undefined ? remoteOps(ref.id) : cellOps(cell, SyncMemory.ownParty()))
}

const schemaOf = <H extends Handle>(kinds: ReadonlyArray<Kind>, make: (ref: Ref, ops: Ops) => H) =>
  HandleSchema.pipe(
    Schema.decodeTo(
      Schema.declare((u: unknown): u is H =>
        typeof u === "object" && u !== null && TypeId in u && kinds.includes((u as H)[TypeId].kind)
      ),
      SchemaTransformation.transform({
        decode: (handle) =>
          decodeHandle(
            { kind: handle.kind as Kind, id: handle.id, arena: handle.arena, slot: handle.slot, gen: handle.gen },
            make
          ),
        encode: (h: H) => ({ "~corun": "ProcessSync" as const, ...h[TypeId], kind: h[TypeId].kind as string })
      })
    )
  ) as unknown as Schema.Codec<H, typeof HandleSchema.Encoded>

/**
 * The schema of a `Lock` (also an `RLock`, `Semaphore` or `BoundedSemaphore`)
 * in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const lockSchema: Schema.Codec<Lock, typeof HandleSchema.Encoded> = schemaOf<Lock>(
  ["Lock", "RLock", "Semaphore", "BoundedSemaphore"],
  makeLock
)

/**
 * The schema of an `Event` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const eventSchema: Schema.Codec<Event, typeof HandleSchema.Encoded> = schemaOf<Event>(
  ["Event"],
  makeEvent
)
