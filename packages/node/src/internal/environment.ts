/**
 * Where and how a pool worker starts, for both runtimes: the entry module
 * (`NodeWorkerMain`, `.ts` from source, `.js` from `dist/`), the code a
 * worker thread boots with, the compile cache of child processes, the
 * parent's flags a worker inherits, and `tsx` detection.
 *
 * @internal
 */
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import type * as WorkerThreads from "node:worker_threads"

const isTs = /\.[cm]?ts$/.test(new URL(import.meta.url).pathname)
export const workerEntry = new URL(`../NodeWorkerMain.${isTs ? "ts" : "js"}`, import.meta.url)

/**
 * The code a worker thread starts with: turn on V8's on-disk compile cache,
 * then import the tasks module's bundle when the pool gives one (it holds
 * the worker body: nothing else is loaded), else — or when it cannot be
 * loaded — the entry (`NodeWorkerMain`, which tries the bundle again and
 * falls back to plain modules). Starting the thread on the entry
 * file itself would compile it before the cache is on — and, from `.ts`
 * sources, load Node's type stripper just for it in every worker); with the
 * cache on first, every module of a worker after the
 * first start, `.ts` ones included, comes compiled and stripped from the
 * cache.
 */
export const threadBootstrap = `const m = process.getBuiltinModule("node:module"); ` +
  `try { m.enableCompileCache?.() } catch {} ` +
  `const bundle = process.getBuiltinModule("node:worker_threads").workerData?.bundle; ` +
  `(bundle === undefined ? Promise.reject() : import(bundle)).catch(() => import(${JSON.stringify(workerEntry.href)}))`

/**
 * The compile cache of child-process workers, on from the process's start
 * for the same reason (`NODE_COMPILE_CACHE`, the directory
 * `module.enableCompileCache()` uses by default), unless set already.
 */
export const compileCacheEnv = (env: Readonly<Record<string, string | undefined>>) =>
  env.NODE_COMPILE_CACHE === undefined && env.NODE_DISABLE_COMPILE_CACHE === undefined
    ? { NODE_COMPILE_CACHE: path.join(os.tmpdir(), "node-compile-cache") }
    : undefined

let tsxApiCache: string | null | undefined

/**
 * When this program runs under `tsx` (`tsx main.ts`, `node --import tsx`),
 * the URL of its `tsx/esm/api`: worker threads do not inherit tsx's module
 * hooks, so each worker registers them before loading the tasks module.
 */
export const tsxApi = (): string | undefined => {
  if (tsxApiCache !== undefined) return tsxApiCache ?? undefined
  tsxApiCache = null
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const loader = /^(file:.*[\\/]tsx[\\/]dist[\\/])loader\.mjs$/.exec(arg)
    if (loader !== null) {
      tsxApiCache = `${loader[1]}esm/api/index.mjs`
      break
    }
    if ((arg === "tsx" || arg === "tsx/esm") && (args[i - 1] === "--import" || args[i - 1] === "--loader")) {
      try {
        const resolved = createRequire(pathToFileURL(`${process.cwd()}/`)).resolve("tsx/esm/api")
        tsxApiCache = pathToFileURL(resolved.replace(/index\.cjs$/, "index.mjs")).href
      } catch {
        // not resolvable from here: the workers try from the tasks module
      }
      break
    }
  }
  return tsxApiCache ?? undefined
}

/**
 * The parent's `execArgv` for workers (threads and child processes), without
 * `tsx`'s `--require` / `--import` hooks: worker threads do not get tsx's
 * module hooks from them anyway, and loading tsx costs every worker hundreds
 * of milliseconds of start-up. A worker
 * registers tsx itself, and only when its tasks module needs it
 * (`WorkerInit.tsxApi`).
 */
export const workerExecArgv = (): Array<string> => {
  const args = process.execArgv
  const kept: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if ((arg === "--require" || arg === "--import" || arg === "-r") && i + 1 < args.length && isTsxArg(args[i + 1])) {
      i++
      continue
    }
    if (/^--(require|import)=/.test(arg) && isTsxArg(arg.slice(arg.indexOf("=") + 1))) continue
    kept.push(arg)
  }
  return kept
}

/**
 * The parent's flags that worker threads accept, once the first thread has
 * been started (`startThread`).
 */
let threadExecArgvCache: Array<string> | undefined

/**
 * Starts a worker thread with the parent's flags (`workerExecArgv`) and the
 * pool's `execArgv`. Worker threads take Node's per-thread options but
 * refuse V8 flags (`--max-old-space-size`, `--expose-gc`, `--stack-size`…)
 * and process-wide options (`--title`…), so a parent started with one of
 * them (`node --max-old-space-size=4096 app.js`) could not start a thread
 * pool. Node is the judge, not a list kept here (`allowedNodeEnvironmentFlags`
 * admits V8 flags that threads refuse): the first thread is tried with all
 * of the parent's flags, and the ones Node names as refused (the error is
 * thrown before any thread starts) are left out for every later thread of
 * this process. Nothing is lost: V8 flags apply to the whole process,
 * threads included (a thread's own heap is limited by `resourceLimits`).
 * Flags of the pool's own `execArgv` are never dropped: one a thread refuses
 * fails `make` with `InvalidArgumentError`.
 */
export const startThread = (
  options: Omit<WorkerThreads.WorkerOptions, "execArgv">,
  extra: ReadonlyArray<string>
): WorkerThreads.Worker => {
  const inherited = threadExecArgvCache ?? workerExecArgv()
  try {
    const thread = new (process.getBuiltinModule("node:worker_threads").Worker)(threadBootstrap, {
      ...options,
      execArgv: [...inherited, ...extra]
    })
    threadExecArgvCache = inherited
    return thread
  } catch (error) {
    const refused = refusedFlags(error)
    if (refused === undefined || threadExecArgvCache !== undefined) throw error
    const kept = withoutFlags(inherited, refused)
    if (kept.length === inherited.length) throw error // the refused flags are the pool's own
    const thread = new (process.getBuiltinModule("node:worker_threads").Worker)(threadBootstrap, {
      ...options,
      execArgv: [...kept, ...extra]
    })
    threadExecArgvCache = kept
    return thread
  }
}

/** The flags a `Worker` constructor named as invalid (`ERR_WORKER_INVALID_EXEC_ARGV`), if that is the error. */
const refusedFlags = (error: unknown): Set<string> | undefined => {
  if ((error as { code?: unknown } | null)?.code !== "ERR_WORKER_INVALID_EXEC_ARGV") return undefined
  const listed = /invalid execArgv flags: (.*)$/s.exec((error as Error).message)
  return listed === null ? undefined : new Set(listed[1].split(", "))
}

/**
 * `args` without the `refused` flags, and without the value that follows a
 * refused flag given as two arguments (`--title name`): an `execArgv`
 * argument that does not start with `-` is the value of the flag before it.
 */
const withoutFlags = (args: ReadonlyArray<string>, refused: Set<string>): Array<string> => {
  const kept: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (!refused.has(arg)) {
      kept.push(arg)
      continue
    }
    if (!arg.includes("=") && i + 1 < args.length && !args[i + 1].startsWith("-")) i++
  }
  return kept
}

const isTsxArg = (arg: string) => arg === "tsx" || arg.startsWith("tsx/") || /[\\/]tsx[\\/]dist[\\/]/.test(arg)
