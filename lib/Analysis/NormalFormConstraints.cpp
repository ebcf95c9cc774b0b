//===- NormalFormConstraints.cpp - constraints of the normal form ---------===//
//
// Negation, equality and printing of the atomic constraints and clauses of
// the mask normal form.
//
//===----------------------------------------------------------------------===//

#include "lib/Analysis/MaskNormalForm.h"

using namespace sparsa::analysis;
using Kind = Constraint::Kind;

static const char *varName(MaskVar v) {
  switch (v) {
  case MaskVar::Head:
    return "h";
  case MaskVar::Query:
    return "q";
  case MaskVar::Key:
    return "k";
  case MaskVar::Distance:
    return "d";
  }
  return "?";
}

llvm::SmallVector<Constraint, 2> Constraint::negate() const {
  llvm::SmallVector<Constraint, 2> out;
  Constraint c = *this;
  switch (kind) {
  case Kind::Lower:
    c.kind = Kind::Upper;
    c.lo = lo - 1;
    out.push_back(c);
    break;
  case Kind::Upper:
    c.kind = Kind::Lower;
    c.lo = lo + 1;
    out.push_back(c);
    break;
  case Kind::Residue: {
    // not (lo <= x < hi) for x in [0, m): x in [0, lo) or x in [hi, m).
    Constraint below = *this, above = *this;
    below.lo = TileExpr::constant(0);
    below.hi = lo;
    above.lo = hi;
    above.hi = modulus;
    out.push_back(below);
    out.push_back(above);
    break;
  }
  case Kind::InSet:
    c.kind = Kind::NotInSet;
    out.push_back(c);
    break;
  case Kind::NotInSet:
    c.kind = Kind::InSet;
    out.push_back(c);
    break;
  case Kind::BlockLower:
    c.kind = Kind::BlockUpper;
    out.push_back(c);
    break;
  case Kind::BlockUpper:
    c.kind = Kind::BlockLower;
    out.push_back(c);
    break;
  case Kind::InRandom:
    c.kind = Kind::NotInRandom;
    out.push_back(c);
    break;
  case Kind::NotInRandom:
    c.kind = Kind::InRandom;
    out.push_back(c);
    break;
  }
  return out;
}

bool Constraint::operator==(const Constraint &o) const {
  auto same = [](const TileExpr &a, const TileExpr &b) {
    return (!a && !b) || (a && b && a == b);
  };
  return kind == o.kind && var == o.var && offset == o.offset &&
         same(lo, o.lo) && same(hi, o.hi) && same(modulus, o.modulus) &&
         members == o.members;
}

void Constraint::print(llvm::raw_ostream &os) const {
  const char *v = varName(var);
  auto printMembers = [&]() {
    os << "{";
    llvm::interleaveComma(members, os);
    os << "}";
  };
  switch (kind) {
  case Kind::Lower:
    os << v << " >= " << lo;
    return;
  case Kind::Upper:
    os << v << " <= " << lo;
    return;
  case Kind::Residue:
    os << v << " mod " << modulus << " in [" << lo << ", " << hi << ")";
    return;
  case Kind::InSet:
    os << v << " in ";
    printMembers();
    return;
  case Kind::NotInSet:
    os << v << " notin ";
    printMembers();
    return;
  case Kind::BlockLower:
  case Kind::BlockUpper:
    os << "k " << (kind == Kind::BlockLower ? ">=" : "<") << " " << modulus
       << " * (q / " << modulus << " + " << offset << ")";
    return;
  case Kind::InRandom:
  case Kind::NotInRandom:
    os << (kind == Kind::NotInRandom ? "!" : "")
       << (var == MaskVar::Query ? "random_by_key" : "random") << "(block "
       << modulus << ", count " << lo << ", seed " << hi << ")";
    return;
  }
}

void Clause::print(llvm::raw_ostream &os) const {
  if (constraints.empty()) {
    os << "true";
    return;
  }
  llvm::interleave(
      constraints, os, [&](const Constraint &c) { c.print(os); }, " && ");
}
