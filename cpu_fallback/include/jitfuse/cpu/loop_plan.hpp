// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The iteration space of one CPU pass: the result's axes, in the result's order or
/// another (a reduction walks its input's memory order), with neighbouring axes merged
/// wherever every operand's strides allow it (so contiguous and simply broadcast operands
/// become one long inner loop), walked row by row in tiles along the last loop axis.

#include <array>
#include <cstdint>
#include <vector>

#include "jitfuse/detail/shape.hpp"

namespace jitfuse::cpu {

/// Elements per tile: each node of the tree computes a tile into a small buffer that stays
/// in L1 while the next node reads it.
inline constexpr std::int64_t tile = 512;

/// `R` is the rank of the result (at least 1; rank-0 results loop over shape {1}).
template <int R>
struct loop_plan {
    shape_t<R> shape{};                     ///< the result shape, in the result's axes
    int dims = 0;                           ///< number of loop axes after merging
    std::array<std::int64_t, R> extent{};   ///< extent of each loop axis
    std::array<int, R> last_axis{};         ///< the innermost result axis of each loop axis
    bool fast_math = false;
    bool stream_stores = false;  ///< contiguous outputs bypass the cache (stream_loop in kernels.hpp)

    std::int64_t inner() const { return extent[dims - 1]; }
    std::int64_t total() const {
        std::int64_t n = 1;
        for (int g = 0; g < dims; ++g) n *= extent[g];
        return n;
    }

    /// Strides of an operand over the result's axes: right-aligned, 0 where it broadcasts.
    /// Axes of extent 1 get the stride that lets them merge with their neighbours.
    template <std::size_t AR>
    shape_t<R> operand_strides(const std::array<std::int64_t, AR>& op_shape,
                               const std::array<std::int64_t, AR>& op_strides) const {
        static_assert(AR <= R, "operand rank exceeds result rank");
        shape_t<R> s{};
        for (int d = R - 1; d >= 0; --d) {
            const int a = d - (R - int(AR));
            if (shape[d] == 1) s[d] = d + 1 < R ? s[d + 1] * shape[d + 1] : 1;
            else s[d] = (a >= 0 && op_shape[a] != 1) ? op_strides[a] : 0;
        }
        return s;
    }

    /// The strides of a loop axis for an operand with result-axis strides `s`.
    std::array<std::int64_t, R> loop_strides(const shape_t<R>& s) const {
        std::array<std::int64_t, R> out{};
        for (int g = 0; g < dims; ++g) out[g] = s[last_axis[g]];
        return out;
    }
};

/// The result's own axis order, outermost first.
template <int R>
constexpr std::array<int, R> result_order() {
    std::array<int, R> order{};
    for (int d = 0; d < R; ++d) order[d] = d;
    return order;
}

/// Groups the result axes, taken in `order` (outermost first), into loop axes: the next axis
/// d joins the loop axis ending in axis p where every stride vector satisfies
/// s[p] == s[d] * shape[d], so one walk covers both. Axes whose bit is set in `alone` form
/// loop axes of their own; other extent-1 axes join any loop axis.
template <int R>
loop_plan<R> make_loop_plan(const shape_t<R>& shape, const std::vector<shape_t<R>>& strides,
                            std::uint64_t alone, bool fast_math, const std::array<int, R>& order = result_order<R>()) {
    loop_plan<R> plan;
    plan.shape = shape;
    plan.fast_math = fast_math;
    bool last_alone = false;
    for (const int d : order) {
        const bool own = alone >> d & 1;
        if (plan.dims > 0 && !own && !last_alone) {
            std::int64_t& extent = plan.extent[plan.dims - 1];
            int& last = plan.last_axis[plan.dims - 1];
            if (shape[d] == 1) continue;
            bool follows = extent == 1;
            if (!follows) {
                follows = true;
                for (const auto& s : strides) follows = follows && s[last] == s[d] * shape[d];
            }
            if (follows) {
                extent *= shape[d];
                last = d;
                continue;
            }
        }
        plan.extent[plan.dims] = shape[d];
        plan.last_axis[plan.dims++] = d;
        last_alone = own;
    }
    return plan;
}

/// The element offset of the row at loop position `index` in an operand with loop strides
/// `stride` (the last loop axis is the row itself).
template <int R>
std::int64_t row_offset(const std::array<std::int64_t, R>& index, const std::array<std::int64_t, R>& stride, int dims) {
    std::int64_t offset = 0;
    for (int g = 0; g + 1 < dims; ++g) offset += index[g] * stride[g];
    return offset;
}

/// An array seen through the loop: its strides per loop axis and the start of the current row.
template <class T, int R>
struct loop_view {
    T* base;
    std::array<std::int64_t, R> stride;
    std::int64_t inner_stride;
    T* row = nullptr;

    template <std::size_t AR>
    loop_view(T* data, const std::array<std::int64_t, AR>& shape,
              const std::array<std::int64_t, AR>& strides, const loop_plan<R>& plan)
        : base(data), stride(plan.loop_strides(plan.operand_strides(shape, strides))),
          inner_stride(stride[plan.dims - 1]) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) { row = base + row_offset<R>(index, stride, dims); }
};

/// A position in the loop: the index of every loop axis but the last, advanced row by row.
template <int R>
struct row_cursor {
    std::array<std::int64_t, R> index{};

    /// Positions at flat row `row`.
    void seek(const loop_plan<R>& plan, std::int64_t row) {
        for (int g = plan.dims - 2; g >= 0; --g) {
            index[g] = row % plan.extent[g];
            row /= plan.extent[g];
        }
    }
    void next(const loop_plan<R>& plan) {
        for (int g = plan.dims - 2; g >= 0; --g) {
            if (++index[g] < plan.extent[g]) return;
            index[g] = 0;
        }
    }
};

}  // namespace jitfuse::cpu
