/**
 * `pnpm bench`: runs every `bench/*.bench.ts` in its own process, one after
 * the other (so each measures peak memory on its own), or only those whose
 * name contains one of the command-line arguments: `pnpm bench executor`.
 */
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(here)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()
const tsx = join(here, "..", "node_modules", "tsx", "dist", "cli.mjs")
let failed = 0
for (const file of files) {
  console.log(`\n=== ${file} (node ${process.version}, ${new Date().toISOString()})`)
  const result = spawnSync(process.execPath, [tsx, join(here, file)], { stdio: "inherit" })
  if (result.status !== 0) {
    failed++
    console.error(`${file} exited with ${result.status ?? result.signal}`)
  }
}
process.exit(failed === 0 ? 0 : 1)
