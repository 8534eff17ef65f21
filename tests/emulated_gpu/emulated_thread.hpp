// SPDX-License-Identifier: Apache-2.0
#pragma once
// What the emulated driver hands each emulated GPU thread: its coordinates and the block's
// synchronization, which only the driver can provide (threads of one block wait for each
// other there). Shared by emulated_driver.cpp and the kernels it compiles (kernel_runtime.hpp).

namespace jf_emu {

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

/// The running block's barrier and warp shuffles, provided by the driver.
struct block_sync {
    void (*sync_threads)(void* block);
    unsigned long long (*shuffle_down)(void* block, unsigned mask, unsigned long long bits, int delta);
    void* block;
};

struct thread_context {
    dim3 thread_idx, block_idx, block_dim, grid_dim;
    const block_sync* sync;
};

/// Every compiled kernel NAME is exported as `jf_emu_run_NAME(params, context)` (the params
/// as cuLaunchKernel receives them) and `jf_emu_pointers_NAME()`: which params are pointers.
using kernel_entry = void (*)(void** params, const thread_context* context);
using pointer_params = unsigned long long (*)();
inline constexpr const char* run_prefix = "jf_emu_run_";
inline constexpr const char* pointers_prefix = "jf_emu_pointers_";

}  // namespace jf_emu
