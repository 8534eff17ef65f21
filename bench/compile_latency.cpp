// SPDX-License-Identifier: Apache-2.0
#include "compile_latency.hpp"
#include "median.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/detail/disk_cache.hpp>
#include <jitfuse/detail/kernel_cache.hpp>
#include <jitfuse/detail/nvrtc.hpp>

namespace bench {
namespace {

namespace jf = jitfuse;
namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr const char* arch = "sm_90";

/// Milliseconds of `fn`, after `prepare` (untimed), `repeats` times.
std::vector<double> timed(int repeats, const std::function<void()>& prepare, const std::function<void()>& fn) {
    std::vector<double> ms;
    for (int r = 0; r < repeats; ++r) {
        prepare();
        const auto t0 = clock_type::now();
        fn();
        ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - t0).count());
    }
    return ms;
}

/// Microseconds per call of `fn`, over batches of `calls`.
std::vector<double> per_call_us(int repeats, int calls, const std::function<void()>& fn) {
    fn();
    std::vector<double> us;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = clock_type::now();
        for (int i = 0; i < calls; ++i) fn();
        us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count() / calls);
    }
    return us;
}

}  // namespace

nlohmann::json measure_compile_latency(int repeats) {
    if (const std::string why = jf::detail::nvrtc_unavailable_reason(); !why.empty()) {
        std::printf("compile latency: skipped (%s)\n", why.c_str());
        return nullptr;
    }
    // A private cache folder: the user's cache is neither read nor changed.
    const fs::path dir = fs::temp_directory_path() / ("jitfuse-bench-cache-" + std::to_string(::getpid()));
    jf::settings& cfg = jf::config();
    const jf::settings saved = cfg;
    cfg.cache_enabled = true;
    cfg.cache_dir = dir;
    const jf::detail::disk_cache disk(dir, cfg.cache_max_bytes);

    const jf::array<float> x = jf::arange<float>(1 << 20) * 1e-6f;
    const jf::array<float> y = x + 1.0f;
    const jf::array<float, 2> m = x.reshape<2>({1024, 1024});
    struct kernel {
        const char* name;
        const jf::detail::generated_source* src;
        std::function<void()> dispatch;
    };
    const kernel kernels[] = {
        {"chain (flat vector)", jf::detail::plan_pass(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f)).src,
         [&] { jf::precompile(jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f), arch); }},
        {"sum(x*y)", jf::detail::plan_pass(jf::sum(x * y)).src, [&] { jf::precompile(jf::sum(x * y), arch); }},
        {"row max (axis)", jf::detail::plan_pass(jf::max(m, 1)).src, [&] { jf::precompile(jf::max(m, 1), arch); }},
    };

    std::printf("\ncompile latency, %s, NVRTC %s (median of %d; target: cold <= 60 ms, disk <= 2 ms, memory <= 5 us)\n",
                arch, jf::detail::nvrtc_version().c_str(), repeats);
    std::printf("%-22s %10s %10s %12s %14s\n", "kernel", "cold ms", "disk ms", "memory us", "precompile us");
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : kernels) {
        const auto compile = [&] { jf::detail::compiled_binary(*k.src, arch); };
        const auto cold = timed(repeats, [&] { jf::detail::clear_memory_cache(); disk.clear(); }, compile);
        const auto from_disk = timed(repeats, [&] { jf::detail::clear_memory_cache(); }, compile);
        const auto memory = per_call_us(repeats, 1000, compile);
        const auto dispatch = per_call_us(repeats, 1000, k.dispatch);
        std::printf("%-22s %10.1f %10.3f %12.3f %14.3f\n", k.name, median(cold), median(from_disk), median(memory),
                    median(dispatch));
        out.push_back({{"kernel", k.name}, {"arch", arch}, {"cold_ms", cold}, {"disk_hit_ms", from_disk},
                       {"memory_hit_us", memory}, {"precompile_dispatch_us", dispatch},
                       {"median_cold_ms", median(cold)}, {"median_disk_hit_ms", median(from_disk)},
                       {"median_memory_hit_us", median(memory)}, {"median_precompile_dispatch_us", median(dispatch)}});
    }
    std::puts("cold = NVRTC compile + disk store; disk = read + verify an entry; memory = lookup in this process;\n"
              "precompile = jf::precompile(e) when cached (plan + lookup; a GPU launch would add its own cost).");
    disk.clear();
    std::error_code ec;
    fs::remove_all(dir, ec);
    cfg = saved;
    jf::detail::clear_memory_cache();
    return out;
}

}  // namespace bench
