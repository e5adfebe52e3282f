/**
 * The packages are usable as libraries outside the workspace: build them
 * (their `build` scripts: tsc, then the bundling of `dist/`), `pnpm pack`
 * them, install the tarballs into a throwaway project in the system's temp
 * folder, then (1) run a task there under plain Node (no tsx), (2) run tasks
 * on `NodePool`s of both runtimes, from plain modules and from a worker
 * bundle (the worker's files are found from the bundled `dist/`), and (3)
 * type-check a TypeScript consumer against the packed declarations.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort } from "../scripts/postgres.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const rootManifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const tsc = join(root, "node_modules", "typescript", "bin", "tsc")

// pnpm as the test was started (`pnpm test`), else the pinned version via npx.
const pnpm = (args: Array<string>, cwd: string) => {
  const execPath = process.env.npm_execpath
  if (execPath !== undefined && execPath.includes("pnpm")) {
    return execFileSync(process.execPath, [execPath, ...args], { cwd, encoding: "utf8" })
  }
  return execFileSync("npx", ["-y", rootManifest.packageManager, ...args], { cwd, encoding: "utf8" })
}

const run = (command: string, args: Array<string>, cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

describe("packed packages", () => {
  it("install outside the workspace and run under plain Node", { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), "corun-pack-"))
    try {
      for (const pkg of ["core", "node", "cluster"]) {
        const dir = join(root, "packages", pkg)
        pnpm(["run", "build"], dir)
        pnpm(["pack", "--pack-destination", work], dir)
      }
      const tarballs = readdirSync(work).filter((file) => file.endsWith(".tgz")).sort()
      expect(tarballs).toEqual(["corun-cluster-0.1.0.tgz", "corun-core-0.1.0.tgz", "corun-node-0.1.0.tgz"])

      // Each tarball carries its README and the licence.
      for (const tarball of tarballs) {
        const files = run("tar", ["-tzf", join(work, tarball)], work).split("\n")
        expect(files).toEqual(expect.arrayContaining(["package/README.md", "package/LICENSE"]))
        const manifest = JSON.parse(run("tar", ["-xOzf", join(work, tarball), "package/package.json"], work))
        expect(manifest.engines).toEqual({ node: ">=22.19" })
      }

      // The packed manifests point at the built files, not the sources.
      const manifest = JSON.parse(
        run("tar", ["-xOzf", join(work, "corun-core-0.1.0.tgz"), "package/package.json"], work)
      )
      expect(manifest.exports).toEqual({
        ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
        "./Task": { types: "./dist/Task.d.ts", import: "./dist/Task.js" },
        "./Backend": { types: "./dist/Backend.d.ts", import: "./dist/Backend.js" }
      })

      // The built JavaScript is bundled: one file per entry point (core's
      // entries share their modules through chunks), and @corun/node imports
      // @corun/core as a package rather than holding a copy of it.
      const packed = (tarball: string) =>
        run("tar", ["-tzf", join(work, tarball)], work).split("\n").filter((file) => file.endsWith(".js")).sort()
      expect(packed("corun-core-0.1.0.tgz").filter((file) => !file.includes("/chunks/"))).toEqual([
        "package/dist/Backend.js",
        "package/dist/Task.js",
        "package/dist/index.js"
      ])
      expect(packed("corun-node-0.1.0.tgz")).toEqual([
        "package/dist/NodeWorkerMain.js",
        "package/dist/index.js",
        "package/dist/internal/worker.js"
      ])
      const nodeIndex = run("tar", ["-xOzf", join(work, "corun-node-0.1.0.tgz"), "package/dist/index.js"], work)
      expect(nodeIndex).toMatch(/from "@corun\/core"/)
      const nodeMap = JSON.parse(
        run("tar", ["-xOzf", join(work, "corun-node-0.1.0.tgz"), "package/dist/index.js.map"], work)
      )
      expect(nodeMap.sources.filter((source: string) => !source.startsWith("../src/"))).toEqual([])

      const project = join(work, "app")
      run("mkdir", ["-p", project], work)
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({
          name: "corun-consumer",
          private: true,
          type: "module",
          dependencies: {
            "@corun/core": `file:../corun-core-0.1.0.tgz`,
            "@corun/node": `file:../corun-node-0.1.0.tgz`,
            "@corun/cluster": `file:../corun-cluster-0.1.0.tgz`,
            "effect": rootManifest.devDependencies.effect,
            "@types/node": rootManifest.devDependencies["@types/node"],
            "@effect/platform-node": rootManifest.devDependencies["@effect/platform-node"]
          }
        })
      )
      run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], project)

      writeFileSync(
        join(project, "main.mjs"),
        `import { Effect, Stream } from "effect"
import { Executor, Future, gather } from "@corun/core"
import { Platform } from "@corun/node"
const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  const future = yield* executor.submit(Effect.as(Effect.sleep(5), 21))
  const doubled = (yield* Future.result(future)) * 2
  const mapped = yield* Stream.runCollect(executor.map([1, 2, 3], (n) => Effect.succeed(n * 10)))
  const both = yield* gather([Effect.succeed("a"), Effect.succeed("b")])
  const cores = yield* Platform.cpuCount
  return JSON.stringify({ doubled, mapped: Array.from(mapped), both, cores: cores > 0 })
}))
console.log(await Effect.runPromise(program))
`
      )
      // @corun/cluster: its entry and its command, from the built files.
      const clusterManifest = JSON.parse(
        run("tar", ["-xOzf", join(work, "corun-cluster-0.1.0.tgz"), "package/package.json"], work)
      )
      expect(clusterManifest.bin).toEqual({ "corun-runner": "./dist/bin/corun-runner.js" })
      expect(
        run(process.execPath, [
          "--input-type=module",
          "-e",
          "console.log(Object.keys(await import('@corun/cluster')).sort().join())"
        ], project)
          .trim()
      ).toBe("ClusterAuthError,ClusterPool,ClusterRunner")
      expect(run(join(project, "node_modules", ".bin", "corun-runner"), ["--help"], project)).toMatch(
        /^usage: corun-runner --tasks MODULE/
      )

      const output = run(process.execPath, ["main.mjs"], project).trim()
      expect(JSON.parse(output)).toEqual({ doubled: 42, mapped: [10, 20, 30], both: ["a", "b"], cores: true })

      // NodePool workers start from the installed `dist/`: the worker entry
      // and body are found from the bundled `dist/index.js`. Each run reports
      // where its task ran: the tasks module itself, or (once esbuild, an
      // optional dependency installed here, has built it in the background)
      // a worker bundle from the cache directory.
      writeFileSync(
        join(project, "tasks.mjs"),
        `import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
export const square = Task.make("square", {
  input: Schema.Number,
  output: Schema.Struct({ value: Schema.Number, from: Schema.String }),
  run: (n) => Effect.sync(() => ({ value: n * n, from: new Error().stack.split("\\n")[1] }))
})
`
      )
      writeFileSync(
        join(project, "pool.mjs"),
        `import { Effect } from "effect"
import { Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { square } from "./tasks.mjs"
const [runtime, bundle] = process.argv.slice(2)
const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool
  const results = yield* pool.map(square, [1, 2, 3])
  return JSON.stringify({
    values: results.map((result) => result.value),
    bundled: results.map((result) => result.from.includes("corun-bundles"))
  })
})
const layer = NodePool.layer({ tasks: new URL("./tasks.mjs", import.meta.url), size: 2, runtime, bundle: bundle === "bundle" })
console.log(await Effect.runPromise(program.pipe(Effect.provide(layer))))
`
      )
      const bundles = join(work, "corun-bundles")
      const pool = (...args: Array<string>) =>
        JSON.parse(
          execFileSync(process.execPath, ["pool.mjs", ...args], {
            cwd: project,
            encoding: "utf8",
            env: { ...process.env, CORUN_BUNDLE_DIR: bundles }
          }).trim()
        )
      const unbundled = { values: [1, 4, 9], bundled: [false, false, false] }
      expect(pool("thread", "plain")).toEqual(unbundled)
      expect(pool("process", "plain")).toEqual(unbundled)
      // The first bundling run builds the bundle in the background; a later
      // one starts its workers from it, and so do child processes.
      let fromBundle = pool("thread", "bundle")
      for (let attempt = 0; attempt < 10 && !fromBundle.bundled.every(Boolean); attempt++) {
        fromBundle = pool("thread", "bundle")
      }
      const bundled = { values: [1, 4, 9], bundled: [true, true, true] }
      expect(fromBundle).toEqual(bundled)
      expect(pool("process", "bundle")).toEqual(bundled)

      // A TypeScript consumer type-checks against the packed declarations.
      writeFileSync(
        join(project, "main.ts"),
        `import { Effect, Exit } from "effect"
import { Executor, Future } from "@corun/core"
import * as Backend from "@corun/core/Backend"
export const driven: boolean = Backend.completeUnsafe(Backend.makeFutureUnsafe<number>(), Exit.succeed(1))
export const program: Effect.Effect<number, Error, never> = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make({ maxWorkers: 2 })
  const future: Future.Future<number, never> = yield* executor.submit(Effect.succeed(1))
  return yield* Future.result(future)
}))
// @ts-expect-error a Future of number does not hold a string
export const wrong: Future.Future<string, never> = null as unknown as Future.Future<number, never>
`
      )
      writeFileSync(
        join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: "NodeNext",
            moduleResolution: "NodeNext",
            target: "ES2022",
            noEmit: true,
            skipLibCheck: false,
            types: []
          },
          files: ["main.ts"]
        })
      )
      run(process.execPath, [tsc, "-p", "tsconfig.json"], project)

      // The README's recipe ("Using corun in your project"), as written
      // there: its tsconfig.json type-checks its two files, and the service
      // answers, its work on the pool, then stops on SIGTERM.
      const service = join(project, "service")
      run("mkdir", ["-p", service], project)
      writeFileSync(join(service, "package.json"), JSON.stringify({ type: "module" }))
      const readme = readFileSync(join(root, "README.md"), "utf8")
      const recipe = [...readme.matchAll(/<!-- recipe: (\S+) -->\n```\w*\n([\s\S]*?)```/g)]
      expect(recipe.map(([, file]) => file)).toEqual(["tsconfig.json", "tasks.ts", "server.ts"])
      for (const [, file, text] of recipe) writeFileSync(join(service, file!), text!)
      run(process.execPath, [tsc, "-p", "tsconfig.json"], service)
      const port = await freePort()
      const server = spawn(process.execPath, ["server.ts"], {
        cwd: service,
        env: { ...process.env, PORT: String(port), CORUN_POOL_SIZE: "2" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let serverOutput = ""
      server.stdout.on("data", (chunk) => (serverOutput += chunk))
      server.stderr.on("data", (chunk) => (serverOutput += chunk))
      try {
        let answer: string | undefined
        for (let attempt = 0; attempt < 300 && answer === undefined; attempt++) {
          answer = await fetch(`http://127.0.0.1:${port}/fib/20`).then((response) => response.text(), () => undefined)
          if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
        }
        expect({ answer, output: answer === "6765" ? "" : serverOutput }).toEqual({ answer: "6765", output: "" })
      } finally {
        const exited = new Promise((resolve) => server.once("exit", resolve))
        server.kill("SIGTERM")
        const stopped = await Promise.race([
          exited.then(() => true),
          new Promise((r) => setTimeout(() => r(false), 30_000))
        ])
        if (!stopped) server.kill("SIGKILL")
        expect(stopped).toBe(true)
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
