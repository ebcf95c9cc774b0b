"""The CUDA argument errors only a GPU machine can produce, through
libsparsa_runtime's C API (bench/cuda/sparsa_cuda.py): host memory passed
as device memory, a view past the end of its allocation, a cubin for
another architecture, and a run on a side stream that must equal one on
the default stream. Prints one line per case and "errors: N passed, M
failed".
  python3 bench/cuda/check_errors.py --lib libsparsa_runtime.so [--out DIR]
"""

import argparse
import os
import sys

import torch

import sparsa_cuda


def expect_error(name, fn, part):
    try:
        fn()
    except RuntimeError as e:
        ok = part in str(e)
        print(("PASS " if ok else "FAIL ") + name + ": " + str(e))
        return ok
    print("FAIL " + name + ": no error")
    return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    p.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "out"))
    a = p.parse_args()
    rt = sparsa_cuda.Runtime(a.lib)
    att = sparsa_cuda.Attention(rt, os.path.join(a.out, "example_causal_d128.so"))
    dev = "cuda"
    q, k, v = (torch.randn(1, 2, 512, 128, device=dev, dtype=torch.bfloat16)
               for _ in range(3))
    o = torch.empty_like(q)
    results = []
    # A host tensor presented as device memory.
    host = torch.randn(1, 2, 512, 128, dtype=torch.bfloat16)
    T = sparsa_cuda.Tensor
    orig = T.of

    def as_cuda(t):
        x = orig(t)
        x.device = sparsa_cuda.DEVICE_CUDA
        return x

    T.of = staticmethod(as_cuda)
    results.append(expect_error("host q", lambda: att(host, k, v, o),
                                "q is not CUDA device memory"))
    pinned = host.pin_memory()
    results.append(expect_error("pinned q", lambda: att(pinned, k, v, o),
                                "q is page-locked host memory"))
    T.of = staticmethod(orig)
    # K and V views whose shape reaches far past their allocation.
    big = torch.empty(32 << 20, device=dev, dtype=torch.bfloat16)
    torch.cuda.synchronize()

    def past_end():
        x = orig(big)
        x.rank = 4
        for i, (s, st) in enumerate(zip((1, 2, 1 << 20, 128),
                                        (2 << 27, 1 << 27, 128, 1))):
            x.shape[i], x.strides[i] = s, st
        import ctypes
        tq, to = orig(q), orig(o)
        rc = rt.lib.sparsa_kernel_run_on_stream(
            att.handle, ctypes.byref(tq), ctypes.byref(x), ctypes.byref(x),
            ctypes.byref(to), None, None, None, 0, 0.0, 0, None)
        if rc:
            raise RuntimeError(rt.error())
    results.append(expect_error("past the end", past_end,
                                "k reaches past the end of its device "
                                "allocation"))
    # A cubin for another architecture.
    other = sparsa_cuda.Attention(rt, os.path.join(a.out, "arch_sm80.so"))
    results.append(expect_error(
        "sm_80 cubin", lambda: other(q[..., :64].contiguous(),
                                     k[..., :64].contiguous(),
                                     v[..., :64].contiguous(),
                                     torch.empty_like(q[..., :64]).contiguous()),
        "was compiled for sm_80 (cubin)"))
    # A side stream gives the same result as the default stream.
    att(q, k, v, o)
    torch.cuda.synchronize()
    o2 = torch.full_like(o, float("nan"))
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        att(q, k, v, o2)
    s.synchronize()
    same = torch.equal(o, o2)
    print(("PASS" if same else "FAIL") + " side stream equals default stream")
    results.append(same)
    print(f"errors: {sum(results)} passed, {len(results) - sum(results)} "
          "failed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
