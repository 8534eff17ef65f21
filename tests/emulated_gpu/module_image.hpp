// SPDX-License-Identifier: Apache-2.0
#pragma once
// The emulated GPU's "CUBIN": a marker, whether the kernels synchronize threads, and the
// kernel source with the headers NVRTC was given inlined. The emulated NVRTC writes it, the
// emulated driver compiles it with the host compiler.

#include <cstring>
#include <string>
#include <string_view>

namespace jf_emu {

inline constexpr std::string_view image_marker = "jitfuse emulated GPU module\n";
inline constexpr std::string_view synchronizing = "sync\n";
inline constexpr std::string_view independent = "independent\n";

inline std::string make_image(std::string source, int headers, const char* const* texts, const char* const* names) {
    // Kernels whose threads never wait for each other (none of these names in the kernel's
    // own source: the prelude has them all) run one thread after another.
    bool sync = false;
    for (const char* waits : {"__syncthreads", "__shfl", "shuffle_down", "_reduce<"})
        sync = sync || source.find(waits) != std::string::npos;
    for (int h = 0; h < headers; ++h) {
        const std::string include = "#include \"" + std::string(names[h]) + "\"";
        for (std::size_t at = source.find(include); at != std::string::npos; at = source.find(include, at)) {
            source.replace(at, include.size(), texts[h]);
            at += std::strlen(texts[h]);
        }
    }
    return std::string(image_marker) + std::string(sync ? synchronizing : independent) + source;
}

}  // namespace jf_emu
