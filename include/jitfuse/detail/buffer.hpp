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

/// Copies `bytes` from host memory to `destination` on `dev`; `source` may be reused as soon
/// as this returns (on a GPU it waits for the copy, after the work queued before it).
void copy_from_host(void* destination, const void* source, std::size_t bytes, device dev);

}  // namespace jitfuse::detail
