//===- TileClass.h - the class of a (query tile, key tile) pair -*- C++ -*-===//
//
// The one enum for tile classes outside the IR: the tile classification
// (lib/Analysis/TileClassification.h) produces it and the mask pictures
// (lib/Draw) draw it. No MLIR or LLVM header, so the drawing library can use
// it without depending on the analyses. In the IR, `#sattn.class` names
// only the classes a schedule visits (full, partial): an EMPTY tile is
// never visited, so it has no spelling there (docs/analysis.md).
//
//===----------------------------------------------------------------------===//

#ifndef SPARSA_LIB_ANALYSIS_TILECLASS_H
#define SPARSA_LIB_ANALYSIS_TILECLASS_H

#include <cstdint>

namespace sparsa::analysis {

/// EMPTY: no pair of the two tiles is allowed; PARTIAL: some may be (the
/// kernel evaluates the predicate); FULL: every pair is (no predicate).
enum class TileClass : uint8_t { Empty, Partial, Full };

} // namespace sparsa::analysis

#endif // SPARSA_LIB_ANALYSIS_TILECLASS_H
