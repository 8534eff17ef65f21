# SPDX-License-Identifier: Apache-2.0
"""What the peer scripts share: the case list jitfuse-bench hands them (--spec), the same
input data as bench/workload_parts.hpp builds (same value ranges and nodata pattern), timing
with batching of short calls, and the JSON they write, which jitfuse-bench merges:

    {"device": "cpu", "versions": {...}, "notes": [...],
     "cases": [{"section", "workload", "variant", "kind": "peer", "n", "shape", "calls",
                "repeats_ms", "median_ms"}]}

A spec is {"repeats": R, "threads": T, "specs": [{"section", "workload", "n", "shape",
"params", "min_ms"}]}; every JSON jitfuse-bench writes with --json carries one, so a results
file can be passed as --spec on another machine."""
import argparse
import json
import statistics
import sys
import time


def parse_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--spec", required=True,
                    help="cases to run: the spec jitfuse-bench --peers writes, or any jitfuse-bench --json file")
    ap.add_argument("--out", help="write the JSON here (default: stdout)")
    ap.add_argument("--repeats", type=int, help="override the spec's repeats")
    ap.add_argument("--only", help="comma-separated peer names to run (default: all installed)")
    args = ap.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    if args.repeats:
        spec["repeats"] = args.repeats
    return args, spec


def log(msg):
    print(f"peers: {msg}", file=sys.stderr, flush=True)


def timed(fn, repeats, min_ms, sync=lambda r: r):
    """Per-call milliseconds of fn over `repeats` repeats and the last result. Calls are batched
    until a repeat lasts min_ms (the batch doubles until the faster of two tries does, as in
    jitfuse-bench); `sync`
    waits for asynchronous work (a GPU stream, a JAX future). Calls slower than a second get 3
    repeats: the median of 3 is enough where the noise is a few percent."""
    sync(fn())  # warm up: JIT compilation, allocation, thread start-up

    def batch(calls):
        t0 = time.perf_counter()
        for _ in range(calls):
            r = fn()
        sync(r)
        return (time.perf_counter() - t0) * 1e3, r

    calls = 1
    while True:
        (ms, r), (again, r) = batch(calls), batch(calls)
        ms = min(ms, again)
        if ms >= min_ms or calls >= 1_000_000:
            break
        calls *= 2
    if ms > 1000:
        repeats = min(repeats, 3)
    out = []
    for _ in range(repeats):
        ms, r = batch(calls)
        out.append(ms / calls)
    return out, calls, r


def digest(np, result):
    """As digest_of in bench/workload_parts.hpp: the sum of the finite outputs plus the count
    of the others."""
    a = np.asarray(result, dtype=np.float64).ravel()
    finite = np.isfinite(a)
    return float(a[finite].sum() + np.count_nonzero(~finite))


def check(np, case, result):
    """'ok' when the output agrees with jitfuse's (the spec's digest), else how far off."""
    if "digest" not in case:
        return ""
    want, got = case["digest"], digest(np, result)
    diff = abs(got - want) / max(abs(want), 1e-30)
    return "ok" if diff <= case.get("tolerance", 0) or got == want else f"MISMATCH {diff:.1e}"


def unit_hash(np, n, seed):
    """Values in [0, 1) from a hash of the index, as bench/workload_parts.hpp (splitmix64)."""
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(seed) * np.uint64(0xD1B54A32D192ED03)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def uniform(np, shape, lo, hi, seed, dtype):
    n = 1
    for e in shape:
        n *= e
    return (lo + (hi - lo) * unit_hash(np, n, seed)).astype(dtype).reshape(shape)


def inputs(np, case):
    """The arrays of one case, as NumPy arrays (host memory)."""
    w, shape, p = case["workload"], tuple(case["shape"]), case.get("params") or {}
    f32 = np.float32
    if w in ("copy", "chain", "dot", "saxpy", "rolling_mean", "cumsum"):
        return {"x": uniform(np, shape, 0, 4, 1, f32), "y": uniform(np, shape, 0, 1, 2, f32),
                "z": np.empty(shape, f32), **p}
    if w == "ndvi":
        red = uniform(np, shape, 0, 10000, 3, np.uint16).ravel()
        nir = uniform(np, shape, 0, 10000, 4, np.uint16).ravel()
        idx = np.arange(red.size)
        red[idx % 97 == 0] = p["nodata"]
        both = idx % 89 == 0
        red[both] = 0
        nir[both] = 0
        return {"red": red.reshape(shape), "nir": nir.reshape(shape), "out": np.empty(shape, f32), **p}
    if w == "heat":
        return {"t": uniform(np, shape, 0, 100, 5, f32), "out": np.empty(shape, f32), "alpha": f32(p["alpha"])}
    if w in ("column_sums", "wide_column_sums", "column_norms"):
        return {"x": uniform(np, shape, 0, 4, 1, f32)}
    if w == "class_map":
        return {"x": uniform(np, shape, -6, 6, 7, f32)}
    if w == "softmax":
        return {"x": uniform(np, shape, -6, 6, 6, f32), "out": np.empty(shape, f32)}
    if w == "mandelbrot":
        rows, cols = shape
        return {"cr": np.linspace(*p["x_range"], cols, dtype=f32), "ci": np.linspace(*p["y_range"], rows, dtype=f32),
                "out": np.empty(shape, np.int32), "max_iter": p["max_iter"]}
    return None


class Collector:
    def __init__(self, spec, device="cpu"):
        self.spec, self.device = spec, device
        self.cases, self.notes, self.versions = [], [], {}

    def time(self, case, variant, fn, output, sync=lambda r: r, to_host=lambda r: r):
        """`output`: what fn writes when it returns nothing; `to_host` copies a result back."""
        import numpy as np
        try:
            ms, calls, result = timed(fn, self.spec["repeats"], case.get("min_ms", 1.0), sync)
            verdict = check(np, case, to_host(output if result is None else result))
        except Exception as e:  # one peer failing on one case must not lose the others
            self.notes.append(f"{variant} failed on {case['workload']} (n={case['n']}): {type(e).__name__}: {e}")
            return
        self.cases.append({"section": case["section"], "workload": case["workload"], "variant": variant,
                           "kind": "peer", "n": case["n"], "shape": case["shape"], "calls": calls,
                           "repeats_ms": ms, "median_ms": statistics.median(ms), "check": verdict})

    def write(self, path):
        doc = {"device": self.device, "versions": self.versions, "notes": self.notes, "cases": self.cases}
        text = json.dumps(doc)
        if path:
            with open(path, "w") as f:
                f.write(text + "\n")
        else:
            print(text)


def run(spec, peers, collector, wanted=None):
    """peers: [(name, load)]; load() -> (make, version) or ImportError; make(case, data) -> a
    callable, or (callable, sync[, to_host]), whose result, or else data's "z"/"out", is the
    output; None where the peer has no version of the workload."""
    import numpy as np
    loaded = []
    for name, load in peers:
        if wanted and name not in wanted:
            continue
        try:
            make, version = load()
        except ImportError as e:
            collector.notes.append(f"{name} not installed ({e.name}): pip install --user -r bench/peers/requirements.txt")
            continue
        collector.versions[name] = version
        loaded.append((name, make))
    for case in spec["specs"]:
        data = inputs(np, case)
        if data is None:
            continue
        log(f"{case['section']} {case['workload']} {case['shape']}")
        for name, make in loaded:
            try:
                made = make(case, data)
            except Exception as e:
                collector.notes.append(f"{name} could not set up {case['workload']}: {type(e).__name__}: {e}")
                continue
            if made is None:
                continue
            fn, *hooks = made if isinstance(made, tuple) else (made,)
            collector.time(case, name, fn, data.get("z", data.get("out")), *hooks)
