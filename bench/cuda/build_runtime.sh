#!/bin/bash
# Builds libsparsa_runtime (include/sparsa, lib/Runtime, the runtime half of
# the C API) with g++ alone, as on a GPU machine without LLVM or MLIR:
#   bash bench/cuda/build_runtime.sh OUTPUT.so
set -e
out=${1:-/tmp/libsparsa_runtime.so}
g++ -O2 -std=c++17 -shared -fPIC -Wall -I. -Iinclude \
    lib/Runtime/Kernel.cpp lib/Runtime/Loader.cpp lib/Runtime/PoolCache.cpp \
    lib/Runtime/ThreadPool.cpp lib/Runtime/RunAttention.cpp \
    lib/Runtime/ReferenceAttention.cpp lib/Runtime/KernelMetadata.cpp \
    lib/Runtime/LibraryFile.cpp lib/Runtime/CUDADriver.cpp \
    lib/Runtime/CUDAAttention.cpp lib/CAPI/RuntimeCAPI.cpp \
    -o "$out" -ldl -lpthread
