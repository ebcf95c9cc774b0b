"""Loads sparsa's CUDA kernels (image + JSON metadata from
sparsac --target=cuda --emit=cubin) through lib/Runtime/CUDARuntime.cpp, a
driver-API launcher built as a shared library, and runs them on torch
tensors on the current stream."""

import ctypes
import json
import os

import torch

FIXED_ARGS = 22  # lib/Runtime/CUDAKernelABI.h: kNumFixedArgs
MAP_KINDS = {"identity": 0, "residue": 1, "summary_gather": 2,
             "member_gather": 3}


class Runtime:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        L = self.lib
        L.sparsa_cuda_last_error.restype = ctypes.c_char_p
        L.sparsa_cuda_load.restype = ctypes.c_void_p
        L.sparsa_cuda_load.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        L.sparsa_cuda_add_part.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int64, ctypes.c_int64,
            ctypes.c_int64, ctypes.c_int, ctypes.c_int64, ctypes.c_int64,
            ctypes.POINTER(ctypes.c_int64), ctypes.c_int64, ctypes.c_int]
        L.sparsa_cuda_run.argtypes = [
            ctypes.c_void_p] + [ctypes.c_void_p] * 5 + [
            ctypes.c_float, ctypes.POINTER(ctypes.c_int64),
            ctypes.POINTER(ctypes.c_int64), ctypes.c_int64, ctypes.c_void_p]

    def error(self):
        return self.lib.sparsa_cuda_last_error().decode()


class Attention:
    """One compiled attention (all its parts) of a metadata file."""

    def __init__(self, rt, json_path):
        self.rt = rt
        meta = json.load(open(json_path))
        image = open(os.path.join(os.path.dirname(json_path), meta["image"]),
                     "rb").read()
        self.handle = rt.lib.sparsa_cuda_load(image, len(image))
        if not self.handle:
            raise RuntimeError(rt.error())
        kernels = {k["name"]: k for k in meta["kernels"]}
        att = meta["attentions"][0]
        self.name = att["name"]
        self.kernels = [kernels[p] for p in att["parts"]]
        self.head_dim = self.kernels[0]["head_dim"]
        self.num_params = self.kernels[0]["num_params"]
        for k in self.kernels:
            m = k["query_map"]
            members = (ctypes.c_int64 * max(1, len(m["members"])))(
                *m["members"])
            if rt.lib.sparsa_cuda_add_part(
                    self.handle, k["name"].encode(), k["block_q"],
                    k["threads"], k["shared_bytes"], MAP_KINDS[m["kind"]],
                    m["period"], m["count"], members, len(m["members"]),
                    int(k["covers_all_queries"])) != 0:
                raise RuntimeError(rt.error())

    def __call__(self, q, k, v, o, lse=None, scale=None, params=()):
        B, Hq, Nq, D = q.shape
        Hkv, Nk = k.shape[1], k.shape[2]
        assert D == self.head_dim and len(params) == self.num_params
        ls = lse.stride() if lse is not None else (0, 0, 0)
        args = [B, Hq, Hkv, Nq, Nk, *q.stride()[:3], *k.stride()[:3],
                *v.stride()[:3], *o.stride()[:3], *ls,
                int(lse is not None), 0]
        a = (ctypes.c_int64 * FIXED_ARGS)(*args)
        p = (ctypes.c_int64 * max(1, len(params)))(*params)
        scale = D ** -0.5 if scale is None else scale
        stream = torch.cuda.current_stream().cuda_stream
        rc = self.rt.lib.sparsa_cuda_run(
            self.handle, q.data_ptr(), k.data_ptr(), v.data_ptr(),
            o.data_ptr(), lse.data_ptr() if lse is not None else None,
            scale, a, p, len(params), stream)
        if rc != 0:
            raise RuntimeError(self.rt.error())
