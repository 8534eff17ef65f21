// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Diagnostics on stderr: `JITFUSE_LOG=info|debug` lines, and warnings that are always
/// shown, each at most once per process.

#include <functional>
#include <string>

#include "../config.hpp"

namespace jitfuse::detail {

/// Whether messages of `level` are shown (`JITFUSE_LOG`).
bool logging(log_level level);

/// Prints "jitfuse: <message>" when `level` is enabled.
void log(log_level level, const std::string& message);

/// Prints "jitfuse: warning: <message>" the first time `message` is warned about.
void warn_once(const std::string& message);

/// Where messages go (stderr when empty); tests capture them with it.
void set_log_sink(std::function<void(const std::string&)> sink);

}  // namespace jitfuse::detail
