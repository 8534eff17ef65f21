// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CPU evaluator of a shift: its operand's evaluator positioned on the shifted row,
/// read over the part of the tile that falls inside, and element by element (boundary rule)
/// over the few positions past an edge. Loops over neighbour reads keep every axis apart
/// (`neighbour_axes`), so loop axes are the result's axes.

#include <algorithm>
#include <array>
#include <cstdint>

#include "jitfuse/cpu/tile_eval.hpp"
#include "jitfuse/detail/shift_expr.hpp"

namespace jitfuse::cpu {

template <class A, detail::boundary_kind K, int R>
struct tile_eval<detail::shift_expr<A, K>, R> : computing_node<typename A::value_type> {
    using node = detail::shift_expr<A, K>;
    using V = typename A::value_type;
    static constexpr int lead = R - node::rank;  ///< loop axes in front of the shift's own axes

    tile_eval<A, R> a;
    shape_t<node::rank> offset, extent;
    V fill;
    std::int64_t loop_inner;
    bool row_outside = false;  ///< the shifted row lies past a constant boundary

    tile_eval(const node& e, const loop_plan<R>& plan)
        : a(e.a, plan), offset(e.offset), extent(e.extent), fill(e.fill), loop_inner(plan.shape[R - 1]) {}

    void start_row(const std::array<std::int64_t, R>& index, int dims) {
        std::array<std::int64_t, R> moved = index;
        row_outside = false;
        for (int d = lead; d < R - 1; ++d) {
            const int s = d - lead;
            const std::int64_t own = extent[s] == 1 ? 0 : index[d];  // broadcast axes read element 0
            bool inside;
            moved[d] = detail::boundary_index(K, own + offset[s], extent[s], inside);
            row_outside = row_outside || !inside;
        }
        a.start_row(moved, dims);
    }

    const V* eval(std::int64_t j, std::int64_t n, V* hint = nullptr) {
        V* out = this->target(hint);
        if (row_outside) {
            std::fill_n(out, n, fill);
            return out;
        }
        const std::int64_t d = offset[node::rank - 1], len = extent[node::rank - 1];
        if (len == 1 && loop_inner != 1) {  // broadcast along the row: one value repeated
            std::fill_n(out, n, element_at(d));
            return out;
        }
        const std::int64_t lo = std::clamp(-d, j, j + n), hi = std::clamp(len - d, lo, j + n);
        if (lo == j && hi == j + n) return a.eval(j + d, n, hint);
        if (lo < hi) {
            const V* inside = a.eval(lo + d, hi - lo, out + (lo - j));
            if (inside != out + (lo - j)) std::copy_n(inside, hi - lo, out + (lo - j));
        }
        for (std::int64_t i = j; i < lo; ++i) out[i - j] = element_at(i + d);
        for (std::int64_t i = hi; i < j + n; ++i) out[i - j] = element_at(i + d);
        return out;
    }

  private:
    /// The value at row position `i`, which may lie past an edge.
    V element_at(std::int64_t i) {
        bool inside;
        const std::int64_t at = detail::boundary_index(K, i, extent[node::rank - 1], inside);
        return inside ? *a.eval(at, 1) : fill;
    }
};

}  // namespace jitfuse::cpu
