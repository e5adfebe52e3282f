#!/usr/bin/env node
/**
 * `corun-runner`: starts one runner of a corun cluster and keeps it until
 * it is stopped (SIGINT / SIGTERM: it leaves the cluster, its shards go to
 * the others).
 *
 *   corun-runner --tasks ./tasks.ts --database-url postgres://… --listen 0.0.0.0:34431 \
 *     --advertise-host 10.0.0.5 --size 4
 *
 * The secret comes from `CORUN_SECRET` or the file `--secret-file` names (a
 * flag holding the secret itself would show in `ps`; so would
 * a password in `--database-url`: prefer `DATABASE_URL`); every flag also
 * has an environment variable (`ClusterRunner.config`).
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import * as ClusterRunner from "../ClusterRunner.ts"

const usage = `usage: corun-runner --tasks MODULE [--database-url URL] [--listen HOST:PORT]
                    [--advertise-host HOST] [--size N] [--runtime thread|process] [--secret-file PATH]
environment: CORUN_SECRET (required unless --secret-file), DATABASE_URL, CORUN_TASKS, CORUN_LISTEN_HOST, CORUN_PORT,
             CORUN_ADVERTISE_HOST, CORUN_POOL_SIZE, CORUN_RUNTIME, CORUN_RETENTION, CORUN_SWEEP_INTERVAL`

const { values } = parseArgs({
  options: {
    tasks: { type: "string" },
    "database-url": { type: "string" },
    listen: { type: "string" },
    "advertise-host": { type: "string" },
    size: { type: "string" },
    runtime: { type: "string" },
    "secret-file": { type: "string" },
    help: { type: "boolean" }
  }
})
if (values.help) {
  console.log(usage)
  process.exit(0)
}

const env: Record<string, string> = {}
for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value
if (values.tasks !== undefined) {
  // A path is taken from where the command runs.
  env.CORUN_TASKS = /^[a-z]+:/.test(values.tasks) ? values.tasks : pathToFileURL(values.tasks).href
}
if (values["database-url"] !== undefined) env.DATABASE_URL = values["database-url"]
if (values.listen !== undefined) {
  const at = values.listen.lastIndexOf(":")
  // `[::]:34431`: an IPv6 host is written in brackets, which are not part of it.
  env.CORUN_LISTEN_HOST = (at < 0 ? values.listen : values.listen.slice(0, at)).replace(/^\[(.*)\]$/, "$1")
  if (at >= 0) env.CORUN_PORT = values.listen.slice(at + 1)
}
if (values["advertise-host"] !== undefined) env.CORUN_ADVERTISE_HOST = values["advertise-host"]
if (values.size !== undefined) env.CORUN_POOL_SIZE = values.size
if (values.runtime !== undefined) env.CORUN_RUNTIME = values.runtime
if (values["secret-file"] !== undefined) {
  // The secret's file, not the secret: a flag's value shows in `ps`.
  env.CORUN_SECRET = readFileSync(values["secret-file"], "utf8").trim()
}
if (env.CORUN_TASKS !== undefined && !/^[a-z]+:/.test(env.CORUN_TASKS)) {
  env.CORUN_TASKS = pathToFileURL(env.CORUN_TASKS).href
}

Layer.launch(ClusterRunner.layerConfig).pipe(
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })),
  Effect.tapCause((cause) =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.void
      : Effect.sync(() => console.error(`corun-runner could not run:\n${Cause.pretty(cause)}\n\n${usage}`))
  ),
  NodeRuntime.runMain
)
