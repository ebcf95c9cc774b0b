"""Runs sparsa's CUDA kernels on torch tensors through libsparsa_runtime's
C API (include/sparsa/c/sparsa.h), the same runtime a C or C++ host program
uses: a kernel library built by `sparsac --target=cuda --emit=so` is loaded
with sparsa_kernel_load and run with sparsa_kernel_run_on_stream on the
current torch stream. The runtime checks every argument (devices, dtypes,
alignment, strides, runtime parameter values) and reports errors, which
come back here as RuntimeError."""

import ctypes

import torch

DTYPES = {torch.float32: 0, torch.float16: 1, torch.bfloat16: 2}
DEVICE_CPU, DEVICE_CUDA = 0, 1


class Tensor(ctypes.Structure):
    """sparsa_tensor."""
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * 4),
                ("strides", ctypes.c_int64 * 4), ("device", ctypes.c_int)]

    @staticmethod
    def of(t):
        x = Tensor()
        x.data = t.data_ptr()
        x.dtype = DTYPES.get(t.dtype, -1)
        x.rank = t.dim()
        for i in range(min(4, t.dim())):
            x.shape[i] = t.shape[i]
            x.strides[i] = t.stride(i)
        x.device = DEVICE_CUDA if t.is_cuda else DEVICE_CPU
        return x


class Runtime:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        L = self.lib
        L.sparsa_last_error.restype = ctypes.c_char_p
        L.sparsa_kernel_load.argtypes = [
            ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        for f in (L.sparsa_kernel_head_dim, L.sparsa_kernel_block_q,
                  L.sparsa_kernel_block_k):
            f.restype = ctypes.c_int64
            f.argtypes = [ctypes.c_void_p]
        L.sparsa_kernel_num_params.restype = ctypes.c_int32
        L.sparsa_kernel_num_params.argtypes = [ctypes.c_void_p]
        L.sparsa_kernel_target.restype = ctypes.c_char_p
        L.sparsa_kernel_target.argtypes = [ctypes.c_void_p]
        L.sparsa_kernel_name.restype = ctypes.c_char_p
        L.sparsa_kernel_name.argtypes = [ctypes.c_void_p]
        L.sparsa_kernel_free.argtypes = [ctypes.c_void_p]
        T = ctypes.POINTER(Tensor)
        L.sparsa_kernel_run_on_stream.argtypes = [
            ctypes.c_void_p, T, T, T, T, T, ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int64), ctypes.c_size_t, ctypes.c_float,
            ctypes.c_uint32, ctypes.c_void_p]

    def error(self):
        return self.lib.sparsa_last_error().decode()


class Attention:
    """One attention (all its parts) of a kernel library."""

    def __init__(self, rt, so_path, name=None):
        self.rt = rt
        self.handle = ctypes.c_void_p()
        if rt.lib.sparsa_kernel_load(so_path.encode(),
                                     name.encode() if name else None,
                                     ctypes.byref(self.handle)) != 0:
            raise RuntimeError(rt.error())
        L = rt.lib
        self.name = L.sparsa_kernel_name(self.handle).decode()
        self.target = L.sparsa_kernel_target(self.handle).decode()
        self.head_dim = L.sparsa_kernel_head_dim(self.handle)
        self.num_params = L.sparsa_kernel_num_params(self.handle)
        self.tiles = [(L.sparsa_kernel_block_q(self.handle),
                       L.sparsa_kernel_block_k(self.handle))]

    def __del__(self):
        if getattr(self, "handle", None):
            self.rt.lib.sparsa_kernel_free(self.handle)

    def __call__(self, q, k, v, o, lse=None, scale=None, params=()):
        tq, tk, tv, to = (Tensor.of(t) for t in (q, k, v, o))
        tl = Tensor.of(lse) if lse is not None else None
        p = (ctypes.c_int64 * max(1, len(params)))(*params)
        stream = torch.cuda.current_stream().cuda_stream
        rc = self.rt.lib.sparsa_kernel_run_on_stream(
            self.handle, ctypes.byref(tq), ctypes.byref(tk), ctypes.byref(tv),
            ctypes.byref(to), ctypes.byref(tl) if tl is not None else None,
            None, p, len(params), 0.0 if scale is None else scale, 0,
            ctypes.c_void_p(stream))
        if rc != 0:
            raise RuntimeError(self.rt.error())
