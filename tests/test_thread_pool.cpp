// SPDX-License-Identifier: Apache-2.0
// The CPU fallback's thread pool (cpu/thread_pool.hpp): how it cuts [0, n) into chunks, and
// the hand-over between the caller and its workers, which poll for a while and then sleep.
// Jobs run back to back, and with pauses longer than the polling, so that both the awake and
// the sleeping path hand work over; the ThreadSanitizer preset runs this file too.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "reference.hpp"

namespace jf = jitfuse;
using jitfuse::cpu::parallel_for;

namespace {

/// The chunks one parallel_for over [0, n) ran, sorted.
std::vector<std::pair<std::int64_t, std::int64_t>> chunks_of(std::int64_t n, std::int64_t grain) {
    std::mutex m;
    std::vector<std::pair<std::int64_t, std::int64_t>> seen;
    parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
        std::lock_guard lock(m);
        seen.emplace_back(b, e);
    });
    std::sort(seen.begin(), seen.end());
    return seen;
}

/// Sums i over [0, n) with the pool: each chunk writes its own slot.
std::int64_t pool_sum(std::int64_t n, std::int64_t grain) {
    std::vector<std::int64_t> partial(static_cast<std::size_t>(jitfuse::cpu::num_threads()), 0);
    std::atomic<int> next{0};
    parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
        std::int64_t s = 0;
        for (std::int64_t i = b; i < e; ++i) s += i;
        partial[static_cast<std::size_t>(next.fetch_add(1))] = s;
    });
    return std::accumulate(partial.begin(), partial.end(), std::int64_t{0});
}

}  // namespace

TEST_SUITE("thread pool") {
    TEST_CASE("chunks tile [0, n) in order, at most one per thread, none below the grain") {
        for (const int threads : {1, 2, 3, 8}) {
            jft::thread_count_guard guard(threads);
            CHECK(jitfuse::cpu::num_threads() == threads);
            for (const std::int64_t n : {std::int64_t{1}, std::int64_t{2}, std::int64_t{7}, std::int64_t{1000}, std::int64_t{1} << 20})
                for (const std::int64_t grain : {std::int64_t{1}, std::int64_t{3}, std::int64_t{1000}}) {
                    INFO("threads " << threads << ", n " << n << ", grain " << grain);
                    const auto chunks = chunks_of(n, grain);
                    const std::int64_t want = std::clamp<std::int64_t>(n / grain, 1, threads);
                    CHECK(static_cast<std::int64_t>(chunks.size()) == want);
                    std::int64_t at = 0;
                    bool tiled = true;
                    for (const auto& [b, e] : chunks) {
                        tiled = tiled && b == at && e > b && (chunks.size() == 1 || e - b >= grain);
                        at = e;
                    }
                    CHECK(tiled);
                    CHECK(at == n);
                }
        }
    }

    TEST_CASE("jobs back to back and after pauses longer than the workers poll") {
        jft::thread_count_guard guard(std::max(2u, std::thread::hardware_concurrency()));
        std::int64_t wrong = 0;
        for (int job = 0; job < 4000; ++job) {
            // Every 250th job comes after a pause: the workers and the caller have gone to sleep.
            if (job % 250 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
            const std::int64_t n = 1 + job % 97 * 31;
            wrong += pool_sum(n, 1) != n * (n - 1) / 2;
        }
        CHECK(wrong == 0);
    }

    TEST_CASE("more threads than the hardware runs: the pool sleeps instead of polling") {
        jft::thread_count_guard guard(2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) + 1);
        std::int64_t wrong = 0;
        for (int job = 0; job < 300; ++job) wrong += pool_sum(10000, 1) != std::int64_t{10000} * 9999 / 2;
        CHECK(wrong == 0);
    }

    TEST_CASE("an exception in any chunk reaches the caller; the pool keeps working") {
        jft::thread_count_guard guard(4);
        for (const std::int64_t bad : {std::int64_t{0}, std::int64_t{500}, std::int64_t{999}}) {
            INFO("throwing at " << bad);
            const auto body = [&](std::int64_t b, std::int64_t e) {
                if (b <= bad && bad < e) throw std::runtime_error("chunk failed");
            };
            CHECK_THROWS_WITH_AS(parallel_for(1000, 1, body), "chunk failed", std::runtime_error);
            CHECK(pool_sum(1000, 1) == 1000 * 999 / 2);
        }
    }

    TEST_CASE("a parallel_for inside a chunk runs inline, as one chunk") {
        jft::thread_count_guard guard(4);
        std::atomic<std::int64_t> inner_chunks{0}, covered{0};
        parallel_for(8, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i)
                parallel_for(100, 1, [&](std::int64_t ib, std::int64_t ie) {
                    ++inner_chunks;
                    covered += ie - ib;
                });
        });
        CHECK(inner_chunks == 8);
        CHECK(covered == 800);
    }

    TEST_CASE("host threads sharing the pool take turns") {
        jft::thread_count_guard guard(3);
        std::atomic<std::int64_t> wrong{0};
        std::vector<std::thread> hosts;
        for (int h = 0; h < 4; ++h)
            hosts.emplace_back([&, h] {
                for (int job = 0; job < 200; ++job) {
                    const std::int64_t n = 100 + 37 * h + job;
                    wrong += pool_sum(n, 1) != n * (n - 1) / 2;
                }
            });
        for (auto& t : hosts) t.join();
        CHECK(wrong == 0);
    }
}
