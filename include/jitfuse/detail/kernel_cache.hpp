// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Where compiled kernels come from: this process's memory, else the disk cache, else
/// NVRTC (then kept in both). Counts every level in `jf::stats()`; `JITFUSE_LOG=info` says
/// why each compile happened.

#include <memory>
#include <string_view>
#include <vector>

#include "codegen.hpp"
#include "disk_cache.hpp"

namespace jitfuse::detail {

using kernel_binary = std::shared_ptr<const std::vector<char>>;

/// The CUBIN of `src` for `arch` ("sm_90") under the current settings (fast math, cache
/// folder). Threads asking for the same kernel at once compile it once.
kernel_binary compiled_binary(const generated_source& src, std::string_view arch);

/// What a kernel is compiled for, and its disk cache entry named by: `arch`, the NVRTC options
/// under `fast_math`, the NVRTC version and the device prelude's fingerprint.
compile_target compile_target_for(std::string_view arch, bool fast_math);

/// Forgets the kernels compiled in this process (the disk cache is untouched).
void clear_memory_cache();

}  // namespace jitfuse::detail
