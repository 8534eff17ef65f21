// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the workload files share: test data, output digests, and the two halves of the
// registry (split so that the heavy template code compiles on two cores at once).
#include <cmath>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <vector>

#include <jitfuse/jitfuse.hpp>

#include "digest.hpp"
#include "workloads.hpp"

#ifndef JITFUSE_BENCH_NO_OPENMP
#include "baselines.hpp"
#endif

namespace bench {

namespace jf = jitfuse;

/// Deterministic, fast pseudo-random values in [0, 1) (a hash of the index: no state, so
/// filling 2^26 elements takes milliseconds).
inline double unit_hash(std::uint64_t i, std::uint64_t seed) {
    std::uint64_t z = i * 0x9E3779B97F4A7C15ull + seed * 0xD1B54A32D192ED03ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}

/// `run` with jitfuse's fast math on (4-ULP functions on the CPU: libmvec, SLEEF): the variant to
/// hold against the -ffast-math OpenMP loops.
template <class Run>
std::function<void()> fast_math(Run run) {
    return [run] {
        jf::config().fast_math = true;
        run();
        jf::config().fast_math = false;
    };
}

/// `a`'s values as a host array: `a` itself on the CPU, else a copy (which `a = host` writes back).
template <class T, int R>
jf::array<T, R> on_host(const jf::array<T, R>& a) {
    return a.device().is_cpu() ? a : a.to(jf::device::cpu());
}

/// Writes `host` (from on_host) back into `a` when they are not one buffer.
template <class T, int R>
void store(jf::array<T, R>& a, const jf::array<T, R>& host) {
    if (!a.device().is_cpu()) a = host.to(a.device());
}

/// Fills `a` (on any device) with values in [lo, hi).
template <class T, int R>
void fill_uniform(jf::array<T, R>& a, double lo, double hi, std::uint64_t seed) {
    const jf::array<T, R> host = on_host(a);
    T* const p = host.data();
    for (std::int64_t i = 0; i < a.size(); ++i) p[i] = static_cast<T>(lo + (hi - lo) * unit_hash(i, seed));
    store(a, host);
}

/// digest_of the values of `a` (on any device).
template <class T, int R>
double digest_of(const jf::array<T, R>& a) {
    const jf::array<T, R> host = on_host(a);
    return digest_of(host.data(), host.size());
}

/// The side of the square grid closest to `elements` cells.
inline std::int64_t square_side(std::int64_t elements) {
    return std::max<std::int64_t>(1, std::llround(std::sqrt(static_cast<double>(elements))));
}

std::vector<workload> flat_workloads();
std::vector<workload> grid_workloads();

}  // namespace bench
