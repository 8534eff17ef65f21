// SPDX-License-Identifier: Apache-2.0
// JITFUSE_FUNCTION: user functions with loops and branches, on numbers (host) and on
// expressions (a fused node), compared with plain loops; their generated device code; and
// NVRTC compiling them (skipped, with a message, where NVRTC is not installed).
#include "reference.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <jitfuse/detail/nvrtc.hpp>

namespace {

using namespace jft;

JITFUSE_FUNCTION(int, mandelbrot, (float cr, float ci, int max_iter),
    float zr = 0, zi = 0; int i = 0;
    while (i < max_iter && zr*zr + zi*zi < 4.f) { float t = zr*zr - zi*zi + cr; zi = 2*zr*zi + ci; zr = t; ++i; }
    return i;)

JITFUSE_FUNCTION(float, piecewise, (float x),
    if (x < -1.f) return -1.f;
    if (x < 1.f) return x * x * x;
    return sqrtf(x);
);  // a stray `;` after the declaration compiles (and warns nothing under -Wpedantic)

JITFUSE_FUNCTION(double, blend, (double a, std::int64_t k),
    double acc = a;
    for (long long j = 0; j < k % 4; ++j) acc = acc > 0 ? acc - 1.5 : acc * 2.0 + 1.0;
    return acc;)

JITFUSE_FUNCTION(std::int32_t, converts, (int n, float x, bool flag),
    return flag ? n * 10 + (int)x : -n;)

JITFUSE_FUNCTION(long, weighted8, (int a, int b, int c, int d, std::int16_t e, int f, int g, long h),
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;)

JITFUSE_FUNCTION(bool, in_disk, (double x, double y, double r), return hypot(x, y) <= r;)

// Every name function.hpp documents, with float and double arguments: NVRTC must know them
// all without headers.
JITFUSE_FUNCTION(double, every_math_name, (float f, double d),
    const float g = fabs(f) + 0.5f;
    double s = abs(d) + fabs(d) + fmod(d, 3.0) + remainder(d, 3.0) + fma(d, d, 1.0) + fmin(d, 1.0) + fmax(d, 1.0) + fdim(d, 1.0);
    s += exp(d) + exp2(d) + expm1(d) + log(g) + log2(g) + log10(g) + log1p(g) + pow(g, 1.5f) + sqrt(g) + cbrt(d) + hypot(d, 2.0);
    s += sin(f) + cos(f) + tan(f) + asin(0.5f) + acos(0.5f) + atan(f) + atan2(f, g) + sinh(f) + cosh(f) + tanh(f);
    s += asinh(f) + acosh(g + 1) + atanh(0.5f) + erf(f) + erfc(f) + tgamma(g) + lgamma(g);
    s += ceil(f) + floor(d) + trunc(f) + round(d) + rint(f) + copysign(f, -1.f) + abs(f);
    s += isnan(f) + isinf(d) + isfinite(f) + signbit(d);
    s += sqrtf(g) + expf(f) + logf(g) + sinf(f) + cosf(f) + powf(g, 2.f) + fabsf(f) + fminf(f, g) + fmaxf(f, g) + floorf(f);
    return s;)

// Compiles on the host (<cstdlib> declares getenv) but not for the device.
JITFUSE_FUNCTION(float, host_only, (float x), return getenv("JITFUSE_NO_SUCH_VARIABLE") ? x : -x;)

/// The reference: the same iteration, written out as a plain loop.
int mandelbrot_reference(float cr, float ci, int max_iter) {
    float zr = 0, zi = 0;
    int i = 0;
    for (; i < max_iter; ++i) {
        if (!(zr * zr + zi * zi < 4.f)) break;
        const float t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
    }
    return i;
}

float piecewise_reference(float x) {
    if (x < -1.f) return -1.f;
    if (x < 1.f) return x * x * x;
    return std::sqrt(x);
}

double blend_reference(double a, std::int64_t k) {
    for (std::int64_t j = 0; j < k % 4; ++j) a = a > 0 ? a - 1.5 : a * 2.0 + 1.0;
    return a;
}

bool nvrtc_usable() {
    const std::string why = jf::detail::nvrtc_unavailable_reason();
    if (!why.empty()) MESSAGE("skipped: " << why);
    return why.empty();
}

/// A grid of c = cr + i ci: cr along the columns (a row vector), ci along the rows (a column).
struct grid {
    jf::array<float, 2> cr, ci;
    std::vector<float> cr_host, ci_host;
    grid(i64 rows, i64 cols)
        : cr(jf::linspace<float>(-2.0, 0.75, cols).reshape<2>({1, cols})),
          ci(jf::linspace<float>(-1.25, 1.25, rows).reshape<2>({rows, 1})),
          cr_host(cr.to_host()), ci_host(ci.to_host()) {}
};

}  // namespace

namespace same_name_a {
JITFUSE_FUNCTION(float, twice, (float x), return 2 * x;)
}
namespace same_name_b {
JITFUSE_FUNCTION(float, twice, (float x), return x + 2;)
}

TEST_SUITE("function") {
    TEST_CASE("mandelbrot over a broadcast grid matches a plain loop") {
        for (const auto& [rows, cols] : {std::pair<i64, i64>{1, 1}, {7, 13}, {180, 240}}) {  // 180x240: threaded
            const grid g(rows, cols);
            const jf::array<int, 2> it = mandelbrot(g.cr, g.ci, 64);
            std::vector<int> want;
            for (i64 r = 0; r < rows; ++r)
                for (i64 c = 0; c < cols; ++c) want.push_back(mandelbrot_reference(g.cr_host[c], g.ci_host[r], 64));
            check_array(it, {rows, cols}, want, "mandelbrot " + std::to_string(rows) + "x" + std::to_string(cols));
        }
    }

    TEST_CASE("numbers only: the function runs on the host and returns its type") {
        static_assert(std::is_same_v<decltype(mandelbrot(-0.5f, 0.f, 256)), int>);
        static_assert(std::is_same_v<decltype(piecewise(2.0)), float>);
        CHECK(mandelbrot(-0.5f, 0.f, 256) == 256);
        CHECK(mandelbrot(1.f, 1.f, 256) == mandelbrot_reference(1.f, 1.f, 256));
        CHECK(piecewise(-3.f) == -1.f);
        CHECK(piecewise(0.5f) == 0.125f);
        CHECK(piecewise(4) == 2.f);
        CHECK(converts(3, 2.9f, true) == 32);
        CHECK(weighted8(1, 1, 1, 1, 1, 1, 1, 1) == 36);
    }

    TEST_CASE("a function with branches matches a plain loop, NaN and infinities included") {
        std::mt19937_64 rng(6);
        std::uniform_real_distribution<float> dist(-3.f, 3.f);
        hbuf<float> host(40000);  // above the threading threshold
        for (std::size_t i = 0; i < host.size(); ++i) host[i] = dist(rng);
        host[0] = std::numeric_limits<float>::quiet_NaN();
        host[1] = std::numeric_limits<float>::infinity();
        host[2] = -std::numeric_limits<float>::infinity();
        host[3] = -0.f;
        host[4] = 1.f;
        host[5] = -1.f;
        const jf::array<float> x = jf::from_host(host.span());
        const jf::array<float> y = piecewise(x);
        hbuf<float> want(host.size());
        for (std::size_t i = 0; i < host.size(); ++i) want[i] = piecewise_reference(host[i]);
        // Exact: the host evaluator runs the same scalar code the reference does.
        check_array(y, {static_cast<i64>(host.size())}, want);
    }

    TEST_CASE("arguments broadcast like binary ops: rank 1 against rank 2, scalars anywhere") {
        const jf::array<double, 2> a = jf::arange<double>(-6.0, 6.0, 1.0).reshape<2>({3, 4});
        const jf::array<std::int64_t> k = jf::arange<std::int64_t>(4);
        const jf::array<double, 2> r = blend(a, k);
        const jf::array<double, 2> s = blend(a, 3);
        const jf::array<double> t = blend(-2.5, k);
        std::vector<double> want_r, want_s, want_t;
        for (int i = 0; i < 12; ++i) {
            want_r.push_back(blend_reference(i - 6.0, i % 4));
            want_s.push_back(blend_reference(i - 6.0, 3));
        }
        for (int j = 0; j < 4; ++j) want_t.push_back(blend_reference(-2.5, j));
        check_array(r, {3, 4}, want_r, "blend(a, k)");
        check_array(s, {3, 4}, want_s, "blend(a, 3)");
        check_array(t, {4}, want_t, "blend(-2.5, k)");
    }

    TEST_CASE("calls fuse with other ops, and sit inside and above reductions") {
        const grid g(30, 40);
        std::vector<int> it;
        for (i64 r = 0; r < 30; ++r)
            for (i64 c = 0; c < 40; ++c) it.push_back(mandelbrot_reference(g.cr_host[c], g.ci_host[r], 32));

        SUBCASE("elementwise around the call") {
            const jf::array<int, 2> got = mandelbrot(g.cr * 1.f, g.ci + 0.f, 32) * 2 + 1;
            std::vector<int> want;
            for (int v : it) want.push_back(v * 2 + 1);
            check_array(got, {30, 40}, want);
        }
        SUBCASE("whole and axis reductions of a call") {
            long long total = 0;
            std::vector<int> rows(30, 0);
            for (std::size_t i = 0; i < it.size(); ++i) {
                total += it[i];
                rows[i / 40] += it[i];
            }
            CHECK(jf::sum(mandelbrot(g.cr, g.ci, 32)).item() == total);
            check_array(jf::array<int>(jf::sum(mandelbrot(g.cr, g.ci, 32), 1)), {30}, rows, "sum along rows");
        }
        SUBCASE("a reduction as an argument is computed first") {
            const jf::array<float> x = jf::linspace<float>(-2.0, 3.0, 11);
            const auto xs = x.to_host();
            const jf::array<float> got = piecewise(x - jf::max(x) + 1.f);
            std::vector<float> want;
            for (float v : xs) want.push_back(piecewise_reference(v - 3.f + 1.f));
            check_array(got, {11}, want);
        }
        SUBCASE("under and over a shift") {
            const jf::array<float> x = jf::linspace<float>(-2.0, 3.0, 11);
            const auto xs = x.to_host();
            const jf::array<float> got = jf::shift(piecewise(x), {1}, jf::boundary::clamp) +
                                         piecewise(jf::shift(x * 2.f, {-2}, jf::boundary::wrap));
            std::vector<float> want;
            for (int i = 0; i < 11; ++i)
                want.push_back(piecewise_reference(xs[std::min(i + 1, 10)]) + piecewise_reference(xs[(i + 9) % 11] * 2.f));
            check_array(got, {11}, want);
        }
        SUBCASE("calls of calls, and the same function twice") {
            const jf::array<float> x = jf::linspace<float>(-2.0, 3.0, 11);
            const auto xs = x.to_host();
            const jf::array<float> got = piecewise(piecewise(x)) + piecewise(x * 0.5f);
            std::vector<float> want;
            for (float v : xs) want.push_back(piecewise_reference(piecewise_reference(v)) + piecewise_reference(v * 0.5f));
            check_array(got, {11}, want);
        }
    }

    TEST_CASE("strided, transposed and broadcast views as arguments") {
        std::mt19937_64 rng(61);
        for (const layout lay : all_layouts) {
            const shape_vec shape = random_shape(rng, 2);
            auto a = make_view<double, 2>(rng, shape, lay);
            auto k = make_view<std::int64_t, 2>(rng, shape, random_layout(rng),
                                                [](std::mt19937_64& g) { return static_cast<std::int64_t>(g() % 9); });
            const jf::array<double, 2> got = blend(a.view, k.view);
            std::vector<double> want;
            for (std::size_t i = 0; i < a.expect.size(); ++i) want.push_back(blend_reference(a.expect[i], k.expect[i]));
            check_array(got, shape, want, a.desc + " | " + k.desc);
        }
    }

    TEST_CASE("arguments are converted to the parameter types") {
        // float -> int truncates (cast<int>), int -> float, numbers -> bool is != 0.
        const jf::array<float> n = jf::from_host(std::vector<float>{2.9f, -1.5f, 0.f, 7.25f});
        const jf::array<std::int8_t> x = jf::from_host(std::vector<std::int8_t>{3, -4, 5, 9});
        const jf::array<double> flag = jf::from_host(std::vector<double>{1.0, 0.0, 0.5, -0.0});
        check_array(jf::array<int>(converts(n, x, flag)), {4}, std::vector<int>{23, 1, 5, -7}, "arrays");
        check_array(jf::array<int>(converts(n, 2.75, true)), {4}, std::vector<int>{22, -8, 2, 72}, "numbers too");
        check_array(jf::array<int>(converts(4.5, x, flag)), {4}, std::vector<int>{43, -4, 45, -4}, "number for int");
    }

    TEST_CASE("eight parameters, arrays and numbers mixed") {
        const jf::array<int> a = jf::arange<int>(5);
        const jf::array<std::int16_t> e = jf::arange<std::int16_t>(5);
        const jf::array<long> r = weighted8(a, 1, a, 2, e, a, 3u, a * 2);
        std::vector<long> want;
        for (long i = 0; i < 5; ++i) want.push_back(i + 2 + 3 * i + 8 + 5 * i + 6 * i + 21 + 16 * i);
        check_array(r, {5}, want);
    }

    TEST_CASE("sizes 0 and 1, a bool result") {
        const jf::array<float> empty = jf::zeros<float>(0);
        CHECK(jf::array<float>(piecewise(empty)).size() == 0);
        const jf::array<float, 2> none = jf::zeros<float, 2>({0, 5});
        const jf::array<double, 2> cols = jf::ones<double, 2>({1, 5});
        CHECK(jf::array<bool, 2>(in_disk(none, cols, 1.0)).shape() == jf::shape_t<2>{0, 5});
        CHECK(jf::sum(piecewise(empty)).item() == 0.f);
        const jf::array<float> one = jf::full<float>(1, 4.f);
        check_array(jf::array<float>(piecewise(one)), {1}, std::vector<float>{2.f});
        const jf::array<double> x = jf::linspace<double>(-1.0, 1.0, 5);
        check_array(jf::array<bool>(in_disk(x, 0.5, 0.75)), {5}, std::vector<bool>{false, true, true, true, false});
    }

    TEST_CASE("operands that do not broadcast: shape_error naming the function and both shapes") {
        const jf::array<float> x = jf::zeros<float>(3);
        const jf::array<float> y = jf::zeros<float>(4);
        try {
            (void)mandelbrot(x, y, 10);
            FAIL("no shape_error");
        } catch (const jf::shape_error& e) {
            const std::string what = e.what();
            CHECK(what.find("mandelbrot") != std::string::npos);
            CHECK(what.find("(3,)") != std::string::npos);
            CHECK(what.find("(4,)") != std::string::npos);
        }
        CHECK_THROWS_AS((void)blend(jf::zeros<double, 2>({2, 3}), jf::zeros<std::int64_t>(2)), jf::shape_error);
    }

    TEST_CASE("assigning a call of an array into that array") {
        jf::array<float, 2> m = jf::linspace<float>(-2.0, 2.0, 9).reshape<2>({3, 3});
        const auto before = m.to_host();
        m = piecewise(m.transpose());  // reads through another view: evaluated via a temporary
        std::vector<float> want;
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) want.push_back(piecewise_reference(before[c * 3 + r]));
        check_array(m, {3, 3}, want);
    }

    TEST_CASE("two different functions of one name in one expression: an error when generating its kernel") {
        const grid g(3, 4);
        const jf::array<float, 2> x = g.cr;
        const auto both = same_name_a::twice(x) + same_name_b::twice(x);
        // The CPU calls each function's own host code (unless the pass also generates its
        // kernel, as under JITFUSE_CHECK_CODEGEN or on a GPU)...
        if (!jf::detail::codegen_observed() && jf::default_device().is_cpu()) {
            const auto got = jf::eval(both).to_host(), in = x.to_host();
            for (std::size_t i = 0; i < in.size(); ++i) CHECK(got[i] == 2 * in[i] + (in[i] + 2));
        }
        // ...but their device functions would share one name.
        CHECK_THROWS_WITH_AS(jf::explain(both), doctest::Contains("two different JITFUSE_FUNCTIONs named twice"), jf::error);
    }

    TEST_CASE("explain: the function is printed once, at the user's line, then numbering resumes") {
        const grid g(4, 5);
        const std::string src = jf::explain(mandelbrot(g.cr, g.ci, 256) + mandelbrot(g.ci, g.cr, 8)).source;
        INFO(src);
        const std::string head = "__device__ inline jf::int32_t jfu_mandelbrot(float cr, float ci, jf::int32_t max_iter) {";
        REQUIRE(src.find(head) != std::string::npos);
        CHECK(src.find(head, src.find(head) + 1) == std::string::npos);
        CHECK(src.find("#line " + std::to_string(jitfuse_function_mandelbrot::line) + " \"" +
                       std::string(jitfuse_function_mandelbrot::file) + "\"") != std::string::npos);
        CHECK(src.find("jfu_mandelbrot(") != src.rfind("jfu_mandelbrot("));
        // The directive after the function gives the next line its true number.
        const std::string reset = "#line ";
        const std::size_t at = src.find(reset, src.find(head));
        REQUIRE(at != std::string::npos);
        const long line_of_directive = std::count(src.begin(), src.begin() + static_cast<long>(at), '\n') + 1;
        CHECK(src.substr(at, src.find('\n', at) - at) ==
              reset + std::to_string(line_of_directive + 1) + " \"jitfuse_kernel.cu\"");
    }

    TEST_CASE("NVRTC compiles user functions, every documented math name included") {
        if (!nvrtc_usable()) return;
        const grid g(4, 5);
        CHECK_NOTHROW(jf::precompile(mandelbrot(g.cr, g.ci, 256), "sm_90"));
        const jf::array<float> f = jf::zeros<float>(3);
        const jf::array<double> d = jf::zeros<double>(3);
        CHECK_NOTHROW(jf::precompile(every_math_name(f, d) + blend(d, 2) + weighted8(1, 2, 3, 4, 5, 6, 7, f), "sm_90"));
        CHECK_NOTHROW(jf::precompile(jf::sum(converts(f, f, d > 0.0)), "sm_90"));
        const jf::array<float, 2> big = jf::zeros<float, 2>({8, 8});
        CHECK_NOTHROW(jf::precompile(jf::sum(piecewise(big.transpose()), 0), "sm_90"));
    }

    TEST_CASE("a body NVRTC rejects: compile_error naming the function and its file:line") {
        if (!nvrtc_usable()) return;
        CHECK(host_only(1.f) == -1.f);  // fine on the host
        const jf::array<float> x = jf::zeros<float>(3);
        try {
            jf::precompile(host_only(x) * 2.f, "sm_90");
            FAIL("no compile_error");
        } catch (const jf::compile_error& e) {
            const std::string what = e.what();
            const std::string file(jitfuse_function_host_only::file);
            const std::string line = std::to_string(jitfuse_function_host_only::line);
            INFO(what);
            // The message opens on the user's function (README, docs/bad_input.md).
            CHECK(what.starts_with("JITFUSE_FUNCTION host_only (" + file + ":" + line + ") does not compile for the device"));
            CHECK(what.rfind("getenv") != std::string::npos);
            CHECK(e.log().find(file + "(" + line + ")") != std::string::npos);
            CHECK(e.source().find("jfu_host_only") != std::string::npos);
        }
    }
}
