#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Draws a jitfuse-bench JSON file (jitfuse-bench --json FILE [--plot] runs this):

    FILE-sweep.png   GB/s against size per variant, one panel per swept workload
    FILE-ratios.png  each variant's time / jitfuse's time per workload (log scale)

next to FILE; exit status 3 when matplotlib is missing. `plot.py FILE --markdown` prints the
suite as the README's table instead (no matplotlib needed)."""
import json
import math
import os
import sys


def by_variant(cases):
    out = {}
    for c in cases:
        out.setdefault(c["variant"], []).append(c)
    return out


def colours(plt, doc):
    """One colour per variant, the same in both plots."""
    names = list(dict.fromkeys(c["variant"] for c in doc["cases"] if c["workload"] != "copy"))
    palette = plt.get_cmap("tab10").colors + plt.get_cmap("Dark2").colors
    return {v: palette[i % len(palette)] for i, v in enumerate(names)}


def sweep_plot(plt, doc, path):
    cases = [c for c in doc["cases"] if c["section"] == "sweep" and c.get("gbps")]
    workloads = list(dict.fromkeys(c["workload"] for c in cases))
    if not workloads:
        return None
    fig, axes = plt.subplots(1, len(workloads), figsize=(6.5 * len(workloads), 4.8), squeeze=False)
    for ax, w in zip(axes[0], workloads):
        for variant, rows in by_variant([c for c in cases if c["workload"] == w]).items():
            rows.sort(key=lambda c: c["n"])
            style = "-" if rows[0].get("kind") != "peer" else "--"
            width = 2.4 if variant == "jitfuse" else 1.3
            ax.plot([c["n"] for c in rows], [c["gbps"] for c in rows], style, marker="o", ms=3, lw=width, label=variant,
                    color=colours(plt, doc)[variant])
        if doc.get("copy_gbps"):
            ax.axhline(doc["copy_gbps"], color="grey", ls=":", lw=1, label=f"copy at suite size ({doc['copy_gbps']:.0f} GB/s)")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("elements (float32)")
        ax.set_ylabel("GB/s (bytes one pass must move)")
        ax.set_title(w)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{doc.get('cpu_model') or doc.get('device')}, {doc.get('threads', '?')} threads, {doc.get('date', '')}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def ratio_plot(plt, doc, path):
    cases = [c for c in doc["cases"] if c["section"] == "suite" and c.get("time_vs_jitfuse") and c["variant"] != "jitfuse"
             and c["workload"] != "copy"]
    workloads = list(dict.fromkeys(c["workload"] for c in cases))
    variants = list(dict.fromkeys(c["variant"] for c in cases))
    if not workloads:
        return None
    fig, ax = plt.subplots(figsize=(max(8, 1.4 * len(workloads)), 5))
    width = 0.8 / len(variants)
    for k, v in enumerate(variants):
        xs, ys = [], []
        for i, w in enumerate(workloads):
            for c in cases:
                if c["workload"] == w and c["variant"] == v:
                    xs.append(i + (k - (len(variants) - 1) / 2) * width)
                    ys.append(c["time_vs_jitfuse"])
        ax.bar(xs, ys, width, label=v, color=colours(plt, doc)[v])
    ax.axhline(1, color="black", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(range(len(workloads)), workloads)
    ax.set_ylabel("time / jitfuse's time (above 1: jitfuse faster)")
    top = max(c["time_vs_jitfuse"] for c in cases)
    ax.set_ylim(min(0.1, min(c["time_vs_jitfuse"] for c in cases) / 1.5), 10 ** math.ceil(math.log10(top * 1.5)))
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    ax.set_title(f"{doc.get('mode', '')} suite, {doc.get('cpu_model') or doc.get('device')}, {doc.get('date', '')}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def markdown(doc):
    """One row per workload: jitfuse's time, GB/s and share of the copy, then every other
    variant's time as a multiple of jitfuse's (above 1: jitfuse faster)."""
    copies = [c for c in doc["cases"] if c["section"] == "suite" and c["workload"] == "copy" and c.get("gbps")]
    cases = [c for c in doc["cases"] if c["section"] == "suite" and c["workload"] != "copy"]
    workloads = list(dict.fromkeys(c["workload"] for c in cases))
    others = list(dict.fromkeys(c["variant"] for c in cases if c["variant"] != "jitfuse"))
    head = ["workload", "shape", "jitfuse ms", "GB/s", "% copy"] + others
    lines = ["copy: " + ", ".join(f"{c['variant']} {c['gbps']:.1f}" for c in copies) + " GB/s; the ceiling:"
             f" {doc.get('copy_gbps', 0):.1f} GB/s", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in workloads:
        rows = {c["variant"]: c for c in cases if c["workload"] == w}
        j = rows.get("jitfuse")
        if not j:
            continue
        cells = [w, "×".join(map(str, j["shape"])), f"{j['median_ms']:.2f}",
                 f"{j['gbps']:.1f}" if j.get("gbps") else "–",
                 f"{100 * j['fraction_of_copy']:.0f}%" if j.get("fraction_of_copy") else "–"]
        for v in others:
            c = rows.get(v)
            mark = "" if not c or c.get("check") in ("ok", "", None) else " ⚠"
            cells.append(f"{c['time_vs_jitfuse']:.2f}×{mark}" if c and c.get("time_vs_jitfuse") else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--markdown":
        with open(sys.argv[1]) as f:
            print(markdown(json.load(f)))
        return 0
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: matplotlib is not installed (python3 -m pip install --user matplotlib)", file=sys.stderr)
        return 3
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    stem = os.path.splitext(sys.argv[1])[0]
    for drawn in (sweep_plot(plt, doc, stem + "-sweep.png"), ratio_plot(plt, doc, stem + "-ratios.png")):
        if drawn:
            print(f"plot: wrote {drawn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
