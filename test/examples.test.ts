/**
 * Runs every program in `examples/` the way a user does (`tsx examples/NAME.ts`)
 * and checks that it ends by itself, successfully, and prints something.
 * Each example also checks its own results and exits non-zero when they are
 * wrong.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const tsx = join(root, "node_modules", "tsx", "dist", "cli.mjs")
const examples = readdirSync(join(root, "examples")).filter((file) => file.endsWith(".ts")).sort()

const run = (file: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, join("examples", file)], {
      cwd: root,
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
