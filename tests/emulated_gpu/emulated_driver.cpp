// SPDX-License-Identifier: Apache-2.0
// libcuda.so.1 for the emulated GPU: the driver entry points jitfuse loads (cuda/driver.cpp),
// implemented on the host, so that the whole CUDA path (probe, contexts, streams, memory,
// modules, launches, errors) and every generated kernel run in CI without a GPU. Work runs
// when it is queued (streams are trivially ordered); a fault is sticky, as on a GPU.
// JITFUSE_EMULATED_GPUS sets the number of GPUs (1), JITFUSE_EMULATED_MEMORY_MB each one's
// memory (4096), JITFUSE_EMULATED_RECOVER=1 makes faults recoverable.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "block_runner.hpp"
#include "device_memory.hpp"
#include "module_compiler.hpp"

namespace {

using result = int;
constexpr result success = 0, invalid_value = 1, out_of_memory = 2, not_initialized = 3, invalid_device = 101,
                 invalid_image = 200, invalid_context = 201, invalid_handle = 400, not_found = 500,
                 illegal_address = 700, launch_failed = 719, not_supported = 801;

const char* name_of(result r) {
    switch (r) {
        case success: return "CUDA_SUCCESS";
        case invalid_value: return "CUDA_ERROR_INVALID_VALUE";
        case out_of_memory: return "CUDA_ERROR_OUT_OF_MEMORY";
        case not_initialized: return "CUDA_ERROR_NOT_INITIALIZED";
        case invalid_device: return "CUDA_ERROR_INVALID_DEVICE";
        case invalid_image: return "CUDA_ERROR_INVALID_IMAGE";
        case invalid_context: return "CUDA_ERROR_INVALID_CONTEXT";
        case invalid_handle: return "CUDA_ERROR_INVALID_HANDLE";
        case not_found: return "CUDA_ERROR_NOT_FOUND";
        case illegal_address: return "CUDA_ERROR_ILLEGAL_ADDRESS";
        case launch_failed: return "CUDA_ERROR_LAUNCH_FAILED";
        case not_supported: return "CUDA_ERROR_NOT_SUPPORTED";
        default: return nullptr;
    }
}

struct context {
    int device;
    std::atomic<result> sticky{success};  // the fault every later call reports
};
struct stream {
    context* owner;
};
struct function {
    jf_emu::kernel_entry entry;
    unsigned long long pointers;
    bool synchronizing;
    std::string name;
};
struct module {
    jf_emu::compiled_module compiled;
    std::mutex mutex;
    std::map<std::string, std::unique_ptr<function>> functions;
};

std::atomic<bool> initialized{false};
thread_local context* current = nullptr;
// One kernel runs at a time: a kernel's statics are the running block's shared memory.
std::mutex launch_mutex;

/// The integer in environment variable `name`, else `fallback`.
int setting(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

int device_count() { return setting("JITFUSE_EMULATED_GPUS", 1); }

std::vector<std::unique_ptr<context>>& contexts() {
    static auto& all = *new std::vector<std::unique_ptr<context>>([] {
        std::vector<std::unique_ptr<context>> v;
        for (int i = 0; i < device_count(); ++i) v.push_back(std::unique_ptr<context>(new context{i}));
        return v;
    }());
    return all;
}

/// Why work on `s` cannot run now, as a result; success when it can.
result check_stream(stream* s) {
    if (!initialized) return not_initialized;
    if (!s || !current) return invalid_context;
    if (s->owner != current) {
        std::fprintf(stderr, "emulated GPU: a stream of device %d used while device %d's context is current\n",
                     s->owner->device, current->device);
        return invalid_context;
    }
    return current->sticky.load();
}

/// JITFUSE_EMULATED_RECOVER=1 makes faults one-off (tests of faults run several per process).
bool faults_stick() {
    static const bool stick = [] {
        const char* v = std::getenv("JITFUSE_EMULATED_RECOVER");
        return !(v && std::string(v) == "1");
    }();
    return stick;
}

result fault(context* c, result r, const std::string& why) {
    std::fprintf(stderr, "emulated GPU %d: %s\n", c->device, why.c_str());
    if (faults_stick()) c->sticky = r;
    return r;
}

result copy(context* c, void* to, const void* from, std::size_t bytes, const void* device_side) {
    if (const std::string why = jf_emu::memory().check_range(device_side, bytes, c->device); !why.empty())
        return fault(c, illegal_address, "copy of " + std::to_string(bytes) + " bytes: " + why);
    std::memcpy(to, from, bytes);
    return success;
}

}  // namespace

extern "C" {

result cuInit(unsigned flags) {
    if (flags != 0) return invalid_value;
    initialized = true;
    return success;
}

// NVRTC itself opens libcuda.so.1 and asks it for the driver's private tables: there are none.
result cuGetExportTable(const void** table, const void*) {
    *table = nullptr;
    return not_supported;
}

result cuDriverGetVersion(int* version) {
    *version = setting("JITFUSE_EMULATED_DRIVER_VERSION", 13000);
    return success;
}

result cuGetErrorName(result r, const char** name) {
    *name = name_of(r);
    return *name ? success : invalid_value;
}
result cuGetErrorString(result r, const char** text) {
    *text = name_of(r) ? "reported by jitfuse's emulated GPU" : nullptr;
    return *text ? success : invalid_value;
}

result cuDeviceGetCount(int* count) {
    if (!initialized) return not_initialized;
    *count = device_count();
    return success;
}
result cuDeviceGet(int* device, int ordinal) {
    if (ordinal < 0 || ordinal >= device_count()) return invalid_device;
    *device = ordinal;
    return success;
}
result cuDeviceGetAttribute(int* value, int attribute, int device) {
    if (device < 0 || device >= device_count()) return invalid_device;
    switch (attribute) {
        case 16: *value = 4; return success;   // multiprocessors
        case 39: *value = 2048; return success;  // threads resident per multiprocessor
        // The compute capability: by default what the codegen check compiles for.
        case 75: *value = setting("JITFUSE_EMULATED_ARCH", 90) / 10; return success;
        case 76: *value = setting("JITFUSE_EMULATED_ARCH", 90) % 10; return success;
        default: return invalid_value;
    }
}
result cuDeviceGetName(char* name, int length, int device) {
    if (device < 0 || device >= device_count()) return invalid_device;
    std::snprintf(name, static_cast<std::size_t>(length), "jitfuse emulated GPU");
    return success;
}

result cuDevicePrimaryCtxRetain(context** ctx, int device) {
    if (device < 0 || device >= device_count()) return invalid_device;
    *ctx = contexts()[static_cast<std::size_t>(device)].get();
    return success;
}
result cuCtxSetCurrent(context* ctx) {
    current = ctx;
    return success;
}
result cuCtxGetCurrent(context** ctx) {
    *ctx = current;
    return success;
}

result cuStreamCreate(stream** s, unsigned) {
    if (!current) return invalid_context;
    *s = new stream{current};
    return success;
}
result cuStreamSynchronize(stream* s) { return check_stream(s); }

result cuDeviceGetDefaultMemPool(void** pool, int device) {
    if (device < 0 || device >= device_count()) return invalid_device;
    *pool = contexts()[static_cast<std::size_t>(device)].get();
    return success;
}
result cuMemPoolSetAttribute(void*, int, void*) { return success; }

result cuMemAllocAsync(unsigned long long* p, std::size_t bytes, stream* s) {
    if (const result r = check_stream(s)) return r;
    if (bytes == 0) return invalid_value;
    void* memory = jf_emu::memory().allocate(bytes, s->owner->device);
    if (!memory) return out_of_memory;
    *p = reinterpret_cast<unsigned long long>(memory);
    return success;
}
result cuMemFreeAsync(unsigned long long p, stream* s) {
    if (const result r = check_stream(s)) return r;
    if (!jf_emu::memory().release(reinterpret_cast<void*>(p)))
        return fault(s->owner, invalid_value, "cuMemFreeAsync of " + std::to_string(p) + ", which is no live allocation");
    return success;
}
result cuMemcpyHtoDAsync_v2(unsigned long long to, const void* from, std::size_t bytes, stream* s) {
    if (const result r = check_stream(s)) return r;
    return copy(s->owner, reinterpret_cast<void*>(to), from, bytes, reinterpret_cast<void*>(to));
}
result cuMemcpyDtoHAsync_v2(void* to, unsigned long long from, std::size_t bytes, stream* s) {
    if (const result r = check_stream(s)) return r;
    return copy(s->owner, to, reinterpret_cast<void*>(from), bytes, reinterpret_cast<void*>(from));
}

result cuModuleLoadData(module** m, const void* image) {
    if (!current) return invalid_context;
    auto loaded = std::make_unique<module>();
    loaded->compiled = jf_emu::compile_module(static_cast<const char*>(image));
    if (!loaded->compiled.error.empty()) {
        std::fprintf(stderr, "emulated GPU: cuModuleLoadData: %s\n", loaded->compiled.error.c_str());
        return invalid_image;
    }
    *m = loaded.release();
    return success;
}
result cuModuleGetFunction(function** f, module* m, const char* name) {
    std::lock_guard lock(m->mutex);
    auto& slot = m->functions[name];
    if (!slot) {
        void* entry = dlsym(m->compiled.library, (std::string(jf_emu::run_prefix) + name).c_str());
        void* pointers = dlsym(m->compiled.library, (std::string(jf_emu::pointers_prefix) + name).c_str());
        if (!entry || !pointers) return not_found;
        slot = std::make_unique<function>(function{reinterpret_cast<jf_emu::kernel_entry>(entry),
                                                   reinterpret_cast<jf_emu::pointer_params>(pointers)(),
                                                   m->compiled.synchronizing, name});
    }
    *f = slot.get();
    return success;
}

result cuLaunchKernel(function* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                      unsigned shared_bytes, stream* s, void** params, void** extra) {
    if (const result r = check_stream(s)) return r;
    context* c = s->owner;
    if (!f || extra || shared_bytes != 0) return invalid_value;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || std::uint64_t(bx) * by * bz > 1024 ||
        gy > 65535 || gz > 65535)
        return invalid_value;
    // Every pointer argument must point into (or be one past the end of) live memory of
    // this device, or be null.
    for (int i = 0; i < 64; ++i) {
        if (!(f->pointers >> i & 1)) continue;
        void* p = *static_cast<void**>(params[i]);
        if (!p) continue;
        if (const std::string why = jf_emu::memory().check_range(p, 0, c->device); !why.empty())
            return fault(c, illegal_address, f->name + ": parameter " + std::to_string(i) + ": " + why);
    }
    std::lock_guard lock(launch_mutex);
    const jf_emu::launch l{f->entry, params, {gx, gy, gz}, {bx, by, bz}, f->synchronizing};
    if (const std::string why = jf_emu::run_launch(l); !why.empty()) return fault(c, launch_failed, f->name + ": " + why);
    if (const std::string why = jf_emu::memory().check_guards(); !why.empty())
        return fault(c, illegal_address, f->name + ": " + why);
    return success;
}

// Every kernel fits as many threads as the emulated multiprocessor holds.
result cuOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, function* f, int threads, std::size_t) {
    if (!f || threads <= 0 || threads > 1024) return invalid_value;
    *blocks = 2048 / threads;
    return success;
}

}  // extern "C"
