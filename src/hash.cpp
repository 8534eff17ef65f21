// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/hash.hpp"

#include <cstdio>

// Header-only use of libxxhash: nothing to link, nothing exported.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace jitfuse::detail {

std::string fingerprint::hex() const {
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(high),
                  static_cast<unsigned long long>(low));
    return text;
}

fingerprint fingerprint_of(std::string_view bytes) {
    const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    return {h.low64, h.high64};
}

std::uint64_t checksum_of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

}  // namespace jitfuse::detail
