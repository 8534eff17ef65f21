// SPDX-License-Identifier: Apache-2.0
#include "device_memory.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

namespace jf_emu {
namespace {

// 256 bytes, the alignment cuMemAlloc guarantees, on each side.
constexpr std::size_t guard = 256;
constexpr unsigned char guard_byte = 0xA5;
// New memory reads as NaN (floats) or -1 (integers): a kernel reading what it never wrote
// shows up in results instead of reading zeros by luck.
constexpr unsigned char fresh_byte = 0xFF;

std::size_t capacity_bytes() {
    const char* mb = std::getenv("JITFUSE_EMULATED_MEMORY_MB");
    return (mb && *mb ? std::strtoull(mb, nullptr, 10) : 4096) << 20;
}

std::size_t padded(std::size_t bytes) { return (bytes + guard - 1) / guard * guard; }

}  // namespace

void* device_memory::allocate(std::size_t bytes, int device) {
    std::lock_guard lock(mutex_);
    static const std::size_t capacity = capacity_bytes();
    if (used_[device] + bytes > capacity) return nullptr;
    const std::size_t total = padded(bytes) + 2 * guard;
    auto* raw = static_cast<unsigned char*>(std::aligned_alloc(guard, total));
    if (!raw) return nullptr;
    std::memset(raw, guard_byte, total);
    std::memset(raw + guard, fresh_byte, bytes);
    live_[reinterpret_cast<std::uintptr_t>(raw + guard)] = {bytes, device, raw};
    used_[device] += bytes;
    return raw + guard;
}

bool device_memory::release(void* p) {
    std::lock_guard lock(mutex_);
    const auto it = live_.find(reinterpret_cast<std::uintptr_t>(p));
    if (it == live_.end()) return false;
    used_[it->second.device] -= it->second.bytes;
    std::free(it->second.raw);
    live_.erase(it);
    return true;
}

std::string device_memory::describe(std::uintptr_t base, const allocation& a) const {
    return "the " + std::to_string(a.bytes) + "-byte allocation of device " + std::to_string(a.device) + " at " +
           std::to_string(base);
}

std::string device_memory::check_range(const void* p, std::size_t bytes, int device) const {
    std::lock_guard lock(mutex_);
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    auto it = live_.upper_bound(at);
    if (it == live_.begin()) return "address " + std::to_string(at) + " is in no live allocation";
    --it;
    const allocation& a = it->second;
    if (at + bytes > it->first + a.bytes)
        return std::to_string(bytes) + " bytes at " + std::to_string(at) + " run past the end of " + describe(it->first, a);
    if (a.device != device) return "address " + std::to_string(at) + " is in " + describe(it->first, a) + ", not of device " +
                                   std::to_string(device);
    return {};
}

std::string device_memory::check_guards() const {
    std::lock_guard lock(mutex_);
    for (const auto& [base, a] : live_) {
        const std::size_t total = padded(a.bytes) + 2 * guard;
        for (std::size_t i = 0; i < total; ++i) {
            if (i == guard) i += a.bytes;  // the allocation itself
            if (i < total && a.raw[i] != guard_byte) {
                const long long where = static_cast<long long>(i) - static_cast<long long>(guard);
                return "a kernel wrote byte " + std::to_string(where < 0 ? where : where - static_cast<long long>(a.bytes)) +
                       (where < 0 ? " (before the start)" : " past the end") + " of " + describe(base, a);
            }
        }
    }
    return {};
}

device_memory& memory() {
    static device_memory& m = *new device_memory;  // outlives every static that frees memory
    return m;
}

}  // namespace jf_emu
