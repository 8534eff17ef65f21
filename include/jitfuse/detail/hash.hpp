// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Content hashes (XXH3): 128-bit fingerprints name kernels and cache entries, 64-bit
/// checksums guard cache entries against corruption.

#include <cstdint>
#include <string>
#include <string_view>

namespace jitfuse::detail {

struct fingerprint {
    std::uint64_t low = 0;
    std::uint64_t high = 0;
    friend bool operator==(const fingerprint&, const fingerprint&) = default;
    /// 32 lowercase hex digits.
    std::string hex() const;
};

fingerprint fingerprint_of(std::string_view bytes);
std::uint64_t checksum_of(std::string_view bytes);

}  // namespace jitfuse::detail
