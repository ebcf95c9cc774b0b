#!/usr/bin/env python3
# Prints a sparsac bitmap (H x Nq x Nk bytes) as rows of 0/1 characters, one
# matrix per head preceded by "head H", checking the size first:
#   bitmap.py FILE HEADS NQ NK
import sys

path, heads, nq, nk = sys.argv[1], *map(int, sys.argv[2:5])
data = open(path, "rb").read()
if len(data) != heads * nq * nk:
    sys.exit("bitmap.py: expected %d bytes, got %d" % (heads * nq * nk,
                                                       len(data)))
if any(b not in (0, 1) for b in data):
    sys.exit("bitmap.py: bytes other than 0 and 1")
for h in range(heads):
    print("head %d" % h)
    for q in range(nq):
        row = data[(h * nq + q) * nk:(h * nq + q + 1) * nk]
        print("".join(str(b) for b in row))
