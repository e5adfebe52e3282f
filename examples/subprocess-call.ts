/**
 * Port of the `subprocess.call` program of the Chinese tutorial
 * “Python之进程与线程”:
 *
 * ```python
 * import subprocess
 * print('$ nslookup www.python.org')
 * r = subprocess.call(['nslookup', 'www.python.org'])
 * print('Exit code:', r)
 * ```
 *
 * `nslookup` needs the network and is not on every machine: the port runs
 * `ls` on this folder instead (any program every machine has would do).
 * As with Python's `call`, the child writes straight to this program's
 * standard output, and `call` returns its exit code.
 *
 * Checks: the exit code is 0, and `ls` of a missing path gives a non-zero
 * one (its complaint goes to standard error, as the child's own); a program
 * that does not exist fails with `SubprocessNotFound` (Python's
 * `FileNotFoundError`), not a crash.
 *
 * Run: `pnpm tsx examples/subprocess-call.ts`
 */
import { Subprocess } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { check, print } from "./support/report.ts"

const here = fileURLToPath(new URL(".", import.meta.url))

const program = Effect.gen(function*() {
  yield* print("$ ls examples/support")
  const r = yield* Subprocess.call(["ls", "support"], { cwd: here })
  yield* print(`Exit code: ${r}`)
  yield* check(r === 0, "ls of an existing folder exits with 0")

  // `ls` of a missing path: its error message is not shown (stderr of this
  // program must stay clean for the examples' harness), only its exit code.
  const missing = yield* Subprocess.run(["ls", "no-such-folder"], { cwd: here })
  yield* print(`$ ls no-such-folder -> Exit code: ${missing.returncode}`)
  yield* check(missing.returncode !== 0, "ls of a missing folder exits with a non-zero code")

  const notFound = yield* Effect.flip(Subprocess.call(["no-such-program-corun"]))
  yield* print(`$ no-such-program-corun -> ${notFound._tag}: ${notFound.message}`)
  yield* check(notFound._tag === "SubprocessNotFound", "a missing program is a SubprocessNotFound error")
})

NodeRuntime.runMain(program)
