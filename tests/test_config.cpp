// SPDX-License-Identifier: Apache-2.0
// Settings from JITFUSE_* environment variables (through a fake getenv), backend_info and
// the default device.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include "scoped.hpp"

#include <map>
#include <string>

namespace jf = jitfuse;

namespace {

std::map<std::string, std::string>& fake_env() {
    static std::map<std::string, std::string> env;
    return env;
}

const char* fake_getenv(const char* name) {
    const auto& env = fake_env();
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
}

jf::settings parse(std::map<std::string, std::string> env) {
    fake_env() = std::move(env);
    return jf::settings_from_env(&fake_getenv);
}

/// Parsing `value` for `variable` is a jitfuse::error whose message names the variable and
/// the value.
void check_invalid(const std::string& variable, const std::string& value) {
    INFO(variable << "=" << value);
    try {
        (void)parse({{variable, value}, {"HOME", "/home/u"}});
        FAIL("no exception");
    } catch (const jf::error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find(variable) != std::string::npos);
        CHECK(msg.find(value) != std::string::npos);
    }
}

}  // namespace

TEST_SUITE("config") {

TEST_CASE("defaults with nothing set") {
    const auto s = parse({{"HOME", "/home/u"}});
    CHECK(s.num_threads == 0);
    CHECK(s.fast_math == false);
    CHECK(s.cache_enabled == true);
    CHECK(s.cache_dir == std::filesystem::path("/home/u") / ".cache" / "jitfuse");
    CHECK(s.dump_dir.empty());
    CHECK(s.log == jf::log_level::off);
    CHECK(s.device == "auto");
    CHECK(s.cache_max_bytes == std::uint64_t{1} << 30);
    CHECK(s.row_block_bytes == 512 * 1024);
    CHECK(s.stream_store_bytes == 32 * 1024 * 1024);
    // XDG_CACHE_HOME wins over HOME.
    CHECK(parse({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/xdg"}}).cache_dir == std::filesystem::path("/xdg") / "jitfuse");
    // Empty values count as unset.
    const auto e = parse({{"HOME", "/h"}, {"JITFUSE_NUM_THREADS", ""}, {"JITFUSE_FAST_MATH", ""}, {"JITFUSE_DEVICE", ""}});
    CHECK(e.num_threads == 0);
    CHECK(e.fast_math == false);
    CHECK(e.device == "auto");
    // Neither HOME nor XDG_CACHE_HOME: still some cache directory.
    CHECK(!parse({}).cache_dir.empty());
}

TEST_CASE("valid values") {
    auto s = parse({{"HOME", "/h"},
                    {"JITFUSE_NUM_THREADS", "4"},
                    {"JITFUSE_FAST_MATH", "1"},
                    {"JITFUSE_CACHE", "0"},
                    {"JITFUSE_CACHE_DIR", "/tmp/jf-cache"},
                    {"JITFUSE_DUMP", "/tmp/jf-dump"},
                    {"JITFUSE_LOG", "debug"},
                    {"JITFUSE_DEVICE", "cpu"}});
    CHECK(s.num_threads == 4);
    CHECK(s.fast_math == true);
    CHECK(s.cache_enabled == false);
    CHECK(s.cache_dir == std::filesystem::path("/tmp/jf-cache"));
    CHECK(s.dump_dir == std::filesystem::path("/tmp/jf-dump"));
    CHECK(s.log == jf::log_level::debug);
    CHECK(s.device == "cpu");

    CHECK(parse({{"JITFUSE_NUM_THREADS", "1"}}).num_threads == 1);
    CHECK(parse({{"JITFUSE_NUM_THREADS", "0"}}).num_threads == 0);  // all hardware threads, as the default
    CHECK(parse({{"JITFUSE_NUM_THREADS", "64"}}).num_threads == 64);
    CHECK(parse({{"JITFUSE_FAST_MATH", "0"}}).fast_math == false);
    CHECK(parse({{"JITFUSE_CACHE", "1"}}).cache_enabled == true);
    CHECK(parse({{"JITFUSE_LOG", "info"}}).log == jf::log_level::info);
    CHECK(parse({{"JITFUSE_LOG", "off"}}).log == jf::log_level::off);
    CHECK(parse({{"JITFUSE_DEVICE", "cuda"}}).device == "cuda");
    CHECK(parse({{"JITFUSE_DEVICE", "cuda:1"}}).device == "cuda:1");
    CHECK(parse({{"JITFUSE_DEVICE", "cuda:12"}}).device == "cuda:12");
    CHECK(parse({{"JITFUSE_CACHE_SIZE_MB", "1"}}).cache_max_bytes == std::uint64_t{1} << 20);
    CHECK(parse({{"JITFUSE_CACHE_SIZE_MB", "65536"}}).cache_max_bytes == std::uint64_t{1} << 36);
    CHECK(parse({{"JITFUSE_ROW_BLOCK_BYTES", "0"}}).row_block_bytes == 0);  // never cut
    CHECK(parse({{"JITFUSE_ROW_BLOCK_BYTES", "16"}}).row_block_bytes == 16);
    CHECK(parse({{"JITFUSE_ROW_BLOCK_BYTES", "2097152"}}).row_block_bytes == 2097152);
    CHECK(parse({{"JITFUSE_STREAM_STORE_BYTES", "0"}}).stream_store_bytes == 0);  // never stream
    CHECK(parse({{"JITFUSE_STREAM_STORE_BYTES", "1"}}).stream_store_bytes == 1);
    CHECK(parse({{"JITFUSE_STREAM_STORE_BYTES", "1073741824"}}).stream_store_bytes == 1073741824);
}

TEST_CASE("invalid values are jitfuse::error naming the variable") {
    check_invalid("JITFUSE_NUM_THREADS", "abc");
    check_invalid("JITFUSE_NUM_THREADS", "4097");
    check_invalid("JITFUSE_NUM_THREADS", "-2");
    check_invalid("JITFUSE_NUM_THREADS", "4x");
    check_invalid("JITFUSE_NUM_THREADS", "99999999999999999999");
    check_invalid("JITFUSE_FAST_MATH", "maybe");
    check_invalid("JITFUSE_FAST_MATH", "2");
    check_invalid("JITFUSE_CACHE", "sometimes");
    check_invalid("JITFUSE_CACHE_SIZE_MB", "0");
    check_invalid("JITFUSE_CACHE_SIZE_MB", "1.5");
    check_invalid("JITFUSE_CACHE_SIZE_MB", "-1");
    check_invalid("JITFUSE_CACHE_SIZE_MB", "99999999999");
    check_invalid("JITFUSE_ROW_BLOCK_BYTES", "-1");
    check_invalid("JITFUSE_ROW_BLOCK_BYTES", "1.5");
    check_invalid("JITFUSE_ROW_BLOCK_BYTES", "512k");
    check_invalid("JITFUSE_ROW_BLOCK_BYTES", "99999999999999");
    check_invalid("JITFUSE_STREAM_STORE_BYTES", "-1");
    check_invalid("JITFUSE_STREAM_STORE_BYTES", "32M");
    check_invalid("JITFUSE_STREAM_STORE_BYTES", "9999999999999999");
    check_invalid("JITFUSE_LOG", "verbose");
    check_invalid("JITFUSE_DEVICE", "gpu");
    check_invalid("JITFUSE_DEVICE", "cuda:");
    check_invalid("JITFUSE_DEVICE", "cuda:x");
    check_invalid("JITFUSE_DEVICE", "CPU0");
    check_invalid("JITFUSE_DEVICE", "cuda:-1");
    check_invalid("JITFUSE_DEVICE", "cuda:99999999999");  // beyond an int
    check_invalid("JITFUSE_DEVICE", "cudax");
}

TEST_CASE("a device set through jf::config() is checked like JITFUSE_DEVICE") {
    test::settings_scope settings;
    for (const char* bad : {"tpu", "cuda:x", "cuda:99999999999", "cuda:"}) {
        INFO(bad);
        jf::config().device = bad;
        try {
            (void)jf::default_device();
            FAIL("no exception");
        } catch (const jf::error& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("JITFUSE_DEVICE") != std::string::npos);
            CHECK(msg.find(bad) != std::string::npos);
        }
    }
    jf::config().device = "cpu";
    CHECK(jf::default_device().is_cpu());
}

TEST_CASE("backend_info is one line that names the CPU backend") {
    const std::string info = jf::backend_info();
    INFO(info);
    CHECK(!info.empty());
    CHECK(info.find('\n') == std::string::npos);
    CHECK(info.find("CPU") != std::string::npos);
    // Asked twice: the same line.
    CHECK(jf::backend_info() == info);
}

TEST_CASE("the default device is the CPU unless JITFUSE_DEVICE asks for a GPU") {
    test::settings_scope settings;
    jf::config().device = "";
    CHECK(jf::default_device() == jf::device::cpu());
    CHECK(jf::default_device().is_cpu());
    CHECK(jf::default_device().to_string() == "cpu");
    CHECK(jf::device::cuda(2).to_string() == "cuda:2");
    CHECK(jf::zeros<float>(3).device() == jf::device::cpu());
    // JITFUSE_DEVICE=cuda asks for a GPU this build cannot use: a device_error saying why.
    if (jf::backend_info().find("CUDA not used: ") != std::string::npos) {
        const std::string saved = jf::config().device;
        jf::config().device = "cuda";
        try {
            (void)jf::default_device();
            FAIL("no exception");
        } catch (const jf::device_error& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("cuda") != std::string::npos);
        }
        jf::config().device = saved;
        CHECK(jf::default_device().is_cpu());
        // Arrays cannot be made on a device that is not usable.
        CHECK_THROWS_AS(jf::zeros<float>(3, jf::device::cuda(0)), jf::device_error);
    }
}

}  // TEST_SUITE
