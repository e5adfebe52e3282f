/**
 * A `FiberLocal<A>` holds one value per corun task: Python's
 * `threading.local()`, with tasks in place of threads.
 *
 * ```ts
 * const student = yield* FiberLocal.make(() => "nobody")  // local_school = threading.local()
 * const process = Effect.gen(function*() {
 *   yield* Console.log(`Hello, ${yield* student.get}`)    // local_school.student
 * })
 * const thread = (name: string) =>
 *   Effect.andThen(student.set(name), process)            // local_school.student = name
 * yield* executor.submit(thread("Alice"))                 // Thread(target=..., args=("Alice",)).start()
 * yield* executor.submit(thread("Bob"))
 * ```
 *
 * | Python                         | corun                                    |
 * |--------------------------------|------------------------------------------|
 * | `local = threading.local()`    | `FiberLocal.make(initial)`               |
 * | `local.x = value`              | `local.set(value)`                       |
 * | `local.x`                      | `local.get`                              |
 * | (none)                         | `local.locally(value)(effect)`: a value for one region |
 *
 * A Python `local` is a bag of attributes; a `FiberLocal` holds one typed
 * value (use a record for several).
 *
 * **Per task (the default).** A task is what `Executor.submit`,
 * `TaskGroup.createTask` or a `Timer` started, or the main task outside them
 * (see `Lock`). Each task has one value, shared by every fiber Effect's
 * combinators fork inside it (`Effect.all` with concurrency, `timeout`,
 * `forkChild`, …), as Python's thread-local value is shared by all the code
 * a thread runs. A new task starts from its own `initial()`, computed on its
 * first `get` (two tasks never share an initial object), whatever its creator
 * had: a new Python thread starts empty. `set` lasts for the rest of the
 * task; only `locally(value)(effect)` scopes a value, to `effect` and the
 * fibers it forks in the same task (a task started inside it starts from
 * `initial()`).
 *
 * **Per fiber, inherited (`{ scope: "fiber" }`).** Effect's rule, kept as an
 * option: each fiber has its own value and a child fiber starts from its
 * parent's:
 *
 * - A fiber that never set the value (and did not inherit one) gets
 *   `initial()` on its first `get`, computed once for that fiber.
 * - A child fiber (`Effect.forkChild`, `Effect.all` with concurrency, …)
 *   starts with the value its parent had when it was forked. The value is
 *   passed by reference: a mutable object is shared with the parent.
 * - After the fork, the two are independent (copy-on-write): a `set` in the
 *   child is not seen by the parent, nor the other way round.
 * - `set` lasts for the rest of the fiber, also when made inside an
 *   `Effect.fn`, `Effect.withSpan`, `Effect.annotateLogs` or
 *   `Effect.provide…` region; only `locally` scopes a value.
 * - One corner: a child forked right after such a region, before the parent
 *   has read or set the local again, starts from the value the parent had
 *   before the region (or its own `initial()` if there was none); a `get` by
 *   the parent in between avoids it. Effect gives no hook at fork time that
 *   would tell this case apart without letting the parent's later writes
 *   reach children forked earlier.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"
import { type TaskInfo, taskOf } from "./internal/task.ts"

const TypeId = "~@corun/core/FiberLocal" as const

/**
 * A per-task (or, with `{ scope: "fiber" }`, per-fiber) value.
 *
 * @since 0.1.0
 * @category models
 */
export interface FiberLocal<in out A> extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The current task's value (Python's `local.x`). */
  readonly get: Effect.Effect<A>
  /** Sets the current task's value (Python's `local.x = value`). */
  set(value: A): Effect.Effect<void>
  /** Replaces the current task's value with `f(value)`. */
  update(f: (value: A) => A): Effect.Effect<void>
  /** Runs `effect` with the value set to `value`, restoring it afterwards. */
  locally(value: A): <X, E, R>(effect: Effect.Effect<X, E, R>) => Effect.Effect<X, E, R>
}

/**
 * Where a fiber keeps its value: the fiber's top-level slot, or the slot of
 * one `locally` region. Mutated in place, so a write survives the end of any
 * region that restores an older context.
 */
interface Slot<A> {
  value: A
}

/**
 * What the fiber's context holds: a snapshot of the owner's value (what a
 * child forked from this context inherits, never mutated) and the owner's
 * slot (what the owner itself reads and writes).
 */
interface Cell<A> {
  readonly value: A
  readonly owner: number
  readonly slot: Slot<A>
}

let counter = 0

class InheritingFiberLocal<A> implements FiberLocal<A> {
  readonly [TypeId] = TypeId
  readonly initial: () => A
  readonly reference: Context.Reference<Cell<A> | undefined>
  /** Each fiber's top-level slot, created by its first `set` or `initial()`. */
  readonly slots = new WeakMap<Fiber.Fiber<unknown, unknown>, Slot<A>>()

  constructor(initial: () => A) {
    this.initial = initial
    this.reference = Context.Reference<Cell<A> | undefined>(`@corun/core/FiberLocal/${++counter}`, {
      defaultValue: () => undefined
    })
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  /** Puts a fresh snapshot of `slot` in the fiber's context, for the children it forks. */
  private install(fiber: Fiber.Fiber<unknown, unknown>, slot: Slot<A>): void {
    fiber.setContext(Context.add(fiber.context, this.reference, { value: slot.value, owner: fiber.id, slot }))
  }

  get get(): Effect.Effect<A> {
    return Effect.withFiber((fiber) => {
      const cell = fiber.getRef(this.reference)
      if (cell !== undefined && cell.owner === fiber.id) {
        // A region restored an older snapshot: refresh it for later forks.
        if (cell.value !== cell.slot.value) this.install(fiber, cell.slot)
        return Effect.succeed(cell.slot.value)
      }
      const own = this.slots.get(fiber)
      if (own !== undefined) {
        // The fiber set (or initialised) its value, and a region has since
        // restored a context from before that.
        this.install(fiber, own)
        return Effect.succeed(own.value)
      }
      // Inherited from the parent: read the snapshot taken at fork time.
      if (cell !== undefined) return Effect.succeed(cell.value)
      const slot: Slot<A> = { value: this.initial() }
      this.slots.set(fiber, slot)
      this.install(fiber, slot)
      return Effect.succeed(slot.value)
    })
  }

  set(value: A): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      const cell = fiber.getRef(this.reference)
      let slot: Slot<A> | undefined = cell !== undefined && cell.owner === fiber.id ? cell.slot : this.slots.get(fiber)
      if (slot === undefined) {
        // Copy-on-write: the first write of a fiber gives it its own slot;
        // the parent's snapshot is left as it was.
        slot = { value }
        this.slots.set(fiber, slot)
      }
      slot.value = value
      this.install(fiber, slot)
      return Effect.void
    })
  }

  update(f: (value: A) => A): Effect.Effect<void> {
    return Effect.flatMap(this.get, (value) => this.set(f(value)))
  }

  locally(value: A) {
    return <X, E, R>(effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> =>
      Effect.withFiber((fiber) =>
        Effect.provideService(effect, this.reference, { value, owner: fiber.id, slot: { value } })
      )
  }
}

/**
 * Per-task values, the default: one slot per task, shared by the task's
 * fibers, and a fresh `initial()` for every new task.
 */
class TaskLocal<A> implements FiberLocal<A> {
  readonly [TypeId] = TypeId
  readonly initial: () => A
  /** The slot of a `locally` region, with the task that entered it. */
  readonly reference: Context.Reference<RegionCell<A> | undefined>
  /** Each task's slot, created by its first `set` or `initial()`. */
  readonly slots = new WeakMap<TaskInfo, Slot<A>>()

  constructor(initial: () => A) {
    this.initial = initial
    this.reference = Context.Reference<RegionCell<A> | undefined>(`@corun/core/FiberLocal/${++counter}`, {
      defaultValue: () => undefined
    })
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  /** The slot the current fiber reads and writes. */
  slot(fiber: Fiber.Fiber<unknown, unknown>): Slot<A> {
    const task = taskOf(fiber)
    // A `locally` region counts only in the task that entered it: a task
    // started inside the region starts from its own `initial()`.
    const cell = fiber.getRef(this.reference)
    if (cell !== undefined && cell.task === task) return cell.slot
    let slot = this.slots.get(task)
    if (slot === undefined) {
      slot = { value: this.initial() }
      this.slots.set(task, slot)
    }
    return slot
  }

  get get(): Effect.Effect<A> {
    return Effect.withFiber((fiber) => Effect.succeed(this.slot(fiber).value))
  }

  set(value: A): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      const cell = fiber.getRef(this.reference)
      const task = taskOf(fiber)
      if (cell !== undefined && cell.task === task) cell.slot.value = value
      else this.slots.set(task, { value })
      return Effect.void
    })
  }

  update(f: (value: A) => A): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      const slot = this.slot(fiber)
      slot.value = f(slot.value)
      return Effect.void
    })
  }

  locally(value: A) {
    return <X, E, R>(effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> =>
      Effect.withFiber((fiber) =>
        Effect.provideService(effect, this.reference, { task: taskOf(fiber), slot: { value } })
      )
  }
}

/** What a `locally` region puts in the context of a `TaskLocal`. */
interface RegionCell<A> {
  readonly task: TaskInfo
  readonly slot: Slot<A>
}

/**
 * Options of `FiberLocal.make`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MakeOptions {
  /**
   * `"task"` (default): one value per corun task, as `threading.local` has
   * one per thread; every new task starts from `initial()`. `"fiber"`:
   * Effect's inheriting rule, one value per fiber, and a forked fiber starts
   * from its parent's value (copy-on-write).
   */
  readonly scope?: "task" | "fiber" | undefined
}

/**
 * Creates a task-local value: Python's `threading.local()`. Every task
 * (`Executor.submit`, `TaskGroup.createTask`, `Timer`, or the main task)
 * starts from its own `initial()`, computed on its first `get`; the fibers
 * of one task share its value. `{ scope: "fiber" }` gives Effect's
 * inheriting rule instead (see the module's doc).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(initial: () => A, options?: MakeOptions): Effect.Effect<FiberLocal<A>> =>
  Effect.sync(() => makeUnsafe(initial, options))

/**
 * Creates a task-local value outside an Effect (e.g. at module level); see
 * `make`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = <A>(initial: () => A, options?: MakeOptions): FiberLocal<A> =>
  options?.scope === "fiber" ? new InheritingFiberLocal(initial) : new TaskLocal(initial)

/**
 * The current task's (or fiber's) value: Python's `local.x`.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = <A>(self: FiberLocal<A>): Effect.Effect<A> => self.get

/**
 * Sets the current task's (or fiber's) value: Python's `local.x = value`.
 *
 * @since 0.1.0
 * @category setters
 */
export const set = <A>(self: FiberLocal<A>, value: A): Effect.Effect<void> => self.set(value)

/**
 * Runs an effect with the value set to `value` for its duration.
 *
 * @since 0.1.0
 * @category setters
 */
export const locally =
  <A>(self: FiberLocal<A>, value: A) => <X, E, R>(effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> =>
    self.locally(value)(effect)
