// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file CUDA source generation from a kernel description (host-only: works without a GPU).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hash.hpp"
#include "kernel_ir.hpp"

namespace jitfuse::detail {

/// One kernel parameter as the device ABI sees it: where the host packs its bytes.
struct kernel_param {
    std::string declaration;  ///< as printed, e.g. `jf::dims<2> s0`
    std::uint32_t size;
    std::uint32_t align;
    friend bool operator==(const kernel_param&, const kernel_param&) = default;
};

/// A `__global__` function of a generated source.
struct kernel_entry {
    std::string name;
    std::vector<kernel_param> params;
};

struct generated_source {
    std::string source;
    std::vector<kernel_entry> kernels;  ///< in launch order
    fingerprint id;                     ///< of `source`: names the kernel in the caches
    int vector_width = 1;               ///< elements a thread moves per step (flat_vector), else 1
};

/// The CUDA source of `ir` for memory walked as `how`. Deterministic: the same description
/// and layout always print the same text (it is the cache key and the golden test).
generated_source generate_cuda(const kernel_ir& ir, layout how);

/// Name under which generated sources include the device prelude, and its text.
inline constexpr std::string_view prelude_name = "jitfuse/prelude.cuh";
std::string_view device_prelude();

/// The file name NVRTC gives a generated source (in its log).
inline constexpr std::string_view kernel_source_name = "jitfuse_kernel.cu";

/// When NVRTC's `log` reports an error inside a JITFUSE_FUNCTION of `source`, a sentence
/// naming that function and its file:line, to lead the compile_error's message; else "".
std::string blame_user_function(std::string_view source, std::string_view log);

}  // namespace jitfuse::detail
