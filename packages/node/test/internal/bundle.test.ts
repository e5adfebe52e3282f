import * as Task from "@corun/core/Task"
import { NodePool } from "@corun/node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Bundle from "../../src/internal/bundle.ts"
import * as T from "../fixtures/bundle-tasks.ts"

// Every bundle of this file goes to its own cache directory (threads and
// child processes inherit the variable).
const cache = fs.mkdtempSync(path.join(os.tmpdir(), "corun-bundle-test-"))
process.env.CORUN_BUNDLE_DIR = cache
afterAll(() => {
  delete process.env.CORUN_BUNDLE_DIR
  fs.rmSync(cache, { recursive: true, force: true })
})

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url)

/** The tasks of the JavaScript fixtures, as the parent knows them (workers find tasks by name). */
const data = Task.make("data", {
  input: Schema.Null,
  output: Schema.Array(Schema.String),
  run: () => Effect.die("runs in the workers")
})
const viaImport = Task.make("viaImport", {
  input: Schema.Null,
  output: Schema.Boolean,
  run: () => Effect.die("runs in the workers")
})
const answer = Task.make("answer", {
  input: Schema.Null,
  output: Schema.Number,
  run: () => Effect.die("runs in the workers")
})

/** Whether a stack comes from a bundle of the cache directory. */
const fromBundle = (stack: string) => stack.includes(cache)

/** The cache directory's files, with no temporary file among them. */
const cacheFiles = () => {
  const files = fs.readdirSync(cache)
  for (const file of files) assert.match(file, /^[0-9a-f]{24}(-[0-9a-f]{24}\.mjs(\.map)?|\.json)$/)
  return files
}

const withBundleOff = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      process.env.CORUN_BUNDLE = "0"
    }),
    () => effect,
    () =>
      Effect.sync(() => {
        delete process.env.CORUN_BUNDLE
      })
  )

describe("NodePool workers from a bundle", () => {
  for (const runtime of ["thread", "process"] as const) {
    it.live(`a bundled tasks module gives the same results (${runtime})`, () =>
      Effect.gen(function*() {
        const url = yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href))
        assert.isDefined(url)
        assert.strictEqual(Bundle.lookup(fixture("bundle-tasks.ts").href), url)
        const pool = yield* NodePool.make({ tasks: fixture("bundle-tasks.ts"), size: 2, runtime })
        assert.deepStrictEqual(yield* pool.map(T.double, [1, 2, 3, 4]), [2, 4, 6, 8])
        assert.strictEqual(yield* Effect.flip(pool.apply(T.fails, "no")), "no")
        assert.isTrue(fromBundle(yield* pool.apply(T.where, null)))
      }).pipe(Effect.scoped))

    it.live(`import.meta.url, dirname and filename are the tasks module's own in a bundle (${runtime})`, () =>
      Effect.gen(function*() {
        assert.isDefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-meta.mjs").href)))
        const pool = yield* NodePool.make({ tasks: fixture("bundle-meta.mjs"), size: 1, runtime })
        const [byUrl, byDirname, filename, stack] = yield* pool.apply(data, null)
        assert.strictEqual(byUrl, "next to the tasks module")
        assert.strictEqual(byDirname, "next to the tasks module")
        assert.strictEqual(filename, "filename")
        assert.isTrue(fromBundle(stack))
      }).pipe(Effect.scoped))

    it.live(`a tasks URL with a query is not bundled: the module sees its own URL (${runtime})`, () =>
      Effect.gen(function*() {
        assert.isDefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href)))
        const withQuery = new URL(`${fixture("bundle-tasks.ts").href}?variant=1`)
        assert.isUndefined(yield* Effect.promise(() => Bundle.prepare(withQuery.href)))
        const pool = yield* NodePool.make({ tasks: withQuery, size: 1, runtime })
        assert.strictEqual(yield* pool.apply(T.double, 21), 42)
        assert.isFalse(fromBundle(yield* pool.apply(T.where, null)))
      }).pipe(Effect.scoped))

    it.live(`bundle: false: plain ES modules even with a bundle cached (${runtime})`, () =>
      Effect.gen(function*() {
        assert.isDefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href)))
        const pool = yield* NodePool.make({ tasks: fixture("bundle-tasks.ts"), size: 1, runtime, bundle: false })
        assert.strictEqual(yield* pool.apply(T.double, 21), 42)
        assert.isFalse(fromBundle(yield* pool.apply(T.where, null)))
      }).pipe(Effect.scoped))

    it.live(`CORUN_BUNDLE=0: plain ES modules, nothing built (${runtime})`, () =>
      withBundleOff(
        Effect.gen(function*() {
          const before = cacheFiles().length
          assert.isUndefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href)))
          assert.isUndefined(Bundle.lookup(fixture("bundle-tasks.ts").href))
          const pool = yield* NodePool.make({ tasks: fixture("bundle-tasks.ts"), size: 1, runtime })
          assert.strictEqual(yield* pool.apply(T.double, 21), 42)
          assert.isFalse(fromBundle(yield* pool.apply(T.where, null)))
          assert.strictEqual(cacheFiles().length, before)
        }).pipe(Effect.scoped)
      ))
  }

  it.live("an edited tasks module is rebuilt, never run stale", () =>
    Effect.gen(function*() {
      const file = fileURLToPath(fixture(`bundle-edited-${process.pid}-${Date.now()}.ts`))
      const url = new URL(`file://${file}`)
      const version = Task.make("version", {
        input: Schema.Null,
        output: Schema.Number,
        run: () => Effect.die("runs in the workers")
      })
      const write = (n: number) =>
        fs.writeFileSync(
          file,
          `import * as Task from "@corun/core/Task"\nimport * as Effect from "effect/Effect"\n` +
            `import * as Schema from "effect/Schema"\n` +
            `export const version = Task.make("version", { input: Schema.Null, output: Schema.Number, ` +
            `run: () => Effect.succeed(${n}) })\n`
        )
      const versionOf = Effect.fnUntraced(function*() {
        const pool = yield* NodePool.make({ tasks: url, size: 1 })
        return yield* pool.apply(version, null)
      }, Effect.scoped)
      yield* Effect.acquireUseRelease(
        Effect.sync(() => write(1)),
        () =>
          Effect.gen(function*() {
            const first = yield* Effect.promise(() => Bundle.prepare(url.href))
            assert.isDefined(first)
            assert.strictEqual(yield* versionOf(), 1)
            write(22) // not the same size, nor the same contents
            assert.isUndefined(Bundle.lookup(url.href))
            assert.strictEqual(yield* versionOf(), 22) // plain modules while the bundle is stale
            const second = yield* Effect.promise(() => Bundle.prepare(url.href))
            assert.isDefined(second)
            assert.notStrictEqual(second, first)
            assert.isFalse(fs.existsSync(fileURLToPath(first!))) // the stale bundle is gone
            assert.strictEqual(yield* versionOf(), 22)
            write(33) // same size, other contents
            assert.isUndefined(Bundle.lookup(url.href))
            assert.strictEqual(yield* versionOf(), 33)
            assert.isDefined(yield* Effect.promise(() => Bundle.prepare(url.href))) // the build that pool started
          }),
        () => Effect.sync(() => fs.rmSync(file, { force: true }))
      )
      cacheFiles()
    }))

  it.live("a tasks module with a computed import() is not bundled and runs as plain modules", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-dynamic.ts").href)))
      const pool = yield* NodePool.make({ tasks: fixture("bundle-dynamic.ts"), size: 1 })
      assert.isTrue(yield* pool.apply(viaImport, null))
    }).pipe(Effect.scoped))

  it.live("a tasks module esbuild warns about is not bundled and runs as plain modules", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Effect.promise(() => Bundle.prepare(fixture("bundle-warning.mjs").href)))
      const pool = yield* NodePool.make({ tasks: fixture("bundle-warning.mjs"), size: 1 })
      assert.strictEqual(yield* pool.apply(answer, null), 2)
    }).pipe(Effect.scoped))

  for (const runtime of ["thread", "process"] as const) {
    it.live(`a bundle that fails to load: the workers fall back to plain modules (${runtime})`, () =>
      Effect.gen(function*() {
        const url = yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href))
        assert.isDefined(url)
        const file = fileURLToPath(url!)
        const code = fs.readFileSync(file)
        yield* Effect.acquireUseRelease(
          Effect.sync(() => fs.writeFileSync(file, "export const = broken")),
          () =>
            Effect.gen(function*() {
              const pool = yield* NodePool.make({ tasks: fixture("bundle-tasks.ts"), size: 1, runtime })
              assert.strictEqual(yield* pool.apply(T.double, 4), 8)
              assert.isFalse(fromBundle(yield* pool.apply(T.where, null)))
            }).pipe(Effect.scoped),
          () => Effect.sync(() => fs.writeFileSync(file, code))
        )
      }))
  }

  it.live("the cache holds bundles, source maps and manifests only", () =>
    Effect.gen(function*() {
      yield* Effect.promise(() => Bundle.prepare(fixture("bundle-tasks.ts").href))
      const files = cacheFiles()
      // Every bundle belongs to a manifest (rebuilds remove the bundle they
      // replace); refused modules have a manifest without a bundle.
      const bundles = files.filter((file) => file.endsWith(".mjs")).sort()
      const listed = files.filter((file) => file.endsWith(".json"))
        .map((file) => JSON.parse(fs.readFileSync(path.join(cache, file), "utf8")).bundle as string | null)
      assert.isTrue(listed.includes(null))
      assert.deepStrictEqual(listed.filter((bundle) => bundle !== null).sort(), bundles)
    }))
})
