// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The array views a pass reads, each told apart once: in `sin(x) * exp(x) + log(x + 1)`
/// the three leaves are one array, read from memory once (`explain(e).bytes_read`,
/// `stats()["bytes"]["read"]` count its bytes once; a GPU map takes it as one parameter,
/// leaf_merge.hpp).

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "../dtype.hpp"

namespace jitfuse::detail {

class distinct_views {
  public:
    static constexpr int capacity = 16;  // more distinct arrays than a statement usually reads

    /// The number, in order of first sight, of the view seen before that is `a`'s (same
    /// element type, first element, shape and strides), or -1 when `a`'s is new; a new one is
    /// remembered while fewer than `capacity` are, so past them every view counts as new.
    /// `a` must outlive this object (operands of a pass do).
    template <class A>
    int earlier(const A& a) {
        const view v{dtype_of<typename A::value_type>, a.data(), a.shape(), a.strides()};
        for (int i = 0; i < count_; ++i)
            if (seen_[static_cast<std::size_t>(i)].same_as(v)) return i;
        if (count_ < capacity) seen_[static_cast<std::size_t>(count_++)] = v;
        return -1;
    }
    /// Views remembered.
    int size() const noexcept { return count_; }

  private:
    struct view {
        dtype type{};
        const void* data = nullptr;
        std::span<const std::int64_t> shape, strides;
        bool same_as(const view& o) const {
            return type == o.type && data == o.data && std::ranges::equal(shape, o.shape) &&
                   std::ranges::equal(strides, o.strides);
        }
    };
    std::array<view, capacity> seen_{};
    int count_ = 0;
};

}  // namespace jitfuse::detail
