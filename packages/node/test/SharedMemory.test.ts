import { Errors, Executor } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { deserialize, serialize } from "node:v8"
import * as Process from "../src/Process.ts"
import * as SharedMemory from "../src/SharedMemory.ts"
import * as T from "./fixtures/shared-tasks.ts"
import { fixture, within } from "./helpers.ts"

const tasks = fixture("shared-tasks.ts")
const runtime = "thread" as const

const taskInfos = new Map<string, { readonly name: string; readonly daemon: boolean }>()

/** Runs `effect` as the corun task `name` (one identity per name: its own lock ownership). */
const asTask = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  let info = taskInfos.get(name)
  if (info === undefined) taskInfos.set(name, info = { name, daemon: false })
  return Effect.provideService(effect, Executor.CurrentTask, info)
}

const invalid = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => {
    assert.instanceOf(error, Errors.InvalidArgumentError)
    return error as Errors.InvalidArgumentError
  })

/** Starts the processes, joins them, and checks that each exited with 0. */
const runAll = (made: ReadonlyArray<Process.Process>) =>
  Effect.gen(function*() {
    for (const p of made) yield* p.start
    for (const p of made) yield* within(120, `${p.name} exits`, p.join())
    for (const p of made) assert.deepStrictEqual(yield* p.exitCode, Option.some(0), p.name)
  })

describe("SharedMemory", () => {
  describe("arguments", () => {
    it.effect("a bad typecode, initial value, size, item or lock option fails with InvalidArgumentError", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* invalid(SharedMemory.value("x" as any, 0))).argument, "typecode")
        assert.strictEqual((yield* invalid(SharedMemory.value("c" as any))).argument, "typecode")
        assert.strictEqual((yield* invalid(SharedMemory.array("u" as any, 3))).argument, "typecode")
        assert.strictEqual((yield* invalid(SharedMemory.value("b", 128))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("B", -1))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("i", 1.5))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("I", 2 ** 32))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("l", 2 ** 31))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("i", 1n as any))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("q", 1 as any))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("Q", -1n))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("q", 2n ** 63n))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("d", "1" as any))).argument, "initial")
        assert.strictEqual((yield* invalid(SharedMemory.value("i", 0, { lock: "yes" as any }))).argument, "lock")
        assert.strictEqual((yield* invalid(SharedMemory.array("i", -1))).argument, "size")
        assert.strictEqual((yield* invalid(SharedMemory.array("i", 2.5))).argument, "size")
        assert.strictEqual((yield* invalid(SharedMemory.array("i", 2 ** 40))).argument, "size")
        assert.strictEqual((yield* invalid(SharedMemory.array("h", [1, 40000]))).argument, "sizeOrValues[1]")
        assert.strictEqual((yield* invalid(SharedMemory.array("d", null as any))).argument, "sizeOrValues")
        const message = (yield* invalid(SharedMemory.value("x" as any))).message
        assert.include(message, "'b', 'B', 'h', 'H', 'i', 'I', 'l', 'L', 'q', 'Q', 'f', 'd'")
        assert.throws(() => SharedMemory.valueSchema("z" as any), /typecode/)
        assert.throws(() => SharedMemory.arraySchema("z" as any), /typecode/)
      }))

    it.effect("a value that does not fit, or an index out of range, fails with InvalidArgumentError", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("h", 5)
        assert.strictEqual((yield* invalid(v.set(40000))).argument, "value")
        assert.strictEqual((yield* invalid(v.update(() => 0.5))).argument, "value")
        assert.strictEqual(yield* v.get, 5)
        const a = yield* SharedMemory.array("i", [1, 2, 3])
        assert.strictEqual((yield* invalid(a.get(3))).argument, "index")
        assert.strictEqual((yield* invalid(a.get(-4))).argument, "index")
        assert.strictEqual((yield* invalid(a.get(1.5))).argument, "index")
        assert.strictEqual((yield* invalid(a.set(0, 2 ** 31))).argument, "value")
        assert.strictEqual((yield* invalid(a.getLock().acquire({ timeout: -1 }))).argument, "timeout")
        assert.deepStrictEqual(yield* a.toArray, [1, 2, 3])
        const empty = yield* SharedMemory.array("d", 0)
        assert.strictEqual(empty.length, 0)
        assert.include((yield* invalid(empty.get(0))).message, "empty")
      }))
  })

  describe("values and arrays", () => {
    it.effect("Value: get, set, update, for every typecode", () =>
      Effect.gen(function*() {
        const i = yield* SharedMemory.value("i")
        assert.strictEqual(yield* i.get, 0)
        yield* i.set(-7)
        assert.strictEqual(yield* i.update((n) => n * 6), -42)
        assert.strictEqual(yield* i.get, -42)
        assert.strictEqual(i.typecode, "i")
        const f = yield* SharedMemory.value("f", 0.1)
        assert.strictEqual(yield* f.get, Math.fround(0.1))
        const d = yield* SharedMemory.value("d", 0.1)
        assert.strictEqual(yield* d.get, 0.1)
        const q = yield* SharedMemory.value("q", -(2n ** 63n))
        assert.strictEqual(yield* q.get, -(2n ** 63n))
        const Q = yield* SharedMemory.value("Q", 2n ** 64n - 1n)
        assert.strictEqual(yield* Q.get, 2n ** 64n - 1n)
        assert.strictEqual(yield* (yield* SharedMemory.value("B", 255)).get, 255)
        assert.strictEqual(yield* (yield* SharedMemory.value("b", -128)).get, -128)
        assert.strictEqual(yield* (yield* SharedMemory.value("H", 65535)).get, 65535)
        assert.strictEqual(yield* (yield* SharedMemory.value("I", 2 ** 32 - 1)).get, 2 ** 32 - 1)
        assert.strictEqual(yield* (yield* SharedMemory.value("L", 2 ** 32 - 1)).get, 2 ** 32 - 1)
        const raw = yield* SharedMemory.value("i", 3, { lock: false })
        assert.isFalse("getLock" in raw)
        assert.strictEqual(yield* raw.update((n) => n + 1), 4)
      }))

    it.effect("Array: from a size or from items; get and set with negative indexes; toArray", () =>
      Effect.gen(function*() {
        const zeros = yield* SharedMemory.array("i", 4)
        assert.deepStrictEqual(yield* zeros.toArray, [0, 0, 0, 0])
        const a = yield* SharedMemory.array("d", [1.5, 2.5, 3.5])
        assert.strictEqual(a.length, 3)
        assert.strictEqual(yield* a.get(-1), 3.5)
        yield* a.set(-3, 9)
        yield* a.set(1, -1)
        assert.deepStrictEqual(yield* a.toArray, [9, -1, 3.5])
        const big = yield* SharedMemory.array("Q", new Set([1n, 2n]))
        assert.deepStrictEqual(yield* big.toArray, [1n, 2n])
        const raw = yield* SharedMemory.array("b", [1, -1], { lock: false })
        assert.isFalse("getLock" in raw)
        assert.deepStrictEqual(yield* raw.toArray, [1, -1])
      }))

    it.effect("the schema crosses as { '~corun': 'SharedValue', memory over the SharedArrayBuffer } and back", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("d", 2.5)
        const schema = SharedMemory.valueSchema("d")
        const encoded = Schema.encodeSync(schema)(v)
        assert.strictEqual(encoded["~corun"], "SharedValue")
        assert.strictEqual(encoded.typecode, "d")
        assert.instanceOf(encoded.memory.buffer, SharedArrayBuffer)
        const twin = Schema.decodeSync(schema)(structuredClone(encoded))
        yield* twin.set(4)
        assert.strictEqual(yield* v.get, 4, "the decoded value writes the same memory")
        // one lock: taken through the twin, it is held for the value
        assert.isTrue(yield* asTask("other")(twin.getLock().acquire({ blocking: false })))
        assert.isFalse(yield* v.getLock().acquire({ blocking: false }))
        yield* asTask("other")(v.getLock().release)
        assert.isTrue(yield* v.getLock().acquire({ blocking: false }))
        yield* v.getLock().release

        const a = yield* SharedMemory.array("i", [1, 2])
        const arrayEncoded = Schema.encodeSync(SharedMemory.arraySchema("i"))(a)
        assert.strictEqual(arrayEncoded["~corun"], "SharedArray")
        assert.strictEqual(arrayEncoded.length, 2)
        const arrayTwin = Schema.decodeSync(SharedMemory.arraySchema("i"))(structuredClone(arrayEncoded))
        yield* arrayTwin.set(0, 10)
        assert.deepStrictEqual(yield* a.toArray, [10, 2])

        // the wrong typecode, or lock option, is refused
        assert.throws(() => Schema.decodeSync(SharedMemory.valueSchema("i"))(encoded as any), /typecode 'd'/)
        assert.throws(() => Schema.decodeSync(SharedMemory.arraySchema("i", { lock: false }))(arrayEncoded), /lock/)
        assert.throws(() => Schema.encodeSync(SharedMemory.valueSchema("i"))(v as any))
      }))

    it.effect("serialized for a child process (a copy, not shared), the memory is refused, naming the way out", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("i", 1)
        const encoded = Schema.encodeSync(SharedMemory.valueSchema("i"))(v)
        const copied = deserialize(serialize(encoded))
        assert.notInstanceOf(copied.memory.buffer, SharedArrayBuffer)
        const exit = Schema.decodeUnknownExit(SharedMemory.valueSchema("i"))(copied)
        assert.isTrue(Exit.isFailure(exit))
        const message = String(Exit.isFailure(exit) && exit.cause)
        assert.include(message, "cannot cross to a child process")
        assert.match(message, /runtime: \\?"thread\\?"/)
        assert.include(message, "Manager")
        // a bare SharedArrayBuffer would make the send itself throw
        assert.throws(() => serialize(v[`~@corun/node/SharedMemory`].buffer))
      }))
  })

  describe("the lock", () => {
    it.effect("release without holding fails with LockNotOwnedError; it is recursive for its task", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("i", 0)
        const lock = v.getLock()
        assert.instanceOf(yield* Effect.flip(lock.release), Errors.LockNotOwnedError)
        assert.isTrue(yield* lock.acquire())
        assert.isTrue(yield* lock.acquire({ blocking: false }), "its owner takes it again")
        yield* v.set(1) // get / set take the lock too: the owner's own hold
        assert.isFalse(yield* asTask("other")(lock.acquire({ blocking: false })), "another task cannot")
        assert.instanceOf(yield* Effect.flip(asTask("other")(lock.release)), Errors.LockNotOwnedError)
        yield* lock.release
        assert.isFalse(yield* asTask("other")(lock.acquire({ timeout: 20 })), "still held once")
        yield* lock.release
        assert.instanceOf(yield* Effect.flip(lock.release), Errors.LockNotOwnedError)
        assert.isTrue(yield* asTask("other")(lock.acquire({ blocking: false })))
        assert.isFalse(yield* lock.acquire({ blocking: false }), "now the other task holds it")
        yield* asTask("other")(lock.release)
        assert.isTrue(yield* lock.acquire({ blocking: false }))
        yield* lock.release
      }))

    it.live("a waiting task gets the lock when it is released; withLock releases on failure", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("i", 0)
        const lock = v.getLock()
        yield* lock.acquire()
        const waiter = yield* Effect.forkChild(asTask("waiter")(lock.withLock(v.update((n) => n + 10))))
        yield* Effect.sleep(30)
        assert.strictEqual(yield* v.get, 0, "the waiter waits (the owner's get does not)")
        yield* lock.release
        assert.strictEqual(yield* within(10, "the waiter gets the lock", Fiber.join(waiter)), 10)
        const failed = yield* Effect.flip(lock.withLock(Effect.fail("boom")))
        assert.strictEqual(failed, "boom")
        assert.isTrue(yield* asTask("other")(lock.acquire({ blocking: false })), "released after the failure")
        yield* asTask("other")(lock.release)
      }))

    it.live("an interrupted waiter does not swallow the wake-up of the next one", () =>
      Effect.gen(function*() {
        const v = yield* SharedMemory.value("i", 0)
        const lock = v.getLock()
        yield* lock.acquire()
        const first = yield* Effect.forkChild(asTask("first")(lock.acquire()))
        yield* Effect.sleep(20)
        const second = yield* Effect.forkChild(asTask("second")(lock.withLock(v.set(2))))
        yield* Effect.sleep(20)
        yield* Fiber.interrupt(first)
        yield* lock.release
        yield* within(10, "the second waiter gets the lock", Fiber.join(second))
        assert.strictEqual(yield* v.get, 2)
      }))

    it.live("a thread holding the lock: the parent cannot take it until the thread releases it", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 0)
        const flags = yield* SharedMemory.array("i", 2, { lock: false })
        const p = yield* Process.make({ tasks, target: T.holdLock, args: { num, flags, ms: 300 }, runtime })
        yield* p.start
        yield* within(
          30,
          "the thread takes the lock",
          Effect.gen(function*() {
            while ((yield* flags.get(0)) !== 1) yield* Effect.sleep(5)
          })
        )
        const lock = num.getLock()
        assert.isFalse(yield* lock.acquire({ blocking: false }))
        assert.isTrue(yield* within(30, "the parent gets the lock", lock.acquire()))
        assert.strictEqual(yield* flags.get(1), 1, "only after the thread released it")
        yield* lock.release
        yield* within(30, "the thread exits", p.join())
        assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
      }).pipe(Effect.scoped))

    it.live("in a thread, a task waiting for the lock leaves the task holding it running", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 1)
        yield* runAll([yield* Process.make({ tasks, target: T.twoTasksOneThread, args: num, runtime })])
        assert.strictEqual(yield* num.get, 20, "(1 + 1) * 10: the second task waited for the first")
      }).pipe(Effect.scoped))

    it.live("a thread cannot release the lock its parent holds, nor take it", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 0)
        const lock = num.getLock()
        yield* lock.acquire()
        const p = yield* Process.make({ tasks, target: T.releaseForeign, args: num, runtime })
        yield* runAll([p])
        yield* lock.release
      }).pipe(Effect.scoped))
  })

  describe("threads", () => {
    it.live(
      "4 threads adding 1 100,000 times each without the lock: never more than 400,000",
      () =>
        Effect.gen(function*() {
          const num = yield* SharedMemory.value("i", 0)
          const made = yield* Effect.forEach(
            [1, 2, 3, 4],
            () => Process.make({ tasks, target: T.addUnlocked, args: { num, times: 100_000 }, runtime })
          )
          yield* runAll(made)
          const total = yield* num.get
          // How many updates are lost depends on timing: none is a possible outcome.
          assert.isAtMost(total, 400_000)
          assert.isAtLeast(total, 100_000)
        }).pipe(Effect.scoped),
      120_000
    )

    it.live("4 threads adding 1 100,000 times each under withLock: exactly 400,000", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 0)
        const made = yield* Effect.forEach(
          [1, 2, 3, 4],
          () => Process.make({ tasks, target: T.addLocked, args: { num, times: 100_000 }, runtime })
        )
        yield* runAll(made)
        assert.strictEqual(yield* num.get, 400_000)
      }).pipe(Effect.scoped), 120_000)

    it.live(
      "2 threads and the parent adding to a 64-bit value with acquire / release: exactly",
      () =>
        Effect.gen(function*() {
          const num = yield* SharedMemory.value("q", 2n ** 40n)
          const made = yield* Effect.forEach(
            [1, 2],
            () => Process.make({ tasks, target: T.addBig, args: { num, times: 20_000 }, runtime })
          )
          for (const p of made) yield* p.start
          const lock = num.getLock()
          for (let i = 0; i < 20_000; i++) yield* lock.withLock(num.update((n) => n + 1n))
          for (const p of made) yield* within(60, `${p.name} exits`, p.join())
          for (const p of made) assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
          assert.strictEqual(yield* num.get, 2n ** 40n + 60_000n)
        }).pipe(Effect.scoped),
      120_000
    )

    it.live("array writes from threads are seen by the parent", () =>
      Effect.gen(function*() {
        const a = yield* SharedMemory.array("d", 1000)
        const made = yield* Effect.forEach(
          [[0, 500], [500, 1000]] as const,
          ([from, to]) => Process.make({ tasks, target: T.fillSlice, args: { a, from, to, scale: 0.5 }, runtime })
        )
        yield* runAll(made)
        assert.deepStrictEqual(yield* a.toArray, Array.from({ length: 1000 }, (_, i) => i * 0.5))

        const raw = yield* SharedMemory.array("i", [1, -2, 3], { lock: false })
        yield* runAll([yield* Process.make({ tasks, target: T.negate, args: raw, runtime })])
        assert.deepStrictEqual(yield* raw.toArray, [-1, 2, -3])
      }).pipe(Effect.scoped), 120_000)
  })

  describe("a thread that ends holding a lock", () => {
    it.live("frees it when its Process exits: the parent takes it (never a deadlock)", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 0)
        const flags = yield* SharedMemory.array("i", 2, { lock: false })
        const p = yield* Process.make({ tasks, target: T.dieHoldingLock, args: { num, flags }, runtime: "thread" })
        yield* p.start
        yield* within(60, "the thread exits", p.join())
        assert.deepStrictEqual(yield* p.exitCode, Option.some(3))
        assert.strictEqual(yield* flags.get(0), 1, "the thread had taken the lock")
        assert.isTrue(yield* within(30, "the lock comes back", num.getLock().acquire({ timeout: "20 seconds" })))
        yield* num.getLock().release
      }).pipe(Effect.scoped), 120_000)
  })

  describe("the process runtime", () => {
    it.live("Process.make refuses shared memory in a child process's input, before anything starts", () =>
      Effect.gen(function*() {
        const num = yield* SharedMemory.value("i", 0)
        const error = yield* Effect.flip(
          Process.make({ tasks, target: T.addUnlocked, args: { num, times: 10 }, runtime: "process" })
        )
        assert.instanceOf(error, Errors.InvalidArgumentError)
        assert.strictEqual(error.argument, "args")
        assert.include(error.message, "runtime: \"thread\"")
        assert.include(error.message, "Manager")
        assert.strictEqual(yield* num.get, 0)
      }).pipe(Effect.scoped))
  })
})
