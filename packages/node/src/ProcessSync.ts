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
 * Each primitive lives in the process that made it and is served to the
 * processes it starts (their calls travel over the channel the process
 * runtime already has); all parties wait in one FIFO line. **A process that
 * dies holding a lock releases it** (and gives back what it had acquired of
 * a semaphore), as the OS releases a dead process's file locks: its waiters
 * go on, never a deadlock. An `RLock` is re-entrant per process; a `Lock`
 * may be released by any party, as in Python; releasing a lock that is not
 * held fails with `LockNotOwnedError`, releasing a bounded semaphore above
 * its initial value with `SemaphoreOverReleaseError`.
 *
 * @since 0.1.0
 */
import { Errors } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import type * as Scope from "effect/Scope"
import * as Served from "./internal/served.ts"

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
  readonly [TypeId]: { readonly kind: Kind; readonly id: number }
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
// The state, in the owner
// -----------------------------------------------------------------------------

/** One FIFO line of waiters, woken to look again (corun's parking lot, in hint mode). */
type Line = Backend.ParkingLot.ParkingLot

const makeLine = (): Line => new Backend.ParkingLot.ParkingLot({ hint: true })

/** Waits on `line` until `ready()` holds (then runs `take`), at most `timeoutMs`; whether it did. */
const waitUntil = (
  line: Line,
  ready: () => boolean,
  take: () => void,
  block: boolean,
  timeoutMs: number | undefined
): Effect.Effect<boolean> => {
  const attempt: Effect.Effect<boolean> = Effect.suspend(() => {
    if (ready()) {
      take()
      return Effect.succeed(true)
    }
    if (!block) return Effect.succeed(false)
    return Effect.andThen(line.wait(ready), attempt)
  })
  return timeoutMs === undefined || !block
    ? attempt
    : Effect.map(Effect.timeoutOption(attempt, timeoutMs), (taken) => taken._tag === "Some")
}

/** A semaphore (a lock is one of 1), with who holds what, to give back a dead holder's share. */
class SemaphoreState {
  value: number
  readonly line = makeLine()
  /** What each caller holds, and the cancellation of its clean-up. */
  readonly held = new Map<object, { count: number; forget: () => void }>()
  /** RLock: the owner and its depth. */
  owner: object | undefined = undefined
  depth = 0
  readonly kind: Kind
  readonly initial: number
  constructor(kind: Kind, initial: number) {
    this.kind = kind
    this.initial = initial
    this.value = initial
  }

  acquire(context: Served.CallContext, block: boolean, timeoutMs: number | undefined): Effect.Effect<boolean> {
    const caller = context.caller
    if (this.kind === "RLock" && this.owner === caller) {
      this.depth++
      return Effect.succeed(true)
    }
    return waitUntil(
      this.line,
      () => this.value > 0,
      () => {
        this.value--
        if (this.kind === "RLock") {
          this.owner = caller
          this.depth = 1
        }
        const entry = this.held.get(caller)
        if (entry !== undefined) entry.count++
        else {
          const forget = context.onGone(() => this.releaseAllOf(caller))
          this.held.set(caller, { count: 1, forget })
        }
      },
      block,
      timeoutMs
    )
  }

  release(caller: object): Effect.Effect<void, Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError> {
    return Effect.suspend((): Effect.Effect<void, Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError> => {
      if (this.kind === "RLock") {
        if (this.owner !== caller) {
          return Effect.fail(
            new Errors.LockNotOwnedError({ message: "cannot release an RLock this process does not hold" })
          )
        }
        if (--this.depth > 0) return Effect.void
        this.owner = undefined
      } else if (this.kind === "Lock" && this.value >= 1) {
        return Effect.fail(new Errors.LockNotOwnedError({ message: "cannot release a Lock that is not held" }))
      } else if (this.kind === "BoundedSemaphore" && this.value >= this.initial) {
        return Effect.fail(
          new Errors.SemaphoreOverReleaseError({
            bound: this.initial,
            message: `the BoundedSemaphore was released more times than acquired (its bound is ${this.initial})`
          })
        )
      }
      // A Lock or semaphore may be released by another party than the one
      // that took it (Python's rule): the share taken off is any holder's.
      const holder = this.held.has(caller) ? caller : this.held.keys().next().value
      if (holder !== undefined) this.forgetOne(holder)
      this.value++
      this.line.unparkOne()
      return Effect.void
    })
  }

  private forgetOne(holder: object) {
    const entry = this.held.get(holder)
    if (entry === undefined) return
    if (--entry.count === 0) {
      entry.forget()
      this.held.delete(holder)
    }
  }

  /** A holder died: what it held comes back (its waiters go on). */
  private releaseAllOf(caller: object) {
    const entry = this.held.get(caller)
    if (entry === undefined) return
    this.held.delete(caller)
    this.value += entry.count
    if (this.owner === caller) {
      this.owner = undefined
      this.depth = 0
    }
    for (let i = 0; i < entry.count; i++) this.line.unparkOne()
  }
}

class EventState {
  flag = false
  readonly line = makeLine()
}

const servedSemaphore = (state: SemaphoreState): Served.Served => ({
  call: (method, args, context) => {
    switch (method) {
      case "acquire": {
        const [block, timeoutMs] = args as [boolean, number | undefined]
        return state.acquire(context, block, timeoutMs)
      }
      case "release":
        return state.release(context.caller)
      case "value":
        return Effect.sync(() => state.value)
      default:
        return Effect.die(new Error(`a ${state.kind} has no method ${method}`))
    }
  }
})

const servedEvent = (state: EventState): Served.Served => ({
  call: (method, args) => {
    switch (method) {
      case "set":
        return Effect.sync(() => {
          state.flag = true
          state.line.unparkAll()
        })
      case "clear":
        return Effect.sync(() => {
          state.flag = false
        })
      case "isSet":
        return Effect.sync(() => state.flag)
      case "wait":
        return waitUntil(state.line, () => state.flag, () => {}, true, (args as [number | undefined])[0])
      default:
        return Effect.die(new Error(`an Event has no method ${method}`))
    }
  }
})

// -----------------------------------------------------------------------------
// Handles: the same methods in the owner and in the processes it starts
// -----------------------------------------------------------------------------

type Call = (method: string, args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>

const makeLock = (kind: Kind, id: number, call: Call): Lock => {
  const acquire = (options?: WaitOptions) =>
    Effect.suspend(() => {
      const timeoutMs = Validation.timeoutMillis(options?.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      return call("acquire", [options?.block !== false, timeoutMs])
    }) as Effect.Effect<boolean, Errors.InvalidArgumentError>
  const release = call("release", []) as Effect.Effect<
    void,
    Errors.LockNotOwnedError | Errors.SemaphoreOverReleaseError
  >
  return {
    [TypeId]: { kind, id },
    acquire,
    release,
    withLock: (effect) => Effect.acquireUseRelease(Effect.orDie(acquire()), () => effect, () => Effect.orDie(release)),
    value: Effect.orDie(call("value", [])) as Effect.Effect<number>
  }
}

const makeEvent = (id: number, call: Call): Event => ({
  [TypeId]: { kind: "Event", id },
  set: Effect.orDie(call("set", [])) as Effect.Effect<void>,
  clear: Effect.orDie(call("clear", [])) as Effect.Effect<void>,
  isSet: Effect.orDie(call("isSet", [])) as Effect.Effect<boolean>,
  wait: (options) =>
    Effect.suspend(() => {
      const timeoutMs = Validation.timeoutMillis(options?.timeout)
      if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
      return Effect.orDie(call("wait", [timeoutMs]))
    }) as Effect.Effect<boolean, Errors.InvalidArgumentError>
})

/** Handles this process serves, by id: a handle coming back here is the object itself. */
const local = new Map<number, Handle>()

const serveHere = <H extends Handle>(served: Served.Served, make: (id: number, call: Call) => H) =>
  Effect.gen(function*() {
    const id = yield* Served.serve(served)
    const handle = make(id, (method, args) => served.call(method, args, Served.localContext))
    local.set(id, handle)
    yield* Effect.addFinalizer(() => Effect.sync(() => local.delete(id)))
    return handle
  })

const makeSemaphore = (kind: Kind, initial: number) =>
  serveHere(servedSemaphore(new SemaphoreState(kind, initial)), (id, call) => makeLock(kind, id, call))

const checkedValue = (value: number | undefined): number | Errors.InvalidArgumentError =>
  value === undefined
    ? 1
    : typeof value === "number" && Number.isInteger(value) && value >= 0
    ? value
    : Validation.invalidArgument("value", value, "an integer, 0 or more")

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
export const event = (): Effect.Effect<Event, never, Scope.Scope> => serveHere(servedEvent(new EventState()), makeEvent)

// -----------------------------------------------------------------------------
// Schemas: handles in a task's input
// -----------------------------------------------------------------------------

const HandleSchema = Schema.Struct({ "~corun": Schema.Literal("ProcessSync"), kind: Schema.String, id: Schema.Number })

const schemaOf = <H extends Handle>(kinds: ReadonlyArray<Kind>, make: (kind: Kind, id: number) => H) =>
  HandleSchema.pipe(
    Schema.decodeTo(
      Schema.declare((u: unknown): u is H =>
        typeof u === "object" && u !== null && TypeId in u && kinds.includes((u as H)[TypeId].kind)
      ),
      SchemaTransformation.transform({
        decode: (handle) =>
          (local.get(handle.id) as H | undefined) ??
            make(handle.kind as Kind, handle.id),
        encode: (h: H) => ({ "~corun": "ProcessSync" as const, kind: h[TypeId].kind as string, id: h[TypeId].id })
      })
    )
  ) as unknown as Schema.Codec<H, typeof HandleSchema.Encoded>

const remote = (id: number): Call => (method, args) => Served.remoteCall(id, method, args)

/**
 * The schema of a `Lock` (also an `RLock`, `Semaphore` or `BoundedSemaphore`)
 * in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const lockSchema: Schema.Codec<Lock, typeof HandleSchema.Encoded> = schemaOf<Lock>(
  ["Lock", "RLock", "Semaphore", "BoundedSemaphore"],
  (kind, id) => makeLock(kind, id, remote(id))
)

/**
 * The schema of an `Event` in a task's input.
 *
 * @since 0.1.0
 * @category schemas
 */
export const eventSchema: Schema.Codec<Event, typeof HandleSchema.Encoded> = schemaOf<Event>(
  ["Event"],
  (_kind, id) => makeEvent(id, remote(id))
)
