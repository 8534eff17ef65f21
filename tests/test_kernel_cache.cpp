// SPDX-License-Identifier: Apache-2.0
// Compiled kernels through the caches, with NVRTC (no GPU needed): memory, disk, rebuilds of
// damaged entries, keys that follow settings, one compile per kernel however many threads
// ask, and processes sharing one cache folder (through the jitfuse-cache tool).
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/detail/disk_cache.hpp>
#include <jitfuse/detail/kernel_cache.hpp>
#include <jitfuse/detail/nvrtc.hpp>

#include "cache_entry_edit.hpp"
#include "scoped.hpp"

namespace fs = std::filesystem;
namespace jf = jitfuse;
using namespace jitfuse::detail;

namespace {

bool have_nvrtc() {
    const std::string why = nvrtc_unavailable_reason();
    if (!why.empty()) MESSAGE("skipped: " << why);
    return why.empty();
}

/// Counter deltas since construction.
struct counted {
    nlohmann::json before = jf::stats();
    std::uint64_t delta(const char* group, const char* name = nullptr) const {
        const auto now = jf::stats();
        const auto get = [&](const nlohmann::json& j) {
            return (name ? j[group][name] : j[group]).get<std::uint64_t>();
        };
        return get(now) - get(before);
    }
};

/// A fresh cache folder and an empty memory cache for one test.
struct fresh_cache {
    test::settings_scope settings;
    test::scratch_dir dir{"kernel-cache"};
    fresh_cache() {
        jf::config().cache_enabled = true;
        jf::config().cache_dir = dir.path;
        jf::config().fast_math = false;
        clear_memory_cache();
    }
    ~fresh_cache() { clear_memory_cache(); }
    disk_cache disk() const { return {dir.path, 1 << 30}; }
};

/// Everything a command started with popen prints; `status` gets its exit status.
std::string finish_command(FILE* pipe, int& status) {
    REQUIRE(pipe);
    std::string out;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
    status = ::pclose(pipe);
    return out;
}

std::string run_command(const std::string& command, int& status) {
    return finish_command(::popen(command.c_str(), "r"), status);
}

}  // namespace

TEST_CASE("precompile: NVRTC once, then the disk cache in a new process, then memory") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const jf::array<float> x = jf::arange<float>(1000);
    const auto e = jf::sin(x) * 3.0f + x;
    const generated_source& src = *plan_pass(e).src;
    {
        const counted c;
        jf::precompile(e, "sm_90");
        CHECK(c.delta("compiles", "count") == 1);
        CHECK(c.delta("cache_hits", "disk") == 0);
    }
    const cache_entry stored = cache.disk().load(src.source, compile_target_for("sm_90", false));
    REQUIRE(stored.status == entry_status::ok);
    CHECK(stored.binary.size() > 100);
    {
        // What a new process sees: nothing in memory, the entry on disk.
        clear_memory_cache();
        const counted c;
        jf::precompile(e, "sm_90");
        CHECK(c.delta("compiles", "count") == 0);
        CHECK(c.delta("cache_hits", "disk") == 1);
        CHECK(*compiled_binary(src, "sm_90") == stored.binary);
    }
    {
        const counted c;
        jf::precompile(e, "sm_90");
        CHECK(c.delta("compiles", "count") == 0);
        CHECK(c.delta("cache_hits", "memory") == 1);
    }
    // Other values of the same expression type are the same kernel.
    const jf::array<float> y = jf::arange<float>(77) * 0.5f;
    const counted c;
    jf::precompile(jf::sin(y) * -1.0f + y, "sm_90");
    CHECK(c.delta("compiles", "count") == 0);
}

TEST_CASE("a damaged disk entry is reported, rebuilt and replaced") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const auto x = jf::arange<double>(10);
    const auto e = jf::exp(x) - 1.0;
    const generated_source& src = *plan_pass(e).src;
    jf::precompile(e, "sm_90");
    const fs::path file = cache.disk().path_of(cache_key(src.source, compile_target_for("sm_90", false)));
    REQUIRE(fs::exists(file));
    const auto size = fs::file_size(file);

    const auto damage = [&](auto&& how) {
        std::string bytes;
        {
            std::ifstream in(file, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        how(bytes);
        std::ofstream(file, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    };
    const std::pair<const char*, std::function<void(std::string&)>> cases[] = {
        {"flipped byte", [](std::string& b) { b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x5a); }},
        {"truncated", [](std::string& b) { b.resize(b.size() / 3); }},
        {"zero length", [](std::string& b) { b.clear(); }},
        {"another jitfuse version", [](std::string& b) { b = test::with_jitfuse_version(b, "0.0.1"); }},
    };
    for (const auto& [name, how] : cases) {
        CAPTURE(name);
        damage(how);
        clear_memory_cache();
        test::settings_scope logging;
        jf::config().log = jf::log_level::info;
        test::log_capture log;
        const counted c;
        jf::precompile(e, "sm_90");
        CHECK(c.delta("compiles", "count") == 1);
        CHECK(c.delta("cache_entries_rejected") == 1);
        CHECK(log.count({"compiled", "cache entry", "rebuilt"}) == 1);
        CHECK(fs::file_size(file) == size);
        CHECK(cache.disk().load(src.source, compile_target_for("sm_90", false)).status == entry_status::ok);
    }
}

TEST_CASE("an entry built over another device prelude is never served") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const auto x = jf::arange<float>(10);
    const auto e = jf::cos(x) * 3.0f;
    const generated_source& src = *plan_pass(e).src;
    CHECK(compile_target_for("sm_90", false).headers == fingerprint_of(device_prelude()).hex());
    // What an older build (same version, same kernel source, its own prelude) left behind.
    compile_target older = compile_target_for("sm_90", false);
    older.headers = fingerprint_of("an older prelude").hex();
    cache.disk().store(src.source, older, std::vector<char>{'o', 'l', 'd'});
    const counted c;
    jf::precompile(e, "sm_90");
    CHECK(c.delta("compiles", "count") == 1);
    CHECK(c.delta("cache_hits", "disk") == 0);
    CHECK(cache.disk().load(src.source, older).binary == std::vector<char>{'o', 'l', 'd'});  // left alone
}

TEST_CASE("arch and fast math are part of a kernel's identity; JITFUSE_LOG says why it compiles") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    jf::config().log = jf::log_level::info;
    test::log_capture log;
    const auto x = jf::arange<float>(10);
    const auto e = jf::log(x + 2.0f) * x;
    const counted c;
    jf::precompile(e, {"sm_90", "sm_80"});
    jf::config().fast_math = true;
    jf::precompile(e, "sm_90");
    jf::precompile(e, "sm_90");
    CHECK(c.delta("compiles", "count") == 3);
    CHECK(log.count({"for sm_90", "new kernel", "not in the disk cache (key"}) == 1);
    CHECK(log.count({"for sm_80", "new arch sm_80"}) == 1);
    CHECK(log.count({"fast math turned on"}) == 1);
    CHECK(cache.disk().files().size() == 3);
    const generated_source& src = *plan_pass(e).src;
    CHECK(cache_key(src.source, compile_target_for("sm_90", true)) != cache_key(src.source, compile_target_for("sm_90", false)));
}

TEST_CASE("JITFUSE_CACHE=0 writes nothing; an unusable folder warns once and compiles in memory") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const auto x = jf::arange<std::int32_t>(10);
    const auto e = (x * 7) % 5;
    SUBCASE("disabled") {
        jf::config().cache_enabled = false;
        jf::precompile(e, "sm_90");
        CHECK_FALSE(fs::exists(cache.dir.path));
    }
    SUBCASE("unusable") {
        fs::create_directories(cache.dir.path);
        std::ofstream(cache.dir.path / "file") << "x";
        jf::config().cache_dir = cache.dir.path / "file" / "cache";
        test::log_capture log;
        const counted c;
        jf::precompile(e, "sm_90");
        clear_memory_cache();
        jf::precompile(e, "sm_90");
        CHECK(c.delta("compiles", "count") == 2);
        CHECK(log.count({"warning", "memory only"}) == 1);  // once per process
    }
}

TEST_CASE("many threads asking for one new kernel compile it once") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const auto x = jf::arange<float>(100);
    const auto e = jf::cos(x) * jf::cos(x) - 0.25f;
    const counted c;
    std::atomic<int> failures{0};
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                try {
                    jf::precompile(e, "sm_90");
                } catch (...) {
                    ++failures;
                }
            });
    }
    CHECK(failures == 0);
    CHECK(c.delta("compiles", "count") == 1);
    CHECK(c.delta("cache_hits", "memory") == 7);
}

TEST_CASE("JITFUSE_DUMP writes each generated source once, next to the prelude it includes") {
    test::settings_scope settings;
    const test::scratch_dir dir("dump");
    jf::config().dump_dir = dir.path;
    const auto x = jf::arange<float>(100);
    jf::array<float> y = jf::sqrt(x) + 1.0f;
    y = jf::sqrt(x) + 2.0f;  // the same kernel again
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dir.path))
        if (f.path().extension() == ".cu") files.push_back(f.path());
    REQUIRE(files.size() == 1);
    std::ifstream in(files[0], std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    CHECK(text == jf::explain(jf::sqrt(x) + 1.0f).source);
    std::ifstream prelude(dir.path / prelude_name, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(prelude), {}) == device_prelude());
    // Sources that explain and precompile generate are dumped too, though nothing runs them.
    const auto count_sources = [&] {
        int n = 0;
        for (const auto& f : fs::directory_iterator(dir.path)) n += f.path().extension() == ".cu";
        return n;
    };
    (void)jf::explain(jf::cos(x) - 1.0f);
    CHECK(count_sources() == 2);
    if (have_nvrtc()) {
        jf::precompile(jf::sum(x * 3.0f), "sm_90");
        CHECK(count_sources() == 3);
    }
}

#ifdef JITFUSE_CACHE_TOOL
TEST_CASE("processes share a cache: 8 x 4 threads warming one empty folder, then a later process") {
    if (!have_nvrtc()) return;
    fresh_cache cache;
    const test::scratch_dir sources("warm-sources");
    const auto x = jf::arange<float>(64);
    const auto y = jf::arange<double>(64);
    const generated_source* kernels[] = {
        plan_pass(jf::tanh(x) + x).src, plan_pass(jf::sum(x * x)).src,
        plan_pass(jf::maximum(y, 2.0) / y).src, plan_pass(jf::where(x > 3.0f, x, -x)).src};
    jf::config().dump_dir = sources.path;  // fresh_cache restores the settings
    for (const auto* k : kernels) dump_source(*k);
    jf::config().dump_dir.clear();
    const std::string tool = JITFUSE_CACHE_TOOL;
    const std::string warm = tool + " --dir " + cache.dir.path.string() + " warm " + sources.path.string() +
                             " --arch sm_90 -j 4 2>&1";

    std::vector<FILE*> pipes;
    for (int p = 0; p < 8; ++p) pipes.push_back(::popen(warm.c_str(), "r"));
    for (FILE* pipe : pipes) {
        int status = 0;
        const std::string out = finish_command(pipe, status);
        CAPTURE(out);
        CHECK(status == 0);
        CHECK(out.find("warmed 4 kernels x 1 archs") != std::string::npos);
        CHECK(out.find("0 failed") != std::string::npos);
    }
    const disk_cache disk = cache.disk();
    CHECK(disk.files().size() == 4);
    for (const auto* k : kernels) {
        const cache_entry e = disk.load(k->source, compile_target_for("sm_90", false));
        CHECK(e.status == entry_status::ok);
        // Identical to a compile of our own.
        CHECK(e.binary == nvrtc_compile(k->source, "sm_90", nvrtc_options(false)).cubin);
    }
    int status = 0;
    const std::string again = run_command(warm, status);
    CHECK(status == 0);
    CHECK(again.find("0 compiled, 4 already cached") != std::string::npos);
    const std::string listing = run_command(tool + " --dir " + cache.dir.path.string() + " list", status);
    CHECK(status == 0);
    CHECK(listing.find(cache_key(kernels[0]->source, compile_target_for("sm_90", false)).hex()) != std::string::npos);
    run_command(tool + " --dir " + cache.dir.path.string() + " clear", status);
    CHECK(status == 0);
    CHECK(disk.files().empty());
}
#endif
