/**
 * `SharedMemory`: Python's `multiprocessing.Value` and `multiprocessing.Array`
 * — numbers in memory shared by the program and the worker threads it starts
 * (`Process.make({ …, runtime: "thread" })`, or a thread `NodePool`), each
 * with a lock that lives in that same memory.
 *
 * ```ts
 * // tasks.ts: the target takes the value in its input
 * export const add = Task.make("add", {
 *   input: SharedMemory.valueSchema("i"),
 *   output: Schema.Void,
 *   run: (num) =>
 *     Effect.gen(function*() {
 *       for (let i = 0; i < 100_000; i++) {
 *         yield* num.getLock().withLock(num.update((n) => n + 1)) // with num.get_lock(): num.value += 1
 *       }
 *     }).pipe(Effect.orDie)
 * })
 * // main.ts
 * const num = yield* SharedMemory.value("i", 0)                    // num = Value('i', 0)
 * const p = yield* Process.make({ tasks, target: add, args: num, runtime: "thread" })
 * yield* p.start
 * yield* p.join()
 * console.log(yield* num.get)                                      // print(num.value)
 * ```
 *
 * | Python `multiprocessing`                  | corun `SharedMemory`                                        |
 * |-------------------------------------------|-------------------------------------------------------------|
 * | `Value('i', 0)` / `Value('i', 0, lock=False)` | `SharedMemory.value("i", 0)` / `value("i", 0, { lock: false })` |
 * | `v.value` / `v.value = x`                 | `v.get` / `v.set(x)`                                        |
 * | `v.value += 1` (not atomic)               | `v.update((x) => x + 1)` (not atomic either)                |
 * | `Array('d', [1, 2])` / `Array('i', 10)`   | `SharedMemory.array("d", [1, 2])` / `array("i", 10)`        |
 * | `a[i]` / `a[i] = x` / `len(a)` / `a[:]`   | `a.get(i)` / `a.set(i, x)` / `a.length` / `a.toArray`       |
 * | `v.get_lock()` / `a.get_lock()`           | `v.getLock()` / `a.getLock()`                               |
 * | `lock.acquire(block, timeout)` / `lock.release()` | `lock.acquire({ blocking, timeout })` / `lock.release` |
 * | `with v.get_lock(): …`                    | `v.getLock().withLock(effect)`                              |
 * | passed in `args`                          | the target's input schema holds `SharedMemory.valueSchema("i")` / `arraySchema("d")` |
 *
 * **Typecodes** (Python's `array` / `ctypes` codes): `b` `B` (8-bit), `h` `H`
 * (16-bit), `i` `I` (32-bit), `l` `L` (32-bit here, as on Windows and 32-bit
 * platforms; 64-bit on Linux / macOS Python: use `q` / `Q` for that), `q`
 * `Q` (64-bit, as `bigint`), `f` (32-bit float), `d` (64-bit float); upper
 * case is unsigned. An integer that does not fit its type fails with
 * `InvalidArgumentError` (ctypes would silently wrap it).
 *
 * **Atomicity, as in Python.** With a lock (the default, `lock: true`),
 * each `get`, `set`, `get(i)`, `set(i, x)` and `toArray` takes the lock on
 * its own: one read or one write is whole, but `update` (a `get`, then a
 * `set`) is not atomic — another thread can write in between, and updates
 * are lost, exactly as with Python's `v.value += 1`. Hold the lock around
 * the read-modify-write (`getLock().withLock(…)`) to make it atomic. With
 * `lock: false` (Python's `RawValue` / `RawArray`) there is no lock at all.
 *
 * **The lock** is Python's default for `Value` / `Array`: a recursive lock
 * (`RLock`), owned by the corun task that acquired it (in a worker thread,
 * by its task; code outside any task is that thread's main task, as Python
 * code outside any thread is `MainThread`); its owner may acquire it again,
 * and only its owner may release it (else `LockNotOwnedError`). Its state
 * is four 32-bit words in front of the data, so every thread that has the
 * memory has the lock. Waiting uses `Atomics.waitAsync` in every thread —
 * the main thread, whose event loop must not block, and worker threads too:
 * `Atomics.wait` there would block the whole thread, so a fiber of that
 * thread that holds the lock across a yield (an `Effect.sleep` inside
 * `withLock`) could never run again to release it, a deadlock. A short spin
 * comes first (a critical section of a read and a write ends in well under
 * a microsecond); where `Atomics.waitAsync` does not exist, the wait polls
 * every millisecond. A waiter that is interrupted passes on the wake-up it
 * may get later, so none is lost. A thread started by `Process` that ends
 * while it holds the lock of memory in its input frees it when it exits, so
 * its waiters go on (Python leaves it locked); a pool task's thread does not
 * (yet).
 *
 * **Crossing.** The memory is a `SharedArrayBuffer`: a worker thread gets
 * the same memory, not a copy. A child process cannot share it (Node's IPC
 * serializes messages), so a value or array in the input of a task run in a
 * child process (`runtime: "process"`) is refused where the child decodes
 * its input: the task dies with an error saying so, and the process exits
 * with code 1 (a `Manager`-served value, to come, is the way to share with
 * processes).
 *
 * @since 0.1.0
 */
import { Errors, Executor } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { waitAsync } from "./internal/syncMemory.ts"

const Validation = Backend.Validation

const TypeId = "~@corun/node/SharedMemory" as const

// -----------------------------------------------------------------------------
// Typecodes
// -----------------------------------------------------------------------------

/**
 * Python's typecodes (`array` module / `multiprocessing` short forms); see
 * the module notes for the sizes.
 *
 * @since 0.1.0
 * @category models
 */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d"

/**
 * The JavaScript type of an item: `bigint` for `q` / `Q`, else `number`.
 *
 * @since 0.1.0
 * @category models
 */
export type ItemOf<C extends Typecode> = C extends "q" | "Q" ? bigint : number

type View =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array

interface Kind {
  readonly view: (buffer: SharedArrayBuffer, offset: number, length: number) => View
  readonly bytes: number
  /** C's name, for messages. */
  readonly c: string
  /** Whether a value fits; `allowed` says what does. */
  readonly fits: (u: unknown) => boolean
  readonly allowed: string
  readonly zero: number | bigint
}

const intKind = (
  View: new(buffer: ArrayBufferLike, offset: number, length: number) => View,
  bytes: number,
  signed: boolean,
  c: string
): Kind => {
  const min = signed ? -(2 ** (8 * bytes - 1)) : 0
  const max = signed ? 2 ** (8 * bytes - 1) - 1 : 2 ** (8 * bytes) - 1
  return {
    view: (buffer, offset, length) => new View(buffer, offset, length),
    bytes,
    c,
    fits: (u) => typeof u === "number" && Number.isInteger(u) && u >= min && u <= max,
    allowed: `an integer from ${min} to ${max} (${c})`,
    zero: 0
  }
}

const bigKind = (signed: boolean, c: string): Kind => {
  const min = signed ? -(2n ** 63n) : 0n
  const max = signed ? 2n ** 63n - 1n : 2n ** 64n - 1n
  return {
    view: (buffer, offset, length) =>
      signed ? new BigInt64Array(buffer, offset, length) : new BigUint64Array(buffer, offset, length),
    bytes: 8,
    c,
    fits: (u) => typeof u === "bigint" && u >= min && u <= max,
    allowed: `a bigint from ${min}n to ${max}n (${c})`,
    zero: 0n
  }
}

const floatKind = (bytes: 4 | 8, c: string): Kind => ({
  view: (buffer, offset, length) =>
    bytes === 4 ? new Float32Array(buffer, offset, length) : new Float64Array(buffer, offset, length),
  bytes,
  c,
  fits: (u) => typeof u === "number",
  allowed: `a number (${c})`,
  zero: 0
})

const kinds: { readonly [C in Typecode]: Kind } = {
  b: intKind(Int8Array, 1, true, "signed char"),
  B: intKind(Uint8Array, 1, false, "unsigned char"),
  h: intKind(Int16Array, 2, true, "short"),
  H: intKind(Uint16Array, 2, false, "unsigned short"),
  i: intKind(Int32Array, 4, true, "int"),
  I: intKind(Uint32Array, 4, false, "unsigned int"),
  l: intKind(Int32Array, 4, true, "long, 32-bit here"),
  L: intKind(Uint32Array, 4, false, "unsigned long, 32-bit here"),
  q: bigKind(true, "long long"),
  Q: bigKind(false, "unsigned long long"),
  f: floatKind(4, "float"),
  d: floatKind(8, "double")
}

const typecodeHelp = "one of 'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'"

const isTypecode = (u: unknown): u is Typecode => typeof u === "string" && Object.hasOwn(kinds, u)

/** The largest array `array` makes (elements), far below what a `SharedArrayBuffer` may hold. */
const MAX_LENGTH = 2 ** 30

// -----------------------------------------------------------------------------
// The lock: four Int32 words in front of the data
// -----------------------------------------------------------------------------

/** 0: free, 1: held, 2: held and maybe waited for (a release must wake a waiter). */
const STATE = 0
/** The owner's thread (`threadId + 1`; 0: none). */
const OWNER_THREAD = 1
/** The owner's task, numbered in its thread (0: none). */
const OWNER_TASK = 2
/** How many times the owner holds it (recursive). */
const COUNT = 3
/** The bytes in front of the data (a multiple of 8: any item is aligned after it). */
const HEADER = 16

/** Tries this many loads of a held lock before waiting. */
const SPINS = 200

/** Who acquires: a thread and a corun task in it. */
interface Owner {
  readonly thread: number
  readonly task: number
}

/**
 * The numbers of this thread's tasks, in a thread-wide slot (a bundled copy
 * of this module in the same thread must number tasks the same way).
 */
interface Owners {
  readonly thread: number
  next: number
  readonly tasks: WeakMap<object, Owner>
  readonly main: Owner
}

const OWNERS = Symbol.for("@corun/node/SharedMemory/owners")

const owners = (): Owners => {
  const slot = globalThis as { [OWNERS]?: Owners }
  if (slot[OWNERS] === undefined) {
    const thread = process.getBuiltinModule("node:worker_threads").threadId + 1
    slot[OWNERS] = { thread, next: 2, tasks: new WeakMap(), main: { thread, task: 1 } }
  }
  return slot[OWNERS]
}

/** The owner a fiber acquires as: its corun task (`Executor.CurrentTask`) in this thread. */
const ownerOf = (fiber: Fiber.Fiber<unknown, unknown>): Owner => {
  const all = owners()
  const task = fiber.getRef(Executor.CurrentTask)
  if (task === undefined) return all.main
  let owner = all.tasks.get(task)
  if (owner === undefined) {
    owner = { thread: all.thread, task: all.next++ }
    all.tasks.set(task, owner)
  }
  return owner
}

const holds = (h: Int32Array, owner: Owner): boolean =>
  Atomics.load(h, OWNER_THREAD) === owner.thread && Atomics.load(h, OWNER_TASK) === owner.task

const own = (h: Int32Array, owner: Owner): void => {
  Atomics.store(h, OWNER_THREAD, owner.thread)
  Atomics.store(h, OWNER_TASK, owner.task)
  h[COUNT] = 1
}

/**
 * One try without waiting (the owner re-entering, or a free lock). When the
 * lock stays held, it is marked waited-for (2): its release then wakes a
 * waiter. Ulrich Drepper's futex mutex ("Futexes Are Tricky", mutex 3).
 */
const tryFirst = (h: Int32Array, owner: Owner): boolean => {
  if (holds(h, owner)) {
    h[COUNT]++
    return true
  }
  if (Atomics.compareExchange(h, STATE, 0, 1) === 0) return took(h, owner)
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(h, STATE) === 0 && Atomics.compareExchange(h, STATE, 0, 1) === 0) return took(h, owner)
  }
  return Atomics.exchange(h, STATE, 2) === 0 && took(h, owner)
}

/** A try after a wait: others may wait too, so the lock is taken marked waited-for. */
const tryAfterWait = (h: Int32Array, owner: Owner): boolean => Atomics.exchange(h, STATE, 2) === 0 && took(h, owner)

const took = (h: Int32Array, owner: Owner): true => {
  own(h, owner)
  return true
}

/**
 * Frees the lock in `memory` (a `SharedValue` / `SharedArray`'s bytes) if
 * the thread `threadId` holds it: that thread has ended (a `Process` on the
 * thread runtime exited holding it), and its waiters must go on rather than
 * wait forever. Returns whether it did. Not part of the public API (used by
 * `Process`).
 *
 * @internal
 */
export const releaseLocksOfThread = (memory: Uint8Array, threadId: number): boolean => {
  if (!(memory.buffer instanceof SharedArrayBuffer) || memory.buffer.byteLength < HEADER) return false
  const h = new Int32Array(memory.buffer, 0, 4)
  if (Atomics.load(h, OWNER_THREAD) !== threadId + 1) return false
  h[COUNT] = 1
  releaseHold(h)
  return true
}

/** Releases one hold of the owner's (the caller checked it holds the lock). */
const releaseHold = (h: Int32Array): void => {
  if (--h[COUNT] > 0) return
  Atomics.store(h, OWNER_TASK, 0)
  Atomics.store(h, OWNER_THREAD, 0)
  if (Atomics.sub(h, STATE, 1) !== 1) {
    Atomics.store(h, STATE, 0)
    Atomics.notify(h, STATE, 1)
  }
}

/**
 * Waits until the lock word may have changed from 2 (woken, or `ms`
 * passed). Interruptible; an interrupted wait that is woken later passes
 * the wake-up on.
 */
const waitChange = (h: Int32Array, ms: number | undefined): Effect.Effect<void> => {
  const wait = waitAsync
  if (wait === undefined) return Effect.sleep(ms === undefined ? 1 : Math.min(1, ms))
  return Effect.callback<void>((resume) => {
    const result = wait(h, STATE, 2, ms)
    if (!result.async) return resume(Effect.void)
    let abandoned = false
    void result.value.then((outcome) => {
      if (!abandoned) resume(Effect.void)
      else if (outcome === "ok") Atomics.notify(h, STATE, 1)
    })
    return Effect.sync(() => {
      abandoned = true
    })
  })
}

/**
 * Acquires for `owner`: `true`, or `false` when `timeoutMs` passed first
 * (0: one try). The tries run where they are called (uninterruptible in
 * `withLock`), only the waits run under `restore`: an interruption never
 * lands between taking the lock and handing it to the caller.
 */
const acquireFor = (
  h: Int32Array,
  owner: Owner,
  timeoutMs: number | undefined,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
): Effect.Effect<boolean> => {
  if (tryFirst(h, owner)) return Effect.succeed(true)
  if (timeoutMs === 0) return Effect.succeed(false)
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs
  const loop: Effect.Effect<boolean> = Effect.suspend(() => {
    const left = deadline === undefined ? undefined : deadline - Date.now()
    if (left !== undefined && left <= 0) return Effect.succeed(tryAfterWait(h, owner))
    return Effect.flatMap(
      restore(waitChange(h, left)),
      () => tryAfterWait(h, owner) ? Effect.succeed(true) : loop
    )
  })
  return loop
}

/**
 * The lock of a shared value or array (Python's `get_lock()`, an `RLock`
 * by default): recursive, owned by the corun task that acquired it, shared
 * by every thread that has the memory.
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedLock {
  /**
   * Waits until the lock is free (or already this task's) and takes it;
   * returns `true` (Python's `lock.acquire()`). With `{ timeout }` or
   * `{ blocking: false }` it returns `false` when the lock could not be
   * taken in time.
   */
  acquire(): Effect.Effect<boolean>
  acquire(options: {
    readonly blocking?: boolean | undefined
    readonly timeout?: Duration.Input | undefined
  }): Effect.Effect<boolean, Errors.InvalidArgumentError>
  /**
   * Releases one hold of the current task's (Python's `lock.release()`);
   * fails with `LockNotOwnedError` when this task does not hold the lock.
   */
  readonly release: Effect.Effect<void, Errors.LockNotOwnedError>
  /** Runs `effect` holding the lock (Python's `with lock:`); released however it ends. */
  withLock<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R>
}

const makeLock = (h: Int32Array): SharedLock => {
  const acquire = (options?: {
    readonly blocking?: boolean | undefined
    readonly timeout?: Duration.Input | undefined
  }): Effect.Effect<boolean, Errors.InvalidArgumentError> => {
    const timeoutMs = options === undefined ? undefined : Validation.acquireMillis(options)
    if (timeoutMs instanceof Errors.InvalidArgumentError) return Effect.fail(timeoutMs)
    return Effect.uninterruptibleMask((restore) =>
      Effect.withFiber((fiber) => acquireFor(h, ownerOf(fiber), timeoutMs, restore))
    )
  }
  return {
    acquire: acquire as SharedLock["acquire"],
    release: Effect.withFiber((fiber) => {
      if (!holds(h, ownerOf(fiber))) {
        return Effect.fail(new Errors.LockNotOwnedError({ message: "cannot release un-acquired lock" }))
      }
      releaseHold(h)
      return Effect.void
    }),
    withLock: (effect) => withLockOf(h, effect)
  }
}

const withLockOf = <A, E, R>(h: Int32Array, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((fiber) => {
      const owner = ownerOf(fiber)
      const release = Effect.sync(() => {
        if (holds(h, owner)) releaseHold(h)
      })
      return Effect.flatMap(
        acquireFor(h, owner, undefined, restore),
        () => Effect.ensuring(restore(effect), release)
      )
    })
  )

/**
 * `read()` under the lock: at once when it is free or already this
 * task's, else after waiting for it.
 */
const locked = <A>(h: Int32Array, read: () => A): Effect.Effect<A> =>
  Effect.withFiber((fiber) => {
    const owner = ownerOf(fiber)
    if (holds(h, owner)) return Effect.succeed(read())
    if (Atomics.compareExchange(h, STATE, 0, 1) === 0) {
      own(h, owner)
      try {
        return Effect.succeed(read())
      } finally {
        releaseHold(h)
      }
    }
    return withLockOf(h, Effect.sync(read))
  })

// -----------------------------------------------------------------------------
// Values and arrays
// -----------------------------------------------------------------------------

/** What a value or an array is made of: the memory and how to read it. */
interface Memory {
  readonly kind: "SharedValue" | "SharedArray"
  readonly typecode: Typecode
  readonly lock: boolean
  readonly buffer: SharedArrayBuffer
  readonly length: number
}

/**
 * A shared value without a lock (Python's `RawValue`, or
 * `Value(…, lock=False)`): one read or one write is whole, nothing more.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawValue<A extends number | bigint> {
  readonly [TypeId]: Memory
  /** Python's typecode. */
  readonly typecode: Typecode
  /** Reads it (Python's `v.value`). */
  readonly get: Effect.Effect<A>
  /** Writes it (Python's `v.value = x`); a value that does not fit the type fails with `InvalidArgumentError`. */
  readonly set: (value: A) => Effect.Effect<void, Errors.InvalidArgumentError>
  /**
   * `set(f(get))` (Python's `v.value = f(v.value)`, `v.value += 1`),
   * returning the new value: a read, then a write, NOT atomic — hold the
   * lock around it for that.
   */
  readonly update: (f: (value: A) => A) => Effect.Effect<A, Errors.InvalidArgumentError>
}

/**
 * A shared value with its lock (Python's `Value(typecode, x)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Value<A extends number | bigint> extends RawValue<A> {
  /** Python's `get_lock()`: the lock `get` and `set` take, for a read-modify-write. */
  readonly getLock: () => SharedLock
}

/**
 * A shared array without a lock (Python's `RawArray`, or
 * `Array(…, lock=False)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RawArray<A extends number | bigint> {
  readonly [TypeId]: Memory
  /** Python's typecode. */
  readonly typecode: Typecode
  /** Python's `len(a)`. */
  readonly length: number
  /** `a[i]` (a negative index counts from the end); out of range: `InvalidArgumentError` (Python's `IndexError`). */
  readonly get: (index: number) => Effect.Effect<A, Errors.InvalidArgumentError>
  /** `a[i] = x`; out of range, or a value that does not fit: `InvalidArgumentError`. */
  readonly set: (index: number, value: A) => Effect.Effect<void, Errors.InvalidArgumentError>
  /** `a[:]`: every item, read at once (under the lock, if any). */
  readonly toArray: Effect.Effect<Array<A>>
}

/**
 * A shared array with its lock (Python's `Array(typecode, …)`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SharedArray<A extends number | bigint> extends RawArray<A> {
  /** Python's `get_lock()`. */
  readonly getLock: () => SharedLock
}

/**
 * Options of `value` / `array` and their schemas: Python's `lock`.
 *
 * @since 0.1.0
 * @category models
 */
export interface LockOptions {
  /** `true` (default): with a lock (`Value`, `SharedArray`); `false`: without (`RawValue`, `RawArray`). */
  readonly lock?: boolean | undefined
}

const valueError = (argument: string, kind: Kind, given: unknown) =>
  Validation.invalidArgument(argument, given, kind.allowed)

const wrapValue = (memory: Memory): Value<any> => {
  const kind = kinds[memory.typecode]
  const h = new Int32Array(memory.buffer, 0, 4)
  const data = kind.view(memory.buffer, HEADER, 1)
  const read = () => data[0]
  const get: Effect.Effect<any> = memory.lock ? locked(h, read) : Effect.sync(read)
  const lock = makeLock(h)
  const set = (value: unknown): Effect.Effect<void, Errors.InvalidArgumentError> => {
    if (!kind.fits(value)) return Effect.fail(valueError("value", kind, value))
    const write = () => {
      data[0] = value as never
    }
    return memory.lock ? locked(h, write) : Effect.sync(write)
  }
  const self: Value<any> = {
    [TypeId]: memory,
    typecode: memory.typecode,
    get,
    set,
    update: (f) =>
      Effect.flatMap(get, (old) => {
        const next = f(old)
        return Effect.as(set(next), next)
      }),
    getLock: () => lock
  }
  return self
}

const wrapArray = (memory: Memory): SharedArray<any> => {
  const kind = kinds[memory.typecode]
  const h = new Int32Array(memory.buffer, 0, 4)
  const data = kind.view(memory.buffer, HEADER, memory.length)
  const length = memory.length
  const under = <A>(f: () => A): Effect.Effect<A> => memory.lock ? locked(h, f) : Effect.sync(f)
  const at = (index: unknown): number | Errors.InvalidArgumentError => {
    if (typeof index !== "number" || !Number.isInteger(index) || index < -length || index >= length) {
      return Validation.invalidArgument(
        "index",
        index,
        length === 0 ? "an index of the array, which is empty" : `an integer from ${-length} to ${length - 1}`
      )
    }
    return index < 0 ? length + index : index
  }
  const lock = makeLock(h)
  return {
    [TypeId]: memory,
    typecode: memory.typecode,
    length,
    get: (index) => {
      const i = at(index)
      return i instanceof Errors.InvalidArgumentError ? Effect.fail(i) : under(() => data[i])
    },
    set: (index, value) => {
      const i = at(index)
      if (i instanceof Errors.InvalidArgumentError) return Effect.fail(i)
      if (!kind.fits(value)) return Effect.fail(valueError("value", kind, value))
      return under(() => {
        data[i] = value as never
      })
    },
    toArray: under(() => Array.from(data as ArrayLike<any>)),
    getLock: () => lock
  }
}

const allocate = (kindName: Memory["kind"], typecode: Typecode, lock: boolean, length: number): Memory => ({
  kind: kindName,
  typecode,
  lock,
  buffer: new SharedArrayBuffer(HEADER + kinds[typecode].bytes * Math.max(length, 1)),
  length
})

const checkLockOption = (options: LockOptions | undefined): boolean | Errors.InvalidArgumentError => {
  const lock = options?.lock ?? true
  return typeof lock === "boolean" ? lock : Validation.invalidArgument("lock", lock, "true or false")
}

/**
 * Makes a shared value (Python's `multiprocessing.Value(typecode, initial)`;
 * `initial` defaults to 0). A bad typecode, initial value or `lock` fails
 * with `InvalidArgumentError` before any memory is allocated.
 *
 * @since 0.1.0
 * @category constructors
 */
export function value<C extends Typecode>(
  typecode: C,
  initial?: ItemOf<C>,
  options?: { readonly lock?: true | undefined }
): Effect.Effect<Value<ItemOf<C>>, Errors.InvalidArgumentError>
export function value<C extends Typecode>(
  typecode: C,
  initial: ItemOf<C> | undefined,
  options: { readonly lock: false }
): Effect.Effect<RawValue<ItemOf<C>>, Errors.InvalidArgumentError>
export function value<C extends Typecode>(
  typecode: C,
  initial?: ItemOf<C>,
  options?: LockOptions
): Effect.Effect<RawValue<ItemOf<C>>, Errors.InvalidArgumentError>
export function value(
  typecode: Typecode,
  initial?: number | bigint,
  options?: LockOptions
): Effect.Effect<RawValue<any>, Errors.InvalidArgumentError> {
  return Effect.suspend(() => {
    if (!isTypecode(typecode)) return Effect.fail(Validation.invalidArgument("typecode", typecode, typecodeHelp))
    const kind = kinds[typecode]
    const first = initial ?? kind.zero
    if (!kind.fits(first)) return Effect.fail(valueError("initial", kind, first))
    const lock = checkLockOption(options)
    if (lock instanceof Errors.InvalidArgumentError) return Effect.fail(lock)
    const memory = allocate("SharedValue", typecode, lock, 1)
    kind.view(memory.buffer, HEADER, 1)[0] = first as never
    const made = wrapValue(memory)
    return Effect.succeed(lock ? made : withoutLock(made))
  })
}

/**
 * Makes a shared array (Python's `multiprocessing.Array(typecode,
 * size_or_initializer)`): `size` zeros, or a copy of the given items. A bad
 * typecode, size, item or `lock` fails with `InvalidArgumentError` before
 * any memory is allocated.
 *
 * @since 0.1.0
 * @category constructors
 */
export function array<C extends Typecode>(
  typecode: C,
  sizeOrValues: number | Iterable<ItemOf<C>>,
  options?: { readonly lock?: true | undefined }
): Effect.Effect<SharedArray<ItemOf<C>>, Errors.InvalidArgumentError>
export function array<C extends Typecode>(
  typecode: C,
  sizeOrValues: number | Iterable<ItemOf<C>>,
  options: { readonly lock: false }
): Effect.Effect<RawArray<ItemOf<C>>, Errors.InvalidArgumentError>
export function array<C extends Typecode>(
  typecode: C,
  sizeOrValues: number | Iterable<ItemOf<C>>,
  options?: LockOptions
): Effect.Effect<RawArray<ItemOf<C>>, Errors.InvalidArgumentError>
export function array(
  typecode: Typecode,
  sizeOrValues: number | Iterable<number | bigint>,
  options?: LockOptions
): Effect.Effect<RawArray<any>, Errors.InvalidArgumentError> {
  return Effect.suspend(() => {
    if (!isTypecode(typecode)) return Effect.fail(Validation.invalidArgument("typecode", typecode, typecodeHelp))
    const kind = kinds[typecode]
    let items: Array<unknown> | undefined
    let length: number
    if (typeof sizeOrValues === "number") {
      if (!Number.isInteger(sizeOrValues) || sizeOrValues < 0 || sizeOrValues > MAX_LENGTH) {
        return Effect.fail(
          Validation.invalidArgument("size", sizeOrValues, `an integer from 0 to ${MAX_LENGTH}, or the items`)
        )
      }
      length = sizeOrValues
    } else if (
      typeof sizeOrValues === "object" && sizeOrValues !== null && Symbol.iterator in sizeOrValues
    ) {
      items = Array.from(sizeOrValues as Iterable<unknown>)
      if (items.length > MAX_LENGTH) {
        return Effect.fail(
          Validation.invalidArgument("sizeOrValues", `${items.length} items`, `at most ${MAX_LENGTH} items`)
        )
      }
      for (let i = 0; i < items.length; i++) {
        if (!kind.fits(items[i])) return Effect.fail(valueError(`sizeOrValues[${i}]`, kind, items[i]))
      }
      length = items.length
    } else {
      return Effect.fail(
        Validation.invalidArgument("sizeOrValues", sizeOrValues, "a size (a non-negative integer) or the items")
      )
    }
    const lock = checkLockOption(options)
    if (lock instanceof Errors.InvalidArgumentError) return Effect.fail(lock)
    const memory = allocate("SharedArray", typecode, lock, length)
    if (items !== undefined) {
      const data = kind.view(memory.buffer, HEADER, length)
      for (let i = 0; i < length; i++) data[i] = items[i] as never
    }
    const made = wrapArray(memory)
    return Effect.succeed(lock ? made : withoutLock(made))
  })
}

/** The raw object: the same, without `getLock` (Python's raw objects have no `get_lock`). */
const withoutLock = <T extends { readonly getLock: () => SharedLock }>(made: T): Omit<T, "getLock"> => {
  const { getLock: _, ...raw } = made
  return raw
}

// -----------------------------------------------------------------------------
// Crossing to a worker thread
// -----------------------------------------------------------------------------

/**
 * The memory as it crosses: the whole `SharedArrayBuffer`, as bytes. A
 * typed array over it, not the bare buffer: posted to a worker thread it
 * brings the very same memory, and serialized for a child process (which
 * cannot share it) it arrives as a copy the child refuses — a bare
 * `SharedArrayBuffer` would make the send itself throw, and the child
 * would never get its job.
 */
const Bytes = Schema.declare((u): u is Uint8Array => u instanceof Uint8Array)

/** The handle a value crosses as. */
const ValueHandle = Schema.Struct({
  "~corun": Schema.Literal("SharedValue"),
  typecode: Schema.String,
  lock: Schema.Boolean,
  memory: Bytes
})

/** The handle an array crosses as. */
const ArrayHandle = Schema.Struct({
  "~corun": Schema.Literal("SharedArray"),
  typecode: Schema.String,
  length: Schema.Number,
  lock: Schema.Boolean,
  memory: Bytes
})

const processHelp = "a SharedMemory value or array cannot cross to a child process " +
  "(runtime \"process\"): its SharedArrayBuffer is shared only with worker threads. " +
  "Run the task in a worker thread (Process / NodePool with runtime: \"thread\"), " +
  "or share a Manager value (to come) with processes"

/** The memory of a handle, checked: shared, of the size its typecode and length need. */
const memoryOf = (
  kindName: Memory["kind"],
  typecode: Typecode,
  lock: boolean,
  handle: { readonly typecode: string; readonly lock: boolean; readonly memory: Uint8Array },
  length: number
): Memory | SchemaIssue.Issue => {
  const buffer = handle.memory.buffer
  if (!(buffer instanceof SharedArrayBuffer)) {
    return new SchemaIssue.InvalidValue({ message: processHelp })
  }
  if (handle.typecode !== typecode) {
    return new SchemaIssue.InvalidValue({
      message: `a shared ${kindName === "SharedValue" ? "value" : "array"} of typecode '${handle.typecode}' ` +
        `where typecode '${typecode}' is expected`
    })
  }
  if (handle.lock !== lock) {
    return new SchemaIssue.InvalidValue({
      message: `a shared ${kindName === "SharedValue" ? "value" : "array"} made with lock: ${handle.lock} ` +
        `where one with lock: ${lock} is expected`
    })
  }
  if (
    handle.memory.byteOffset !== 0 || !Number.isInteger(length) || length < 0 ||
    buffer.byteLength !== HEADER + kinds[typecode].bytes * Math.max(length, 1)
  ) {
    return new SchemaIssue.InvalidValue({ message: "not the memory of a SharedMemory value or array" })
  }
  return { kind: kindName, typecode, lock, buffer, length }
}

const isMemoryOf = (kindName: Memory["kind"], typecode: Typecode, lock: boolean) => (u: unknown): boolean => {
  if (typeof u !== "object" || u === null || !(TypeId in u)) return false
  const memory = (u as { readonly [TypeId]: Memory })[TypeId]
  return memory.kind === kindName && memory.typecode === typecode && memory.lock === lock
}

const checkedTypecode = (typecode: unknown): Typecode => {
  if (!isTypecode(typecode)) throw Validation.invalidArgument("typecode", typecode, typecodeHelp)
  return typecode
}

/**
 * The schema of a shared value of `typecode` in a task's input: the parent
 * passes the value, a worker thread gets one on the same memory (with the
 * same lock). `{ lock: false }` for a value made with `lock: false`. A
 * child process refuses it (see the module notes). A bad typecode throws
 * `InvalidArgumentError` (schemas are made where tasks are declared).
 *
 * @since 0.1.0
 * @category schemas
 */
export function valueSchema<C extends Typecode>(
  typecode: C,
  options?: { readonly lock?: true | undefined }
): Schema.Codec<Value<ItemOf<C>>, typeof ValueHandle.Encoded>
export function valueSchema<C extends Typecode>(
  typecode: C,
  options: { readonly lock: false }
): Schema.Codec<RawValue<ItemOf<C>>, typeof ValueHandle.Encoded>
export function valueSchema(
  typecode: Typecode,
  options?: LockOptions
): Schema.Codec<RawValue<any>, typeof ValueHandle.Encoded> {
  const code = checkedTypecode(typecode)
  const lock = options?.lock ?? true
  return ValueHandle.pipe(
    Schema.decodeTo(
      Schema.declare(isMemoryOf("SharedValue", code, lock) as (u: unknown) => u is RawValue<any>),
      SchemaTransformation.transformEffect({
        decode: (handle) => {
          const memory = memoryOf("SharedValue", code, lock, handle, 1)
          if ("_tag" in memory) return Effect.fail(memory)
          const made = wrapValue(memory)
          return Effect.succeed(lock ? made : withoutLock(made) as RawValue<any>)
        },
        encode: (value) =>
          Effect.succeed({
            "~corun": "SharedValue" as const,
            typecode: code,
            lock,
            memory: new Uint8Array(value[TypeId].buffer)
          })
      })
    )
  ) as any
}

/**
 * The schema of a shared array of `typecode` in a task's input (as
 * `valueSchema`, for arrays).
 *
 * @since 0.1.0
 * @category schemas
 */
export function arraySchema<C extends Typecode>(
  typecode: C,
  options?: { readonly lock?: true | undefined }
): Schema.Codec<SharedArray<ItemOf<C>>, typeof ArrayHandle.Encoded>
export function arraySchema<C extends Typecode>(
  typecode: C,
  options: { readonly lock: false }
): Schema.Codec<RawArray<ItemOf<C>>, typeof ArrayHandle.Encoded>
export function arraySchema(
  typecode: Typecode,
  options?: LockOptions
): Schema.Codec<RawArray<any>, typeof ArrayHandle.Encoded> {
  const code = checkedTypecode(typecode)
  const lock = options?.lock ?? true
  return ArrayHandle.pipe(
    Schema.decodeTo(
      Schema.declare(isMemoryOf("SharedArray", code, lock) as (u: unknown) => u is RawArray<any>),
      SchemaTransformation.transformEffect({
        decode: (handle) => {
          const memory = memoryOf("SharedArray", code, lock, handle, handle.length)
          if ("_tag" in memory) return Effect.fail(memory)
          const made = wrapArray(memory)
          return Effect.succeed(lock ? made : withoutLock(made) as RawArray<any>)
        },
        encode: (shared) =>
          Effect.succeed({
            "~corun": "SharedArray" as const,
            typecode: code,
            length: shared[TypeId].length,
            lock,
            memory: new Uint8Array(shared[TypeId].buffer)
          })
      })
    )
  ) as any
}
