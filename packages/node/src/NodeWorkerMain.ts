/**
 * The entry point of `NodePool`'s workers (worker threads and child
 * processes). `NodePool` starts it with the extension of its own module
 * (`.ts` from source under `tsx` / Node's type stripping, `.js` from
 * `dist/`); it is not meant to be imported.
 *
 * It turns on V8's on-disk code cache (`module.enableCompileCache`) before
 * anything else is loaded, so that the second and later starts of a worker —
 * and of `effect`, which every worker imports — compile less; then it loads
 * the worker's body (`internal/worker`).
 *
 * @since 0.1.0
 */
import * as Module from "node:module"

try {
  ;(Module as any).enableCompileCache?.()
} catch {
  // no cache: start-up is only slower
}

const extension = new URL(import.meta.url).pathname.endsWith(".ts") ? "ts" : "js"
await import(new URL(`./internal/worker.${extension}`, import.meta.url).href)
