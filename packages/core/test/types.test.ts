/**
 * Type tests: what the API promises at the type level. `pnpm test` type-checks
 * this file (`pnpm typecheck`), so a signature that loses an error type, a
 * result type or one side of a dual API fails the build; the `expectTypeOf`
 * calls do nothing at run time.
 */
import {
  asCompleted,
  Errors,
  Executor,
  type Future,
  gather,
  Lock,
  type Pool,
  RLock,
  Semaphore,
  Task,
  TaskGroup
} from "@corun/core"
import { describe, it } from "@effect/vitest"
import { Context, Data, Effect, type Exit, Schema, type Stream } from "effect"
import { expectTypeOf } from "vitest"

class NotFound extends Data.TaggedError("NotFound")<{ readonly url: string }> {}
class Timeout extends Data.TaggedError("Timeout")<{}> {}
class Negative extends Schema.TaggedError<Negative>()("Negative", { n: Schema.Number }) {}

const fetchPage = (url: string): Effect.Effect<string, NotFound> =>
  url === "" ? Effect.fail(new NotFound({ url })) : Effect.succeed(url)
const slow: Effect.Effect<number, Timeout> = Effect.succeed(1)

describe("types", () => {
  it("TaskGroup.run has the union of the body's and the tasks' errors", () => {
    const program = TaskGroup.run((group) =>
      Effect.gen(function*() {
        const a = yield* group.createTask(fetchPage("a"))
        const b = yield* group.createTask(slow)
        return [a, b] as const
      })
    )
    expectTypeOf(program).toEqualTypeOf<
      Effect.Effect<
        readonly [Future.Future<string, NotFound>, Future.Future<number, Timeout>],
        NotFound | Timeout | Errors.TaskGroupClosedError
      >
    >()
  })

  it("TaskGroup.exceptStar removes the handled tag from the error union and types the group it hands over", () => {
    const program: Effect.Effect<string, NotFound | Timeout> = Effect.succeed("x")
    const handled = program.pipe(
      TaskGroup.exceptStar("NotFound", (eg) => {
        expectTypeOf(eg).toEqualTypeOf<Errors.ExceptionGroup<NotFound>>()
        expectTypeOf(eg.errors).toEqualTypeOf<readonly [NotFound, ...Array<NotFound>]>()
        return Effect.succeed(eg.errors.length)
      })
    )
    expectTypeOf(handled).toEqualTypeOf<Effect.Effect<string | number, Timeout>>()
    const byRefinement = TaskGroup.exceptStar(program, (e): e is Timeout => e._tag === "Timeout", () => Effect.void)
    expectTypeOf(byRefinement).toEqualTypeOf<Effect.Effect<string | void, NotFound>>()
    expectTypeOf(TaskGroup.grouped(program)).toEqualTypeOf<
      Effect.Effect<string, Errors.ExceptionGroup<NotFound | Timeout>>
    >()
    // @ts-expect-error: a tag the effect cannot fail with
    program.pipe(TaskGroup.exceptStar("Missing", () => Effect.void))
  })

  it("asCompleted takes futures and effects mixed: each effect becomes the future of its task, services add up", () => {
    class Db extends Context.Service<Db, { readonly query: Effect.Effect<number> }>()("Db") {}
    const stream = (future: Future.Future<string, NotFound>) =>
      asCompleted([future, slow, Effect.flatMap(Effect.service(Db), (db) => db.query)])
    expectTypeOf(stream).returns.toEqualTypeOf<
      Stream.Stream<
        Future.Future<string, NotFound> | Future.Future<number, Timeout> | Future.Future<number, never>,
        Errors.TimeoutError,
        Db
      >
    >()
    expectTypeOf(asCompleted([slow], { timeout: 1 })).toEqualTypeOf<
      Stream.Stream<Future.Future<number, Timeout>, Errors.TimeoutError | Errors.InvalidArgumentError>
    >()
  })

  it("gather keeps each position's type; with returnExceptions, an Exit per position and no error", () => {
    expectTypeOf(gather([fetchPage("a"), slow])).toEqualTypeOf<
      Effect.Effect<[string, number], NotFound | Timeout>
    >()
    expectTypeOf(gather([fetchPage("a"), slow], { returnExceptions: true })).toEqualTypeOf<
      Effect.Effect<[Exit.Exit<string, NotFound>, Exit.Exit<number, Timeout>], never>
    >()
  })

  it("Task.make infers the name, input, output, error and progress types from the schemas", () => {
    const square = Task.make("square", {
      input: Schema.Number,
      output: Schema.Number,
      error: Negative,
      progress: Schema.String,
      run: (n, ctx) => n < 0 ? Effect.fail(new Negative({ n })) : Effect.as(ctx.progress("squaring"), n * n)
    })
    expectTypeOf(square).toEqualTypeOf<Task.Task<"square", number, number, Negative, string>>()
    expectTypeOf<Task.Input<typeof square>>().toEqualTypeOf<number>()
    expectTypeOf<Task.Error<typeof square>>().toEqualTypeOf<Negative>()

    const noError = Task.make("noop", { input: Schema.String, output: Schema.String, run: Effect.succeed })
    expectTypeOf(noError).toEqualTypeOf<Task.Task<"noop", string, string, never, never>>()
  })

  it("a pool call has the task's error plus the pool's own errors", () => {
    const square = Task.make("square", {
      input: Schema.Number,
      output: Schema.Number,
      error: Negative,
      run: (n) => Effect.succeed(n * n)
    })
    const use = (pool: Pool.PoolService) => ({
      apply: pool.apply(square, 3),
      applyAsync: pool.applyAsync(square, 3),
      map: pool.map(square, [1, 2]),
      imap: pool.imap(square, [1, 2])
    })
    type Calls = ReturnType<typeof use>
    expectTypeOf<Calls["apply"]>().toEqualTypeOf<
      Effect.Effect<number, Negative | Pool.SubmitError | Pool.RunError>
    >()
    expectTypeOf<Calls["applyAsync"]>().toEqualTypeOf<
      Effect.Effect<Pool.TaskFuture<number, Negative | Pool.RunError, never>, Pool.SubmitError>
    >()
    expectTypeOf<Calls["map"]>().toEqualTypeOf<
      Effect.Effect<Array<number>, Negative | Pool.SubmitError | Pool.RunError>
    >()
    expectTypeOf<Calls["imap"]>().toEqualTypeOf<Stream.Stream<number, Negative | Pool.SubmitError | Pool.RunError>>()
    // A wrong input does not type-check.
    // @ts-expect-error: the input schema is a number
    void ((pool: Pool.PoolService) => pool.apply(square, "3"))
  })

  it("dual APIs: data-first and data-last give the same type", () => {
    // Checked by the compiler only: the functions below are never called.
    const effect: Effect.Effect<number, NotFound> = Effect.succeed(1)
    type Same = Effect.Effect<number, NotFound>
    expectTypeOf((lock: Lock.Lock) => Lock.withLock(lock)(effect)).returns.toEqualTypeOf<Same>()
    expectTypeOf((lock: Lock.Lock) => Lock.withLock(effect, lock)).returns.toEqualTypeOf<Same>()
    expectTypeOf((lock: Lock.Lock) => effect.pipe(Lock.withLock(lock))).returns.toEqualTypeOf<Same>()
    expectTypeOf((lock: RLock.RLock) => RLock.withLock(lock)(effect)).returns.toEqualTypeOf<Same>()
    expectTypeOf((lock: RLock.RLock) => RLock.withLock(effect, lock)).returns.toEqualTypeOf<Same>()
    expectTypeOf((semaphore: Semaphore.Semaphore) => Semaphore.withPermit(semaphore)(effect)).returns
      .toEqualTypeOf<Same>()
    expectTypeOf((semaphore: Semaphore.Semaphore) => Semaphore.withPermit(effect, semaphore)).returns
      .toEqualTypeOf<Same>()

    type Submitted = Effect.Effect<Future.Future<number, NotFound>, Errors.ExecutorShutdownError>
    expectTypeOf((executor: Executor.Executor) => Executor.submit(executor, effect)).returns.toEqualTypeOf<Submitted>()
    expectTypeOf((executor: Executor.Executor) => Executor.submit(effect)(executor)).returns.toEqualTypeOf<Submitted>()
    type Mapped = Stream.Stream<
      string,
      NotFound | Errors.TimeoutError | Errors.ExecutorShutdownError | Errors.InvalidArgumentError
    >
    const f = (n: number) => fetchPage(String(n))
    expectTypeOf((executor: Executor.Executor) => Executor.map(executor, [1, 2], f)).returns.toEqualTypeOf<Mapped>()
    expectTypeOf((executor: Executor.Executor) => Executor.map([1, 2], f)(executor)).returns.toEqualTypeOf<Mapped>()
  })
})
