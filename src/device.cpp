// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/device.hpp"

#include <optional>
#include <string>

#include "jitfuse/config.hpp"
#include "jitfuse/cpu/thread_pool.hpp"
#include "jitfuse/cpu/vector_math.hpp"
#include "jitfuse/detail/cuda_driver.hpp"
#include "jitfuse/detail/evaluate.hpp"
#include "jitfuse/error.hpp"

namespace jitfuse {
namespace {

namespace cuda = detail::cuda;

/// The GPU `JITFUSE_DEVICE` (or `jf::config().device`) asks for ("cuda" is cuda:0), if any.
std::optional<int> requested_gpu() {
    return detail::requested_gpu(config().device, "JITFUSE_DEVICE (jf::config().device)");
}

/// "1 GPU (cuda:0 is NVIDIA H200, sm_90)".
std::string gpus_found() {
    const int count = cuda::gpu_count();
    const cuda::gpu_info& first = cuda::gpu(0);
    return std::to_string(count) + " GPU" + (count == 1 ? "" : "s") + " (cuda:0 is " + first.name + ", " + first.arch + ")";
}

}  // namespace

std::string device::to_string() const {
    return is_cpu() ? "cpu" : "cuda:" + std::to_string(index_);
}

// The GPU becomes the default only when asked for, until the CUDA evaluator has been run on
// one (DESIGN.md makes the first usable GPU the default; scripts/gpu_check.sh verifies it).
device default_device() {
    const std::optional<int> gpu = requested_gpu();
    if (!gpu) return device::cpu();
    if (const std::string& why = cuda::unavailable_reason(); !why.empty())
        throw device_error("JITFUSE_DEVICE=" + config().device + " asks for a GPU, but CUDA cannot be used: " + why);
    (void)cuda::gpu(*gpu);  // one that does not exist: a device_error saying how many there are
    return device::cuda(*gpu);
}

std::string backend_info() {
    const std::string cpu = std::to_string(cpu::num_threads()) + " threads, " + cpu::vector_isa() + " vector math" +
                            (config().fast_math ? ", fast math" : "");
    const std::string& why = cuda::unavailable_reason();
    if (!why.empty()) return "jitfuse: CPU fallback (" + cpu + "); CUDA not used: " + why;
    if (const std::optional<int> gpu = requested_gpu()) {
        const cuda::gpu_info& g = cuda::gpu(*gpu);
        return "jitfuse: CUDA on cuda:" + std::to_string(*gpu) + " (" + g.name + ", " + g.arch + ", " +
               std::to_string(g.multiprocessors) + " SMs; JITFUSE_DEVICE=" + config().device + "); CPU fallback: " + cpu;
    }
    return "jitfuse: CPU fallback (" + cpu + "); CUDA not used by default: found " + gpus_found() +
           (config().device == "cpu" ? ", disabled by JITFUSE_DEVICE=cpu"
                                     : ", used when asked for (JITFUSE_DEVICE=cuda or jf::device::cuda(i)) until the GPU "
                                       "evaluator has been verified on a GPU");
}

void synchronize() {
    for (int i = 0; i < cuda::gpu_count(); ++i) cuda::synchronize(i);
}

namespace detail {
void require_backend(const device& dev) {
    if (dev.is_cpu()) return;
    if (const std::string& why = cuda::unavailable_reason(); !why.empty())
        throw device_error("cannot use " + dev.to_string() + ": " + why);
    (void)cuda::gpu(dev.index());
}
}  // namespace detail

}  // namespace jitfuse
