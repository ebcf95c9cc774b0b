#!/usr/bin/env bash
# sparsa developer entry point: installs what a fresh Debian bookworm machine
# lacks, configures, builds, and runs the main job or the tests.
#
#   scripts/dev.sh demo   build, then compile an example pattern, run it,
#                         check it against the reference and print its stats
#   scripts/dev.sh test   check formatting (clang-format-22), build (release
#                         and ASan+UBSan), run every test,
#                         fuzz the spec front end and runtime values for a
#                         minute each
#   scripts/dev.sh build  configure and build the release tree only
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
jobs="$(nproc)"
# Objects built with the precompiled header are cacheable only with these;
# paths relative to the checkout let clones in other folders share hits.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_BASEDIR="$root"

packages=(llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld
          libclang-rt-22-dev clang-format-22 cmake ninja-build ccache
          libfmt-dev libgtest-dev libbenchmark-dev zlib1g-dev libzstd-dev libpng-dev libcairo2-dev
          libopenblas-dev zstd
          pkg-config fonts-dejavu-core)

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
}

# configure DIR [extra cmake args...]
configure() {
  local dir="$1"; shift
  cmake -S "$root" -B "$dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "$@" >/dev/null
}

build() {
  install_packages
  configure build
  ninja -C build -j "$jobs"
}

run_tests() {
  local dir="$1"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

# Short libFuzzer runs (SPARSA_FUZZ build, ASan and UBSan): the spec front
# end on the seed corpus, the crash reproducers and the example patterns,
# and runtime values (parameters and lengths) through the kernels' check,
# the reference and the kernels. New inputs go to a temporary directory; a
# crash fails the script and leaves its reproducer there.
fuzz_one() {
  local target="$1" seconds="$2"; shift 2
  local work
  work="$(mktemp -d)"
  mkdir -p "$work/corpus"
  if ! ASAN_OPTIONS=allow_user_poisoning=0 "build-fuzz/bin/$target" \
      -max_total_time="$seconds" -timeout=10 -artifact_prefix="$work/" \
      "$work/corpus" "$@" >"$work/fuzz.log" 2>&1; then
    tail -n 40 "$work/fuzz.log" >&2
    echo "$target found a crash; reproducer in $work" >&2
    return 1
  fi
  grep -E "DONE|^Done" "$work/fuzz.log" || true
  rm -rf "$work"
}

fuzz() {
  configure build-fuzz -DSPARSA_FUZZ=ON
  ninja -C build-fuzz -j "$jobs" sparsa-fuzz-spec sparsa-fuzz-params
  fuzz_one sparsa-fuzz-spec 60 -max_len=2048 -dict=fuzz/spec.dict \
    fuzz/corpus/spec fuzz/regressions examples/patterns
  fuzz_one sparsa-fuzz-params 60 -max_len=64 \
    fuzz/corpus/params fuzz/regressions-params
}

case "${1:-}" in
  build)
    build
    ;;
  demo)
    build
    example="examples/patterns/longformer.sparsa"
    echo "== $example: exact statistics at N = 4096 (64 x 64 tiles)"
    build/bin/sparsac "$example" --stats --seq-len 4096 --block 64,64
    echo "== compile for the CPU, run on random inputs, check against the float64 reference"
    build/bin/sparsac "$example" --run --check --seq-len 4096 --head-dim 64 \
      --batch 1 --heads 4
    build/bin/sparsac "$example" --draw build/longformer.png --seq-len 4096
    echo "== picture of the mask and its tiles: build/longformer.png"
    ;;
  test)
    install_packages
    bash scripts/check-format.sh
    build
    run_tests build
    fuzz
    configure build-asan -DSPARSA_SANITIZE=ON -DSPARSA_ENABLE_PCH=OFF
    ninja -C build-asan -j "$jobs"
    run_tests build-asan
    ;;
  *)
    echo "usage: $0 demo|test|build" >&2
    exit 1
    ;;
esac
