// SPDX-License-Identifier: Apache-2.0
#pragma once
// The emulated GPUs' memory: host memory with guard bytes on both sides of every allocation
// and a registry of what is live, so that copies and kernel pointer arguments outside a live
// allocation, and kernel writes past either end, are caught (the checks compute-sanitizer
// makes on a real GPU, for writes).

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace jf_emu {

class device_memory {
  public:
    /// nullptr when `bytes` would exceed the device's capacity.
    void* allocate(std::size_t bytes, int device);
    /// False when `p` is not a live allocation's start.
    bool release(void* p);
    /// Empty when [p, p + bytes) lies inside a live allocation of `device`; else why not.
    std::string check_range(const void* p, std::size_t bytes, int device) const;
    /// Empty when every live allocation's guard bytes are intact; else which one is broken.
    std::string check_guards() const;

  private:
    struct allocation {
        std::size_t bytes;
        int device;
        unsigned char* raw;
    };
    std::string describe(std::uintptr_t base, const allocation& a) const;
    mutable std::mutex mutex_;
    std::map<std::uintptr_t, allocation> live_;
    std::map<int, std::size_t> used_;
};

device_memory& memory();

}  // namespace jf_emu
