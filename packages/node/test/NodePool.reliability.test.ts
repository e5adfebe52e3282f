import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)
const root = fileURLToPath(new URL("../../../", import.meta.url))

describe("NodePool reliability", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a parent started with V8 flags starts a pool and runs tasks (${runtime})`, () =>
      Effect.gen(function*() {
        // Worker threads refuse these flags when passed to them; the parent has them all.
        const { stdout } = yield* Effect.promise(() =>
          promisify(execFile)(
            process.execPath,
            [
              "--max-old-space-size=4096",
              "--expose-gc",
              "--stack-size=900",
              "--title",
              "corun-v8-flags",
              fileURLToPath(fixture("run-with-v8-flags.ts")),
              runtime
            ],
            { cwd: root, timeout: 60_000 }
          )
        )
        assert.strictEqual(stdout.trim(), "[1,2,3]")
      }), 90_000)
  }
})
