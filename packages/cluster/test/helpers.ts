import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort } from "../../../scripts/postgres.ts"

export const binPath = fileURLToPath(new URL("../src/bin/corun-runner.ts", import.meta.url))
export const tasksPath = fileURLToPath(new URL("./fixtures/tasks.ts", import.meta.url))

/** A runner process (`corun-runner`), its output kept for failure messages. */
export interface RunnerProcess {
  readonly child: ChildProcess
  readonly port: number
  output: string
}

export const startRunner = async (options: {
  readonly databaseUrl: string
  readonly secret: string
  /** Pass the secret in this file (`--secret-file`) rather than in `CORUN_SECRET`. */
  readonly secretFile?: string
  readonly size?: number
  readonly env?: Readonly<Record<string, string>>
}): Promise<RunnerProcess> => {
  const port = await freePort()
  const child = spawn(process.execPath, [
    binPath,
    "--tasks",
    tasksPath,
    "--listen",
    `127.0.0.1:${port}`,
    "--size",
    String(options.size ?? 1),
    ...(options.secretFile === undefined ? [] : ["--secret-file", options.secretFile])
  ], {
    env: {
      ...process.env,
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      ...(options.secretFile === undefined ? { CORUN_SECRET: options.secret } : {})
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const runner: RunnerProcess = { child, port, output: "" }
  child.stdout!.on("data", (chunk) => (runner.output += chunk))
  child.stderr!.on("data", (chunk) => (runner.output += chunk))
  return runner
}

/** Stops a runner (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
export const stopRunner = async (runner: RunnerProcess): Promise<void> => {
  if (runner.child.exitCode !== null || runner.child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => runner.child.once("exit", () => resolve()))
  runner.child.kill("SIGTERM")
  const timer = setTimeout(() => runner.child.kill("SIGKILL"), 10_000)
  await exited
  clearTimeout(timer)
}

/** One query through psql (PostgreSQL's own client): its rows, tab-separated. */
export const psql = (url: string, sql: string): string => {
  const result = spawnSync("psql", [url, "-tAc", sql], { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`)
  return result.stdout.trim()
}

/** Waits until a process exits (at most `ms`): its exit code, or `undefined` if still running. */
export const exited = (child: ChildProcess, ms: number): Promise<number | null | undefined> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    const timer = setTimeout(() => resolve(undefined), ms)
    child.once("exit", (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
