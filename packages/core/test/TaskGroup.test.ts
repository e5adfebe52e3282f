import { Errors, Future, TaskGroup } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Data, Deferred, Effect, Exit, Fiber, Logger, References, Tracer } from "effect"
import { TestClock } from "effect/testing"
import { errorOf, isInterruptedOnly, makeProbe } from "./helpers.ts"

const sleepThen = <A>(millis: number, value: A) => Effect.as(Effect.sleep(millis), value)
const failAfter = <E>(millis: number, error: E) => Effect.andThen(Effect.sleep(millis), Effect.fail(error))

const failuresOf = <A, E>(exit: Exit.Exit<A, E>): Array<E> =>
  Exit.isFailure(exit) ? exit.cause.reasons.filter(Cause.isFailReason).map((reason) => reason.error) : []

describe("TaskGroup", () => {
  it.effect("waits for every task when the body returns, and returns the body's value", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const futures: Array<Future.Future<number>> = []
      const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
        Effect.gen(function*() {
          for (const i of [1, 2, 3]) futures.push(yield* group.createTask(track(i, sleepThen(i * 1000, i))))
          return "body"
        })
      ))
      yield* TestClock.adjust("2 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Fiber.join(fiber), "body")
      assert.deepStrictEqual(futures.map((f) => Future.pollUnsafe(f)), [1, 2, 3].map((i) => Exit.succeed(i)))
      assert.strictEqual(probe.running, 0)
      assert.deepStrictEqual(probe.interrupted, [])
    }))

  it.effect("the body can await its tasks' results", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
        Effect.gen(function*() {
          const a = yield* group.createTask(sleepThen(1000, 20))
          const b = yield* group.createTask(sleepThen(2000, 22))
          return (yield* Future.join(a)) + (yield* Future.join(b))
        })
      ))
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), 42)
    }))

  it.effect("tasks created by tasks are awaited too", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
        Effect.asVoid(group.createTask(Effect.gen(function*() {
          yield* Effect.sleep(1000)
          yield* group.createTask(track("grandchild", Effect.sleep(1000)))
        })))
      ))
      yield* TestClock.adjust("1 second")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(probe.ended, ["grandchild"])
      assert.deepStrictEqual(probe.interrupted, [])
    }))

  it.effect("the first failing task cancels the body and the other tasks, and its error is raised", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const futures: Array<Future.Future<unknown, string>> = []
      const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          futures.push(yield* group.createTask(track("slow", sleepThen(5000, 1))))
          futures.push(yield* group.createTask(track("bad", failAfter(1000, "task failed"))))
          futures.push(yield* group.createTask(track("done", sleepThen(500, 2))))
          return yield* track("body", Effect.never)
        })
      )))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(failuresOf(exit), ["task failed"])
      assert.isFalse(Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause))
      assert.sameMembers(probe.interrupted, ["slow", "body"])
      assert.strictEqual(probe.running, 0)
      assert.isTrue(isInterruptedOnly(Future.pollUnsafe(futures[0])))
      assert.deepStrictEqual(Future.pollUnsafe(futures[1]), Exit.fail("task failed"))
      assert.deepStrictEqual(Future.pollUnsafe(futures[2]), Exit.succeed(2))
    }))

  it.effect("a task failing after the body returned still fails the group and cancels the rest", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          yield* group.createTask(track("forever", Effect.never))
          yield* group.createTask(failAfter(1000, "late failure"))
          return "body done"
        })
      )))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(failuresOf(exit), ["late failure"])
      assert.deepStrictEqual(probe.interrupted, ["forever"])
    }))

  it.effect("a failing body cancels the tasks and the group fails with the body's error", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const futures: Array<Future.Future<unknown>> = []
      const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          futures.push(yield* group.createTask(track("a", Effect.never)))
          futures.push(yield* group.createTask(track("b", sleepThen(5000, 1))))
          yield* Effect.sleep(1000)
          return yield* Effect.fail("body failed")
        })
      )))
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(failuresOf(exit), ["body failed"])
      assert.sameMembers(probe.interrupted, ["a", "b"])
      assert.strictEqual(probe.running, 0)
      assert.isTrue(futures.every((f) => isInterruptedOnly(Future.pollUnsafe(f))))
    }))

  it.effect("a task cancelled on its own does not fail the group", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
        Effect.gen(function*() {
          const doomed = yield* group.createTask(track("doomed", Effect.never))
          const other = yield* group.createTask(track("other", sleepThen(2000, "other")))
          yield* Effect.sleep(1000)
          assert.isTrue(yield* Future.cancel(doomed))
          const error = yield* Effect.flip(Future.join(doomed))
          return [error._tag, yield* Future.join(other)] as const
        })
      ))
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual(yield* Fiber.join(fiber), ["CancelledError", "other"])
      assert.deepStrictEqual(probe.interrupted, ["doomed"])
    }))

  it.effect("a task that interrupts itself does not fail the group either", () =>
    Effect.gen(function*() {
      const result = yield* TaskGroup.run((group) =>
        Effect.gen(function*() {
          const self = yield* group.createTask(Effect.interrupt)
          yield* Future.await(self)
          return yield* Future.cancelled(self)
        })
      )
      assert.isTrue(result)
    }))

  it.effect("interrupting the run interrupts the body and every task", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const futures: Array<Future.Future<unknown>> = []
      const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
        Effect.gen(function*() {
          for (const i of [0, 1, 2]) futures.push(yield* group.createTask(track(i, Effect.never)))
          return yield* track("body", Effect.never)
        })
      ))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(probe.running, 4)
      yield* Fiber.interrupt(fiber)
      assert.isTrue(isInterruptedOnly(fiber.pollUnsafe()))
      assert.strictEqual(probe.running, 0)
      assert.sameMembers(probe.interrupted, [0, 1, 2, "body"])
      assert.isTrue(futures.every((f) => Future.isDoneUnsafe(f)))
    }))

  it.effect("interrupting the run while it waits for the tasks after the body interrupts them", () =>
    Effect.gen(function*() {
      const { probe, track } = makeProbe()
      const fiber = yield* Effect.forkChild(
        TaskGroup.run((group) => Effect.asVoid(group.createTask(track("task", Effect.never))))
      )
      yield* TestClock.adjust("1 second")
      assert.strictEqual(probe.running, 1)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(probe.interrupted, ["task"])
      assert.strictEqual(probe.running, 0)
    }))

  it.effect("createTask after the group finished fails with TaskGroupClosedError", () =>
    Effect.gen(function*() {
      let captured: TaskGroup.TaskGroup | undefined
      yield* TaskGroup.run((group) =>
        Effect.sync(() => {
          captured = group
        })
      )
      let ran = false
      const error = yield* Effect.flip(captured!.createTask(Effect.sync(() => {
        ran = true
      })))
      assert.strictEqual(error._tag, "TaskGroupClosedError")
      assert.isFalse(ran)
    }))

  it.effect("createTask while the group is aborting fails with TaskGroupClosedError", () =>
    Effect.gen(function*() {
      const attempts: Array<string> = []
      const exit = yield* Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          // This task, once interrupted by the abort, tries to start another one.
          yield* group.createTask(
            Effect.never.pipe(Effect.onInterrupt(() =>
              Effect.flatMap(Effect.exit(group.createTask(Effect.void)), (exit) =>
                Effect.sync(() => {
                  attempts.push(Exit.isFailure(exit) ? String(errorOf(exit)?._tag) : "created")
                }))
            ))
          )
          yield* Effect.yieldNow
          yield* group.createTask(Effect.fail("boom"))
        })
      ))
      assert.deepStrictEqual(failuresOf(exit), ["boom"])
      assert.deepStrictEqual(attempts, ["TaskGroupClosedError"])
    }))

  it.effect("errors of several tasks are combined in the Cause", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      let started = 0
      const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          // Uninterruptible, so that the first failure cannot stop the second one.
          const task = (error: string) =>
            Effect.uninterruptible(Effect.gen(function*() {
              started++
              yield* Deferred.await(gate)
              return yield* Effect.fail(error)
            }))
          yield* group.createTask(task("first"))
          yield* group.createTask(task("second"))
          yield* group.createTask(Effect.never)
          return "body"
        })
      )))
      // both tasks are inside their uninterruptible region before the gate opens
      while (started < 2) yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      const exit = yield* Fiber.join(fiber)
      assert.sameMembers(failuresOf(exit), ["first", "second"])
      assert.isFalse(Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause))
    }))

  it.effect("the body's error and a task's error are combined, the body's first", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
        Effect.gen(function*() {
          const started = yield* Deferred.make<void>()
          yield* group.createTask(
            Effect.uninterruptible(
              Effect.andThen(
                Deferred.succeed(started, undefined),
                Effect.andThen(Deferred.await(gate), Effect.fail("task"))
              )
            )
          )
          yield* Deferred.await(started)
          yield* Deferred.succeed(gate, undefined)
          return yield* Effect.fail("body")
        })
      )))
      const exit = yield* Fiber.join(fiber)
      assert.deepStrictEqual(failuresOf(exit), ["body", "task"])
    }))

  it.effect("a named task's log lines carry the `task` annotation and its span has the name", () =>
    Effect.gen(function*() {
      const lines: Array<unknown> = []
      const logger = Logger.make((options) => {
        lines.push(options.fiber.getRef(References.CurrentLogAnnotations)["task"])
      })
      const spans: Array<string> = []
      const tracer = Tracer.make({
        span(options) {
          spans.push(options.name)
          return new Tracer.NativeSpan(options)
        }
      })
      const name = yield* TaskGroup.run((group) =>
        Effect.gen(function*() {
          const named = yield* group.createTask(
            Effect.andThen(Effect.log("working"), Effect.map(Effect.currentSpan, (span) => span.name)),
            { name: "worker-7" }
          )
          assert.strictEqual(named.name, "worker-7")
          return yield* Future.join(named)
        })
      ).pipe(Effect.provide(Logger.layer([logger])), Effect.provideService(Tracer.Tracer, tracer))
      assert.strictEqual(name, "worker-7")
      assert.deepStrictEqual(lines, ["worker-7"])
      assert.deepStrictEqual(spans, ["worker-7"])
    }))

  it.effect("no task is left running after the run returns, whatever way it ends", () =>
    Effect.gen(function*() {
      for (const ending of ["success", "task failure", "body failure"] as const) {
        const { probe, track } = makeProbe()
        const futures: Array<Future.Future<unknown, string>> = []
        const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
          Effect.gen(function*() {
            for (const i of [1, 2, 3]) futures.push(yield* group.createTask(track(i, sleepThen(i * 1000, i))))
            if (ending === "task failure") futures.push(yield* group.createTask(failAfter(1500, "task")))
            if (ending === "body failure") return yield* failAfter(1500, "body")
          })
        )))
        yield* TestClock.adjust("5 seconds")
        const exit = yield* Fiber.join(fiber)
        assert.strictEqual(Exit.isSuccess(exit), ending === "success")
        assert.isTrue(futures.every((f) => Future.isDoneUnsafe(f)))
        assert.strictEqual(probe.running, 0)
        assert.strictEqual(probe.ended.length, 3)
      }
    }))

  describe("never drops a failure (asyncio's TaskGroup.__aexit__)", () => {
    it.effect("interrupting the owner interrupts the body first; the tasks run on until the body has exited", () =>
      Effect.gen(function*() {
        const events: Array<string> = []
        const log = (event: string) => Effect.sync(() => events.push(event))
        const futures: Array<Future.Future<string>> = []
        const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
          Effect.gen(function*() {
            futures.push(
              yield* group.createTask(Effect.as(Effect.andThen(Effect.sleep(2000), log("task finished")), "ok"))
            )
            futures.push(yield* group.createTask(Effect.never.pipe(Effect.onInterrupt(() => log("task interrupted")))))
            return yield* Effect.never.pipe(Effect.onInterrupt(() =>
              log("body interrupted").pipe(Effect.andThen(Effect.sleep(2000)), Effect.andThen(log("body exits")))
            ))
          })
        ))
        yield* TestClock.adjust("1 second")
        const interrupter = yield* Effect.forkChild(Fiber.interrupt(fiber))
        yield* TestClock.adjust("1 second")
        // the body is still in its cancel handler: the tasks are untouched
        const inTheWindow = { events: [...events], secondDone: Future.isDoneUnsafe(futures[1]) }
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(interrupter)
        assert.deepStrictEqual(inTheWindow, { events: ["body interrupted", "task finished"], secondDone: false })
        assert.deepStrictEqual(events, ["body interrupted", "task finished", "body exits", "task interrupted"])
        assert.deepStrictEqual(Future.pollUnsafe(futures[0]), Exit.succeed("ok"))
        assert.isTrue(isInterruptedOnly(fiber.pollUnsafe()))
      }))

    it.effect("a task failing while the interrupted body is still exiting fails the group", () =>
      Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
          Effect.gen(function*() {
            yield* group.createTask(failAfter(2000, "crash"))
            return yield* Effect.never.pipe(Effect.onInterrupt(() => Effect.sleep(2000)))
          })
        ))
        yield* TestClock.adjust("1 second")
        const interrupter = yield* Effect.forkChild(Fiber.interrupt(fiber))
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(interrupter)
        assert.deepStrictEqual(failuresOf(fiber.pollUnsafe()!), ["crash"])
      }))

    it.effect("tasks failing in their finalisers when the owner is interrupted fail the group", () =>
      Effect.gen(function*() {
        for (const body of ["waits", "has returned"] as const) {
          const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
            Effect.gen(function*() {
              for (const i of [1, 2, 3]) {
                yield* group.createTask(Effect.never.pipe(Effect.onInterrupt(() => Effect.fail(`cleanup ${i}`))))
              }
              if (body === "waits") yield* Effect.never
            })
          ))
          yield* TestClock.adjust("1 second")
          yield* Fiber.interrupt(fiber)
          const exit = fiber.pollUnsafe()!
          assert.sameMembers(failuresOf(exit), ["cleanup 1", "cleanup 2", "cleanup 3"], `the body ${body}`)
        }
      }))

    it.effect("the body's cancel handler failing fails the group, and the tasks are still cancelled", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
          Effect.gen(function*() {
            yield* group.createTask(track("task", Effect.never))
            return yield* Effect.never.pipe(Effect.onInterrupt(() => Effect.fail("handler failed")))
          })
        ))
        yield* TestClock.adjust("1 second")
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(failuresOf(fiber.pollUnsafe()!), ["handler failed"])
        assert.deepStrictEqual(probe.interrupted, ["task"])
        assert.strictEqual(probe.running, 0)
      }))

    it.effect("failures of a nested group's tasks reach the owner of the outer group", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const fiber = yield* Effect.forkChild(TaskGroup.run((outer) =>
          Effect.gen(function*() {
            yield* outer.createTask(track("outer task", Effect.never))
            yield* outer.createTask(Effect.never.pipe(Effect.onInterrupt(() => Effect.fail("outer cleanup"))))
            return yield* TaskGroup.run((inner) =>
              Effect.gen(function*() {
                for (const i of [1, 2]) {
                  yield* inner.createTask(
                    Effect.never.pipe(Effect.onInterrupt(() => Effect.fail(`inner cleanup ${i}`)))
                  )
                }
                return yield* Effect.never
              })
            )
          })
        ))
        yield* TestClock.adjust("1 second")
        yield* Fiber.interrupt(fiber)
        assert.sameMembers(failuresOf(fiber.pollUnsafe()!), ["inner cleanup 1", "inner cleanup 2", "outer cleanup"])
        assert.deepStrictEqual(probe.interrupted, ["outer task"])
      }))

    it.effect("nested groups: a failure in either group cancels the other's tasks and is the only error", () =>
      Effect.gen(function*() {
        for (const crashing of ["outer", "inner"] as const) {
          const { probe, track } = makeProbe()
          const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((outer) =>
            Effect.gen(function*() {
              yield* outer.createTask(track("outer task", failAfter(crashing === "outer" ? 1000 : 5000, "outer crash")))
              return yield* TaskGroup.run((inner) =>
                Effect.asVoid(
                  inner.createTask(track("inner task", failAfter(crashing === "inner" ? 1000 : 5000, "inner crash")))
                )
              )
            })
          )))
          yield* TestClock.adjust("1 second")
          const exit = yield* Fiber.join(fiber)
          assert.deepStrictEqual(failuresOf(exit), [`${crashing} crash`])
          assert.isFalse(Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause))
          assert.deepStrictEqual(probe.interrupted, [crashing === "outer" ? "inner task" : "outer task"])
        }
      }))

    it.effect("interrupting the owner at any step leaves no task running and loses no cleanup failure", () =>
      Effect.gen(function*() {
        const outcomes = new Set<string>()
        for (let steps = 0; steps < 40; steps++) {
          let started = 0
          let stopped = 0
          const cleanups: Array<string> = []
          const task = (group: TaskGroup.TaskGroup, id: string, children: number): Effect.Effect<void, unknown> =>
            Effect.gen(function*() {
              started++
              yield* Effect.yieldNow
              for (let i = 0; i < children; i++) {
                yield* Effect.asVoid(group.createTask(task(group, `${id}.${i}`, 0)))
                yield* Effect.yieldNow
              }
            }).pipe(
              Effect.onInterrupt(() =>
                Effect.andThen(Effect.sync(() => cleanups.push(id)), Effect.fail(`cleanup ${id}`))
              ),
              Effect.ensuring(Effect.sync(() => stopped++))
            )
          const fiber = yield* Effect.forkChild(TaskGroup.run((group) =>
            Effect.gen(function*() {
              for (let i = 0; i < 4; i++) {
                yield* group.createTask(task(group, `${i}`, 2))
                yield* Effect.yieldNow
              }
              return "body"
            })
          ))
          for (let i = 0; i < steps; i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
          const exit = fiber.pollUnsafe()!
          assert.strictEqual(started, stopped, `after ${steps} steps`)
          assert.sameMembers(failuresOf(exit), cleanups.map((id) => `cleanup ${id}`), `after ${steps} steps`)
          if (cleanups.length === 0) {
            assert.isTrue(Exit.isSuccess(exit) || isInterruptedOnly(exit), `after ${steps} steps`)
          }
          outcomes.add(Exit.isSuccess(exit) ? "success" : cleanups.length > 0 ? "failures" : "interrupted")
        }
        // the sweep reached every outcome: interrupted, interrupted with failing cleanups, finished first
        assert.sameMembers([...outcomes], ["interrupted", "failures", "success"])
      }))

    it.effect("two tasks failing at the same instant are both reported", () =>
      Effect.gen(function*() {
        const { probe, track } = makeProbe()
        const gate = yield* Deferred.make<void>()
        let waiting = 0
        const fiber = yield* Effect.forkChild(Effect.exit(TaskGroup.run((group) =>
          Effect.gen(function*() {
            // Both tasks are interruptible: the first failure must not cancel
            // the second before it has failed too.
            const task = (error: string) =>
              Effect.andThen(
                Effect.suspend(() => {
                  waiting++
                  return Deferred.await(gate)
                }),
                Effect.fail(error)
              )
            yield* group.createTask(task("first"))
            yield* group.createTask(task("second"))
            yield* group.createTask(track("other", Effect.never))
            return yield* track("body", Effect.never)
          })
        )))
        while (waiting < 2) yield* Effect.yieldNow
        // one step resumes both waiters
        yield* Deferred.succeed(gate, undefined)
        const exit = yield* Fiber.join(fiber)
        assert.sameMembers(failuresOf(exit), ["first", "second"])
        assert.isFalse(Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause))
        assert.sameMembers(probe.interrupted, ["other", "body"])
      }))
  })

  describe("except* (exceptStar) and ExceptionGroup (grouped)", () => {
    class NotFound extends Data.TaggedError("NotFound")<{ readonly url: string }> {}
    class Refused extends Data.TaggedError("Refused")<{ readonly url: string }> {}

    // Three tasks fail at the same instant (two NotFound, one Refused): the
    // group fails with all three, as the tests above show.
    const failingGroup = TaskGroup.run((group) =>
      Effect.gen(function*() {
        yield* group.createTask(Effect.fail(new NotFound({ url: "a" })))
        yield* group.createTask(Effect.fail(new Refused({ url: "b" })))
        yield* group.createTask(Effect.fail(new NotFound({ url: "c" })))
        yield* Effect.never
      })
    )

    it.effect("exceptStar hands every failure of the tag to the handler at once and re-raises the others", () =>
      Effect.gen(function*() {
        const seen: Array<ReadonlyArray<string>> = []
        const exit = yield* Effect.exit(failingGroup.pipe(
          TaskGroup.exceptStar("NotFound", (eg) =>
            Effect.sync(() => {
              seen.push(eg.errors.map((e) => e.url))
            }))
        ))
        assert.deepStrictEqual(seen, [["a", "c"]])
        assert.deepStrictEqual(failuresOf(exit), [new Refused({ url: "b" })])
      }))

    it.effect("with nothing left to re-raise, the handler's value is the result", () =>
      Effect.gen(function*() {
        const handled = yield* failingGroup.pipe(
          TaskGroup.exceptStar("NotFound", (eg) => Effect.succeed(eg.errors.length)),
          TaskGroup.exceptStar((e): e is Refused => e instanceof Refused, (eg) => Effect.succeed(-eg.errors.length))
        )
        assert.strictEqual(handled, -1)
      }))

    it.effect("a handler that fails adds its failure to the re-raised ones", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(
          TaskGroup.exceptStar(failingGroup, "NotFound", (eg) => Effect.fail(`gave up on ${eg.errors.length}`))
        )
        assert.deepStrictEqual(failuresOf(exit), [new Refused({ url: "b" }), "gave up on 2"])
      }))

    it.effect("no matching failure: the handler does not run and the cause is unchanged", () =>
      Effect.gen(function*() {
        let ran = false
        const cause: Cause.Cause<NotFound | Refused> = Cause.combine(
          Cause.fail(new Refused({ url: "x" })),
          Cause.die("boom")
        )
        const exit = yield* Effect.exit(
          Effect.failCause(cause).pipe(TaskGroup.exceptStar("NotFound", () => Effect.sync(() => (ran = true))))
        )
        assert.isFalse(ran)
        assert.deepStrictEqual(exit, Exit.failCause(cause) as Exit.Exit<boolean, Refused>)
      }))

    it.effect("defects and interruptions are re-raised untouched, beside the handled failures", () =>
      Effect.gen(function*() {
        const cause: Cause.Cause<NotFound> = Cause.combine(
          Cause.combine(Cause.fail(new NotFound({ url: "a" })), Cause.die("boom")),
          Cause.interrupt(1)
        )
        const exit = yield* Effect.exit(
          Effect.failCause(cause).pipe(TaskGroup.exceptStar("NotFound", () => Effect.void))
        )
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) {
          assert.deepStrictEqual(failuresOf(exit), [])
          assert.isTrue(Cause.hasDies(exit.cause))
          assert.isTrue(Cause.hasInterrupts(exit.cause))
        }
      }))

    it.effect("grouped turns every typed failure into one ExceptionGroup carrying all of them", () =>
      Effect.gen(function*() {
        const eg = yield* Effect.flip(TaskGroup.grouped(failingGroup))
        assert.instanceOf(eg, Errors.ExceptionGroup)
        assert.strictEqual(eg._tag, "ExceptionGroup")
        assert.deepStrictEqual(eg.errors.map((e) => `${e._tag} ${"url" in e ? e.url : ""}`), [
          "NotFound a",
          "Refused b",
          "NotFound c"
        ])
        assert.strictEqual(eg.message, "unhandled errors in a TaskGroup (3 sub-exceptions)")
        // A success, or a cause without typed failures, is left as it is.
        assert.strictEqual(yield* TaskGroup.grouped(Effect.succeed(1)), 1)
        const died = yield* Effect.exit(TaskGroup.grouped(Effect.die("boom")))
        assert.deepStrictEqual(died, Exit.die("boom"))
      }))
  })
})
