// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file How values fold into the lane states of a reduction, shared by the library's fold
/// kernel (a tile's values) and the fused folds (values computed as they are folded).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "jitfuse/cpu/kernels.hpp"

namespace jitfuse::cpu {

/// A vector of `Bytes` bytes of T (GCC's and Clang's vector types).
template <class T, std::size_t Bytes>
struct vector_of {
    typedef T type __attribute__((vector_size(Bytes)));
};

/// Floating min and max: their step's NaN tests lie on each lane's chain of dependent
/// operations, which made their fold 3.5-4.5 times slower than a sum's. `fold_values` folds
/// them with Red::ordered_step instead, one vector min or max on the chain.
template <class Red, class T>
concept ordered_fold = std::is_floating_point_v<T> && requires(T s) { Red::ordered_step(s, s); };

/// Folds values.at(i) for i in [begin, end), a multiple of lane_count values, into the lanes
/// with Red::ordered_step, vectors of `Bytes` bytes (the instruction set's registers) at a
/// time, the NaN test off the lanes' chain. Where no value is NaN that is what Red::step gives,
/// bit for bit, and the lanes are updated; otherwise they are left as they were and it returns
/// false.
template <class Red, std::size_t Bytes, class T, class Values>
[[gnu::always_inline]] inline bool fold_ordered(T* lane, const Values& values, std::int64_t begin, std::int64_t end) {
    using V = typename vector_of<T, Bytes>::type;
    constexpr int per = Bytes / sizeof(T), count = lane_count / per;
    V acc[count];
    std::memcpy(acc, lane, sizeof acc);
    decltype(V{} != V{}) nan{};
    for (std::int64_t i = begin; i < end; i += lane_count) {
        T group[lane_count];
        for (int l = 0; l < lane_count; ++l) group[l] = values.at(i + l);
        for (int r = 0; r < count; ++r) {
            V x;
            std::memcpy(&x, group + r * per, sizeof x);
            nan |= x != x;
            Red::ordered_step(acc[r], x);
        }
    }
    for (int k = 0; k < per; ++k)
        if (nan[k]) return false;
    std::memcpy(lane, acc, sizeof acc);
    return true;
}

/// Folds values.at(i), i < n, into the lane states of `Red`, value i into lane i % lane_count
/// with index first + i. `Bytes` is the width of the caller's vector registers. A floating min
/// or max (ordered_fold) folds chunks with fold_ordered, and a chunk that holds a NaN again with
/// Red::step while the cache still holds it; the states are the same bit for bit. (No lambdas:
/// GCC does not inline them into the fused loops, whose `optimize` attribute differs.)
template <class Red, class T, std::size_t Bytes, class Values>
[[gnu::always_inline]] inline void fold_values(typename Red::template state<T>* lane, const Values& values,
                                               std::int64_t n, std::int64_t first) {
    typename Red::template state<T> acc[lane_count];  // a local copy the compiler keeps in registers
    std::copy(lane, lane + lane_count, acc);
    const std::int64_t whole = n / lane_count * lane_count;
    for (std::int64_t i = 0; i < whole;) {
        std::int64_t end = whole;
        if constexpr (ordered_fold<Red, T>) {
            end = std::min(whole, i + 256 * lane_count);
            if (fold_ordered<Red, Bytes>(acc, values, i, end)) {
                i = end;
                continue;
            }
        }
        for (; i < end; i += lane_count)
            for (int l = 0; l < lane_count; ++l) Red::template step<T>(acc[l], values.at(i + l), first + i + l);
    }
    for (std::int64_t i = whole, l = 0; i < n; ++i, ++l) Red::template step<T>(acc[l], values.at(i), first + i);
    std::copy(acc, acc + lane_count, lane);
}

}  // namespace jitfuse::cpu
