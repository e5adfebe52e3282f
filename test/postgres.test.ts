import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname } from "node:path"
import { isRunning, startPostgres } from "../scripts/postgres.ts"

/** One query through psql (the server's own client): its single value. */
const query = (url: string, sql: string) => {
  const result = spawnSync("psql", [url, "-tAc", sql], { encoding: "utf8" })
  assert.strictEqual(result.status, 0, result.stderr)
  return result.stdout.trim()
}

describe("scripts/postgres.ts (the private server of the cluster tests)", () => {
  it("starts a server on loopback in a temporary directory, restarts it with its data, and leaves nothing when stopped", async () => {
    const server = await startPostgres()
    try {
      assert.match(server.url, /^postgres:\/\/corun@127\.0\.0\.1:\d+\/corun$/)
      assert.strictEqual(query(server.url, "show listen_addresses"), "127.0.0.1")
      query(server.url, "create table kept (n int); insert into kept values (42)")
      await server.restart()
      assert.strictEqual(query(server.url, "select n from kept"), "42")
      assert.isTrue(isRunning(server.dataDir))
    } finally {
      await server.stop()
    }
    assert.isFalse(existsSync(dirname(server.dataDir)))
    const left = spawnSync("psql", [server.url, "-tAc", "select 1"], { encoding: "utf8" })
    assert.notStrictEqual(left.status, 0)
  })
})
