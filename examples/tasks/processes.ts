/**
 * The targets of the `multiprocessing.Process` ports (`examples/process-*.ts`)
 * of the Chinese tutorial “实现多任务”. A target runs in a child process of
 * its own: it prints there (the child's output reaches the terminal
 * directly), and reports a wrong result by failing, which gives the process
 * exit code 1 for the parent to check. Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import { Manager, Pipe, Process, ProcessQueue, ProcessSync } from "@corun/node"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** One tutorial second, in milliseconds here (`time.sleep(1)` → 100 ms). */
export const SECOND = 100

/** `task1`: `while True: time.sleep(1); print("I am task1")`, or only `times` rounds. */
export const task1 = Task.make("task1", {
  input: Schema.Struct({ times: Schema.optional(Schema.Number) }),
  output: Schema.Void,
  run: ({ times }) =>
    Effect.gen(function*() {
      for (let i = 0; times === undefined || i < times; i++) {
        yield* Effect.sleep(SECOND)
        console.log("I am task1")
      }
    })
})

/** `task2`: `while True: time.sleep(2); print("I am task2")`. */
export const task2 = Task.make("task2", {
  input: Schema.Struct({}),
  output: Schema.Void,
  run: () =>
    Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(2 * SECOND)
        console.log("I am task2")
      }
    })
})

/** `CustomProcess.run`: prints its name and pid. */
export const customRun = Task.make("customRun", {
  input: Schema.String,
  output: Schema.Void,
  error: Schema.String,
  run: (pName) =>
    Effect.gen(function*() {
      const me = yield* Process.current
      console.log(`Custom Process name: ${me.name}, pid: ${me.pid} `)
      if (me.name !== pName) return yield* Effect.fail(`the process is named ${me.name}, not ${pName}`)
    })
})

/** `task(a, b, *args, **kwargs)`: prints them. */
export const taskWithArgs = Task.make("taskWithArgs", {
  input: Schema.Struct({
    a: Schema.Number,
    b: Schema.Number,
    args: Schema.Array(Schema.Number),
    kwargs: Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number]))
  }),
  output: Schema.Void,
  run: ({ a, b, args, kwargs }) =>
    Effect.sync(() => {
      void a
      void b
      console.log("a")
      console.log("b")
      console.log(`(${args.join(", ")})`)
      console.log(
        `{${Object.entries(kwargs).map(([k, v]) => `'${k}': ${typeof v === "string" ? `'${v}'` : v}`).join(", ")}}`
      )
    })
})

/** `g_list = [123]`: module state, one copy per process. */
const gList: Array<string | number> = [123]

/** `task1` / `task2` of the `g_list` program: append, print, and check that no other process's item is here. */
export const appendToGList = Task.make("appendToGList", {
  input: Schema.String,
  output: Schema.Void,
  error: Schema.String,
  run: (item) =>
    Effect.gen(function*() {
      gList.push(item)
      console.log(`[${gList.map((x) => (typeof x === "string" ? `'${x}'` : x)).join(", ")}]`)
      if (gList.length !== 2) return yield* Effect.fail(`this process's g_list holds ${JSON.stringify(gList)}`)
    })
})

/**
 * The child of the `os.fork()` program: prints its pid and its parent's,
 * and fails unless its parent is the process that started it.
 */
export const forkChild = Task.make("forkChild", {
  input: Schema.Struct({ parent: Schema.Number }),
  output: Schema.Void,
  error: Schema.String,
  run: ({ parent }) =>
    Effect.gen(function*() {
      const me = yield* Process.current
      console.log(`I am child process (${me.pid}) and my parent is ${me.ppid}.`)
      if (me.ppid !== parent) return yield* Effect.fail(`the parent is ${me.ppid}, not ${parent}`)
      if (me.pid === parent) return yield* Effect.fail("the child runs in its parent's process")
    })
})

/** `f(q)`: `q.put([42, None, 'hello'])`. */
export const putHello = Task.make("putHello", {
  input: ProcessQueue.schema(Schema.Unknown),
  output: Schema.Void,
  run: (q) => Effect.orDie(q.put([42, null, "hello"]))
})

/** `f(conn)`: `conn.send([42, None, 'hello']); conn.close()`. */
export const sendHello = Task.make("sendHello", {
  input: Pipe.connectionSchema(Schema.Unknown),
  output: Schema.Void,
  run: (conn) => Effect.orDie(Effect.andThen(conn.send([42, null, "hello"]), conn.close))
})

/** `write(q)`: puts 'A', 'B', 'C', sleeping a random while after each (up to one tutorial second). */
export const write = Task.make("write", {
  input: ProcessQueue.schema(Schema.String),
  output: Schema.Void,
  run: (q) =>
    Effect.gen(function*() {
      console.log(`Process to write: ${process.pid}`)
      for (const value of ["A", "B", "C"]) {
        console.log(`Put ${value} to queue...`)
        yield* q.put(value)
        yield* Effect.sleep(Math.random() * SECOND)
      }
    }).pipe(Effect.orDie)
})

/** `read(q)`: gets forever, printing each value; here also forwards it to `seen`, for the main program's check. */
export const read = Task.make("read", {
  input: Schema.Struct({ q: ProcessQueue.schema(Schema.String), seen: ProcessQueue.schema(Schema.String) }),
  output: Schema.Void,
  run: ({ q, seen }) =>
    Effect.gen(function*() {
      console.log(`Process to read: ${process.pid}`)
      while (true) {
        const value = yield* q.get()
        console.log(`Get ${value} from queue.`)
        yield* seen.put(value)
      }
    }).pipe(Effect.orDie)
})

/** The Manager program's `f(d, l)`: `d[1] = 1; d[2] = 2; d[0.25] = None; l.append(1); print(l)`. */
export const managerF = Task.make("managerF", {
  input: Schema.Struct({ d: Manager.dictSchema, l: Manager.listSchema }),
  output: Schema.Void,
  run: ({ d, l }) =>
    Effect.gen(function*() {
      yield* d.set(1, 1)
      yield* d.set(2, 2)
      yield* d.set(0.25, null)
      yield* l.append(1)
      console.log(`[${(yield* l.toArray).join(", ")}]`)
    })
})

/** The Lock program's `f(l, i)`: prints `hello world i` holding the lock. */
export const helloLocked = Task.make("helloLocked", {
  input: Schema.Struct({ l: ProcessSync.lockSchema, i: Schema.Number }),
  output: Schema.Void,
  run: ({ i, l }) => l.withLock(Effect.sync(() => console.log("hello world", i)))
})

/** Module state of the ping/pong program: each process has its own `counter`. */
let counter = 0

/**
 * The ping/pong program's `sub_task(string)` as the tutorial writes it: its
 * own `counter` (module state), so each process prints 10 times; reports how
 * many times it printed to `printed`.
 */
export const subTask = Task.make("subTask", {
  input: Schema.Struct({ string: Schema.String, printed: ProcessQueue.schema(Schema.Number) }),
  output: Schema.Void,
  run: ({ printed, string }) =>
    Effect.gen(function*() {
      let times = 0
      while (counter < 10) {
        process.stdout.write(string)
        counter += 1
        times += 1
        yield* Effect.sleep(10)
      }
      yield* printed.put(times)
    }).pipe(Effect.orDie)
})

/**
 * The fix the tutorial suggests: the counter lives in a `Queue` both
 * processes share (take it, print, put it back plus one), so they print 10
 * times in all.
 */
export const subTaskShared = Task.make("subTaskShared", {
  input: Schema.Struct({
    string: Schema.String,
    counter: ProcessQueue.schema(Schema.Number),
    printed: ProcessQueue.schema(Schema.Number)
  }),
  output: Schema.Void,
  run: ({ counter, printed, string }) =>
    Effect.gen(function*() {
      let times = 0
      while (true) {
        const n = yield* counter.get()
        if (n >= 10) {
          yield* counter.put(n)
          break
        }
        process.stdout.write(string)
        times += 1
        yield* counter.put(n + 1)
        yield* Effect.sleep(10)
      }
      yield* printed.put(times)
    }).pipe(Effect.orDie)
})

/** `task_handler(curr_list, result_queue)`: sums one slice and puts the total on the result queue. */
export const sumSlice = Task.make("sumSlice", {
  input: Schema.Struct({ from: Schema.Number, to: Schema.Number, results: ProcessQueue.schema(Schema.Number) }),
  output: Schema.Void,
  run: ({ from, results, to }) =>
    Effect.gen(function*() {
      let total = 0
      for (let n = from; n < to; n++) total += n
      yield* results.put(total)
    }).pipe(Effect.orDie)
})

/** `download_task(filename)`: prints its pid, "downloads" for 5–10 tutorial seconds. */
export const downloadTask = Task.make("downloadTask", {
  input: Schema.String,
  output: Schema.Void,
  run: (filename) =>
    Effect.gen(function*() {
      console.log(`启动下载进程，进程号[${process.pid}].`)
      console.log(`开始下载${filename}...`)
      const timeToDownload = 5 + Math.floor(Math.random() * 6)
      yield* Effect.sleep(timeToDownload * SECOND)
      console.log(`${filename}下载完成! 耗费了${timeToDownload}秒`)
    })
})

/** `info(title)`: the module's name, the parent's pid and this process's pid. */
const info = (title: string) =>
  Effect.gen(function*() {
    const me = yield* Process.current
    console.log(title)
    console.log("module name:", me.name === "MainProcess" ? "__main__" : "tasks/processes")
    console.log("parent process:", me.ppid)
    console.log("process id:", me.pid)
    console.log("\n\n")
    return me
  })

/**
 * `f(name)`: `info('function f')`, then `print('hello', name)`; fails unless
 * it runs in a child of `parent`.
 */
export const helloInfo = Task.make("helloInfo", {
  input: Schema.Struct({ name: Schema.String, parent: Schema.Number }),
  output: Schema.Void,
  error: Schema.String,
  run: ({ name, parent }) =>
    Effect.gen(function*() {
      const me = yield* info("\x1b[31;1mfunction f\x1b[0m")
      console.log("hello", name)
      if (me.ppid !== parent || me.pid === parent) return yield* Effect.fail(`not a child of ${parent}`)
    })
})

export { info }
