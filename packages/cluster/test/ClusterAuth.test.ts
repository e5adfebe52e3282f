import { ClusterAuthError, ClusterPool } from "@corun/cluster"
import { Errors } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { type Postgres, startPostgres } from "../../../scripts/postgres.ts"
import * as T from "./fixtures/tasks.ts"
import { exited, psql, type RunnerProcess, startRunner, stopRunner } from "./helpers.ts"

const secret = "the right secret 7f3a"
const wrong = "a wrong secret 19c2"
let pg: Postgres
let runner: RunnerProcess
let dir: string

beforeAll(async () => {
  pg = await startPostgres()
  dir = mkdtempSync(join(tmpdir(), "corun-auth-"))
  // This runner reads its secret from a file (`--secret-file`), not its environment.
  const secretFile = join(dir, "secret")
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
  runner = await startRunner({ databaseUrl: pg.url, secret, secretFile })
}, 120_000)

afterAll(async () => {
  await stopRunner(runner)
  await pg?.stop()
  rmSync(dir, { recursive: true, force: true })
}, 120_000)

describe("the cluster's secret (Python's authkey)", () => {
  it.live("a client of the cluster runs its work; the secret appears in no output", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
      assert.strictEqual(yield* pool.apply(T.square, 12), 144)
      assert.notInclude(runner.output, secret)
      assert.notInclude(psql(pg.url, "select verifier from corun_cluster_secret"), secret)
    }).pipe(Effect.scoped), 120_000)

  it("a runner started with another secret stops with ClusterAuthError and never registers", async () => {
    const rogue = await startRunner({ databaseUrl: pg.url, secret: wrong })
    const code = await exited(rogue.child, 60_000)
    assert.isDefined(code, "the runner with a wrong secret is still running")
    assert.notStrictEqual(code, 0)
    assert.include(rogue.output, "ClusterAuthError")
    assert.notInclude(rogue.output, wrong)
    assert.strictEqual(psql(pg.url, `select count(*) from cluster_runners where address like '%:${rogue.port}'`), "0")
  }, 120_000)

  it.live(
    "a client with another secret fails with ClusterAuthError before it sends anything",
    () =>
      Effect.gen(function*() {
        const before = psql(pg.url, "select count(*) from cluster_messages")
        const error = yield* Effect.flip(ClusterPool.make({ databaseUrl: pg.url, secret: wrong }))
        assert.instanceOf(error, ClusterAuthError)
        assert.notInclude(error.message, wrong)
        assert.strictEqual(psql(pg.url, "select count(*) from cluster_messages"), before)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "a batch signed with another secret (written to the database directly) is refused: its task never runs",
    () =>
      Effect.gen(function*() {
        const marker = join(dir, "forged")
        const pool = yield* ClusterPool.makeUnchecked({ databaseUrl: pg.url, secret: wrong })
        const error = yield* Effect.flip(pool.apply(T.touch, marker))
        assert.instanceOf(error, Errors.WorkerCrashed)
        assert.match(error.message, /BadSignature.*is not signed with this cluster's secret for entity b\d+: refused/s)
        assert.isFalse(existsSync(marker))
      }).pipe(Effect.scoped),
    120_000
  )

  it(
    "a raw connection that cannot prove the secret is closed by the runner and gets nothing but the greeting",
    async () => {
      const socket = connect(runner.port, "127.0.0.1")
      let received = ""
      socket.setEncoding("utf8").on("data", (chunk: string) => (received += chunk))
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
      socket.write(`${"0".repeat(32)} ${"f".repeat(64)}\n`)
      socket.write("anything the cluster's protocol would understand\n")
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000)
        socket.once("close", () => {
          clearTimeout(timer)
          resolve(true)
        })
      })
      socket.destroy()
      assert.isTrue(closed, "the runner kept the connection open")
      assert.match(received, /^corun-auth-1 [0-9a-f]{32}\n$/)
    },
    60_000
  )
})
