/**
 * Runs a pool bench on Node's own type stripping rather than under tsx.
 *
 * `pnpm bench` runs every bench under tsx, whose loader worker threads
 * inherit through `execArgv`: Piscina's, Tinypool's and workerpool's workers
 * would each load tsx (≈ 100 ms more per cold start; corun's pool leaves it
 * out of its threads). So that every contender starts its threads the same
 * way, a pool bench re-runs itself without tsx, then runs `main` there.
 */
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

/** Runs `main`, after re-running the bench module `moduleUrl` on plain Node when started under tsx. */
export const runOnPlainNode = async (moduleUrl: string, main: () => Promise<void>): Promise<void> => {
  const underTsx = process.execArgv.some((arg) => /[\\/]tsx[\\/]dist[\\/]/.test(arg))
  if (underTsx && (process.features as { typescript?: unknown }).typescript && process.env.POOL_BENCH_PLAIN !== "1") {
    const child = spawnSync(process.execPath, [fileURLToPath(moduleUrl)], {
      stdio: "inherit",
      env: { ...process.env, POOL_BENCH_PLAIN: "1" }
    })
    process.exit(child.status ?? 1)
  }
  await main()
}
