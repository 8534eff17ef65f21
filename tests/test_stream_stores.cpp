// SPDX-License-Identifier: Apache-2.0
// Streaming stores: a CPU elementwise pass that writes at least `jf::config().stream_store_bytes`
// copies its contiguous outputs out of the nodes' tiles with non-temporal stores
// (cpu::stream_loop). The kernel of each instruction set is checked against the source bytes at
// every alignment and length; whole passes, with the threshold at 1 byte so that every such
// pass streams, against host loops: the bytes written must be the values, the bytes around a
// view untouched (ctest runs this file on all threads and, in unit-threads-1, on one). The
// stats' "streamed" bytes say which passes streamed.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/cpu/kernels.hpp>

#include <cstring>
#include <random>
#include <vector>

#include "every_isa.hpp"
#include "reference.hpp"
#include "scoped.hpp"

namespace jf = jitfuse;

namespace {

/// Every pass streams its stores for the scope.
struct streaming_scope : test::settings_scope {
    streaming_scope() { jf::config().stream_store_bytes = 1; }
};

template <class T>
void check_stream_kernel() {
    // Lengths around the vector widths (16, 32, 64 bytes) and several vectors long; every
    // offset of the destination within a cache line, and a source one element off.
    constexpr std::int64_t lengths[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 300, 513};
    constexpr std::int64_t room = 513 + 64;
    std::mt19937_64 rng(sizeof(T));
    std::vector<T> in(room);
    std::vector<unsigned char> random_bytes(room * sizeof(T));
    for (auto& b : random_bytes) b = static_cast<unsigned char>(rng());
    std::memcpy(in.data(), random_bytes.data(), random_bytes.size());
    alignas(64) static T dst[room];
    test::on_every_isa([&](auto isa) {
        for (std::int64_t out_offset = 0; out_offset * std::int64_t{sizeof(T)} < 64; ++out_offset)
            for (const std::int64_t source_offset : {0, 1})
                for (const std::int64_t n : lengths) {
                    CAPTURE(isa());
                    CAPTURE(out_offset);
                    CAPTURE(source_offset);
                    CAPTURE(n);
                    std::memset(dst, 0xA5, sizeof dst);
                    jf::cpu::stream_loop<isa()>::run(dst + out_offset, in.data() + source_offset, n * sizeof(T));
                    jf::cpu::stream_fence();
                    const auto* bytes = reinterpret_cast<const unsigned char*>(dst);
                    const std::int64_t first = out_offset * sizeof(T), last = first + n * sizeof(T);
                    bool right = true;
                    for (std::int64_t k = 0; k < std::int64_t{sizeof dst}; ++k)
                        right = right && (k >= first && k < last ? bytes[k] == random_bytes[source_offset * sizeof(T) + k - first]
                                                                 : bytes[k] == 0xA5);
                    REQUIRE(right);
                }
    });
}

/// Bytes written with streaming stores by `f()`; what a CPU that has them streams.
template <class F>
std::uint64_t streamed_by(F&& f) {
    return jft::counted_by(f, "bytes", "streamed");
}
bool streams_here() { return jf::cpu::has_stream_stores && jf::default_device().is_cpu(); }

/// Host values with exact sums and products in every type below (small integers).
template <class T>
std::vector<T> small_integers(std::int64_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(static_cast<int>(rng() % 61) - 30);
    return v;
}

}  // namespace

TEST_SUITE("stream stores") {

TEST_CASE("the stream kernel copies every alignment and length and nothing else") {
    check_stream_kernel<std::uint8_t>();
    check_stream_kernel<std::int16_t>();
    check_stream_kernel<float>();
    check_stream_kernel<double>();
}

TEST_CASE_TEMPLATE("streamed passes into views of a longer array write the values and only them", T, std::int8_t,
                   std::uint16_t, std::int32_t, float, double) {
    streaming_scope streaming;
    std::mt19937_64 rng(7);
    for (const std::int64_t n : {0, 1, 15, 16, 17, 511, 512, 513, 4099, 70001, 300007}) {
        const std::int64_t offset = static_cast<std::int64_t>(rng() % 70);
        CAPTURE(n);
        CAPTURE(offset);
        const std::vector<T> hx = small_integers<T>(n, rng()), hy = small_integers<T>(n, rng());
        const std::vector<T> around = small_integers<T>(n + 140, rng());
        const jf::array<T> x = jf::from_host(hx), y = jf::from_host(hy);
        jf::array<T> out = jf::from_host(around);
        out(jf::range(offset, offset + n, 1)) = x * T(2) + y;
        const std::vector<T> got = out.to_host();
        for (std::int64_t i = 0; i < n + 140; ++i) {
            const bool inside = i >= offset && i < offset + n;
            const T expect = inside ? static_cast<T>(hx[i - offset] * T(2) + hy[i - offset]) : around[i];
            if (got[i] != expect) {
                CAPTURE(i);
                REQUIRE(got[i] == expect);
            }
        }
    }
}

// The strided target, the transposing pass and the conversion keep ordinary stores; they are
// here to show that streaming elsewhere in the statement leaves them right.
TEST_CASE("streamed passes: rows, strided and transposed targets, conversions, in place, tie") {
    streaming_scope streaming;
    const std::int64_t rows = 301, cols = 517;
    const std::vector<float> hm = small_integers<float>(rows * cols, 1);
    const jf::array<float, 2> m = jf::from_host(hm).reshape<2>({rows, cols});
    const auto at = [&](std::int64_t r, std::int64_t c) { return hm[r * cols + c]; };

    // Every other column of a wider array (not streamed: its inner stride is 2).
    jf::array<float, 2> wide = jf::zeros<float, 2>({rows, 2 * cols});
    wide(jf::all, jf::range(1, 2 * cols, 2)) = m + 1.0f;
    // The transposed matrix into a contiguous array (the transposing walk).
    jf::array<float, 2> turned({cols, rows});
    turned = jf::transpose(m) * 3.0f;
    // A conversion on the way out (int computed, double stored), then in place.
    jf::array<double, 2> doubled({rows, cols});
    doubled = jf::cast<std::int32_t>(m) * 2;
    doubled = doubled - 1.0;
    // Two outputs of different types in one pass.
    jf::array<float, 2> sum({rows, cols});
    jf::array<bool, 2> negative({rows, cols});
    jf::tie(sum, negative) = jf::tuple(m + m, m < 0.0f);

    const auto w = wide.to_host(), t = turned.to_host(), s = sum.to_host();
    const auto d = doubled.to_host();
    const auto neg = negative.to_host();
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
            CAPTURE(r);
            CAPTURE(c);
            const float v = at(r, c);
            if (w[r * 2 * cols + 2 * c] != 0.0f || w[r * 2 * cols + 2 * c + 1] != v + 1.0f ||
                t[c * rows + r] != v * 3.0f || d[r * cols + c] != double(v) * 2 - 1 || s[r * cols + c] != v + v ||
                neg[r * cols + c] != (v < 0.0f)) {
                CHECK(w[r * 2 * cols + 2 * c] == 0.0f);
                CHECK(w[r * 2 * cols + 2 * c + 1] == v + 1.0f);
                CHECK(t[c * rows + r] == v * 3.0f);
                CHECK(d[r * cols + c] == double(v) * 2 - 1);
                CHECK(s[r * cols + c] == v + v);
                REQUIRE(neg[r * cols + c] == (v < 0.0f));
            }
        }
}

TEST_CASE("a pass writes what it would write without streaming, for any threshold") {
    test::settings_scope restore;
    const jf::array<float> x = jf::linspace<float>(-3, 5, 1000003);
    const auto run = [&](std::int64_t threshold) {
        jf::config().stream_store_bytes = threshold;
        jf::array<float> z(x.size());
        z = jf::sin(x) * jf::exp(x) + jf::log(x + 4.0f);
        return z.to_host();
    };
    const std::vector<float> plain = run(0);
    for (const std::int64_t threshold : {std::int64_t{1}, std::int64_t{4000012}, std::int64_t{4000013}})
        CHECK(run(threshold) == plain);
}

TEST_CASE("the stats count the bytes streamed: contiguous outputs of the computed type only") {
    streaming_scope streaming;
    const std::int64_t rows = 301, cols = 517, n = rows * cols;
    const jf::array<float, 2> m = jf::from_host(small_integers<float>(n, 2)).reshape<2>({rows, cols});
    const std::uint64_t floats = n * sizeof(float), doubles = n * sizeof(double);
    const auto expect = [](std::uint64_t bytes) { return streams_here() ? bytes : 0; };

    jf::array<float, 2> plain({rows, cols}), turned({cols, rows}), sum({rows, cols});
    jf::array<float, 2> wide = jf::zeros<float, 2>({rows, 2 * cols});
    jf::array<double, 2> doubled({rows, cols});
    jf::array<bool, 2> negative({rows, cols});
    CHECK(streamed_by([&] { plain = m * 2.0f; }) == expect(floats));
    CHECK(streamed_by([&] { wide(jf::all, jf::range(1, 2 * cols, 2)) = m; }) == 0);  // strided
    CHECK(streamed_by([&] { turned = jf::transpose(m); }) == 0);                     // transposing
    CHECK(streamed_by([&] { doubled = jf::cast<std::int32_t>(m); }) == 0);            // converted
    CHECK(streamed_by([&] { doubled = doubled - 1.0; }) == expect(doubles));
    CHECK(streamed_by([&] { jf::tie(sum, negative) = jf::tuple(m + m, m < 0.0f); }) == expect(floats + n));
    jf::config().stream_store_bytes = static_cast<std::int64_t>(floats) + 1;
    CHECK(streamed_by([&] { plain = m * 2.0f; }) == 0);  // below the threshold
    jf::config().stream_store_bytes = static_cast<std::int64_t>(floats);
    CHECK(streamed_by([&] { plain = m * 2.0f; }) == expect(floats));
}

// A statement cut into blocks of rows streams its final passes when the whole target reaches the
// threshold, though each block writes less; the block-sized temporaries (the shared exponentials)
// stay in cache for the block's next pass.
TEST_CASE("a row softmax cut into blocks streams its target, not its temporaries, to the same bits") {
    const jft::thread_count_guard threads(2);
    test::settings_scope restore;
    jf::config().row_block_bytes = 4096;  // blocks of 10 rows, 400 blocks
    const std::int64_t rows = 4000, cols = 100;
    const jf::array<float, 2> x = jf::from_host(small_integers<float>(rows * cols, 3)).reshape<2>({rows, cols});
    const std::int64_t target_bytes = rows * cols * std::int64_t{sizeof(float)};
    const auto softmax = [&](std::int64_t threshold, std::uint64_t& streamed) {
        jf::config().stream_store_bytes = threshold;
        jf::array<float, 2> y({rows, cols});
        streamed = streamed_by([&] {
            const auto e = jf::exp(x - jf::expand_dims(jf::max(x, 1), 1));
            y = e / jf::expand_dims(jf::sum(e, 1), 1);
        });
        if (jf::default_device().is_cpu())  // cut: temporaries allocated block by block
            CHECK(jf::stats()["allocations"]["count"].get<std::uint64_t>() >= 400);
        return y.to_host();
    };
    std::uint64_t never = 0, whole = 0, above = 0;
    const std::vector<float> plain = softmax(0, never);
    CHECK(softmax(target_bytes, whole) == plain);
    CHECK(softmax(target_bytes + 1, above) == plain);
    CHECK(never == 0);
    CHECK(whole == (streams_here() ? static_cast<std::uint64_t>(target_bytes) : 0));
    CHECK(above == 0);
}

}  // TEST_SUITE
