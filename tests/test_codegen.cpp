// SPDX-License-Identifier: Apache-2.0
// Code generation without a GPU: explain() output, golden sources, and NVRTC compiling every
// kernel form for sm_90 (skipped, with a message, where NVRTC is not installed).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <jitfuse/detail/cuda_driver.hpp>
#include <jitfuse/detail/nvrtc.hpp>
#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

namespace {

const std::filesystem::path golden_dir = JITFUSE_TEST_GOLDEN_DIR;

/// Compares with tests/golden/<name>.cu; JITFUSE_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& source) {
    const auto path = golden_dir / (name + ".cu");
    if (const char* update = std::getenv("JITFUSE_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(path) << source;
        MESSAGE("rewrote " << path.string());
        return;
    }
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "missing golden file " << path.string() << " (run with JITFUSE_UPDATE_GOLDEN=1)");
    std::stringstream want;
    want << in.rdbuf();
    CHECK_MESSAGE(source == want.str(), "generated source differs from " << path.string());
}

bool nvrtc_usable() {
    const std::string why = jf::detail::nvrtc_unavailable_reason();
    if (!why.empty()) MESSAGE("skipped: " << why);
    return why.empty();
}

}  // namespace

TEST_SUITE("codegen") {
    TEST_CASE("layouts follow contiguity, broadcasting and alignment") {
        jf::array<float> x = jf::arange<float>(1000), y = jf::ones<float>(1000);
        jf::array<float, 2> m = jf::zeros<float, 2>({30, 40});
        jf::array<float> row = jf::ones<float>(40);
        CHECK(jf::explain(x * y + 1.0f).layout == "flat_vector");
        CHECK(jf::explain(x(jf::range(1, 1000)) * 2.0f).layout == "flat");  // 4 bytes off alignment
        CHECK(jf::explain(x(jf::range(0, 1000, 2)) * 2.0f).layout == "strided");
        CHECK(jf::explain(m + row).layout == "strided");  // broadcast
        CHECK(jf::explain(m.transpose() * 2.0f).layout == "strided");
        const auto info = jf::explain(x * y);
        CHECK(info.kernel_name == "jf_map");
        CHECK(info.bytes_read == 2 * 1000 * sizeof(float));
        CHECK(info.bytes_written == 1000 * sizeof(float));
        CHECK(info.headers.count("jitfuse/prelude.cuh") == 1);
        CHECK(info.block[0] == 256);
    }

    TEST_CASE("bytes read count each array view once; b = a on a's own view writes nothing") {
        const std::int64_t n = 1000;
        const std::uint64_t floats = n * sizeof(float);
        jf::array<float> x = jf::arange<float>(n), y = jf::ones<float>(n);
        const auto read = [] { return jf::stats()["bytes"]["read"].get<std::uint64_t>(); };
        const auto written = [] { return jf::stats()["bytes"]["written"].get<std::uint64_t>(); };
        const auto launches = [] {
            const auto l = jf::stats()["launches"];
            return l["cpu"].get<std::uint64_t>() + l["cuda"].get<std::uint64_t>();
        };
        const auto chain = jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f);
        CHECK(jf::explain(chain).bytes_read == floats);
        CHECK(jf::explain(x * y + x).bytes_read == 2 * floats);
        // Two views of one buffer are different bytes.
        CHECK(jf::explain(x(jf::range(0, n / 2)) + x(jf::range(n / 2, n))).bytes_read == floats);
        jf::reset_stats();
        jf::array<float> z = chain;
        CHECK(read() == floats);
        CHECK(written() == floats);
        // An array read by both expressions of a tie is read once.
        jf::array<float> u(n), v(n);
        jf::reset_stats();
        jf::tie(u, v) = jf::tuple(x + y, x * 2.0f);
        CHECK(read() == 2 * floats);
        CHECK(written() == 2 * floats);

        jf::array<float> b = x;  // shares x's buffer and view
        jf::reset_stats();
        b = x;
        CHECK(launches() == 0);
        CHECK(written() == 0);
        // Another view of the same buffer is still written: x[0:500] = x[500:1000].
        jf::array<float> low = x(jf::range(0, n / 2));
        jf::reset_stats();
        low = x(jf::range(n / 2, n));
        CHECK(launches() >= 1);  // two where the pass goes through a temporary
        CHECK(written() >= floats / 2);
        const auto values = x.to_host();
        for (std::int64_t i = 0; i < n; ++i)
            REQUIRE(values[static_cast<std::size_t>(i)] == static_cast<float>(i < n / 2 ? i + n / 2 : i));
    }

    TEST_CASE("an array read several times is one kernel parameter, loaded once") {
        jf::array<float> x = jf::arange<float>(1000), y = jf::ones<float>(1000);
        jf::array<float, 2> g = jf::ones<float, 2>({30, 40});
        const auto count = [](const std::string& text, const std::string& what) {
            std::size_t found = 0;
            for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++found;
            return found;
        };
        const auto inputs = [&](const std::string& source) { return count(source, "const float* __restrict__ p"); };
        const std::string chain = jf::explain(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f)).source;
        CHECK(inputs(chain) == 1);
        CHECK(count(chain, "jf::load<E>(") == 1);  // one vector load per step
        CHECK(inputs(jf::explain(x * y + x * y).source) == 2);
        CHECK(inputs(jf::explain(g.transpose() * g.transpose() + 1.0f).source) == 1);  // strided
        // Other views of the buffer keep their own.
        CHECK(inputs(jf::explain(x(jf::range(0, 500)) + x(jf::range(500, 1000))).source) == 2);
        CHECK(inputs(jf::explain(g + g.transpose().transpose() * 2.0f).source) == 1);  // the same view again
        jf::array<float, 2> square = jf::ones<float, 2>({16, 16});
        CHECK(inputs(jf::explain(square + square.transpose()).source) == 2);  // same first element and shape
        // Every kind of pass: whole and axis reductions, scans, rolling windows.
        CHECK(inputs(jf::explain(jf::sum(x * x)).source) == 1);
        CHECK(count(jf::explain(jf::sum(x * x)).source, "jf::load<E>(") == 1);
        CHECK(inputs(jf::explain(jf::sum(x * y + x)).source) == 2);
        CHECK(inputs(jf::explain(jf::max(g * g.transpose().transpose(), 1)).source) == 1);
        CHECK(inputs(jf::explain(jf::mean(g.transpose() - g.transpose(), 0)).source) == 1);
        CHECK(inputs(jf::explain(jf::rolling_mean(x * x, 4)).source) == 1);
        // A cumulative scan has two kernels (the chunks' totals, then the scan), each reading x.
        CHECK(inputs(jf::explain(jf::cumsum(x * x + x)).source) == 2);
        CHECK(inputs(jf::explain(jf::cumsum(x * y)).source) == 4);
        // A reduction of a merged input and one of distinct arrays of the same types are different
        // kernels of one expression type; the unmerged source is the one it always was.
        CHECK(jf::explain(jf::sum(x * x)).source != jf::explain(jf::sum(x * y)).source);
        CHECK(jf::explain(jf::sum(x * y)).source == jf::explain(jf::sum(y * x)).source);
        // A whole and an axis reduction of one strided expression type, both merged: two kernels.
        const auto gt = g.transpose();
        CHECK(jf::explain(jf::sum(gt * gt)).kernel_names[0] == "jf_reduce");
        CHECK(jf::explain(jf::sum(gt * gt, 1)).kernel_names[0] == "jf_reduce_axis");
        // What a distinct merge compiles to is its own kernel; the unmerged one is unchanged.
        CHECK(jf::explain(x * x).source != jf::explain(x * y).source);
        CHECK(jf::explain(x * y).source == jf::explain(y * x).source);
    }

    TEST_CASE("reductions and scans reading one array through several leaves compute the right values") {
        // On the default device: under JITFUSE_DEVICE=cuda (the emulated GPU in CI) the merged
        // kernels above run. References are long-double loops over fl(x * x), the float product
        // every device computes exactly so; a float sum of m such terms, in any order, is within
        // m * 2^-24 of the sum of their magnitudes.
        constexpr std::int64_t rows = 3, cols = 1031;  // odd lengths: vector steps and a tail
        std::mt19937_64 rng(11);
        std::uniform_real_distribution<float> u(-2.0f, 2.0f);
        std::vector<float> host(static_cast<std::size_t>(rows * cols));
        for (float& v : host) v = u(rng);
        const jf::array<float> x = jf::from_host(host);
        const jf::array<float, 2> g = jf::from_host(host, {rows, cols});
        const auto square = [&](std::int64_t i) { return host[static_cast<std::size_t>(i)] * host[static_cast<std::size_t>(i)]; };
        const auto near = [](double got, long double want, long double magnitude, std::int64_t m) {
            return std::fabs(static_cast<long double>(got) - want) <= static_cast<long double>(m) * 0x1p-24L * magnitude;
        };
        long double all = 0;
        for (std::int64_t i = 0; i < rows * cols; ++i) all += square(i);
        CHECK(near(jf::sum(x * x).item(), all, all, rows * cols));                                    // flat, vectorised
        CHECK(near(jf::sum(g.transpose() * g.transpose()).item(), all, all, rows * cols));            // strided
        const std::vector<float> row_sums = jf::eval(jf::sum(g * g, 1)).to_host(), column_max = jf::eval(jf::max(g * g, 0)).to_host();
        for (std::int64_t r = 0; r < rows; ++r) {
            long double want = 0;
            for (std::int64_t c = 0; c < cols; ++c) want += square(r * cols + c);
            CHECK(near(row_sums[static_cast<std::size_t>(r)], want, want, cols));
        }
        for (std::int64_t c = 0; c < cols; ++c) {  // a max is exact
            float want = square(c);
            for (std::int64_t r = 1; r < rows; ++r) want = std::max(want, square(r * cols + c));
            CHECK(column_max[static_cast<std::size_t>(c)] == want);
        }
        // cumsum(x * x): prefix k sums k + 1 terms; rolling_mean(x * x, 5): 5 terms, divided by 5.
        const std::vector<float> prefix = jf::eval(jf::cumsum(x * x)).to_host(), rolled = jf::eval(jf::rolling_mean(x * x, 5)).to_host();
        long double running = 0;
        for (std::int64_t k = 0; k < rows * cols; ++k) {
            running += square(k);
            CHECK(near(prefix[static_cast<std::size_t>(k)], running, running, k + 1));
            if (k < 4) {
                CHECK(std::isnan(rolled[static_cast<std::size_t>(k)]));
                continue;
            }
            long double window = 0;
            for (std::int64_t j = k - 4; j <= k; ++j) window += square(j);
            CHECK(near(rolled[static_cast<std::size_t>(k)], window / 5, window / 5, 6));  // 4 adds and a divide
        }
    }

    TEST_CASE("reductions name their kernels") {
        jf::array<double, 2> m = jf::ones<double, 2>({8, 9});
        CHECK(jf::explain(jf::sum(m)).kernel_names == std::vector<std::string>{"jf_reduce", "jf_reduce_final"});
        const std::vector<std::string> axis_kernels{"jf_reduce_axis", "jf_reduce_axis_final"};
        CHECK(jf::explain(jf::max(m, 1)).kernel_names == axis_kernels);
        CHECK(jf::explain(jf::argmin(m, 0)).kernel_names == axis_kernels);
        CHECK(jf::explain(jf::max(m, 1)).grid[0] == 1);  // 8 rows of 9, a group of 16 threads each
    }

    TEST_CASE("golden sources") {
        jf::array<float> x = jf::arange<float>(64), y = jf::ones<float>(64);
        jf::array<std::int32_t, 2> g = jf::zeros<std::int32_t, 2>({4, 16});
        check_golden("chain_flat_vector", jf::explain(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f)).source);
        check_golden("mixed_types_strided", jf::explain(jf::where(g.transpose() > 2, g.transpose() * 0.5, -1)).source);
        check_golden("dot_reduce", jf::explain(jf::sum(x * y)).source);
        check_golden("argmax_rows", jf::explain(jf::argmax(g, 1)).source);
        check_golden("mean_columns", jf::explain(jf::mean(g, 0)).source);
        check_golden("cumsum_columns", jf::explain(jf::cumsum(g * 2, 0)).source);
        check_golden("rolling_mean_rows", jf::explain(jf::rolling_mean(x * y, 5)).source);
        jf::array<float, 2> h = jf::zeros<float, 2>({8, 8});
        check_golden("heat_step_constant", jf::explain(jf::stencil(h, [](auto a) {
            return a(0, 0) + 0.2f * (a(-1, 0) + a(1, 0) + a(0, -1) + a(0, 1) - 4.f * a(0, 0));
        }, jf::boundary::constant(0.f))).source);
    }

    TEST_CASE("NVRTC compiles every kernel form for sm_90") {
        if (!nvrtc_usable()) return;
        jf::array<float> x = jf::arange<float>(100);
        jf::array<std::uint8_t, 3> b = jf::zeros<std::uint8_t, 3>({2, 3, 4});
        jf::array<double, 2> d = jf::ones<double, 2>({5, 6});
        jf::reset_stats();
        jf::precompile(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f), "sm_90");
        jf::precompile(jf::cast<std::int64_t>(b) << 3 | ~b, "sm_90");
        jf::precompile(jf::clamp(d.transpose(), 0.0, 1.0) + jf::fma(d.transpose(), d.transpose(), 2.0), "sm_90");
        jf::precompile((jf::isnan(x) && !jf::isinf(x)) || x >= 3.0f, "sm_90");
        for (int axis = 0; axis < 3; ++axis) {
            jf::precompile(jf::sum(b, axis), "sm_90");
            jf::precompile(jf::argmin(b, axis), "sm_90");
            jf::precompile(jf::any(b, axis), "sm_90");
        }
        jf::precompile(jf::prod(d), "sm_90");
        jf::precompile(jf::mean(b), "sm_90");
        jf::precompile(jf::all(x > 0.0f), "sm_90");
        // 16 requests for 13 distinct sources: an axis reduction's axis is a kernel parameter,
        // so axes 0 and 1 (both not the last) share one kernel. Kernels compiled earlier in the
        // process count as memory-cache hits, those of earlier runs as disk-cache hits.
        const auto count = [](const char* a, const char* b) { return jf::stats()[a][b].get<int>(); };
        const auto served = [&] {
            return count("compiles", "count") + count("cache_hits", "memory") + count("cache_hits", "disk");
        };
        CHECK(served() == 16);
        CHECK(count("compiles", "count") + count("cache_hits", "disk") <= 13);
        const int compiled = count("compiles", "count");
        jf::precompile(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f), "sm_90");  // the memory cache
        CHECK(count("compiles", "count") == compiled);
        CHECK(served() == 17);
    }

    TEST_CASE("strict kernels keep a * b + c two roundings, as the CPU does; fast math may fuse them") {
        if (!nvrtc_usable()) return;
        jf::array<float> x = jf::arange<float>(100), y = jf::ones<float>(100);
        jf::array<double, 2> d = jf::ones<double, 2>({5, 6});
        const auto ptx = [](const std::string& source, bool fast_math) {
            return jf::detail::nvrtc_compile(source, "sm_90", jf::detail::nvrtc_options(fast_math), true).ptx;
        };
        // A map, the fold of a reduction and a strided double map: each multiplies and adds.
        // In PTX a multiply is fused already (fma.rn), or may be by ptxas (a bare mul.f32), or
        // may not (mul.rn.f32).
        for (const std::string& source : {jf::explain(x * y + 2.0f).source, jf::explain(jf::sum(x * y)).source,
                                          jf::explain(d.transpose() * d.transpose() - 1.0).source}) {
            const std::string strict = ptx(source, false), fast = ptx(source, true);
            CHECK(strict.find("mul.rn.f") != std::string::npos);
            CHECK(strict.find("fma.rn.f") == std::string::npos);
            CHECK(strict.find("mul.f") == std::string::npos);
            CHECK((fast.find("fma.rn.f") != std::string::npos || fast.find("mul.f") != std::string::npos));
        }
    }

    TEST_CASE("the prelude adds no global variables to a module") {
        // Every line of PTX is parsed by ptxas; the prelude's type constants once were 40
        // .global variables in every module (prelude.cuh, type traits).
        if (!nvrtc_usable()) return;
        jf::array<float> x = jf::arange<float>(100), y = jf::ones<float>(100);
        jf::array<std::int8_t> b = jf::ones<std::int8_t>(100);
        for (const std::string& source : {jf::explain(jf::sum(x * y)).source, jf::explain(jf::cast<float>(b) + x).source}) {
            const std::string ptx = jf::detail::nvrtc_compile(source, "sm_90", jf::detail::nvrtc_options(false), true).ptx;
            CHECK(ptx.find("\n.global") == std::string::npos);
        }
    }

    TEST_CASE("a rejected source is a compile_error with the numbered source and the log") {
        if (!nvrtc_usable()) return;
        const std::string bad = "#include \"jitfuse/prelude.cuh\"\nextern \"C\" __global__ void k() { undefined_thing(); }\n";
        try {
            jf::detail::nvrtc_compile(bad, "sm_90", jf::detail::nvrtc_options(false));
            FAIL("expected a compile_error");
        } catch (const jf::compile_error& e) {
            CHECK(std::string(e.source()).find("   2  extern \"C\"") != std::string::npos);
            CHECK(e.log().find("undefined_thing") != std::string::npos);
            CHECK(std::string(e.what()).find("sm_90") != std::string::npos);
        }
    }

    TEST_CASE("precompile for the native arch compiles for this GPU") {
        if (jitfuse::detail::cuda::gpu_count() == 0) {
            MESSAGE("skipped: no GPU (tests/test_bad_input.cpp checks the error)");
            return;
        }
        const jf::array<float> x = jf::ones<float>(4);
        jf::reset_stats();
        jf::precompile(x + 3.0f);  // "native" is the default
        const auto count = [](const char* a, const char* b) { return jf::stats()[a][b].get<int>(); };
        CHECK(count("compiles", "count") + count("cache_hits", "memory") + count("cache_hits", "disk") == 1);
    }
}
