"""Loads sparsa's CUDA kernels (image + JSON metadata from
sparsac --target=cuda --emit=cubin) through lib/Runtime/CUDARuntime.cpp, a
driver-API launcher built as a shared library, and runs them on torch
tensors on the current stream. The JSON's `metadata` text of an attention
(lib/Runtime/KernelMetadata.h) goes to the launcher as it is: the launcher
parses and verifies it, so nothing here re-reads the kernels' fields."""

import ctypes
import json
import os

import torch

FIXED_ARGS = 22  # lib/Runtime/CUDAKernelABI.h: kNumFixedArgs


class Runtime:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        L = self.lib
        L.sparsa_cuda_last_error.restype = ctypes.c_char_p
        L.sparsa_cuda_load_attention.restype = ctypes.c_void_p
        L.sparsa_cuda_load_attention.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
        for f in (L.sparsa_cuda_head_dim, L.sparsa_cuda_num_params,
                  L.sparsa_cuda_num_parts):
            f.restype = ctypes.c_int64
            f.argtypes = [ctypes.c_void_p]
        L.sparsa_cuda_part_tiles.argtypes = [
            ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_int64),
            ctypes.POINTER(ctypes.c_int64)]
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
        att = meta["attentions"][0]
        self.name = att["name"]
        self.handle = rt.lib.sparsa_cuda_load_attention(
            image, len(image), att["metadata"].encode())
        if not self.handle:
            raise RuntimeError(rt.error())
        self.head_dim = rt.lib.sparsa_cuda_head_dim(self.handle)
        self.num_params = rt.lib.sparsa_cuda_num_params(self.handle)
        # (block_q, block_k) of every part, in launch order.
        self.tiles = []
        for i in range(rt.lib.sparsa_cuda_num_parts(self.handle)):
            bq, bk = ctypes.c_int64(), ctypes.c_int64()
            if rt.lib.sparsa_cuda_part_tiles(self.handle, i, bq, bk) != 0:
                raise RuntimeError(rt.error())
            self.tiles.append((bq.value, bk.value))

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
