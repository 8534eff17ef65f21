// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "jitfuse/detail/cuda_driver.hpp"
#include "jitfuse/detail/evaluate.hpp"
#include "jitfuse/error.hpp"
#include "jitfuse/stats.hpp"

namespace jitfuse::detail {

namespace {
constexpr std::size_t alignment = 64;
/// Arrays from this size on sit in 2 MiB pages where the kernel offers them (transparent
/// huge pages in madvise mode): a pass that strides across rows, a transpose say, then
/// misses the TLB once per 2 MiB rather than once per 4 KiB, and a new array faults 512x
/// less often. At most 1/8 of the size is rounding.
constexpr std::size_t huge_from = std::size_t{16} << 20, huge_page = std::size_t{2} << 20;

void* allocate_host(std::size_t rounded) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (rounded >= huge_from) {
        const std::size_t whole = (rounded + huge_page - 1) / huge_page * huge_page;
        void* p = std::aligned_alloc(huge_page, whole);
        if (p) madvise(p, whole, MADV_HUGEPAGE);  // a hint: refused, the 4 KiB pages serve
        return p;
    }
#endif
    return std::aligned_alloc(alignment, rounded);
}
}  // namespace

buffer::buffer(std::size_t bytes, device dev) : bytes_(bytes), device_(dev) {
    require_backend(dev);
    if (!dev.is_cpu()) {
        data_ = cuda::allocate(bytes, dev.index());  // counts itself in the statistics
        return;
    }
    const std::size_t rounded = (bytes + alignment - 1) / alignment * alignment;
    if (rounded < bytes) throw out_of_memory("allocation of " + std::to_string(bytes) + " bytes overflows");
    if (rounded > 0) {
        data_ = allocate_host(rounded);
        if (!data_)
            throw out_of_memory("cannot allocate " + std::to_string(bytes) + " bytes on " + dev.to_string());
    }
    auto& c = stat_counters();
    c.allocations.fetch_add(1, std::memory_order_relaxed);
    c.allocated_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

buffer::~buffer() {
    if (device_.is_cpu()) std::free(data_);
    else cuda::release(data_, device_.index());
}

void copy_from_host(void* destination, const void* source, std::size_t bytes, device dev) {
    if (dev.is_cpu()) {
        if (bytes > 0) std::memcpy(destination, source, bytes);
    } else {
        cuda::copy_to_device(destination, source, bytes, dev.index());
    }
}

}  // namespace jitfuse::detail
