"""
Python's own pools on the workloads of bench/pool.bench.ts, for the README
comparison: multiprocessing.Pool(2) and concurrent.futures.ProcessPoolExecutor(2).

  python3 bench/pool/python_pool.py            (prints a JSON line last)
  PY_ROUNDS=3 N=100000 LAT_N=10000 python3 bench/pool/python_pool.py

Workloads (as the Node side):
  - throughput: N no-op tasks submitted at once, then every result awaited:
    Pool.map(noop, range(N)) (default chunksize), Pool.apply_async per task,
    ProcessPoolExecutor.submit per task;
  - latency: LAT_N sequential round trips (Pool.apply, submit(...).result()),
    after a warm-up, p50 / p99 in microseconds;
  - cpu: the sum of 1..100,000,000 in 8 slices (the loop of the tutorial's
    task_handler, each slice sent as its bounds), single process vs the pool,
    warm (pool started and used before timing) and cold (pool creation
    included, shutdown not).
Every result is checked, so nothing silently measures nothing.
"""
import json
import os
import platform
import statistics
import sys
import time
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

N = int(os.environ.get("N", "100000"))
LAT_N = int(os.environ.get("LAT_N", "10000"))
ROUNDS = int(os.environ.get("PY_ROUNDS", "3"))
TOTAL = 100_000_000
SLICES = [(1 + k * (TOTAL // 8), 1 + (k + 1) * (TOTAL // 8)) for k in range(8)]
EXPECTED = TOTAL * (TOTAL + 1) // 2


def noop(x):
    return x


def sum_slice(bounds):
    start, stop = bounds
    total = 0
    for number in range(start, stop):
        total += number
    return total


def check(ok, what):
    if not ok:
        raise SystemExit(f"python_pool.py: wrong result: {what}")


def quantile(values, q):
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def throughput():
    inputs = range(N)
    expected = N * (N - 1) // 2
    out = {}
    with multiprocessing.Pool(2) as pool:
        pool.map(noop, range(2000))
        t = time.perf_counter()
        check(sum(pool.map(noop, inputs)) == expected, "Pool.map")
        out["Pool.map (default chunksize)"] = N / (time.perf_counter() - t)
    with multiprocessing.Pool(2) as pool:
        pool.map(noop, range(2000))
        t = time.perf_counter()
        results = [pool.apply_async(noop, (i,)) for i in inputs]
        check(sum(r.get() for r in results) == expected, "Pool.apply_async")
        out["Pool.apply_async per task"] = N / (time.perf_counter() - t)
    with ProcessPoolExecutor(2) as executor:
        list(executor.map(noop, range(2000)))
        t = time.perf_counter()
        futures = [executor.submit(noop, i) for i in inputs]
        check(sum(f.result() for f in futures) == expected, "ProcessPoolExecutor.submit")
        out["ProcessPoolExecutor.submit per task"] = N / (time.perf_counter() - t)
    return out


def latency():
    out = {}
    with multiprocessing.Pool(2) as pool:
        for i in range(500):
            pool.apply(noop, (i,))
        lat = []
        for i in range(LAT_N):
            t = time.perf_counter()
            check(pool.apply(noop, (i,)) == i, "Pool.apply")
            lat.append((time.perf_counter() - t) * 1e6)
        out["Pool.apply"] = (quantile(lat, 0.5), quantile(lat, 0.99))
    with ProcessPoolExecutor(2) as executor:
        for i in range(500):
            executor.submit(noop, i).result()
        lat = []
        for i in range(LAT_N):
            t = time.perf_counter()
            check(executor.submit(noop, i).result() == i, "submit().result()")
            lat.append((time.perf_counter() - t) * 1e6)
        out["ProcessPoolExecutor.submit().result()"] = (quantile(lat, 0.5), quantile(lat, 0.99))
    return out


def cpu():
    t = time.perf_counter()
    total = sum_slice((1, TOTAL + 1))
    single = time.perf_counter() - t
    check(total == EXPECTED, "single")
    out = {"single": single}
    # warm
    with multiprocessing.Pool(2) as pool:
        pool.map(noop, range(100))
        t = time.perf_counter()
        check(sum(pool.map(sum_slice, SLICES)) == EXPECTED, "Pool.map sum")
        out["Pool(2) warm"] = time.perf_counter() - t
    with ProcessPoolExecutor(2) as executor:
        list(executor.map(noop, range(100)))
        t = time.perf_counter()
        check(sum(executor.map(sum_slice, SLICES)) == EXPECTED, "executor.map sum")
        out["ProcessPoolExecutor(2) warm"] = time.perf_counter() - t
    # cold: creation included, shutdown not
    t = time.perf_counter()
    pool = multiprocessing.Pool(2)
    check(sum(pool.map(sum_slice, SLICES)) == EXPECTED, "Pool.map sum cold")
    out["Pool(2) cold"] = time.perf_counter() - t
    pool.close()
    pool.join()
    t = time.perf_counter()
    executor = ProcessPoolExecutor(2)
    check(sum(executor.map(sum_slice, SLICES)) == EXPECTED, "executor.map sum cold")
    out["ProcessPoolExecutor(2) cold"] = time.perf_counter() - t
    executor.shutdown(wait=True)
    return out


def main():
    phases = os.environ.get("PHASES", "throughput,latency,cpu").split(",")
    rounds = {"throughput": [], "latency": [], "cpu": []}
    for r in range(ROUNDS):
        if "throughput" in phases:
            rounds["throughput"].append(throughput())
        if "latency" in phases:
            rounds["latency"].append(latency())
        if "cpu" in phases:
            rounds["cpu"].append(cpu())
        print(f"python round {r + 1}/{ROUNDS} done", file=sys.stderr)
    result = {
        "python": platform.python_version(),
        "start_method": multiprocessing.get_start_method(),
        "rounds": ROUNDS,
        "throughput": {},
        "latency": {},
        "cpu": {},
    }
    for name in (rounds["throughput"][0] if rounds["throughput"] else {}):
        result["throughput"][name] = statistics.median(x[name] for x in rounds["throughput"])
    for name in (rounds["latency"][0] if rounds["latency"] else {}):
        result["latency"][name] = {
            "p50": statistics.median(x[name][0] for x in rounds["latency"]),
            "p99": statistics.median(x[name][1] for x in rounds["latency"]),
        }
    for name in (rounds["cpu"][0] if rounds["cpu"] else {}):
        if name == "single":
            continue
        result["cpu"][name] = {
            "time": statistics.median(x[name] for x in rounds["cpu"]),
            "speedup": statistics.median(x["single"] / x[name] for x in rounds["cpu"]),
        }
    if rounds["cpu"]:
        result["cpu_single"] = statistics.median(x["single"] for x in rounds["cpu"])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
