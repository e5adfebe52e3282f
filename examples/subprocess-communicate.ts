/**
 * Port of the `Popen.communicate` program of the Chinese tutorial
 * “Python之进程与线程”:
 *
 * ```python
 * import subprocess
 * print('$ nslookup')
 * p = subprocess.Popen(['nslookup'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
 * output, err = p.communicate(b'set q=mx\npython.org\nexit\n')
 * print(output.decode('utf-8'))
 * print('Exit code:', p.returncode)
 * ```
 *
 * `nslookup` needs the network: the port feeds the same three lines to
 * `sort`, which every machine has, through its standard input. `spawn` is
 * `Popen` (the process lives as long as the scope, which would terminate it
 * if it were still running), `communicate` writes the input, closes the
 * child's standard input and returns everything it wrote.
 *
 * Checks: the output is the three lines sorted, nothing went to standard
 * error, and the exit code is 0.
 *
 * Run: `pnpm tsx examples/subprocess-communicate.ts`
 */
import { Subprocess } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"

const input = "set q=mx\npython.org\nexit\n"

const program = Effect.scoped(Effect.gen(function*() {
  yield* print("$ sort")
  const p = yield* Subprocess.spawn(["sort"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" })
  const { stderr, stdout } = yield* p.communicate(input, { timeout: "30 seconds" })
  yield* print(stdout)
  const returncode = Option.getOrUndefined(yield* p.returncode)
  yield* print(`Exit code: ${returncode}`)
  yield* check(stdout === "exit\npython.org\nset q=mx\n", "sort printed the three lines in order")
  yield* check(stderr === "", "sort wrote nothing to stderr")
  yield* check(returncode === 0, "sort exited with 0")
}))

NodeRuntime.runMain(program)
