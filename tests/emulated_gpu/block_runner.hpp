// SPDX-License-Identifier: Apache-2.0
#pragma once
// Runs one kernel launch on the host. Kernels whose threads never wait for each other run one
// thread after another; in the others, each GPU thread of a block is a fiber that runs until
// it waits at __syncthreads or in a warp shuffle, so that a barrier or shuffle nobody can
// complete, or a shuffle over lanes that have returned, is reported (as a fault) instead of
// passing by luck.

#include <string>

#include "emulated_thread.hpp"

namespace jf_emu {

struct launch {
    kernel_entry entry;
    void** params;
    dim3 grid, block;
    bool synchronizing;
};

/// Empty when every thread of every block returned; else what went wrong.
std::string run_launch(const launch& l);

}  // namespace jf_emu
