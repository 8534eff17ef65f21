// SPDX-License-Identifier: Apache-2.0
// libnvrtc.so.13 for the emulated GPU: every call goes to the real NVRTC (so compile errors,
// logs and PTX are NVRTC's own), except that the "CUBIN" of a program is an image the
// emulated driver can run: the source with its named headers inlined (module_image.hpp).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "module_image.hpp"

namespace {

using program = void*;
using status = int;

/// The real NVRTC, opened by path (the loader would find this library again by name).
void* real_nvrtc() {
    static void* lib = [] {
        std::string dirs[] = {std::getenv("CUDA_HOME") ? std::string(std::getenv("CUDA_HOME")) + "/lib64/" : "",
                              "/usr/local/cuda/lib64/"};
        for (const auto& dir : dirs)
            if (!dir.empty())
                if (void* l = dlopen((dir + "libnvrtc.so.13").c_str(), RTLD_NOW | RTLD_LOCAL)) return l;
        std::fprintf(stderr, "emulated NVRTC: the real libnvrtc.so.13 was not found\n");
        std::abort();
    }();
    return lib;
}

template <class F>
F real(const char* name) {
    void* f = dlsym(real_nvrtc(), name);
    if (!f) {
        std::fprintf(stderr, "emulated NVRTC: the real NVRTC lacks %s\n", name);
        std::abort();
    }
    return reinterpret_cast<F>(f);
}

std::mutex images_mutex;
std::map<program, std::string> images;  // the emulator image of each live program

}  // namespace

extern "C" {

const char* nvrtcGetErrorString(status s) { return real<const char* (*)(status)>("nvrtcGetErrorString")(s); }
// The real version plus 100 minor versions: the version is part of the kernel disk cache's
// key, so images of the emulator and real CUBINs never share an entry, whatever folder a run
// uses (the real library is always 13.x here, so nvrtc_options' feature checks still hold).
status nvrtcVersion(int* major, int* minor) {
    const status s = real<status (*)(int*, int*)>("nvrtcVersion")(major, minor);
    *minor += 100;
    return s;
}

status nvrtcCreateProgram(program* p, const char* source, const char* name, int headers, const char* const* texts,
                          const char* const* names) {
    const status s = real<status (*)(program*, const char*, const char*, int, const char* const*, const char* const*)>(
        "nvrtcCreateProgram")(p, source, name, headers, texts, names);
    if (s == 0) {
        std::lock_guard lock(images_mutex);
        images[*p] = jf_emu::make_image(source, headers, texts, names);
    }
    return s;
}

status nvrtcDestroyProgram(program* p) {
    {
        std::lock_guard lock(images_mutex);
        images.erase(*p);
    }
    return real<status (*)(program*)>("nvrtcDestroyProgram")(p);
}

status nvrtcCompileProgram(program p, int count, const char* const* options) {
    return real<status (*)(program, int, const char* const*)>("nvrtcCompileProgram")(p, count, options);
}
status nvrtcGetProgramLogSize(program p, std::size_t* size) {
    return real<status (*)(program, std::size_t*)>("nvrtcGetProgramLogSize")(p, size);
}
status nvrtcGetProgramLog(program p, char* log) { return real<status (*)(program, char*)>("nvrtcGetProgramLog")(p, log); }
status nvrtcGetPTXSize(program p, std::size_t* size) { return real<status (*)(program, std::size_t*)>("nvrtcGetPTXSize")(p, size); }
status nvrtcGetPTX(program p, char* ptx) { return real<status (*)(program, char*)>("nvrtcGetPTX")(p, ptx); }
status nvrtcGetNumSupportedArchs(int* count) { return real<status (*)(int*)>("nvrtcGetNumSupportedArchs")(count); }
status nvrtcGetSupportedArchs(int* archs) { return real<status (*)(int*)>("nvrtcGetSupportedArchs")(archs); }

status nvrtcGetCUBINSize(program p, std::size_t* size) {
    std::lock_guard lock(images_mutex);
    *size = images.at(p).size() + 1;
    return 0;
}
status nvrtcGetCUBIN(program p, char* cubin) {
    std::lock_guard lock(images_mutex);
    const std::string& image = images.at(p);
    std::memcpy(cubin, image.c_str(), image.size() + 1);
    return 0;
}

}  // extern "C"
