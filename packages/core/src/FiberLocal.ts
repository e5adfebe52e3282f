/**
 * A `FiberLocal<A>` holds one value per fiber: Python's `threading.local()`,
 * with fibers in place of threads.
 *
 * ```ts
 * const student = yield* FiberLocal.make(() => "nobody")  // local_school = threading.local()
 * const process = Effect.gen(function*() {
 *   yield* Console.log(`Hello, ${yield* student.get}`)    // local_school.student
 * })
 * const thread = (name: string) =>
 *   Effect.andThen(student.set(name), process)            // local_school.student = name
 * yield* Effect.all([thread("Alice"), thread("Bob")], { concurrency: "unbounded" })
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
 * **Inheritance rule.** Each fiber has its own value; Python's new threads
 * start empty, corun's child fibers start from their parent's value:
 *
 * - A fiber that never set the value (and did not inherit one) gets
 *   `initial()` on its first `get`, computed once for that fiber (two fibers
 *   never share an initial object).
 * - A child fiber (`Effect.forkChild`, `Effect.all` with concurrency, …)
 *   starts with the value its parent had when it was forked. Python's new
 *   threads start empty instead.
 * - After the fork, the two are independent (copy-on-write): a `set` in the
 *   child is not seen by the parent, nor the other way round.
 * - `set` lasts for the rest of the fiber, as `local.x = value` does in
 *   Python, also when made inside an `Effect.fn`, `Effect.withSpan`,
 *   `Effect.annotateLogs` or `Effect.provide…` region. Only `locally` scopes
 *   a value: inside `locally(value)(effect)` a `set` lasts until `effect`
 *   ends, and the value from before `locally` comes back afterwards.
 * - One corner: a child forked right after such a region, before the parent
 *   has read or set the local again, starts from the value the parent had
 *   before the region (or its own `initial()` if there was none); a `get` by
 *   the parent in between avoids it. Effect gives no hook at fork time that
 *   would tell this case apart without letting the parent's later writes
 *   reach children forked earlier.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import type * as Fiber from "effect/Fiber"
import type { Pipeable } from "effect/Pipeable"
import { pipeArguments } from "effect/Pipeable"

const TypeId = "~@corun/core/FiberLocal" as const

/**
 * A per-fiber value.
 *
 * @since 0.1.0
 * @category models
 */
export interface FiberLocal<in out A> extends Pipeable {
  readonly [TypeId]: typeof TypeId
  /** The current fiber's value (Python's `local.x`). */
  readonly get: Effect.Effect<A>
  /** Sets the current fiber's value (Python's `local.x = value`). */
  set(value: A): Effect.Effect<void>
  /** Replaces the current fiber's value with `f(value)`. */
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

class FiberLocalImpl<A> implements FiberLocal<A> {
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
 * Creates a fiber-local value; every fiber that has not set it (and did not
 * inherit it) starts from `initial()`: Python's `threading.local()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A>(initial: () => A): Effect.Effect<FiberLocal<A>> =>
  Effect.sync(() => new FiberLocalImpl(initial))

/**
 * Creates a fiber-local value outside an Effect (e.g. at module level).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeUnsafe = <A>(initial: () => A): FiberLocal<A> => new FiberLocalImpl(initial)

/**
 * The current fiber's value.
 *
 * @since 0.1.0
 * @category getters
 */
export const get = <A>(self: FiberLocal<A>): Effect.Effect<A> => self.get

/**
 * Sets the current fiber's value.
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
export const locally = <A>(self: FiberLocal<A>, value: A) =>
<X, E, R>(effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> => self.locally(value)(effect)
