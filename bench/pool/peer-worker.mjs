// The worker module of Piscina and Tinypool in bench/pool*.bench.ts and the
// probes beside this file (startup-probe.ts, quick-throughput.ts): the
// default export is the no-op task, `sum` adds up one slice of the
// 8-slice sum (the same loop as corun's `bench/pool/tasks.ts`).
export default (x) => x

export const sum = ({ from, to }) => {
  let total = 0
  for (let n = from; n < to; n++) total += n
  return total
}

// For bench/pool-cancel.bench.ts: sets `flag[0]` to 1 when it starts (the
// flag is a shared Int32Array), then loops without yielding for `ms`.
export const spin = ({ flag, ms }) => {
  Atomics.store(flag, 0, 1)
  const end = Date.now() + ms
  let n = 0
  while (Date.now() < end) n++
  return n
}
