// SPDX-License-Identifier: Apache-2.0
// How the CPU walks elementwise passes, axis reductions and cumulative scans
// (cpu/elementwise.hpp, cpu/reduce.hpp, cpu/scan.hpp). A pass that reads a transposed view
// into a row-major array walks square blocks. Reductions: in the order the input lies in memory whatever the view, short rows and short
// columns read many to a tile, the reduced axis cut into pieces merged afterwards when there
// are too few outputs to share out. Scans: long contiguous lines in parallel chains, one long
// line evaluated and scanned block by block. Rolling windows: blocks of one line rolled side
// by side. Each shape below reaches one of those loops;
// every output is checked exactly against a plain loop over its line (exact_lines.hpp). The
// emulated GPU leaves this suite out: its own sharing is checked by "launch geometry".
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/cpu/kernels.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include "every_isa.hpp"
#include "exact_lines.hpp"

namespace jf = jitfuse;
using exact_lines::check_reductions;
using exact_lines::check_rolling;
using exact_lines::check_scans;
using exact_lines::on_views;

namespace {

/// Integer-valued floats in [-8, 8]: sums and doublings of them are exact.
std::vector<float> integers(std::int64_t count, std::mt19937_64& rng) {
    std::vector<float> v(static_cast<std::size_t>(count));
    for (float& x : v) x = static_cast<float>(static_cast<int>(rng() % 17) - 8);
    return v;
}

/// z = m.T * 2 + y and a clamped shift of m.T, for m of `rows` x `cols`, against loops.
void check_transposing(std::int64_t rows, std::int64_t cols, std::mt19937_64& rng) {
    INFO("m of " << rows << " x " << cols);
    const std::vector<float> md = integers(rows * cols, rng), yd = integers(cols * rows, rng);
    const jf::array<float, 2> m = jf::from_host(std::span<const float>(md), {rows, cols});
    const jf::array<float, 2> y = jf::from_host(std::span<const float>(yd), {cols, rows});
    const std::vector<float> z = jf::array<float, 2>(m.transpose() * 2.0f + y).to_host();
    const std::vector<float> s = jf::array<float, 2>(jf::shift(m.transpose(), {1, -1}, jf::boundary::clamp)).to_host();
    std::int64_t wrong = 0;
    for (std::int64_t i = 0; i < cols; ++i)
        for (std::int64_t j = 0; j < rows; ++j) {
            const std::int64_t at = i * rows + j;
            const std::int64_t si = std::min(i + 1, cols - 1), sj = std::max<std::int64_t>(j - 1, 0);
            wrong += z[at] != md[j * cols + i] * 2 + yd[at] || s[at] != md[sj * cols + si];
        }
    CHECK(wrong == 0);
}

/// Runs roll_loop<Isa> on every instruction set this CPU has, for windows below, at and above
/// a vector of blocks, on a line of step 1 and of step 3; each must give the baseline's bits,
/// and the baseline the means of the windows.
template <class V>
void check_roll_kernels() {
    namespace cpu = jitfuse::cpu;
    using op = jitfuse::detail::rolling_mean_op;
    constexpr V eps = std::numeric_limits<V>::epsilon();
    std::mt19937_64 rng(37);
    std::uniform_real_distribution<V> value(-4, 4);
    for (const std::int64_t window : {1, 3, 7, 8, 15, 16, 17, 100}) {
        for (const std::int64_t step : {1, 3}) {
            const std::int64_t groups = 3, length = groups * cpu::roll_lanes<V> * window;
            // The block before the line, and the suffix folds of it the kernel starts from.
            std::vector<V> before(static_cast<std::size_t>(window)), suffixes(before.size());
            std::vector<V> line(static_cast<std::size_t>(length * step));
            for (V& x : before) x = value(rng);
            for (V& x : line) x = value(rng);
            for (std::int64_t k = window - 1; k >= 0; --k)
                suffixes[k] = k + 1 < window ? op::combine(before[k], suffixes[k + 1]) : before[k];
            const auto at = [&](std::int64_t k) -> V& { return line[static_cast<std::size_t>(k * step)]; };
            at(7 % length) = std::numeric_limits<V>::quiet_NaN();
            at(length / 2) = std::numeric_limits<V>::infinity();
            at(length - 1) = -std::numeric_limits<V>::infinity();
            const auto roll = [&](auto isa) {
                std::vector<V> out = line, previous = suffixes;
                std::vector<V> scratch(static_cast<std::size_t>((2 * cpu::roll_lanes<V> + 1) * window));
                cpu::roll_loop<isa(), op, V>::blocks(out.data(), groups, step, window, previous.data(), scratch.data());
                out.insert(out.end(), previous.begin(), previous.end());
                return out;
            };
            const std::vector<V> baseline = roll(std::integral_constant<int, 0>{});
            INFO(sizeof(V) << "-byte values, window " << window << ", step " << step);
            test::on_every_isa([&](auto isa) {
                const std::vector<V> got = roll(isa);
                CHECK(std::memcmp(got.data(), baseline.data(), got.size() * sizeof(V)) == 0);
            });
            // Each window folds at most 2 * window values: the sum is off by at most
            // 2 * window * eps times the sum of their magnitudes, the mean by that / window
            // and its own rounding.
            std::int64_t wrong = 0;
            for (std::int64_t k = 0; k < length; ++k) {
                long double sum = 0, magnitude = 0;
                for (std::int64_t j = k - window + 1; j <= k; ++j) {
                    const V x = j < 0 ? before[static_cast<std::size_t>(window + j)] : at(j);
                    sum += x;
                    magnitude += std::fabs(x);
                }
                const double want = static_cast<double>(sum / window), got = baseline[static_cast<std::size_t>(k * step)];
                if (std::isnan(want)) wrong += !std::isnan(got);
                else if (std::isinf(want)) wrong += got != want;
                else wrong += std::fabs(got - want) > eps * (2 * static_cast<double>(magnitude) + std::fabs(want));
            }
            CHECK(wrong == 0);
        }
    }
}

/// A quiet NaN of the given payload and sign: a lane that kept another NaN than its first shows.
template <class V>
V nan_with(std::uint32_t payload, bool negative) {
    using bits = std::conditional_t<sizeof(V) == 4, std::uint32_t, std::uint64_t>;
    const V nan = std::numeric_limits<V>::quiet_NaN();
    const bits sign = bits{negative} << (8 * sizeof(V) - 1);
    return std::bit_cast<V>(static_cast<bits>(std::bit_cast<bits>(nan) | payload | sign));
}

/// The states of floating min, max, argmin and argmax as the checks below make, read and
/// compare them, and the rule they follow, written out on its own.
template <class Red, class V>
struct ordered_states {
    using S = typename Red::template state<V>;
    static constexpr bool arg = Red::uses_index;
    static constexpr bool greater = Red::name.ends_with("max");
    static constexpr V inf = std::numeric_limits<V>::infinity();
    /// Few values, so ties are many, +0 and -0 among them.
    static constexpr V pool[] = {V(0), -V(0), V(1), V(-1), inf, -inf};

    static S make(V value, std::int64_t index) {
        if constexpr (arg) return S{value, index};
        else return (void)index, value;
    }
    static V value_of(const S& s) {
        if constexpr (arg) return s.value;
        else return s;
    }
    static std::int64_t index_of(const S& s) {
        if constexpr (arg) return s.index;
        else return (void)s, 0;
    }
    /// Whether x, met after every value the state saw, replaces s: s holds nothing yet, or it
    /// is no NaN and x is one or beats it (of equals the first stays).
    static bool replaces(const S& s, V x) {
        const V kept = value_of(s);
        return (arg && index_of(s) < 0) || (kept == kept && (x != x || (greater ? kept < x : x < kept)));
    }
    /// The states that differ from want: value bits (NaN payloads and signs, signed zeros) or
    /// index; with `bits` false, values that are not equal or not both NaN.
    static std::int64_t mismatches(const std::vector<S>& got, const std::vector<S>& want, bool bits = true) {
        std::int64_t wrong = 0;
        for (std::size_t l = 0; l < want.size(); ++l) {
            const V g = value_of(got[l]), w = value_of(want[l]);
            const bool same = bits ? std::memcmp(&g, &w, sizeof(V)) == 0 : g == w || (g != g && w != w);
            wrong += !same || index_of(got[l]) != index_of(want[l]);
        }
        return wrong;
    }
    /// `count` states left by earlier values (indices below 1000): values, a NaN and, for
    /// argmin and argmax, every fourth empty.
    static std::vector<S> earlier(std::size_t count, std::mt19937_64& rng) {
        std::vector<S> start(count, Red::template identity<V>());
        for (std::size_t l = 0; l < count; ++l)
            if (!arg || l % 4 != 0) start[l] = make(pool[rng() % std::size(pool)], static_cast<std::int64_t>(l));
        if (count > 5) start[5] = make(nan_with<V>(9, false), 5);
        return start;
    }
    /// `states` folded by fold(acc), acc in the form the column kernels take (column_states):
    /// for argmin and argmax two arrays, in which an empty state's value is a NaN the kernels
    /// must not take for one of the column's.
    template <class Fold>
    static std::vector<S> folded_columns(std::vector<S> states, Fold fold) {
        if constexpr (arg) {
            std::vector<V> value;
            std::vector<std::int64_t> index;
            for (const S& s : states) {
                value.push_back(s.index < 0 ? nan_with<V>(77, true) : s.value);
                index.push_back(s.index);
            }
            fold(jitfuse::cpu::arg_columns<Red, V>{value.data(), index.data()});
            for (std::size_t l = 0; l < states.size(); ++l)
                states[l] = index[l] < 0 ? Red::template identity<V>() : S{value[l], index[l]};
        } else {
            fold(states.data());
        }
        return states;
    }
    /// n values from the pool, `nans` of them NaNs with distinct payloads and signs.
    static std::vector<V> values(std::int64_t n, int nans, std::mt19937_64& rng) {
        std::vector<V> v(static_cast<std::size_t>(n));
        for (V& x : v) x = pool[rng() % std::size(pool)];
        for (int k = 0; k < nans && n > 0; ++k) v[rng() % v.size()] = nan_with<V>(k + 1, k % 2 == 1);
        return v;
    }
};

/// Floating min, max, argmin and argmax fold each chunk with one vector compare-select per
/// register of lanes and fold it again with Red::step where it holds a NaN (ordered_fold). On
/// every instruction set this CPU has, each lane must end as a plain loop over its values
/// (value i in lane i % 16, index first + i) leaves it: the first NaN it met, payload and sign,
/// and of equal values (+0 and -0 too) the first. NaNs sit in no chunk, in one of several
/// chunks, in the tail, or in the lanes the fold starts from, some of which (argmin, argmax)
/// hold nothing yet.
template <class Red, class V>
void check_ordered_lanes() {
    using O = ordered_states<Red, V>;
    namespace cpu = jitfuse::cpu;
    const std::int64_t first = 1000;  // each lane's indices increase: those it starts with are lower
    std::mt19937_64 rng(43);
    for (const std::int64_t n : {0, 5, 16, 4096, 4096 + 3 * 16 + 7, 3 * 4096 + 100})
        for (int nans = 0; nans < 4; ++nans) {
            const std::vector<V> v = O::values(n, nans, rng);
            const auto start = nans == 3 ? O::earlier(cpu::lane_count, rng)
                                         : std::vector<typename O::S>(cpu::lane_count, Red::template identity<V>());
            auto want = start;
            for (std::int64_t i = 0; i < n; ++i)
                if (O::replaces(want[i % cpu::lane_count], v[i])) want[i % cpu::lane_count] = O::make(v[i], first + i);
            INFO(Red::name << " of " << n << " " << sizeof(V) << "-byte values, " << nans << " NaNs");
            test::on_every_isa([&](auto isa) {
                auto lanes = start;
                cpu::fold_loop<isa(), Red, V>::lanes(lanes.data(), v.data(), n, first);
                CHECK(O::mismatches(lanes, want) == 0);
            });
        }
}

/// The same for folds of columns: rows of `width` values, row r with index k + r, each value
/// into its column's state, the rows `width` apart (`columns`) or each in its own memory
/// (`column_rows`). argmin and argmax keep a few registers of columns in registers over all
/// the rows, their states between calls in two arrays (arg_columns), and fold them again with
/// Red::step where they meet a NaN; so do min and max over two rows or more. Widths around a register of lanes (4 to 16 values), four registers and a
/// tile; a last row that beats every state but +-inf and NaN, and earlier states with values,
/// NaNs and (argmin, argmax) none. min and max fold narrow columns a group of rows at a time
/// and merge the groups, so of NaNs, or of +0 and -0, they may keep another than the first
/// (NumPy promises neither): their values are compared as numbers. argmin and argmax merge by
/// index, and must keep the very first.
template <class Red, class V>
void check_ordered_columns() {
    using O = ordered_states<Red, V>;
    const std::int64_t k = 1000;
    std::mt19937_64 rng(47);
    for (const std::int64_t width : {1, 3, 4, 8, 16, 17, 40, 100, 512})
        for (const std::int64_t rows : {1, 2, 9, 40})
            for (int nans = 0; nans < 5; ++nans) {
                std::vector<V> v = O::values(width * rows, nans % 4, rng);
                if (nans == 4) std::fill(v.end() - width, v.end(), O::greater ? V(2) : V(-2));
                const auto start = nans >= 3 ? O::earlier(static_cast<std::size_t>(width), rng)
                                             : std::vector<typename O::S>(static_cast<std::size_t>(width),
                                                                          Red::template identity<V>());
                auto want = start;
                for (std::int64_t r = 0; r < rows; ++r)
                    for (std::int64_t i = 0; i < width; ++i)
                        if (O::replaces(want[i], v[r * width + i])) want[i] = O::make(v[r * width + i], k + r);
                std::vector<std::vector<V>> apart;  // each row in its own memory
                std::vector<const V*> row;
                for (std::int64_t r = 0; r < rows; ++r) row.push_back(apart.emplace_back(v.begin() + r * width, v.begin() + (r + 1) * width).data());
                INFO(Red::name << " of " << rows << " rows of " << width << " " << sizeof(V) << "-byte values, case " << nans);
                test::on_every_isa([&](auto isa) {
                    using loop = jitfuse::cpu::fold_loop<isa(), Red, V>;
                    const auto apart = O::folded_columns(start, [&](auto acc) { loop::columns(acc, v.data(), width, rows, k); });
                    CHECK(O::mismatches(apart, want, O::arg) == 0);
                    const auto listed = O::folded_columns(start, [&](auto acc) { loop::column_rows(acc, row.data(), rows, width, k); });
                    CHECK(O::mismatches(listed, want, O::arg) == 0);
                });
            }
}

/// Sums and products of floating columns: `column_rows` (rows each in its own memory) keeps a
/// few registers of columns over all the rows, `columns` (rows `width` apart) folds a row at a
/// time; both add or multiply row after row as Red::step does, so on every instruction set
/// rows of 32 values or more give a plain loop's bits to the last. Many narrower rows in an
/// array are folded a group at a time and the groups merged: every result is also checked
/// against long double within the bound of a sum of rows + 1 terms in any order, (rows + 1) *
/// eps * sum|term| (for rows + 1 products of values in [1/2, 2], relative to the product).
template <class Red, class V>
void check_arithmetic_columns() {
    const bool product = std::same_as<Red, jitfuse::detail::prod_reducer>;
    const std::int64_t k = 1000;
    std::mt19937_64 rng(53);
    std::uniform_real_distribution<V> spread(product ? V(0.5) : V(-1), product ? V(2) : V(1));
    for (const std::int64_t width : {1, 3, 8, 16, 17, 31, 32, 40, 64, 100, 512, 1000})
        for (const std::int64_t rows : {1, 2, 7, 8, 9, 40}) {
            std::vector<V> v(static_cast<std::size_t>(width * rows));
            for (V& x : v) x = spread(rng);
            std::vector<V> start(static_cast<std::size_t>(width));
            for (V& x : start) x = spread(rng);
            auto want = start;
            std::vector<long double> exact(start.begin(), start.end()), magnitude;
            for (const V x : start) magnitude.push_back(std::fabs(x));
            for (std::int64_t r = 0; r < rows; ++r)
                for (std::int64_t i = 0; i < width; ++i) {
                    const V x = v[r * width + i];
                    Red::template step<V>(want[i], x, k + r);
                    exact[i] = product ? exact[i] * x : exact[i] + x;
                    magnitude[i] = product ? std::fabs(exact[i]) : magnitude[i] + std::fabs(x);
                }
            std::vector<std::vector<V>> apart;  // each row in its own memory
            std::vector<const V*> row;
            for (std::int64_t r = 0; r < rows; ++r)
                row.push_back(apart.emplace_back(v.begin() + r * width, v.begin() + (r + 1) * width).data());
            const auto check = [&](const std::vector<V>& got, bool bits) {
                std::int64_t wrong = 0;
                for (std::size_t i = 0; i < got.size(); ++i) {
                    const long double bound = (rows + 1) * std::numeric_limits<V>::epsilon() * magnitude[i];
                    wrong += bits ? std::memcmp(&got[i], &want[i], sizeof(V)) != 0 : std::fabs(got[i] - exact[i]) > bound;
                }
                CHECK(wrong == 0);
            };
            INFO(Red::name << " of " << rows << " rows of " << width << " " << sizeof(V) << "-byte values");
            test::on_every_isa([&](auto isa) {
                auto acc = start;
                jitfuse::cpu::fold_loop<isa(), Red, V>::columns(acc.data(), v.data(), width, rows, k);
                check(acc, width >= 32);
                check(acc, false);
                acc = start;
                jitfuse::cpu::fold_loop<isa(), Red, V>::column_rows(acc.data(), row.data(), rows, width, k);
                check(acc, width >= 32);
                check(acc, false);
            });
        }
}

template <class V>
void check_ordered_all() {
    namespace d = jitfuse::detail;
    check_ordered_lanes<d::max_reducer, V>();
    check_ordered_lanes<d::min_reducer, V>();
    check_ordered_lanes<d::arg_reducer<true>, V>();
    check_ordered_lanes<d::arg_reducer<false>, V>();
    check_ordered_columns<d::max_reducer, V>();
    check_ordered_columns<d::min_reducer, V>();
    check_ordered_columns<d::arg_reducer<true>, V>();
    check_ordered_columns<d::arg_reducer<false>, V>();
}

}  // namespace

TEST_SUITE("cpu loops") {
    TEST_CASE("a transposed view copied into a row-major array: blocks, their edges, a shift") {
        std::mt19937_64 rng(29);
        for (const auto& [rows, cols] : {std::array<std::int64_t, 2>{64, 64}, {130, 70}, {1000, 65}, {63, 500}, {3, 2000}})
            check_transposing(rows, cols, rng);
        // Rank 3, the last two axes swapped: blocks under an outer axis.
        const std::vector<float> d = integers(5 * 100 * 67, rng);
        const jf::array<float, 3> a = jf::from_host(std::span<const float>(d), {5, 100, 67});
        const std::vector<float> t = jf::array<float, 3>(a.transpose({0, 2, 1}) + 1.0f).to_host();
        std::int64_t wrong = 0;
        for (std::int64_t b = 0; b < 5; ++b)
            for (std::int64_t i = 0; i < 67; ++i)
                for (std::int64_t j = 0; j < 100; ++j) wrong += t[(b * 67 + i) * 100 + j] != d[(b * 100 + j) * 67 + i] + 1;
        CHECK(wrong == 0);
    }

    TEST_CASE("short rows and columns, few long rows and columns, and axes of one element") {
        on_views(17,
                 {
                     {1, 200000, 3},  // columns of 3 cut into pieces; rows of 3 many to a tile
                     {5, 70000, 8},   // the same under an outer axis; runs of rows end at 70000
                     {2, 3, 600000},  // 6 long rows cut into pieces; a middle axis
                     {3000, 4, 4},    // outputs of 4 x 4 values, many to a tile
                     {2000, 7, 3},
                     {7, 13, 1},      // rows of one element
                     {1, 1, 5},
                 },
                 20, check_reductions);
    }

    TEST_CASE("a transposed view is walked along its contiguous axis") {
        // (3, 2, 300000) with strides (1, 3, 6): the last axis strides through memory, so
        // reducing it accumulates runs of 6 contiguous elements, cut into pieces.
        on_views(19, {}, 300000, check_reductions);
    }

    TEST_CASE("cumulative scans: long contiguous lines, one long line, short rows") {
        // (3, 2, 70000) along its last axis: 6 lines of 4 blocks and a part, each block in
        // parallel chains; (1, 1, 200001): one line, evaluated block by block.
        on_views(23, {{3, 2, 70000}, {1, 1, 200001}, {4000, 3, 7}}, 5000, check_scans);
    }

    TEST_CASE("rolling windows: one long line in segments, blocks rolled side by side, short rows") {
        // (1, 1, 300001): one line (at least 4 segments of about 2^16) cut into segments over
        // the threads, each evaluated, then rolled in groups of interleaved blocks and the
        // remaining blocks one by one; (3, 2, 70000): lines one by one, each rolled the same
        // way; (4000, 3, 7): short rows and columns many at a time.
        on_views(31, {{1, 1, 300001}, {3, 2, 70000}, {4000, 3, 7}}, 5000, check_rolling);
    }

    TEST_CASE("rolled blocks: the AVX2 and AVX-512 kernels give the baseline's bits") {
        // roll_loop folds each block in one lane of a vector; the library builds it once per
        // instruction set, and every build must fold as the baseline does, NaN and Inf too.
        check_roll_kernels<float>();
        check_roll_kernels<double>();
    }

    TEST_CASE("min, max, argmin, argmax lanes and columns: every instruction set keeps the first NaN, the first of equals") {
        check_ordered_all<float>();
        check_ordered_all<double>();
    }
    TEST_CASE("sums and products of columns: every instruction set adds row after row, as a plain loop") {
        namespace d = jitfuse::detail;
        check_arithmetic_columns<d::sum_reducer, float>();
        check_arithmetic_columns<d::sum_reducer, double>();
        check_arithmetic_columns<d::prod_reducer, float>();
        check_arithmetic_columns<d::prod_reducer, double>();
        check_arithmetic_columns<d::mean_reducer, float>();
    }
}
