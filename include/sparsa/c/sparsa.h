/*===- sparsa.h - C API of libsparsa and libsparsa_runtime -------*- C -*-===//
 *
 * Opaque handles, status codes and thread-local error messages, usable from
 * any FFI. Functions marked [runtime] live in libsparsa_runtime (no MLIR,
 * no LLVM) and load kernels built ahead of time by `sparsac --emit=so`;
 * functions marked [jit] need libsparsa, which compiles patterns in
 * process. Every function that can fail returns a sparsa_status; on failure
 * sparsa_last_error() gives the full message (for spec errors
 * `file:line:col: error: ...`, the source line and a caret) until the next
 * failing call on the same thread. Null pointers, bad shapes and unknown
 * parameters are errors, never crashes.
 *
 *===----------------------------------------------------------------------===*/

#ifndef SPARSA_C_SPARSA_H
#define SPARSA_C_SPARSA_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SPARSA_C_API __declspec(dllexport)
#else
#define SPARSA_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sparsa_status {
  SPARSA_OK = 0,
  SPARSA_INVALID_ARGUMENT = 1,
  SPARSA_SPEC_ERROR = 2,
  SPARSA_COMPILE_ERROR = 3,
  SPARSA_NOT_FOUND = 4,
  SPARSA_UNSUPPORTED = 5,
  SPARSA_INTERNAL = 6
} sparsa_status;

typedef enum sparsa_dtype {
  SPARSA_F32 = 0,
  SPARSA_F16 = 1,
  SPARSA_BF16 = 2,
  SPARSA_F64 = 3
} sparsa_dtype;

typedef enum sparsa_device {
  SPARSA_DEVICE_CPU = 0, /* host memory */
  SPARSA_DEVICE_CUDA = 1 /* CUDA device memory */
} sparsa_device;

/* A non-owning tensor: strides in elements. Q/O [B, Hq, Nq, D], K/V
   [B, Hkv, Nk, D], LSE [B, Hq, Nq]; D contiguous. CPU kernels take f32
   host tensors; CUDA kernels device tensors of their dtype (bf16 or f16,
   LSE f32), 16-byte aligned with B, H, N strides multiples of 8. */
typedef struct sparsa_tensor {
  void *data;
  sparsa_dtype dtype;
  int32_t rank;
  int64_t shape[4];
  int64_t strides[4];
  sparsa_device device;
} sparsa_tensor;

typedef struct sparsa_kernel sparsa_kernel;
typedef struct sparsa_compiler sparsa_compiler;
typedef struct sparsa_options sparsa_options;

typedef struct sparsa_cache_stats {
  uint64_t requests, exact_hits, structure_hits, compilations, failures,
      entries;
  double compile_seconds;
} sparsa_cache_stats;

typedef struct sparsa_stats {
  int64_t num_queries, num_keys, nnz, rows_empty;
  double density, flops;
  int64_t tiles_full, tiles_partial, tiles_empty;
  double tile_efficiency;
  int64_t tiles_full_after_layout, tiles_partial_after_layout;
  double tile_efficiency_after_layout;
} sparsa_stats;

/* [runtime] The message of the calling thread's last failure ("" if none).
   Valid until the next sparsa_* call on this thread. */
SPARSA_C_API const char *sparsa_last_error(void);
/* [runtime] "MAJOR.MINOR.PATCH". */
SPARSA_C_API const char *sparsa_version(void);

/* [runtime] A dense row-major fp32 host tensor of rank <= 4. */
SPARSA_C_API sparsa_tensor sparsa_tensor_f32(float *data, int32_t rank,
                                             const int64_t *shape);
/* [runtime] A dense row-major tensor of rank <= 4 of any dtype and device
   (a larger rank gives rank -1, which every kernel refuses). */
SPARSA_C_API sparsa_tensor sparsa_tensor_dense(void *data, sparsa_dtype dtype,
                                               sparsa_device device,
                                               int32_t rank,
                                               const int64_t *shape);

/* [runtime] Loads attention `name` (NULL or "": the library's only one)
   from a shared library built by `sparsac --emit=so`. The file is verified
   first (a regular file whose trailer and hash match; FIFOs and devices are
   refused without blocking) and loaded from a private in-memory copy. */
SPARSA_C_API sparsa_status sparsa_kernel_load(const char *path,
                                              const char *name,
                                              sparsa_kernel **out);
/* [runtime] Releases a kernel handle (NULL is ignored). */
SPARSA_C_API void sparsa_kernel_free(sparsa_kernel *kernel);

/* [runtime] Information about a kernel. Strings are owned by the kernel. */
SPARSA_C_API const char *sparsa_kernel_name(const sparsa_kernel *kernel);
/* "cpu" or "cuda". */
SPARSA_C_API const char *sparsa_kernel_target(const sparsa_kernel *kernel);
/* The dtype of q, k, v and out: SPARSA_F32 on the CPU, SPARSA_BF16 or
   SPARSA_F16 for CUDA kernels. */
SPARSA_C_API sparsa_dtype sparsa_kernel_dtype(const sparsa_kernel *kernel);
SPARSA_C_API int64_t sparsa_kernel_head_dim(const sparsa_kernel *kernel);
SPARSA_C_API int64_t sparsa_kernel_block_q(const sparsa_kernel *kernel);
SPARSA_C_API int64_t sparsa_kernel_block_k(const sparsa_kernel *kernel);
SPARSA_C_API int32_t sparsa_kernel_num_params(const sparsa_kernel *kernel);
/* NULL when `index` is out of range. */
SPARSA_C_API const char *sparsa_kernel_param_name(const sparsa_kernel *kernel,
                                                  int32_t index);

/* The largest `threads` and `scale` that sparsa_kernel_run accepts. */
#define SPARSA_MAX_THREADS 1024
#define SPARSA_MAX_SCALE 1e6f

/* [runtime] Runs the kernel. `lse` may be NULL. Runtime parameters: `count`
   values, by name when `names` is not NULL, else by position; a `count`
   above the kernel's parameter count is refused before the arrays are read.
   `scale` 0 means 1/sqrt(D), else 0 < scale <= SPARSA_MAX_SCALE (infinity
   and NaN are errors); `threads` 0 means all hardware threads, at most
   SPARSA_MAX_THREADS. `out` and `lse` may share no byte with an input or
   with each other (inputs may overlap). Inputs must keep scale * q.k and
   Nk * |v| within f32 range, else the outputs hold inf or NaN. */
SPARSA_C_API sparsa_status sparsa_kernel_run(
    const sparsa_kernel *kernel, const sparsa_tensor *q, const sparsa_tensor *k,
    const sparsa_tensor *v, const sparsa_tensor *out, const sparsa_tensor *lse,
    const char *const *param_names, const int64_t *param_values,
    size_t param_count, float scale, uint32_t threads);

/* [runtime] sparsa_kernel_run with a CUDA stream (a CUstream; NULL: the
   legacy default stream) for CUDA kernels, which are enqueued on it:
   the call returns once they are, and a fault inside a kernel shows at
   the next synchronisation. CPU kernels ignore `stream`; CUDA kernels
   ignore `threads`. A machine without a GPU or driver gives
   SPARSA_UNSUPPORTED ("no CUDA device ..."). */
SPARSA_C_API sparsa_status sparsa_kernel_run_on_stream(
    const sparsa_kernel *kernel, const sparsa_tensor *q, const sparsa_tensor *k,
    const sparsa_tensor *v, const sparsa_tensor *out, const sparsa_tensor *lse,
    const char *const *param_names, const int64_t *param_values,
    size_t param_count, float scale, uint32_t threads, void *stream);
/* [runtime] The gradients of a forward run (Kernel::backward): with q, k, v
   and the `out` and `lse` (required) sparsa_kernel_run wrote for them
   (same parameters and scale), and dout, writes dq, dk and dv (dk, dv
   summed over each key/value head's query heads). dout and dq have q's
   shape, dk and dv k's. Kernels compiled with
   sparsa_options_set_backward, on the CPU. dq, dk and dv may share no
   byte with an input or with each other. */
SPARSA_C_API sparsa_status sparsa_kernel_backward(
    const sparsa_kernel *kernel, const sparsa_tensor *q, const sparsa_tensor *k,
    const sparsa_tensor *v, const sparsa_tensor *out, const sparsa_tensor *lse,
    const sparsa_tensor *dout, const sparsa_tensor *dq, const sparsa_tensor *dk,
    const sparsa_tensor *dv, const char *const *param_names,
    const int64_t *param_values, size_t param_count, float scale,
    uint32_t threads);
/* [jit] Exact statistics for Nq = num_queries, Nk = num_keys (< 0: Nq). */
SPARSA_C_API sparsa_status sparsa_kernel_stats(
    const sparsa_kernel *kernel, int64_t num_queries, int64_t num_keys,
    const char *const *param_names, const int64_t *param_values,
    size_t param_count, sparsa_stats *out);

/* [jit] Compile options (defaults: target "cpu", head_dim 128, tiles and
   vector width chosen by the policy, layout on, opt level 3; for target
   "cuda" dtype bf16 and the architecture of device 0, else sm_90). */
SPARSA_C_API sparsa_options *sparsa_options_create(void);
SPARSA_C_API void sparsa_options_free(sparsa_options *options);
SPARSA_C_API sparsa_status sparsa_options_set_target(sparsa_options *options,
                                                     const char *target);
/* [jit] Target "cuda": the GPU architecture ("sm_80", "sm_90", ...). */
SPARSA_C_API sparsa_status sparsa_options_set_cuda_arch(sparsa_options *options,
                                                        const char *arch);
/* [jit] The element type: "f32" (cpu), "bf16" or "f16" (cuda). */
SPARSA_C_API sparsa_status sparsa_options_set_dtype(sparsa_options *options,
                                                    const char *dtype);
SPARSA_C_API sparsa_status sparsa_options_set_head_dim(sparsa_options *options,
                                                       int64_t head_dim);
SPARSA_C_API sparsa_status sparsa_options_set_tiles(sparsa_options *options,
                                                    int64_t block_q,
                                                    int64_t block_k);
SPARSA_C_API sparsa_status sparsa_options_set_layout(sparsa_options *options,
                                                     int enable);
/* Also compile the backward pass (sparsa_kernel_backward); CPU only. */
SPARSA_C_API sparsa_status sparsa_options_set_backward(sparsa_options *options,
                                                       int enable);
SPARSA_C_API sparsa_status sparsa_options_set_name(sparsa_options *options,
                                                   const char *name);
SPARSA_C_API sparsa_status sparsa_options_set_file_name(sparsa_options *options,
                                                        const char *file_name);
SPARSA_C_API sparsa_status sparsa_options_define(sparsa_options *options,
                                                 const char *name,
                                                 int64_t value);

/* [jit] A compiler with its own cache; sparsa_compiler_global() is the
   process-wide one (never freed). Thread-safe. */
SPARSA_C_API sparsa_compiler *sparsa_compiler_create(void);
SPARSA_C_API sparsa_compiler *sparsa_compiler_global(void);
SPARSA_C_API void sparsa_compiler_free(sparsa_compiler *compiler);

/* [jit] Compiles spec text (`options` NULL: defaults). */
SPARSA_C_API sparsa_status sparsa_compile(sparsa_compiler *compiler,
                                          const char *spec,
                                          const sparsa_options *options,
                                          sparsa_kernel **out);
/* [jit] Compiles a `.sparsa` file. */
SPARSA_C_API sparsa_status sparsa_compile_file(sparsa_compiler *compiler,
                                               const char *path,
                                               const sparsa_options *options,
                                               sparsa_kernel **out);
/* [jit] Writes a shared library for sparsa_kernel_load. */
SPARSA_C_API sparsa_status sparsa_emit_shared_library(
    sparsa_compiler *compiler, const char *spec, const sparsa_options *options,
    const char *output_path);
SPARSA_C_API sparsa_status sparsa_compiler_cache_stats(
    const sparsa_compiler *compiler, sparsa_cache_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SPARSA_C_SPARSA_H */
