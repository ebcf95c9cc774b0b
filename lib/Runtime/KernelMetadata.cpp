//===- KernelMetadata.cpp - write and read kernel metadata ----------------===//
//
// The line format of KernelMetadata.h. The reader is strict (unknown
// versions and targets, unknown, repeated or missing keys and malformed
// numbers are errors) because a wrong head dimension, parameter count or
// grid would make the kernel read out of bounds.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/KernelMetadata.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <sstream>
#include <type_traits>
#include <utility>

using namespace sparsa::runtime;

const char *sparsa::runtime::tokenMapKindName(TokenMapKind kind) {
  switch (kind) {
  case TokenMapKind::identity:
    return "identity";
  case TokenMapKind::residue:
    return "residue";
  case TokenMapKind::summaryGather:
    return "summary_gather";
  case TokenMapKind::memberGather:
    return "member_gather";
  }
  return "identity";
}

std::optional<TokenMapKind>
sparsa::runtime::parseTokenMapKind(const std::string &name) {
  for (TokenMapKind k :
       {TokenMapKind::identity, TokenMapKind::residue,
        TokenMapKind::summaryGather, TokenMapKind::memberGather})
    if (name == tokenMapKindName(k))
      return k;
  return std::nullopt;
}

bool PartMetadata::operator==(const PartMetadata &o) const {
  return symbol == o.symbol && headDim == o.headDim && blockQ == o.blockQ &&
         blockK == o.blockK && coversAllQueries == o.coversAllQueries &&
         params == o.params && vectorWidth == o.vectorWidth &&
         threads == o.threads && sharedBytes == o.sharedBytes &&
         elementType == o.elementType && queryMap == o.queryMap;
}

bool AttentionMetadata::operator==(const AttentionMetadata &o) const {
  return name == o.name && target == o.target && chip == o.chip &&
         imageFormat == o.imageFormat && parts == o.parts &&
         paramCheck == o.paramCheck && paramRules == o.paramRules &&
         hasBackward == o.hasBackward && backwardDq == o.backwardDq &&
         backwardDkdv == o.backwardDkdv;
}

std::string
sparsa::runtime::formatModuleMetadata(const std::vector<std::string> &names) {
  std::string s = "sparsa-module 1\n";
  for (const std::string &n : names)
    s += "attention " + n + "\n";
  return s;
}

template <typename T> static std::string joined(const std::vector<T> &items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      s += ",";
    if constexpr (std::is_same_v<T, std::string>)
      s += items[i];
    else
      s += std::to_string(items[i]);
  }
  return s;
}

std::string
sparsa::runtime::formatAttentionMetadata(const AttentionMetadata &a) {
  std::string s = "sparsa-attention " +
                  std::to_string(kAttentionMetadataVersion) + "\nname " +
                  a.name + "\ntarget " + a.target + "\n";
  if (a.target == "cuda")
    s += "image chip=" + a.chip + " format=" + a.imageFormat + "\n";
  for (const PartMetadata &p : a.parts) {
    s += "part " + p.symbol + " head_dim=" + std::to_string(p.headDim) +
         " block_q=" + std::to_string(p.blockQ) +
         " block_k=" + std::to_string(p.blockK) +
         " covers_all_queries=" + (p.coversAllQueries ? "1" : "0") +
         " params=" + joined(p.params);
    if (a.target == "cuda")
      s += " threads=" + std::to_string(p.threads) +
           " shared_bytes=" + std::to_string(p.sharedBytes) +
           " element_type=" + p.elementType +
           " query_map=" + tokenMapKindName(p.queryMap.kind) +
           " period=" + std::to_string(p.queryMap.period) +
           " count=" + std::to_string(p.queryMap.count) +
           " members=" + joined(p.queryMap.members);
    else
      s += " vector_width=" + std::to_string(p.vectorWidth);
    s += "\n";
  }
  if (a.hasBackward)
    s += "backward dq=" + joined(a.backwardDq) +
         " dkdv=" + joined(a.backwardDkdv) + "\n";
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
  if (s.empty() || s[0] == '+' ||
      std::isspace(static_cast<unsigned char>(s[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end)
    return false;
  out = v;
  return true;
}

static std::vector<std::string> splitList(const std::string &value) {
  std::vector<std::string> items;
  if (value.empty())
    return items;
  std::string item;
  std::istringstream is(value);
  while (std::getline(is, item, ','))
    items.push_back(item);
  if (value.back() == ',')
    items.push_back("");
  return items;
}

namespace {
/// Reads the `key=value` words of one line (a part's, against its
/// target's key set, or the image line) strictly; the first error wins.
class PartReader {
public:
  /// `where` opens every message ("part 'NAME_part0'").
  PartReader(std::string where, std::string &error)
      : where(std::move(where)), error(error) {}

  bool read(std::istringstream &words, const std::vector<std::string> &keys) {
    std::string word;
    while (words >> word) {
      size_t eq = word.find('=');
      std::string key = word.substr(0, eq);
      if (eq == std::string::npos)
        return fail("malformed word '" + word + "' (expected key=value)");
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        return fail("unknown key '" + key + "'");
      if (!values.emplace(key, word.substr(eq + 1)).second)
        return fail("repeated key '" + key + "'");
    }
    for (const std::string &key : keys)
      if (!values.count(key))
        return fail("missing key '" + key + "'");
    return true;
  }

  const std::string &text(const std::string &key) { return values[key]; }

  /// An integer of at least `min`.
  bool number(const std::string &key, int64_t min, int64_t &out) {
    if (!parseInt(values[key], out))
      return fail("malformed number " + key + "=" + values[key]);
    if (out < min)
      return fail(key + "=" + values[key] + " is below " + std::to_string(min));
    return true;
  }

  bool flag(const std::string &key, bool &out) {
    const std::string &v = values[key];
    if (v != "0" && v != "1")
      return fail("malformed flag " + key + "=" + v + " (expected 0 or 1)");
    out = v == "1";
    return true;
  }

  bool numbers(const std::string &key, std::vector<int64_t> &out) {
    for (const std::string &item : splitList(values[key])) {
      int64_t v = 0;
      if (!parseInt(item, v) || v < 0)
        return fail("malformed number list " + key + "=" + values[key]);
      out.push_back(v);
    }
    return true;
  }

  bool names(const std::string &key, std::vector<std::string> &out) {
    out = splitList(values[key]);
    for (const std::string &n : out)
      if (n.empty())
        return fail("empty name in " + key + "=" + values[key]);
    return true;
  }

  bool fail(const std::string &message) {
    error = where + ": " + message;
    return false;
  }

private:
  std::string where;
  std::string &error;
  std::map<std::string, std::string> values;
};
} // namespace

static bool parsePart(std::istringstream &words, const std::string &symbol,
                      const std::string &target, PartMetadata &p,
                      std::string &error) {
  std::vector<std::string> keys{"head_dim", "block_q", "block_k",
                                "covers_all_queries", "params"};
  bool cuda = target == "cuda";
  if (cuda)
    keys.insert(keys.end(), {"threads", "shared_bytes", "element_type",
                             "query_map", "period", "count", "members"});
  else
    keys.push_back("vector_width");
  PartReader r("part '" + symbol + "'", error);
  p.symbol = symbol;
  if (!r.read(words, keys) || !r.number("head_dim", 1, p.headDim) ||
      !r.number("block_q", 1, p.blockQ) || !r.number("block_k", 1, p.blockK) ||
      !r.flag("covers_all_queries", p.coversAllQueries) ||
      !r.names("params", p.params))
    return false;
  if (!cuda)
    return r.number("vector_width", 1, p.vectorWidth);
  if (!r.number("threads", 1, p.threads) ||
      !r.number("shared_bytes", 0, p.sharedBytes) ||
      !r.number("period", 1, p.queryMap.period) ||
      !r.number("count", 0, p.queryMap.count) ||
      !r.numbers("members", p.queryMap.members))
    return false;
  p.elementType = r.text("element_type");
  if (p.elementType != "bf16" && p.elementType != "f16")
    return r.fail("unknown element_type '" + p.elementType +
                  "' (expected bf16 or f16)");
  std::optional<TokenMapKind> kind = parseTokenMapKind(r.text("query_map"));
  if (!kind)
    return r.fail("unknown query_map kind '" + r.text("query_map") + "'");
  p.queryMap.kind = *kind;
  if (p.queryMap.kind == TokenMapKind::summaryGather &&
      p.queryMap.count > p.queryMap.period)
    return r.fail("a summary_gather map's count exceeds its period");
  return true;
}

/// `image chip=sm_XX format=bin|isa`, the second line of a CUDA
/// attention's metadata after the target.
static bool parseImageLine(const std::string &line, AttentionMetadata &out,
                           std::string &error) {
  std::istringstream words(line);
  std::string word;
  if (!(words >> word) || word != "image") {
    error = "attention metadata of '" + out.name +
            "' lacks the 'image chip=sm_XX format=bin|isa' line";
    return false;
  }
  PartReader r("the image line of '" + out.name + "'", error);
  if (!r.read(words, {"chip", "format"}))
    return false;
  out.chip = r.text("chip");
  out.imageFormat = r.text("format");
  if (out.chip.rfind("sm_", 0) != 0 || out.chip.size() < 5 ||
      !std::isdigit(static_cast<unsigned char>(out.chip[3])))
    return r.fail("malformed chip '" + out.chip + "' (expected sm_XX)");
  if (out.imageFormat != "bin" && out.imageFormat != "isa")
    return r.fail("unknown image format '" + out.imageFormat +
                  "' (expected bin or isa)");
  return true;
}

bool sparsa::runtime::parseAttentionMetadata(const std::string &text,
                                             AttentionMetadata &out,
                                             std::string &error,
                                             const char *expectedTarget) {
  std::vector<std::string> lines = splitLines(text);
  const std::string header =
      "sparsa-attention " + std::to_string(kAttentionMetadataVersion);
  if (lines.empty() || lines[0].rfind("sparsa-attention ", 0) != 0) {
    error = "not sparsa attention metadata (expected '" + header + "')";
    return false;
  }
  if (lines[0] != header) {
    // Version 1 kernels take 21 fixed arguments and cannot merge parts;
    // version 2 parameter checks take the parameters only (no lengths);
    // version 3 has neither the target line nor the strict key set.
    error = "the library was built by another sparsa (" + lines[0] +
            ", this runtime reads version " +
            std::to_string(kAttentionMetadataVersion) + "): rebuild it";
    return false;
  }
  if (lines.size() < 2 || lines[1].rfind("name ", 0) != 0 ||
      lines[1].size() == 5) {
    error = "attention metadata lacks the 'name NAME' line";
    return false;
  }
  out.name = lines[1].substr(5);
  if (lines.size() < 3 || lines[2].rfind("target ", 0) != 0) {
    error = "attention metadata of '" + out.name +
            "' lacks the 'target cpu|cuda' line";
    return false;
  }
  out.target = lines[2].substr(7);
  if (out.target != "cpu" && out.target != "cuda") {
    error = "attention '" + out.name + "' has unknown target '" + out.target +
            "' (expected cpu or cuda)";
    return false;
  }
  if (expectedTarget && out.target != expectedTarget) {
    error = "attention '" + out.name + "' is compiled for " + out.target +
            ", not " + expectedTarget;
    return false;
  }
  size_t first = 3;
  if (out.target == "cuda") {
    if (lines.size() < 4 || !parseImageLine(lines[3], out, error))
      return false;
    first = 4;
  }
  for (size_t i = first; i < lines.size(); ++i) {
    const std::string &line = lines[i];
    if (line.rfind("check ", 0) == 0 && out.paramCheck.empty()) {
      out.paramCheck = line.substr(6);
      continue;
    }
    if (line.rfind("rule ", 0) == 0 && !out.paramCheck.empty()) {
      out.paramRules.push_back(line.substr(5));
      continue;
    }
    if (line.rfind("backward ", 0) == 0 && !out.hasBackward &&
        out.paramCheck.empty() && !out.parts.empty()) {
      std::istringstream words(line.substr(9));
      PartReader r("backward of '" + out.name + "'", error);
      if (!r.read(words, {"dq", "dkdv"}) || !r.names("dq", out.backwardDq) ||
          !r.names("dkdv", out.backwardDkdv))
        return false;
      if (out.backwardDq.empty() || out.backwardDkdv.empty())
        return r.fail("needs dq and dkdv parts");
      out.hasBackward = true;
      continue;
    }
    std::istringstream words(line);
    std::string word, symbol;
    if (!(words >> word) || word != "part" || !(words >> symbol) ||
        !out.paramCheck.empty() || out.hasBackward) {
      error = "malformed attention metadata line '" + line + "'";
      return false;
    }
    PartMetadata p;
    if (!parsePart(words, symbol, out.target, p, error))
      return false;
    out.parts.push_back(std::move(p));
  }
  if (out.parts.empty()) {
    error = "attention '" + out.name + "' has no parts";
    return false;
  }
  return true;
}
