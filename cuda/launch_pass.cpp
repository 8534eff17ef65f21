// SPDX-License-Identifier: Apache-2.0
// A generated kernel launched on a GPU: its CUBIN for that GPU's arch from the kernel caches
// (compiled by NVRTC on first use), then the driver's launch on the GPU's stream. JITFUSE_DUMP
// writes the source out first. Also what the launch plans need to know of each GPU.
#include "jitfuse/detail/gpu_eval.hpp"

#include <algorithm>

namespace jitfuse::detail {

void launch_pass(const generated_source& src, std::size_t kernel, kernel_args& args, std::int64_t blocks, int gpu) {
    dump_source(src);
    const kernel_binary binary = compiled_binary(src, cuda::gpu(gpu).arch);
    cuda::launch_shape shape;
    shape.grid[0] = static_cast<unsigned>(blocks);
    shape.block[0] = static_cast<unsigned>(threads_per_block);
    cuda::launch(binary, src.kernels.at(kernel), args, shape, gpu);
}

gpu_geometry geometry_of(const generated_source& src, std::size_t kernel, int gpu) {
    const cuda::gpu_info& info = cuda::gpu(gpu);
    const kernel_binary binary = compiled_binary(src, info.arch);
    const int blocks = cuda::resident_blocks(binary, src.kernels.at(kernel), static_cast<int>(threads_per_block), gpu);
    return {std::int64_t{info.multiprocessors} * std::max(blocks, 1) * threads_per_block};
}

gpu_geometry full_occupancy(int gpu) {
    const cuda::gpu_info& info = cuda::gpu(gpu);
    return {std::int64_t{info.multiprocessors} * info.threads_per_multiprocessor};
}

}  // namespace jitfuse::detail
