"""Compiles every pattern the CUDA checks and benchmarks use into
bench/cuda/out (the folder carried to the GPU machine): for each, the
.sparsa spec, its mask IR (sparsac --emit=mlir) and the kernel library
libsparsa_runtime loads (sparsac --target=cuda --emit=so -o NAME.so), plus
manifest.json.

  python3 bench/cuda/build_kernels.py --sparsac PATH [--random N]
          [--only bench]
"""

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import torch  # noqa: F401
except ImportError:  # masks.py needs torch only to evaluate patterns
    import types
    sys.modules["torch"] = types.ModuleType("torch")
import masks  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def compile_one(a, out, name, spec, head_dim, dtype="bf16", block_q=0,
                rows=0):
    base = os.path.join(out, name)
    with open(base + ".sparsa", "w") as f:
        f.write(spec)
    mlir = subprocess.run([a.sparsac, base + ".sparsa", "--emit=mlir"],
                          capture_output=True, text=True)
    if mlir.returncode != 0:
        return "sparsac: " + mlir.stderr.strip()[:300]
    with open(base + ".mlir", "w") as f:
        f.write(mlir.stdout)
    cmd = [a.sparsac, base + ".sparsa", "--target=cuda", "--emit=so",
           f"--head-dim={head_dim}", f"--dtype={dtype}", "-o", base + ".so"]
    if block_q:  # the key tile stays the policy's 64
        cmd.append(f"--block={block_q},64")
    if rows:
        cmd.append(f"--rows-per-warp={rows}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return "sparsac --target=cuda: " + r.stderr.strip()[:600]
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sparsac", required=True)
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    p.add_argument("--random", type=int, default=40)
    p.add_argument("--only", default="",
                   help="compile only the entries whose name contains this")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    entries, failures = [], []

    def add(kind, name, node, head_dim, dtype="bf16", params=None,
            runtime=(), heads=None, seed=None, kind_key=None, block_q=0,
            rows=0):
        if a.only and a.only not in name:
            return
        spec = masks.spec_text(node, runtime)
        err = compile_one(a, a.out, name, spec, head_dim, dtype, block_q,
                          rows)
        if err:
            failures.append({"name": name, "spec": spec, "error": err})
            print("FAILED", name, err, file=sys.stderr)
            return
        entries.append({"kind": kind, "name": name, "key": kind_key,
                        "head_dim": head_dim, "dtype": dtype,
                        "params": params or {}, "heads": heads,
                        "seed": seed, "spec": spec,
                        "so": name + ".so"})

    for pat, node in masks.BENCH.items():
        for d in (128, 64):
            add("bench", f"bench_{pat}_d{d}", node, d, kind_key=pat)
            # Tile variants the benchmark picks the fastest of.
            for bq, r in ((64, 0), (128, 16 if d <= 64 else 32),
                          (64, 16 if d <= 64 else 32)):
                suffix = ("_bq64" if bq == 64 else "") + (f"_r{r}" if r else "")
                add("bench", f"bench_{pat}_d{d}{suffix}", node, d,
                    kind_key=pat, block_q=bq, rows=r)
    for pat, (node, params, heads) in masks.EXAMPLES.items():
        runtime = list(params)
        add("example", f"example_{pat}_d128", node, 128, params=params,
            runtime=runtime, heads=heads, kind_key=pat)
        if pat in ("causal", "strided", "prefix_lm", "bigbird"):
            add("example", f"example_{pat}_d64_f16", node, 64, "f16",
                params=params, runtime=runtime, heads=heads,
                kind_key=pat)
    for i in range(a.random):
        node = masks.random_pattern(random.Random(1000 + i))
        add("random", f"random_{i}", node, 64 if i % 2 else 128,
            seed=1000 + i, kind_key=f"random{i}")
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump({"entries": entries, "failures": failures}, f, indent=1)
    print(f"{len(entries)} compiled, {len(failures)} failed")


if __name__ == "__main__":
    main()
