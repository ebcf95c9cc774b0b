//===- LibraryFileTest.cpp - damaged, foreign and rebuilt library files ---===//
//
// Kernel libraries are verified before dlopen: truncated or flipped files,
// files without the trailer, FIFOs, directories and devices are a Status
// (never a SIGBUS, SIGILL or a blocked call); a library rebuilt at the same
// path is loaded anew. The disk cache rebuilds damaged and foreign entries,
// refuses directories it cannot write, and falls back to memory (printing
// nothing, leaving no temporary files) when an entry cannot be written.
//
//===----------------------------------------------------------------------===//

#include "test/unit/JIT/JITTestUtil.h"

#include "sparsa/Compiler.h"
#include "sparsa/Runtime.h"

#include "gtest/gtest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

using namespace sparsa;
using namespace sparsa::jittest;

namespace {

CompileOptions options(const std::string &name = "") {
  CompileOptions o;
  o.headDim = 16;
  o.blockQ = o.blockK = 16;
  o.name = name;
  return o;
}

std::string tempDir(const std::string &name) {
  std::string dir = testing::TempDir() + "/sparsa-libfile-" + name + "-" +
                    std::to_string(::getpid());
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  return dir;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.')
        names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void expectDamaged(const Result<Kernel> &k, const std::string &path) {
  ASSERT_FALSE(k) << path;
  EXPECT_EQ(k.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(k.message().find("'" + path +
                             "' is not a sparsa kernel library or damaged; "
                             "rebuild it"),
            std::string::npos)
      << k.message();
}

/// Runs `k` on fresh random inputs and compares with `allowed`.
void expectComputes(const Kernel &k, const Allowed &allowed,
                    const Params &params = {}) {
  std::mt19937_64 rng(std::random_device{}());
  Problem p(1, 2, 1, 37, 37, 16, rng);
  Status s = k.run(p.tq, p.tk, p.tv, p.to, &p.tlse, params);
  ASSERT_TRUE(s) << s.message();
  Check c = compareWithReference(p, allowed, true);
  EXPECT_TRUE(c.ok()) << c.maxErr;
}

bool causal(int64_t, int64_t q, int64_t k) { return k <= q; }
bool window2(int64_t, int64_t q, int64_t k) { return q - k <= 2 && k - q <= 2; }

/// The disk cache's file name for a structure key: FNV-1a of the key.
std::string entryBaseOfKey(const std::string &dir, const std::string &key) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : key) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
  return dir + "/sparsa-" + hex;
}

/// The disk cache's file name for `spec`.
std::string entryBase(Compiler &c, const std::string &dir,
                      const std::string &spec) {
  auto key = c.structureKey(spec, options());
  EXPECT_TRUE(key);
  return entryBaseOfKey(dir, key ? *key : "");
}

/// The flags of the first processor in /proc/cpuinfo (none if unreadable).
std::set<std::string> cpuFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      return {std::istream_iterator<std::string>(words), {}};
    }
  return {};
}

} // namespace

TEST(LibraryFile, TruncatedAndDamagedLibrariesAreRefused) {
  std::string dir = tempDir("damaged");
  std::string path = dir + "/causal.so", bad = dir + "/bad.so";
  Compiler c;
  ASSERT_TRUE(c.emitSharedLibrary("causal", options("causal"), path));
  std::string bytes = readBytes(path);
  ASSERT_GT(bytes.size(), 16000u);
  // Truncated anywhere (the SIGBUS sizes among them), one flipped byte, the
  // ELF image without its trailer: refused by load and list alike.
  std::vector<std::string> variants;
  for (size_t n : {size_t(0), size_t(100), size_t(1000), size_t(4096),
                   size_t(8000), size_t(16000), bytes.size() - 1})
    variants.push_back(bytes.substr(0, n));
  for (size_t at : {size_t(0), size_t(600), bytes.size() / 2, bytes.size() - 40,
                    bytes.size() - 1}) {
    variants.push_back(bytes);
    variants.back()[at] ^= 0x20;
  }
  variants.push_back(bytes.substr(0, bytes.size() - 32));
  for (const std::string &v : variants) {
    writeBytes(bad, v);
    expectDamaged(loadKernel(bad), bad);
    auto list = listKernels(bad);
    EXPECT_FALSE(list);
  }
  // The original still loads and computes.
  auto k = loadKernel(path);
  ASSERT_TRUE(k) << k.message();
  expectComputes(*k, causal);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(LibraryFile, NonRegularFilesAreRefusedWithoutBlocking) {
  std::string dir = tempDir("fifo");
  std::string fifo = dir + "/fifo.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pending = std::async(std::launch::async,
                            [&] { return loadKernel(fifo).message(); });
  if (pending.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "loadKernel blocked on a FIFO";
    int fd = ::open(fifo.c_str(), O_WRONLY); // lets the blocked open return
    ::close(fd);
  }
  EXPECT_EQ(pending.get(), "cannot load '" + fifo + "': not a regular file");
  for (std::string path : {dir, std::string("/dev/zero")}) {
    auto k = loadKernel(path);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(k.message(), "cannot load '" + path + "': not a regular file");
    EXPECT_FALSE(listKernels(path));
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(LibraryFile, ALibraryRebuiltAtTheSamePathIsLoadedAnew) {
  std::string dir = tempDir("rebuilt");
  std::string path = dir + "/x.so";
  Compiler c;
  ASSERT_TRUE(c.emitSharedLibrary("causal", options("pat"), path));
  auto first = loadKernel(path);
  ASSERT_TRUE(first) << first.message();
  // Another pattern under the same kernel name, while `first` lives.
  ASSERT_TRUE(c.emitSharedLibrary("window(2, 2)", options("pat"), path));
  auto second = loadKernel(path);
  ASSERT_TRUE(second) << second.message();
  expectComputes(*second, window2);
  expectComputes(*first, causal);
  // Truncating the file under a loaded kernel does not touch its code.
  ::truncate(path.c_str(), 1000);
  expectComputes(*first, causal);
  expectComputes(*second, window2);
  expectDamaged(loadKernel(path), path);
  // Nothing but the library is left in the directory.
  EXPECT_EQ(listDir(dir), std::vector<std::string>{"x.so"});
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(DiskCache, DamagedAndForeignEntriesAreRebuilt) {
  std::string dir = tempDir("cache");
  const std::string spec = "causal", other = "window(2, 2)";
  std::string base;
  {
    Compiler c;
    ASSERT_TRUE(c.setDiskCache(dir));
    ASSERT_TRUE(c.compile(spec, options()));
    ASSERT_TRUE(c.compile(other, options()));
    base = entryBase(c, dir, spec);
  }
  std::string so = base + ".so";
  std::string good = readBytes(so);
  ASSERT_GT(good.size(), 16000u);
  Compiler o;
  std::string foreign = readBytes(entryBase(o, dir, other) + ".so");
  ASSERT_FALSE(foreign.empty());
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  struct Case {
    const char *what;
    std::string bytes;
  } cases[] = {{"truncated", good.substr(0, 4000)},
               {"truncated", good.substr(0, 16000)},
               {"flipped", flipped},
               {"foreign", foreign}};
  for (const Case &cs : cases) {
    writeBytes(so, cs.bytes);
    {
      Compiler c;
      ASSERT_TRUE(c.setDiskCache(dir));
      auto k = c.compile(spec, options());
      ASSERT_TRUE(k) << cs.what << ": " << k.message();
      expectComputes(*k, causal);
      EXPECT_EQ(c.cacheStats().diskHits, 0u) << cs.what;
      EXPECT_EQ(c.cacheStats().compilations, 1u) << cs.what;
    }
    // Rebuilt in place: the next compiler loads it.
    Compiler c;
    ASSERT_TRUE(c.setDiskCache(dir));
    auto k = c.compile(spec, options());
    ASSERT_TRUE(k) << k.message();
    expectComputes(*k, causal);
    EXPECT_EQ(c.cacheStats().diskHits, 1u) << cs.what;
  }
  for (const std::string &name : listDir(dir))
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(DiskCache, EntriesAreKeyedByTheHostCPUAndTheVersions) {
  // The cached code is built for this CPU: the key names the CPU, its
  // features (as the kernel reports them too), sparsa's and LLVM's versions.
  Compiler c;
  const std::string spec = "causal";
  auto key = c.structureKey(spec, options());
  ASSERT_TRUE(key) << key.message();
  const auto npos = std::string::npos;
  size_t cpuAt = key->find(";cpu=");
  ASSERT_NE(cpuAt, npos) << *key;
  cpuAt += 5;
  size_t cpuEnd = key->find(';', cpuAt);
  ASSERT_NE(cpuEnd, npos);
  EXPECT_GT(cpuEnd, cpuAt) << "empty CPU name";
  EXPECT_NE(key->find(std::string(";sparsa=") + version() + ";"), npos) << *key;
  EXPECT_NE(key->find(";llvm=22."), npos) << *key;
  std::set<std::string> flags = cpuFlags();
  for (const char *f : {"sse4_2", "avx", "avx2", "fma", "avx512f"}) {
    if (flags.empty())
      break;
    std::string feature =
        std::string("+") + (f == std::string("sse4_2") ? "sse4.2" : f) + ",";
    EXPECT_EQ(key->find(feature) != npos, flags.count(f) == 1)
        << f << " in /proc/cpuinfo: " << flags.count(f) << "\n"
        << *key;
  }

  // A machine with another CPU (here: another name, no AVX-512) sharing the
  // directory writes its entry under its own key and name, and neither
  // machine ever loads the other's.
  std::string other = *key;
  other.replace(cpuAt, cpuEnd - cpuAt, "simulated-avx2-cpu");
  if (size_t at = other.find("+avx512f,"); at != npos)
    other.erase(at, 9);
  std::string dir = tempDir("host");
  std::string mine = entryBaseOfKey(dir, *key),
              theirs = entryBaseOfKey(dir, other);
  ASSERT_NE(mine, theirs);
  {
    Compiler a;
    ASSERT_TRUE(a.setDiskCache(dir));
    ASSERT_TRUE(a.compile(spec, options()));
    EXPECT_EQ(a.cacheStats().compilations, 1u);
  }
  std::string keyFile = readBytes(mine + ".key");
  size_t eol = keyFile.find('\n');
  ASSERT_NE(eol, npos);
  EXPECT_EQ(keyFile.substr(eol + 1), *key);
  // This machine's library becomes the other machine's entry (valid in
  // every respect but the CPU it was built for).
  ASSERT_EQ(::rename((mine + ".so").c_str(), (theirs + ".so").c_str()), 0);
  writeBytes(theirs + ".key", keyFile.substr(0, eol + 1) + other);
  ::unlink((mine + ".key").c_str());
  {
    Compiler b;
    ASSERT_TRUE(b.setDiskCache(dir));
    auto k = b.compile(spec, options());
    ASSERT_TRUE(k) << k.message();
    expectComputes(*k, causal);
    EXPECT_EQ(b.cacheStats().diskHits, 0u);
    EXPECT_EQ(b.cacheStats().compilations, 1u);
  }
  std::vector<std::string> expected = {mine.substr(dir.size() + 1) + ".key",
                                       mine.substr(dir.size() + 1) + ".so",
                                       theirs.substr(dir.size() + 1) + ".key",
                                       theirs.substr(dir.size() + 1) + ".so"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listDir(dir), expected);
  Compiler d;
  ASSERT_TRUE(d.setDiskCache(dir));
  ASSERT_TRUE(d.compile(spec, options()));
  EXPECT_EQ(d.cacheStats().diskHits, 1u);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(DiskCache, UnusableDirectoriesAreErrors) {
  std::string dir = tempDir("unusable");
  std::string file = dir + "/file";
  writeBytes(file, "x");
  for (std::string path :
       {file, std::string("/proc/sparsa-cache"), std::string("/proc/self")}) {
    Compiler c;
    testing::internal::CaptureStderr();
    Status s = c.setDiskCache(path);
    ASSERT_FALSE(s) << path;
    EXPECT_EQ(s.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(s.message().find("cannot use '" + path + "' as the disk cache: "),
              std::string::npos)
        << s.message();
    EXPECT_NE(s.message().find("(compiling in memory)"), std::string::npos);
    // The compiler works from memory.
    auto k = c.compile("causal", options());
    ASSERT_TRUE(k) << k.message();
    expectComputes(*k, causal);
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  }
  // A usable directory after an unusable one turns the disk cache on.
  Compiler c;
  ASSERT_FALSE(c.setDiskCache(file));
  ASSERT_TRUE(c.setDiskCache(dir + "/cache"));
  ASSERT_TRUE(c.compile("causal", options()));
  EXPECT_EQ(listDir(dir + "/cache").size(), 2u);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST(DiskCache, AnEntryThatCannotBeWrittenCompilesInMemory) {
  std::string dir = tempDir("unwritable");
  Compiler c;
  ASSERT_TRUE(c.setDiskCache(dir));
  // The library's name is taken by a directory: writing the entry fails
  // after the linker ran.
  std::string base = entryBase(c, dir, "causal");
  ASSERT_EQ(::mkdir((base + ".so").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir((base + ".so/x").c_str(), 0700), 0);
  testing::internal::CaptureStderr();
  auto k = c.compile("causal", options());
  std::string printed = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(k) << k.message();
  expectComputes(*k, causal);
  EXPECT_EQ(printed, "");
  EXPECT_EQ(c.cacheStats().compilations, 1u);
  // No temporary file is left behind.
  std::string name = base.substr(dir.size() + 1) + ".so";
  EXPECT_EQ(listDir(dir), std::vector<std::string>{name});
  // The directory removed under the compiler: still compiles, from memory.
  std::system(("rm -rf '" + dir + "'").c_str());
  testing::internal::CaptureStderr();
  auto w = c.compile("window(2, 2)", options());
  printed = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(w) << w.message();
  expectComputes(*w, window2);
  EXPECT_EQ(printed, "");
}
