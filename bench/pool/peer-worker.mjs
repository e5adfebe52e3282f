// The worker module of Piscina and Tinypool in bench/pool.bench.ts: the
// default export is the no-op task, `sum` adds up one slice of the
// 8-slice sum (the same loop as corun's `bench/pool/tasks.ts`).
export default (x) => x

export const sum = ({ from, to }) => {
  let total = 0
  for (let n = from; n < to; n++) total += n
  return total
}
