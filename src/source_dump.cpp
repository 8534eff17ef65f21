// SPDX-License-Identifier: Apache-2.0
// JITFUSE_DUMP: generated sources written out as the files NVRTC compiles.
#include <mutex>
#include <set>
#include <string>

#include "jitfuse/detail/atomic_file.hpp"
#include "jitfuse/detail/kernel_plan.hpp"
#include "jitfuse/detail/log.hpp"

namespace jitfuse::detail {
namespace fs = std::filesystem;

void dump_source(const generated_source& src) {
    const fs::path& dir = config().dump_dir;
    if (dir.empty()) return;
    static std::mutex mutex;
    static std::set<std::pair<fs::path, std::string>> written;
    const std::string id = src.id.hex().substr(0, 16);
    std::lock_guard lock(mutex);
    if (!written.emplace(dir, id).second) return;
    std::error_code ec;
    fs::create_directories(dir / fs::path(prelude_name).parent_path(), ec);
    const fs::path file = dir / (src.kernels.front().name + "." + id + ".cu");
    const bool prelude_ok = !written.emplace(dir, "prelude").second ||
                            write_file_atomically(dir / prelude_name, device_prelude(), 0644).empty();
    if (ec || !prelude_ok || !write_file_atomically(file, src.source, 0644).empty())
        warn_once("JITFUSE_DUMP: cannot write generated sources into " + dir.string());
    else
        log(log_level::debug, "dumped " + file.string());
}

}  // namespace jitfuse::detail
