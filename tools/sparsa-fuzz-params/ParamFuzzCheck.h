//===- ParamFuzzCheck.h - runtime values through check, reference, kernel -===//
//
// The property the runtime-value fuzzer checks, shared with the unit tests
// (which replay its corpus and crash reproducers in every build). A fixed
// set of patterns whose leaves take runtime values (parameters, values
// derived from N, arithmetic between them) is compiled once; each input
// chooses a pattern, the sequence lengths and the parameter values — from
// the ends of int64, around the lengths, or raw — and
//   * the kernels' generated check accepts exactly what the reference
//     evaluator accepts (neither crashes: a zero divisor or an overflow is
//     an error of both);
//   * where both accept, the kernels, run on fresh random inputs with
//     poisoned outputs, match the float64 reference attention under the
//     reference mask.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_TOOLS_SPARSA_FUZZ_PARAMS_PARAMFUZZCHECK_H
#define SPARSA_TOOLS_SPARSA_FUZZ_PARAMS_PARAMFUZZCHECK_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sparsa::fuzz {

/// One decoded input: which pattern, the lengths and the parameter values.
struct ParamCase {
  unsigned pattern = 0;
  int64_t numQueries = 1, numKeys = 1;
  std::vector<int64_t> params;
  uint64_t seed = 0;
};

class ParamChecker {
public:
  /// Compiles every pattern of the fixed set (a few seconds).
  ParamChecker();
  ~ParamChecker();

  /// The number of patterns and their spec text.
  unsigned numPatterns() const;
  const std::string &patternText(unsigned i) const;

  /// Decodes fuzzer bytes into a case (any bytes give a valid case).
  ParamCase decode(const uint8_t *data, size_t size) const;

  /// Runs one case; an empty string when every invariant holds, else what
  /// broke.
  std::string check(const ParamCase &c);
  std::string check(const uint8_t *data, size_t size) {
    return check(decode(data, size));
  }

  /// How many checked cases the kernels refused and how many they ran.
  struct Counts {
    int64_t refused = 0, ran = 0;
  };
  Counts counts() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace sparsa::fuzz

#endif // SPARSA_TOOLS_SPARSA_FUZZ_PARAMS_PARAMFUZZCHECK_H
