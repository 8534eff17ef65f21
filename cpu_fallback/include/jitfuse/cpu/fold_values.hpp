// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file How values fold into the lane states of a reduction, shared by the library's fold
/// kernel (a tile's values) and the fused folds (values computed as they are folded).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "jitfuse/cpu/kernels.hpp"
#include "jitfuse/detail/reducers.hpp"

namespace jitfuse::cpu {

/// A vector of `Bytes` bytes of T (GCC's and Clang's vector types).
template <class T, std::size_t Bytes>
struct vector_of {
    typedef T type __attribute__((vector_size(Bytes)));
};

/// Sums, means and products of floats in their own type: one vector add or multiply a step.
template <class Red, class T>
concept arithmetic_fold = std::is_floating_point_v<T> && std::same_as<typename Red::template state<T>, T> &&
                          (std::same_as<Red, detail::sum_reducer> || std::same_as<Red, detail::mean_reducer> ||
                           std::same_as<Red, detail::prod_reducer>);
/// The reducers whose column folds keep a few registers of states over many rows (fold_loop).
template <class Red, class T>
concept folds_in_registers = ordered_fold<Red, T> || arithmetic_fold<Red, T>;

/// One step of an arithmetic_fold on a register of states.
template <class Red, class V>
[[gnu::always_inline]] inline void step_register(V& total, const V& x) {
    if constexpr (std::same_as<Red, detail::prod_reducer>) total *= x;
    else total += x;
}

/// Folds rows [0, rows) of `Regs` registers of an arithmetic_fold's columns from column i on
/// into their states, which stay in registers over all the rows; row r's values are
/// row[r].at(i), as many as fit `Bytes` bytes gathered into a register.
template <class Red, class T, std::size_t Bytes, int Regs, class Row>
[[gnu::always_inline]] inline void fold_column_registers(T* acc, const Row* row, std::int64_t rows, std::int64_t i) {
    using V = typename vector_of<T, Bytes>::type;
    constexpr int per = Bytes / sizeof(T);
    V total[Regs];
    std::memcpy(total, acc + i, sizeof total);
    for (std::int64_t r = 0; r < rows; ++r) {
        const Row values = row[r];
        T group[Regs * per];
        for (int c = 0; c < Regs * per; ++c) group[c] = values.at(i + c);
        for (int g = 0; g < Regs; ++g) {
            V x;
            std::memcpy(&x, group + g * per, sizeof x);
            step_register<Red>(total[g], x);
        }
    }
    std::memcpy(acc + i, total, sizeof total);
}

/// Folds rows [0, rows) of an arithmetic_fold's `width` columns into their states acc[i], row
/// r's values row[r].at(i): four registers of columns at a time over every row, then one, then
/// the last columns one by one. Each state adds or multiplies the rows in order as Red::step
/// does, so the states end bit for bit as the library's column fold leaves them from stored
/// rows; the fused column fold (fused_eval.hpp) computes the values as it folds them.
template <class Red, class T, std::size_t Bytes, class Row>
[[gnu::always_inline]] inline void fold_column_values(T* acc, const Row* row, std::int64_t rows, std::int64_t width) {
    constexpr std::int64_t per = Bytes / sizeof(T);
    std::int64_t i = 0;
    for (; i + 4 * per <= width; i += 4 * per) fold_column_registers<Red, T, Bytes, 4>(acc, row, rows, i);
    for (; i + per <= width; i += per) fold_column_registers<Red, T, Bytes, 1>(acc, row, rows, i);
    for (; i < width; ++i)
        for (std::int64_t r = 0; r < rows; ++r) step_register<Red>(acc[i], row[r].at(i));
}

/// One compare-select of an ordered fold: x replaces best where it is greater than best
/// (Red::keeps_greater) or less, and for argmin/argmax `from` takes `at` there. A NaN never
/// replaces; `nan` marks its lanes.
template <class Red, class V, class P>
[[gnu::always_inline]] inline void keep_better(V& best, P& from, const V& x, const P& at, P& nan) {
    nan |= x != x;
    const P better = Red::keeps_greater ? best < x : x < best;
    best = better ? x : best;
    if constexpr (Red::uses_index) from = better ? at : from;
}

/// Folds values.at(i) for i in [begin, end), a multiple of lane_count values with index first
/// + i, into the lanes of an ordered_fold, vectors of `Bytes` bytes (the instruction set's
/// registers) at a time: a value replaces its lane's if it is greater (Red::keeps_greater) or
/// less, the NaN test off the lanes' chain. Where no value is NaN that is what Red::step gives,
/// bit for bit, and the lanes are updated; otherwise they are left as they were and it returns
/// false. argmin/argmax also keep, per lane, the position of the value kept.
template <class Red, class T, std::size_t Bytes, class Values>
[[gnu::always_inline]] inline bool fold_ordered(typename Red::template state<T>* lane, const Values& values,
                                                std::int64_t begin, std::int64_t end, std::int64_t first) {
    using V = typename vector_of<T, Bytes>::type;
    using P = decltype(V{} < V{});  // integers of T's size: masks, and positions from begin
    using position = std::remove_cvref_t<decltype(P{}[0])>;
    constexpr int per = Bytes / sizeof(T), count = lane_count / per;
    T value[lane_count];
    position at[lane_count], next[lane_count];  // of the lane's value (-1: from before), of its next
    for (int l = 0; l < lane_count; ++l) {
        next[l] = static_cast<position>(l);
        at[l] = -1;
        if constexpr (Red::uses_index) {
            value[l] = lane[l].value;
            if (lane[l].index < 0) value[l] = values.at(begin + l), at[l] = next[l];  // as `step` takes it
        } else {
            value[l] = lane[l];
        }
    }
    V acc[count];
    P pos[count], ahead[count];
    std::memcpy(acc, value, sizeof acc);
    std::memcpy(pos, at, sizeof pos);
    std::memcpy(ahead, next, sizeof ahead);
    P nan{};
    for (std::int64_t i = begin; i < end; i += lane_count) {
        T group[lane_count];
        for (int l = 0; l < lane_count; ++l) group[l] = values.at(i + l);
        for (int r = 0; r < count; ++r) {
            V x;
            std::memcpy(&x, group + r * per, sizeof x);
            keep_better<Red>(acc[r], pos[r], x, ahead[r], nan);
            if constexpr (Red::uses_index) ahead[r] += lane_count;
        }
    }
    for (int k = 0; k < per; ++k)
        if (nan[k]) return false;
    std::memcpy(value, acc, sizeof acc);
    std::memcpy(at, pos, sizeof pos);
    for (int l = 0; l < lane_count; ++l) {
        if constexpr (Red::uses_index) {
            if (at[l] >= 0) lane[l] = {value[l], first + begin + at[l]};
        } else {
            lane[l] = value[l];
        }
    }
    return true;
}

/// Folds values.at(i), i < n, into the lane states of `Red`, value i into lane i % lane_count
/// with index first + i. `Bytes` is the width of the caller's vector registers. An
/// ordered_fold folds chunks with fold_ordered, and a chunk that holds a NaN again with
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
            if (fold_ordered<Red, T, Bytes>(acc, values, i, end, first)) {
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
