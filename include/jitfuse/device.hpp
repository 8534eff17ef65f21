// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Devices an array can live on, and which backend runs.

#include <compare>
#include <string>

namespace jitfuse {

/// A place that holds arrays and runs expressions: the host CPU or a CUDA GPU.
class device {
  public:
    enum class kind { cpu, cuda };

    static device cpu() noexcept { return device(kind::cpu, 0); }
    static device cuda(int index = 0) noexcept { return device(kind::cuda, index); }

    kind type() const noexcept { return kind_; }
    int index() const noexcept { return index_; }
    bool is_cpu() const noexcept { return kind_ == kind::cpu; }
    std::string to_string() const;  ///< "cpu" or "cuda:N"

    friend bool operator==(const device&, const device&) = default;

  private:
    device(kind k, int index) noexcept : kind_(k), index_(index) {}
    kind kind_;
    int index_;
};

/// The first usable GPU, else the CPU; `JITFUSE_DEVICE` overrides. Asking for a GPU that
/// is not usable is a `jitfuse::device_error` that says why.
device default_device();

/// One line: which backend runs and, when CUDA is not used, why.
std::string backend_info();

}  // namespace jitfuse
