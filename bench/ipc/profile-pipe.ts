/**
 * A probe for profiling (not a bench of record): 50,000 sequential `Pipe`
 * round trips with one echoing process, or `ProcessQueue` puts from one
 * producer, as bench/ipc.bench.ts measures them.
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof-ipc bench/ipc/profile-pipe.ts [pipe|queue] [process|thread]
 *   node bench/probes/self-time.ts .tmp/prof-ipc/<file>.cpuprofile
 *
 * A child process inherits the flags, so it writes its own profile too.
 */
import { Pipe, Process, ProcessQueue } from "@corun/node"
import { Effect, Schema, type Scope } from "effect"
import { echo, produce } from "./tasks.ts"

const [what = "pipe", runtime = "process"] = process.argv.slice(2) as [string?, ("process" | "thread")?]
const COUNT = Number(process.env.COUNT ?? 50_000)
const tasks = new URL("./tasks.ts", import.meta.url)

const program: Effect.Effect<void, unknown, Scope.Scope> = what === "pipe"
  ? Effect.gen(function*() {
    const [parent, child] = yield* Pipe.make(Schema.Number)
    const p = yield* Process.make({ tasks, target: echo, args: child, runtime })
    yield* p.start
    const start = performance.now()
    for (let i = 0; i < COUNT; i++) {
      yield* parent.send(i)
      if ((yield* parent.recv()) !== i) throw new Error("wrong echo")
    }
    console.log(`${COUNT} round trips, ${runtime}: ${((performance.now() - start) * 1000 / COUNT).toFixed(1)} µs each`)
    yield* parent.send(-1)
    yield* p.join()
  })
  : Effect.gen(function*() {
    const q = yield* ProcessQueue.make(Schema.Number)
    const go = yield* ProcessQueue.make(Schema.Number)
    const p = yield* Process.make({ tasks, target: produce, args: { q, go, warmup: 0, count: COUNT }, runtime })
    yield* p.start
    const start = performance.now()
    yield* go.put(1)
    for (let i = 0; i < COUNT; i++) yield* q.get()
    console.log(`${COUNT} items, ${runtime}: ${(COUNT * 1000 / (performance.now() - start)).toFixed(0)} items/s`)
    yield* p.join()
  })

await Effect.runPromise(Effect.scoped(program))
