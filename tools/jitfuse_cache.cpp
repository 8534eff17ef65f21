// SPDX-License-Identifier: Apache-2.0
// jitfuse-cache: looks after the kernel disk cache. `warm` compiles kernel sources written by
// JITFUSE_DUMP (NVRTC only, no GPU needed), so a program's kernels can be built at install
// time; `list`, `stats` and `clear` inspect and empty the cache.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/detail/disk_cache.hpp>
#include <jitfuse/detail/kernel_cache.hpp>

namespace fs = std::filesystem;
namespace jf = jitfuse;
using jf::detail::disk_cache;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw jf::error("cannot read " + path.string());
    return text.str();
}

/// The `__global__` functions a generated source defines, in order.
std::vector<std::string> kernels_in(const std::string& source) {
    std::vector<std::string> names;
    const std::string marker = "__global__ void ";
    for (auto at = source.find(marker); at != std::string::npos; at = source.find(marker, at + 1)) {
        const auto start = at + marker.size();
        names.push_back(source.substr(start, source.find('(', start) - start));
    }
    return names;
}

/// The .cu files named, folders searched recursively, in a stable order.
std::vector<fs::path> kernel_sources(const std::vector<std::string>& paths) {
    std::vector<fs::path> files;
    for (const fs::path p : paths) {
        if (fs::is_directory(p)) {
            for (const auto& entry : fs::recursive_directory_iterator(p))
                if (entry.is_regular_file() && entry.path().extension() == ".cu") files.push_back(entry.path());
        } else if (fs::is_regular_file(p)) {
            files.push_back(p);
        } else {
            throw jf::error(p.string() + " is neither a .cu file nor a folder");
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

int warm(const std::vector<std::string>& paths, const std::vector<std::string>& archs, unsigned jobs) {
    const auto files = kernel_sources(paths);
    std::vector<jf::detail::generated_source> sources;
    for (const auto& f : files) {
        std::string text = read_text(f);
        auto names = kernels_in(text);
        if (names.empty()) {
            std::fprintf(stderr, "jitfuse-cache: skipping %s: no __global__ kernel in it\n", f.c_str());
            continue;
        }
        const auto id = jf::detail::fingerprint_of(text);
        std::vector<jf::detail::kernel_entry> kernels;  // compiling needs the names, not the parameters
        for (auto& name : names) kernels.push_back({std::move(name), {}});
        sources.push_back({std::move(text), std::move(kernels), id});
    }
    const auto before = jf::stats();
    const auto start = std::chrono::steady_clock::now();
    std::atomic<std::size_t> next{0};
    std::atomic<int> failed{0};
    // NVRTC compiles distinct programs concurrently: one worker per job.
    const auto work = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < sources.size() * archs.size();) {
            try {
                jf::detail::compiled_binary(sources[i / archs.size()], archs[i % archs.size()]);
            } catch (const jf::error& e) {
                std::fprintf(stderr, "jitfuse-cache: %s\n", e.what());
                ++failed;
            }
        }
    };
    std::vector<std::jthread> workers;
    for (unsigned j = 0; j < std::max(1u, jobs); ++j) workers.emplace_back(work);
    workers.clear();
    const auto after = jf::stats();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("warmed %zu kernels x %zu archs into %s in %.2f s: %llu compiled, %llu already cached, %d failed\n",
                sources.size(), archs.size(), jf::config().cache_dir.c_str(), seconds,
                static_cast<unsigned long long>(after["compiles"]["count"].get<std::uint64_t>() -
                                                before["compiles"]["count"].get<std::uint64_t>()),
                static_cast<unsigned long long>(after["cache_hits"]["disk"].get<std::uint64_t>() -
                                                before["cache_hits"]["disk"].get<std::uint64_t>()),
                failed.load());
    return failed ? 1 : 0;
}

std::string age(fs::file_time_type t) {
    const auto minutes =
        std::chrono::duration_cast<std::chrono::minutes>(fs::file_time_type::clock::now() - t).count();
    if (minutes < 60) return std::to_string(minutes) + " min";
    if (minutes < 48 * 60) return std::to_string(minutes / 60) + " h";
    return std::to_string(minutes / (24 * 60)) + " d";
}

jf::detail::cache_entry read_entry(const fs::path& path) {
    try {
        return jf::detail::decode_entry(read_text(path));
    } catch (const jf::error& e) {
        return {jf::detail::entry_status::unreadable, e.what(), {}, {}, {}, {}};
    }
}

int list(const disk_cache& cache) {
    std::printf("%-34s %-7s %-6s %9s %8s  %s\n", "key", "arch", "status", "bytes", "used", "kernels");
    int bad = 0;
    for (const auto& f : cache.files()) {
        const auto e = read_entry(f.path);
        std::string kernels;
        for (const auto& k : kernels_in(e.source)) kernels += (kernels.empty() ? "" : ",") + k;
        if (e.status != jf::detail::entry_status::ok) {
            kernels = e.why;
            ++bad;
        }
        std::printf("%-34s %-7s %-6s %9llu %8s  %s\n", f.path.stem().c_str(), e.target.arch.c_str(),
                    to_string(e.status), static_cast<unsigned long long>(f.bytes), age(f.last_used).c_str(),
                    kernels.c_str());
    }
    return bad ? 1 : 0;
}

int stats(const disk_cache& cache) {
    std::map<std::string, std::pair<std::size_t, std::uint64_t>> by_arch;
    std::size_t bad = 0;
    std::uint64_t total = 0;
    const auto files = cache.files();
    for (const auto& f : files) {
        const auto e = read_entry(f.path);
        total += f.bytes;
        if (e.status != jf::detail::entry_status::ok) ++bad;
        auto& [count, bytes] = by_arch[e.status == jf::detail::entry_status::ok ? e.target.arch : "(unusable)"];
        ++count;
        bytes += f.bytes;
    }
    std::printf("folder   %s (%s)\n", cache.dir().c_str(),
                cache.writable() ? "read-write" : cache.readable() ? "read-only" : "unusable");
    std::printf("entries  %zu, %.2f MiB of %.0f MiB allowed (JITFUSE_CACHE_SIZE_MB)\n", files.size(),
                static_cast<double>(total) / (1 << 20), static_cast<double>(jf::config().cache_max_bytes) / (1 << 20));
    for (const auto& [arch, cb] : by_arch)
        std::printf("  %-10s %zu entries, %.2f MiB\n", arch.c_str(), cb.first, static_cast<double>(cb.second) / (1 << 20));
    if (bad) std::printf("%zu entries are corrupt or foreign (they are rebuilt when next needed)\n", bad);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"jitfuse-cache: warm, list, clear and summarise the jitfuse kernel disk cache"};
    app.require_subcommand(1);
    std::string dir;
    app.add_option("--dir", dir, "cache folder (default: JITFUSE_CACHE_DIR, else ~/.cache/jitfuse)");

    auto* warm_cmd = app.add_subcommand("warm", "compile kernel sources written by JITFUSE_DUMP into the cache");
    std::vector<std::string> paths, archs;
    bool fast_math = false;
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    warm_cmd->add_option("paths", paths, ".cu files or folders of them")->required();
    warm_cmd->add_option("--arch", archs, "GPU architecture, e.g. sm_90 (repeatable)")->required();
    warm_cmd->add_flag("--fast-math", fast_math, "compile as under JITFUSE_FAST_MATH=1");
    warm_cmd->add_option("-j,--jobs", jobs, "parallel compiles")->check(CLI::Range(1u, 256u));
    auto* list_cmd = app.add_subcommand("list", "one line per entry: key, arch, status, size, last use, kernels");
    auto* clear_cmd = app.add_subcommand("clear", "remove every entry");
    auto* stats_cmd = app.add_subcommand("stats", "entries and bytes per arch");
    CLI11_PARSE(app, argc, argv);

    try {
        jf::settings& cfg = jf::config();
        if (!dir.empty()) cfg.cache_dir = dir;
        cfg.fast_math = fast_math;
        if (*warm_cmd) {
            if (!cfg.cache_enabled) throw jf::error("JITFUSE_CACHE=0: there is no disk cache to warm");
            return warm(paths, archs, jobs);
        }
        const disk_cache cache(cfg.cache_dir, cfg.cache_max_bytes);
        if (*list_cmd) return list(cache);
        if (*stats_cmd) return stats(cache);
        if (*clear_cmd) {
            std::printf("removed %zu files from %s\n", cache.clear(), cfg.cache_dir.c_str());
            return 0;
        }
    } catch (const jf::error& e) {
        std::fprintf(stderr, "jitfuse-cache: %s\n", e.what());
        return 1;
    }
    return 0;
}
