// SPDX-License-Identifier: Apache-2.0
// The CUDA driver API through dlopen: the few entry points jitfuse uses are declared here (the
// ABI of cuda.h, which is stable), so building needs no CUDA toolkit and running needs no
// driver. One probe per process finds the GPUs; each gets its primary context, one
// non-blocking stream that orders all its work, and a memory pool that keeps freed memory.
#include "jitfuse/detail/cuda_driver.hpp"

#include <dlfcn.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "jitfuse/detail/nvrtc.hpp"
#include "dynamic_symbol.hpp"
#include "jitfuse/error.hpp"
#include "jitfuse/stats.hpp"

namespace jitfuse::detail::cuda {
namespace {

using result = int;  // CUresult; 0 is CUDA_SUCCESS
using device_handle = int;
using context = struct context_opaque*;
using stream = struct stream_opaque*;
using module = struct module_opaque*;
using function = struct function_opaque*;
using memory_pool = struct memory_pool_opaque*;
using device_pointer = unsigned long long;

// cuda.h values jitfuse reads.
constexpr result error_out_of_memory = 2;
constexpr result error_stub_library = 34;
constexpr result error_device_unavailable = 46;
constexpr result error_no_device = 100;
constexpr result error_system_driver_mismatch = 803;
constexpr result error_compat_not_supported = 804;

/// Errors after which, says cuda.h, the context cannot be used again in this process: a
/// kernel faulted (illegal address or instruction, misaligned access, device assert, ...).
bool is_sticky(result r) {
    switch (r) {
        case 214: case 226: case 700: case 702: case 710: case 714: case 715:
        case 716: case 717: case 718: case 719: case 721: return true;
        default: return false;
    }
}
constexpr int attribute_multiprocessors = 16;
constexpr int attribute_threads_per_multiprocessor = 39;
constexpr int attribute_compute_major = 75;
constexpr int attribute_compute_minor = 76;
constexpr unsigned stream_non_blocking = 1;
constexpr int pool_release_threshold = 4;

struct driver_api {
    result (*init)(unsigned);
    result (*driver_version)(int*);
    result (*get_error_name)(result, const char**);
    result (*get_error_string)(result, const char**);
    result (*device_count)(int*);
    result (*device_get)(device_handle*, int);
    result (*device_attribute)(int*, int, device_handle);
    result (*device_name)(char*, int, device_handle);
    result (*primary_context_retain)(context*, device_handle);
    result (*set_current)(context);
    result (*get_current)(context*);
    result (*stream_create)(stream*, unsigned);
    result (*stream_synchronize)(stream);
    result (*default_pool)(memory_pool*, device_handle);
    result (*pool_set_attribute)(memory_pool, int, void*);
    result (*alloc_async)(device_pointer*, std::size_t, stream);
    result (*free_async)(device_pointer, stream);
    result (*copy_to_device)(device_pointer, const void*, std::size_t, stream);
    result (*copy_to_host)(void*, device_pointer, std::size_t, stream);
    result (*module_load)(module*, const void*);
    result (*module_function)(function*, module, const char*);
    result (*launch)(function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, stream, void**, void**);
    result (*occupancy)(int*, function, int, std::size_t);
};

void resolve_in(void* lib, const char* name, auto& fn, std::string& missing) {
    resolve_symbol(lib, name, fn, missing, "the CUDA driver");
}

std::string error_name(const driver_api& api, result r) {
    const char* name = nullptr;
    const char* text = nullptr;
    if (api.get_error_name(r, &name) != 0 || !name) return "CUDA error " + std::to_string(r);
    api.get_error_string(r, &text);
    return std::string(name) + (text ? std::string(" (") + text + ")" : "");
}

struct loaded_function {
    function handle = nullptr;
    std::unordered_map<int, int> resident_blocks;  // by threads per block, asked once each
};

struct loaded_module {
    kernel_binary binary;  // keeps the CUBIN, and so the map's key, alive
    module handle = nullptr;
    std::unordered_map<std::string, loaded_function> functions;
};

struct gpu_state {
    gpu_info info;
    context ctx = nullptr;
    stream queue = nullptr;
    std::mutex modules_mutex;
    std::unordered_map<const std::vector<char>*, loaded_module> modules;
};

struct runtime {
    driver_api api{};
    std::string reason;  // why CUDA cannot be used; empty when it can
    std::vector<std::unique_ptr<gpu_state>> gpus;
};

/// Why cuInit refused, as a user would want to hear it.
std::string init_failure(const driver_api& api, result r) {
    switch (r) {
        case error_stub_library:
            return "the libcuda found is the CUDA toolkit's stub library, not a driver (is the NVIDIA driver installed?)";
        case error_no_device: return "no GPU (the CUDA driver sees none)";
        case error_device_unavailable: return "every GPU is busy or unavailable (exclusive-process mode?)";
        case error_system_driver_mismatch:
        case error_compat_not_supported:
            return "the CUDA driver library does not match the installed kernel driver: " + error_name(api, r);
        default: return "cuInit failed: " + error_name(api, r);
    }
}

/// Context `ctx` (of cuda:`index`) current on this thread while the scope lasts; the one
/// current before comes back after, so that code around jitfuse (the CUDA runtime, other
/// libraries) keeps its device. Asked each time rather than remembered: that code may switch
/// contexts too.
class context_scope {
public:
    context_scope(const driver_api& api, context ctx, int index) : api_(api) {
        if (api.get_current(&previous_) != 0) previous_ = nullptr;
        if (previous_ == ctx) return;
        if (const result r = api.set_current(ctx))
            throw device_error("cuCtxSetCurrent failed on cuda:" + std::to_string(index) + ": " + error_name(api, r));
        switched_ = true;
    }
    ~context_scope() {
        if (switched_) api_.set_current(previous_);
    }
    context_scope(const context_scope&) = delete;
    context_scope& operator=(const context_scope&) = delete;

private:
    const driver_api& api_;
    context previous_ = nullptr;
    bool switched_ = false;
};

/// Sets up GPU `i`'s context, stream and pool; returns why it cannot, or "".
std::string open_gpu(const driver_api& api, int i, gpu_state& g) {
    device_handle dev = 0;
    int major = 0, minor = 0;
    char name[256] = {};
    const auto fail = [&](const char* call, result r) {
        return "cuda:" + std::to_string(i) + ": " + call + " failed: " + error_name(api, r);
    };
    if (result r = api.device_get(&dev, i)) return fail("cuDeviceGet", r);
    if (result r = api.device_attribute(&major, attribute_compute_major, dev)) return fail("cuDeviceGetAttribute", r);
    if (result r = api.device_attribute(&minor, attribute_compute_minor, dev)) return fail("cuDeviceGetAttribute", r);
    if (result r = api.device_attribute(&g.info.multiprocessors, attribute_multiprocessors, dev))
        return fail("cuDeviceGetAttribute", r);
    if (result r = api.device_attribute(&g.info.threads_per_multiprocessor, attribute_threads_per_multiprocessor, dev))
        return fail("cuDeviceGetAttribute", r);
    if (result r = api.device_name(name, sizeof(name) - 1, dev)) return fail("cuDeviceGetName", r);
    g.info.name = name;
    g.info.arch = "sm_" + std::to_string(major) + std::to_string(minor);
    if (std::string why = nvrtc_arch_refusal(g.info.arch); !why.empty())
        return "cuda:" + std::to_string(i) + " (" + g.info.name + ", " + g.info.arch + "): " + why;
    if (result r = api.primary_context_retain(&g.ctx, dev)) return fail("cuDevicePrimaryCtxRetain", r);
    try {
        const context_scope scope(api, g.ctx, i);
        if (result r = api.stream_create(&g.queue, stream_non_blocking)) return fail("cuStreamCreate", r);
    } catch (const device_error& e) {
        return e.what();
    }
    // Freed memory stays in the pool for the next allocation instead of going back to the
    // driver at every synchronization: allocations then cost what a cached allocator costs.
    memory_pool pool = nullptr;
    std::uint64_t keep_all = std::numeric_limits<std::uint64_t>::max();
    if (result r = api.default_pool(&pool, dev)) return fail("cuDeviceGetDefaultMemPool", r);
    if (result r = api.pool_set_attribute(pool, pool_release_threshold, &keep_all)) return fail("cuMemPoolSetAttribute", r);
    return {};
}

#ifdef JITFUSE_NO_CUDA
constexpr bool built_without_cuda = true;
#else
constexpr bool built_without_cuda = false;
#endif

runtime probe() {
    runtime rt;
    if (built_without_cuda) {
        rt.reason = "jitfuse was built with JITFUSE_ENABLE_CUDA=OFF";
        return rt;
    }
    // The driver installs libcuda.so.1; plain libcuda.so is a development link, or the
    // toolkit's stub when its folder is on the library path (then cuInit says so).
    void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        rt.reason = "no CUDA driver (libcuda.so.1 not found)";
        return rt;
    }
    driver_api& a = rt.api;
    std::string& m = rt.reason;
    resolve_in(lib, "cuInit", a.init, m);
    resolve_in(lib, "cuDriverGetVersion", a.driver_version, m);
    resolve_in(lib, "cuGetErrorName", a.get_error_name, m);
    resolve_in(lib, "cuGetErrorString", a.get_error_string, m);
    resolve_in(lib, "cuDeviceGetCount", a.device_count, m);
    resolve_in(lib, "cuDeviceGet", a.device_get, m);
    resolve_in(lib, "cuDeviceGetAttribute", a.device_attribute, m);
    resolve_in(lib, "cuDeviceGetName", a.device_name, m);
    resolve_in(lib, "cuDevicePrimaryCtxRetain", a.primary_context_retain, m);
    resolve_in(lib, "cuCtxSetCurrent", a.set_current, m);
    resolve_in(lib, "cuCtxGetCurrent", a.get_current, m);
    resolve_in(lib, "cuStreamCreate", a.stream_create, m);
    resolve_in(lib, "cuStreamSynchronize", a.stream_synchronize, m);
    resolve_in(lib, "cuDeviceGetDefaultMemPool", a.default_pool, m);
    resolve_in(lib, "cuMemPoolSetAttribute", a.pool_set_attribute, m);
    resolve_in(lib, "cuMemAllocAsync", a.alloc_async, m);
    resolve_in(lib, "cuMemFreeAsync", a.free_async, m);
    resolve_in(lib, "cuMemcpyHtoDAsync_v2", a.copy_to_device, m);
    resolve_in(lib, "cuMemcpyDtoHAsync_v2", a.copy_to_host, m);
    resolve_in(lib, "cuModuleLoadData", a.module_load, m);
    resolve_in(lib, "cuModuleGetFunction", a.module_function, m);
    resolve_in(lib, "cuLaunchKernel", a.launch, m);
    resolve_in(lib, "cuOccupancyMaxActiveBlocksPerMultiprocessor", a.occupancy, m);
    if (!m.empty()) {
        m += " (jitfuse needs a driver for CUDA 11.2 or newer)";
        return rt;
    }
    if (result r = a.init(0)) {
        m = init_failure(a, r);
        return rt;
    }
    int count = 0;
    if (result r = a.device_count(&count)) {
        m = "cuDeviceGetCount failed: " + error_name(a, r);
        return rt;
    }
    if (count == 0) {
        m = "no GPU (the CUDA driver sees none)";
        return rt;
    }
    if (const std::string why = nvrtc_unavailable_reason(); !why.empty()) {
        m = "kernels cannot be compiled: " + why;
        return rt;
    }
    // A CUBIN loads on a driver of its NVRTC's major version or newer (minor versions are
    // compatible both ways).
    if (int version = 0; a.driver_version(&version) == 0 && version / 1000 < nvrtc_major_version()) {
        m = "the CUDA driver supports CUDA " + std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10) +
            ", older than NVRTC " + nvrtc_version() + ", whose kernels it cannot load (update the driver, or let jitfuse find "
            "only an NVRTC " + std::to_string(version / 1000) + ": it tries libnvrtc.so.13 first)";
        return rt;
    }
    for (int i = 0; i < count; ++i) {
        auto g = std::make_unique<gpu_state>();
        if (std::string why = open_gpu(a, i, *g); !why.empty()) {
            m = std::move(why);
            rt.gpus.clear();
            return rt;
        }
        rt.gpus.push_back(std::move(g));
    }
    return rt;
}

runtime& instance() {
    // Never destroyed: arrays in static storage may free their GPU memory after any static
    // of this file would be gone (the driver then refuses quietly).
    static runtime& rt = *new runtime(probe());
    return rt;
}

/// GPU `index`, checked to exist and be usable.
gpu_state& gpu_at(int index) {
    runtime& rt = instance();
    if (!rt.reason.empty()) throw device_error("cannot use cuda:" + std::to_string(index) + ": " + rt.reason);
    if (index < 0 || index >= static_cast<int>(rt.gpus.size()))
        throw device_error("cuda:" + std::to_string(index) + " does not exist: this machine has " +
                           std::to_string(rt.gpus.size()) + " usable GPU" + (rt.gpus.size() == 1 ? "" : "s"));
    return *rt.gpus[index];
}

/// GPU `index`, its context current on this thread while this lasts.
struct current_gpu {
    gpu_state& state;
    context_scope scope;
    explicit current_gpu(int index) : state(gpu_at(index)), scope(instance().api, state.ctx, index) {}
};

/// Turns a failed driver call into the matching jitfuse error.
void check(result r, const char* call, int index) {
    if (r == 0) return;
    const driver_api& api = instance().api;
    const std::string where = std::string(call) + " on cuda:" + std::to_string(index) + ": ";
    if (r == error_out_of_memory) throw out_of_memory(where + "out of GPU memory");
    if (is_sticky(r))
        throw device_error(where + error_name(api, r) +
                           "; a kernel faulted, and CUDA cannot use this GPU again in this process");
    throw device_error(where + error_name(api, r));
}

/// Kernel `name` of `binary`, its module loaded on GPU `g` on first use. The caller holds
/// g.modules_mutex (the entry is reached by reference).
loaded_function& kernel_function(gpu_state& g, const kernel_binary& binary, const std::string& name, int index) {
    const driver_api& api = instance().api;
    loaded_module& m = g.modules[binary.get()];
    if (!m.handle) {
        check(api.module_load(&m.handle, binary->data()), "cuModuleLoadData", index);
        m.binary = binary;
    }
    loaded_function& f = m.functions[name];
    if (!f.handle) check(api.module_function(&f.handle, m.handle, name.c_str()), "cuModuleGetFunction", index);
    return f;
}

}  // namespace

const std::string& unavailable_reason() { return instance().reason; }

int gpu_count() { return static_cast<int>(instance().gpus.size()); }

const gpu_info& gpu(int index) { return gpu_at(index).info; }

void* allocate(std::size_t bytes, int index) {
    const current_gpu current(index);
    gpu_state& g = current.state;
    if (bytes == 0) return nullptr;
    device_pointer p = 0;
    const result r = instance().api.alloc_async(&p, bytes, g.queue);
    if (r == error_out_of_memory)  // worded as the CPU's
        throw out_of_memory("cannot allocate " + std::to_string(bytes) + " bytes on cuda:" + std::to_string(index) +
                            " (out of GPU memory)");
    check(r, "cuMemAllocAsync", index);
    auto& c = stat_counters();
    c.allocations.fetch_add(1, std::memory_order_relaxed);
    c.allocated_bytes.fetch_add(bytes, std::memory_order_relaxed);
    return reinterpret_cast<void*>(p);
}

void release(void* p, int index) noexcept {
    if (!p) return;
    try {
        const current_gpu current(index);
        instance().api.free_async(reinterpret_cast<device_pointer>(p), current.state.queue);
    } catch (const error&) {
        // The context is gone (a kernel faulted): its memory went with it.
    }
}

void copy_to_device(void* destination, const void* source, std::size_t bytes, int index) {
    if (bytes == 0) return;
    const current_gpu current(index);
    gpu_state& g = current.state;
    check(instance().api.copy_to_device(reinterpret_cast<device_pointer>(destination), source, bytes, g.queue),
          "cuMemcpyHtoDAsync", index);
    // The driver documents no point before the stream reaches the copy at which `source` may
    // be reused (from pinned memory the DMA runs later): wait, so callers may free it.
    synchronize(index);
}

void copy_to_host(void* destination, const void* source, std::size_t bytes, int index) {
    if (bytes == 0) return synchronize(index);
    const current_gpu current(index);
    gpu_state& g = current.state;
    check(instance().api.copy_to_host(destination, reinterpret_cast<device_pointer>(source), bytes, g.queue),
          "cuMemcpyDtoHAsync", index);
    synchronize(index);
}

void synchronize(int index) {
    const current_gpu current(index);
    gpu_state& g = current.state;
    check(instance().api.stream_synchronize(g.queue), "cuStreamSynchronize", index);
}

void launch(const kernel_binary& binary, const kernel_entry& kernel, kernel_args& args, const launch_shape& shape, int index) {
    check_arguments(args, kernel);
    const current_gpu current(index);
    gpu_state& g = current.state;
    function f = nullptr;
    {
        std::lock_guard lock(g.modules_mutex);
        f = kernel_function(g, binary, kernel.name, index).handle;
    }
    std::vector<void*> params = args.pointers();
    check(instance().api.launch(f, shape.grid[0], shape.grid[1], shape.grid[2], shape.block[0], shape.block[1],
                                shape.block[2], 0, g.queue, params.data(), nullptr),
          "cuLaunchKernel", index);
    stat_counters().cuda_launches.fetch_add(1, std::memory_order_relaxed);
}

int resident_blocks(const kernel_binary& binary, const kernel_entry& kernel, int threads, int index) {
    const current_gpu current(index);
    gpu_state& g = current.state;
    std::lock_guard lock(g.modules_mutex);
    loaded_function& f = kernel_function(g, binary, kernel.name, index);
    const auto [at, fresh] = f.resident_blocks.try_emplace(threads, 0);
    if (fresh)
        check(instance().api.occupancy(&at->second, f.handle, threads, 0), "cuOccupancyMaxActiveBlocksPerMultiprocessor",
              index);
    return at->second;
}

}  // namespace jitfuse::detail::cuda
