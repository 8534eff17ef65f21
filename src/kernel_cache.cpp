// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/kernel_cache.hpp"

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "jitfuse/config.hpp"
#include "jitfuse/detail/disk_cache.hpp"
#include "jitfuse/detail/log.hpp"
#include "jitfuse/detail/nvrtc.hpp"
#include "jitfuse/stats.hpp"

namespace jitfuse::detail {
namespace {

struct memory_key {
    fingerprint id;
    std::string arch;
    bool fast_math;
    friend bool operator==(const memory_key&, const memory_key&) = default;
};

struct memory_key_hash {
    std::size_t operator()(const memory_key& k) const noexcept {
        return k.id.low ^ std::hash<std::string>{}(k.arch) ^ (k.fast_math ? 0x9e3779b97f4a7c15u : 0);
    }
};

/// One kernel's binary; its mutex makes concurrent first requests compile once.
struct slot {
    std::mutex mutex;
    kernel_binary binary;
};

class memory_cache {
  public:
    std::shared_ptr<slot> find_or_add(const memory_key& key) {
        std::lock_guard lock(mutex_);
        auto& s = slots_[key];
        if (!s) s = std::make_shared<slot>();
        return s;
    }

    /// Records that `key` now has its binary.
    void remember(const memory_key& key) {
        std::lock_guard lock(mutex_);
        built_.emplace(key.id.low, key);
    }

    /// Why a kernel missing from memory is compiled: first sight of its source, or a new
    /// arch or options for a source built before.
    std::string why_new(const memory_key& key) {
        std::lock_guard lock(mutex_);
        const auto [first, last] = built_.equal_range(key.id.low);
        std::string other_arch;
        for (auto it = first; it != last; ++it) {
            const memory_key& k = it->second;
            if (k.id != key.id) continue;
            if (k.arch == key.arch) return std::string("fast math turned ") + (key.fast_math ? "on" : "off");
            other_arch = k.arch;
        }
        if (!other_arch.empty()) return "new arch " + key.arch + " (built for " + other_arch + " before)";
        return "new kernel";
    }

    void clear() {
        std::lock_guard lock(mutex_);
        slots_.clear();
        built_.clear();
    }

  private:
    std::mutex mutex_;
    std::unordered_map<memory_key, std::shared_ptr<slot>, memory_key_hash> slots_;
    std::unordered_multimap<std::uint64_t, memory_key> built_;
};

memory_cache& memory() {
    static memory_cache m;
    return m;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : " ") + p;
    return out;
}

}  // namespace

compile_target compile_target_for(std::string_view arch, bool fast_math) {
    static const std::string prelude = fingerprint_of(device_prelude()).hex();
    return {std::string(arch), joined(nvrtc_options(fast_math)), nvrtc_version(), prelude};
}

namespace {

/// The kernel from the disk cache, or null with the reason it was not there.
kernel_binary from_disk(const disk_cache& disk, const generated_source& src, const compile_target& target,
                        std::string& why) {
    auto& c = stat_counters();
    if (!disk.readable()) {
        why = "disk cache unusable";
        return nullptr;
    }
    cache_entry e = disk.load(src.source, target);
    switch (e.status) {
        case entry_status::ok:
            c.disk_cache_hits.fetch_add(1, std::memory_order_relaxed);
            log(log_level::debug, "loaded " + src.kernels.front().name + " for " + target.arch + " from the disk cache");
            return std::make_shared<const std::vector<char>>(std::move(e.binary));
        case entry_status::missing:
            why = "not in the disk cache (key " + cache_key(src.source, target).hex() + ")";
            return nullptr;
        default:
            c.cache_entries_rejected.fetch_add(1, std::memory_order_relaxed);
            why = std::string(to_string(e.status)) + " cache entry " + e.why + ", rebuilt";
            return nullptr;
    }
}

}  // namespace

kernel_binary compiled_binary(const generated_source& src, std::string_view arch) {
    const settings& cfg = config();
    const memory_key key{src.id, std::string(arch), cfg.fast_math};
    auto& c = stat_counters();
    const std::shared_ptr<slot> s = memory().find_or_add(key);
    std::lock_guard lock(s->mutex);
    if (s->binary) {
        c.memory_cache_hits.fetch_add(1, std::memory_order_relaxed);
        return s->binary;
    }
    const compile_target target = compile_target_for(arch, cfg.fast_math);
    std::string disk_why = "disk cache off (JITFUSE_CACHE=0)";
    std::optional<disk_cache> disk;
    if (cfg.cache_enabled) {
        disk.emplace(cfg.cache_dir, cfg.cache_max_bytes);
        if (kernel_binary found = from_disk(*disk, src, target, disk_why)) {
            memory().remember(key);
            return s->binary = std::move(found);
        }
    }
    compiled_kernel k = nvrtc_compile(src.source, arch, nvrtc_options(cfg.fast_math));
    c.compiles.fetch_add(1, std::memory_order_relaxed);
    c.compile_microseconds.fetch_add(static_cast<std::uint64_t>(k.milliseconds * 1e3), std::memory_order_relaxed);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.1f", k.milliseconds);
    log(log_level::info, "compiled " + src.kernels.front().name + " for " + target.arch + " in " + ms +
                             " ms: " + memory().why_new(key) + "; " + disk_why);
    if (disk) disk->store(src.source, target, k.cubin);
    memory().remember(key);
    return s->binary = std::make_shared<const std::vector<char>>(std::move(k.cubin));
}

void clear_memory_cache() { memory().clear(); }

}  // namespace jitfuse::detail
