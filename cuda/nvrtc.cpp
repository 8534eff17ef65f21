// SPDX-License-Identifier: Apache-2.0
// NVRTC through dlopen: the few entry points jitfuse uses are declared here, so building needs
// no CUDA toolkit and running needs libnvrtc only when a kernel is compiled.
#include "jitfuse/detail/nvrtc.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "jitfuse/detail/codegen.hpp"
#include "dynamic_symbol.hpp"
#include "jitfuse/error.hpp"

namespace jitfuse::detail {
namespace {

using nvrtc_program = struct nvrtc_program_opaque*;
using status = int;  // nvrtcResult; 0 is NVRTC_SUCCESS

struct nvrtc_api {
    const char* (*get_error_string)(status);
    status (*version)(int*, int*);
    status (*create_program)(nvrtc_program*, const char*, const char*, int, const char* const*, const char* const*);
    status (*destroy_program)(nvrtc_program*);
    status (*compile_program)(nvrtc_program, int, const char* const*);
    status (*get_program_log_size)(nvrtc_program, std::size_t*);
    status (*get_program_log)(nvrtc_program, char*);
    status (*get_cubin_size)(nvrtc_program, std::size_t*);
    status (*get_cubin)(nvrtc_program, char*);
    status (*get_ptx_size)(nvrtc_program, std::size_t*);
    status (*get_ptx)(nvrtc_program, char*);
    status (*num_supported_archs)(int*);
    status (*supported_archs)(int*);
    std::string missing;  // why it could not be loaded; empty when loaded
};

void resolve_in(void* lib, const char* name, auto& fn, std::string& missing) {
    resolve_symbol(lib, name, fn, missing, "libnvrtc");
}

nvrtc_api load() {
    nvrtc_api api{};
#ifdef JITFUSE_NO_CUDA
    api.missing = "jitfuse was built with JITFUSE_ENABLE_CUDA=OFF";
    return api;
#else
    // The loader's search path first, then the usual toolkit folders.
    std::vector<std::string> dirs = {""};
    if (const char* home = std::getenv("CUDA_HOME"); home && *home) dirs.push_back(std::string(home) + "/lib64/");
    dirs.push_back("/usr/local/cuda/lib64/");
    std::string tried;
    void* lib = nullptr;
    for (const auto& dir : dirs)
        for (const char* name : {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"}) {
            if (!lib) lib = dlopen((dir + name).c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!lib) tried += (tried.empty() ? "" : ", ") + dir + name;
        }
    if (!lib) {
        api.missing = "NVRTC not found (tried " + tried + ")";
        return api;
    }
    std::string& m = api.missing;
    resolve_in(lib, "nvrtcGetErrorString", api.get_error_string, m);
    resolve_in(lib, "nvrtcVersion", api.version, m);
    resolve_in(lib, "nvrtcCreateProgram", api.create_program, m);
    resolve_in(lib, "nvrtcDestroyProgram", api.destroy_program, m);
    resolve_in(lib, "nvrtcCompileProgram", api.compile_program, m);
    resolve_in(lib, "nvrtcGetProgramLogSize", api.get_program_log_size, m);
    resolve_in(lib, "nvrtcGetProgramLog", api.get_program_log, m);
    resolve_in(lib, "nvrtcGetCUBINSize", api.get_cubin_size, m);
    resolve_in(lib, "nvrtcGetCUBIN", api.get_cubin, m);
    resolve_in(lib, "nvrtcGetPTXSize", api.get_ptx_size, m);
    resolve_in(lib, "nvrtcGetPTX", api.get_ptx, m);
    resolve_in(lib, "nvrtcGetNumSupportedArchs", api.num_supported_archs, m);
    resolve_in(lib, "nvrtcGetSupportedArchs", api.supported_archs, m);
    return api;
#endif
}

const nvrtc_api& api() {
    static const nvrtc_api instance = load();
    return instance;
}

const nvrtc_api& require_api() {
    const nvrtc_api& a = api();
    if (!a.missing.empty()) throw device_error("cannot compile CUDA kernels: " + a.missing);
    return a;
}

void check(const nvrtc_api& a, status s, const char* call) {
    if (s != 0) throw error(std::string("NVRTC ") + call + " failed: " + a.get_error_string(s));
}

/// The source with line numbers, as compile errors show it.
std::string numbered(const std::string& source) {
    std::string out;
    int line = 1;
    std::size_t start = 0;
    while (start < source.size()) {
        const std::size_t end = source.find('\n', start);
        const std::string text = source.substr(start, end == std::string::npos ? std::string::npos : end - start);
        std::string number = std::to_string(line++);
        out += std::string(number.size() < 4 ? 4 - number.size() : 0, ' ') + number + "  " + text + '\n';
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

}  // namespace

std::string nvrtc_unavailable_reason() { return api().missing; }

namespace {
/// (major, minor) of the loaded NVRTC.
std::pair<int, int> loaded_version() {
    const nvrtc_api& a = require_api();
    int major = 0, minor = 0;
    check(a, a.version(&major, &minor), "nvrtcVersion");
    return {major, minor};
}

/// NVRTC 12.4 and later know -minimal and --split-compile.
bool knows_minimal_and_split() {
    const auto [major, minor] = loaded_version();
    return major > 12 || (major == 12 && minor >= 4);
}
}  // namespace

std::string nvrtc_version() {
    const auto [major, minor] = loaded_version();
    return std::to_string(major) + "." + std::to_string(minor);
}

namespace {
/// 90 for "sm_90", "sm_90a" or "sm_90f" (arch- and family-specific variants); 0 for anything else.
int arch_number(std::string_view arch) {
    if (!arch.starts_with("sm_")) return 0;
    int sm = 0;
    const char* const last = arch.data() + arch.size();
    const auto [end, ec] = std::from_chars(arch.data() + 3, last, sm);
    const bool variant = end + 1 == last && (*end == 'a' || *end == 'f');
    return ec == std::errc{} && (end == last || variant) ? sm : 0;
}
}  // namespace

int nvrtc_major_version() { return loaded_version().first; }

std::string nvrtc_arch_refusal(std::string_view arch) {
    static const std::vector<int> archs = [] {  // ascending
        const nvrtc_api& a = require_api();
        int count = 0;
        check(a, a.num_supported_archs(&count), "nvrtcGetNumSupportedArchs");
        std::vector<int> known(static_cast<std::size_t>(count));
        if (count > 0) check(a, a.supported_archs(known.data()), "nvrtcGetSupportedArchs");
        return known;
    }();
    if (const int sm = arch_number(arch); sm > 0 && std::find(archs.begin(), archs.end(), sm) != archs.end()) return {};
    std::string known;
    if (!archs.empty())
        known = " (it knows sm_" + std::to_string(archs.front()) + " to sm_" + std::to_string(archs.back()) + ")";
    return "NVRTC " + nvrtc_version() + " cannot compile for " + std::string(arch) + known;
}

std::vector<std::string> nvrtc_options(bool fast_math) {
    std::vector<std::string> options = {"-std=c++17"};
    // -minimal (NVRTC >= 12.4) leaves out texture, cudadevrt and runtime-API declarations the
    // generated kernels never use: measured 5-10% off a cold compile (MEASUREMENTS.md setup).
    if (knows_minimal_and_split()) options.emplace_back("-minimal");
    // Strict: a * b + c stays two correctly rounded operations, as on the CPU (whose loops
    // never contract), so both give the same bits; NVRTC would fuse it into one fma.
    // Fast math allows that fusion, and nothing more: --use_fast_math's intrinsics (__sinf,
    // __expf, flushed denormals) miss the 3.5 ULP that fast math promises by far.
    options.emplace_back(fast_math ? "--fmad=true" : "--fmad=false");
    return options;
}

namespace {
std::size_t kernel_count(std::string_view source) {
    std::size_t count = 0;
    for (auto at = source.find("__global__"); at != std::string_view::npos; at = source.find("__global__", at + 1)) ++count;
    return count;
}
}  // namespace

compiled_kernel nvrtc_compile(const std::string& source, std::string_view arch, const std::vector<std::string>& options,
                              bool want_ptx) {
    const nvrtc_api& a = require_api();
    // An arch NVRTC does not know is the caller's mistake, not the kernel's: say so, not the log.
    if (const std::string why = nvrtc_arch_refusal(arch); !why.empty()) throw device_error(why);
    const auto start = std::chrono::steady_clock::now();
    const std::string prelude(device_prelude());
    const char* header_text[] = {prelude.c_str()};
    const char* header_name[] = {prelude_name.data()};
    nvrtc_program program = nullptr;
    check(a, a.create_program(&program, source.c_str(), kernel_source_name.data(), 1, header_text, header_name),
          "nvrtcCreateProgram");
    struct destroy {
        const nvrtc_api& a;
        nvrtc_program& p;
        ~destroy() { a.destroy_program(&p); }
    } guard{a, program};

    const std::string arch_option = "--gpu-architecture=" + std::string(arch);
    std::vector<const char*> argv = {arch_option.c_str()};
    for (const auto& o : options) argv.push_back(o.c_str());
    // A module of several kernels (a reduction and its final pass, a codegen-check batch) has
    // them optimized on parallel threads: an axis reduction 150 -> 105 ms on 2 cores. With one
    // kernel there is nothing to split and the threads cost ~2 ms. The kernels' code is the
    // same either way (compared section by section), so this is not part of the cache key.
    if (kernel_count(source) > 1 && knows_minimal_and_split()) argv.push_back("--split-compile=0");
    const status compiled = a.compile_program(program, static_cast<int>(argv.size()), argv.data());
    std::size_t log_size = 0;
    a.get_program_log_size(program, &log_size);
    std::string log(log_size, '\0');
    if (log_size > 1) a.get_program_log(program, log.data());
    while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    if (compiled != 0) {
        const std::string first = log.substr(0, log.find('\n'));
        // A user's function to blame comes first: the message then opens on the user's code.
        const std::string blame = blame_user_function(source, log);
        const std::string headline =
            blame.empty() ? "NVRTC could not compile a generated kernel for " + std::string(arch) + ": " + first
                          : blame + first + " (NVRTC, " + std::string(arch) + ")";
        throw compile_error(headline + "\n--- source ---\n" + numbered(source) + "--- NVRTC log ---\n" + log,
                            numbered(source), log);
    }
    compiled_kernel out;
    std::size_t size = 0;
    check(a, a.get_cubin_size(program, &size), "nvrtcGetCUBINSize");
    out.cubin.resize(size);
    check(a, a.get_cubin(program, out.cubin.data()), "nvrtcGetCUBIN");
    if (want_ptx) {
        check(a, a.get_ptx_size(program, &size), "nvrtcGetPTXSize");
        out.ptx.resize(size);
        check(a, a.get_ptx(program, out.ptx.data()), "nvrtcGetPTX");
        while (!out.ptx.empty() && out.ptx.back() == '\0') out.ptx.pop_back();
    }
    out.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return out;
}

}  // namespace jitfuse::detail
