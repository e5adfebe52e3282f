import { Errors, Task } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as os from "node:os"
import { pathToFileURL } from "node:url"
import { maxSize, parseOptions, type PoolConfig } from "../../src/internal/config.ts"
import type { Options } from "../../src/NodePool.ts"

const tasks = "/tmp/x.ts"

/** The config of valid options (fails the test otherwise). */
const parse = (options: Partial<Options<any>>): PoolConfig => {
  const parsed = parseOptions({ tasks, ...options })
  if (parsed instanceof Errors.InvalidArgumentError) assert.fail(`unexpected InvalidArgumentError: ${parsed.message}`)
  return parsed
}

/** The error of invalid options (fails the test otherwise), checked to name `argument`. */
const refuse = (options: Partial<Options<any>>, argument: string): Errors.InvalidArgumentError => {
  const parsed = parseOptions({ tasks, ...options } as Options<any>)
  if (!(parsed instanceof Errors.InvalidArgumentError)) {
    return assert.fail(`expected an InvalidArgumentError for ${argument}, got a config`)
  }
  assert.strictEqual(parsed.argument, argument)
  assert.include(parsed.message, `'${argument}'`)
  return parsed
}

describe("parseOptions", () => {
  it("defaults", () => {
    const config = parse({})
    assert.strictEqual(config.size, os.availableParallelism())
    assert.strictEqual(config.runtime, "thread")
    assert.strictEqual(config.tasksUrl.href, pathToFileURL(tasks).href)
    assert.isUndefined(config.maxTasksPerChild)
    assert.isUndefined(config.idleTimeoutMs)
    assert.strictEqual(config.startupTimeoutMs, 30_000)
    assert.isUndefined(config.taskTimeoutMs)
    assert.strictEqual(config.graceMs, 50)
    assert.strictEqual(config.maxDepth, 64)
    assert.strictEqual(config.progressBufferSize, 1000)
    assert.isUndefined(config.initializer)
    assert.isUndefined(config.resourceLimits)
    assert.deepStrictEqual(config.execArgv, [])
    assert.isUndefined(config.env)
  })

  it("options given are kept", () => {
    const config = parse({
      size: 3,
      runtime: "process",
      maxTasksPerChild: 10,
      idleTimeout: "2 seconds",
      startupTimeout: 1500,
      taskTimeout: Duration.minutes(1),
      cancelGracePeriod: 0,
      maxInFlightPerWorker: 8,
      progressBufferSize: 5
    })
    assert.strictEqual(config.size, 3)
    assert.strictEqual(config.runtime, "process")
    assert.strictEqual(config.maxTasksPerChild, 10)
    assert.strictEqual(config.idleTimeoutMs, 2000)
    assert.strictEqual(config.startupTimeoutMs, 1500)
    assert.strictEqual(config.taskTimeoutMs, 60_000)
    assert.strictEqual(config.graceMs, 0)
    assert.strictEqual(config.maxDepth, 8)
    assert.strictEqual(config.progressBufferSize, 5)
  })

  describe("size", () => {
    it("1 and maxSize are accepted", () => {
      assert.strictEqual(maxSize, 1024)
      assert.strictEqual(parse({ size: 1 }).size, 1)
      assert.strictEqual(parse({ size: maxSize }).size, maxSize)
    })

    it("above maxSize is refused, saying the bound", () => {
      const error = refuse({ size: maxSize + 1 }, "size")
      assert.include(error.message, "at most 1024")
      refuse({ size: 1e6 }, "size")
    })

    it("zero, negative, fractional, NaN, Infinity or not a number is refused", () => {
      for (const size of [0, -1, 1.5, NaN, Infinity, "2", null]) refuse({ size: size as any }, "size")
    })
  })

  it("runtime other than thread or process is refused", () => {
    const error = refuse({ runtime: "fiber" as any }, "runtime")
    assert.include(error.message, "\"fiber\"")
  })

  describe("tasks", () => {
    it("an absolute path becomes a file URL", () => {
      const url = parse({ tasks: "/tmp/dir/tasks.ts" }).tasksUrl
      assert.instanceOf(url, URL)
      assert.strictEqual(url.href, "file:///tmp/dir/tasks.ts")
    })

    it("a relative path is resolved against the working directory", () => {
      assert.strictEqual(parse({ tasks: "./tasks.ts" }).tasksUrl.href, pathToFileURL("./tasks.ts").href)
      assert.isTrue(parse({ tasks: "./tasks.ts" }).tasksUrl.href.startsWith("file:///"))
    })

    it("a URL object is kept as is", () => {
      const url = new URL("file:///tmp/tasks.ts")
      assert.strictEqual(parse({ tasks: url }).tasksUrl, url)
    })

    it("a URL string is parsed as a URL, not as a path", () => {
      assert.strictEqual(parse({ tasks: "file:///srv/tasks.js" }).tasksUrl.href, "file:///srv/tasks.js")
      assert.strictEqual(parse({ tasks: "data:text/javascript,export{}" }).tasksUrl.protocol, "data:")
    })

    it("a Windows drive path is a path, not a URL with scheme c:", () => {
      assert.strictEqual(parse({ tasks: "C:/x/tasks.ts" }).tasksUrl.protocol, "file:")
      assert.strictEqual(parse({ tasks: "c:\\x\\tasks.ts" }).tasksUrl.protocol, "file:")
    })

    it("garbage is refused", () => {
      for (const garbage of ["", "http://[", "http://", 42, null, undefined, {}]) {
        refuse({ tasks: garbage as any }, "tasks")
      }
    })
  })

  describe("maxTasksPerChild", () => {
    it("Infinity means never (undefined)", () => {
      assert.isUndefined(parse({ maxTasksPerChild: Infinity }).maxTasksPerChild)
      assert.strictEqual(parse({ maxTasksPerChild: 1 }).maxTasksPerChild, 1)
    })

    it("zero, negative, fractional or NaN is refused", () => {
      for (const n of [0, -3, 2.5, NaN]) refuse({ maxTasksPerChild: n }, "maxTasksPerChild")
    })
  })

  describe("durations", () => {
    const options = ["idleTimeout", "startupTimeout", "taskTimeout", "cancelGracePeriod"] as const
    const field = {
      idleTimeout: "idleTimeoutMs",
      startupTimeout: "startupTimeoutMs",
      taskTimeout: "taskTimeoutMs",
      cancelGracePeriod: "graceMs"
    } as const

    it("Infinity (a number, Duration.infinity or \"Infinity\") means none (undefined)", () => {
      for (const option of options) {
        for (const infinite of [Infinity, Duration.infinity, "Infinity"] as const) {
          assert.isUndefined(parse({ [option]: infinite })[field[option]], `${option}: ${String(infinite)}`)
        }
      }
    })

    it("long finite durations are kept as they are", () => {
      const days30 = 30 * 24 * 60 * 60 * 1000
      for (const option of options) {
        assert.strictEqual(parse({ [option]: Duration.days(30) })[field[option]], days30, option)
        assert.strictEqual(parse({ [option]: "30 days" })[field[option]], days30, option)
      }
    })

    it("accepts milliseconds, strings, Durations and zero", () => {
      for (const option of options) {
        assert.strictEqual(parse({ [option]: 0 })[field[option]], 0, option)
        assert.strictEqual(parse({ [option]: 250 })[field[option]], 250, option)
        assert.strictEqual(parse({ [option]: "3 seconds" })[field[option]], 3000, option)
        assert.strictEqual(parse({ [option]: Duration.millis(7) })[field[option]], 7, option)
      }
    })

    it("NaN, negative or malformed durations are refused, naming the option", () => {
      for (const option of options) {
        for (const bad of [NaN, -1, "soon", { seconds: NaN }, [1, NaN], true, null]) {
          refuse({ [option]: bad as any }, option)
        }
      }
    })
  })

  describe("maxInFlightPerWorker", () => {
    it("a positive integer; Infinity, zero, fractional or NaN is refused", () => {
      assert.strictEqual(parse({ maxInFlightPerWorker: 1 }).maxDepth, 1)
      for (const n of [0, -1, 1.5, NaN, Infinity]) refuse({ maxInFlightPerWorker: n }, "maxInFlightPerWorker")
    })
  })

  describe("progressBufferSize", () => {
    it("Infinity keeps every value", () => {
      assert.strictEqual(parse({ progressBufferSize: Infinity }).progressBufferSize, Infinity)
    })

    it("zero, negative, fractional or NaN is refused", () => {
      for (const n of [0, -1, 0.5, NaN]) refuse({ progressBufferSize: n }, "progressBufferSize")
    })
  })

  describe("resourceLimits", () => {
    it("valid limits are passed through", () => {
      const resourceLimits = { maxOldGenerationSizeMb: 64, stackSizeMb: 0.5, maxYoungGenerationSizeMb: undefined }
      assert.strictEqual(parse({ resourceLimits }).resourceLimits, resourceLimits)
      assert.deepStrictEqual(parse({ resourceLimits: {} }).resourceLimits, {})
    })

    it("a zero, negative, infinite, NaN or non-number limit is refused, naming it", () => {
      const keys = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"] as const
      for (const key of keys) {
        for (const bad of [0, -1, Infinity, NaN, "64"]) {
          refuse({ resourceLimits: { [key]: bad as any } }, `resourceLimits.${key}`)
        }
      }
    })
  })

  describe("initializer", () => {
    const init = Task.make("init", {
      input: Schema.Struct({ n: Schema.Number, at: Schema.NumberFromString }),
      output: Schema.Void,
      run: () => Effect.void
    })

    it("initargs matching the input schema are encoded", () => {
      assert.deepStrictEqual(parse({ initializer: init, initargs: { n: 1, at: 2 } }).initializer, {
        task: "init",
        input: { n: 1, at: "2" }
      })
    })

    it("initargs not matching the input schema are refused, naming the initializer", () => {
      for (const initargs of [{ n: "one", at: 2 }, { n: 1 }, undefined, 5]) {
        const error = refuse({ initializer: init, initargs: initargs as any }, "initargs")
        assert.include(error.message, "\"init\"")
        assert.include(error.message, "input schema")
      }
    })

    it("an initializer taking nothing", () => {
      const noInput = Task.make("noInput", { input: Schema.Undefined, output: Schema.Void, run: () => Effect.void })
      assert.deepStrictEqual(parse({ initializer: noInput }).initializer, { task: "noInput", input: undefined })
    })
  })

  it("execArgv and env are passed through", () => {
    const execArgv = ["--max-old-space-size=64", "--no-warnings"]
    const env = { A: "1", B: undefined }
    const config = parse({ execArgv, env })
    assert.strictEqual(config.execArgv, execArgv)
    assert.strictEqual(config.env, env)
  })

  it("the first bad option (in checking order) is the one reported", () => {
    refuse({ size: 0, runtime: "x" as any, maxInFlightPerWorker: 0 }, "size")
    refuse({ runtime: "x" as any, tasks: "" }, "runtime")
    refuse({ tasks: "", taskTimeout: -1 }, "tasks")
  })
})
