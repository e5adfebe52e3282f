/**
 * Interrupting a fiber at any step leaks no permit and no lock.
 *
 * A fiber pauses at a step boundary once its op budget
 * (`References.MaxOpsBeforeYield`) is spent; if it is interrupted during that
 * pause, whatever it took in the step before must already be recorded (and
 * so given back), or it is lost for good. Each test runs a fiber that loops
 * on a primitive, lets it run until it yields, interrupts it, and checks that
 * nothing was lost; sweeping the op budget moves the point of interruption
 * across every step of the loop.
 *
 * Regression tests: `Semaphore.withPermit` / `acquire` and `RLock.withLock` /
 * `acquire` used to take the permit or lock inside `restore(...)` and record
 * it one step later, and leaked it in a few percent of these runs.
 */
import { Executor, RLock, Semaphore } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, References } from "effect"

/** Op budgets to sweep: every position of the (short) loops below, many times over. */
const BUDGETS = Array.from({ length: 201 }, (_, i) => 100 + i)

/**
 * Forks `loops`, lets them run until they are paused by their op budget,
 * then interrupts them one by one (letting the others run in between), all
 * with `MaxOpsBeforeYield = ops`.
 */
const interruptAfterRunning = (ops: number, loops: ReadonlyArray<Effect.Effect<never>>) =>
  Effect.gen(function*() {
    const fibers = yield* Effect.forEach(loops, (loop) => Effect.forkChild(loop))
    yield* Effect.yieldNow
    for (const fiber of fibers) {
      yield* Fiber.interrupt(fiber)
      yield* Effect.yieldNow
    }
  }).pipe(Effect.provideService(References.MaxOpsBeforeYield, ops))

/** Loops on `effect` without yielding between iterations (only the op budget pauses it). */
const forever = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<never> =>
  Effect.forever(Effect.orDie(effect), { disableYield: true })

/**
 * The visible value of `sem` must be the number of permits that can really
 * be taken now; takes them all and gives them back.
 */
const checkSemaphore = (sem: Semaphore.Semaphore, label: string) =>
  Effect.gen(function*() {
    const value = yield* sem.value
    let available = 0
    while (available <= sem.initial && (yield* sem.acquire({ blocking: false }))) available++
    assert.strictEqual(available, value, `${label}: value ${value}, but ${available} permit(s) can be taken`)
    // Give back the taken permits, and those still held by the interrupted
    // fibers (taken by `acquire`, and not yet released when interrupted).
    yield* sem.release(sem.initial)
    assert.strictEqual(yield* sem.value, sem.initial, label)
    assert.isTrue(yield* sem.acquire({ blocking: false }), label)
    yield* sem.release()
  })

/** After its holders were interrupted, `lock` must be free, or held and counted. */
const checkRLock = (lock: RLock.RLock, label: string, heldAllowed: boolean) =>
  Effect.gen(function*() {
    const locked = yield* lock.locked
    const count = yield* lock.count
    if (!heldAllowed) assert.isFalse(locked, `${label}: still locked by fiber #${RLock.ownerUnsafe(lock)}`)
    assert.strictEqual(locked, count > 0, `${label}: locked ${locked}, count ${count}`)
    if (locked) {
      // Held (counted) by an interrupted fiber: free it on its task's behalf.
      const owner = RLock.ownerUnsafe(lock)
      yield* Effect.provideService(Effect.repeat(lock.release, { times: count - 1 }), Executor.CurrentTask, owner)
    }
    assert.isTrue(yield* lock.acquire({ blocking: false }), label)
    yield* lock.release
    assert.isFalse(yield* lock.locked, label)
  })

describe("interrupting a fiber between steps leaks nothing", () => {
  it.live("Semaphore.withPermit, uncontended", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        for (const sem of [Semaphore.makeUnsafe(1), Semaphore.makeUnsafe(2, { bounded: true })]) {
          yield* interruptAfterRunning(ops, [forever(sem.withPermit(Effect.void))])
          yield* checkSemaphore(sem, `${sem} ops=${ops}`)
        }
      }
    }))

  it.live("Semaphore.withPermit, contended (waiting, woken and handed permits)", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        const sem = Semaphore.makeUnsafe(1)
        const loop = forever(sem.withPermit(Effect.yieldNow))
        yield* interruptAfterRunning(ops, [loop, loop, loop])
        yield* checkSemaphore(sem, `contended ops=${ops}`)
      }
    }))

  it.live("Semaphore.acquire / release, uncontended and contended, with and without a timeout", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        for (const options of [undefined, { timeout: "1 hour" }] as const) {
          const sem = Semaphore.makeUnsafe(1)
          const acquire = options === undefined ? sem.acquire() : sem.acquire(options)
          const loop = forever(Effect.andThen(acquire, sem.release()))
          yield* interruptAfterRunning(ops, [loop])
          yield* checkSemaphore(sem, `acquire(${JSON.stringify(options)}) ops=${ops}`)
          const contended = forever(Effect.andThen(acquire, Effect.andThen(Effect.yieldNow, sem.release())))
          yield* interruptAfterRunning(ops, [contended, contended, contended])
          yield* checkSemaphore(sem, `contended acquire(${JSON.stringify(options)}) ops=${ops}`)
        }
      }
    }))

  it.live("RLock.withLock, uncontended and nested", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        const lock = RLock.makeUnsafe()
        yield* interruptAfterRunning(ops, [forever(lock.withLock(Effect.void))])
        yield* checkRLock(lock, `withLock ops=${ops}`, false)
        yield* interruptAfterRunning(ops, [forever(lock.withLock(lock.withLock(Effect.void)))])
        yield* checkRLock(lock, `nested withLock ops=${ops}`, false)
      }
    }))

  it.live("RLock.withLock, contended (waiting and handed the lock)", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        const lock = RLock.makeUnsafe()
        const loop = forever(lock.withLock(Effect.yieldNow))
        yield* interruptAfterRunning(ops, [loop, loop, loop])
        yield* checkRLock(lock, `contended withLock ops=${ops}`, false)
      }
    }))

  it.live("RLock.acquire / release, uncontended and contended, with and without a timeout", () =>
    Effect.gen(function*() {
      for (const ops of BUDGETS) {
        for (const options of [undefined, { timeout: "1 hour" }] as const) {
          const lock = RLock.makeUnsafe()
          const acquire = options === undefined ? lock.acquire() : lock.acquire(options)
          const loop = forever(Effect.andThen(acquire, lock.release))
          yield* interruptAfterRunning(ops, [loop])
          yield* checkRLock(lock, `acquire(${JSON.stringify(options)}) ops=${ops}`, true)
          const contended = forever(Effect.andThen(acquire, Effect.andThen(Effect.yieldNow, lock.release)))
          yield* interruptAfterRunning(ops, [contended, contended, contended])
          yield* checkRLock(lock, `contended acquire(${JSON.stringify(options)}) ops=${ops}`, true)
        }
      }
    }))
})
