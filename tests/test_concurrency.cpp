// SPDX-License-Identifier: Apache-2.0
// Many host threads evaluating at once, on the shared thread pool: identical and different
// expressions, elementwise and reductions, each checked against a plain loop.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <thread>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

TEST_CASE("host threads evaluating identical and different expressions at once get exact results") {
    constexpr int threads = 8;
    constexpr int rounds = 40;
    std::atomic<int> wrong{0}, failed{0};
    std::vector<std::jthread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            std::mt19937_64 rng(static_cast<unsigned>(t));
            try {
                for (int r = 0; r < rounds; ++r) {
                    // Sizes from tiny (inline) to several chunks per worker.
                    const std::int64_t n = std::int64_t{1} << (rng() % 18);
                    std::vector<double> hx(n);
                    for (auto& v : hx) v = static_cast<double>(rng() % 1000) / 8.0;
                    const jf::array<double> x = jf::from_host(hx);
                    // Shared by every thread: the same expression type.
                    const std::vector<double> same = jf::array<double>(x * 2.0 + 1.0).to_host();
                    // Thread-specific: a different scalar, another dtype, a reduction.
                    const double k = t + 1;
                    const std::vector<double> mine = jf::array<double>(jf::maximum(x - k, 0.0)).to_host();
                    const std::int64_t total = jf::sum(jf::cast<std::int64_t>(x * 8.0)).item();
                    std::int64_t want_total = 0;
                    for (std::int64_t i = 0; i < n; ++i) {
                        if (same[i] != hx[i] * 2.0 + 1.0) ++wrong;
                        if (mine[i] != std::max(hx[i] - k, 0.0)) ++wrong;
                        want_total += static_cast<std::int64_t>(hx[i] * 8.0);
                    }
                    if (total != want_total) ++wrong;
                }
            } catch (...) {
                ++failed;
            }
        });
    pool.clear();
    CHECK(failed == 0);
    CHECK(wrong == 0);
}

TEST_CASE("float sums evaluated from many host threads are bit-identical to a lone evaluation") {
    std::vector<float> h(3'000'001);
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (auto& v : h) v = dist(rng);
    const jf::array<float> x = jf::from_host(h);
    const float alone = jf::sum(x * x - 0.5f).item();
    std::atomic<int> differ{0};
    {
        std::vector<std::jthread> pool;
        for (int t = 0; t < 6; ++t)
            pool.emplace_back([&] {
                for (int r = 0; r < 5; ++r)
                    if (jf::sum(x * x - 0.5f).item() != alone) ++differ;
            });
    }
    CHECK(differ == 0);
}
