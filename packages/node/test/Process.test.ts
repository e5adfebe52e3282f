import { Errors } from "@corun/core"
import { Process, ProcessQueue } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as N from "./fixtures/nested-tasks.ts"
import * as T from "./fixtures/process-tasks.ts"
import { fixture, fixturePath, isAlive, root, within } from "./helpers.ts"

const tasks = fixture("process-tasks.ts")

/** A fresh directory for a test's report files, removed with the scope. */
const makeDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "corun-process-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Waits (a hang guard, not a timing) until `file` exists. */
const fileAppears = (file: string, seconds = 30) =>
  within(
    seconds,
    `${file} is written`,
    Effect.gen(function*() {
      while (!existsSync(file)) yield* Effect.sleep("5 millis")
    })
  )

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"))

describe("Process", () => {
  for (const runtime of ["process", "thread"] as const) {
    it.live(`start, join: the target runs in the child, which knows its pid, parent and name (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const file = join(dir, "report.json")
        const p = yield* Process.make({
          tasks,
          target: T.report,
          args: { file, item: "task1" },
          name: "worker-1",
          runtime
        })
        assert.strictEqual(p.name, "worker-1")
        assert.isFalse(p.daemon)
        assert.isFalse(yield* p.isAlive)
        assert.isTrue(Option.isNone(yield* p.pid))
        assert.isTrue(Option.isNone(yield* p.exitCode))
        yield* p.start
        const pid = Option.getOrThrow(yield* p.pid)
        yield* within(30, "the process exits", p.join())
        assert.isFalse(yield* p.isAlive)
        assert.deepStrictEqual(yield* p.exitCode, Option.some(0))
        const report = readJson(file)
        assert.strictEqual(report.name, "worker-1")
        assert.strictEqual(report.pid, pid)
        if (runtime === "process") {
          assert.notStrictEqual(report.pid, process.pid)
          assert.strictEqual(report.ppid, process.pid)
        } else assert.strictEqual(report.pid, process.pid)
        // The parent's name is Python's.
        assert.strictEqual((yield* Process.current).name, "MainProcess")
      }).pipe(Effect.scoped))

    it.live(`exit codes: process.exit(n) gives n, a failed target 1, terminate -15, kill -9 (${runtime})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const exits = yield* Process.make({ tasks, target: T.exitWith, args: 3, runtime })
        const fails = yield* Process.make({ tasks, target: T.fails, args: "no", runtime })
        const terminated = yield* Process.make({ tasks, target: T.forever, args: join(dir, "t"), runtime })
        const killed = yield* Process.make({ tasks, target: T.forever, args: join(dir, "k"), runtime })
        for (const p of [exits, fails, terminated, killed]) yield* p.start
        yield* fileAppears(join(dir, "t"))
        yield* fileAppears(join(dir, "k"))
        assert.isTrue(yield* terminated.isAlive)
        yield* terminated.terminate
        yield* killed.kill
        for (const p of [exits, fails, terminated, killed]) yield* within(30, `${p.name} exits`, p.join())
        assert.deepStrictEqual(yield* exits.exitCode, Option.some(3))
        assert.deepStrictEqual(yield* fails.exitCode, Option.some(1))
        assert.deepStrictEqual(yield* terminated.exitCode, Option.some(-15))
        assert.deepStrictEqual(yield* killed.exitCode, Option.some(-9))
        if (runtime === "process") {
          assert.isFalse(isAlive(Number(readFileSync(join(dir, "t"), "utf8"))))
          assert.isFalse(isAlive(Number(readFileSync(join(dir, "k"), "utf8"))))
        }
      }).pipe(Effect.scoped))

    it.live(`module state is not shared: each process appends to its own copy (${runtime === "process" ? "process" : "thread"})`, () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const p1 = yield* Process.make({
          tasks,
          target: T.report,
          args: { file: join(dir, "1"), item: "task1" },
          runtime
        })
        const p2 = yield* Process.make({
          tasks,
          target: T.report,
          args: { file: join(dir, "2"), item: "task2" },
          runtime
        })
        yield* p1.start
        yield* p2.start
        yield* within(30, "both exit", Effect.andThen(p1.join(), p2.join()))
        assert.deepStrictEqual(readJson(join(dir, "1")).gList, [123, "task1"])
        assert.deepStrictEqual(readJson(join(dir, "2")).gList, [123, "task2"])
      }).pipe(Effect.scoped))
  }

  it.live("join with a timeout returns while the process still runs", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const p = yield* Process.make({ tasks, target: T.forever, args: join(dir, "pid") })
      yield* p.start
      yield* fileAppears(join(dir, "pid"))
      yield* p.join({ timeout: "20 millis" })
      assert.isTrue(yield* p.isAlive)
      assert.isTrue(Option.isNone(yield* p.exitCode))
      yield* p.terminate
      yield* within(30, "it exits", p.join())
      assert.isFalse(yield* p.isAlive)
    }).pipe(Effect.scoped))

  it.live("misuse fails with ProcessStateError; bad options with InvalidArgumentError, before anything starts", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const p = yield* Process.make({ tasks, target: T.forever, args: join(dir, "pid") })
      const early = yield* Effect.flip(p.join())
      assert.instanceOf(early, Errors.ProcessStateError)
      yield* p.start
      const twice = yield* Effect.flip(p.start)
      assert.instanceOf(twice, Errors.ProcessStateError)
      assert.include(twice.message, "only be started once")
      const closing = yield* Effect.flip(p.close)
      assert.instanceOf(closing, Errors.ProcessStateError)
      assert.include(closing.message, "still running")
      yield* p.kill
      yield* within(30, "it exits", p.join())
      yield* p.close
      const afterClose = yield* Effect.flip(p.start)
      assert.include(afterClose.message, "closed")

      const badArgs = yield* Effect.flip(Process.make({ tasks, target: T.exitWith, args: "three" as any }))
      assert.instanceOf(badArgs, Errors.InvalidArgumentError)
      assert.strictEqual(badArgs.argument, "args")
      const badRuntime = yield* Effect.flip(
        Process.make({ tasks, target: T.exitWith, args: 1, runtime: "fork" as any })
      )
      assert.strictEqual(badRuntime.argument, "runtime")
      const badTasks = yield* Effect.flip(Process.make({ tasks: "", target: T.exitWith, args: 1 }))
      assert.strictEqual(badTasks.argument, "tasks")
      const badJoin = yield* Effect.flip(p.join({ timeout: -1 }))
      assert.instanceOf(badJoin, Errors.InvalidArgumentError)
    }).pipe(Effect.scoped))

  it.live("at the end of the scope a non-daemon process is waited for, a daemon one terminated", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const late = join(dir, "late")
      const daemonPid = join(dir, "daemon")
      const [normal, daemon] = yield* Effect.scoped(Effect.gen(function*() {
        const normal = yield* Process.make({ tasks, target: T.writeLater, args: { file: late, millis: 300 } })
        const daemon = yield* Process.make({ tasks, target: T.forever, args: daemonPid, daemon: true })
        assert.isTrue(daemon.daemon)
        yield* normal.start
        yield* daemon.start
        yield* fileAppears(daemonPid)
        return [normal, daemon] as const
      }))
      // The scope waited for the non-daemon process to finish its work…
      assert.isTrue(existsSync(late))
      assert.deepStrictEqual(yield* normal.exitCode, Option.some(0))
      // …and terminated the daemon one.
      assert.deepStrictEqual(yield* daemon.exitCode, Option.some(-15))
      assert.isFalse(isAlive(Number(readFileSync(daemonPid, "utf8"))))
    }).pipe(Effect.scoped))

  it.live(
    "terminating a process ends the processes it started (their watchdog sees their parent go)",
    () =>
      Effect.gen(function*() {
        const dir = yield* makeDir
        const marker = join(dir, "grandchild")
        // A daemon: should anything below fail, the scope's end terminates it
        // rather than waiting for a process that never ends by itself.
        const child = yield* Process.make({
          tasks: fixture("nested-tasks.ts"),
          target: N.startGrandchild,
          args: marker,
          daemon: true
        })
        yield* child.start
        yield* fileAppears(marker, 60)
        const grandchild = Number(readFileSync(marker, "utf8"))
        assert.isTrue(isAlive(grandchild))
        yield* child.terminate
        yield* within(30, "the child exits", child.join())
        assert.deepStrictEqual(yield* child.exitCode, Option.some(-15))
        yield* within(
          30,
          `the grandchild ${grandchild} exits`,
          Effect.gen(function*() {
            while (isAlive(grandchild)) yield* Effect.sleep("20 millis")
          })
        )
      }).pipe(Effect.scoped),
    150_000
  )

  it.live("a queue handle passed on to a grandchild fails there with a clear error, not on another object", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const report = join(dir, "report")
      const q = yield* ProcessQueue.make(Schema.Number, { maxsize: 1 })
      const child = yield* Process.make({
        tasks: fixture("nested-tasks.ts"),
        target: N.passQueueOn,
        args: { q, report }
      })
      yield* child.start
      yield* within(60, "the child and grandchild exit", child.join())
      assert.match(readFileSync(report, "utf8"), /^QueueShutDown: .*handles reach direct children only/)
      assert.strictEqual(yield* q.qsize, 0)
    }).pipe(Effect.scoped))

  for (const runtime of ["process", "thread"] as const) {
    it(`ten processes printing at once do not cut each other's lines, on stdout and stderr (${runtime})`, async () => {
      const child = spawn(process.execPath, [fixturePath("process-printers.ts"), runtime], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stdout = ""
      let stderr = ""
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
      const code = await new Promise((resolve) => child.once("exit", resolve))
      assert.strictEqual(code, 0, stderr.slice(-2000))
      for (const [name, text] of [["stdout", stdout], ["stderr", stderr]] as const) {
        const lines = text.split("\n").filter((line) => line !== "")
        assert.strictEqual(lines.length, 1000, `${name}: 10 × 100 lines`)
        for (const line of lines) assert.match(line, /^([a-j])\1{1999}$/, `${name}: a whole line of one letter`)
      }
    }, 120_000)
  }
})
