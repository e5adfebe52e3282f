/**
 * Property tests (fast-check) for the invariants of the toolbox, under random
 * sizes, random interleavings (random `yieldNow`s between steps) and random
 * interruptions. Each property runs on Effect's live runtime (real clock).
 */
import { BoundedSemaphore, Lock, RLock, Semaphore, TaskQueue } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import fc from "fast-check"
import { forkThread } from "../threads.ts"

const NUM_RUNS = 60

/** `n` scheduler yields: the random part of an interleaving. */
const yields = (
  n: number
) => (n === 0 ? Effect.void : Effect.forEach(Array.from({ length: n }), () => Effect.yieldNow, { discard: true }))

/** An endless, deterministic stream of small numbers from a seed (for per-step yields). */
const rng = (seed: number) => {
  let x = seed | 0 || 1
  return (bound: number) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % bound
  }
}

const property = <Ts extends [unknown, ...Array<unknown>]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  body: (...args: Ts) => Effect.Effect<void, unknown>,
  numRuns = NUM_RUNS
) =>
  Effect.promise(() =>
    fc.assert(
      (fc.asyncProperty as any)(
        ...(arbitraries as Array<fc.Arbitrary<unknown>>),
        (...args: Ts) => Effect.runPromise(body(...args))
      ),
      { numRuns }
    )
  )

describe("TaskQueue properties", () => {
  it.live("N producers / M consumers: nothing lost or duplicated, per-producer FIFO order", () =>
    property(
      [
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 5, maxLength: 5 }),
        fc.integer()
      ],
      (producers, consumers, maxsize, counts, seed) =>
        Effect.gen(function*() {
          const q = yield* TaskQueue.fifo<readonly [number, number]>({ maxsize })
          const next = rng(seed)
          const total = counts.slice(0, producers).reduce((a, b) => a + b, 0)
          const received: Array<Array<readonly [number, number]>> = Array.from({ length: consumers }, () => [])
          let taken = 0
          const producer = (p: number) =>
            Effect.gen(function*() {
              for (let i = 0; i < counts[p]; i++) {
                yield* yields(next(3))
                yield* q.put([p, i] as const)
              }
            })
          const consumer = (c: number) =>
            Effect.gen(function*() {
              while (taken < total) {
                taken++
                yield* yields(next(3))
                const item = yield* q.get()
                received[c].push(item)
                yield* q.taskDone
              }
            })
          yield* Effect.all(
            [
              ...Array.from({ length: producers }, (_, p) => producer(p)),
              ...Array.from({ length: consumers }, (_, c) => consumer(c))
            ],
            { concurrency: "unbounded", discard: true }
          )
          yield* q.join
          const all = received.flat()
          assert.strictEqual(all.length, total)
          assert.strictEqual(new Set(all.map(([p, i]) => `${p}:${i}`)).size, total)
          // Every consumer saw each producer's items in increasing order.
          for (const seen of received) {
            const last = new Map<number, number>()
            for (const [p, i] of seen) {
              assert.isTrue((last.get(p) ?? -1) < i, `producer ${p} out of order`)
              last.set(p, i)
            }
          }
          assert.strictEqual(yield* q.qsize, 0)
          assert.strictEqual(yield* q.unfinishedTasks, 0)
        })
    ))

  it.live("nothing is lost when consumers and producers are interrupted at random", () =>
    property(
      [
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }),
        fc.integer()
      ],
      (maxsize, counts, seed) =>
        Effect.gen(function*() {
          const q = yield* TaskQueue.fifo<string>({ maxsize })
          const next = rng(seed)
          const put = new Set<string>()
          const got: Array<string> = []
          const producers = yield* Effect.forEach(counts, (n, p) =>
            Effect.forkChild(Effect.forEach(Array.from({ length: n }), (_, i) =>
              Effect.andThen(
                yields(next(3)),
                Effect.andThen(
                  q.put(`${p}:${i}`),
                  Effect.sync(() => put.add(`${p}:${i}`))
                )
              ), { discard: true })))
          const consumers = yield* Effect.forEach([0, 1, 2], () =>
            Effect.forkChild(Effect.forever(Effect.andThen(
              yields(next(3)),
              Effect.map(q.get(), (item) => {
                got.push(item) // in the same step as the get
              })
            ))))
          // Interrupt some fibers at random moments.
          for (const fiber of [...producers, ...consumers]) {
            yield* yields(next(20))
            if (next(2) === 0) {
              yield* Fiber.interrupt(fiber)
            }
          }
          yield* Fiber.interruptAll(consumers)
          yield* Fiber.interruptAll(producers)
          const left: Array<string> = []
          while (!(yield* q.empty)) {
            left.push(yield* q.getNowait)
          }
          const all = [...got, ...left]
          // Every item whose put completed arrived exactly once; an interrupted put may or may not
          // have delivered (it completed, then was interrupted before recording), but never twice.
          assert.strictEqual(new Set(all).size, all.length, "an item was duplicated")
          for (const item of put) {
            assert.include(all, item, `item ${item} was lost`)
          }
          assert.strictEqual(yield* q.unfinishedTasks, all.length)
        })
    ))

  it.live("lifo and priority follow their order under random puts and gets (model-based)", () =>
    property(
      [fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant<"get">("get")), { maxLength: 60 }), fc.boolean()],
      (ops, useLifo) =>
        Effect.gen(function*() {
          const q = useLifo ? yield* TaskQueue.lifo<[number, number]>() : yield* TaskQueue.priority<[number, number]>()
          const model: Array<[number, number]> = []
          let seq = 0
          for (const op of ops) {
            if (op === "get") {
              if (model.length === 0) {
                assert.strictEqual((yield* Effect.flip(q.getNowait))._tag, "QueueEmpty")
                continue
              }
              let index = model.length - 1
              if (!useLifo) {
                index = 0
                for (let i = 1; i < model.length; i++) {
                  if (model[i][0] < model[index][0]) index = i // first smallest: ties stay FIFO
                }
              }
              const [expected] = model.splice(index, 1)
              assert.deepStrictEqual(yield* q.get(), expected)
            } else {
              const item: [number, number] = [op, seq++]
              model.push(item)
              yield* q.put(item)
            }
          }
          assert.strictEqual(yield* q.qsize, model.length)
        })
    ))

  it.live("join returns only after the last taskDone", () =>
    property(
      [fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 4 }), fc.integer()],
      (items, workers, seed) =>
        Effect.gen(function*() {
          const q = yield* TaskQueue.fifo<number>()
          const next = rng(seed)
          let done = 0
          for (let i = 0; i < items; i++) yield* q.put(i)
          const joined = yield* Effect.forkChild(Effect.andThen(q.join, Effect.sync(() => done)))
          const worker = Effect.gen(function*() {
            while (true) {
              const item = yield* Effect.option(q.getNowait)
              if (item._tag === "None") return
              yield* yields(next(5))
              done++
              yield* q.taskDone
            }
          })
          yield* Effect.all(Array.from({ length: workers }, () => worker), { concurrency: "unbounded", discard: true })
          assert.strictEqual(yield* Fiber.join(joined), items)
          assert.strictEqual((yield* Effect.flip(q.taskDone))._tag, "TaskDoneTooManyTimesError")
        })
    ))
})

describe("Lock / RLock / BoundedSemaphore properties", () => {
  const exclusion = (
    make: () => {
      readonly limit: number
      readonly guard: <A, E>(e: Effect.Effect<A, E>) => Effect.Effect<A, E>
      readonly free: Effect.Effect<boolean>
    }
  ) =>
    property(
      [
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
        fc.integer()
      ],
      (rounds, plan, seed) =>
        Effect.gen(function*() {
          const { free, guard, limit } = make()
          const next = rng(seed)
          let active = 0
          let peak = 0
          let completed = 0
          const body = Effect.gen(function*() {
            active++
            peak = Math.max(peak, active)
            yield* Effect.ensuring(yields(next(4)), Effect.sync(() => active--))
          })
          // Each contender is a task of its own (a Python thread): an RLock's
          // fibers of one task would re-enter it.
          const fibers = yield* Effect.forEach(plan, ([pause]) =>
            forkThread(Effect.forEach(Array.from({ length: rounds }), () =>
              Effect.andThen(
                yields(pause),
                Effect.andThen(
                  guard(body),
                  Effect.sync(() => completed++)
                )
              ), { discard: true })))
          // Interrupt the fibers marked for it, at random moments (holding or waiting).
          for (let i = 0; i < plan.length; i++) {
            if (plan[i][1]) {
              yield* yields(next(6))
              yield* Fiber.interrupt(fibers[i])
            }
          }
          const exits = yield* Effect.forEach(fibers, Fiber.await)
          assert.isAtMost(peak, limit)
          assert.strictEqual(active, 0)
          for (let i = 0; i < plan.length; i++) {
            if (!plan[i][1]) {
              assert.isTrue(Exit.isSuccess(exits[i]))
            }
          }
          // No permit leaked: everything is free again.
          assert.isTrue(yield* free)
          assert.isAtLeast(
            completed,
            plan.filter(([, interrupted]) =>
              !interrupted
            ).length * rounds
          )
        })
    )

  it.live("a Lock never admits two holders, and is free after random interruptions", () =>
    exclusion(() => {
      const lock = Lock.makeUnsafe()
      return { limit: 1, guard: (e) => lock.withLock(e), free: Effect.map(lock.locked, (l) => !l) }
    }))

  it.live("an RLock (nested) never admits two tasks, and is free after random interruptions", () =>
    exclusion(() => {
      const rlock = RLock.makeUnsafe()
      return { limit: 1, guard: (e) => rlock.withLock(rlock.withLock(e)), free: Effect.map(rlock.locked, (l) => !l) }
    }))

  for (const k of [1, 2, 3]) {
    it.live(`a BoundedSemaphore(${k}) never admits more than ${k} holders and leaks no permit`, () =>
      exclusion(() => {
        const sem = BoundedSemaphore.makeUnsafe(k)
        return { limit: k, guard: (e) => sem.withPermit(e), free: Effect.map(sem.value, (v) => v === k) }
      }))
  }

  it.live("acquire with timeouts and interruptions: a Semaphore's permits add up", () =>
    property(
      [
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 10 }),
        fc.integer()
      ],
      (k, plan, seed) =>
        Effect.gen(function*() {
          const sem = yield* Semaphore.makeBounded(k)
          const next = rng(seed)
          let held = 0
          let peak = 0
          const fibers = yield* Effect.forEach(plan, ([timeout]) =>
            Effect.forkChild(Effect.uninterruptibleMask((restore) =>
              Effect.gen(function*() {
                const ok = yield* restore(sem.acquire({ timeout }))
                if (!ok) return
                held++
                peak = Math.max(peak, held)
                yield* Effect.exit(restore(yields(next(4))))
                held--
                yield* sem.release()
              })
            )))
          for (let i = 0; i < plan.length; i++) {
            if (plan[i][1]) {
              yield* yields(next(5))
              yield* Fiber.interrupt(fibers[i])
            }
          }
          yield* Effect.forEach(fibers, Fiber.await)
          assert.isAtMost(peak, k)
          assert.strictEqual(held, 0)
          assert.strictEqual(yield* sem.value, k)
        })
    ))
})

describe("timeouts under random interleavings", () => {
  let timeoutsSeen = 0
  it.live("TaskQueue put/get with timeouts: every successful put is got exactly once or left in the queue", () =>
    property(
      [
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 3 }),
        fc.integer()
      ],
      (maxsize, counts, seed) =>
        Effect.gen(function*() {
          const q = yield* TaskQueue.fifo<string>({ maxsize })
          const next = rng(seed)
          const accepted: Array<string> = []
          const got: Array<string> = []
          let fulls = 0
          let empties = 0
          const producers = counts.map((n, p) =>
            Effect.forEach(Array.from({ length: n }), (_, i) =>
              Effect.gen(function*() {
                yield* yields(next(3))
                const exit = yield* Effect.exit(q.put(`${p}:${i}`, { timeout: next(3) + 1 }))
                if (Exit.isSuccess(exit)) accepted.push(`${p}:${i}`)
                else fulls++
              }), { discard: true })
          )
          let producing = counts.length
          const consumer = Effect.gen(function*() {
            while (producing > 0 || !(yield* q.empty)) {
              yield* yields(next(4))
              if (next(3) === 0) yield* Effect.sleep(next(4)) // a slow consumer: puts time out
              const exit = yield* Effect.exit(q.get({ timeout: next(3) + 1 }))
              if (Exit.isSuccess(exit)) got.push(exit.value)
              else empties++
            }
          })
          yield* Effect.all(
            [...producers.map((p) => Effect.ensuring(p, Effect.sync(() => producing--))), consumer, consumer],
            { concurrency: "unbounded", discard: true }
          )
          const left: Array<string> = []
          while (!(yield* q.empty)) left.push(yield* q.getNowait)
          const all = [...got, ...left].sort()
          assert.deepStrictEqual(all, [...accepted].sort())
          assert.strictEqual(yield* q.unfinishedTasks, accepted.length)
          timeoutsSeen += fulls + empties
        }),
      20
    ).pipe(
      Effect.andThen(Effect.sync(() => {
        assert.isAbove(timeoutsSeen, 0, "no put or get ever timed out: the property tested nothing")
      }))
    ))

  it.live("Lock.acquire with timeouts and interruptions: one holder at a time, free at the end", () =>
    property(
      [fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 10 }), fc.integer()],
      (plan, seed) =>
        Effect.gen(function*() {
          const lock = yield* Lock.make()
          const next = rng(seed)
          let held = 0
          let peak = 0
          const fibers = yield* Effect.forEach(plan, ([timeout]) =>
            Effect.forkChild(Effect.uninterruptibleMask((restore) =>
              Effect.gen(function*() {
                const ok = yield* restore(lock.acquire({ timeout }))
                if (!ok) return
                held++
                peak = Math.max(peak, held)
                yield* Effect.exit(restore(yields(next(4))))
                held--
                yield* lock.release
              })
            )))
          for (let i = 0; i < plan.length; i++) {
            if (plan[i][1]) {
              yield* yields(next(5))
              yield* Fiber.interrupt(fibers[i])
            }
          }
          yield* Effect.forEach(fibers, Fiber.await)
          assert.isAtMost(peak, 1)
          assert.strictEqual(held, 0)
          assert.isFalse(yield* lock.locked)
        })
    ))
})
