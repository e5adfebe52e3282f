/**
 * A private PostgreSQL server for the cluster tests, examples and benches:
 * a new cluster in a temporary directory, on a free loopback port, stopped
 * (and its directory removed) at the end. Never a server started by hand.
 *
 *   npx tsx scripts/postgres.ts                  start one, print its URL, stop on Ctrl-C
 *   npx tsx scripts/postgres.ts -- CMD ARGS…     run CMD with DATABASE_URL set, then stop it
 *
 * The server comes from the machine's PostgreSQL package (`pg_config
 * --bindir`, else `/usr/lib/postgresql/<version>/bin`; `.ci/run` installs
 * Debian's `postgresql-15` where it is missing). `initdb` and `postgres`
 * refuse to run as root: as root they run as the `postgres` user (made by
 * the package), else `nobody`. Commits survive a restart of the server
 * (only `fsync` is off: the data lives as long as the run, not past a
 * crash of the machine).
 */
import { spawn, spawnSync } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A running private server. */
export interface Postgres {
  /** `postgres://corun@127.0.0.1:PORT/corun` */
  readonly url: string
  readonly port: number
  readonly dataDir: string
  /** Restarts the server on the same port and data (the database-restart tests); what was committed is kept. */
  readonly restart: () => Promise<void>
  /** Stops the server (immediately) and removes its directory. */
  readonly stop: () => Promise<void>
}

/** Where `initdb` and `pg_ctl` are, or why there are none. */
export const findBinDir = (): string => {
  const fromConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" })
  const candidates: Array<string> = []
  if (fromConfig.status === 0) candidates.push(fromConfig.stdout.trim())
  if (existsSync("/usr/lib/postgresql")) {
    for (const version of readdirSync("/usr/lib/postgresql").sort().reverse()) {
      candidates.push(join("/usr/lib/postgresql", version, "bin"))
    }
  }
  const found = candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")))
  if (found === undefined) {
    throw new Error(
      "PostgreSQL's server is not installed (no initdb / pg_ctl under `pg_config --bindir` or /usr/lib/postgresql): " +
        "install it with `apt-get install -y postgresql-15` (.ci/run does this on a fresh machine)"
    )
  }
  return found
}

/** A free TCP port on loopback (for the server, and for whatever else a test or program starts beside it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })

/** The user the server runs as: root may not run it. */
const serverUser = (): { readonly name: string; readonly uid: number; readonly gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  for (const name of ["postgres", "nobody"]) {
    const entry = spawnSync("getent", ["passwd", name], { encoding: "utf8" })
    if (entry.status === 0) {
      const [, , uid, gid] = entry.stdout.trim().split(":")
      return { name, uid: Number(uid), gid: Number(gid) }
    }
  }
  throw new Error("running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as")
}

/** Starts a private server. */
export const startPostgres = async (): Promise<Postgres> => {
  const bin = findBinDir()
  const user = serverUser()
  const dir = mkdtempSync(join(tmpdir(), "corun-pg-"))
  const dataDir = join(dir, "data")
  const log = join(dir, "server.log")
  if (user !== undefined) {
    chmodSync(dir, 0o700)
    chownSync(dir, user.uid, user.gid)
  }
  const run = (command: string, args: ReadonlyArray<string>) => {
    const [file, argv] = user === undefined
      ? [join(bin, command), args]
      : ["runuser", ["-u", user.name, "--", join(bin, command), ...args]]
    const result = spawnSync(file, argv, { encoding: "utf8", cwd: dir })
    if (result.status !== 0) {
      const logText = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : ""
      throw new Error(
        `${command} ${args.join(" ")} failed (exit ${result.status}): ${result.stderr || result.stdout}\n${logText}`
      )
    }
  }
  try {
    run("initdb", ["-D", dataDir, "-U", "corun", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const port = await freePort()
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=200"
  ].join(" ")
  const start = () => run("pg_ctl", ["-D", dataDir, "-o", options, "-l", log, "-w", "-t", "60", "start"])
  const stopServer = (mode: "fast" | "immediate") =>
    run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"])
  start()
  run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "corun", "corun"])
  let stopped = false
  return {
    url: `postgres://corun@127.0.0.1:${port}/corun`,
    port,
    dataDir,
    restart: async () => {
      // A clean restart, as an operator's: what was committed is kept.
      stopServer("fast")
      start()
    },
    stop: async () => {
      if (stopped) return
      stopped = true
      try {
        stopServer("immediate")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}

/** Whether a server of this data directory is still running (its postmaster.pid names a live process). */
export const isRunning = (dataDir: string): boolean => {
  const pidFile = join(dataDir, "postmaster.pid")
  if (!existsSync(pidFile)) return false
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0])
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// The command line.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dash = process.argv.indexOf("--")
  const command = dash < 0 ? [] : process.argv.slice(dash + 1)
  const server = await startPostgres()
  const stop = () => server.stop().catch((error) => console.error(String(error)))
  if (command.length === 0) {
    console.log(`PostgreSQL is up: DATABASE_URL=${server.url}  (Ctrl-C stops it and removes its data)`)
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => void stop().then(() => process.exit(0)))
    }
  } else {
    const child = spawn(command[0]!, command.slice(1), {
      stdio: "inherit",
      env: { ...process.env, DATABASE_URL: server.url }
    })
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => child.kill(signal))
    const code = await new Promise<number>((resolve) =>
      child.once("exit", (status, signal) => resolve(status ?? (signal === null ? 1 : 128)))
    )
    await stop()
    process.exit(code)
  }
}
