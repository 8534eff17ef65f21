// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CUDA driver API, loaded at run time (dlopen libcuda.so.1), so a binary built with
/// CUDA support starts on machines without a driver or a GPU. It probes once per process
/// what CUDA can do here, and gives the GPU operations the backend is built of: stream-ordered
/// memory from each GPU's pool, copies, and kernel launches on one stream per GPU. Driver
/// errors become typed `jitfuse` errors (`out_of_memory`, `device_error`).

#include <array>
#include <cstddef>
#include <string>

#include "kernel_args.hpp"
#include "kernel_cache.hpp"

namespace jitfuse::detail::cuda {

/// What the probe found: the GPUs, or why CUDA cannot run here.
struct gpu_info {
    std::string name;     ///< "NVIDIA H200"
    std::string arch;     ///< "sm_90": what NVRTC compiles for
    int multiprocessors;
    int threads_per_multiprocessor;  ///< resident at once, at best (a kernel may hold fewer)
};

/// Empty when kernels can be compiled and launched here; else why not, in a few words ("no
/// CUDA driver (libcuda.so.1 not found)", "no GPU", the toolkit's stub driver, no NVRTC, ...).
const std::string& unavailable_reason();

/// The usable GPUs (none when `unavailable_reason()` is not empty).
int gpu_count();

/// GPU `index`; one that does not exist is a `device_error` saying how many there are.
const gpu_info& gpu(int index);

/// `bytes` of device memory on GPU `index`, ordered on its stream (from the GPU's memory
/// pool, which keeps freed memory for reuse); failure is `out_of_memory`.
void* allocate(std::size_t bytes, int index);
/// Returns memory from `allocate` once the GPU's stream has finished with it.
void release(void* device_pointer, int index) noexcept;

/// Returns once `host_source` may be reused (after the GPU's queued work and the copy).
void copy_to_device(void* device_destination, const void* host_source, std::size_t bytes, int index);
/// Waits for the GPU's stream, then copies.
void copy_to_host(void* host_destination, const void* device_source, std::size_t bytes, int index);

/// Waits until everything queued on GPU `index` has run; a fault a kernel hit surfaces here.
void synchronize(int index);

struct launch_shape {
    std::array<unsigned, 3> grid{1, 1, 1};
    std::array<unsigned, 3> block{1, 1, 1};
};

/// How many blocks of `threads` threads of kernel `kernel` each multiprocessor of GPU `index`
/// holds at once (the kernel's registers and shared memory decide; asked once per kernel).
int resident_blocks(const kernel_binary& binary, const kernel_entry& kernel, int threads, int index);

/// Queues kernel `kernel` of `binary` (loaded into a module once per GPU) on GPU `index`'s
/// stream; `args` must fit the kernel's parameters (checked).
void launch(const kernel_binary& binary, const kernel_entry& kernel, kernel_args& args, const launch_shape& shape, int index);

}  // namespace jitfuse::detail::cuda
