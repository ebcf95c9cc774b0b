//===- RuntimeCAPI.cpp - the [runtime] half of the C API ------------------===//
//
// C entry points of libsparsa_runtime: loading AOT kernels, querying and
// running them, the thread-local error message. Every pointer argument is
// checked; nothing here aborts.
//
//===----------------------------------------------------------------------===//

#include "lib/CAPI/CAPIUtil.h"
#include "sparsa/Runtime.h"

#include <cstring>
#include <type_traits>

using namespace sparsa;

static_assert(SPARSA_MAX_THREADS == RunOptions::kMaxThreads &&
                  SPARSA_MAX_SCALE == RunOptions::kMaxScale,
              "the C limits are the C++ ones");

namespace {
std::string &lastError() {
  thread_local std::string message;
  return message;
}
} // namespace

sparsa_status capi::fail(const Status &status) {
  return fail(static_cast<sparsa_status>(status.code()), status.message());
}

sparsa_status capi::fail(sparsa_status code, const std::string &message) {
  lastError() = message;
  return code;
}

sparsa_status capi::succeed() {
  lastError().clear();
  return SPARSA_OK;
}

bool capi::makeParams(const char *const *names, const int64_t *values,
                      size_t count, Params &out) {
  if (count == 0) {
    out = Params();
    return true;
  }
  if (!values) {
    fail(SPARSA_INVALID_ARGUMENT,
         std::to_string(count) + " runtime parameters but values is null");
    return false;
  }
  if (!names) {
    out = Params::positional(std::vector<int64_t>(values, values + count));
    return true;
  }
  Params p;
  for (size_t i = 0; i < count; ++i) {
    if (!names[i]) {
      fail(SPARSA_INVALID_ARGUMENT,
           "name of runtime parameter " + std::to_string(i) + " is null");
      return false;
    }
    p.set(names[i], values[i]);
  }
  out = std::move(p);
  return true;
}

extern "C" {

const char *sparsa_last_error(void) { return lastError().c_str(); }

const char *sparsa_version(void) { return sparsa::version(); }

sparsa_tensor sparsa_tensor_f32(float *data, int32_t rank,
                                const int64_t *shape) {
  return sparsa_tensor_dense(data, SPARSA_F32, SPARSA_DEVICE_CPU, rank, shape);
}

sparsa_tensor sparsa_tensor_dense(void *data, sparsa_dtype dtype,
                                  sparsa_device device, int32_t rank,
                                  const int64_t *shape) {
  sparsa_tensor t;
  std::memset(&t, 0, sizeof(t));
  t.data = data;
  t.dtype = dtype;
  t.device = device;
  if (rank < 0 || rank > 4 || (rank > 0 && !shape)) {
    t.rank = -1;
    return t;
  }
  t.rank = rank;
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    t.shape[d] = shape[d];
    t.strides[d] = stride;
    stride *= shape[d];
  }
  return t;
}

sparsa_status sparsa_kernel_load(const char *path, const char *name,
                                 sparsa_kernel **out) {
  if (!out)
    return capi::fail(SPARSA_INVALID_ARGUMENT, "out must not be null");
  *out = nullptr;
  if (!path)
    return capi::fail(SPARSA_INVALID_ARGUMENT, "path must not be null");
  Result<Kernel> k = loadKernel(path, name ? name : "");
  if (!k)
    return capi::fail(k.status());
  *out = new sparsa_kernel{std::move(*k)};
  return capi::succeed();
}

void sparsa_kernel_free(sparsa_kernel *kernel) { delete kernel; }

const char *sparsa_kernel_name(const sparsa_kernel *k) {
  return k ? k->kernel.info().name.c_str() : nullptr;
}
const char *sparsa_kernel_target(const sparsa_kernel *k) {
  return k ? k->kernel.info().target.c_str() : nullptr;
}
sparsa_dtype sparsa_kernel_dtype(const sparsa_kernel *k) {
  return static_cast<sparsa_dtype>(k ? k->kernel.info().dtype : DType::F32);
}
int64_t sparsa_kernel_head_dim(const sparsa_kernel *k) {
  return k ? k->kernel.info().headDim : 0;
}
int64_t sparsa_kernel_block_q(const sparsa_kernel *k) {
  return k ? k->kernel.info().blockQ : 0;
}
int64_t sparsa_kernel_block_k(const sparsa_kernel *k) {
  return k ? k->kernel.info().blockK : 0;
}
int32_t sparsa_kernel_num_params(const sparsa_kernel *k) {
  return k ? static_cast<int32_t>(k->kernel.info().params.size()) : 0;
}
const char *sparsa_kernel_param_name(const sparsa_kernel *k, int32_t i) {
  if (!k || i < 0 || static_cast<size_t>(i) >= k->kernel.info().params.size())
    return nullptr;
  return k->kernel.info().params[i].c_str();
}

/// `count` entries of the caller's arrays are read only when the kernel
/// takes at least that many parameters: a count larger than the arrays
/// must be refused before anything reads them.
static bool checkParamCount(const Kernel &kernel, size_t count) {
  const std::vector<std::string> &names = kernel.info().params;
  if (count <= names.size())
    return true;
  std::string list;
  for (const std::string &n : names)
    list += (list.empty() ? "" : ", ") + n;
  capi::fail(SPARSA_INVALID_ARGUMENT,
             "kernel '" + kernel.info().name + "' takes " +
                 std::to_string(names.size()) + " runtime parameter" +
                 (names.size() == 1 ? "" : "s") +
                 (list.empty() ? "" : " (" + list + ")") + ", got " +
                 std::to_string(count));
  return false;
}

static bool toView(const char *what, const sparsa_tensor *t, TensorView &out) {
  if (!t) {
    capi::fail(SPARSA_INVALID_ARGUMENT,
               std::string(what) + " tensor must not be null");
    return false;
  }
  // A foreign caller may pass any integer as the enum: read its bits, since
  // loading an out-of-range value as the C++ enum type is undefined.
  std::underlying_type_t<sparsa_dtype> dtype;
  std::memcpy(&dtype, &t->dtype, sizeof(dtype));
  if (dtype < SPARSA_F32 || dtype > SPARSA_F64) {
    capi::fail(SPARSA_INVALID_ARGUMENT,
               std::string(what) + " has an unknown dtype " +
                   std::to_string(static_cast<long long>(dtype)));
    return false;
  }
  std::underlying_type_t<sparsa_device> device;
  std::memcpy(&device, &t->device, sizeof(device));
  if (device != SPARSA_DEVICE_CPU && device != SPARSA_DEVICE_CUDA) {
    capi::fail(SPARSA_INVALID_ARGUMENT,
               std::string(what) + " has an unknown device " +
                   std::to_string(static_cast<long long>(device)));
    return false;
  }
  out.data = t->data;
  out.dtype = static_cast<DType>(dtype);
  out.device = static_cast<Device>(device);
  out.rank = t->rank;
  if (t->rank >= 0 && t->rank <= TensorView::kMaxRank)
    for (int i = 0; i < t->rank; ++i) {
      out.shape[i] = t->shape[i];
      out.strides[i] = t->strides[i];
    }
  else
    out.rank = -1;
  return true;
}

/// The runtime parameters and options of a run or backward call; false
/// (with the error set) when the parameters are refused.
static bool callArguments(const Kernel &kernel, const char *const *names,
                          const int64_t *values, size_t count, float scale,
                          uint32_t threads, Params &params,
                          RunOptions &options) {
  if (!checkParamCount(kernel, count) ||
      !capi::makeParams(names, values, count, params))
    return false;
  options.scale = scale;
  options.threads = threads;
  return true;
}

sparsa_status
sparsa_kernel_run(const sparsa_kernel *kernel, const sparsa_tensor *q,
                  const sparsa_tensor *k, const sparsa_tensor *v,
                  const sparsa_tensor *out, const sparsa_tensor *lse,
                  const char *const *param_names, const int64_t *param_values,
                  size_t param_count, float scale, uint32_t threads) {
  return sparsa_kernel_run_on_stream(kernel, q, k, v, out, lse, param_names,
                                     param_values, param_count, scale, threads,
                                     nullptr);
}

sparsa_status sparsa_kernel_run_on_stream(
    const sparsa_kernel *kernel, const sparsa_tensor *q, const sparsa_tensor *k,
    const sparsa_tensor *v, const sparsa_tensor *out, const sparsa_tensor *lse,
    const char *const *param_names, const int64_t *param_values,
    size_t param_count, float scale, uint32_t threads, void *stream) {
  if (!kernel)
    return capi::fail(SPARSA_INVALID_ARGUMENT, "kernel must not be null");
  TensorView vq, vk, vv, vo, vl;
  if (!toView("q", q, vq) || !toView("k", k, vk) || !toView("v", v, vv) ||
      !toView("out", out, vo) || (lse && !toView("lse", lse, vl)))
    return static_cast<sparsa_status>(SPARSA_INVALID_ARGUMENT);
  Params params;
  RunOptions options;
  if (!callArguments(kernel->kernel, param_names, param_values, param_count,
                     scale, threads, params, options))
    return SPARSA_INVALID_ARGUMENT;
  options.stream = stream;
  Status s =
      kernel->kernel.run(vq, vk, vv, vo, lse ? &vl : nullptr, params, options);
  return s ? capi::succeed() : capi::fail(s);
}

sparsa_status sparsa_kernel_backward(
    const sparsa_kernel *kernel, const sparsa_tensor *q, const sparsa_tensor *k,
    const sparsa_tensor *v, const sparsa_tensor *out, const sparsa_tensor *lse,
    const sparsa_tensor *dout, const sparsa_tensor *dq, const sparsa_tensor *dk,
    const sparsa_tensor *dv, const char *const *param_names,
    const int64_t *param_values, size_t param_count, float scale,
    uint32_t threads) {
  if (!kernel)
    return capi::fail(SPARSA_INVALID_ARGUMENT, "kernel must not be null");
  TensorView vq, vk, vv, vo, vl, vdo, vdq, vdk, vdv;
  if (!toView("q", q, vq) || !toView("k", k, vk) || !toView("v", v, vv) ||
      !toView("out", out, vo) || !toView("lse", lse, vl) ||
      !toView("dout", dout, vdo) || !toView("dq", dq, vdq) ||
      !toView("dk", dk, vdk) || !toView("dv", dv, vdv))
    return static_cast<sparsa_status>(SPARSA_INVALID_ARGUMENT);
  Params params;
  RunOptions options;
  if (!callArguments(kernel->kernel, param_names, param_values, param_count,
                     scale, threads, params, options))
    return SPARSA_INVALID_ARGUMENT;
  Status s = kernel->kernel.backward(vq, vk, vv, vo, vl, vdo, vdq, vdk, vdv,
                                     params, options);
  return s ? capi::succeed() : capi::fail(s);
}

sparsa_status sparsa_kernel_stats(const sparsa_kernel *kernel,
                                  int64_t num_queries, int64_t num_keys,
                                  const char *const *param_names,
                                  const int64_t *param_values,
                                  size_t param_count, sparsa_stats *out) {
  if (!kernel || !out)
    return capi::fail(SPARSA_INVALID_ARGUMENT,
                      "kernel and out must not be null");
  Params params;
  if (!checkParamCount(kernel->kernel, param_count) ||
      !capi::makeParams(param_names, param_values, param_count, params))
    return SPARSA_INVALID_ARGUMENT;
  Result<PatternStats> s = kernel->kernel.stats(num_queries, num_keys, params);
  if (!s)
    return capi::fail(s.status());
  const HeadStats &t = s->total;
  out->num_queries = s->numQueries;
  out->num_keys = s->numKeys;
  out->nnz = t.nnz;
  out->rows_empty = t.rowsEmpty;
  out->density = t.density;
  out->flops = t.flops;
  out->tiles_full = t.tiles.full;
  out->tiles_partial = t.tiles.partial;
  out->tiles_empty = t.tiles.empty;
  out->tile_efficiency = t.tiles.efficiency;
  out->tiles_full_after_layout = t.tilesAfterLayout.full;
  out->tiles_partial_after_layout = t.tilesAfterLayout.partial;
  out->tile_efficiency_after_layout = t.tilesAfterLayout.efficiency;
  return capi::succeed();
}

} // extern "C"
