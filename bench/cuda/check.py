"""Correctness of sparsa's CUDA kernels against a float64 reference.

For every compiled pattern of out/manifest.json and several shapes (odd
lengths, GQA, strided Q, with and without LSE): fresh random inputs, O and
LSE poisoned with NaN, the kernel run through the driver-API runtime, and
the result compared with softmax attention in float64 on upcast inputs
under the mask evaluated by masks.py (the pattern language's definition,
independent of the compiler). Passes when ||O - ref|| / ||ref|| <= 8e-3
(bf16; 4e-3 for f16), no element is NaN, and the LSE matches.

  python3 bench/cuda/check.py --lib libsparsa_runtime.so [--out DIR]
"""

import argparse
import json
import os
import random
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import masks  # noqa: E402
import sparsa_cuda  # noqa: E402


def node_of(entry):
    if entry["kind"] == "bench":
        return masks.BENCH[entry["key"]]
    if entry["kind"] == "example":
        return masks.EXAMPLES[entry["key"]][0]
    node = masks.random_pattern(random.Random(entry["seed"]))
    assert masks.spec_text(node) == entry["spec"], "random pattern drift"
    return node


def reference(q, k, v, mask, scale):
    group = q.shape[1] // k.shape[1]
    q64 = q.double()
    k64 = k.double().repeat_interleave(group, dim=1)
    v64 = v.double().repeat_interleave(group, dim=1)
    s = torch.einsum("bhqd,bhkd->bhqk", q64, k64) * scale
    s = s.masked_fill(~mask.unsqueeze(0), float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    p = torch.exp(s - lse.unsqueeze(-1)).nan_to_num(0.0)
    return torch.einsum("bhqk,bhkd->bhqd", p, v64), lse


def run_check(att, entry, node, b, h, hkv, n, strided_q, with_lse, gen):
    d = entry["head_dim"]
    dtype = torch.bfloat16 if entry["dtype"] == "bf16" else torch.float16
    dev = "cuda"
    if strided_q:  # [B, N, H, D] storage seen as [B, H, N, D]
        q = torch.randn(b, n, h, d, device=dev, generator=gen).to(dtype)
        q = q.transpose(1, 2)
    else:
        q = torch.randn(b, h, n, d, device=dev, generator=gen).to(dtype)
    k = torch.randn(b, hkv, n, d, device=dev, generator=gen).to(dtype)
    v = torch.randn(b, hkv, n, d, device=dev, generator=gen).to(dtype)
    o = torch.full((b, h, n, d), float("nan"), device=dev, dtype=dtype)
    lse = (torch.full((b, h, n), float("nan"), device=dev)
           if with_lse else None)
    params = [entry["params"][name] for name in entry["params"]]
    scale = d ** -0.5
    att(q, k, v, o, lse, scale, params)
    torch.cuda.synchronize()
    mask = masks.dense_mask(node, h, n, n, entry["params"])
    ref, ref_lse = reference(q, k, v, mask, scale)
    if torch.isnan(o).any():
        return False, "NaN / unwritten output"
    err = ((o.double() - ref).norm() / ref.norm().clamp_min(1e-30)).item()
    tol = 8e-3 if dtype == torch.bfloat16 else 4e-3
    if ref.norm() == 0:
        err = o.double().abs().max().item()
    ok = err <= tol
    msg = f"rel_err={err:.2e}"
    if with_lse:
        if torch.isnan(lse).any():
            return False, msg + " NaN LSE"
        inf_ok = torch.equal(torch.isinf(lse), torch.isinf(ref_lse))
        fin = ~torch.isinf(ref_lse)
        lse_err = ((lse.double() - ref_lse)[fin].abs().max().item()
                   if fin.any() else 0.0)
        ok = ok and inf_ok and lse_err <= 2e-2
        msg += f" lse_err={lse_err:.1e} inf_ok={inf_ok}"
    return ok, msg


def shapes(entry):
    heads = entry["heads"]
    if entry["kind"] == "bench":
        return [(1, 2, 2, 2100, False, True), (2, 4, 2, 1000, True, False),
                (1, 2, 1, 4096 + 77, False, False),
                (1, 1, 1, 128, False, True)]
    if entry["kind"] == "example":
        h = heads or 2
        return [(1, h, h, 1, False, True), (1, h, h, 300, False, True),
                (2, h, h // 2 if h > 1 else 1, 1500, True, False)]
    return [(1, 2, 2, 129, False, True), (1, 2, 1, 700, False, False),
            (2, 2, 2, 1031, True, True)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    p.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out"))
    p.add_argument("--filter", default="")
    a = p.parse_args()
    rt = sparsa_cuda.Runtime(a.lib)
    manifest = json.load(open(os.path.join(a.out, "manifest.json")))
    gen = torch.Generator(device="cuda")
    gen.manual_seed(int(time.time()))
    passed = failed = 0
    for entry in manifest["entries"]:
        if a.filter and a.filter not in entry["name"]:
            continue
        att = sparsa_cuda.Attention(rt, os.path.join(a.out, entry["so"]))
        node = node_of(entry)
        for (b, h, hkv, n, strided_q, with_lse) in shapes(entry):
            ok, msg = run_check(att, entry, node, b, h, hkv, n, strided_q,
                                with_lse, gen)
            passed += ok
            failed += not ok
            tag = "PASS" if ok else "FAIL"
            print(f"{tag} {entry['name']} B={b} H={h} Hkv={hkv} N={n} "
                  f"stridedQ={strided_q} lse={with_lse} {msg}", flush=True)
            if not ok:
                print("     spec:", entry["spec"].strip(), flush=True)
    print(f"checks: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
