/**
 * What the `@corun/node` test files share: where the fixtures are, a gate
 * that holds tasks until a test opens it, a hang guard, and a check that a
 * process is gone.
 */
import { assert } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** A fixture's URL. */
export const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url)

/** A fixture's file path. */
export const fixturePath = (name: string): string => fileURLToPath(fixture(name))

/** The tasks module most tests run (`fixtures/tasks.ts`). */
export const tasks: URL = fixture("tasks.ts")

/** The repository's root (the working directory of the child programs tests start). */
export const root: string = fileURLToPath(new URL("../../../", import.meta.url))

/**
 * A gate for the fixtures' `gated` tasks: a fresh directory whose `open`
 * file, once written (`open`), lets them finish; removed with the scope.
 */
export const makeGate = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "corun-gate-"))
    const path = join(dir, "open")
    return { dir, path, open: Effect.sync(() => writeFileSync(path, "")) }
  }),
  ({ dir }) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/**
 * A hang guard, not a timing: `effect`, or a defect naming what did not
 * happen after `seconds` (far beyond what it takes on a loaded machine).
 */
export const within = <A, E, R>(seconds: number, message: string, effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, {
    duration: Duration.seconds(seconds),
    orElse: () => Effect.die(new Error(`${message} (not within ${seconds} s)`))
  })

/**
 * Whether a process still exists. An exited process the OS has not reaped
 * yet (a zombie: its new parent, `init` or a subreaper, may reap it late)
 * runs no more code: it counts as gone.
 */
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch (error: any) {
    assert.strictEqual(error.code, "ESRCH")
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}
