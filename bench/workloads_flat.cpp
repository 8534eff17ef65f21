// SPDX-License-Identifier: Apache-2.0
// Workloads over flat float32 vectors: copy, the elementwise chain, dot, SAXPY, rolling mean,
// the running sum of one long line.
#include <memory>

#include "workload_parts.hpp"

namespace bench {
namespace {

/// x in [0, 4) (so log(x + 1) and exp(x) stay finite), y in [0, 1), and an output z.
struct vectors {
    jf::array<float> x, y, z;
    float sink = 0;  ///< a reduction's result
    explicit vectors(std::int64_t n) : x(n), y(n), z(n) {
        fill_uniform(x, 0, 4, 1);
        fill_uniform(y, 0, 1, 2);
    }
    /// x and y for the GPU baselines, when they are on the CPU.
    std::vector<const float*> host_inputs() const {
        if (!x.device().is_cpu()) return {};
        return {x.data(), y.data()};
    }
};

/// A workload over `vectors` whose output is z.
prepared over_vectors(std::int64_t n, nlohmann::json params,
                      const std::function<std::vector<variant>(const std::shared_ptr<vectors>&)>& variants) {
    const auto v = std::make_shared<vectors>(n);
    return {{n}, std::move(params), variants(v), [v] { return digest_of(v->z); }, v->host_inputs()};
}

workload copy() {
    return {"copy", "z = x: the bandwidth ceiling of this run", 8, 1e-12, false, 1, [](std::int64_t n) {
                return over_vectors(n, {}, [](const std::shared_ptr<vectors>& v) {
                    return std::vector<variant>{
                        {"jitfuse", "jitfuse", [v] { v->z = v->x; }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                        {"openmp memcpy", "baseline", [v] { omp_copy(v->x.data(), v->z.data(), v->x.size()); }},
                        {"openmp stream-copy", "baseline", [v] { omp_stream_copy(v->x.data(), v->z.data(), v->x.size()); }},
#endif
                    };
                });
            }};
}

workload chain() {
    // 1-ULP functions (SLEEF u10) by default; the fast-math variant uses the 4-ULP ones (libmvec).
    return {"chain", "z = sin(x)*exp(x)+log(x+1)", 8, 1e-4, true, 1, [](std::int64_t n) {
                return over_vectors(n, {}, [](const std::shared_ptr<vectors>& v) {
                    const auto run = [v] { v->z = jf::sin(v->x) * jf::exp(v->x) + jf::log(v->x + 1.0f); };
                    return std::vector<variant>{
                        {"jitfuse", "jitfuse", run},
                        {"jitfuse fast-math", "jitfuse", fast_math(run)},
                        {"jitfuse unfused", "unfused",
                         [v] {
                             const jf::array<float> a = jf::sin(v->x), b = jf::exp(v->x), c = a * b, d = v->x + 1.0f,
                                                    e = jf::log(d);
                             v->z = c + e;
                         }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                        {"openmp -ffast-math", "baseline", [v] { omp_chain(v->x.data(), v->z.data(), v->x.size()); }},
#endif
                    };
                });
            }};
}

workload dot() {
    // A float32 sum of 2^24 terms accumulated in runs (numexpr, OpenMP lanes) is off by up to
    // ~1e-3 relative; a wrong product is off by far more.
    return {"dot", "sum(x*y)", 8, 1e-2, true, 1, [](std::int64_t n) {
                const auto v = std::make_shared<vectors>(n);
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse", [v] { v->sink = jf::sum(v->x * v->y).item(); }},
                    {"jitfuse unfused", "unfused",
                     [v] {
                         const jf::array<float> p = v->x * v->y;
                         v->sink = jf::sum(p).item();
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline", [v] { v->sink = omp_dot(v->x.data(), v->y.data(), v->x.size()); }},
#endif
                };
                return prepared{{n}, {}, std::move(variants), [v] { return double(v->sink); }, v->host_inputs()};
            }};
}

workload saxpy() {
    return {"saxpy", "z = 2.5*x + y", 12, 1e-5, false, 1, [](std::int64_t n) {
                return over_vectors(n, {{"a", 2.5}}, [](const std::shared_ptr<vectors>& v) {
                    return std::vector<variant>{
                        {"jitfuse", "jitfuse", [v] { v->z = 2.5f * v->x + v->y; }},
                        {"jitfuse unfused", "unfused",
                         [v] {
                             const jf::array<float> ax = 2.5f * v->x;
                             v->z = ax + v->y;
                         }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                        {"openmp -ffast-math", "baseline",
                         [v] { omp_saxpy(2.5f, v->x.data(), v->y.data(), v->z.data(), v->x.size()); }},
#endif
                    };
                });
            }};
}

constexpr std::int64_t window = 64;  // of the rolling mean

workload rolling_mean() {
    return {"rolling_mean", "z = rolling_mean(x, 64) (pandas: NaN until the window is full)", 8, 1e-4, false, 1,
            [](std::int64_t n) {
                return over_vectors(n, {{"window", window}}, [](const std::shared_ptr<vectors>& v) {
                    return std::vector<variant>{
                        {"jitfuse", "jitfuse", [v] { v->z = jf::rolling_mean(v->x, window); }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                        {"openmp -ffast-math", "baseline",
                         [v] { omp_rolling_mean(v->x.data(), v->z.data(), v->x.size(), window); }},
#endif
                    };
                });
            }};
}

workload centered_cumsum() {
    // A random walk of n steps in [-0.5, 0.5): float running sums grouped differently (chunks
    // of threads, of a GPU's lines) differ by ~1e-4 relative in the digest, the sum of them all.
    return {"cumsum", "z = cumsum(y - 0.5): one long line", 8, 1e-3, false, 1, [](std::int64_t n) {
                return over_vectors(n, {}, [](const std::shared_ptr<vectors>& v) {
                    return std::vector<variant>{
                        {"jitfuse", "jitfuse", [v] { v->z = jf::cumsum(v->y - 0.5f); }},
                        {"jitfuse unfused", "unfused",
                         [v] {
                             const jf::array<float> centered = v->y - 0.5f;
                             v->z = jf::cumsum(centered);
                         }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                        {"openmp -ffast-math", "baseline", [v] { omp_centered_cumsum(v->y.data(), v->z.data(), v->y.size()); }},
#endif
                    };
                });
            }};
}

}  // namespace

std::vector<workload> flat_workloads() { return {copy(), chain(), dot(), saxpy(), rolling_mean(), centered_cumsum()}; }

}  // namespace bench
