//===- sparsa.h - the whole C++ API of libsparsa ----------------*- C++ -*-===//
//
// Convenience header: patterns, the JIT compiler, kernels, tensors and the
// AOT loader. Host programs that only load AOT kernels (libsparsa_runtime)
// include sparsa/Runtime.h instead.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_SPARSA_H
#define SPARSA_SPARSA_H

#include "sparsa/Compiler.h"
#include "sparsa/Kernel.h"
#include "sparsa/Pattern.h"
#include "sparsa/Result.h"
#include "sparsa/Runtime.h"
#include "sparsa/Tensor.h"

#endif // SPARSA_SPARSA_H
