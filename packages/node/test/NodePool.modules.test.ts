import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import * as JsTasks from "./fixtures/tasks-js.mjs"
import * as T from "./fixtures/tasks.ts"
import { fixture, root } from "./helpers.ts"

describe("NodePool task modules", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`under tsx, workers load a TypeScript module that needs tsx (${runtime})`, () =>
      Effect.gen(function*() {
        const { stdout } = yield* Effect.promise(() =>
          promisify(execFile)(
            process.execPath,
            [`${root}node_modules/tsx/dist/cli.mjs`, fileURLToPath(fixture("run-under-tsx.ts")), runtime],
            { cwd: root, timeout: 60_000 }
          )
        )
        assert.strictEqual(stdout.trim(), "[3,6,9]")
      }), 90_000)
  }

  it.live(
    "from the built JavaScript of @corun/node (worker entry NodeWorkerMain.js), with plain node",
    () =>
      Effect.gen(function*() {
        const run = promisify(execFile)
        yield* Effect.promise(() =>
          run(process.execPath, [
            `${root}node_modules/typescript/bin/tsc`,
            "-p",
            `${root}packages/node/tsconfig.build.json`,
            "--outDir",
            fileURLToPath(fixture("dist")),
            "--noCheck",
            "--declaration",
            "false",
            "--declarationMap",
            "false",
            "--sourceMap",
            "false"
          ], { cwd: root, timeout: 120_000 })
        )
        for (const runtime of ["thread", "process"]) {
          const { stdout } = yield* Effect.promise(() =>
            run(process.execPath, [fileURLToPath(fixture("run-built.mjs")), runtime], { cwd: root, timeout: 60_000 })
          )
          assert.strictEqual(stdout.trim(), "[-1,-2,-3]")
        }
      }),
    300_000
  )

  it.live("without tsx hooks in the parent, a module that needs tsx still loads when tsx is installed", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks: fixture("tasks-tsx.ts"), size: 1 })
      const { triple } = yield* Effect.promise(() => import("./fixtures/tasks-tsx.ts"))
      assert.strictEqual(yield* pool.apply(triple, 5), 15)
    }))

  it.live("a plain JavaScript tasks module", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks: fixture("tasks-js.mjs"), size: 1 })
      assert.strictEqual(yield* pool.apply(JsTasks.negate, 5), -5)
    }))

  it.live("the tasks module may be given as a path", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks: fileURLToPath(fixture("tasks.ts")), size: 1 })
      assert.strictEqual(yield* pool.apply(T.noop, 5), 5)
    }))

  it.live("a tasks module that cannot be loaded fails tasks with WorkerCrashed (startup), naming the module", () =>
    Effect.gen(function*() {
      const pool = yield* NodePool.make({ tasks: fixture("does-not-exist.ts"), size: 2 })
      const error = yield* Effect.flip(pool.apply(T.noop, 5))
      assert.strictEqual(error._tag, "WorkerCrashed")
      if (error._tag === "WorkerCrashed") {
        assert.strictEqual(error.reason, "startup")
        assert.include(error.message, "does-not-exist.ts")
      }
      // no respawn loop: the pool stays quiet until asked again
      const spawned = (yield* pool.stats).spawned
      yield* Effect.sleep(300)
      assert.strictEqual((yield* pool.stats).spawned, spawned)
    }))
})
