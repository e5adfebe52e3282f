/**
 * The entry point of `NodePool`'s workers (worker threads and child
 * processes). `NodePool` starts it with the extension of its own module
 * (`.ts` from source under `tsx` / Node's type stripping, `.js` from
 * `dist/`); it is not meant to be imported.
 *
 * A worker's start-up is mostly the loading of `effect`'s ES modules (over
 * a hundred for `effect/Effect` + `effect/Schema`, which any tasks module
 * needs), so before loading anything this module
 *
 * - turns on V8's on-disk compile cache (`module.enableCompileCache`), so
 *   that later starts do not compile them again (`NodePool` turns it on even
 *   earlier — before this module is compiled — in a thread's bootstrap code
 *   and with `NODE_COMPILE_CACHE` for child processes; then this call does
 *   nothing);
 * - resolves the relative imports between `effect`'s own modules directly
 *   (`module.registerHooks`): they always name an existing `.js` ES module
 *   next to the importer, so Node's generic resolution (a `stat`, a
 *   `realpath` and a `package.json` scope lookup per module) is not needed
 *   (`node bench/pool/import-probe.mjs` measures what it saves).
 *
 * then it loads the worker's body (`internal/worker`) — from the pool's
 * bundle when there is one (`WorkerInit.bundle`, see `internal/bundle`: the
 * body, the tasks module and `effect` in one ES module, which loads in a
 * fraction of the time), else as plain ES modules. (A worker thread given a
 * bundle imports it straight from its bootstrap code and does not load this
 * module at all unless that fails.) A bundle
 * that fails to load (deleted by a rebuild, or a module behaving otherwise
 * bundled) falls back to plain ES modules; a tasks module that throws when
 * imported then throws again, and that error is the one reported.
 *
 * A child process also arms its orphan watchdog (`internal/watchdog`): a
 * tiny thread, started with the first job (or before the initializer runs,
 * see `internal/worker`), that ends the process soon
 * after its parent's death (well within a second), even while a task keeps
 * the main thread busy.
 *
 * @since 0.1.0
 */
import * as Module from "node:module"
import * as WorkerThreads from "node:worker_threads"
import * as P from "./internal/protocol.ts"
import * as Watchdog from "./internal/watchdog.ts"

// A child process's orphan watchdog (see `internal/watchdog`). Its parent is
// the process that forked it, so it is read now, at start-up. The watchdog
// starts with the first message from the parent (its first job, sent once the
// worker is ready): its thread boots alongside that job rather than competing
// with the worker's start-up (it delays readiness when started here), and
// this listener runs before the worker's own, so the thread is started before
// the job's task can keep the main thread busy. An idle worker leaves on
// `disconnect` (`internal/worker`).
if (WorkerThreads.isMainThread && typeof process.send === "function") {
  const parent = process.ppid
  process.once("message", () => {
    Watchdog.start(parent)
  })
}

try {
  ;(Module as any).enableCompileCache?.()
} catch {
  // no cache: start-up is only slower
}

const EFFECT_DIST = "/node_modules/effect/dist/"

/** Registers the resolve hook for `effect`'s relative imports (plain ES modules only). */
function registerEffectHooks() {
  try {
    ;(Module as any).registerHooks?.({
      resolve(
        specifier: string,
        context: { readonly parentURL?: string | undefined },
        next: (specifier: string, context: unknown) => unknown
      ) {
        const parent = context.parentURL
        if (
          parent !== undefined && specifier.charCodeAt(0) === 46 /* . */ && specifier.endsWith(".js") &&
          parent.startsWith("file:") && parent.includes(EFFECT_DIST)
        ) {
          return { url: new URL(specifier, parent).href, format: "module", shortCircuit: true }
        }
        return next(specifier, context)
      }
    })
  } catch {
    // no hooks: Node resolves them itself
  }
}

const init: P.WorkerInit | undefined = WorkerThreads.isMainThread
  ? (process.env[P.INIT_ENV] === undefined
    ? undefined
    : process.getBuiltinModule("node:v8").deserialize(Buffer.from(process.env[P.INIT_ENV], "base64")))
  : WorkerThreads.workerData

const extension = new URL(import.meta.url).pathname.endsWith(".ts") ? "ts" : "js"

const fromBundle = async (): Promise<boolean> => {
  if (init === undefined) return false
  const bundle = init.bundle
  if (bundle === undefined) return false
  try {
    await import(bundle)
    return true
  } catch {
    return false
  }
}

/** Registers tsx's module hooks in this worker (worker threads do not inherit the parent's). */
const registerTsx = async (api: string) => {
  const tsx = await import(api)
  tsx.register()
}

/** Finds `tsx/esm/api` from the tasks module's location. */
const findTsx = (): string | undefined => {
  try {
    const resolved = process.getBuiltinModule("node:module").createRequire(init!.tasks).resolve("tsx/esm/api")
    return process.getBuiltinModule("node:url").pathToFileURL(resolved.replace(/index\.cjs$/, "index.mjs")).href
  } catch {
    return undefined
  }
}

/**
 * Imports the tasks module natively (Node's type stripping covers erasable
 * TypeScript); only if that fails on non-erasable TypeScript (enum,
 * namespace, parameter properties) does it register tsx — the parent's when
 * it runs under tsx, else one installed next to the tasks module — and import
 * it again. Registering tsx costs start-up time, so it is not done upfront.
 */
const loadTasks = async (): Promise<Record<string, unknown>> => {
  try {
    return await import(init!.tasks)
  } catch (error: any) {
    if (error?.code !== "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX") throw error
    const api = init!.tsxApi ?? findTsx()
    if (api === undefined) {
      throw new Error(
        `${error.message} in the tasks module ${
          init!.tasks
        }: use only erasable TypeScript, or install tsx (the workers then load the module with it)`
      )
    }
    await registerTsx(api)
    return await import(`${init!.tasks}${init!.tasks.includes("?") ? "&" : "?"}tsx`)
  }
}

if (!(await fromBundle())) {
  registerEffectHooks()
  const worker = await import(new URL(`./internal/worker.${extension}`, import.meta.url).href)
  await worker.start(loadTasks)
}
