"""Attention patterns as pairs (sparsa spec text, Python predicate), the
predicate written from the pattern language's definition
(docs: SPEC_LANGUAGE "Meaning" table), independently of the compiler. The
predicates work on broadcastable integer tensors, so they serve both the
dense float64 reference and FlexAttention's mask_mod."""

import random

import torch

M64 = (1 << 64) - 1


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def draw_random_blocks(seed, qb, nkb, count):
    """mask.random_blocks' counter-based draw (Floyd's algorithm)."""
    if nkb <= 0 or count <= 0:
        return []
    if count >= nkb:
        return list(range(nkb))
    out = []
    for j in range(nkb - count, nkb):
        h = _mix64((seed + 0x9e3779b97f4a7c15) & M64)
        h = _mix64(h ^ ((qb * 0x9e3779b97f4a7c15) & M64))
        h = _mix64(h ^ ((j + 0x632be59bd9b4e019) & M64))
        t = h % (j + 1)
        out.append(j if t in out else t)
    return sorted(out)


class Ctx:
    """Sequence lengths, runtime parameters and device of one evaluation."""

    def __init__(self, nq, nk, params=None, device="cuda"):
        self.nq, self.nk, self.params, self.device = nq, nk, params or {}, device
        self.tables = {}


# Each node: (spec text, fn(ctx, h, q, k) -> bool tensor)
def causal(c=0):
    return ("causal" if c == 0 else f"causal({c})",
            lambda x, h, q, k: k <= q + c)


def window(before, after):
    return (f"window({before}, {after})",
            lambda x, h, q, k: (k >= q - before) & (k <= q + after))


def stride(p, r=None):
    if r is None:
        return (f"stride({p})", lambda x, h, q, k: (q - k) % p == 0)
    return (f"stride({p}, {r})", lambda x, h, q, k: (q - k) % p == r)


def dilated(before, after, d):
    return (f"dilated({before}, {after}, {d})",
            lambda x, h, q, k: (k >= q - before) & (k <= q + after)
            & ((q - k) % d == 0))


def _in_range(x, a, b, n):
    a = a + n if a < 0 else a
    b = n if b is None else (b + n if b < 0 else b)
    return (x >= max(a, 0)) & (x < min(b, n))


def _range_text(a, b):
    return f"{a}..{'' if b is None else b}"


def global_(a, b):
    return (f"global({_range_text(a, b)})",
            lambda x, h, q, k: _in_range(q, a, b, x.nq) | _in_range(k, a, b, x.nk))


def global_cols(a, b):
    return (f"global_cols({_range_text(a, b)})",
            lambda x, h, q, k: _in_range(k, a, b, x.nk))


def global_rows(a, b):
    return (f"global_rows({_range_text(a, b)})",
            lambda x, h, q, k: _in_range(q, a, b, x.nq))


def blocks(b):
    return (f"blocks({b})", lambda x, h, q, k: q // b == k // b)


def summary(p, c):
    return (f"summary({p}, {c})", lambda x, h, q, k: k % p >= p - c)


def prefix(n):
    return (f"prefix({n})", lambda x, h, q, k: k < n)


def random_blocks(b, r, seed):
    def fn(x, h, q, k):
        key = (b, r, seed)
        if key not in x.tables:
            nqb, nkb = -(-x.nq // b), -(-x.nk // b)
            rows = [draw_random_blocks(seed, i, nkb, r) for i in range(nqb)]
            width = max(1, max(len(rw) for rw in rows))
            t = torch.full((nqb, width), -1, dtype=torch.int64)
            for i, rw in enumerate(rows):
                t[i, :len(rw)] = torch.tensor(rw, dtype=torch.int64)
            x.tables[key] = t.to(x.device)
        t = x.tables[key]
        qb, kb = q // b, k // b
        hit = t[qb, 0] == kb
        for j in range(1, t.shape[1]):
            hit = hit | (t[qb, j] == kb)
        return hit
    return (f"random_blocks({b}, {r}, {seed})", fn)


def union(*ns):
    def fn(x, h, q, k):
        out = ns[0][1](x, h, q, k)
        for n in ns[1:]:
            out = out | n[1](x, h, q, k)
        return out
    return ("(" + " | ".join(n[0] for n in ns) + ")", fn)


def inter(*ns):
    def fn(x, h, q, k):
        out = ns[0][1](x, h, q, k)
        for n in ns[1:]:
            out = out & n[1](x, h, q, k)
        return out
    return ("(" + " & ".join(n[0] for n in ns) + ")", fn)


def diff(a, b):
    return (f"({a[0]} - {b[0]})",
            lambda x, h, q, k: a[1](x, h, q, k) & ~b[1](x, h, q, k))


def heads(ranges):
    """ranges: [(end, node)], half-open from the previous end."""
    text = "heads { " + "; ".join(
        f"{lo}..{end}: {n[0]}" for (lo, (end, n)) in zip(
            [0] + [e for e, _ in ranges[:-1]], ranges)) + " }"

    def fn(x, h, q, k):
        out = None
        lo = 0
        for end, n in ranges:
            sel = (h >= lo) & (h < end)
            term = sel & n[1](x, h, q, k)
            out = term if out is None else out | term
            lo = end
        return out
    return (text, fn)


class Runtime:
    """A runtime parameter: spec `param NAME : runtime`, value in ctx."""

    def __init__(self, name):
        self.name = name


def runtime_window(name):
    return (f"window({name}, 0)",
            lambda x, h, q, k: (k >= q - x.params[name]) & (k <= q))


def runtime_prefix(name):
    return (f"prefix({name})", lambda x, h, q, k: k < x.params[name])


# The benchmark patterns (docs/benchmarks.md, "CUDA kernels").
BENCH = {
    "causal": causal(),
    "sliding_window_1024": inter(causal(), window(1024, 0)),
    "longformer_512_64": union(window(512, 512), global_(0, 64)),
    "strided_128": inter(causal(), union(window(128, 0), stride(128))),
    "fixed_128_16": inter(causal(), union(blocks(128), summary(128, 16))),
    "dilated_1024_2": dilated(1024, 0, 2),
    "bigbird_64": union(window(64, 64), global_(0, 128),
                        random_blocks(64, 3, 2020)),
    "block_causal_2048": inter(causal(), blocks(2048)),
}

# The example specs of examples/patterns, re-stated; runtime parameter
# values used by the checks; number of heads the pattern needs.
EXAMPLES = {
    "attention_sinks": (inter(causal(), union(runtime_window("W"),
                                              global_cols(0, 4))),
                        {"W": 300}, None),
    "block_causal": (inter(blocks(8192), causal()), {}, None),
    "per_head": (heads([(8, inter(causal(), window(4096, 0))),
                        (12, inter(causal(), union(window(128, 0),
                                                   stride(128)))),
                        (16, causal())]), {}, 16),
    "prefix_lm": (union(causal(), runtime_prefix("P")), {"P": 100}, None),
    "sliding_window": (inter(causal(), runtime_window("W")), {"W": 200},
                       None),
    "strided": (BENCH["strided_128"], {}, None),
    "fixed": (inter(causal(), union(blocks(128), summary(128, 8))), {}, None),
    "bigbird": (BENCH["bigbird_64"], {}, None),
    "dilated": (dilated(1024, 0, 2), {}, None),
    "longformer": (union(window(256, 256), global_(0, 64)), {}, None),
    "causal": (causal(), {}, None),
}


def random_pattern(rng):
    """A random pattern tree of the constructs above."""
    def leaf():
        kind = rng.choice(["causal", "window", "stride", "dilated", "global",
                           "gcols", "grows", "blocks", "summary", "prefix",
                           "random", "causalc"])
        if kind == "causal":
            return causal()
        if kind == "causalc":
            return causal(rng.choice([-64, -1, 5, 100]))
        if kind == "window":
            return window(rng.choice([0, 1, 17, 64, 100, 300]),
                          rng.choice([0, 0, 3, 64, 129]))
        if kind == "stride":
            p = rng.choice([2, 3, 64, 100, 128])
            return stride(p) if rng.random() < 0.6 else stride(
                p, rng.randrange(p))
        if kind == "dilated":
            return dilated(rng.choice([50, 200, 513]), rng.choice([0, 31]),
                           rng.choice([2, 3, 4]))
        if kind in ("global", "gcols", "grows"):
            a, b = rng.choice([(0, 1), (0, 16), (5, 70), (-16, None),
                               (0, 200)])
            return {"global": global_, "gcols": global_cols,
                    "grows": global_rows}[kind](a, b)
        if kind == "blocks":
            return blocks(rng.choice([16, 64, 100, 128, 256]))
        if kind == "summary":
            p = rng.choice([64, 100, 128])
            return summary(p, rng.choice([1, 8, 16]))
        if kind == "prefix":
            return prefix(rng.choice([1, 10, 130]))
        return random_blocks(rng.choice([32, 64, 128]), rng.choice([1, 2, 3]),
                             rng.randrange(1000))

    def tree(depth):
        if depth == 0 or rng.random() < 0.35:
            return leaf()
        op = rng.choice(["|", "&", "&", "-"])
        if op == "-":
            return diff(tree(depth - 1), tree(depth - 1))
        kids = [tree(depth - 1) for _ in range(rng.choice([2, 2, 3]))]
        return union(*kids) if op == "|" else inter(*kids)
    return tree(2)


def spec_text(node, runtime=()):
    lines = [f"param {name} : runtime" for name in runtime]
    return "\n".join(lines + [node[0]]) + "\n"


def dense_mask(node, h, nq, nk, params=None, device="cuda"):
    """[h, nq, nk] bool: the pattern evaluated on every pair."""
    x = Ctx(nq, nk, params, device)
    hh = torch.arange(h, device=device).view(h, 1, 1)
    q = torch.arange(nq, device=device).view(1, nq, 1)
    k = torch.arange(nk, device=device).view(1, 1, nk)
    return node[1](x, hh, q, k).expand(h, nq, nk)
