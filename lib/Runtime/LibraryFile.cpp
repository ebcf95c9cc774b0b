//===- LibraryFile.cpp - sealed kernel library files ----------------------===//
//
// The trailer of LibraryFile.h: written after linking, checked before any
// dlopen. Plain POSIX I/O: no LLVM in the runtime.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/LibraryFile.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sparsa;
using namespace sparsa::runtime;

static_assert(sizeof(kLibraryMagic) - 1 == 16, "16 bytes of magic");

uint64_t runtime::fnv1a64(const void *data, size_t size) {
  const unsigned char *p = static_cast<const unsigned char *>(data);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

void putLE(char *out, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((x >> (8 * i)) & 0xff);
}

uint64_t getLE(const char *in) {
  uint64_t x = 0;
  for (int i = 0; i < 8; ++i)
    x |= uint64_t(static_cast<unsigned char>(in[i])) << (8 * i);
  return x;
}

std::string errnoText() { return std::strerror(errno); }

/// Reads all of `fd` (a regular file of `size` bytes).
bool readAll(int fd, std::string &out, uint64_t size) {
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, &out[done], size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool writeAll(int fd, const char *data, size_t size) {
  while (size) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

/// Opens `path` for reading without blocking (a FIFO without a writer
/// would block a plain open) and checks it is a regular file of at most
/// kMaxLibraryBytes.
Status openRegular(const std::string &path, int flags, int &fd,
                   uint64_t &size) {
  if (path.empty())
    return Status(ErrorCode::InvalidArgument, "library path is empty");
  fd = ::open(path.c_str(), flags | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return Status(ErrorCode::NotFound,
                  "cannot load '" + path + "': " + errnoText());
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fd = -1;
    return Status(ErrorCode::InvalidArgument,
                  "cannot load '" + path + "': not a regular file");
  }
  size = static_cast<uint64_t>(st.st_size);
  if (size > kMaxLibraryBytes) {
    ::close(fd);
    fd = -1;
    return Status(ErrorCode::InvalidArgument,
                  "cannot load '" + path + "': " + std::to_string(size) +
                      " bytes exceed the limit of " +
                      std::to_string(kMaxLibraryBytes));
  }
  // Blocking I/O from here on (a regular file never blocks for long).
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return Status::ok();
}

} // namespace

Status runtime::sealLibraryFile(const std::string &path) {
  int fd;
  uint64_t size;
  if (Status s = openRegular(path, O_RDWR, fd, size); !s)
    return s;
  std::string image;
  bool ok = readAll(fd, image, size);
  char trailer[kLibraryTrailerSize];
  std::memcpy(trailer, kLibraryMagic, 16);
  putLE(trailer + 16, size);
  putLE(trailer + 24, fnv1a64(image.data(), image.size()));
  ok = ok && ::lseek(fd, 0, SEEK_END) == static_cast<off_t>(size) &&
       writeAll(fd, trailer, sizeof(trailer));
  std::string why = errnoText();
  ok = (::close(fd) == 0) && ok;
  if (!ok)
    return Status(ErrorCode::CompileError,
                  "cannot seal the library '" + path + "': " + why);
  return Status::ok();
}

Status runtime::readLibraryFile(const std::string &path, std::string &image,
                                uint64_t &hash) {
  int fd;
  uint64_t size;
  if (Status s = openRegular(path, O_RDONLY, fd, size); !s)
    return s;
  bool ok = readAll(fd, image, size);
  std::string why = errnoText();
  ::close(fd);
  if (!ok)
    return Status(ErrorCode::NotFound, "cannot read '" + path + "': " + why);
  Status damaged(ErrorCode::InvalidArgument,
                 "'" + path +
                     "' is not a sparsa kernel library or damaged; rebuild "
                     "it (sparsac --emit=so)");
  if (size < kLibraryTrailerSize + 4)
    return damaged;
  const char *trailer = image.data() + size - kLibraryTrailerSize;
  uint64_t length = getLE(trailer + 16);
  if (std::memcmp(trailer, kLibraryMagic, 16) != 0 ||
      length != size - kLibraryTrailerSize)
    return damaged;
  hash = getLE(trailer + 24);
  static const char elfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (fnv1a64(image.data(), length) != hash ||
      std::memcmp(image.data(), elfMagic, 4) != 0)
    return damaged;
  image.resize(length);
  return Status::ok();
}
