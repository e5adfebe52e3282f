import { Errors } from "@corun/core"
import { Subprocess } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { constants, tmpdir } from "node:os"
import { join } from "node:path"
import { fixturePath, isAlive, root, within } from "./helpers.ts"

/** A fresh directory, removed with the scope. */
const makeDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "corun-subprocess-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** Waits (a hang guard, not a timing) until `file` exists and holds a line; returns it. */
const readLine = (file: string) =>
  within(
    30,
    `${file} is written`,
    Effect.gen(function*() {
      while (!existsSync(file) || !readFileSync(file, "utf8").includes("\n")) yield* Effect.sleep("5 millis")
      return readFileSync(file, "utf8").trim()
    })
  )

/** Waits (a hang guard, not a timing) until every pid is gone. */
const gone = (pids: ReadonlyArray<number>) =>
  within(
    30,
    `processes ${pids.join(", ")} are gone`,
    Effect.gen(function*() {
      while (pids.some(isAlive)) yield* Effect.sleep("10 millis")
    })
  )

/** A shell that prints its own pid and its background child's, then waits. */
const shellWithChild = ["sh", "-c", "sleep 100 & echo $$ $!; sleep 100"]

const pidsOf = (text: string): Array<number> => text.trim().split(/\s+/).map(Number)

const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs")

describe("Subprocess", () => {
  it.live("run captures stdout, stderr and the exit code", () =>
    Effect.gen(function*() {
      const r = yield* Subprocess.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
      assert.deepStrictEqual(r, {
        args: ["sh", "-c", "echo out; echo err >&2; exit 3"],
        returncode: 3,
        stdout: "out\n",
        stderr: "err\n"
      })
      const ok = yield* Subprocess.run(["node", "-e", "process.stdout.write('é')"])
      assert.strictEqual(ok.returncode, 0)
      assert.strictEqual(ok.stdout, "é")
      const latin1 = yield* Subprocess.run(["node", "-e", "process.stdout.write('é')"], { encoding: "latin1" })
      assert.strictEqual(latin1.stdout, "Ã©")
    }))

  it.live("a process killed by a signal has minus the signal as its return code", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* Subprocess.run(["sh", "-c", "kill -9 $$"])).returncode, -9)
      assert.strictEqual((yield* Subprocess.run(["sh", "-c", "kill -TERM $$"])).returncode, -15)
      assert.strictEqual(yield* Subprocess.call(["sh", "-c", "kill -INT $$"]), -2)
    }))

  it.live("input is fed to stdin, then stdin is closed", () =>
    Effect.gen(function*() {
      const sorted = yield* Subprocess.run(["sort"], { input: "pear\napple\nfig\n" })
      assert.strictEqual(sorted.stdout, "apple\nfig\npear\n")
      const bytes = yield* Subprocess.run(["cat"], { input: new Uint8Array([104, 105]) })
      assert.strictEqual(bytes.stdout, "hi")
      const empty = yield* Subprocess.run(["cat"], { input: "" })
      assert.strictEqual(empty.stdout, "")
      // More than a pipe holds, both ways.
      const big = "x".repeat(1_000_000)
      const echoed = yield* within(60, "cat echoes 1 MB", Subprocess.run(["cat"], { input: big }))
      assert.strictEqual(echoed.stdout.length, big.length)
      // A process that does not read its input: the closed pipe is ignored.
      const deaf = yield* Subprocess.run(["true"], { input: big })
      assert.strictEqual(deaf.returncode, 0)
    }))

  it.live("cwd, env and extendEnv", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const r = yield* Subprocess.run(["sh", "-c", "pwd; echo \"$FOO\""], {
        cwd: dir,
        env: { FOO: "bar" },
        extendEnv: true
      })
      assert.strictEqual(r.stdout, `${realpathSync(dir)}\nbar\n`)
      const only = yield* Subprocess.run(["/usr/bin/env"], { env: { ONLY: "1" } })
      assert.strictEqual(only.stdout, "ONLY=1\n")
    }).pipe(Effect.scoped))

  it.live("check: a non-zero exit fails with CalledProcessError and its fields", () =>
    Effect.gen(function*() {
      const args = ["sh", "-c", "echo partial; echo oops >&2; exit 2"]
      const error = yield* Effect.flip(Subprocess.run(args, { check: true }))
      assert.instanceOf(error, Errors.CalledProcessError)
      assert.strictEqual(error._tag, "CalledProcessError")
      if (error._tag !== "CalledProcessError") return
      assert.strictEqual(error.returncode, 2)
      assert.deepStrictEqual(error.cmd, args)
      assert.strictEqual(error.stdout, "partial\n")
      assert.strictEqual(error.stderr, "oops\n")
      assert.match(error.message, /returned non-zero exit status 2/)
      const killed = yield* Effect.flip(Subprocess.run(["sh", "-c", "kill -9 $$"], { check: true }))
      assert.strictEqual(killed._tag, "CalledProcessError")
      if (killed._tag === "CalledProcessError") {
        assert.strictEqual(killed.returncode, -9)
        assert.match(killed.message, /died with SIGKILL/)
      }
      // check: true with a zero exit, checkOutput, checkCall.
      assert.strictEqual((yield* Subprocess.run(["true"], { check: true })).returncode, 0)
      assert.strictEqual(yield* Subprocess.checkOutput(["sh", "-c", "echo hi"]), "hi\n")
      assert.strictEqual((yield* Effect.flip(Subprocess.checkOutput(["false"])))._tag, "CalledProcessError")
      yield* Subprocess.checkCall(["true"])
      const failed = yield* Effect.flip(Subprocess.checkCall(["sh", "-c", "exit 4"]))
      assert.strictEqual(failed._tag, "CalledProcessError")
      if (failed._tag === "CalledProcessError") assert.strictEqual(failed.returncode, 4)
    }))

  it.live("a missing program, a missing cwd, a program that cannot run: typed errors", () =>
    Effect.gen(function*() {
      const starts: Array<
        Effect.Effect<unknown, Subprocess.StartError | Errors.CalledProcessError | Errors.SubprocessTimeout>
      > = [
        Subprocess.run(["corun-no-such-program"]),
        Subprocess.call(["corun-no-such-program"]),
        Effect.scoped(Subprocess.spawn(["corun-no-such-program"]))
      ]
      for (const start of starts) {
        const error = yield* Effect.flip(start)
        assert.instanceOf(error, Errors.SubprocessNotFound)
        if (error._tag !== "SubprocessNotFound") return
        assert.deepStrictEqual(error.cmd, ["corun-no-such-program"])
        assert.strictEqual(error.filename, "corun-no-such-program")
        assert.match(error.message, /No such file or directory: 'corun-no-such-program'/)
      }
      const noCwd = yield* Effect.flip(Subprocess.run(["ls"], { cwd: "/corun/no/such/dir" }))
      assert.strictEqual(noCwd._tag, "SubprocessNotFound")
      if (noCwd._tag === "SubprocessNotFound") assert.strictEqual(noCwd.filename, "/corun/no/such/dir")
      const notExecutable = yield* Effect.flip(Subprocess.run([fixturePath("subprocess-call.ts")]))
      assert.instanceOf(notExecutable, Errors.SubprocessOSError)
      if (notExecutable._tag === "SubprocessOSError") assert.strictEqual(notExecutable.reason, "PermissionDenied")
    }))

  it.live("timeout: run kills the process and its child, and fails with SubprocessTimeout and the output so far", () =>
    Effect.gen(function*() {
      const error = yield* within(30, "run times out", Effect.flip(Subprocess.run(shellWithChild, { timeout: 200 })))
      assert.instanceOf(error, Errors.SubprocessTimeout)
      if (error._tag !== "SubprocessTimeout") return
      assert.deepStrictEqual(error.cmd, shellWithChild)
      assert.strictEqual(error.timeoutMillis, 200)
      assert.match(error.message, /timed out after 0.2 seconds/)
      const pids = pidsOf(error.stdout)
      assert.strictEqual(pids.length, 2)
      yield* gone(pids)
    }))

  it.live("timeout: call kills the process and its child too", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const file = join(dir, "pids")
      const fiber = yield* Effect.forkChild(
        Effect.flip(
          Subprocess.call(["sh", "-c", `sleep 100 & echo $$ $! > ${file}; sleep 100`], { timeout: "1 second" })
        )
      )
      const pids = pidsOf(yield* readLine(file))
      const error = yield* within(30, "call times out", Fiber.join(fiber))
      assert.strictEqual(error._tag, "SubprocessTimeout")
      yield* gone(pids)
    }).pipe(Effect.scoped))

  it.live("interrupting run kills the process and its child", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const file = join(dir, "pids")
      const fiber = yield* Effect.forkChild(Subprocess.run(["sh", "-c", `sleep 100 & echo $$ $! > ${file}; sleep 100`]))
      const pids = pidsOf(yield* readLine(file))
      assert.isTrue(pids.every(isAlive))
      yield* within(30, "run is interrupted", Fiber.interrupt(fiber))
      yield* gone(pids)
    }).pipe(Effect.scoped))

  it.live("call: the child writes to this program's stdout and stderr, and the return code is returned", () =>
    Effect.gen(function*() {
      const r = yield* within(
        60,
        "the fixture ends",
        Subprocess.run([process.execPath, tsx, fixturePath("subprocess-call.ts")], { cwd: root })
      )
      assert.strictEqual(r.stdout, "before\nfrom-child\ncode 7\n")
      assert.strictEqual(r.stderr, "child-err\n")
      assert.strictEqual(r.returncode, 0)
    }))

  it.live("spawn + communicate: sort fed through its stdin, pid, returncode", () =>
    Effect.gen(function*() {
      const p = yield* Subprocess.spawn(["sort"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" })
      assert.isTrue(p.pid > 0)
      assert.deepStrictEqual(p.args, ["sort"])
      assert.isTrue(isAlive(p.pid))
      assert.isTrue(Option.isNone(yield* p.poll)) // sort waits for its input
      const { stderr, stdout } = yield* within(30, "communicate", p.communicate("set q=mx\npython.org\nexit\n"))
      assert.strictEqual(stdout, "exit\npython.org\nset q=mx\n")
      assert.strictEqual(stderr, "")
      assert.deepStrictEqual(yield* p.returncode, Option.some(0))
      assert.strictEqual(yield* p.wait(), 0)
      // communicate again: the same output, no input allowed.
      assert.strictEqual((yield* p.communicate()).stdout, "exit\npython.org\nset q=mx\n")
      const again = yield* Effect.flip(p.communicate("more"))
      assert.strictEqual(again._tag, "InvalidArgumentError")
    }).pipe(Effect.scoped))

  it.live("spawn: wait never blocks on a full pipe; a stream not piped gives \"\"", () =>
    Effect.gen(function*() {
      const p = yield* Subprocess.spawn(["head", "-c", "1000000", "/dev/zero"], { stdout: "pipe" })
      assert.strictEqual(yield* within(30, "head exits", p.wait()), 0)
      const out = yield* p.communicate()
      assert.strictEqual(out.stdout.length, 1_000_000)
      assert.strictEqual(out.stderr, "")
    }).pipe(Effect.scoped))

  it.live("spawn: communicate and wait time out without killing; terminate, kill, sendSignal", () =>
    Effect.gen(function*() {
      const p = yield* Subprocess.spawn(shellWithChild, { stdout: "pipe" })
      // The timeout error carries the output so far; the process keeps running.
      let pids: Array<number> = []
      while (pids.length < 2) {
        const error = yield* Effect.flip(p.communicate(undefined, { timeout: 50 }))
        assert.strictEqual(error._tag, "SubprocessTimeout")
        if (error._tag === "SubprocessTimeout") pids = error.stdout === "" ? [] : pidsOf(error.stdout)
      }
      assert.deepStrictEqual(pids[0], p.pid)
      const waited = yield* Effect.flip(p.wait({ timeout: 0 }))
      assert.strictEqual(waited._tag, "SubprocessTimeout")
      assert.isTrue(pids.every(isAlive))
      yield* p.terminate
      assert.strictEqual(yield* within(30, "sh exits", p.wait()), -15)
      yield* gone(pids) // the signal went to the group
      yield* p.kill // exited: nothing is signalled
      assert.deepStrictEqual(yield* p.poll, Option.some(-15))

      const q = yield* Subprocess.spawn(["sleep", "100"])
      yield* q.kill
      assert.strictEqual(yield* within(30, "sleep exits", q.wait()), -9)
      const u = yield* Subprocess.spawn(["sleep", "100"])
      yield* u.sendSignal("SIGUSR1")
      assert.strictEqual(yield* within(30, "sleep exits", u.wait()), -constants.signals.SIGUSR1)
    }).pipe(Effect.scoped))

  it.live("the scope of spawn kills a running process and its child when it closes", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const file = join(dir, "pids")
      const pids = yield* Effect.scoped(Effect.gen(function*() {
        yield* Subprocess.spawn(["sh", "-c", `sleep 100 & echo $$ $! > ${file}; sleep 100`])
        const pids = pidsOf(yield* readLine(file))
        assert.isTrue(pids.every(isAlive))
        return pids
      }))
      yield* gone(pids)
    }).pipe(Effect.scoped))

  it.live("a process that ignores SIGTERM is killed after the grace period when its scope closes", () =>
    Effect.gen(function*() {
      const dir = yield* makeDir
      const file = join(dir, "pids")
      const pids = yield* within(
        30,
        "the scope closes",
        Effect.scoped(Effect.gen(function*() {
          yield* Subprocess.spawn(["sh", "-c", `trap '' TERM; sleep 100 & echo $$ $! > ${file}; wait`])
          return pidsOf(yield* readLine(file))
        }))
      )
      yield* gone(pids)
    }).pipe(Effect.scoped))

  it.effect("invalid arguments fail with InvalidArgumentError before anything starts", () =>
    Effect.gen(function*() {
      const cases: Array<[string, Effect.Effect<unknown, unknown>]> = [
        ["args", Subprocess.run([])],
        ["args", Subprocess.run([""])],
        ["args", Subprocess.run(["echo", 1 as any])],
        ["args", Subprocess.run("echo hi" as any)],
        ["args", Subprocess.call(["echo", "a\0b"])],
        ["timeout", Subprocess.run(["true"], { timeout: -1 })],
        ["timeout", Subprocess.call(["true"], { timeout: "soon" as any })],
        ["encoding", Subprocess.run(["true"], { encoding: "utf-9" as any })],
        ["input", Subprocess.run(["true"], { input: 42 as any })],
        ["cwd", Subprocess.run(["true"], { cwd: "" })],
        ["env", Subprocess.run(["true"], { env: { A: 1 as any } })],
        ["stdin", Effect.scoped(Subprocess.spawn(["true"], { stdin: "PIPE" as any }))],
        ["stdout", Effect.scoped(Subprocess.spawn(["true"], { stdout: 1 as any }))]
      ]
      for (const [argument, effect] of cases) {
        const error = yield* Effect.flip(effect)
        assert.instanceOf(error, Errors.InvalidArgumentError, argument)
        assert.strictEqual((error as Errors.InvalidArgumentError).argument, argument)
      }
    }))

  it.live("invalid arguments of a spawned process's wait and communicate", () =>
    Effect.gen(function*() {
      const p = yield* Subprocess.spawn(["true"], { stdout: "pipe" })
      const input = yield* Effect.flip(p.communicate("x"))
      assert.strictEqual(input._tag, "InvalidArgumentError")
      assert.match(input.message, /stdin: "pipe"/)
      const timeout = yield* Effect.flip(p.wait({ timeout: -5 }))
      assert.strictEqual(timeout._tag, "InvalidArgumentError")
      const timeout2 = yield* Effect.flip(p.communicate(undefined, { timeout: Number.NaN }))
      assert.strictEqual(timeout2._tag, "InvalidArgumentError")
      assert.strictEqual(yield* within(30, "true exits", p.wait()), 0)
    }).pipe(Effect.scoped))
})
