/**
 * Model-based test of the `Semaphore` hand-off (asyncio 3.11's design): random
 * sequences of arrivals, releases, non-blocking acquires, interruptions and
 * scheduler turns, checked step by step against a model of asyncio's
 * `Semaphore` (a release hands its permit to the first waiter; a newcomer
 * queues while a handed-over permit has not been picked up; a waiter
 * interrupted after the hand-off passes the permit on or back).
 *
 * The main fiber runs with an unbounded op budget, so scheduled wake-ups run
 * only at its explicit `settle` steps: the model knows exactly which waiters
 * have run.
 */
import { Semaphore } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, References } from "effect"
import fc from "fast-check"

type Op =
  | { readonly _tag: "spawn"; readonly hold: boolean }
  | { readonly _tag: "release" }
  | { readonly _tag: "tryAcquire" }
  | { readonly _tag: "interrupt"; readonly index: number }
  | { readonly _tag: "settle" }

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.boolean().map((hold): Op => ({ _tag: "spawn", hold })) },
  { weight: 3, arbitrary: fc.constant<Op>({ _tag: "release" }) },
  { weight: 2, arbitrary: fc.constant<Op>({ _tag: "tryAcquire" }) },
  { weight: 1, arbitrary: fc.nat({ max: 20 }).map((index): Op => ({ _tag: "interrupt", index })) },
  { weight: 1, arbitrary: fc.constant<Op>({ _tag: "settle" }) }
)

type Status = "queued" | "handed" | "holding" | "done" | "interrupted"

interface Model {
  readonly fiber: Fiber.Fiber<boolean>
  /** `acquire()` ends holding the permit; `withPermit(never)` holds it until interrupted. */
  readonly hold: boolean
  status: Status
}

const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })

const run = (initial: number, ops: ReadonlyArray<Op>) =>
  Effect.gen(function*() {
    const sem = yield* Semaphore.make(initial)
    let free = initial
    /** Permits held by finished `acquire`s and the main fiber, released by `release` steps. */
    let anonymous = 0
    /** Releases beyond the permits taken (the value grows). */
    let extra = 0
    const fibers: Array<Model> = []
    const queue: Array<Model> = []
    const handed: Array<Model> = []
    const handOn = () => {
      const next = queue.shift()!
      next.status = "handed"
      handed.push(next)
    }
    const releaseOne = () => (queue.length > 0 ? handOn() : free++)
    const handOnFree = () => {
      while (free > 0 && queue.length > 0) {
        free--
        handOn()
      }
    }
    const took = (f: Model) => {
      f.status = f.hold ? "holding" : "done"
      if (!f.hold) anonymous++
    }
    for (const [step, o] of ops.entries()) {
      switch (o._tag) {
        case "spawn": {
          const effect = o.hold ? sem.withPermit(Effect.never) : sem.acquire()
          const f: Model = {
            fiber: yield* Effect.forkChild(effect, { startImmediately: true }),
            hold: o.hold,
            status: "queued"
          }
          fibers.push(f)
          if (free > 0 && handed.length === 0) {
            free--
            took(f)
          } else {
            queue.push(f)
          }
          break
        }
        case "release": {
          // A plain semaphore may be released beyond its initial value.
          if (anonymous > 0) anonymous--
          else extra++
          yield* sem.release()
          releaseOne()
          break
        }
        case "tryAcquire": {
          const expected = free > 0 && handed.length === 0
          assert.strictEqual(yield* sem.acquire({ blocking: false }), expected, `step ${step}: tryAcquire`)
          if (expected) {
            free--
            anonymous++
          }
          break
        }
        case "interrupt": {
          if (fibers.length === 0) break
          const f = fibers[o.index % fibers.length]
          f.fiber.interruptUnsafe()
          if (f.status === "queued") {
            queue.splice(queue.indexOf(f), 1)
          } else if (f.status === "handed") {
            handed.splice(handed.indexOf(f), 1)
            free++
            handOnFree()
          } else if (f.status === "holding") {
            releaseOne()
          } else {
            break
          }
          f.status = "interrupted"
          break
        }
        case "settle": {
          yield* settle
          while (handed.length > 0) {
            took(handed.shift()!)
            handOnFree()
          }
          break
        }
      }
      const label = `step ${step} (${o._tag})`
      assert.strictEqual(yield* sem.value, free, `${label}: value`)
      for (const [i, f] of fibers.entries()) {
        const exit = f.fiber.pollUnsafe()
        if (f.status === "done") assert.deepStrictEqual(exit, Exit.succeed(true), `${label}: fiber ${i}`)
        else if (f.status === "interrupted") {
          assert.isTrue(exit !== undefined && Exit.hasInterrupts(exit), `${label}: fiber ${i}`)
        } else assert.isUndefined(exit, `${label}: fiber ${i} is ${f.status}`)
      }
    }
    // Clean up: nothing is left waiting once every fiber is interrupted and
    // every permit given back.
    for (const f of fibers) {
      f.fiber.interruptUnsafe()
    }
    yield* settle
    if (anonymous > 0) yield* sem.release(anonymous)
    assert.strictEqual(yield* sem.value, initial + extra)
    if (initial + extra > 0) assert.isTrue(yield* sem.acquire({ blocking: false }))
  }).pipe(Effect.provideService(References.MaxOpsBeforeYield, Number.MAX_SAFE_INTEGER))

describe("Semaphore hand-off (model-based)", () => {
  it.live("random arrivals, releases, non-blocking acquires, interruptions and turns follow asyncio's model", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 2 }),
          fc.array(op, { minLength: 1, maxLength: 40 }),
          (initial, ops) => Effect.runPromise(run(initial, ops))
        ),
        { numRuns: 500 }
      )
    ))
})
