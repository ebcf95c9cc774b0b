//===- RunAttention.cpp - run a compiled CPU kernel on tensors ------------===//
//
// Argument packing and validation for the kernel ABI, and the parallel call:
// work items are handed out one at a time, largest-first for causal-like
// masks, because their cost varies with the number of key tiles each query
// tile visits.
//
//===----------------------------------------------------------------------===//

#include "lib/Runtime/RunAttention.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace sparsa::runtime;

TensorRef sparsa::runtime::denseTensor(float *data, int64_t heads, int64_t seq,
                                       int64_t dim) {
  return TensorRef{data, heads * seq * dim, seq * dim, dim};
}

std::string sparsa::runtime::validate(const CompiledKernel &kernel,
                                      const AttentionProblem &p) {
  if (!kernel.entry || !kernel.workItems)
    return "kernel has no entry point";
  if (p.batch < 1 || p.headsQ < 1 || p.headsKV < 1)
    return "batch " + std::to_string(p.batch) + ", heads " +
           std::to_string(p.headsQ) + ", kv heads " +
           std::to_string(p.headsKV) + " must be positive";
  if (p.headsQ % p.headsKV != 0)
    return "query heads " + std::to_string(p.headsQ) +
           " must be a multiple of kv heads " + std::to_string(p.headsKV);
  if (p.seqQ < 1 || p.seqK < 1 || p.seqQ > kMaxSequenceLength ||
      p.seqK > kMaxSequenceLength)
    return "sequence lengths " + std::to_string(p.seqQ) + " x " +
           std::to_string(p.seqK) + " must be positive and at most 2^40";
  if (p.headDim != kernel.headDim)
    return "head dimension " + std::to_string(p.headDim) +
           " differs from the kernel's " + std::to_string(kernel.headDim);
  if (static_cast<int64_t>(p.params.size()) != kernel.numParams)
    return "kernel takes " + std::to_string(kernel.numParams) +
           " runtime parameters, got " + std::to_string(p.params.size());
  if (!p.q.data || !p.k.data || !p.v.data || !p.o.data)
    return "q, k, v and o must not be null";
  if (p.merge && !p.lse.data)
    return "merging into the output needs an LSE";
  return "";
}

std::vector<int64_t> sparsa::runtime::packArguments(const AttentionProblem &p) {
  std::vector<int64_t> a(kNumFixedArgs, 0);
  a[kBatch] = p.batch;
  a[kHeadsQ] = p.headsQ;
  a[kHeadsKV] = p.headsKV;
  a[kSeqQ] = p.seqQ;
  a[kSeqK] = p.seqK;
  auto put = [&](int64_t at, const TensorRef &t) {
    a[at] = t.strideB;
    a[at + 1] = t.strideH;
    a[at + 2] = t.strideN;
  };
  put(kQStrideB, p.q);
  put(kKStrideB, p.k);
  put(kVStrideB, p.v);
  put(kOStrideB, p.o);
  put(kLseStrideB, p.lse);
  a[kHasLse] = p.lse.data != nullptr;
  a[kMerge] = p.merge;
  a.insert(a.end(), p.params.begin(), p.params.end());
  return a;
}

std::string sparsa::runtime::checkParameters(
    ParamCheckFn check, const std::vector<std::string> &rules,
    const std::vector<std::string> &paramNames, const AttentionProblem &p) {
  if (!check)
    return "";
  std::vector<int64_t> args = packArguments(p);
  int64_t bad = callArgsFunction(check, args.data());
  if (bad < 0)
    return "";
  std::string given;
  for (size_t i = 0; i < p.params.size() && i < paramNames.size(); ++i)
    given += paramNames[i] + " = " + std::to_string(p.params[i]) + ", ";
  std::string rule = bad < static_cast<int64_t>(rules.size())
                         ? rules[bad]
                         : "rule " + std::to_string(bad);
  return rule + " (given " + given + "Nq = " + std::to_string(p.seqQ) +
         ", Nk = " + std::to_string(p.seqK) + ")";
}

void sparsa::runtime::clearOutputs(const AttentionProblem &p,
                                   ThreadPool &pool) {
  pool.parallelFor(p.batch * p.headsQ, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      int64_t b = bh / p.headsQ, h = bh % p.headsQ;
      for (int64_t n = 0; n < p.seqQ; ++n) {
        float *o =
            p.o.data + b * p.o.strideB + h * p.o.strideH + n * p.o.strideN;
        std::fill(o, o + p.headDim, 0.0f);
        if (p.lse.data)
          p.lse
              .data[b * p.lse.strideB + h * p.lse.strideH + n * p.lse.strideN] =
              -std::numeric_limits<float>::infinity();
      }
    }
  });
}

std::string sparsa::runtime::runAttention(const CompiledKernel &kernel,
                                          const AttentionProblem &p,
                                          ThreadPool &pool) {
  std::string error = validate(kernel, p);
  if (!error.empty())
    return error;
  std::vector<int64_t> args = packArguments(p);
  float scale =
      p.scale != 0 ? p.scale : 1.0f / std::sqrt(static_cast<float>(p.headDim));
  if (!kernel.coversAllQueries && !p.merge)
    clearOutputs(p, pool);
  int64_t items = callArgsFunction(kernel.workItems, args.data());
  // The order items are handed out in: the heaviest first keeps the tail
  // of the parallel loop short. A work item is (batch x head, query tile);
  // the costly query tiles of masks are the last ones (causal-like growth:
  // every key before the query) and the first ones (global or prefix rows
  // that see all keys), so query tiles go from both ends inward — last,
  // first, second to last, second, ... — each for every batch and head.
  const int64_t heads = p.batch * p.headsQ;
  const int64_t tiles = heads > 0 && items % heads == 0 ? items / heads : 0;
  auto itemAt = [&](int64_t pos) -> int64_t {
    if (tiles == 0)
      return items - 1 - pos;
    int64_t rank = pos / heads, bh = pos % heads;
    int64_t qt = rank % 2 == 0 ? tiles - 1 - rank / 2 : rank / 2;
    return bh * tiles + qt;
  };
  pool.parallelFor(items, 1, [&](int64_t begin, int64_t end) {
    for (int64_t pos = begin; pos < end; ++pos) {
      int64_t item = itemAt(pos);
      callKernel(kernel.entry, p.q.data, p.k.data, p.v.data, p.o.data,
                 p.lse.data, args.data(), scale, item, item + 1);
    }
  });
  return "";
}

std::string
sparsa::runtime::runAttentionParts(const std::vector<CompiledKernel> &parts,
                                   const AttentionProblem &p,
                                   ThreadPool &pool) {
  if (parts.empty())
    return "attention has no parts";
  if (parts.size() == 1)
    return runAttention(parts[0], p, pool);
  for (const CompiledKernel &k : parts) {
    std::string error = validate(k, p);
    if (!error.empty())
      return error;
  }
  // The first part writes O and LSE (clearing the rows it does not cover),
  // the others merge into them in place (KernelABI.h, kMerge). Without a
  // caller's LSE the parts meet in a scratch one of B * Hq * Nq floats.
  AttentionProblem part = p;
  std::vector<float> scratchLse;
  if (!p.lse.data) {
    scratchLse.resize(p.batch * p.headsQ * p.seqQ);
    part.lse = TensorRef{scratchLse.data(), p.headsQ * p.seqQ, p.seqQ, 1};
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    part.merge = i > 0;
    std::string error = runAttention(parts[i], part, pool);
    if (!error.empty())
      return error;
  }
  return "";
}

std::vector<int64_t>
sparsa::runtime::packBackwardArguments(const BackwardProblem &p,
                                       const TensorRef &delta) {
  std::vector<int64_t> args = packArguments(p.forward);
  for (const TensorRef *t : {&p.dO, &p.dq, &p.dk, &p.dv, &delta})
    args.insert(args.end(), {t->strideB, t->strideH, t->strideN});
  return args;
}

/// Sets the D elements of every row of `t` ([batch, heads, n, D]) to 0.
static void zeroRows(const sparsa::runtime::TensorRef &t, int64_t batch,
                     int64_t heads, int64_t n, int64_t d,
                     sparsa::runtime::ThreadPool &pool) {
  pool.parallelFor(batch * heads, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      float *base =
          t.data + (bh / heads) * t.strideB + (bh % heads) * t.strideH;
      for (int64_t i = 0; i < n; ++i)
        std::fill_n(base + i * t.strideN, d, 0.0f);
    }
  });
}

std::string sparsa::runtime::runBackward(const BackwardKernels &kernels,
                                         const BackwardProblem &p,
                                         ThreadPool &pool) {
  const AttentionProblem &f = p.forward;
  if (!f.lse.data)
    return "the backward pass needs the forward's LSE";
  if (!p.dO.data || !p.dq.data || !p.dk.data || !p.dv.data)
    return "the backward pass needs dO, dQ, dK and dV";
  const int64_t d = f.headDim;
  // delta = rowsum(dO * O), [B, Hq, Nq], in double for the sum.
  std::vector<float> delta(std::max<int64_t>(f.batch * f.headsQ * f.seqQ, 1));
  TensorRef deltaRef{delta.data(), f.headsQ * f.seqQ, f.seqQ, 1};
  pool.parallelFor(f.batch * f.headsQ, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      int64_t b = bh / f.headsQ, h = bh % f.headsQ;
      for (int64_t i = 0; i < f.seqQ; ++i) {
        const float *o =
            f.o.data + b * f.o.strideB + h * f.o.strideH + i * f.o.strideN;
        const float *g =
            p.dO.data + b * p.dO.strideB + h * p.dO.strideH + i * p.dO.strideN;
        double s = 0;
        for (int64_t x = 0; x < d; ++x)
          s += double(o[x]) * g[x];
        delta[bh * f.seqQ + i] = static_cast<float>(s);
      }
    }
  });
  zeroRows(p.dq, f.batch, f.headsQ, f.seqQ, d, pool);
  zeroRows(p.dk, f.batch, f.headsKV, f.seqK, d, pool);
  zeroRows(p.dv, f.batch, f.headsKV, f.seqK, d, pool);
  // A pattern that allows nothing has no parts: zero gradients.
  if (kernels.dq.empty() && kernels.dkdv.empty())
    return "";
  std::vector<int64_t> args = packBackwardArguments(p, deltaRef);
  float scale =
      f.scale != 0 ? f.scale : 1.0f / std::sqrt(static_cast<float>(d));
  // Parts one after another: each adds its pairs' share, and within a part
  // every gradient row belongs to one work item.
  for (const std::vector<CompiledBackward> *list : {&kernels.dq, &kernels.dkdv})
    for (const CompiledBackward &part : *list) {
      int64_t items = callArgsFunction(part.workItems, args.data());
      pool.parallelFor(items, 1, [&](int64_t begin, int64_t end) {
        callBackward(part.entry, f.q.data, f.k.data, f.v.data, p.dO.data,
                     f.lse.data, delta.data(), p.dq.data, p.dk.data, p.dv.data,
                     args.data(), scale, begin, end);
      });
    }
  return "";
}
