import { Errors } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url)
const root = fileURLToPath(new URL("../../../", import.meta.url))
const tasks = fixture("tasks.ts")

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

  for (const runtime of ["thread", "process"] as const) {
    for (
      const [broken, module, named] of [
        ["a tasks module path with a typo", fixture("taks.ts"), "taks.ts"],
        ["a tasks module that throws when imported", fixture("throws-at-import.ts"), "throws when imported"]
      ] as const
    ) {
      it.live(`awaitReady fails with WorkerCrashed (startup) when no worker could start: ${broken} (${runtime})`, () =>
        Effect.gen(function*() {
          const pool = yield* NodePool.make({ tasks: module, size: 2, runtime })
          // `Pool.PoolService.awaitReady` is typed as never failing: the start-up error is a defect.
          for (const awaitReady of [NodePool.awaitReady(pool), pool.awaitReady]) {
            const exit = yield* Effect.exit(awaitReady)
            assert.isTrue(Exit.isFailure(exit), "awaitReady must fail")
            if (Exit.isFailure(exit)) {
              const error = Cause.squash(exit.cause) as Errors.WorkerCrashed
              assert.instanceOf(error, Errors.WorkerCrashed)
              assert.strictEqual(error.reason, "startup")
              assert.include(error.message, named)
            }
          }
        }))
    }

    it.live(`awaitReady succeeds once the workers have started (${runtime})`, () =>
      Effect.gen(function*() {
        const pool = yield* NodePool.make({ tasks, size: 2, runtime })
        yield* NodePool.awaitReady(pool)
        yield* pool.awaitReady
        assert.strictEqual((yield* NodePool.workers(pool)).length, 2)
      }))
  }

  it.live("an absurd size is refused with InvalidArgumentError before anything starts", () =>
    Effect.gen(function*() {
      // `runtime` is checked after `size`: refusing it would mean `size` was accepted.
      const options = { tasks, size: 1e6, runtime: "neither" as any }
      const error = yield* Effect.flip(NodePool.make(options))
      assert.strictEqual(error._tag, "InvalidArgumentError")
      assert.strictEqual(error.argument, "size")
      assert.include(error.message, "at most 1024")
      assert.strictEqual(NodePool.maxSize, 1024)
      const above = yield* Effect.flip(NodePool.make({ ...options, size: NodePool.maxSize + 1 }))
      assert.strictEqual(above.argument, "size")
    }))
})
