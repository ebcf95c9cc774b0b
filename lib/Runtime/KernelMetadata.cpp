//===- KernelMetadata.cpp - write and read AOT kernel metadata ------------===//
//
// The line format of KernelMetadata.h. The reader is strict (unknown
// versions, missing fields and malformed numbers are errors) because a
// wrong head dimension or parameter count would make the kernel read out of
// bounds.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelMetadata.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

using namespace sparsa::runtime;

std::string
sparsa::runtime::formatModuleMetadata(const std::vector<std::string> &names) {
  std::string s = "sparsa-module 1\n";
  for (const std::string &n : names)
    s += "attention " + n + "\n";
  return s;
}

std::string
sparsa::runtime::formatAttentionMetadata(const AttentionMetadata &a) {
  std::string s = "sparsa-attention 3\nname " + a.name + "\n";
  for (const PartMetadata &p : a.parts) {
    s += "part " + p.symbol + " head_dim=" + std::to_string(p.headDim) +
         " block_q=" + std::to_string(p.blockQ) +
         " block_k=" + std::to_string(p.blockK) +
         " vector_width=" + std::to_string(p.vectorWidth) +
         " covers_all_queries=" + (p.coversAllQueries ? "1" : "0") + " params=";
    for (size_t i = 0; i < p.params.size(); ++i)
      s += (i ? "," : "") + p.params[i];
    s += "\n";
  }
  if (!a.paramCheck.empty()) {
    s += "check " + a.paramCheck + "\n";
    for (const std::string &rule : a.paramRules)
      s += "rule " + rule + "\n";
  }
  return s;
}

static std::vector<std::string> splitLines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream is(text);
  std::string line;
  while (std::getline(is, line))
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

bool sparsa::runtime::parseModuleMetadata(const std::string &text,
                                          std::vector<std::string> &names,
                                          std::string &error) {
  std::vector<std::string> lines = splitLines(text);
  if (lines.empty() || lines[0] != "sparsa-module 1") {
    error = "unsupported module metadata version";
    return false;
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].rfind("attention ", 0) != 0) {
      error = "malformed module metadata line '" + lines[i] + "'";
      return false;
    }
    names.push_back(lines[i].substr(10));
  }
  return true;
}

static bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty())
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  out = v;
  return true;
}

bool sparsa::runtime::parseAttentionMetadata(const std::string &text,
                                             AttentionMetadata &out,
                                             std::string &error) {
  std::vector<std::string> lines = splitLines(text);
  if (lines.size() >= 1 && lines[0].rfind("sparsa-attention ", 0) == 0 &&
      lines[0] != "sparsa-attention 3") {
    // Version 1 kernels take 21 fixed arguments and cannot merge parts;
    // version 2 parameter checks take the parameters only (no lengths).
    error = "the library was built by another sparsa (" + lines[0] +
            ", this runtime reads version 3): rebuild it";
    return false;
  }
  if (lines.size() < 2 || lines[0] != "sparsa-attention 3" ||
      lines[1].rfind("name ", 0) != 0) {
    error = "unsupported attention metadata version";
    return false;
  }
  out.name = lines[1].substr(5);
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i].rfind("check ", 0) == 0) {
      out.paramCheck = lines[i].substr(6);
      continue;
    }
    if (lines[i].rfind("rule ", 0) == 0) {
      out.paramRules.push_back(lines[i].substr(5));
      continue;
    }
    std::istringstream is(lines[i]);
    std::string word;
    PartMetadata p;
    if (!(is >> word) || word != "part" || !(is >> p.symbol)) {
      error = "malformed attention metadata line '" + lines[i] + "'";
      return false;
    }
    int seen = 0;
    while (is >> word) {
      size_t eq = word.find('=');
      std::string key = word.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
      int64_t v = 0;
      bool isInt = parseInt(value, v);
      if (key == "params") {
        std::string name;
        std::istringstream ps(value);
        while (std::getline(ps, name, ','))
          p.params.push_back(name);
        seen |= 1;
        continue;
      }
      if (!isInt) {
        error = "malformed value in '" + word + "'";
        return false;
      }
      if (key == "head_dim")
        p.headDim = v, seen |= 2;
      else if (key == "block_q")
        p.blockQ = v, seen |= 4;
      else if (key == "block_k")
        p.blockK = v, seen |= 8;
      else if (key == "vector_width")
        p.vectorWidth = v;
      else if (key == "covers_all_queries")
        p.coversAllQueries = v != 0;
    }
    if (seen != 15 || p.headDim < 1 || p.blockQ < 1 || p.blockK < 1) {
      error = "incomplete metadata for part '" + p.symbol + "'";
      return false;
    }
    out.parts.push_back(std::move(p));
  }
  if (out.parts.empty()) {
    error = "attention '" + out.name + "' has no parts";
    return false;
  }
  return true;
}
