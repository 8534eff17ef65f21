#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Times the jitfuse-bench CPU workloads in NumPy, Numba (parallel=True) and numexpr, and
prints one JSON object: {"peers": [{"name", "workload", "n", "repeats_ms", "median_ms"}]}.
Peers that are not installed are skipped with a note (pip install -r bench/peers/requirements.txt)."""
import argparse
import json
import statistics
import sys
import time


def timed(fn, repeats):
    fn()  # warm up (and JIT-compile for Numba)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    results, notes = [], []
    try:
        import numpy as np
    except ImportError:
        print(json.dumps({"peers": [], "notes": ["numpy not installed"]}))
        return
    rng = np.random.default_rng(0)
    x = rng.random(args.n, dtype=np.float32) * 4
    y = rng.random(args.n, dtype=np.float32)
    z = np.empty_like(x)

    def add(name, workload, fn):
        r = timed(fn, args.repeats)
        results.append({"name": name, "workload": workload, "n": args.n, "repeats_ms": r,
                        "median_ms": statistics.median(r)})

    add("numpy", "chain", lambda: np.add(np.sin(x) * np.exp(x), np.log(x + np.float32(1)), out=z))
    add("numpy", "dot", lambda: np.sum(x * y))
    add("numpy", "saxpy", lambda: np.add(np.float32(2.5) * x, y, out=z))
    try:
        import numba
        if args.threads:
            numba.set_num_threads(args.threads)

        @numba.njit(parallel=True, fastmath=False)
        def chain(x, z):
            for i in numba.prange(x.size):
                z[i] = np.sin(x[i]) * np.exp(x[i]) + np.log(x[i] + np.float32(1))

        @numba.njit(parallel=True)
        def dot(x, y):
            s = np.float32(0)
            for i in numba.prange(x.size):
                s += x[i] * y[i]
            return s

        @numba.njit(parallel=True)
        def saxpy(x, y, z):
            for i in numba.prange(x.size):
                z[i] = np.float32(2.5) * x[i] + y[i]

        add("numba-parallel", "chain", lambda: chain(x, z))
        add("numba-parallel", "dot", lambda: dot(x, y))
        add("numba-parallel", "saxpy", lambda: saxpy(x, y, z))
    except ImportError:
        notes.append("numba not installed")
    try:
        import numexpr as ne
        if args.threads:
            ne.set_num_threads(args.threads)
        env = {"x": x, "y": y}
        add("numexpr", "chain", lambda: ne.evaluate("sin(x)*exp(x)+log(x+1)", local_dict=env, out=z))
        add("numexpr", "dot", lambda: ne.evaluate("sum(x*y)", local_dict=env))
        add("numexpr", "saxpy", lambda: ne.evaluate("2.5*x+y", local_dict=env, out=z))
    except ImportError:
        notes.append("numexpr not installed")
    print(json.dumps({"peers": results, "notes": notes}))


if __name__ == "__main__":
    sys.exit(main())
