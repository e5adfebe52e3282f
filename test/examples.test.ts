/**
 * Runs every program in `examples/` the way a user does (`tsx examples/NAME.ts`)
 * and checks that it ends by itself, successfully, and prints something.
 * Each example also checks its own results and exits non-zero when they are
 * wrong.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { freePort, startPostgres } from "../scripts/postgres.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs")
// The cluster's worker runs until stopped: the master starts it (alone), or
// the two-command test below does.
const servers = new Set(["cluster-task-worker.ts"])
const examples = readdirSync(join(root, "examples")).filter((file) => file.endsWith(".ts") && !servers.has(file))
  .sort()

const run = (file: string, env: Record<string, string> = {}, args: Array<string> = []) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, join("examples", file), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

describe("examples", () => {
  it("has examples", () => {
    expect(examples.length).toBeGreaterThan(0)
  })
  for (const file of examples) {
    it(file, { timeout: 120_000 }, async () => {
      const { code, stderr, stdout } = await run(file)
      expect(stderr + stdout).not.toMatch(/FAILED CHECK/)
      expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" })
      expect(stdout.trim().length).toBeGreaterThan(0)
    })
  }
})

describe("the cluster's master and worker as two commands (the README's \"Scaling out\")", () => {
  it(
    "cluster-task-worker.ts in one process, cluster-task-master.ts in another: ten results",
    { timeout: 180_000 },
    async () => {
      const postgres = await startPostgres()
      const env = { DATABASE_URL: postgres.url, CORUN_SECRET: "abc", CORUN_PORT: String(await freePort()) }
      const worker = spawn(process.execPath, [tsx, join("examples", "cluster-task-worker.ts")], {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let workerOutput = ""
      worker.stdout.on("data", (chunk) => (workerOutput += chunk))
      worker.stderr.on("data", (chunk) => (workerOutput += chunk))
      try {
        const { code, stderr, stdout } = await run("cluster-task-master.ts", env)
        expect(stderr + stdout).not.toMatch(/FAILED CHECK/)
        expect({ code, stderr: code === 0 ? "" : stderr + workerOutput }).toEqual({ code: 0, stderr: "" })
        expect(stdout.match(/^Result: (\d+) \* \1 = \d+$/gm)?.length).toBe(10)
        expect(workerOutput).toMatch(/joining the cluster/)
      } finally {
        const exited = new Promise((resolve) => worker.once("exit", resolve))
        worker.kill("SIGTERM")
        await exited
        await postgres.stop()
      }
    }
  )
})

describe("the demo's timeline (pnpm demo --timeline FILE.html)", () => {
  it(
    "writes the picture of the run: worker, fetch and main-thread lanes, a bar per task",
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "corun-demo-"))
      try {
        const file = join(dir, "run.html")
        const { code, stderr, stdout } = await run("demo.ts", {}, ["--timeline", file])
        expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" })
        expect(stdout).toContain(`the timeline of the run is in ${file}`)
        const html = readFileSync(file, "utf8")
        const lanes = [...html.matchAll(/<g class="lane" data-lane="([^"]+)">/g)].map((match) => match[1])
        expect(lanes).toEqual(expect.arrayContaining(["main thread", "fetch 1", "worker 1", "worker 2"]))
        // Each page is fetched and processed in each of the four runs (two fetch on fibers, two process on the pool).
        expect(html.match(/<rect class="bar"/g)?.length).toBe(16 * 8)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  )
})
