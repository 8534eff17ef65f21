// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/device.hpp"

#include <string>

#include "jitfuse/config.hpp"
#include "jitfuse/cpu/thread_pool.hpp"
#include "jitfuse/cpu/vector_math.hpp"
#include "jitfuse/detail/cuda_driver.hpp"
#include "jitfuse/detail/evaluate.hpp"
#include "jitfuse/error.hpp"

namespace jitfuse {
namespace {
/// Why CUDA is not used: what the driver probe found, or, where GPUs are usable, that
/// expressions are not evaluated on them yet (the driver, NVRTC and launches work; the
/// evaluator that hands passes to them does not exist).
const std::string& cuda_unavailable() {
    static const std::string why = [] {
        const std::string& reason = detail::cuda::unavailable_reason();
        if (!reason.empty()) return reason;
        const detail::cuda::gpu_info& first = detail::cuda::gpu(0);
        const int count = detail::cuda::gpu_count();
        return "found " + std::to_string(count) + " GPU" + (count == 1 ? "" : "s") + " (cuda:0 is " + first.name + ", " +
               first.arch + "), but this build does not evaluate expressions on the GPU yet";
    }();
    return why;
}
}  // namespace

std::string device::to_string() const {
    return is_cpu() ? "cpu" : "cuda:" + std::to_string(index_);
}

device default_device() {
    const std::string& wanted = config().device;
    if (wanted.starts_with("cuda"))
        throw device_error("JITFUSE_DEVICE=" + wanted + " asks for a GPU, but " + cuda_unavailable());
    return device::cpu();
}

std::string backend_info() {
    return std::string("jitfuse: CPU fallback (") + std::to_string(cpu::num_threads()) + " threads, " +
           cpu::vector_isa() + " vector math" + (config().fast_math ? ", fast math" : "") +
           "); CUDA not used: " + cuda_unavailable();
}

void synchronize() {}

namespace detail {
void require_backend(const device& dev) {
    if (!dev.is_cpu()) throw device_error("cannot use " + dev.to_string() + ": " + cuda_unavailable());
}
}  // namespace detail

}  // namespace jitfuse
