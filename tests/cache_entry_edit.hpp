// SPDX-License-Identifier: Apache-2.0
#pragma once
// Hand-edited kernel cache entries for tests: well-formed files that say something else.

#include <string>
#include <string_view>

#include <jitfuse/detail/hash.hpp>

namespace test {

/// Replaces the trailing checksum of an entry with the right one for its (edited) bytes.
inline std::string resealed(std::string entry) {
    entry.resize(entry.size() - 8);
    std::uint64_t sum = jitfuse::detail::checksum_of(entry);
    for (int i = 0; i < 8; ++i, sum >>= 8) entry += static_cast<char>(sum & 0xff);
    return entry;
}

/// The entry as another jitfuse version would have written it: valid, but not ours.
inline std::string with_jitfuse_version(std::string entry, std::string_view version) {
    const auto at = entry.find("\njitfuse ") + 9;
    entry.replace(at, entry.find('\n', at) - at, version);
    return resealed(std::move(entry));
}

}  // namespace test
