// SPDX-License-Identifier: Apache-2.0
// JITFUSE_DUMP: generated sources written out as the files NVRTC compiles.
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <unistd.h>

#include "jitfuse/detail/kernel_plan.hpp"
#include "jitfuse/detail/log.hpp"

namespace jitfuse::detail {
namespace {

namespace fs = std::filesystem;

/// Writes through a temporary file and a rename: processes dumping into one folder never
/// see each other's half-written files. Returns false when it could not.
bool write_whole(const fs::path& path, std::string_view text) {
    const fs::path temp = path.string() + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        if (!out.flush()) return false;
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) fs::remove(temp, ec);
    return !ec;
}

}  // namespace

void dump_source(const generated_source& src, const fs::path& dir) {
    static std::mutex mutex;
    static std::set<std::pair<fs::path, std::string>> written;
    const std::string id = src.id.hex().substr(0, 16);
    std::lock_guard lock(mutex);
    if (!written.emplace(dir, id).second) return;
    std::error_code ec;
    fs::create_directories(dir / fs::path(prelude_name).parent_path(), ec);
    const fs::path file = dir / (src.kernel_names.front() + "." + id + ".cu");
    const bool prelude_ok = !written.emplace(dir, "prelude").second || write_whole(dir / prelude_name, device_prelude());
    if (ec || !prelude_ok || !write_whole(file, src.source))
        warn_once("JITFUSE_DUMP: cannot write generated sources into " + dir.string());
    else
        log(log_level::debug, "dumped " + file.string());
}

}  // namespace jitfuse::detail
