//===- LibraryFile.h - sealed kernel library files --------------*- C++ -*-===//
//
// Every shared library that emitToFile writes ends in a 32-byte trailer
// after the ELF image (the dynamic loader maps only what the program
// headers name, so it never sees it): the magic "sparsa-kernel-v1", the
// image's length and a 64-bit FNV-1a hash of the image, both little-endian.
// The loader reads a library whole and checks the trailer before dlopen: a
// truncated, damaged or foreign file is a Status, never a SIGBUS or SIGILL
// inside the loaded code, and a FIFO or device is refused without blocking.
// Part of the MLIR-free runtime; the emitter (lib/Target/CPU) uses it too.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_RUNTIME_LIBRARYFILE_H
#define SPARSA_LIB_RUNTIME_LIBRARYFILE_H

#include "sparsa/Result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace sparsa::runtime {

inline constexpr char kLibraryMagic[] = "sparsa-kernel-v1";
inline constexpr size_t kLibraryTrailerSize = 32;
/// Larger files are refused before they are read.
inline constexpr uint64_t kMaxLibraryBytes = uint64_t(256) << 20;

/// 64-bit FNV-1a of `size` bytes.
uint64_t fnv1a64(const void *data, size_t size);

/// Appends the trailer to the library at `path` (written by the linker).
Status sealLibraryFile(const std::string &path);

/// Reads the library at `path`: a regular file (opened without blocking),
/// at most kMaxLibraryBytes, with a valid trailer whose hash matches. On
/// success `image` holds the ELF image (without the trailer) and `hash`
/// its hash.
Status readLibraryFile(const std::string &path, std::string &image,
                       uint64_t &hash);

} // namespace sparsa::runtime

#endif // SPARSA_LIB_RUNTIME_LIBRARYFILE_H
