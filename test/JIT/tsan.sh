#!/bin/bash
# ThreadSanitizer run of the libsparsa tests. A full TSan build would need
# an instrumented libMLIR/libLLVM, which the system packages are not, so
# this builds libsparsa's own sources (JIT, compile cache, runtime, thread
# pools, C API) with -fsanitize=thread, links them with the uninstrumented
# static libraries of an ordinary build and libMLIR.so, and runs every
# test of test/unit/JIT on the result. Races inside MLIR/LLVM code are not
# seen; synchronization through pthreads is (TSan intercepts it).
#   test/JIT/tsan.sh <build dir> [work dir]
set -euo pipefail
BUILD=$(realpath "$1")
OUT=${2:-$BUILD/tsan}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
FLAGS="-D_GLIBCXX_USE_CXX11_ABI=1 -I$SRC -I$BUILD -I$SRC/include
  -isystem /usr/lib/llvm-22/include -fPIC -O1 -g -fsanitize=thread
  -fno-exceptions -std=gnu++17 -fvisibility=hidden -fvisibility-inlines-hidden"
OBJS=""
for f in lib/JIT/CodeGen.cpp lib/JIT/Compiler.cpp lib/JIT/CompilerImpl.cpp \
    lib/JIT/FrontEnd.cpp lib/JIT/Pattern.cpp lib/CAPI/CompilerCAPI.cpp \
    lib/CAPI/RuntimeCAPI.cpp lib/Runtime/Kernel.cpp lib/Runtime/Loader.cpp \
    lib/Runtime/PoolCache.cpp lib/Runtime/ThreadPool.cpp \
    lib/Runtime/RunAttention.cpp lib/Runtime/KernelMetadata.cpp \
    lib/Runtime/LibraryFile.cpp; do
  o=$OUT/$(echo "$f" | tr / _).o
  clang++-22 $FLAGS -c "$SRC/$f" -o "$o"
  OBJS="$OBJS $o"
done
# The static libraries and MLIR from libsparsa's own link line.
LIBS=$(cd "$BUILD" && ninja -t commands sparsa |
       grep 'libsparsa.so.0.1.0 lib/JIT' |
       sed -e 's/.*libsparsa_runtime.so.0.1.0//' -e 's/&& :$//')
(cd "$BUILD" && clang++-22 -shared -fsanitize=thread -fuse-ld=lld \
   -Wl,--exclude-libs,ALL -o "$OUT/libsparsa_tsan.so" $OBJS \
   -Wl,-rpath,/usr/lib/llvm-22/lib $LIBS -ldl)
TESTS=""
for t in JITCacheTest JITCompileTest JITErrorTest CAPITest RuntimeLoaderTest \
    RunLimitsTest LibraryFileTest; do
  clang++-22 $FLAGS -c "$SRC/test/unit/JIT/$t.cpp" -o "$OUT/$t.o"
  TESTS="$TESTS $OUT/$t.o"
done
clang++-22 -fsanitize=thread -fuse-ld=lld -o "$OUT/SparsaJITTestsTSan" $TESTS \
  "$OUT/libsparsa_tsan.so" -Wl,-rpath,"$OUT" -lgtest -lgtest_main -lpthread
TSAN_OPTIONS=halt_on_error=1 "$OUT/SparsaJITTestsTSan"
