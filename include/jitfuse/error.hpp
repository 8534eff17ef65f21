// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Typed errors thrown by jitfuse: every failure is a `jitfuse::error`.

#include <stdexcept>
#include <string>

namespace jitfuse {

/// Base of every error jitfuse throws.
class error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Shapes that do not fit: broadcasting, assignment, reshape, axis out of range.
class shape_error : public error {
  public:
    using error::error;
};

/// An element type that an operation does not accept.
class dtype_error : public error {
  public:
    using error::error;
};

/// A device that does not exist, is not usable, or is mixed with another in one expression.
class device_error : public error {
  public:
    using error::error;
};

/// A generated kernel that NVRTC rejected; carries the numbered source and the compiler log.
class compile_error : public error {
  public:
    compile_error(const std::string& message, std::string source, std::string log)
        : error(message), source_(std::move(source)), log_(std::move(log)) {}
    const std::string& source() const noexcept { return source_; }
    const std::string& log() const noexcept { return log_; }

  private:
    std::string source_;
    std::string log_;
};

/// An allocation that failed; the process and all existing arrays are unaffected.
class out_of_memory : public error {
  public:
    using error::error;
};

}  // namespace jitfuse
