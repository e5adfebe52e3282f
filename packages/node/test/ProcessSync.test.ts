import { Errors } from "@corun/core"
import { Process, ProcessQueue, ProcessSync, SharedMemory } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as T from "./fixtures/sync-tasks.ts"
import { fixture, within } from "./helpers.ts"

const tasks = fixture("sync-tasks.ts")

const makeDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "corun-sync-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The most parties inside at once, from an `in i` / `out i` log. */
const mostInside = (log: string) => {
  let inside = 0
  let most = 0
  for (const line of log.split("\n")) {
    if (line.startsWith("in ")) most = Math.max(most, ++inside)
    if (line.startsWith("out ")) inside--
  }
  return most
}

describe("ProcessSync", () => {
  for (const runtime of ["process", "thread"] as const) {
    it.live(`a Lock keeps 6 processes (and the parent) out of each other's critical sections (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const file = join(dir, "log")
        const lock = yield* ProcessSync.lock()
        const ps = yield* Effect.forEach(
          [0, 1, 2, 3, 4, 5],
          (i) => Process.make({ tasks, target: T.critical, args: { l: lock, i, file }, runtime })
        )
        for (const p of ps) yield* p.start
        yield* lock.withLock(Effect.sync(() => {}))
        for (const p of ps) yield* within(60, "the processes end", p.join())
        const log = readFileSync(file, "utf8")
        assert.strictEqual(log.split("\n").filter((line) => line !== "").length, 12)
        assert.strictEqual(mostInside(log), 1)
        assert.strictEqual(yield* lock.value, 1)
      }).pipe(Effect.scoped))

    it.live(`a Semaphore(2) lets at most 2 in at once (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const file = join(dir, "log")
        const sem = yield* ProcessSync.semaphore(2)
        const ps = yield* Effect.forEach(
          [0, 1, 2, 3, 4],
          (i) => Process.make({ tasks, target: T.critical, args: { l: sem, i, file }, runtime })
        )
        for (const p of ps) yield* p.start
        for (const p of ps) yield* within(60, "the processes end", p.join())
        assert.isAtMost(mostInside(readFileSync(file, "utf8")), 2)
        assert.strictEqual(yield* sem.value, 2)
      }).pipe(Effect.scoped))

    it.live(`a process killed while it holds the lock releases it: the next one gets it (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const file = join(dir, "holder")
        const lock = yield* ProcessSync.lock()
        const holder = yield* Process.make({ tasks, target: T.holdForever, args: { l: lock, file }, runtime })
        yield* holder.start
        yield* within(
          30,
          "the holder takes the lock",
          Effect.gen(function*() {
            while (!existsSync(file)) yield* Effect.sleep(5)
          })
        )
        assert.isFalse(yield* lock.acquire({ block: false }))
        yield* holder.kill
        yield* within(30, "the holder exits", holder.join())
        assert.isTrue(yield* within(30, "the lock comes back", lock.acquire({ timeout: "20 seconds" })))
        yield* lock.release
      }).pipe(Effect.scoped))

    it.live(`a process killed while it holds a Semaphore's share gives it back (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const file = join(dir, "holder")
        const sem = yield* ProcessSync.semaphore(2)
        const holder = yield* Process.make({ tasks, target: T.holdForever, args: { l: sem, file }, runtime })
        yield* holder.start
        yield* within(
          30,
          "the holder takes its share",
          Effect.gen(function*() {
            while (!existsSync(file)) yield* Effect.sleep(5)
          })
        )
        assert.strictEqual(yield* sem.value, 1)
        yield* holder.kill
        yield* within(30, "the holder exits", holder.join())
        yield* within(
          30,
          "the share comes back",
          Effect.gen(function*() {
            while ((yield* sem.value) !== 2) yield* Effect.sleep(5)
          })
        )
        assert.isTrue(yield* sem.acquire({ block: false }))
        assert.isTrue(yield* sem.acquire({ block: false }))
        assert.isFalse(yield* sem.acquire({ block: false }))
      }).pipe(Effect.scoped))

    it.live(`an Event set by the parent wakes a waiting process (${runtime})`, () =>
      Effect.gen(function*() {
        const e = yield* ProcessSync.event()
        const out = yield* ProcessQueue.make(Schema.String)
        const p = yield* Process.make({ tasks, target: T.awaitEvent, args: { e, out }, runtime })
        yield* p.start
        assert.strictEqual(yield* within(30, "the process waits", out.get()), "waiting")
        assert.isFalse(yield* e.isSet)
        yield* e.set
        assert.strictEqual(yield* within(30, "the process wakes", out.get()), "set")
        yield* within(30, "the process exits", p.join())
      }).pipe(Effect.scoped))

    it.live(`an RLock is re-entrant in a process, and released as often as taken (${runtime})`, () =>
      Effect.gen(function*() {
        const l = yield* ProcessSync.rlock()
        const out = yield* ProcessQueue.make(Schema.String)
        const p = yield* Process.make({ tasks, target: T.reenter, args: { l, out }, runtime })
        yield* p.start
        assert.strictEqual(yield* within(30, "the report", out.get()), "LockNotOwnedError")
        yield* within(30, "the process exits", p.join())
        assert.isTrue(yield* l.acquire({ block: false }))
      }).pipe(Effect.scoped))
  }

  it.live("threads take the lock in shared memory: 500 locked updates while the parent's event loop is blocked", () =>
    Effect.gen(function*() {
      const lock = yield* ProcessSync.lock()
      const go = yield* ProcessSync.event()
      const num = yield* SharedMemory.value("i", 0, { lock: false }) // the ProcessSync lock guards it
      const ready = yield* ProcessQueue.make(Schema.String)
      const times = 500
      const ps = yield* Effect.forEach(
        [0, 1],
        () => Process.make({ tasks, target: T.hammer, args: { l: lock, go, num, ready, times }, runtime: "thread" })
      )
      for (const p of ps) yield* p.start
      for (const _ of ps) assert.strictEqual(yield* within(60, "a thread is ready", ready.get()), "ready")
      yield* go.set
      // The event loop stays blocked until the threads are done (or for at
      // most 30 s): a lock served by this thread could not be taken.
      const deadline = Date.now() + 30_000
      while (Effect.runSync(num.get) < 2 * times && Date.now() < deadline) {
        // blocked on purpose
      }
      assert.strictEqual(Effect.runSync(num.get), 2 * times)
      for (const p of ps) yield* within(60, "the threads exit", p.join())
      assert.strictEqual(yield* lock.value, 1)
    }).pipe(Effect.scoped))

  it.live("a handle used after its scope closed is a clear defect", () =>
    Effect.gen(function*() {
      const lock = yield* Effect.scoped(ProcessSync.lock())
      const exit = yield* Effect.exit(lock.acquire())
      assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes("no longer exists"))
    }))

  it.live("in the owner: non-blocking and timed acquire, release errors, events with a timeout, bad values", () =>
    Effect.gen(function*() {
      const lock = yield* ProcessSync.lock()
      assert.isTrue(yield* lock.acquire())
      assert.isFalse(yield* lock.acquire({ block: false }))
      assert.isFalse(yield* lock.acquire({ timeout: "10 millis" }))
      yield* lock.release
      assert.instanceOf(yield* Effect.flip(lock.release), Errors.LockNotOwnedError)
      const bounded = yield* ProcessSync.boundedSemaphore(1)
      assert.instanceOf(yield* Effect.flip(bounded.release), Errors.SemaphoreOverReleaseError)
      const zero = yield* ProcessSync.semaphore(0)
      assert.isFalse(yield* zero.acquire({ block: false }))
      yield* zero.release
      assert.isTrue(yield* zero.acquire({ block: false }))
      const e = yield* ProcessSync.event()
      assert.isFalse(yield* e.wait({ timeout: "10 millis" }))
      yield* e.set
      assert.isTrue(yield* e.wait())
      yield* e.clear
      assert.isFalse(yield* e.isSet)
      assert.instanceOf(yield* Effect.flip(ProcessSync.semaphore(-1)), Errors.InvalidArgumentError)
      assert.instanceOf(yield* Effect.flip(lock.acquire({ timeout: -1 })), Errors.InvalidArgumentError)
    }).pipe(Effect.scoped))
})
