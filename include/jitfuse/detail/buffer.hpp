// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The memory behind arrays: one allocation on one device, shared by views.

#include <cstddef>
#include <memory>

#include "../device.hpp"

namespace jitfuse::detail {

/// An owned allocation. Arrays and views hold it through `std::shared_ptr`.
class buffer {
  public:
    /// Allocates `bytes` on `dev` (64-byte aligned); failure is `jitfuse::out_of_memory`.
    buffer(std::size_t bytes, device dev);
    ~buffer();
    buffer(const buffer&) = delete;
    buffer& operator=(const buffer&) = delete;

    void* data() const noexcept { return data_; }
    std::size_t bytes() const noexcept { return bytes_; }
    device where() const noexcept { return device_; }

  private:
    void* data_ = nullptr;
    std::size_t bytes_ = 0;
    device device_;
};

}  // namespace jitfuse::detail
