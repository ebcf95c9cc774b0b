# Loads the metadata of a compiled attention, intact and damaged, through
# sparsa_cuda_load_attention on a machine without a GPU (no-device.test).
import ctypes
import json
import re
import sys

L = ctypes.CDLL(sys.argv[1])
L.sparsa_cuda_last_error.restype = ctypes.c_char_p
L.sparsa_cuda_load_attention.restype = ctypes.c_void_p
L.sparsa_cuda_load_attention.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.c_char_p]
text = json.load(open(sys.argv[2]))["attentions"][0]["metadata"]
second = [m.start() for m in re.finditer("head_dim=", text)][1]
cases = [
    ("valid", text),
    ("version 3", text.replace("sparsa-attention 4", "sparsa-attention 3")),
    ("cpu", text.replace("target cuda", "target cpu")),
    ("missing key", re.sub(r" threads=\d+", "", text, count=1)),
    ("bad number", re.sub(r"shared_bytes=\d+", "shared_bytes=4k", text,
                          count=1)),
    ("parts disagree", text[:second] + "head_dim=32" +
     re.sub(r"^head_dim=\d+", "", text[second:])),
    ("none", None),
]
for name, meta in cases:
    h = L.sparsa_cuda_load_attention(
        b"x", 1, meta.encode() if meta is not None else None)
    print(f"{name}: {h} {L.sparsa_cuda_last_error().decode()}")
