// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Run-time compilation of generated sources with NVRTC, loaded with dlopen so that a
/// binary built with CUDA support starts on machines without it.

#include <string>
#include <string_view>
#include <vector>

namespace jitfuse::detail {

struct compiled_kernel {
    std::vector<char> cubin;
    std::string ptx;  ///< only when asked for
    double milliseconds = 0;
};

/// The NVRTC options jitfuse compiles with (besides the arch); part of every cache key.
std::vector<std::string> nvrtc_options(bool fast_math);

/// Compiles `source` (which includes the device prelude) to a CUBIN for `arch` ("sm_90").
/// A rejected source is a `compile_error` carrying the numbered source and the NVRTC log;
/// no NVRTC at all, or an arch it does not know, is a `device_error` saying why. `want_ptx`
/// also returns the PTX.
compiled_kernel nvrtc_compile(const std::string& source, std::string_view arch,
                              const std::vector<std::string>& options, bool want_ptx = false);

/// Empty when NVRTC can be used here, else the reason it cannot.
std::string nvrtc_unavailable_reason();

/// "major.minor" of the NVRTC in use.
std::string nvrtc_version();

/// The major version of the NVRTC in use (its CUBINs need a driver of at least that major).
int nvrtc_major_version();

/// Empty when NVRTC can compile for `arch` ("sm_90"), else why not (the archs it knows).
std::string nvrtc_arch_refusal(std::string_view arch);

}  // namespace jitfuse::detail
