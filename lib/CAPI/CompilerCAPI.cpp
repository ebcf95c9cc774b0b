//===- CompilerCAPI.cpp - the [jit] half of the C API ---------------------===//
//
// C entry points of libsparsa: compile options, compilers and compilation.
// Errors go through the runtime's thread-local message (CAPIUtil.h).
//
//===----------------------------------------------------------------------===//

#include "lib/CAPI/CAPIUtil.h"
#include "sparsa/Compiler.h"

using namespace sparsa;

struct sparsa_options {
  CompileOptions options;
};

struct sparsa_compiler {
  Compiler *compiler;
  bool owned;
};

#define SPARSA_CHECK_NOT_NULL(P)                                               \
  if (!(P))                                                                    \
    return capi::fail(SPARSA_INVALID_ARGUMENT, #P " must not be null");

extern "C" {

sparsa_options *sparsa_options_create(void) { return new sparsa_options(); }

void sparsa_options_free(sparsa_options *options) { delete options; }

sparsa_status sparsa_options_set_target(sparsa_options *options,
                                        const char *target) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(target)
  options->options.target = target;
  return capi::succeed();
}

sparsa_status sparsa_options_set_cuda_arch(sparsa_options *options,
                                           const char *arch) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(arch)
  options->options.cudaArch = arch;
  return capi::succeed();
}

sparsa_status sparsa_options_set_dtype(sparsa_options *options,
                                       const char *dtype) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(dtype)
  options->options.dtype = dtype;
  return capi::succeed();
}

sparsa_status sparsa_options_set_head_dim(sparsa_options *options,
                                          int64_t head_dim) {
  SPARSA_CHECK_NOT_NULL(options)
  options->options.headDim = head_dim;
  return capi::succeed();
}

sparsa_status sparsa_options_set_tiles(sparsa_options *options, int64_t block_q,
                                       int64_t block_k) {
  SPARSA_CHECK_NOT_NULL(options)
  options->options.blockQ = block_q;
  options->options.blockK = block_k;
  return capi::succeed();
}

sparsa_status sparsa_options_set_layout(sparsa_options *options, int enable) {
  SPARSA_CHECK_NOT_NULL(options)
  options->options.layout = enable != 0;
  return capi::succeed();
}

sparsa_status sparsa_options_set_backward(sparsa_options *options, int enable) {
  SPARSA_CHECK_NOT_NULL(options)
  options->options.backward = enable != 0;
  return capi::succeed();
}

sparsa_status sparsa_options_set_name(sparsa_options *options,
                                      const char *name) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(name)
  options->options.name = name;
  return capi::succeed();
}

sparsa_status sparsa_options_set_file_name(sparsa_options *options,
                                           const char *file_name) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(file_name)
  options->options.fileName = file_name;
  return capi::succeed();
}

sparsa_status sparsa_options_define(sparsa_options *options, const char *name,
                                    int64_t value) {
  SPARSA_CHECK_NOT_NULL(options)
  SPARSA_CHECK_NOT_NULL(name)
  options->options.defines.emplace_back(name, value);
  return capi::succeed();
}

sparsa_compiler *sparsa_compiler_create(void) {
  return new sparsa_compiler{new Compiler(), true};
}

sparsa_compiler *sparsa_compiler_global(void) {
  static sparsa_compiler *global =
      new sparsa_compiler{&Compiler::global(), false};
  return global;
}

void sparsa_compiler_free(sparsa_compiler *compiler) {
  if (!compiler || !compiler->owned)
    return;
  delete compiler->compiler;
  delete compiler;
}

static sparsa_status finish(Result<Kernel> k, sparsa_kernel **out) {
  if (!k)
    return capi::fail(k.status());
  *out = new sparsa_kernel{std::move(*k)};
  return capi::succeed();
}

sparsa_status sparsa_compile(sparsa_compiler *compiler, const char *spec,
                             const sparsa_options *options,
                             sparsa_kernel **out) {
  SPARSA_CHECK_NOT_NULL(out)
  *out = nullptr;
  SPARSA_CHECK_NOT_NULL(compiler)
  SPARSA_CHECK_NOT_NULL(spec)
  return finish(compiler->compiler->compile(spec, options ? options->options
                                                          : CompileOptions()),
                out);
}

sparsa_status sparsa_compile_file(sparsa_compiler *compiler, const char *path,
                                  const sparsa_options *options,
                                  sparsa_kernel **out) {
  SPARSA_CHECK_NOT_NULL(out)
  *out = nullptr;
  SPARSA_CHECK_NOT_NULL(compiler)
  SPARSA_CHECK_NOT_NULL(path)
  return finish(compiler->compiler->compileFile(
                    path, options ? options->options : CompileOptions()),
                out);
}

sparsa_status sparsa_emit_shared_library(sparsa_compiler *compiler,
                                         const char *spec,
                                         const sparsa_options *options,
                                         const char *output_path) {
  SPARSA_CHECK_NOT_NULL(compiler)
  SPARSA_CHECK_NOT_NULL(spec)
  SPARSA_CHECK_NOT_NULL(output_path)
  Status s = compiler->compiler->emitSharedLibrary(
      spec, options ? options->options : CompileOptions(), output_path);
  return s ? capi::succeed() : capi::fail(s);
}

sparsa_status sparsa_compiler_cache_stats(const sparsa_compiler *compiler,
                                          sparsa_cache_stats *out) {
  SPARSA_CHECK_NOT_NULL(compiler)
  SPARSA_CHECK_NOT_NULL(out)
  CacheStats s = compiler->compiler->cacheStats();
  out->requests = s.requests;
  out->exact_hits = s.exactHits;
  out->structure_hits = s.structureHits;
  out->compilations = s.compilations;
  out->failures = s.failures;
  out->entries = s.entries;
  out->compile_seconds = s.compileSeconds;
  return capi::succeed();
}

} // extern "C"
