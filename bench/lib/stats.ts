/**
 * Small helpers shared by every bench (`bench/*.bench.ts`) and the probes
 * (`bench/pool/`, `bench/probes/`): quantiles, a forced garbage collection
 * between samples, the machine line and Markdown tables.
 */
import { spawnSync } from "node:child_process"
import { cpus, loadavg, totalmem } from "node:os"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/** The q-quantile (0 ≤ q ≤ 1) of `values`, linear interpolation. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const position = (sorted.length - 1) * q
  const lower = Math.floor(position)
  const upper = Math.ceil(position)
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower)
}

export const median = (values: ReadonlyArray<number>): number => quantile(values, 0.5)

let gcFunction: (() => void) | undefined
/**
 * Runs a full garbage collection (so that one contender's garbage is not
 * collected on the next one's clock). `pnpm bench` does not pass
 * `--expose-gc`, so the flag is set at run time.
 */
export const gc = (): void => {
  if (gcFunction === undefined) {
    setFlagsFromString("--expose-gc")
    gcFunction = runInNewContext("gc") as () => void
  }
  gcFunction()
}

/** "2 × Intel(R) Xeon(R) …, 23 GB, Node v24.9.0, 2026-11-22" */
export const machine = (): string => {
  const cores = cpus()
  const model = cores[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU"
  return `${cores.length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${
    new Date().toISOString().slice(0, 16).replace("T", " ")
  } UTC`
}

/** A Markdown table from a header row and body rows. */
export const markdownTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const line = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n")
}

export const ms = (value: number): string => value >= 100 ? value.toFixed(0) : value.toFixed(1)

export const ratio = (value: number): string => `${value.toFixed(2)}×`

/** The commit measured, marked dirty when the measured sources have uncommitted changes. */
export const revision = (
  paths: ReadonlyArray<string> = [
    "packages/core/src/Executor.ts",
    "packages/core/src/Future.ts",
    "packages/core/src/Wait.ts",
    "packages/core/src/internal/resultWindow.ts",
    "packages/core/src/internal/executorLifecycle.ts",
    "packages/core/src/internal/task.ts"
  ]
): string => {
  const git = (...args: Array<string>) => spawnSync("git", args, { encoding: "utf8" }).stdout?.trim() ?? ""
  const commit = git("rev-parse", "--short", "HEAD") || "unknown"
  const dirty = git("status", "--porcelain", "--", ...paths)
  return dirty === "" ? commit : `${commit} + uncommitted changes (${dirty.replace(/\s+/g, " ")})`
}

/** The 1-minute load average: other work on the machine skews the figures. */
export const load = (): string => loadavg()[0].toFixed(2)
