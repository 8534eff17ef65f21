#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Times jitfuse-bench's workloads on an NVIDIA GPU in JAX (jit), CuPy (cupy.fuse and
ElementwiseKernel) and PyTorch (torch.compile), writing the JSON of common.py with
"device": "cuda"; merge it with `jitfuse-bench --merge FILE`. Inputs are copied to the GPU
before timing; every timed call is followed by a device synchronisation. Without a GPU (or
without these packages) it writes no cases and says why, exit status 0:

    pip install --user -r bench/peers/requirements-gpu.txt
    python3 bench/peers/gpu_peers.py --spec bench/results/<a jitfuse-bench JSON> --out gpu-peers.json
"""
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import cpu_peers  # noqa: E402


def load_cupy():
    import cupy as cp
    if cp.cuda.runtime.getDeviceCount() == 0:
        raise ImportError("no CUDA device", name="cupy (GPU)")
    f32 = cp.float32

    @cp.fuse()
    def chain(x):
        return cp.sin(x) * cp.exp(x) + cp.log(x + 1)

    @cp.fuse()
    def dot(x, y):
        return cp.sum(x * y)

    @cp.fuse()
    def ndvi(red, nir, nodata):
        rf, nf = red.astype(f32), nir.astype(f32)
        valid = (red != nodata) & (nir != nodata) & (rf + nf > 0)
        return cp.where(valid, (nf - rf) / (nf + rf), f32(float("nan")))

    saxpy = cp.ElementwiseKernel("float32 a, float32 x, float32 y", "float32 z", "z = a * x + y", "jf_saxpy")
    # One thread per cell, neighbours read from the raw grid; 0 outside.
    heat = cp.ElementwiseKernel(
        "raw float32 t, int64 rows, int64 cols, float32 alpha", "float32 out",
        """const long long r = i / cols, c = i % cols;
           const float u = r > 0 ? t[i - cols] : 0.f, d = r + 1 < rows ? t[i + cols] : 0.f;
           const float l = c > 0 ? t[i - 1] : 0.f, rt = c + 1 < cols ? t[i + 1] : 0.f;
           out = t[i] + alpha * (u + d + l + rt - 4.f * t[i]);""", "jf_heat")
    mandelbrot = cp.ElementwiseKernel(
        "float32 cr, float32 ci, int32 max_iter", "int32 k",
        """float zr = 0.f, zi = 0.f; k = 0;
           while (k < max_iter && zr * zr + zi * zi < 4.f) {
               const float t = zr * zr - zi * zi + cr; zi = 2.f * zr * zi + ci; zr = t; ++k;
           }""", "jf_mandelbrot")

    def rolling_mean(x, window):
        c = cp.cumsum(x, dtype=cp.float64)
        out = cp.full(x.shape, cp.nan, f32)
        out[window - 1] = c[window - 1] / window
        out[window:] = (c[window:] - c[:-window]) / window
        return out

    def softmax(x):
        e = cp.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def make(case, d):
        w = case["workload"]
        g = {k: cp.asarray(v) if hasattr(v, "shape") and v.shape else v for k, v in d.items()}
        fns = {
            "copy": lambda: cp.copyto(g["z"], g["x"]) or g["z"],
            "chain": lambda: chain(g["x"]),
            "dot": lambda: dot(g["x"], g["y"]),
            "saxpy": lambda: saxpy(f32(g["a"]), g["x"], g["y"], g["z"]),
            "rolling_mean": lambda: rolling_mean(g["x"], g["window"]),
            "cumsum": lambda: cp.cumsum(g["y"] - f32(0.5)),
            "column_sums": lambda: g["x"].sum(axis=0),
            "wide_column_sums": lambda: g["x"].sum(axis=0),
            "column_norms": lambda: cp.linalg.norm(g["x"], axis=0),
            "class_map": lambda: g["x"].argmax(axis=0),
            "ndvi": lambda: ndvi(g["red"], g["nir"], cp.uint16(g["nodata"])),
            "heat": lambda: heat(g["t"], g["t"].shape[0], g["t"].shape[1], f32(g["alpha"]), g["out"]),
            "softmax": lambda: softmax(g["x"]),
            "mandelbrot": lambda: mandelbrot(g["cr"][None, :], g["ci"][:, None], g["max_iter"], g["out"]),
        }
        if w not in fns:
            return None
        return fns[w], lambda r: cp.cuda.Device().synchronize(), cp.asnumpy

    return make, cp.__version__


def load_torch():
    import torch
    import torch.nn.functional as F
    if not torch.cuda.is_available():
        raise ImportError("torch sees no CUDA device", name="torch (GPU)")
    dev = torch.device("cuda")

    def ndvi(red, nir, nodata: int):
        rf, nf = red.float(), nir.float()
        valid = (red != nodata) & (nir != nodata) & (rf + nf > 0)
        return torch.where(valid, (nf - rf) / (nf + rf), torch.nan)

    def heat(t, alpha: float):
        p = F.pad(t, (1, 1, 1, 1))
        return t + alpha * (p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4 * t)

    def rolling_mean(x, window: int):
        s = F.avg_pool1d(x[None, None], window, stride=1)[0, 0]
        return torch.cat([torch.full((window - 1,), torch.nan, device=x.device), s])

    def mandelbrot_step(zr, zi, k, cr, ci):
        alive = zr * zr + zi * zi < 4
        return (torch.where(alive, zr * zr - zi * zi + cr, zr), torch.where(alive, 2 * zr * zi + ci, zi),
                k + alive.int())

    compiled = {name: torch.compile(fn) for name, fn in {
        "chain": lambda x: torch.sin(x) * torch.exp(x) + torch.log(x + 1),
        "dot": lambda x, y: (x * y).sum(),
        "saxpy": lambda x, y: 2.5 * x + y,
        "rolling_mean": rolling_mean, "ndvi": ndvi, "heat": heat,
        "cumsum": lambda y: torch.cumsum(y - 0.5, 0),
        "column_sums": lambda x: x.sum(0),
        "column_norms": lambda x: torch.linalg.vector_norm(x, dim=0),
        "class_map": lambda x: x.argmax(0),
        "softmax": lambda x: torch.softmax(x, dim=1),
        "mandelbrot_step": mandelbrot_step,
    }.items()}

    def mandelbrot(cr, ci, max_iter):
        # A compiled, fused step; the 200-step loop stays in Python (unrolled it compiles for minutes).
        shape = (ci.numel(), cr.numel())
        c_r, c_i = cr[None, :].expand(shape), ci[:, None].expand(shape)
        zr = torch.zeros(shape, device=dev)
        zi, k = torch.zeros_like(zr), torch.zeros(shape, dtype=torch.int32, device=dev)
        for _ in range(max_iter):
            zr, zi, k = compiled["mandelbrot_step"](zr, zi, k, c_r, c_i)
        return k

    def bands(d):
        try:  # uint16 tensors exist since torch 2.3 with few ops; int32 copies where they fail
            red, nir = torch.from_numpy(d["red"]).to(dev), torch.from_numpy(d["nir"]).to(dev)
            ndvi(red[:1], nir[:1], int(d["nodata"]))
            return red, nir
        except (TypeError, RuntimeError):
            return (torch.from_numpy(d["red"].astype("int32")).to(dev),
                    torch.from_numpy(d["nir"].astype("int32")).to(dev))

    def make(case, d):
        w = case["workload"]
        t = {k: torch.from_numpy(v).to(dev) for k, v in d.items()
             if hasattr(v, "shape") and v.shape and v.dtype.kind == "f"}
        fns = {
            "copy": lambda: t["z"].copy_(t["x"]),
            "chain": lambda: compiled["chain"](t["x"]),
            "dot": lambda: compiled["dot"](t["x"], t["y"]),
            "saxpy": lambda: compiled["saxpy"](t["x"], t["y"]),
            "rolling_mean": lambda: compiled["rolling_mean"](t["x"], d["window"]),
            "cumsum": lambda: compiled["cumsum"](t["y"]),
            "column_sums": lambda: compiled["column_sums"](t["x"]),
            "wide_column_sums": lambda: compiled["column_sums"](t["x"]),
            "column_norms": lambda: compiled["column_norms"](t["x"]),
            "class_map": lambda: compiled["class_map"](t["x"]),
            "heat": lambda: compiled["heat"](t["t"], float(d["alpha"])),
            "softmax": lambda: compiled["softmax"](t["x"]),
            "mandelbrot": lambda: mandelbrot(t["cr"], t["ci"], d["max_iter"]),
        }
        if w == "ndvi":
            red, nir = bands(d)
            fns["ndvi"] = lambda: compiled["ndvi"](red, nir, int(d["nodata"]))
        if w not in fns:
            return None
        return fns[w], lambda r: torch.cuda.synchronize(), lambda r: r.cpu().numpy()

    return make, torch.__version__


def gpu_name():
    try:
        import subprocess
        return subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=30).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    args, spec = common.parse_args(__doc__)
    collector = common.Collector(spec, device="cuda")
    if importlib.util.find_spec("numpy") is None:
        collector.notes.append("numpy not installed: no GPU peers")
        collector.write(args.out)
        return 0
    collector.versions["python"] = sys.version.split()[0]
    collector.versions["gpu"] = gpu_name()
    if collector.versions["gpu"] is None:
        collector.notes.append("no NVIDIA GPU found (nvidia-smi): GPU peers skipped")
        collector.write(args.out)
        return 0
    peers = [("jax-jit", lambda: cpu_peers.load_jax("cuda")), ("cupy", load_cupy), ("torch-compile", load_torch)]
    wanted = set(args.only.split(",")) if args.only else None
    common.run(spec, peers, collector, wanted)
    collector.write(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
