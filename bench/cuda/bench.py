"""Times sparsa's CUDA kernels against FlexAttention (torch.compile'd
flex_attention with create_block_mask on the same mask) and dense SDPA on
the same inputs, and prints effective TFLOP/s = 4 * D * nnz * B * H / time
(nnz: allowed (q, k) pairs, counted exactly) for both and the ratio.

  python3 bench/cuda/bench.py --lib libsparsa_cuda.so --n 16384 --b 2 \
      --h 16 --d 128 [--patterns causal,strided_128]
"""

import argparse
import datetime
import json
import os
import statistics
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import masks  # noqa: E402
import sparsa_cuda  # noqa: E402


def count_allowed(node, n, chunk=2048):
    x = masks.Ctx(n, n)
    k = torch.arange(n, device="cuda").view(1, n)
    total = 0
    for r0 in range(0, n, chunk):
        q = torch.arange(r0, min(n, r0 + chunk), device="cuda").view(-1, 1)
        total += int(node[1](x, torch.zeros((), dtype=torch.int64,
                                            device="cuda"), q, k).sum())
    return total


def time_ms(fn, warmup=3, reps=15):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        s, e = torch.cuda.Event(True), torch.cuda.Event(True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e))
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    p.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out"))
    p.add_argument("--n", type=int, default=16384)
    p.add_argument("--b", type=int, default=2)
    p.add_argument("--h", type=int, default=16)
    p.add_argument("--d", type=int, default=128)
    p.add_argument("--patterns", default=",".join(masks.BENCH))
    p.add_argument("--no-flex", action="store_true")
    p.add_argument("--variants", default="",
                   help="kernel name suffixes to time (best one reported)")
    p.add_argument("--json", default="")
    a = p.parse_args()
    from torch.nn.attention.flex_attention import (create_block_mask,
                                                   flex_attention)
    torch._dynamo.config.cache_size_limit = 256
    flex = torch.compile(flex_attention, dynamic=False)
    rt = sparsa_cuda.Runtime(a.lib)
    B, H, N, D = a.b, a.h, a.n, a.d
    g = torch.Generator(device="cuda")
    g.manual_seed(0)
    q = torch.randn(B, H, N, D, device="cuda", generator=g).bfloat16()
    k = torch.randn(B, H, N, D, device="cuda", generator=g).bfloat16()
    v = torch.randn(B, H, N, D, device="cuda", generator=g).bfloat16()
    o = torch.empty_like(q)
    dense_ms = time_ms(lambda: F.scaled_dot_product_attention(q, k, v))
    dense_tf = 4 * D * N * N * B * H / dense_ms / 1e9
    print(f"# {datetime.date.today()} {torch.cuda.get_device_name()} "
          f"B={B} H={H} N={N} D={D} bf16; SDPA dense {dense_ms:.3f} ms "
          f"= {dense_tf:.0f} TFLOP/s", flush=True)
    print("| pattern | density | sparsa ms | sparsa TFLOP/s | flex ms | "
          "flex TFLOP/s | sparsa/flex | max rel diff vs flex |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    rows = []
    for pat in a.patterns.split(","):
        node = masks.BENCH[pat]
        nnz = count_allowed(node, N)
        flops = 4 * D * nnz * B * H
        variants = {}
        default = ",_bq64,_r16,_bq64_r16" if D <= 64 else ",_bq64,_r32,_bq64_r32"
        for suffix in (a.variants or default).split(","):
            cand = sparsa_cuda.Attention(
                rt, os.path.join(a.out, f"bench_{pat}_d{D}{suffix}.so"))
            variants[suffix or "_bq128"] = (
                time_ms(lambda: cand(q, k, v, o)), cand)
        best = min(variants, key=lambda s: variants[s][0])
        ms, att = variants[best]
        row = {"pattern": pat, "density": nnz / N / N, "sparsa_ms": ms,
               "sparsa_tflops": flops / ms / 1e9, "variant": best,
               "variants_ms": {s: t for s, (t, _) in variants.items()}}
        fl_ms = float("nan")
        diff = float("nan")
        if not a.no_flex:
            ctx = masks.Ctx(N, N)
            z = torch.zeros((), dtype=torch.int64, device="cuda")
            node[1](ctx, z, z, z)  # build lookup tables outside tracing

            def mask_mod(b, h, qi, ki):
                return node[1](ctx, h, qi, ki)
            bm = create_block_mask(mask_mod, None, None, N, N, device="cuda")
            fo = flex(q, k, v, block_mask=bm)
            fl_ms = time_ms(lambda: flex(q, k, v, block_mask=bm))
            att(q, k, v, o)
            torch.cuda.synchronize()
            diff = ((o.float() - fo.float()).norm() /
                    fo.float().norm()).item()
        row.update({"flex_ms": fl_ms, "flex_tflops": flops / fl_ms / 1e9,
                    "ratio": fl_ms / ms, "rel_diff": diff})
        rows.append(row)
        print(f"| {pat} | {row['density']:.4f} | {ms:.3f} ({best[1:]}) | "
              f"{row['sparsa_tflops']:.1f} | {fl_ms:.3f} | "
              f"{row['flex_tflops']:.1f} | {row['ratio']:.2f}x | "
              f"{diff:.1e} |", flush=True)
    if a.json:
        json.dump({"B": B, "H": H, "N": N, "D": D,
                   "device": torch.cuda.get_device_name(),
                   "date": str(datetime.date.today()),
                   "sdpa_dense_ms": dense_ms, "sdpa_dense_tflops": dense_tf,
                   "rows": rows}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
