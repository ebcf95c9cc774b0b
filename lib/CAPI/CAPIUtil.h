//===- CAPIUtil.h - shared pieces of the C API ------------------*- C++ -*-===//
//
// The handle types behind the opaque C structs, and the thread-local error
// message. The runtime library owns the message so that libsparsa's C
// functions and libsparsa_runtime's report through one sparsa_last_error().
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_CAPI_CAPIUTIL_H
#define SPARSA_LIB_CAPI_CAPIUTIL_H

#include "sparsa/Export.h"
#include "sparsa/Kernel.h"
#include "sparsa/Result.h"
#include "sparsa/c/sparsa.h"

#include <string>

struct sparsa_kernel {
  sparsa::Kernel kernel;
};

namespace sparsa::capi {

/// Records `status` as the calling thread's last error; returns its code.
SPARSA_API sparsa_status fail(const Status &status);
SPARSA_API sparsa_status fail(sparsa_status code, const std::string &message);
/// Clears the thread's error and returns SPARSA_OK.
SPARSA_API sparsa_status succeed();

/// Runtime parameters of a C call.
SPARSA_API bool makeParams(const char *const *names, const int64_t *values,
                           size_t count, Params &out);

} // namespace sparsa::capi

#endif // SPARSA_LIB_CAPI_CAPIUTIL_H
