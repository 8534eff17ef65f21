// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The array views a pass reads, each counted once: in `sin(x) * exp(x) + log(x + 1)`
/// the three leaves are one array, read from memory once, so `explain(e).bytes_read` and
/// `stats()["bytes"]["read"]` count its bytes once.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace jitfuse::detail {

class distinct_views {
  public:
    /// Is this the first time the view (its first element, element size, shape and strides)
    /// is seen? Past `capacity` distinct views every further one counts as new.
    bool first_sight(const void* data, std::size_t element_size, std::span<const std::int64_t> shape,
                     std::span<const std::int64_t> strides) {
        const view v{data, element_size, shape, strides};
        const auto end = seen_.begin() + count_;
        if (std::find_if(seen_.begin(), end, [&](const view& s) { return s.same_as(v); }) != end) return false;
        if (count_ < capacity) seen_[count_++] = v;
        return true;
    }

  private:
    struct view {
        const void* data = nullptr;
        std::size_t element_size = 0;
        std::span<const std::int64_t> shape, strides;
        bool same_as(const view& o) const {
            return data == o.data && element_size == o.element_size && std::ranges::equal(shape, o.shape) &&
                   std::ranges::equal(strides, o.strides);
        }
    };
    static constexpr int capacity = 16;  // more distinct arrays than a statement usually reads
    std::array<view, capacity> seen_{};
    int count_ = 0;
};

}  // namespace jitfuse::detail
