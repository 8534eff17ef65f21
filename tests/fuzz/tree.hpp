// SPDX-License-Identifier: Apache-2.0
#pragma once
// The expression trees of the differential fuzzer, shared by the generator (which prints them
// as C++ for jitfuse) and the reference interpreter (which evaluates them in long double).
// Text form: `op(arg,arg)`, inputs `a0`..`a2`, scalars `k<value>`; e.g. `add(sin(a0),k2.5)`.
// A shift carries its boundary (a constant one its fill) and offsets in its name:
// `shift_wrap_1_-2(a0)`, `shift_constant_nan_0_3(a0)` (jf::boundary::constant(NaN)). A
// reduction inside the tree carries its reducer and, along one axis, that axis (kept as an axis
// of extent 1, jf::expand_dims): `reduce_max(a0)` is jf::max(a0), a value of rank 0;
// `reduce_sum_-1(a0)` is jf::expand_dims(jf::sum(a0, -1), -1). A scan carries its op, window
// (0 for cumulative ones) and axis: `scan_cumsum_0_1(a0)` is jf::cumsum(a0, 1),
// `scan_rolling_max_3_-1(a0)` is jf::rolling_max(a0, 3, -1).

#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

/// Element types the fuzzer draws from: a float family (float32, float64) and int32.
enum class kind { f32, f64, i32, boolean };

inline const char* cpp_type(kind k) {
    switch (k) {
        case kind::f32: return "float";
        case kind::f64: return "double";
        case kind::i32: return "std::int32_t";
        default: return "bool";
    }
}

struct node {
    std::string op;           ///< "a" (input), "k" (scalar) or an operation
    std::vector<node> args;
    int input = -1;           ///< op "a": which input
    std::string scalar;       ///< op "k": the literal as written in C++; a constant shift's fill (or nan, inf, -inf)
    kind type = kind::f32;    ///< element type of the result (scalars: weak, take the other side's)
    std::string boundary;                ///< op "shift": clamp | wrap | reflect | constant (fill: `scalar`)
    std::vector<std::int64_t> offsets;   ///< op "shift": one per axis of its operand
    std::string reducer;                 ///< op "reduce": sum | max | min | mean; op "scan": cumsum |
                                         ///< cumprod | rolling_sum | rolling_mean | rolling_min | rolling_max
    bool whole = true;                   ///< op "reduce": of every element, else along `axis`
    std::int64_t axis = 0;               ///< op "reduce" along an axis, op "scan": of its operand, may be negative
    std::int64_t window = 0;             ///< op "scan": a rolling window's length, 0 for cumulative ones
    std::uint64_t axis_choice = 0;       ///< generator only: decides `axis` once the operand's rank is known
    std::vector<std::int64_t> shape;     ///< the broadcast shape of the inputs below (set by the reference)
};

/// A shift's op name in the text form: `shift_<boundary>[_<fill>]_<offset>...`.
inline std::string shift_name(const node& n) {
    std::string s = "shift_" + n.boundary + (n.boundary == "constant" ? "_" + n.scalar : "");
    for (const auto d : n.offsets) s += "_" + std::to_string(d);
    return s;
}

/// A nested reduction's op name in the text form: `reduce_<reducer>[_<axis>]`.
inline std::string reduce_name(const node& n) {
    return "reduce_" + n.reducer + (n.whole ? "" : "_" + std::to_string(n.axis));
}

/// A scan's op name in the text form: `scan_<op>_<window>_<axis>`.
inline std::string scan_name(const node& n) {
    return "scan_" + n.reducer + "_" + std::to_string(n.window) + "_" + std::to_string(n.axis);
}

/// `name` split at each '_'.
inline std::vector<std::string> name_parts(std::string_view name) {
    std::vector<std::string> parts;
    for (std::size_t at = 0;;) {
        const auto next = name.find('_', at);
        parts.emplace_back(name.substr(at, next - at));
        if (next == std::string_view::npos) return parts;
        at = next + 1;
    }
}

/// The inverse of reduce_name.
inline void parse_reduce(node& n, std::string_view name) {
    const auto parts = name_parts(name);  // "reduce", reducer, [axis]
    n.op = "reduce";
    n.reducer = parts.at(1);
    n.whole = parts.size() == 2;
    if (!n.whole) n.axis = std::stoll(parts.at(2));
}

/// The inverse of scan_name (the op's own name may hold a '_').
inline void parse_scan(node& n, std::string_view name) {
    const auto parts = name_parts(name);  // "scan", op..., window, axis
    n.op = "scan";
    n.reducer = parts.at(1);
    for (std::size_t i = 2; i + 2 < parts.size(); ++i) n.reducer += "_" + parts[i];
    n.window = std::stoll(parts.at(parts.size() - 2));
    n.axis = std::stoll(parts.back());
}

/// The inverse of shift_name: fills in boundary, fill and offsets from `name`.
inline void parse_shift(node& n, std::string_view name) {
    const auto parts = name_parts(name);  // "shift", boundary, [fill], offsets
    std::size_t i = 1;
    n.op = "shift";
    n.boundary = parts.at(i++);
    if (n.boundary == "constant") n.scalar = parts.at(i++);
    for (; i < parts.size(); ++i) n.offsets.push_back(std::stoll(parts[i]));
}

inline std::string to_text(const node& n) {
    if (n.op == "a") return "a" + std::to_string(n.input);
    if (n.op == "k") return "k" + n.scalar;
    std::string s = (n.op == "shift"    ? shift_name(n)
                     : n.op == "reduce" ? reduce_name(n)
                     : n.op == "scan"   ? scan_name(n)
                                        : n.op) +
                    "(";
    for (std::size_t i = 0; i < n.args.size(); ++i) s += (i ? "," : "") + to_text(n.args[i]);
    return s + ")";
}

/// Parses the text form; types are filled in by the reference from the inputs' kinds.
inline node parse(std::string_view& text) {
    node n;
    const auto followed_by_number = [&](char c) {
        return text.size() > 1 && text[0] == c && (std::isdigit(static_cast<unsigned char>(text[1])) || text[1] == '-');
    };
    if (followed_by_number('a')) {
        n.op = "a";
        n.input = text[1] - '0';
        text.remove_prefix(2);
        return n;
    }
    const auto end = text.find_first_of("(,)");
    if (followed_by_number('k')) {
        n.op = "k";
        n.scalar = std::string(text.substr(1, end - 1));
        text.remove_prefix(end);
        return n;
    }
    if (end == std::string_view::npos || text[end] != '(') throw std::runtime_error("bad tree text");
    const std::string_view name = text.substr(0, end);
    if (name.starts_with("shift_")) parse_shift(n, name);
    else if (name.starts_with("reduce_")) parse_reduce(n, name);
    else if (name.starts_with("scan_")) parse_scan(n, name);
    else n.op = std::string(name);
    text.remove_prefix(end + 1);
    for (;;) {
        n.args.push_back(parse(text));
        const char c = text.front();
        text.remove_prefix(1);
        if (c == ')') return n;
    }
}

inline node parse(const std::string& text) {
    std::string_view v = text;
    return parse(v);
}

}  // namespace fuzz
