//===- Export.h - symbol visibility of the public API -----------*- C++ -*-===//
//
// libsparsa and libsparsa_runtime are built with hidden visibility; only
// what carries SPARSA_API is exported, so the compiler's internals (and the
// copies of LLVM/MLIR support code they pull in) never clash with a host
// program's own symbols.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_EXPORT_H
#define SPARSA_EXPORT_H

#if defined(_WIN32)
#define SPARSA_API __declspec(dllexport)
#else
#define SPARSA_API __attribute__((visibility("default")))
#endif

#endif // SPARSA_EXPORT_H
