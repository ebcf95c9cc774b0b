"""Loads a CUDA kernel library through libsparsa_runtime's C API on a machine
without a GPU and prints what each call answers (no-device.test)."""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.sparsa_last_error.restype = ctypes.c_char_p
lib.sparsa_kernel_target.restype = ctypes.c_char_p
lib.sparsa_kernel_head_dim.restype = ctypes.c_int64


class Tensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * 4),
                ("strides", ctypes.c_int64 * 4), ("device", ctypes.c_int)]


def tensor(address, dtype, shape, device=1):
    t = Tensor(address, dtype, len(shape))
    stride = 1
    for i in reversed(range(len(shape))):
        t.shape[i], t.strides[i] = shape[i], stride
        stride *= shape[i]
    t.device = device
    return t


k = ctypes.c_void_p()
if lib.sparsa_kernel_load(sys.argv[2].encode(), None, ctypes.byref(k)) != 0:
    sys.exit(lib.sparsa_last_error().decode())
print("target:", lib.sparsa_kernel_target(k).decode(),
      "dtype:", lib.sparsa_kernel_dtype(k),
      "head_dim:", lib.sparsa_kernel_head_dim(k),
      "params:", lib.sparsa_kernel_num_params(k))
base = 1 << 40
q, kk, v, o = (tensor(base + i * (1 << 20), 2, [1, 2, 128, 64])
               for i in range(4))
lse = tensor(base + 4 * (1 << 20), 0, [1, 2, 128])


def run(label, qt, w):
    values = (ctypes.c_int64 * 1)(w)
    rc = lib.sparsa_kernel_run_on_stream(
        k, ctypes.byref(qt), ctypes.byref(kk), ctypes.byref(v),
        ctypes.byref(o), ctypes.byref(lse), None, values, ctypes.c_size_t(1),
        ctypes.c_float(0), ctypes.c_uint32(0), None)
    print(f"{label}: {rc} {lib.sparsa_last_error().decode()}")


run("W=-1", q, -1)
run("host q", tensor(base, 2, [1, 2, 128, 64], device=0), 16)
run("W=16", q, 16)
lib.sparsa_kernel_free(k)
