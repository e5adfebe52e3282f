/**
 * Issue 2 benchmark: 1,000,000 submitted tasks each sleeping 10 ms, wall
 * time and peak RSS, against raw Effect, 1,000,000 Promises with
 * `setTimeout`, and Python asyncio. Target for corun: ≤ 3 s and ≤ 1 GB.
 *
 *   pnpm bench submit-sleep               (or: tsx bench/submit-sleep.bench.ts)
 *   REPEATS=5 N=1000000 PYTHON=0 pnpm bench submit-sleep
 *
 * Every sample runs in its own child process (this file with `--child MODE`,
 * through tsx), so the peak RSS it reports is its own:
 * `process.resourceUsage().maxRSS` read at the end of the child (Python:
 * `resource.getrusage(RUSAGE_SELF).ru_maxrss`). Wall time is measured inside
 * the child, from the first submission until every task is done (module
 * loading is not counted; the `baseline` row shows what an idle child costs).
 * Each child checks that all N tasks completed. Contenders run interleaved,
 * `REPEATS` times each (default 3); the table gives medians.
 */
import { Executor, Future, wait } from "@corun/core"
import { Effect, Fiber } from "effect"
import { spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { load, machine, markdownTable, median, revision } from "./lib/stats.ts"

const N = Number(process.env.N ?? 1_000_000)
const REPEATS = Number(process.env.REPEATS ?? 3)
const SLEEP_MS = 10
const SLEEP = "10 millis"
const WALL_TARGET_MS = 3000
const RSS_TARGET_MB = 1024

interface Result {
  readonly wallMs: number
  readonly rssMb: number
}

// -----------------------------------------------------------------------------
// The contenders, as run inside a child
// -----------------------------------------------------------------------------

type Child = () => Promise<number>

const children: Record<string, Child> = {
  // Nothing: what the child process costs before any task (node + tsx + effect + corun loaded).
  baseline: async () => N,

  // corun: an unbounded executor, 1M `submit`s, then `wait(futures)` (Python's
  // `concurrent.futures.wait(fs)`).
  "corun-wait": () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const executor = yield* Executor.make()
      const futures: Array<Future.Future<void>> = new Array(N)
      for (let i = 0; i < N; i++) futures[i] = yield* executor.submit(Effect.sleep(SLEEP))
      const { done, notDone } = yield* wait(futures)
      if (notDone.length !== 0) throw new Error(`${notDone.length} futures not done`)
      return done.length
    }))),

  // corun: the same, awaiting each future in turn (`for f in fs: f.result()`).
  "corun-await": () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const executor = yield* Executor.make()
      const futures: Array<Future.Future<void>> = new Array(N)
      for (let i = 0; i < N; i++) futures[i] = yield* executor.submit(Effect.sleep(SLEEP))
      let completed = 0
      for (const future of futures) {
        yield* Future.result(future)
        completed++
      }
      return completed
    }))),

  // Raw Effect, the way the issue measured it.
  "effect-forEach": () =>
    Effect.runPromise(Effect.map(
      Effect.forEach(
        Array.from({ length: N }, (_, i) => i),
        (i) => Effect.as(Effect.sleep(SLEEP), i),
        { concurrency: "unbounded" }
      ),
      (results) => results.length
    )),

  // Raw Effect, forking every fiber directly and joining them all.
  "effect-fork": () =>
    Effect.runPromise(Effect.gen(function*() {
      const fibers: Array<Fiber.Fiber<void>> = new Array(N)
      for (let i = 0; i < N; i++) fibers[i] = yield* Effect.forkChild(Effect.sleep(SLEEP))
      return (yield* Fiber.joinAll(fibers)).length
    })),

  // Plain Promises: 1M `new Promise(resolve => setTimeout(resolve, 10))`, Promise.all.
  promises: async () => {
    const promises: Array<Promise<void>> = new Array(N)
    for (let i = 0; i < N; i++) promises[i] = new Promise<void>((resolve) => setTimeout(resolve, SLEEP_MS))
    return (await Promise.all(promises)).length
  }
}

const PYTHON_SCRIPT = `
import asyncio, resource, sys, time
N = int(sys.argv[1])
async def main():
    start = time.perf_counter()
    results = await asyncio.gather(*(asyncio.sleep(${SLEEP_MS / 1000}) for _ in range(N)))
    wall = (time.perf_counter() - start) * 1000
    assert len(results) == N
    return wall
wall = asyncio.run(main())
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f'{{"wallMs": {wall}, "rssMb": {rss / 1024}, "completed": {N}}}')
`

const runChild = async (mode: string): Promise<void> => {
  const child = children[mode]
  if (child === undefined) throw new Error(`unknown mode ${mode}`)
  const start = performance.now()
  const completed = await child()
  const wallMs = performance.now() - start
  if (completed !== N) throw new Error(`${mode}: ${completed} of ${N} tasks completed`)
  if (mode !== "baseline" && wallMs < SLEEP_MS) throw new Error(`${mode} finished in ${wallMs} ms: nothing slept`)
  const rssMb = process.resourceUsage().maxRSS / 1024
  process.stdout.write(`${JSON.stringify({ wallMs, rssMb, completed })}\n`)
}

// -----------------------------------------------------------------------------
// The parent: spawn, interleave, report
// -----------------------------------------------------------------------------

interface Contender {
  readonly mode: string
  readonly name: string
  readonly code: string
  readonly judged?: boolean
}

const contenders: ReadonlyArray<Contender> = [
  { mode: "baseline", name: "idle child (baseline)", code: "node + tsx + effect + @corun/core loaded, no task" },
  {
    mode: "corun-wait",
    name: "corun submit + wait",
    code: "`executor.submit(Effect.sleep(\"10 millis\"))` × N, then `wait(futures)`",
    judged: true
  },
  {
    mode: "corun-await",
    name: "corun submit + Future.result each",
    code: "`executor.submit(...)` × N, then `Future.result(f)` for each",
    judged: true
  },
  {
    mode: "effect-forEach",
    name: "raw Effect.forEach unbounded",
    code: "`Effect.forEach(items, () => Effect.sleep(\"10 millis\"), { concurrency: \"unbounded\" })`"
  },
  {
    mode: "effect-fork",
    name: "raw Effect fork each",
    code: "`Effect.forkChild(Effect.sleep(...))` × N, `Fiber.joinAll`"
  },
  {
    mode: "promises",
    name: "Promises + setTimeout",
    code: "`new Promise((r) => setTimeout(r, 10))` × N, `Promise.all`"
  },
  ...(process.env.PYTHON === "0" ? [] : [{
    mode: "python",
    name: "Python asyncio",
    code: "`asyncio.gather(*(asyncio.sleep(0.01) for _ in range(N)))`"
  }])
]

const here = dirname(fileURLToPath(import.meta.url))
const tsxCli = join(here, "..", "node_modules", "tsx", "dist", "cli.mjs")

const spawnChild = (contender: Contender): Promise<Result & { processMs: number }> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = contender.mode === "python"
      ? spawn("python3", ["-c", PYTHON_SCRIPT, String(N)], { stdio: ["ignore", "pipe", "inherit"] })
      : spawn(process.execPath, [tsxCli, fileURLToPath(import.meta.url), "--child", contender.mode], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, N: String(N) }
      })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.on("error", reject)
    child.on("close", (code, signal) => {
      const processMs = performance.now() - start
      if (code !== 0) return reject(new Error(`${contender.mode} exited with ${code ?? signal}`))
      try {
        const line = output.trim().split("\n").at(-1)!
        const { completed, rssMb, wallMs } = JSON.parse(line) as Result & { completed: number }
        if (completed !== N) throw new Error(`${contender.mode}: ${completed} of ${N} completed`)
        resolve({ wallMs, rssMb, processMs })
      } catch (error) {
        reject(new Error(`${contender.mode}: cannot read the child's report ${JSON.stringify(output)}: ${error}`))
      }
    })
  })

const fmtS = (msValue: number) => (msValue / 1000).toFixed(msValue < 1000 ? 3 : 2)
const fmtMb = (mb: number) => mb >= 1024 ? `${(mb / 1024).toFixed(2)} GB` : `${mb.toFixed(0)} MB`

const main = async () => {
  console.log(`submit-sleep: ${N} tasks sleeping ${SLEEP_MS} ms, ${REPEATS} interleaved repeats, one process each`)
  console.log(`${machine()}, corun ${revision()}, load average ${load()}`)
  const loadBefore = load()
  const results = new Map<Contender, Array<Result & { processMs: number }>>(contenders.map((c) => [c, []]))
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    for (const contender of contenders) {
      const result = await spawnChild(contender)
      results.get(contender)!.push(result)
      console.log(
        `repeat ${repeat + 1} ${contender.mode.padEnd(15)} wall ${fmtS(result.wallMs).padStart(6)} s  peak RSS ${
          fmtMb(result.rssMb).padStart(8)
        }  (process ${fmtS(result.processMs)} s)`
      )
    }
  }

  const rows = contenders.map((c) => {
    const r = results.get(c)!
    const wall = median(r.map((x) => x.wallMs))
    const rss = median(r.map((x) => x.rssMb))
    const walls = r.map((x) => fmtS(x.wallMs)).join(" / ")
    const verdict = c.judged === true
      ? `${wall <= WALL_TARGET_MS ? "✅" : "❌"} ≤ 3 s, ${rss <= RSS_TARGET_MB ? "✅" : "❌"} ≤ 1 GB`
      : ""
    const processWall = median(r.map((x) => x.processMs))
    return [
      c.name,
      c.code,
      c.mode === "baseline" ? "–" : `**${fmtS(wall)} s**`,
      walls,
      `${fmtS(processWall)} s`,
      `**${fmtMb(rss)}**`,
      verdict
    ]
  })

  console.log()
  console.log(`### ${N.toLocaleString("en")} tasks each sleeping ${SLEEP_MS} ms`)
  console.log()
  console.log(
    `${machine()}; corun ${revision()}; load average ${loadBefore} before, ${load()} after. ` +
      `Each sample in its own process, ${REPEATS} interleaved repeats, medians. ` +
      "Wall time from the first submission to the last completion; whole process = spawn to exit " +
      "(startup and module loading included); peak RSS of the whole child process."
  )
  console.log()
  console.log(markdownTable([
    "contender",
    "code",
    "wall (median)",
    "wall, each run (s)",
    "whole process (median)",
    "peak RSS (median)",
    "target"
  ], rows))
  console.log()
  for (const c of contenders.filter((c) => c.judged === true)) {
    const r = results.get(c)!
    const wall = median(r.map((x) => x.wallMs))
    const rss = median(r.map((x) => x.rssMb))
    console.log(
      `- ${c.name}: ${fmtS(wall)} s (target ≤ 3 s: ${wall <= WALL_TARGET_MS ? "met" : "MISSED"}), ${
        fmtMb(rss)
      } (target ≤ 1 GB: ${rss <= RSS_TARGET_MB ? "met" : "MISSED"})`
    )
  }
}

const childIndex = process.argv.indexOf("--child")
if (childIndex !== -1) {
  await runChild(process.argv[childIndex + 1])
} else {
  await main()
}
