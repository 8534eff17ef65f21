// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The persistent cache of compiled kernels: one file per kernel, named by a hash of
/// everything that determines the binary, written atomically (temporary file + rename),
/// checked on every read (format, versions, full source, checksum), 0600 files in 0700
/// folders, least recently used entries evicted beyond a size limit. Safe for many threads
/// and processes at once: writers never expose a partial file, and readers verify.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hash.hpp"

namespace jitfuse::detail {

/// What, besides its source, decides a kernel binary.
struct compile_target {
    std::string arch;     ///< "sm_90"
    std::string options;  ///< NVRTC options, space separated
    std::string nvrtc;    ///< NVRTC version, "13.0"
    /// Fingerprint of the named headers compiled with the source (the device prelude): a
    /// build with another prelude never serves this build's entries.
    std::string headers = {};
};

/// The key naming the entry of `source` compiled for `target` by this jitfuse version.
fingerprint cache_key(std::string_view source, const compile_target& target);

enum class entry_status { ok, missing, corrupt, foreign, unreadable };
const char* to_string(entry_status s);

/// An entry as read back: its status, why when not ok, and what it records.
struct cache_entry {
    entry_status status = entry_status::missing;
    std::string why;
    std::string jitfuse_version;
    compile_target target;
    std::string source;
    std::vector<char> binary;
};

/// Serialises an entry (the file's exact bytes) and parses one back.
std::string encode_entry(std::string_view source, const compile_target& target, const std::vector<char>& binary);
cache_entry decode_entry(std::string_view bytes);

class disk_cache {
  public:
    /// Opens (creating when missing) the cache in `dir`; never throws. A folder that cannot
    /// be created or read makes a disabled cache, a read-only one a cache that only reads;
    /// either warns once.
    disk_cache(std::filesystem::path dir, std::uint64_t max_bytes);

    bool readable() const { return readable_; }
    bool writable() const { return writable_; }
    const std::filesystem::path& dir() const { return dir_; }

    /// The entry for `source` and `target`; anything but an intact entry for exactly this
    /// source, target and jitfuse version comes back with status != ok and the reason.
    cache_entry load(std::string_view source, const compile_target& target) const;

    /// Stores an entry (best effort: a failure warns once and leaves the cache as it was),
    /// then evicts the least recently used entries while the cache exceeds its limit.
    void store(std::string_view source, const compile_target& target, const std::vector<char>& binary) const;

    /// Where the entry of `key` lives.
    std::filesystem::path path_of(const fingerprint& key) const;

    // Maintenance (the jitfuse-cache tool).
    struct file_info {
        std::filesystem::path path;
        std::uint64_t bytes = 0;
        std::filesystem::file_time_type last_used;
    };
    /// Every entry file, least recently used first.
    std::vector<file_info> files() const;
    /// Removes every entry and leftover temporary file; returns how many files went.
    std::size_t clear() const;
    /// Removes least recently used entries until at most `bytes` remain.
    void evict_to(std::uint64_t bytes) const;

  private:
    std::filesystem::path dir_;
    std::uint64_t max_bytes_;
    bool readable_ = false;
    bool writable_ = false;
};

}  // namespace jitfuse::detail
