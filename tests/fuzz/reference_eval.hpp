// SPDX-License-Identifier: Apache-2.0
#pragma once
// The fuzzer's reference: evaluates a tree in long double, rounding every node to its element
// type (as IEEE arithmetic in that type would), and carries a first-order bound on how far a
// correct implementation may be from it:
//   - correctly rounded ops (+ - * / sqrt, casts, min/max/abs/neg, where) add nothing when their
//     operands are exact, else the propagated operand bounds plus 1 ULP (the rounding of a
//     perturbed value may land one ULP away);
//   - exp, log, sin, cos, tanh add 2.5 ULP: jitfuse's documented 2 ULP (tests/test_elementwise.cpp
//     table) plus the 0.5 ULP of rounding the reference itself;
//   - whole sums add (min(n, 1024) + 64) eps |x|: a sequential run of up to 1024 elements per
//     lane and a pairwise tree above it (the CPU fallback's 16384-element blocks of 16 lanes);
//     sums along an axis add n eps |x|, twice the (n - 1) u |x| that bounds any summation order
//     (Higham, Accuracy and Stability, 4.2): the CPU fallback accumulates them sequentially.
//   - a shift copies: its value and bound are its operand's at the mapped index, a constant
//     boundary's fill is exact;
//   - a reduction inside the tree is the reduction of its operand's values and bounds, as at
//     the root; its result then broadcasts like an input's;
//   - a cumulative sum's prefix or a rolling window is such a reduction in any order; a
//     cumulative product's prefix: see cumulative_product.
// Where a decision (a comparison, the sign of a divisor or of sqrt/log's argument) lies within
// the bound, the element is "ambiguous" and not compared. Integers are exact and wrap.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tree.hpp"

namespace fuzz {

using ld = long double;

struct value {
    ld v = 0;
    ld err = 0;           ///< absolute bound on |jitfuse - v|
    bool ambiguous = false;
};

inline ld ulp_in(kind k, ld x) {
    const int digits = k == kind::f32 ? 24 : 53;
    const ld tiny = k == kind::f32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
    x = std::fabs(x);
    if (!std::isfinite(x)) return 0;
    if (x < tiny) return std::ldexp(tiny, 1 - digits);
    int e = 0;
    std::frexp(x, &e);
    return std::ldexp(1.0L, e - digits);
}

inline ld round_to(kind k, ld x) {
    switch (k) {
        case kind::f32: return static_cast<float>(x);
        case kind::f64: return static_cast<double>(x);
        case kind::i32: return static_cast<std::int32_t>(static_cast<std::uint32_t>(static_cast<std::int64_t>(x)));
        default: return x != 0;
    }
}

/// e * s without 0 * inf = NaN: a zero bound stays zero.
inline ld scaled(ld e, ld s) { return e == 0 ? 0 : e * std::fabs(s); }

/// A sum of values of type `t` and its bound, one value at a time (a reduction, the prefixes
/// of a cumulative sum); `blocked`: the whole-array algorithm (bounded sequential runs), else
/// any summation order.
class summation {
  public:
    summation(kind t, bool blocked) : t_(t), blocked_(blocked) {}

    void add(const value& x) {
        sum_ += x.v;
        magnitude_ += std::fabs(x.v);
        err_ += x.err;
        ambiguous_ = ambiguous_ || x.ambiguous;
        ++n_;
    }

    /// The sum so far, or its mean (the mean of integers is float32).
    value total(bool mean) const {
        value r{0, err_, ambiguous_};
        if (t_ == kind::i32 && !mean) {
            r.v = round_to(kind::i32, sum_);
            return r;
        }
        const kind out = t_ == kind::i32 ? kind::f32 : t_;
        const ld eps = out == kind::f32 ? std::ldexp(1.0L, -23) : std::ldexp(1.0L, -52);
        const ld lanes = blocked_ ? std::min<ld>(n_, 1024) + 64 : std::max<ld>(n_, 1);
        r.err += scaled(lanes * eps, magnitude_);
        if (mean) {
            r.v = round_to(out, n_ == 0 ? NAN : sum_ / n_);
            r.err = n_ == 0 ? 0 : r.err / n_;
        } else {
            r.v = round_to(out, sum_);
        }
        r.err += ulp_in(out, r.v);
        if (!std::isfinite(r.err)) r.ambiguous = true;
        return r;
    }

  private:
    kind t_;
    bool blocked_;
    ld sum_ = 0, magnitude_ = 0, err_ = 0;
    bool ambiguous_ = false;
    ld n_ = 0;
};

/// Reduces `elements` (of type `t`) as `op` does ("sum", "max", "min", "mean"); `blocked`: the
/// whole-array algorithm (bounded sequential runs), else any summation order.
inline value reduce(const std::string& op, kind t, const std::vector<value>& elements, bool blocked) {
    if (op == "max" || op == "min") {
        value r;
        for (const auto& x : elements) r.ambiguous = r.ambiguous || x.ambiguous;
        ld best = op == "max" ? -INFINITY : INFINITY;
        for (const auto& x : elements) {
            if (std::isnan(x.v)) {
                best = NAN;
                break;
            }
            best = op == "max" ? std::max(best, x.v) : std::min(best, x.v);
            r.err = std::max(r.err, x.err);
        }
        r.v = best;
        return r;
    }
    summation s(t, blocked);
    for (const auto& x : elements) s.add(x);
    return s.total(op == "mean");
}

/// The prefixes of a cumulative product of values of type `t`. Integers wrap (exactly). In
/// floating point, any grouping of k factors (a scan may group them) rounds by at most (k-1) u
/// |p| (Higham 3.1), below k ULP, and the factors' bounds propagate as in a multiplication; but
/// where some run of factors multiplies to near overflow or underflow, the result depends on
/// the grouping (inf, or lost digits), so that prefix and those after it are ambiguous. Runs
/// are split at zeros, infinities and NaN, which give 0, inf or NaN in any grouping.
inline std::vector<value> cumulative_product(kind t, const std::vector<value>& factors) {
    std::vector<value> prefixes;
    if (t == kind::i32) {
        std::uint32_t p = 1;
        for (const auto& x : factors) {
            p *= static_cast<std::uint32_t>(static_cast<std::int64_t>(x.v));
            prefixes.push_back({static_cast<ld>(static_cast<std::int32_t>(p))});
        }
        return prefixes;
    }
    const int top = t == kind::f32 ? 127 : 1023, bottom = t == kind::f32 ? -125 : -1021;  // log2, one below the edge
    ld p = 1, err = 0, highest = 0, lowest = 0;  // log2 of the run ending here multiplying to the most, least
    bool ambiguous = false;
    for (const auto& x : factors) {
        err = scaled(err, x.v) + scaled(x.err, p) + err * x.err;
        p *= x.v;
        if (x.v == 0 || !std::isfinite(x.v)) {
            highest = lowest = 0;
        } else {
            const ld l = std::log2(std::fabs(x.v));
            highest = std::max<ld>(highest, 0) + l;
            lowest = std::min<ld>(lowest, 0) + l;
        }
        ambiguous = ambiguous || x.ambiguous || highest > top || lowest < bottom;
        const ld rounded = round_to(t, p);
        prefixes.push_back({rounded, err + static_cast<ld>(prefixes.size() + 1) * ulp_in(t, rounded), ambiguous});
    }
    return prefixes;
}

/// Element values of one input, in the row-major order of its (broadcast-free) shape.
struct input_data {
    std::vector<std::int64_t> shape;
    std::vector<ld> values;
    kind type;
};

class evaluator {
  public:
    explicit evaluator(const std::vector<input_data>& in) : in_(in) {}

    /// Fills in node types from the inputs (as the generator chose them), and node shapes (a
    /// shift's boundary lies at its operand's edge; the root's is the result's).
    void type(node& n) const {
        for (auto& a : n.args) type(a);
        n.shape = n.op == "a" ? in_[static_cast<std::size_t>(n.input)].shape
                  : n.op == "reduce" ? reduced_shape(n)
                                     : broadcast(n.args);
        if (n.op == "a") n.type = in_[static_cast<std::size_t>(n.input)].type;
        else if (n.op == "reduce" && n.reducer == "mean" && n.args[0].type == kind::i32) n.type = kind::f32;
        else if (n.op == "scan" && n.window > 0 && n.args[0].type == kind::i32) n.type = kind::f64;
        else if (n.op == "castf") n.type = kind::f32;
        else if (n.op == "castd") n.type = kind::f64;
        else if (n.op == "lt" || n.op == "gt") n.type = kind::boolean;
        else if (n.op != "k") {
            // Unary ops keep the type; binary ops and where join their (non-scalar) operands.
            kind t = kind::boolean;
            for (std::size_t i = n.op == "where" ? 1 : 0; i < n.args.size(); ++i)
                if (n.args[i].op != "k") t = t == kind::boolean ? n.args[i].type : join(t, n.args[i].type);
            n.type = t;
        }
        // Weak scalars take the type of what they meet.
        for (std::size_t i = 0; i < n.args.size(); ++i)
            if (n.args[i].op == "k") n.args[i].type = n.op == "where" ? n.type : n.args[1 - i].type;
    }

    /// The value of `n` at the output's multi-index `idx`.
    value at(const node& n, const std::vector<std::int64_t>& idx) const {
        if (n.op == "a") {
            const input_data& d = in_[static_cast<std::size_t>(n.input)];
            std::int64_t flat = 0;
            const std::size_t skip = idx.size() - d.shape.size();
            for (std::size_t k = 0; k < d.shape.size(); ++k)
                flat = flat * d.shape[k] + (d.shape[k] == 1 ? 0 : idx[skip + k]);
            return {d.values[static_cast<std::size_t>(flat)]};
        }
        if (n.op == "k") return {round_to(n.type, std::stold(n.scalar))};
        if (n.op == "shift") return shifted(n, idx);
        if (n.op == "reduce") return reduced(n, idx);
        if (n.op == "scan") return scanned(n, idx);
        std::vector<value> a;
        for (const auto& c : n.args) a.push_back(at(c, idx));
        value r;
        for (const auto& x : a) r.ambiguous = r.ambiguous || x.ambiguous;
        if (n.type == kind::i32 || (n.type == kind::boolean && n.args[0].type == kind::i32)) return integer(n.op, a, r);
        return floating(n, a, r);
    }

    /// Does the tree reduce nothing by max or min (which jitfuse refuses)?
    static bool reduces_nothing(const node& n) {
        for (const auto& a : n.args)
            if (reduces_nothing(a)) return true;
        if (n.op != "reduce" || (n.reducer != "max" && n.reducer != "min")) return false;
        const auto& extent = n.args[0].shape;
        if (!n.whole) return extent[axis_of(n)] == 0;
        return std::find(extent.begin(), extent.end(), 0) != extent.end();
    }

  private:
    /// A nested reduction's axis, counted from the first.
    static std::size_t axis_of(const node& n) {
        const auto rank = static_cast<std::int64_t>(n.args[0].shape.size());
        return static_cast<std::size_t>(n.axis < 0 ? n.axis + rank : n.axis);
    }

    /// A nested reduction's shape: none when whole, else its operand's with the axis kept as 1.
    static std::vector<std::int64_t> reduced_shape(const node& n) {
        if (n.whole) return {};
        std::vector<std::int64_t> s = n.args[0].shape;
        s[axis_of(n)] = 1;
        return s;
    }

    /// The index of an operand of shape `extent` that a broadcast result reads at `idx` (which
    /// has at least the operand's rank): `idx`'s last axes, 0 where the operand has extent 1.
    static std::vector<std::int64_t> operand_index(const std::vector<std::int64_t>& extent,
                                                   const std::vector<std::int64_t>& idx) {
        std::vector<std::int64_t> from(extent.size());
        for (std::size_t k = 0, skip = idx.size() - extent.size(); k < extent.size(); ++k)
            from[k] = extent[k] == 1 ? 0 : idx[skip + k];
        return from;
    }

    /// A reduction at `idx` (an index of a broadcast result, the root's with the reduced axis),
    /// of the operand's elements that share `idx` off the axis (all of them when whole):
    /// computed once per group.
    value reduced(const node& n, const std::vector<std::int64_t>& idx) const {
        const node& operand = n.args[0];
        const std::vector<std::int64_t>& extent = operand.shape;
        const std::size_t axis = n.whole ? 0 : axis_of(n);
        std::vector<std::int64_t> from(extent.size());
        if (!n.whole) {
            from = operand_index(extent, idx);
            from[axis] = 0;
        }
        const auto [known, fresh] = reduced_.try_emplace({&n, from});
        if (!fresh) return known->second;
        std::vector<value> group;
        if (n.whole) {
            // Every index of `extent` in row-major order, the last axis fastest.
            bool empty = std::find(extent.begin(), extent.end(), 0) != extent.end();
            while (!empty) {
                group.push_back(at(operand, from));
                std::size_t k = extent.size();
                while (k > 0 && ++from[k - 1] == extent[k - 1]) from[--k] = 0;
                empty = k == 0;
            }
        } else {
            for (from[axis] = 0; from[axis] < extent[axis]; ++from[axis]) group.push_back(at(operand, from));
        }
        return known->second = reduce(n.reducer, operand.type, group, n.whole);
    }

    /// A scan at `idx` (an index of a broadcast result): element idx[axis] of its operand's line
    /// through `idx`, each line computed once.
    value scanned(const node& n, const std::vector<std::int64_t>& idx) const {
        const node& operand = n.args[0];
        const std::vector<std::int64_t>& extent = operand.shape;
        const std::size_t axis = axis_of(n);
        std::vector<std::int64_t> from = operand_index(extent, idx);
        const auto at_axis = static_cast<std::size_t>(from[axis]);
        from[axis] = 0;
        auto [known, fresh] = scanned_.try_emplace({&n, from});
        if (fresh) {
            std::vector<value> line;
            for (; from[axis] < extent[axis]; ++from[axis]) line.push_back(at(operand, from));
            known->second = scan(n, line);
        }
        return known->second[at_axis];
    }

    /// Every output of scan `n` along one line of its operand's values.
    static std::vector<value> scan(const node& n, const std::vector<value>& line) {
        const kind t = n.args[0].type;
        if (n.reducer == "cumprod") return cumulative_product(t, line);
        std::vector<value> out;
        if (n.reducer == "cumsum") {
            summation s(t, false);
            for (const auto& x : line) {
                s.add(x);
                out.push_back(s.total(false));
            }
            return out;
        }
        // A rolling window ending at each element (pandas: NaN until it is full), folded in any
        // grouping, as `reduce` of the window's elements.
        const std::string op = n.reducer.substr(std::string_view("rolling_").size());
        const auto window = static_cast<std::size_t>(n.window);
        for (std::size_t k = 0; k < line.size(); ++k) {
            if (k + 1 < window) {
                out.push_back({NAN});
                continue;
            }
            const std::vector<value> folded(line.begin() + static_cast<std::ptrdiff_t>(k + 1 - window),
                                            line.begin() + static_cast<std::ptrdiff_t>(k + 1));
            out.push_back(reduce(op, t == kind::i32 ? kind::f64 : t, folded, false));
        }
        return out;
    }

    /// The right-aligned broadcast of the arguments' shapes (scalars have none).
    static std::vector<std::int64_t> broadcast(const std::vector<node>& args) {
        std::vector<std::int64_t> s;
        for (const auto& a : args) {
            if (a.shape.size() > s.size()) s.insert(s.begin(), a.shape.size() - s.size(), 1);
            const std::size_t skip = s.size() - a.shape.size();
            for (std::size_t k = 0; k < a.shape.size(); ++k)
                if (s[skip + k] == 1) s[skip + k] = a.shape[k];
        }
        return s;
    }

    /// `n`'s operand read at the offset of `idx` (an index of a broadcast result: axes where
    /// the operand has extent 1 read its element 0, shifted).
    value shifted(const node& n, const std::vector<std::int64_t>& idx) const {
        const node& operand = n.args[0];
        const std::vector<std::int64_t>& extent = operand.shape;
        std::vector<std::int64_t> from = operand_index(extent, idx);
        for (std::size_t k = 0; k < extent.size(); ++k) {
            const std::int64_t i = from[k] + n.offsets[k];
            const std::int64_t m = extent[k];
            if (i >= 0 && i < m) from[k] = i;
            else if (n.boundary == "constant") return {round_to(n.type, std::stold(n.scalar))};
            else if (n.boundary == "clamp") from[k] = i < 0 ? 0 : m - 1;
            else if (n.boundary == "wrap") from[k] = (i % m + m) % m;
            else from[k] = reflected(i, m);
        }
        return at(operand, from);
    }

    /// NumPy pad "reflect": mirrored about the first and the last element, which are not
    /// repeated, so the pattern repeats every 2 (n - 1) elements.
    static std::int64_t reflected(std::int64_t i, std::int64_t n) {
        if (n == 1) return 0;
        const std::int64_t period = 2 * (n - 1);
        i = (i % period + period) % period;
        return i < n ? i : period - i;
    }

    static kind join(kind a, kind b) { return a == kind::f64 || b == kind::f64 ? kind::f64 : a; }

    static value integer(const std::string& op, const std::vector<value>& a, value r) {
        const auto x = static_cast<std::int64_t>(a[0].v);
        const auto y = a.size() > 1 ? static_cast<std::int64_t>(a[1].v) : 0;
        std::int64_t z = 0;
        if (op == "neg") z = -x;
        else if (op == "abs") z = x < 0 ? -x : x;
        else if (op == "square") z = x * x;
        else if (op == "add") z = x + y;
        else if (op == "sub") z = x - y;
        else if (op == "mul") z = x * y;
        else if (op == "div") z = y == 0 ? -1 : (x == INT_MIN && y == -1) ? INT_MIN : x / y;
        else if (op == "rem") z = y == 0 ? x : (x == INT_MIN && y == -1) ? 0 : x % y;
        else if (op == "min") z = std::min(x, y);
        else if (op == "max") z = std::max(x, y);
        else if (op == "and") z = x & y;
        else if (op == "or") z = x | y;
        else if (op == "xor") z = x ^ y;
        else if (op == "lt") z = x < y;
        else if (op == "gt") z = x > y;
        else if (op == "where") z = a[0].v != 0 ? static_cast<std::int64_t>(a[1].v) : static_cast<std::int64_t>(a[2].v);
        r.v = (op == "lt" || op == "gt") ? static_cast<ld>(z) : round_to(kind::i32, static_cast<ld>(z));
        return r;
    }

    static value floating(const node& n, const std::vector<value>& a, value r) {
        const std::string& op = n.op;
        const kind t = n.type;
        const ld x = a[0].v, ex = a[0].err;
        const ld y = a.size() > 1 ? a[1].v : 0, ey = a.size() > 1 ? a[1].err : 0;
        const bool exact_in = ex == 0 && ey == 0;
        ld v = 0, e = 0, budget = exact_in ? 0 : 1;  // extra ULPs of the result
        const auto near_zero = [&](ld w, ld ew) { return ew > 0 && std::fabs(w) <= ew; };
        if (op == "lt" || op == "gt") {
            r.ambiguous = r.ambiguous || (!exact_in && std::fabs(x - y) <= ex + ey);
            r.v = op == "lt" ? x < y : x > y;
            return r;
        }
        if (op == "where") {
            const value& chosen = a[0].v != 0 ? a[1] : a[2];
            r.v = round_to(t, chosen.v);
            r.err = chosen.err;
            return r;
        }
        if (op == "neg") v = -x, e = ex, budget = 0;
        else if (op == "abs") v = std::fabs(x), e = ex, budget = 0;
        else if (op == "castf" || op == "castd") v = x, e = ex;
        else if (op == "square") v = x * x, e = scaled(ex, 2 * x) + ex * ex;
        else if (op == "add") v = x + y, e = ex + ey;
        else if (op == "sub") v = x - y, e = ex + ey;
        else if (op == "mul") v = x * y, e = scaled(ex, y) + scaled(ey, x) + ex * ey;
        else if (op == "div") {
            if (near_zero(y, 2 * ey)) r.ambiguous = true;
            v = x / y;
            e = exact_in ? 0 : (ex + scaled(ey, v)) / std::max(std::fabs(y) - ey, std::numeric_limits<ld>::min());
        } else if (op == "min" || op == "max") {
            v = std::isnan(x) || std::isnan(y) ? NAN : op == "min" ? std::min(x, y) : std::max(x, y);
            e = std::max(ex, ey), budget = 0;
        } else if (op == "sqrt") {
            if (near_zero(x, ex) || (ex > 0 && x - ex <= 0)) r.ambiguous = true;
            v = std::sqrt(x);
            e = ex == 0 ? 0 : ex / (2 * std::sqrt(std::max(x - ex, std::numeric_limits<ld>::min())));
        } else if (op == "exp") v = std::exp(x), e = scaled(ex, std::exp(x + ex)), budget += 2.5;
        else if (op == "log") {
            if (ex > 0 && x - ex <= 0) r.ambiguous = true;
            v = std::log(x), e = ex == 0 ? 0 : ex / std::max(x - ex, std::numeric_limits<ld>::min()), budget += 2.5;
        } else if (op == "sin") v = std::sin(x), e = ex, budget += 2.5;
        else if (op == "cos") v = std::cos(x), e = ex, budget += 2.5;
        else if (op == "tanh") v = std::tanh(x), e = scaled(ex, 1 - std::tanh(x) * std::tanh(x)), budget += 2.5;
        if (t == kind::f64) v = in_double(op, x, y, v);
        r.v = round_to(t, v);
        r.err = e + budget * ulp_in(t, r.v);
        if (std::isnan(r.err)) r.ambiguous = true;
        return r;
    }

    /// Correctly rounded float64 results of + - * / sqrt square, computed in double: long
    /// double then double would round twice (64 < 2 * 53 + 2 bits), which for float32
    /// (64 >= 2 * 24 + 2) is harmless.
    static ld in_double(const std::string& op, ld x, ld y, ld v) {
        const auto a = static_cast<double>(x), b = static_cast<double>(y);
        if (op == "add") return a + b;
        if (op == "sub") return a - b;
        if (op == "mul") return a * b;
        if (op == "div") return a / b;
        if (op == "square") return a * a;
        if (op == "sqrt") return std::sqrt(a);
        return v;
    }

    const std::vector<input_data>& in_;
    /// Nested reductions computed so far, by node and the index of their group.
    mutable std::map<std::pair<const node*, std::vector<std::int64_t>>, value> reduced_;
    /// Lines of scans computed so far, by node and the index of the line's first element.
    mutable std::map<std::pair<const node*, std::vector<std::int64_t>>, std::vector<value>> scanned_;
};

}  // namespace fuzz
