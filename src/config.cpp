// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jitfuse/error.hpp"

namespace jitfuse {
namespace {

[[noreturn]] void invalid(std::string_view variable, std::string_view value, std::string_view accepted) {
    throw error(std::string(variable) + "='" + std::string(value) + "' is not valid; use " +
                std::string(accepted));
}

bool parse_flag(const char* variable, const char* value) {
    const std::string_view v = value;
    if (v == "1" || v == "on" || v == "true" || v == "yes") return true;
    if (v == "0" || v == "off" || v == "false" || v == "no") return false;
    invalid(variable, v, "0 or 1");
}

std::uint64_t parse_count(const char* variable, std::string_view text, std::int64_t min, std::int64_t max,
                          std::string_view accepted) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < min || n > max) invalid(variable, text, accepted);
    return static_cast<std::uint64_t>(n);
}

std::filesystem::path default_cache_dir(const char* (*getenv)(const char*)) {
    if (const char* xdg = getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "jitfuse";
    if (const char* home = getenv("HOME"); home && *home) return std::filesystem::path(home) / ".cache" / "jitfuse";
    return std::filesystem::temp_directory_path() / "jitfuse-cache";
}

}  // namespace

settings settings_from_env(const char* (*getenv)(const char*)) {
    settings s;
    if (const char* v = getenv("JITFUSE_NUM_THREADS"); v && *v)
        s.num_threads = static_cast<int>(
            parse_count("JITFUSE_NUM_THREADS", v, 0, 4096, "a thread count from 1 to 4096, or 0 for all hardware threads"));
    if (const char* v = getenv("JITFUSE_CACHE_SIZE_MB"); v && *v)
        s.cache_max_bytes = parse_count("JITFUSE_CACHE_SIZE_MB", v, 1, std::int64_t{1} << 30,
                                        "a size in MiB from 1 to 1073741824") << 20;
    if (const char* v = getenv("JITFUSE_ROW_BLOCK_BYTES"); v && *v)
        s.row_block_bytes = static_cast<std::int64_t>(parse_count(
            "JITFUSE_ROW_BLOCK_BYTES", v, 0, std::int64_t{1} << 40, "a size in bytes, or 0 to never cut a statement into blocks of rows"));
    if (const char* v = getenv("JITFUSE_STREAM_STORE_BYTES"); v && *v)
        s.stream_store_bytes = static_cast<std::int64_t>(parse_count(
            "JITFUSE_STREAM_STORE_BYTES", v, 0, std::int64_t{1} << 50, "a size in bytes, or 0 to never stream stores past the cache"));
    if (const char* v = getenv("JITFUSE_FAST_MATH"); v && *v) s.fast_math = parse_flag("JITFUSE_FAST_MATH", v);
    if (const char* v = getenv("JITFUSE_CACHE"); v && *v) s.cache_enabled = parse_flag("JITFUSE_CACHE", v);
    if (const char* v = getenv("JITFUSE_CACHE_DIR"); v && *v) s.cache_dir = v;
    else s.cache_dir = default_cache_dir(getenv);
    if (const char* v = getenv("JITFUSE_DUMP"); v && *v) s.dump_dir = v;
    if (const char* v = getenv("JITFUSE_LOG"); v && *v) {
        const std::string_view text = v;
        if (text == "off" || text == "0") s.log = log_level::off;
        else if (text == "info") s.log = log_level::info;
        else if (text == "debug") s.log = log_level::debug;
        else invalid("JITFUSE_LOG", text, "off, info or debug");
    }
    if (const char* v = getenv("JITFUSE_CHECK_CODEGEN"); v && *v) {
        const std::string_view text = v;
        if (!text.starts_with("sm_") || text.size() < 5 ||
            text.find_first_not_of("0123456789", 3) != std::string_view::npos)
            invalid("JITFUSE_CHECK_CODEGEN", text, "a GPU architecture such as sm_90");
        s.check_codegen = text;
    }
    if (const char* v = getenv("JITFUSE_DEVICE"); v && *v) {
        (void)detail::requested_gpu(v, "JITFUSE_DEVICE");
        s.device = v;
    }
    return s;
}

namespace detail {

std::optional<int> requested_gpu(std::string_view device, std::string_view variable) {
    if (device.empty() || device == "cpu" || device == "auto") return std::nullopt;
    if (device == "cuda") return 0;
    int index = -1;
    const std::string_view digits = device.substr(std::min<std::size_t>(device.size(), 5));
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (!device.starts_with("cuda:") || ec != std::errc() || end != digits.data() + digits.size() || index < 0)
        invalid(variable, device, "cpu, cuda or cuda:N");
    return index;
}

}  // namespace detail

settings& config() {
    static settings s = settings_from_env([](const char* name) -> const char* { return std::getenv(name); });
    return s;
}

}  // namespace jitfuse
