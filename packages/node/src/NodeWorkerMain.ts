/**
 * The entry point of `NodePool`'s workers (worker threads and child
 * processes). `NodePool` starts it with the extension of its own module
 * (`.ts` from source under `tsx` / Node's type stripping, `.js` from
 * `dist/`); it is not meant to be imported.
 *
 * A worker's start-up is mostly the loading of `effect`'s ES modules (≈ 150
 * of them for `effect/Effect` + `effect/Schema`, which any tasks module
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
 *   `realpath` and a `package.json` scope lookup per module) is not needed.
 *   Measured here: `effect/Effect` + `effect/Schema` load in ≈ 27 ms
 *   instead of ≈ 40 ms.
 *
 * then it loads the worker's body (`internal/worker`).
 *
 * A child process also arms its orphan watchdog (`internal/watchdog`): a
 * tiny thread, started with the first job, that ends the process within
 * ≈ 150 ms of its parent's death, even while a task keeps the main thread
 * busy.
 *
 * @since 0.1.0
 */
import * as Module from "node:module"
import * as WorkerThreads from "node:worker_threads"
import * as Watchdog from "./internal/watchdog.ts"

// A child process's orphan watchdog (see `internal/watchdog`). Its parent is
// the process that forked it, so it is read now, at start-up. The watchdog
// starts with the first message from the parent (its first job, sent once the
// worker is ready): its thread boots alongside that job rather than competing
// with the worker's start-up (measured: ≈ +45 ms to ready on two busy cores
// when started here), and this listener runs before the worker's own, so the
// thread is started before the job's task can keep the main thread busy. An
// idle worker leaves on `disconnect` (`internal/worker`).
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

const extension = new URL(import.meta.url).pathname.endsWith(".ts") ? "ts" : "js"
await import(new URL(`./internal/worker.${extension}`, import.meta.url).href)
