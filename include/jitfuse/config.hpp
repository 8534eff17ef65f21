// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Run-time settings, read once from `JITFUSE_*` environment variables.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace jitfuse {

enum class log_level { off, info, debug };

/// Settings in force. `config()` returns the process-wide instance, initialised from the
/// environment on first use; an invalid `JITFUSE_*` value is a `jitfuse::error` naming the
/// variable and the accepted values.
struct settings {
    int num_threads = 0;         ///< JITFUSE_NUM_THREADS; 0 = all hardware threads
    bool fast_math = false;      ///< JITFUSE_FAST_MATH=1: faster, less accurate math
    bool cache_enabled = true;   ///< JITFUSE_CACHE=0 disables the kernel disk cache
    std::filesystem::path cache_dir;  ///< JITFUSE_CACHE_DIR
    /// JITFUSE_CACHE_SIZE_MB: beyond it the least recently used kernels leave the disk cache
    std::uint64_t cache_max_bytes = std::uint64_t{1} << 30;
    std::filesystem::path dump_dir;   ///< JITFUSE_DUMP: write every generated source here
    log_level log = log_level::off;   ///< JITFUSE_LOG=info|debug
    std::string device = "auto";      ///< JITFUSE_DEVICE=cpu|cuda|cuda:N
    /// JITFUSE_CHECK_CODEGEN=sm_90: every pass the CPU runs also generates its CUDA kernel and
    /// compiles it with NVRTC for that architecture (a test mode: codegen checked without a GPU).
    std::string check_codegen;
    /// JITFUSE_ROW_BLOCK_BYTES: the CPU computes a statement whose nested reductions run along
    /// its rows this many bytes of its target at a time (README, "Row softmax"); 0 never cuts one.
    std::int64_t row_block_bytes = std::int64_t{512} << 10;
    /// JITFUSE_STREAM_STORE_BYTES: a CPU elementwise pass that writes at least this many bytes
    /// (or one block of a statement's target that big) writes its contiguous outputs with
    /// non-temporal stores, past the cache (README, "Streaming stores"); 0 never does.
    std::int64_t stream_store_bytes = std::int64_t{32} << 20;
};

/// The process-wide settings; changes apply to evaluations that start afterwards.
settings& config();

/// Parses settings from an environment lookup (exposed for tests).
settings settings_from_env(const char* (*getenv)(const char*));

namespace detail {
/// The GPU a device setting asks for: none for "cpu", "auto" or "", 0 for "cuda", N for
/// "cuda:N"; anything else is a jitfuse::error naming `variable`.
std::optional<int> requested_gpu(std::string_view device, std::string_view variable);
}  // namespace detail

}  // namespace jitfuse
