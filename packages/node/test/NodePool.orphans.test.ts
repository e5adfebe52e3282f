/**
 * Issue 9, "no orphan": a child-process worker busy in a task (or in its
 * initializer, before any task) must not outlive its parent, even when the parent is SIGKILLed (no clean-up runs)
 * and the task never yields (the worker's event loop, and so its IPC
 * `disconnect` event, never runs). Its watchdog thread ends it.
 */
import { assert, describe, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fixturePath as fixture, isAlive, root } from "./helpers.ts"

const killIfAlive = (pid: number | undefined) => {
  if (pid === undefined) return
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // already gone
  }
}

/** The first line the parent prints (`{"worker":<pid>}`), or a failure after `ms` (a hang guard). */
const firstLine = (child: ChildProcess, ms: number) =>
  new Promise<string>((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`the parent printed no worker pid within ${ms} ms`)), ms)
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
      const end = out.indexOf("\n")
      if (end >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, end))
      }
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the parent exited (${code ?? signal}) before printing the worker's pid`))
    })
  })

/** Polls until `pid` is gone; `false` if it is still there after `ms` (a failure bound, not the assertion). */
const gone = async (pid: number, ms: number) => {
  const deadline = Date.now() + ms
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

describe("NodePool orphans", () => {
  for (const where of ["task", "initializer", "process"] as const) {
    it(
      `a process worker spinning in its ${
        where === "process" ? "target (a Process)" : where
      } exits when its parent is SIGKILLed`,
      async () => {
        const dir = mkdtempSync(join(tmpdir(), "corun-orphan-"))
        const marker = join(dir, "spinning")
        const parent = spawn(process.execPath, [fixture("orphan-parent.ts"), marker, where], {
          cwd: root,
          stdio: ["ignore", "pipe", "inherit"]
        })
        let workerPid: number | undefined
        try {
          const line = await firstLine(parent, 30_000)
          workerPid = JSON.parse(line).worker as number
          assert.isNumber(workerPid)
          assert.notStrictEqual(workerPid, parent.pid)
          // The code runs (it wrote the marker before spinning) in that worker.
          assert.strictEqual(readFileSync(marker, "utf8"), String(workerPid))
          assert.isTrue(isAlive(workerPid), "the worker spins")

          const exited = new Promise((resolve) => parent.once("exit", resolve))
          parent.kill("SIGKILL")
          await exited
          assert.isTrue(await gone(workerPid, 10_000), `the orphaned worker ${workerPid} has exited`)
        } finally {
          killIfAlive(parent.pid)
          killIfAlive(workerPid)
          rmSync(dir, { recursive: true, force: true })
        }
      },
      60_000
    )
  }
})
