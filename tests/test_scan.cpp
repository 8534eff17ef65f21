// SPDX-License-Identifier: Apache-2.0
// Scans and rolling windows: cumsum, cumprod, rolling_sum/mean/min/max along every axis of
// ranks 1-3 (negative axes too), on random strided / transposed / reversed / broadcast views,
// against plain loops over the host model (long double for floats, modulo 2^64 for integers).
// Result types, window sizes 1..length+1, NaN / Inf, empty and length-1 axes, fused inputs,
// use inside larger expressions, aliasing, determinism over thread counts, errors, codegen.
#include <doctest/doctest.h>

#include <jitfuse/detail/nvrtc.hpp>
#include <jitfuse/jitfuse.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

enum class op { cumsum, cumprod, rolling_sum, rolling_mean, rolling_min, rolling_max };
const char* op_name(op k) {
    constexpr const char* names[] = {"cumsum", "cumprod", "rolling_sum", "rolling_mean", "rolling_min", "rolling_max"};
    return names[static_cast<int>(k)];
}
constexpr bool is_rolling(op k) { return k != op::cumsum && k != op::cumprod; }

template <op K, class E>
auto apply(const E& e, i64 axis, i64 window) {
    if constexpr (K == op::cumsum) return jf::cumsum(e, axis);
    else if constexpr (K == op::cumprod) return jf::cumprod(e, axis);
    else if constexpr (K == op::rolling_sum) return jf::rolling_sum(e, window, axis);
    else if constexpr (K == op::rolling_mean) return jf::rolling_mean(e, window, axis);
    else if constexpr (K == op::rolling_min) return jf::rolling_min(e, window, axis);
    else return jf::rolling_max(e, window, axis);
}

template <op K, class T>
using result_t = typename decltype(apply<K>(std::declval<const jf::array<T, 1>&>(), 0, 1))::value_type;

// Result types: cumulative ops as sum / prod, rolling windows float64 for integers.
static_assert(std::is_same_v<result_t<op::cumsum, bool>, std::int32_t>);
static_assert(std::is_same_v<result_t<op::cumsum, std::int8_t>, std::int32_t>);
static_assert(std::is_same_v<result_t<op::cumprod, std::int16_t>, std::int32_t>);
static_assert(std::is_same_v<result_t<op::cumsum, std::uint8_t>, std::uint32_t>);
static_assert(std::is_same_v<result_t<op::cumsum, std::int64_t>, std::int64_t>);
static_assert(std::is_same_v<result_t<op::cumprod, float>, float>);
static_assert(std::is_same_v<result_t<op::rolling_mean, float>, float>);
static_assert(std::is_same_v<result_t<op::rolling_sum, double>, double>);
static_assert(std::is_same_v<result_t<op::rolling_max, std::int32_t>, double>);
static_assert(std::is_same_v<result_t<op::rolling_min, bool>, double>);

/// The reference of one output: its value, and for floats the bound of the rounding error
/// the library may add: a fold of `terms` values in any grouping errs by at most
/// (terms - 1) eps * sum|x| (sums) or (terms - 1) eps |prod| (products); one more eps for
/// the final rounding of the mean's division and the conversion to V.
struct expected {
    long double value;
    long double scale;  ///< sum |x| (sums) or |value| (products); 0: exact
    i64 terms;
};

template <op K, class T>
std::vector<expected> reference_line(const std::vector<T>& x, i64 window) {
    using V = result_t<K, T>;
    const i64 n = static_cast<i64>(x.size());
    std::vector<expected> out(static_cast<std::size_t>(n));
    constexpr long double nan = std::numeric_limits<long double>::quiet_NaN();
    if constexpr (!is_rolling(K)) {
        if constexpr (std::is_integral_v<V>) {
            // Wrapping in V is arithmetic modulo 2^bits: do it modulo 2^64 and narrow.
            std::uint64_t acc = K == op::cumsum ? 0 : 1;
            for (i64 i = 0; i < n; ++i) {
                const auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(x[i]));
                acc = K == op::cumsum ? acc + v : acc * v;
                out[i] = {static_cast<long double>(static_cast<V>(acc)), 0, 1};
            }
        } else {
            long double acc = K == op::cumsum ? 0 : 1, abs_sum = 0;
            for (i64 i = 0; i < n; ++i) {
                acc = K == op::cumsum ? acc + x[i] : acc * x[i];
                abs_sum += std::fabs(static_cast<long double>(x[i]));
                out[i] = {acc, K == op::cumsum ? abs_sum : std::fabs(acc), i + 1};
            }
        }
        return out;
    } else {
        for (i64 i = 0; i < n; ++i) {
            if (i + 1 < window) {
                out[i] = {nan, 0, 1};
                continue;
            }
            long double acc = 0, abs_sum = 0;
            bool any_nan = false;
            for (i64 j = i + 1 - window; j <= i; ++j) {
                const long double v = static_cast<V>(x[j]);
                any_nan = any_nan || std::isnan(v);
                if (K == op::rolling_min) acc = j == i + 1 - window ? v : std::min(acc, v);
                else if (K == op::rolling_max) acc = j == i + 1 - window ? v : std::max(acc, v);
                else acc += v;
                abs_sum += std::fabs(v);
            }
            if (any_nan) acc = nan;
            if (K == op::rolling_mean) acc /= window;
            const bool fold = K == op::rolling_sum || K == op::rolling_mean;
            out[i] = {acc, fold ? (K == op::rolling_mean ? abs_sum / window : abs_sum) : 0,
                      window + (K == op::rolling_mean)};
        }
        return out;
    }
}

template <class V>
bool within(V got, const expected& want) {
    if constexpr (std::is_integral_v<V>) return got == static_cast<V>(want.value);
    else {
        if (std::isnan(want.value)) return std::isnan(got);
        if (std::isinf(want.value)) return got == static_cast<V>(want.value);
        constexpr long double eps = std::numeric_limits<V>::epsilon();
        const long double bound = want.terms * eps * want.scale + eps * std::fabs(want.value) +
                                  std::numeric_limits<V>::denorm_min();
        return std::fabs(static_cast<long double>(got) - want.value) <= bound;
    }
}

/// Applies K along `axis` (may be negative) to `x` whose row-major contents are `host`, and
/// checks every element against reference_line on each line.
template <op K, class T, int R, class E>
void check_op(const E& x, const hbuf<T>& host, const shape_vec& shape, i64 axis, i64 window, const std::string& what) {
    using V = result_t<K, T>;
    INFO(what << ", " << op_name(K) << " axis " << axis << (is_rolling(K) ? " window " + std::to_string(window) : ""));
    const jf::array<V, R> got_array = apply<K>(x, axis, window);
    REQUIRE(to_vec(got_array.shape()) == shape);
    const auto got = got_array.to_host();
    const int a = static_cast<int>(axis < 0 ? axis + R : axis);
    const i64 total = count(shape), length = shape[a];
    i64 stride = 1;  // row-major stride of the axis
    for (int d = R - 1; d > a; --d) stride *= shape[d];
    i64 bad = 0, first_bad = -1;
    std::string first;
    for (i64 f = 0; f < total && length > 0; ++f) {
        if (f / stride % length != 0) continue;  // f starts a line
        std::vector<T> line(static_cast<std::size_t>(length));
        for (i64 k = 0; k < length; ++k) line[k] = host[f + k * stride];
        const auto want = reference_line<K, T>(line, window);
        for (i64 k = 0; k < length; ++k)
            if (!within<V>(got[f + k * stride], want[k])) {
                if (first_bad < 0) {
                    first_bad = f + k * stride;
                    first = "got " + show<V>(got[first_bad]) + ", want " + show<double>(static_cast<double>(want[k].value));
                }
                ++bad;
            }
    }
    INFO("mismatches: " << bad << " first at " << first_bad << ": " << first);
    CHECK(bad == 0);
}

template <class T>
T scan_value(std::mt19937_64& rng) {
    if constexpr (std::is_floating_point_v<T>) {
        // Non-integer values so that rounding happens; magnitudes near 1 keep products finite.
        std::uniform_real_distribution<T> d(T(0.5), T(1.5));
        return rng() & 1 ? d(rng) : -d(rng);
    } else return small_value<T>(rng);
}

/// Every op along every axis (given as negative half of the time) of random views of rank R,
/// with the scanned axis of lengths 0, 1, 3, 8 and 20, and windows 1, 2, 3, 7, length, length+1.
template <class T, int R>
void check_views(std::mt19937_64& rng, int rounds) {
    for (int round = 0; round < rounds; ++round)
        for (int axis = 0; axis < R; ++axis) {
            shape_vec shape = random_shape(rng, R);
            constexpr i64 lengths[] = {0, 1, 3, 8, 20};
            shape[axis] = lengths[rng() % 5];
            const auto c = make_view<T, R>(rng, shape, random_layout(rng), scan_value<T>);
            const i64 ax = rng() & 1 ? axis - R : axis;
            const i64 windows[] = {1, 2, 3, 7, shape[axis], shape[axis] + 1};
            const i64 w = std::max<i64>(1, windows[rng() % 6]);
            const std::string what = type_name<T>() + " " + c.desc;
            check_op<op::cumsum, T, R>(c.view, c.expect, shape, ax, w, what);
            check_op<op::cumprod, T, R>(c.view, c.expect, shape, ax, w, what);
            check_op<op::rolling_sum, T, R>(c.view, c.expect, shape, ax, w, what);
            check_op<op::rolling_mean, T, R>(c.view, c.expect, shape, ax, w, what);
            check_op<op::rolling_min, T, R>(c.view, c.expect, shape, ax, w, what);
            check_op<op::rolling_max, T, R>(c.view, c.expect, shape, ax, w, what);
        }
}

template <class T>
jf::array<T> array_of(const std::vector<T>& v) {
    return jf::from_host(std::span<const T>(v));
}

}  // namespace

TEST_SUITE("scan") {

TEST_CASE("every op, axis and layout of rank 1-3 matches plain loops (float32, int32)") {
    std::mt19937_64 rng(61);
    check_views<float, 1>(rng, 12);
    check_views<float, 2>(rng, 8);
    check_views<float, 3>(rng, 5);
    check_views<std::int32_t, 1>(rng, 12);
    check_views<std::int32_t, 2>(rng, 8);
    check_views<std::int32_t, 3>(rng, 5);
}

TEST_CASE("every op on other dtypes: int8 and bool promote, uint8, float64") {
    std::mt19937_64 rng(62);
    check_views<std::int8_t, 2>(rng, 5);
    check_views<std::uint8_t, 2>(rng, 5);
    check_views<bool, 2>(rng, 5);
    check_views<double, 2>(rng, 5);
}

TEST_CASE("every window size on one line, including 1, the length and beyond") {
    std::mt19937_64 rng(63);
    const i64 n = 23;
    std::vector<double> v(n);
    for (auto& x : v) x = scan_value<double>(rng);
    const auto x = array_of(v);
    const hbuf<double> host(v);
    for (i64 w : {1, 2, 3, 4, 7, 11, 22, 23, 24, 100}) {
        const std::string what = "window " + std::to_string(w);
        check_op<op::rolling_sum, double, 1>(x, host, {n}, 0, w, what);
        check_op<op::rolling_mean, double, 1>(x, host, {n}, 0, w, what);
        check_op<op::rolling_min, double, 1>(x, host, {n}, 0, w, what);
        check_op<op::rolling_max, double, 1>(x, host, {n}, 0, w, what);
    }
    // pandas: the first window - 1 outputs are NaN; window 1 is the input itself.
    const auto r3 = jf::eval(jf::rolling_mean(x, 3)).to_host();
    CHECK(std::isnan(r3[0]));
    CHECK(std::isnan(r3[1]));
    CHECK(!std::isnan(r3[2]));
    CHECK(jf::eval(jf::rolling_sum(x, 1)).to_host() == v);
    for (double y : jf::eval(jf::rolling_max(x, n + 1)).to_host()) CHECK(std::isnan(y));
}

TEST_CASE("known values: inclusive scans, integer wrap-around and promotion") {
    const auto x = array_of<std::int32_t>({1, 2, 3, 4});
    CHECK(jf::eval(jf::cumsum(x)).to_host() == std::vector<std::int32_t>{1, 3, 6, 10});
    CHECK(jf::eval(jf::cumprod(x, -1)).to_host() == std::vector<std::int32_t>{1, 2, 6, 24});
    CHECK(jf::eval(jf::rolling_sum(x, 2)).to_host()[3] == 7.0);
    // int32 wraps like sum does.
    const auto big = jf::full<std::int32_t>(3, 1 << 30);
    CHECK(jf::eval(jf::cumsum(big)).to_host() == std::vector<std::int32_t>{1 << 30, INT32_MIN, -(1 << 30)});
    CHECK(jf::eval(jf::cumsum(big)).to_host()[2] == jf::sum(big).item());
    // int8 widens to int32: no wrap at 127.
    const auto small = jf::full<std::int8_t>(4, 100);
    CHECK(jf::eval(jf::cumsum(small)).to_host() == std::vector<std::int32_t>{100, 200, 300, 400});
    const auto flags = array_of<std::uint8_t>({1, 0, 1});
    CHECK(jf::eval(jf::cumsum(jf::cast<bool>(flags) || jf::cast<bool>(flags))).to_host() ==
          std::vector<std::int32_t>{1, 1, 2});
    // rolling min / max of int64 beyond 2^24 come back exactly in float64.
    const auto wide = array_of<std::int64_t>({20000001, 20000003, 20000002});
    CHECK(jf::eval(jf::rolling_min(wide, 2)).to_host()[2] == 20000002.0);
}

TEST_CASE("NaN and Inf: a NaN poisons exactly the windows holding it, Inf - Inf is NaN") {
    const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    const std::vector<double> v{1, 2, nan, 4, 5, 6, inf, -inf, 9, 10, 11};
    const auto x = array_of(v);
    const hbuf<double> host(v);
    for (i64 w : {1, 2, 3, 4, 11}) {
        const std::string what = "NaN/Inf, window " + std::to_string(w);
        check_op<op::rolling_sum, double, 1>(x, host, {11}, 0, w, what);
        check_op<op::rolling_mean, double, 1>(x, host, {11}, 0, w, what);
        check_op<op::rolling_min, double, 1>(x, host, {11}, 0, w, what);
        check_op<op::rolling_max, double, 1>(x, host, {11}, 0, w, what);
    }
    check_op<op::cumsum, double, 1>(x, host, {11}, 0, 1, "NaN/Inf");
    check_op<op::cumprod, double, 1>(x, host, {11}, 0, 1, "NaN/Inf");
    // Once the Inf has left the window the sum is finite again (no running subtraction).
    const auto s = jf::eval(jf::rolling_sum(x, 2)).to_host();
    CHECK(s[6] == inf);
    CHECK(std::isnan(s[7]));
    CHECK(s[9] == 19.0);
    // -0.0 survives a scan of one element.
    const auto neg_zero = jf::eval(jf::cumsum(array_of<float>({-0.f}))).to_host();
    CHECK(std::signbit(neg_zero[0]));
}

TEST_CASE("large arrays: many lines, columns, transposed views, multi-threaded") {
    std::mt19937_64 rng(64);
    const shape_vec shape{701, 263};
    const auto c = make_view<double, 2>(rng, shape, layout::strided_transposed, scan_value<double>);
    for (int axis : {0, 1}) {
        const std::string what = "large " + c.desc;
        check_op<op::cumsum, double, 2>(c.view, c.expect, shape, axis, 1, what);
        check_op<op::cumprod, double, 2>(c.view, c.expect, shape, axis, 1, what);
        for (i64 w : {5, 64}) {
            check_op<op::rolling_sum, double, 2>(c.view, c.expect, shape, axis, w, what);
            check_op<op::rolling_min, double, 2>(c.view, c.expect, shape, axis, w, what);
        }
    }
    // A window so long that fewer lanes share the suffix buffers (31 of 35 columns at once).
    const shape_vec tall{2200, 35};
    const auto t = make_view<float, 2>(rng, tall, layout::contiguous, scan_value<float>);
    check_op<op::rolling_sum, float, 2>(t.view, t.expect, tall, 0, 2100, "long window " + t.desc);
    check_op<op::rolling_max, float, 2>(t.view, t.expect, tall, 0, 2100, "long window " + t.desc);
    // One long line: its blocks are spread over the threads. Multiples of 1/16 keep every
    // partial sum exact in float32 (a random walk of 3e5 steps stays far below 2^20), so the
    // comparison is exact and catches a wrong carry that the worst-case bound would hide.
    thread_count_guard guard(4);
    const i64 n = 5 * (i64{1} << 16) + 123;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& y : v) y = static_cast<float>(static_cast<int>(rng() % 33) - 16) / 16.f;
    const auto exact = jf::eval(jf::cumsum(array_of(v))).to_host();
    float acc = 0;
    i64 bad = 0;
    for (i64 i = 0; i < n; ++i) bad += exact[i] != (acc += v[i]);
    CHECK(bad == 0);
    check_op<op::rolling_mean, float, 1>(array_of(v), hbuf<float>(v), {n}, 0, 100, "long line");
}

TEST_CASE("results are bit-identical for every thread count") {
    std::mt19937_64 rng(65);
    const i64 n = 9 * (i64{1} << 16) + 77;
    std::vector<float> v(static_cast<std::size_t>(n));
    for (auto& y : v) y = scan_value<float>(rng);
    const auto x = array_of(v);
    const auto m = x(jf::range{0, 9 * 65536, 1}).reshape<2>({9 * 256, 256});
    // NaN and +-Inf: the windows holding them must give the same NaN whichever path runs them.
    for (i64 i = 1000; i < n; i += 77777) v[static_cast<std::size_t>(i)] = std::nanf("");
    for (i64 i = 3000; i < n; i += 99991) v[static_cast<std::size_t>(i)] = i & 1 ? INFINITY : -INFINITY;
    const auto specials = array_of(v);
    const auto run = [&] {
        std::vector<std::vector<float>> r;
        r.push_back(jf::eval(jf::cumsum(x)).to_host());
        r.push_back(jf::eval(jf::cumprod(x * 0.f + 1.0001f)).to_host());
        r.push_back(jf::eval(jf::rolling_mean(x, 333)).to_host());
        r.push_back(jf::eval(jf::cumsum(m, 0)).to_host());
        r.push_back(jf::eval(jf::rolling_sum(m.transpose(), 17, 1)).to_host());
        r.push_back(jf::eval(jf::rolling_mean(specials, 5)).to_host());
        r.push_back(jf::eval(jf::rolling_sum(specials, 3000)).to_host());
        return r;
    };
    std::vector<std::vector<std::vector<float>>> all;
    for (int threads : {1, 2, 3, 8}) {
        thread_count_guard guard(threads);
        all.push_back(run());
    }
    for (std::size_t t = 1; t < all.size(); ++t)
        for (std::size_t k = 0; k < all[0].size(); ++k) {
            INFO("thread count #" << t << ", result " << k);
            CHECK(std::memcmp(all[t][k].data(), all[0][k].data(), all[0][k].size() * sizeof(float)) == 0);
        }
}

TEST_CASE("the input expression fuses into the scan: no temporary, one pass") {
    const i64 n = i64{1} << 22;
    const auto x = jf::full<float>(n, 0.5f);
    const auto y = jf::full<float>(n, 2.f);
    jf::reset_stats();
    const jf::array<float> s = jf::cumsum(x * y + 1.f, 0);
    const auto st = jf::stats();
    INFO(st.dump());
    // Only the result is allocated (no n-element x*y+1), and x and y are read once. A GPU cuts
    // the line into chunks of at least 64: their totals and scanned totals add at most 2
    // values per 64 elements, in a few more launches (the totals are scanned the same way).
    const bool cpu = jf::default_device().is_cpu();
    CHECK(st["allocations"]["bytes"].get<std::uint64_t>() <= n * sizeof(float) * (cpu ? 16 : 17) / 16 + 4096);
    CHECK(jft::default_device_launches() <= (cpu ? 1u : 8u));
    CHECK(st["bytes"]["read"].get<std::uint64_t>() == 2 * n * sizeof(float));
    const auto h = s.to_host();
    CHECK(h[0] == 2.f);
    CHECK(h[999] == 2000.f);  // small integers: exact
    jf::reset_stats();
    const jf::array<double> r = jf::rolling_mean(jf::cast<double>(x) * 4.0, 9, 0);
    CHECK(jf::stats()["allocations"]["bytes"].get<std::uint64_t>() <= n * sizeof(double) + 4096);
    CHECK(r.to_host()[100] == 2.0);
}

TEST_CASE("inside larger expressions, and larger expressions inside") {
    std::mt19937_64 rng(66);
    const shape_vec shape{6, 9};
    const auto c = make_view<float, 2>(rng, shape, layout::strided, scan_value<float>);
    const auto y = make_view<float, 2>(rng, shape, layout::broadcast, scan_value<float>);
    // x - rolling_mean(x, 5, 0): the rolling mean is computed first, then the map.
    const jf::array<float, 2> detrended = c.view - jf::rolling_mean(c.view, 5, 0);
    const jf::array<float, 2> mean = jf::rolling_mean(c.view, 5, 0);
    const auto d = detrended.to_host(), mh = mean.to_host(), xh = c.view.clone().to_host();
    for (std::size_t i = 0; i < d.size(); ++i) CHECK(same_value(d[i], xh[i] - mh[i]));
    // cumsum(x * y + 1, 0) against a plain loop over the fused values.
    hbuf<float> fused(static_cast<std::size_t>(count(shape)));
    for (i64 i = 0; i < count(shape); ++i) fused[i] = c.expect[i] * y.expect[i] + 1.f;
    check_op<op::cumsum, float, 2>(c.view * y.view + 1.f, fused, shape, 0, 1, "fused " + c.desc + " / " + y.desc);
    check_op<op::rolling_max, float, 2>(c.view * y.view + 1.f, fused, shape, 1, 3, "fused " + c.desc);
    // A reduction of a scan, a scan of a reduction, a scan of a scan.
    const float total = jf::sum(jf::cumsum(c.view, 1)).item();
    long double want = 0, magnitude = 0;
    for (i64 r = 0; r < 6; ++r)
        for (i64 k = 0; k < 9; ++k) {
            want += (9 - k) * static_cast<long double>(c.expect[r * 9 + k]);
            magnitude += (9 - k) * std::fabs(static_cast<long double>(c.expect[r * 9 + k]));
        }
    // Each cumsum element adds up to 9 terms, the sum 54 of them: error below (9 + 54) eps sum|x|.
    CHECK(std::fabs(total - want) <= (9 + 54) * std::numeric_limits<float>::epsilon() * magnitude);
    const auto scan_of_sum = jf::eval(jf::cumsum(jf::sum(c.view, 1))).to_host();
    const auto row_sums = jf::eval(jf::sum(c.view, 1)).to_host();
    // A 6-element line is one block: the same left fold as this expression, bit for bit.
    CHECK(same_value(scan_of_sum[5], row_sums[0] + row_sums[1] + row_sums[2] + row_sums[3] + row_sums[4] + row_sums[5]));
    const auto twice = jf::eval(jf::cumsum(jf::cumsum(array_of<std::int32_t>({1, 1, 1})))).to_host();
    CHECK(twice == std::vector<std::int32_t>{1, 3, 6});
}

TEST_CASE("assigning a scan of an array to itself goes through a temporary where needed") {
    auto a = array_of<double>({1, 2, 3, 4, 5});
    a = jf::cumsum(a, 0);
    CHECK(a.to_host() == std::vector<double>{1, 3, 6, 10, 15});
    a = jf::rolling_mean(a, 3, 0);
    const auto h = a.to_host();
    CHECK(std::isnan(h[0]));
    CHECK(std::isnan(h[1]));
    CHECK(h[2] == 10.0 / 3);
    CHECK(h[4] == 31.0 / 3);
    // Another view of the same buffer: reversed.
    auto b = array_of<float>({1, 2, 3, 4});
    b = jf::cumsum(b(jf::range{3, -1, -1}));
    CHECK(b.to_host() == std::vector<float>{4, 7, 9, 10});
    // A square matrix scanned through its transpose.
    auto m = jf::from_host(std::span<const std::int32_t>(std::vector<std::int32_t>{1, 2, 3, 4}), {2, 2});
    m = jf::cumsum(m.transpose(), 1);
    CHECK(m.to_host() == std::vector<std::int32_t>{1, 4, 2, 6});
    // A target of another type than the result: int8 cumsum (int32) into int8, rolling into float.
    auto c = array_of<std::int8_t>({1, 2, 3});
    c = jf::cumsum(c);
    CHECK(c.to_host() == std::vector<std::int8_t>{1, 3, 6});
    jf::array<float> f(3);
    f = jf::rolling_sum(array_of<std::int32_t>({1, 2, 3}), 2);
    CHECK(std::isnan(f.to_host()[0]));
    CHECK(f.to_host()[2] == 5.f);
}

TEST_CASE("shape errors: axis out of range, window below 1; explain") {
    const auto x = jf::zeros<float, 2>({3, 4});
    CHECK_THROWS_AS(jf::cumsum(x, 2), jf::shape_error);
    CHECK_THROWS_AS(jf::cumprod(x, -3), jf::shape_error);
    CHECK_THROWS_AS(jf::rolling_mean(x, 3, 5), jf::shape_error);
    CHECK_THROWS_WITH_AS(jf::rolling_sum(x, 0, 0), doctest::Contains("window of at least 1"), jf::shape_error);
    CHECK_THROWS_AS(jf::rolling_max(x, -2, 1), jf::shape_error);
    jf::array<float, 2> wrong({4, 3});
    CHECK_THROWS_AS(wrong = jf::cumsum(x, 0), jf::shape_error);

    const auto info = jf::explain(jf::cumsum(x * 2.f, 0));
    CHECK(info.kernel_name == "jf_scan");
    CHECK(info.source.find("jf::cumsum_op<float>") != std::string::npos);
    CHECK(info.grid[0] * info.block[0] >= 4);  // a thread per line
    const auto rolling = jf::explain(jf::rolling_mean(x, 2, 1));
    CHECK(rolling.source.find("jf::rolling_mean_op<float>") != std::string::npos);
    CHECK(jf::explain(x - jf::rolling_min(x, 2, 1)).kernel_name == "jf_map");
}

TEST_CASE("NVRTC compiles a scan and a rolling kernel of every op for sm_90") {
    if (const std::string why = jf::detail::nvrtc_unavailable_reason(); !why.empty()) {
        MESSAGE("skipped: " << why);
        return;
    }
    const auto b = jf::zeros<std::uint8_t, 3>({2, 3, 4});
    const auto d = jf::ones<double, 2>({5, 6});
    CHECK_NOTHROW(jf::precompile(jf::cumsum(b, 1), "sm_90"));
    CHECK_NOTHROW(jf::precompile(jf::cumprod(d * 2.0, 0), "sm_90"));
    CHECK_NOTHROW(jf::precompile(jf::rolling_sum(b, 2, -1), "sm_90"));
    CHECK_NOTHROW(jf::precompile(jf::rolling_mean(jf::sqrt(d), 3, 1), "sm_90"));
    CHECK_NOTHROW(jf::precompile(jf::rolling_min(d, 2, 0), "sm_90"));
    CHECK_NOTHROW(jf::precompile(jf::rolling_max(jf::cast<bool>(b), 4, 2), "sm_90"));
}

}  // TEST_SUITE

TEST_SUITE("scale") {

TEST_CASE("cumsum of one line of more than 2^31 elements (8.6 GB of int32)") {
    constexpr i64 n = (i64{1} << 31) + 1000;
    // A broadcast int8 one: the input costs no memory, the int32 result 8.6 GB.
    const auto ones = jf::ones<std::int8_t>(1).broadcast_to<1>({n});
    const jf::array<std::int32_t> c = jf::cumsum(ones);
    const std::int32_t* p = c.data();  // host memory: the CPU fallback
    CHECK(p[0] == 1);
    CHECK(p[(i64{1} << 31) - 2] == INT32_MAX);
    CHECK(p[(i64{1} << 31) - 1] == INT32_MIN);  // wraps like sum
    CHECK(p[n - 1] == INT32_MIN + 1000);
    CHECK(jf::sum(ones).item() == p[n - 1]);
}

}  // TEST_SUITE
