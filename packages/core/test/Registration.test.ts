/**
 * Regressions found in review: a task must be registered with its group or
 * executor in the same step it is forked, whatever the scheduler does between
 * two operations (small op budgets make the fiber yield at every phase), and
 * a task's daemon flag and name must not leak into a plain task it starts.
 */
import { Executor, Future, TaskGroup } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scheduler } from "effect"

describe("task registration", () => {
  it.live("TaskGroup: no task outlives a failed group, at any op budget", () =>
    Effect.gen(function*() {
      let leakedRuns = 0
      for (let ops = 150; ops < 260; ops += 3) {
        let started = 0
        let stopped = 0
        const exit = yield* Effect.exit(
          TaskGroup.run((group) =>
            Effect.gen(function*() {
              yield* group.createTask(Effect.fail("boom" as const))
              for (let i = 0; i < 1000; i++) {
                yield* group.createTask(
                  Effect.sync(() => {
                    started++
                  }).pipe(
                    Effect.andThen(Effect.never),
                    Effect.ensuring(Effect.sync(() => {
                      stopped++
                    }))
                  )
                )
              }
            })
          ).pipe(Effect.provideService(Scheduler.MaxOpsBeforeYield, ops))
        )
        assert.isTrue(Exit.isFailure(exit))
        yield* Effect.sleep("5 millis")
        if (started !== stopped) leakedRuns++
      }
      assert.strictEqual(leakedRuns, 0)
    }), 60_000)

  it.live("a plain task started by a daemon task is neither a daemon nor named", () =>
    Effect.gen(function*() {
      let childFinished = false
      let seen: Executor.TaskInfo | undefined = { name: "unset", daemon: true }
      yield* Effect.scoped(Effect.gen(function*() {
        const executor = yield* Executor.make()
        const daemon = yield* executor.submit(
          Effect.gen(function*() {
            const plain = yield* executor.submit(
              Effect.gen(function*() {
                seen = yield* Effect.service(Executor.CurrentTask)
                // started with the default options: inherits `plain`'s flag (not a daemon)
                return yield* executor.submit(
                  Effect.sleep("30 millis").pipe(Effect.andThen(Effect.sync(() => {
                    childFinished = true
                  })))
                )
              }),
              { daemon: false }
            )
            return yield* Future.join(plain)
          }),
          { name: "D", daemon: true }
        )
        yield* Future.join(daemon)
      }))
      assert.deepStrictEqual(seen, { name: undefined, daemon: false })
      assert.isTrue(childFinished, "the non-daemon grandchild was awaited when the scope closed")
    }))
})
