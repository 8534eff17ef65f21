// SPDX-License-Identifier: Apache-2.0
// jitfuse-fuzz: the differential fuzzer. Every generated case (see generate.cpp) runs on random
// shapes (0, 1, small, multi-threaded sizes), broadcasting, strided / transposed / reversed /
// broadcast views and values (with NaN, infinities, zeros, extremes), and jitfuse's results
// (two for a tie) are compared with the long-double reference of reference_eval.hpp within its
// error bound. A shift's offsets are fixed per build, so the drawn extents decide which of its
// reads cross an edge (a broadcast operand's extent 1 included).
//
//   JITFUSE_FUZZ_BUDGET=N   expressions to run (default 2000)
//   JITFUSE_FUZZ_SEED=S     seed of the run-time draws (default 1)
//   JITFUSE_FUZZ_ONLY=C:V   replay case C, variant V (as a failure report prints)
//
// A mismatch is shrunk to the smallest failing shape and printed with the line that replays it.
// The runner is tests/main.cpp: with JITFUSE_CHECK_CODEGEN set, every generated kernel is also
// compiled with NVRTC, and a rejected one fails the run.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "../reference.hpp"
#include "harness.hpp"
#include "reference_eval.hpp"

namespace fuzz {
namespace {

using i64 = std::int64_t;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}

template <class T>
T draw(std::mt19937_64& rng) {
    if constexpr (std::is_integral_v<T>) {
        static constexpr std::int32_t extremes[] = {INT_MIN, INT_MAX, INT_MIN + 1, 0, -1, 65536, 46341};
        if (rng() % 10 < 3) return extremes[rng() % 7];
        return static_cast<T>(static_cast<int>(rng() % 41) - 20);
    } else {
        const T specials[] = {T(0), -T(0), T(1), T(-1), std::numeric_limits<T>::quiet_NaN(),
                              std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                              std::numeric_limits<T>::denorm_min() * 3, T(60)};
        if (rng() % 20 == 0) return specials[rng() % 9];
        return static_cast<T>(std::uniform_real_distribution<double>(-3.0, 3.0)(rng));
    }
}

/// One input: a random view of `shape` of type T and rank R, and its values for the reference.
template <class T, int R>
void add_input(std::mt19937_64& rng, const jft::shape_vec& shape, kind k, inputs& in, std::vector<input_data>& data,
               std::string& desc) {
    auto view = jft::make_view<T, R>(rng, shape, jft::random_layout(rng), [](std::mt19937_64& g) { return draw<T>(g); });
    in.arrays.emplace_back(view.view);
    input_data d{shape, {}, k};
    for (std::size_t i = 0; i < view.expect.size(); ++i) d.values.push_back(static_cast<ld>(view.expect[i]));
    data.push_back(std::move(d));
    desc += "\n    a" + std::to_string(data.size() - 1) + ": " + view.desc;
}

template <class T>
void add_input_of_rank(std::mt19937_64& rng, const jft::shape_vec& shape, kind k, inputs& in,
                       std::vector<input_data>& data, std::string& desc) {
    switch (shape.size()) {
        case 1: return add_input<T, 1>(rng, shape, k, in, data, desc);
        case 2: return add_input<T, 2>(rng, shape, k, in, data, desc);
        default: return add_input<T, 3>(rng, shape, k, in, data, desc);
    }
}

/// The output shape of a variant: mostly small, sometimes empty, one element, or large enough
/// for several threads.
jft::shape_vec output_shape(std::mt19937_64& rng, int rank) {
    const auto r = rng() % 20;
    if (r == 0) return jft::shape_vec(static_cast<std::size_t>(rank), 1);
    return jft::random_shape(rng, rank, r < 4);
}

struct outcome {
    bool ok = true;
    std::string report;
};

/// One output's reference: its tree, shape and values.
struct expected {
    node root;
    jft::shape_vec shape;
    std::vector<value> values;
};

/// Where `got` differs from `want` beyond the bound: "" when it does not.
std::string compare(const result& got, const expected& want) {
    if (got.shape != want.shape) return "\n  shape " + jft::str(got.shape) + ", reference " + jft::str(want.shape);
    for (std::size_t i = 0; i < want.values.size(); ++i) {
        const value& w = want.values[i];
        const ld g = got.values[i];
        if (w.ambiguous) continue;
        bool good;
        if (got.integral || std::isnan(w.v)) good = got.integral ? g == w.v : std::isnan(g);
        else if (std::isinf(w.v) && w.err == 0) good = g == w.v;
        else if (!std::isfinite(w.v)) good = true;  // overflow within the bound: not decidable
        else good = std::isfinite(g) ? std::fabs(g - w.v) <= 2 * w.err : std::fabs(w.v) + 2 * w.err >= std::numeric_limits<double>::max();
        if (!good) {
            std::ostringstream os;
            os.precision(21);
            os << "\n  element " << i << " of " << want.values.size() << ": got " << g << ", reference " << w.v
               << " +- " << 2 * w.err;
            return os.str();
        }
    }
    return "";
}

/// Runs case `c` on the data of variant `v`; `forced` replaces the drawn output shape.
outcome run_variant(const generated_case& gc, std::size_t c, std::uint64_t v, std::uint64_t seed,
                    const jft::shape_vec* forced = nullptr) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15u ^ (c << 20) ^ v);
    const int rank = gc.input_ranks[0];
    jft::shape_vec shape = output_shape(rng, rank);
    if (forced) shape = *forced;
    inputs in;
    std::vector<input_data> data;
    std::string desc;
    for (std::size_t i = 0; i < gc.input_kinds.size(); ++i) {
        // The input's shape: the output's last axes, some stretched from 1 (broadcasting).
        jft::shape_vec s(shape.end() - gc.input_ranks[i], shape.end());
        for (auto& d : s)
            if (rng() % 4 == 0) d = 1;
        switch (gc.input_kinds[i]) {
            case kind::f32: add_input_of_rank<float>(rng, s, kind::f32, in, data, desc); break;
            case kind::f64: add_input_of_rank<double>(rng, s, kind::f64, in, data, desc); break;
            default: add_input_of_rank<std::int32_t>(rng, s, kind::i32, in, data, desc); break;
        }
    }
    // The result's shape: the inputs' broadcast (an axis every input stretches from 1 stays 1;
    // one only whole reductions read is gone).
    node tree = parse(gc.tree);
    const evaluator eval(data);
    eval.type(tree);
    shape = tree.shape;
    const std::string reduction = gc.reduction;
    const bool per_axis = reduction.ends_with("_axis"), expand = reduction == "expand", tie = reduction == "tie";
    const bool reduced = reduction != "none" && !expand && !tie;
    // A new axis may also go after the last; a result of rank 0 has no axis to reduce.
    const auto positions = static_cast<i64>(expand ? shape.size() + 1 : std::max<std::size_t>(shape.size(), 1));
    in.axis = static_cast<i64>(rng() % static_cast<std::uint64_t>(positions));
    if (rng() % 3 == 0) in.axis -= positions;  // negative axes count from the end
    const i64 axis = in.axis < 0 ? in.axis + positions : in.axis;

    std::ostringstream head;
    head << "case " << c << " variant " << v << " (seed " << seed << ", generator seed " << generator_seed
         << "): " << gc.tree
         << (expand ? " under expand_dims" : tie ? std::string(" tied with ") + gc.tied : reduced ? " reduced by " + reduction : "")
         << (per_axis || expand ? " axis " + std::to_string(in.axis) : "") << ", output shape " << jft::str(shape) << desc
         << "\n  replay: JITFUSE_FUZZ_SEED=" << seed << " JITFUSE_FUZZ_ONLY=" << c << ":" << v << " jitfuse-fuzz";

    // Reference, one root per output: the root's reduction, if any, is one more reduce node
    // over the tree (whole, or along `axis`, which the result then drops); a tie's second tree
    // is the second output.
    std::vector<expected> want(1);
    want[0].shape = shape;
    want[0].root = std::move(tree);
    if (expand) {
        want[0].shape.insert(want[0].shape.begin() + axis, 1);  // a new axis of extent 1 keeps the row-major order
    } else if (reduced) {
        node root;
        root.op = "reduce";
        root.reducer = reduction.substr(0, reduction.find('_'));
        root.whole = !per_axis;
        root.axis = axis;
        root.args = {std::move(want[0].root)};
        want[0].root = std::move(root);
        eval.type(want[0].root);
        if (per_axis) want[0].shape.erase(want[0].shape.begin() + axis);
        else want[0].shape = {};
    } else if (tie) {
        want.emplace_back().root = parse(gc.tied);
        eval.type(want[1].root);
        want[1].shape = want[1].root.shape;
    }
    // A tie of two shapes is refused first, naming both; a nested max/min of nothing next.
    std::string error_expected;
    for (const auto& w : want)
        if (evaluator::reduces_nothing(w.root)) error_expected = "a reduction of nothing";
    const bool tied_apart = tie && want[1].shape != want[0].shape;
    if (tied_apart) error_expected = "tied shapes " + jft::str(want[0].shape) + " and " + jft::str(want[1].shape);
    for (i64 f = 0, n = error_expected.empty() ? jft::count(want[0].shape) : 0; f < n; ++f) {
        auto idx = jft::unravel(f, want[0].shape);
        if (expand) idx.erase(idx.begin() + axis);
        else if (per_axis) idx.insert(idx.begin() + axis, 0);
        for (auto& w : want) w.values.push_back(eval.at(w.root, idx));
    }

    outcome out;
    std::vector<result> got;
    try {
        got = gc.run(in);
    } catch (const jitfuse::shape_error& e) {
        const std::string message = e.what();
        const auto names = [&](const jft::shape_vec& s) { return message.find(jft::str(s)) != std::string::npos; };
        if (!error_expected.empty() && (!tied_apart || (names(want[0].shape) && names(want[1].shape)))) return out;
        out.ok = false;
        out.report = head.str() + "\n  unexpected shape_error: " + message +
                     (error_expected.empty() ? "" : "\n  expected one for " + error_expected);
        return out;
    }
    if (!error_expected.empty()) {
        out.ok = false;
        out.report = head.str() + "\n  expected a shape_error (" + error_expected + ")";
        return out;
    }
    for (std::size_t k = 0; k < want.size(); ++k) {
        const std::string mismatch = compare(got.at(k), want[k]);
        if (mismatch.empty()) continue;
        out.ok = false;
        out.report = head.str() + (want.size() > 1 ? "\n  output " + std::to_string(k) + ":" : "") + mismatch;
        return out;
    }
    return out;
}

/// The smallest output shape (by halving and unit extents) on which variant `v` still fails.
std::string shrink(const generated_case& gc, std::size_t c, std::uint64_t v, std::uint64_t seed, outcome failure) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15u ^ (c << 20) ^ v);
    jft::shape_vec shape = output_shape(rng, gc.input_ranks[0]);
    for (bool progress = true; progress;) {
        progress = false;
        for (std::size_t d = 0; d < shape.size() && !progress; ++d)
            for (i64 smaller : {i64{1}, shape[d] / 2, shape[d] - 1}) {
                if (smaller < 1 || smaller >= shape[d]) continue;
                jft::shape_vec trial = shape;
                trial[d] = smaller;
                outcome o = run_variant(gc, c, v, seed, &trial);
                if (!o.ok) {
                    shape = trial;
                    failure = o;
                    progress = true;
                    break;
                }
            }
    }
    return failure.report + "\n  (shrunk: the data differ from the original variant's; replay prints the original)";
}

}  // namespace
}  // namespace fuzz

TEST_CASE("differential fuzzing: generated expressions against the long-double reference") {
    using namespace fuzz;
    const auto& cases = generated_cases();
    REQUIRE(!cases.empty());
    const std::uint64_t seed = env_number("JITFUSE_FUZZ_SEED", 1);
    const std::uint64_t budget = env_number("JITFUSE_FUZZ_BUDGET", 2000);
    std::vector<std::pair<std::size_t, std::uint64_t>> runs;
    if (const char* only = std::getenv("JITFUSE_FUZZ_ONLY"); only && *only) {
        const std::string s = only;
        runs.emplace_back(std::stoull(s.substr(0, s.find(':'))), std::stoull(s.substr(s.find(':') + 1)));
    } else {
        for (std::uint64_t i = 0; i < budget; ++i) runs.emplace_back(i % cases.size(), i / cases.size());
    }
    int failures = 0;
    for (const auto& [c, v] : runs) {
        REQUIRE(c < cases.size());
        outcome o = run_variant(cases[c], c, v, seed);
        if (!o.ok && failures++ < 5) FAIL_CHECK(shrink(cases[c], c, v, seed, o));
    }
    MESSAGE(runs.size() << " expressions from " << cases.size() << " generated trees, " << failures << " mismatches");
    CHECK(failures == 0);
}
