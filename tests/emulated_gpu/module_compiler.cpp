// SPDX-License-Identifier: Apache-2.0
#include "module_compiler.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>

#include "emulated_thread.hpp"
#include "module_image.hpp"

namespace jf_emu {
namespace {

namespace fs = std::filesystem;

fs::path cache_dir() {
    if (const char* dir = std::getenv("JITFUSE_EMULATOR_CACHE"); dir && *dir) return dir;
    return fs::temp_directory_path() / ("jitfuse-emulator-" + std::to_string(getuid()));
}

/// The source with, after it, the two exported entries of each `extern "C" __global__` kernel.
std::string with_entries(std::string source) {
    static const std::regex kernel(R"(extern "C" __global__ void (\w+)\()");
    std::string entries;
    for (std::sregex_iterator it(source.begin(), source.end(), kernel), end; it != end; ++it) {
        const std::string name = (*it)[1];
        entries += "extern \"C\" __attribute__((visibility(\"default\"))) void " + std::string(run_prefix) + name +
                   "(void** p, const jf_emu::thread_context* c) { jf_emu::run(" + name + ", p, c); }\n";
        entries += "extern \"C\" __attribute__((visibility(\"default\"))) unsigned long long " +
                   std::string(pointers_prefix) + name + "() { return jf_emu::pointers(" + name + "); }\n";
    }
    return source + "\n" + entries;
}

std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string hex_hash(const std::string& bytes) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%016zx", std::hash<std::string>{}(bytes));
    return hex;
}

/// Runs `command`; its output goes to `log`. False when it failed.
bool run(const std::string& command, const fs::path& log) {
    return std::system((command + " > " + log.string() + " 2>&1").c_str()) == 0;
}

/// A folder with the kernel runtime and its precompiled header (a third of a module's compile
/// time), made once per `key`; the source folder when precompiling fails.
fs::path runtime_dir(const fs::path& cache, const std::string& flags, const std::string& key) {
    const fs::path ready = cache / ("runtime-" + key);
    if (fs::exists(ready / "kernel_runtime.hpp.gch")) return ready;
    std::error_code ec;
    const fs::path mine = cache / ("runtime-" + key + "." + std::to_string(getpid()));
    fs::create_directories(mine, ec);
    for (const char* header : {"kernel_runtime.hpp", "emulated_thread.hpp"})
        fs::copy_file(fs::path(JF_EMU_INCLUDE_DIR) / header, mine / header, fs::copy_options::overwrite_existing, ec);
    if (ec || !run(std::string(JF_EMU_CXX) + " " + flags + " -x c++-header " + (mine / "kernel_runtime.hpp").string() +
                       " -o " + (mine / "kernel_runtime.hpp.gch").string(),
                   mine / "pch.log")) {
        fs::remove_all(mine, ec);
        return JF_EMU_INCLUDE_DIR;
    }
    fs::rename(mine, ready, ec);  // another process may have been first: use its folder
    if (ec) fs::remove_all(mine, ec);
    return ready;
}

}  // namespace

compiled_module compile_module(const char* image) {
    compiled_module m;
    std::string_view text(image);
    if (!text.starts_with(image_marker)) {
        m.error = "not a module image of the emulated NVRTC";
        return m;
    }
    text.remove_prefix(image_marker.size());
    m.synchronizing = text.starts_with(synchronizing);
    text.remove_prefix(m.synchronizing ? synchronizing.size() : independent.size());

    const std::string flags = "-std=c++17 -O1 -fPIC -w -fno-strict-aliasing -fvisibility=hidden";
    const fs::path dir = cache_dir();
    std::error_code ec;
    fs::create_directories(dir, ec);
    // Keyed by everything the library is built from: the image, the flags and the runtime.
    static const std::string runtime = read_text(fs::path(JF_EMU_INCLUDE_DIR) / "kernel_runtime.hpp") +
                                       read_text(fs::path(JF_EMU_INCLUDE_DIR) / "emulated_thread.hpp");
    const std::string runtime_key = hex_hash(flags + runtime), key = hex_hash(std::string(text) + flags + runtime);
    const fs::path library = dir / (key + ".so");
    if (!fs::exists(library)) {
        // Written under names of this process, then renamed: concurrent test processes share
        // the folder.
        const std::string mine = key + "." + std::to_string(getpid());
        const fs::path source = dir / (mine + ".cpp"), built = dir / (mine + ".so"), log = dir / (mine + ".log");
        std::ofstream(source) << with_entries(std::string(text));
        const std::string command = std::string(JF_EMU_CXX) + " " + flags + " -shared -I" +
                                    runtime_dir(dir, flags, runtime_key).string() + " -include kernel_runtime.hpp -x c++ " +
                                    source.string() + " -o " + built.string();
        if (!run(command, log)) {
            m.error = "the host compiler rejected the module " + source.string() + ":\n" + read_text(log);
            return m;
        }
        fs::rename(built, library, ec);
        fs::remove(source, ec);
        fs::remove(log, ec);
    }
    m.library = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m.library) m.error = std::string("dlopen failed: ") + dlerror();
    return m;
}

}  // namespace jf_emu
