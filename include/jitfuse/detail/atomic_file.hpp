// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Whole-file writes that readers never see half done: a temporary file beside the
/// target, then a rename. Shared by the kernel disk cache and JITFUSE_DUMP.

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace jitfuse::detail {

/// Temporary files are named `<target><atomic_temp_marker><pid>.<counter>`.
inline constexpr std::string_view atomic_temp_marker = ".tmp.";

/// Writes `bytes` to `path` through a fresh temporary file created with `mode` (never
/// following a symbolic link), then renames it over `path`. Returns an error text, empty on
/// success; on failure the temporary file is removed and `path` is untouched.
std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes, mode_t mode);

}  // namespace jitfuse::detail
