#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Times jitfuse-bench's workloads on the CPU in NumPy, Numba (njit, parallel=True), numexpr
and JAX (jit), each written the way a user of that library would; the JSON shape is in
common.py. A peer that is not installed is skipped with a note; `jitfuse-bench --peers` runs
this script with the cases it ran itself:

    python3 bench/peers/cpu_peers.py --spec SPEC.json [--out FILE] [--only numpy,numba-parallel]
"""
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def load_numpy():
    import numpy as np
    f32 = np.float32

    def rolling_mean(x, z, window):
        c = np.cumsum(x, dtype=np.float64)  # float32 running sums drift over 10^7 elements
        z[window - 1] = c[window - 1] / window
        z[window:] = (c[window:] - c[:-window]) / window
        z[:window - 1] = np.nan

    def ndvi(red, nir, out, nodata):
        rf, nf = red.astype(f32), nir.astype(f32)
        valid = (red != nodata) & (nir != nodata) & (rf + nf > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.copyto(out, np.where(valid, (nf - rf) / (nf + rf), f32(np.nan)))

    def heat(t, out, alpha):
        p = np.pad(t, 1)
        np.copyto(out, t + alpha * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - f32(4) * t))

    def softmax(x, out):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        np.divide(e, e.sum(axis=1, keepdims=True), out=out)

    def mandelbrot(cr, ci, out, max_iter):
        cr2, ci2 = np.broadcast_to(cr[None, :], out.shape), np.broadcast_to(ci[:, None], out.shape)
        zr, zi = np.zeros(out.shape, f32), np.zeros(out.shape, f32)
        out[...] = 0
        for _ in range(max_iter):  # whole-array steps: NumPy has no early exit per pixel
            zr2, zi2 = zr * zr, zi * zi
            alive = zr2 + zi2 < 4
            out += alive
            zi = np.where(alive, f32(2) * zr * zi + ci2, zi)
            zr = np.where(alive, zr2 - zi2 + cr2, zr)

    def make(case, d):
        w = case["workload"]
        if w == "copy":
            return lambda: np.copyto(d["z"], d["x"])
        if w == "chain":
            return lambda: np.add(np.sin(d["x"]) * np.exp(d["x"]), np.log(d["x"] + f32(1)), out=d["z"])
        if w == "dot":
            return lambda: np.dot(d["x"], d["y"])  # BLAS sdot: NumPy's fused map + reduce
        if w == "saxpy":
            return lambda: np.add(f32(d["a"]) * d["x"], d["y"], out=d["z"])
        if w == "rolling_mean":
            return lambda: rolling_mean(d["x"], d["z"], d["window"])
        if w == "cumsum":
            return lambda: np.cumsum(d["y"] - f32(0.5), out=d["z"])
        if w in ("column_sums", "wide_column_sums"):
            return lambda: d["x"].sum(axis=0)
        if w == "column_norms":
            return lambda: np.linalg.norm(d["x"], axis=0)
        if w == "class_map":
            return lambda: d["x"].argmax(axis=0)
        if w == "ndvi":
            return lambda: ndvi(d["red"], d["nir"], d["out"], d["nodata"])
        if w == "heat":
            return lambda: heat(d["t"], d["out"], d["alpha"])
        if w == "softmax":
            return lambda: softmax(d["x"], d["out"])
        if w == "mandelbrot":
            return lambda: mandelbrot(d["cr"], d["ci"], d["out"], d["max_iter"])
        return None

    return make, np.__version__


def load_numba(threads):
    import numba
    import numpy as np
    from numba import njit, prange
    if threads:
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    f32 = np.float32

    @njit(parallel=True)
    def chain(x, z):
        for i in prange(x.size):
            z[i] = np.sin(x[i]) * np.exp(x[i]) + np.log(x[i] + f32(1))

    @njit(parallel=True)
    def dot(x, y):
        s = f32(0)
        for i in prange(x.size):
            s += x[i] * y[i]
        return s

    @njit(parallel=True)
    def saxpy(a, x, y, z):
        for i in prange(x.size):
            z[i] = a * x[i] + y[i]

    @njit(parallel=True)
    def rolling_mean(x, z, window, chunks):
        n = x.size
        for t in prange(chunks):  # a running sum per chunk, as the OpenMP baseline
            b, e = n * t // chunks, n * (t + 1) // chunks
            s = 0.0
            for i in range(max(0, b - window), b):
                s += x[i]
            for i in range(b, e):
                s += x[i]
                if i >= window:
                    s -= x[i - window]
                z[i] = s / window if i + 1 >= window else np.nan

    @njit(parallel=True)
    def ndvi(red, nir, out, nodata):
        for i in prange(red.size):
            r, v = f32(red[i]), f32(nir[i])
            ok = red[i] != nodata and nir[i] != nodata and r + v > 0
            out[i] = (v - r) / (v + r) if ok else np.nan

    @njit(parallel=True)
    def heat(t, out, alpha):
        rows, cols = t.shape
        for i in prange(rows):
            for j in range(cols):
                u = t[i - 1, j] if i > 0 else f32(0)
                d = t[i + 1, j] if i + 1 < rows else f32(0)
                left = t[i, j - 1] if j > 0 else f32(0)
                right = t[i, j + 1] if j + 1 < cols else f32(0)
                out[i, j] = t[i, j] + alpha * (u + d + left + right - f32(4) * t[i, j])

    @njit(parallel=True)
    def softmax(x, out):
        rows, cols = x.shape
        for r in prange(rows):
            m = x[r, 0]
            for c in range(cols):
                m = max(m, x[r, c])
            s = f32(0)
            for c in range(cols):
                out[r, c] = np.exp(x[r, c] - m)
                s += out[r, c]
            for c in range(cols):
                out[r, c] /= s

    @njit(parallel=True)
    def mandelbrot(cr, ci, out, max_iter):
        rows, cols = out.shape
        for i in prange(rows):
            for j in range(cols):
                zr, zi, k = f32(0), f32(0), 0
                while k < max_iter and zr * zr + zi * zi < 4:
                    zr, zi = zr * zr - zi * zi + cr[j], f32(2) * zr * zi + ci[i]
                    k += 1
                out[i, j] = k

    chunks = max(1, threads)

    def make(case, d):
        w = case["workload"]
        if w == "chain":
            return lambda: chain(d["x"], d["z"])
        if w == "dot":
            return lambda: dot(d["x"], d["y"])
        if w == "saxpy":
            return lambda: saxpy(f32(d["a"]), d["x"], d["y"], d["z"])
        if w == "rolling_mean":
            return lambda: rolling_mean(d["x"], d["z"], d["window"], chunks)
        if w == "ndvi":
            red, nir, out = d["red"].ravel(), d["nir"].ravel(), d["out"].reshape(-1)
            return lambda: ndvi(red, nir, out, np.uint16(d["nodata"]))
        if w == "heat":
            return lambda: heat(d["t"], d["out"], d["alpha"])
        if w == "softmax":
            return lambda: softmax(d["x"], d["out"])
        if w == "mandelbrot":
            return lambda: mandelbrot(d["cr"], d["ci"], d["out"], d["max_iter"])
        return None

    return make, numba.__version__


def load_numexpr(threads):
    import numexpr as ne
    import numpy as np
    if threads:
        ne.set_num_threads(threads)
    f32 = np.float32

    def make(case, d):
        w = case["workload"]
        if w == "chain":
            return lambda: ne.evaluate("sin(x)*exp(x)+log(x+1)", local_dict={"x": d["x"]}, out=d["z"])
        if w == "dot":
            return lambda: ne.evaluate("sum(x*y)", local_dict={"x": d["x"], "y": d["y"]})
        if w == "saxpy":
            return lambda: ne.evaluate("a*x+y", local_dict={"a": f32(d["a"]), "x": d["x"], "y": d["y"]}, out=d["z"])
        if w == "ndvi":
            # numexpr has no uint16: the bands are converted first (two extra passes).
            def ndvi():
                rf, nf = d["red"].astype(f32), d["nir"].astype(f32)
                return ne.evaluate("where((rf != nodata) & (nf != nodata) & (rf + nf > 0), (nf - rf) / (nf + rf), nan)",
                                   local_dict={"rf": rf, "nf": nf, "nodata": f32(d["nodata"]), "nan": f32(np.nan)},
                                   out=d["out"])
            return ndvi
        if w == "heat":
            def heat():
                t = d["t"]
                p = np.pad(t, 1)
                return ne.evaluate("t + alpha*(u + dn + l + r - 4*t)",
                                   local_dict={"t": t, "alpha": d["alpha"], "u": p[:-2, 1:-1], "dn": p[2:, 1:-1],
                                               "l": p[1:-1, :-2], "r": p[1:-1, 2:]}, out=d["out"])
            return heat
        return None  # no axis reductions, scans or loops in numexpr

    return make, ne.__version__


def load_jax(platform="cpu"):
    """JAX on `platform` ("cpu", or "cuda" from gpu_peers.py); ImportError where it has none."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    jax.config.update("jax_platforms", platform)
    try:
        device = jax.devices()[0]
    except RuntimeError as e:
        raise ImportError(f"jax has no {platform} backend ({e})", name=f"jax[{platform}]") from e

    def rolling_mean(x, window):
        s = jax.lax.reduce_window(x, 0.0, jax.lax.add, (window,), (1,), "VALID") / window
        return jnp.concatenate([jnp.full((window - 1,), jnp.nan, x.dtype), s])

    def ndvi(red, nir, nodata):
        rf, nf = red.astype(jnp.float32), nir.astype(jnp.float32)
        valid = (red != nodata) & (nir != nodata) & (rf + nf > 0)
        return jnp.where(valid, (nf - rf) / (nf + rf), jnp.nan)

    def heat(t, alpha):
        p = jnp.pad(t, 1)
        return t + alpha * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * t)

    def mandelbrot(cr, ci, max_iter):
        shape = (ci.size, cr.size)
        c_r, c_i = jnp.broadcast_to(cr[None, :], shape), jnp.broadcast_to(ci[:, None], shape)

        def step(_, s):
            zr, zi, k = s
            alive = zr * zr + zi * zi < 4
            return (jnp.where(alive, zr * zr - zi * zi + c_r, zr), jnp.where(alive, 2 * zr * zi + c_i, zi),
                    k + alive.astype(jnp.int32))
        zero = jnp.zeros(shape, jnp.float32)
        return jax.lax.fori_loop(0, max_iter, step, (zero, zero, jnp.zeros(shape, jnp.int32)))[2]

    functions = {
        "chain": (jax.jit(lambda x: jnp.sin(x) * jnp.exp(x) + jnp.log(x + 1)), ("x",)),
        "dot": (jax.jit(lambda x, y: jnp.sum(x * y)), ("x", "y")),
        "saxpy": (jax.jit(lambda x, y: 2.5 * x + y), ("x", "y")),
        "rolling_mean": (jax.jit(rolling_mean, static_argnums=1), ("x", "window")),
        "cumsum": (jax.jit(lambda y: jnp.cumsum(y - 0.5)), ("y",)),
        "column_sums": (jax.jit(lambda x: jnp.sum(x, axis=0)), ("x",)),
        "wide_column_sums": (jax.jit(lambda x: jnp.sum(x, axis=0)), ("x",)),
        "column_norms": (jax.jit(lambda x: jnp.linalg.norm(x, axis=0)), ("x",)),
        "class_map": (jax.jit(lambda x: jnp.argmax(x, axis=0)), ("x",)),
        "ndvi": (jax.jit(ndvi, static_argnums=2), ("red", "nir", "nodata")),
        "heat": (jax.jit(heat), ("t", "alpha")),
        "softmax": (jax.jit(lambda x: jax.nn.softmax(x, axis=1)), ("x",)),
        "mandelbrot": (jax.jit(mandelbrot, static_argnums=2), ("cr", "ci", "max_iter")),
    }

    def make(case, d):
        if case["workload"] not in functions:
            return None
        fn, names = functions[case["workload"]]
        args = [jax.device_put(d[k], device) if isinstance(d[k], np.ndarray) else d[k] for k in names]
        return (lambda: fn(*args)), (lambda r: r.block_until_ready())

    return make, jax.__version__


def main():
    args, spec = common.parse_args(__doc__)
    threads = spec.get("threads", 0)
    collector = common.Collector(spec)
    peers = [("numpy", load_numpy), ("numba-parallel", lambda: load_numba(threads)),
             ("numexpr", lambda: load_numexpr(threads)), ("jax-jit", load_jax)]
    wanted = set(args.only.split(",")) if args.only else None
    if importlib.util.find_spec("numpy") is None:
        collector.notes.append("numpy not installed: no peers (pip install --user -r bench/peers/requirements.txt)")
        collector.write(args.out)
        return 0
    collector.versions["python"] = sys.version.split()[0]
    common.run(spec, peers, collector, wanted)
    collector.write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
