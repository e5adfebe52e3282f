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
 * **Inheritance rule.** The value lives in the fiber's Effect context (a
 * `Context.Reference`), so it follows Effect's rules, not Python's:
 *
 * - A fiber that never set the value gets `initial()` on its first `get`,
 *   computed for that fiber (two fibers never share an initial object).
 * - A child fiber (`Effect.forkChild`, `Effect.all` with concurrency, …)
 *   starts with the value its parent had when it was forked. Python's new
 *   threads start empty instead.
 * - After the fork, the two are independent: a `set` in the child is not
 *   seen by the parent, nor the other way round.
 * - `set` lasts for the rest of the fiber, except inside a region that
 *   provides its own context (`Effect.provide…`, `locally`): there it lasts
 *   until the region ends.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
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

const Unset: unique symbol = Symbol.for("@corun/core/FiberLocal/Unset")

let counter = 0

class FiberLocalImpl<A> implements FiberLocal<A> {
  readonly [TypeId] = TypeId
  readonly initial: () => A
  readonly reference: Context.Reference<A | typeof Unset>

  constructor(initial: () => A) {
    this.initial = initial
    this.reference = Context.Reference<A | typeof Unset>(`@corun/core/FiberLocal/${++counter}`, {
      defaultValue: () => Unset
    })
  }

  pipe() {
    return pipeArguments(this, arguments)
  }

  get get(): Effect.Effect<A> {
    return Effect.withFiber((fiber) => {
      const value = fiber.getRef(this.reference)
      if (value !== Unset) return Effect.succeed(value)
      const initial = this.initial()
      fiber.setContext(Context.add(fiber.context, this.reference, initial))
      return Effect.succeed(initial)
    })
  }

  set(value: A): Effect.Effect<void> {
    return Effect.withFiber((fiber) => {
      fiber.setContext(Context.add(fiber.context, this.reference, value))
      return Effect.void
    })
  }

  update(f: (value: A) => A): Effect.Effect<void> {
    return Effect.flatMap(this.get, (value) => this.set(f(value)))
  }

  locally(value: A) {
    return <X, E, R>(effect: Effect.Effect<X, E, R>): Effect.Effect<X, E, R> =>
      Effect.provideService(effect, this.reference, value)
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
