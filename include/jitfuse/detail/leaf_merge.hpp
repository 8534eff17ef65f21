// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Array leaves of a GPU pass that are one view, read through one kernel parameter. The
/// expression's type cannot tell that the three leaves of `sin(x) * exp(x) + log(x + 1)` are
/// one array; the pass can, before it picks its kernel source, which is generated at run time
/// anyway: the kernel then takes one pointer and loads each element once (the chain's PTX: 6
/// global loads -> 2, vector step and tail). Every kind of pass does it: maps, whole and axis
/// reductions (`sum(x * x)`), scans and rolling windows.

#include <array>
#include <type_traits>
#include <vector>

#include "distinct_views.hpp"
#include "kernel_ir.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

/// For every leaf of a pass (numbered as add_to_ir numbers them: arrays, scalars, random
/// leaves and shifts in postorder, expression after expression), the leaf whose parameter it
/// reads: itself, or an earlier array leaf of the same type with the same data, shape and strides.
class leaf_merge {
  public:
    /// Numbers the next leaf; an array leaf is compared with the earlier ones.
    template <class N>
    void add(const N& node) {
        const int k = static_cast<int>(reads_.size());
        reads_.push_back(k);
        if constexpr (is_array_v<N>) {
            const int remembered = views_.size();
            if (const int e = views_.earlier(node); e >= 0) {
                reads_.back() = first_leaf_[static_cast<std::size_t>(e)];
                merged_ = true;
            } else if (views_.size() > remembered) {
                first_leaf_[static_cast<std::size_t>(remembered)] = k;
            }
        }
    }
    /// Does any leaf read another's parameter?
    bool any() const noexcept { return merged_; }
    /// Does leaf `k` read another's parameter (and so take none of its own)?
    bool merged(int k) const noexcept { return merged_ && reads_[static_cast<std::size_t>(k)] != k; }
    /// The description `ir` with each merged array leaf reading its parameter's leaf.
    void apply(kernel_ir& ir) const;
    /// What distinguishes the kernel sources of one description: the leaf each leaf reads.
    const std::vector<int>& reads() const noexcept { return reads_; }

  private:
    std::vector<int> reads_;
    distinct_views views_;                                        // the pass's operands outlive it
    std::array<int, distinct_views::capacity> first_leaf_{};      // of each view views_ remembers
    bool merged_ = false;
};

/// The leaves of the pass computing `es`, merged where they are one view.
template <class... Es>
leaf_merge merge_leaves(const Es&... es) {
    leaf_merge merge;
    const auto visit = [&](const auto& node) {
        using N = std::remove_cvref_t<decltype(node)>;
        if constexpr (is_array_v<N> || is_scalar_expr_v<N> || generated_leaf<N> || is_shift_v<N>) merge.add(node);
    };
    (visit_postorder(es, visit), ...);
    return merge;
}

}  // namespace jitfuse::detail
