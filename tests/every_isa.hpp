// SPDX-License-Identifier: Apache-2.0
#pragma once
// The library's kernels are built once per instruction set; tests check every build the CPU
// runs, not only the one dispatch picks.

#include <type_traits>

#include <jitfuse/cpu/kernels.hpp>

namespace test {

/// Runs check(isa) for every instruction set this CPU has a kernel build of (isa() is 0, 2 or 3).
template <class Check>
void on_every_isa(Check&& check) {
    check(std::integral_constant<int, 0>{});
#if defined(__x86_64__) && !defined(JITFUSE_NO_SIMD_DISPATCH)
    if (jitfuse::cpu::kernel_isa() >= 2) check(std::integral_constant<int, 2>{});
    if (jitfuse::cpu::kernel_isa() >= 3) check(std::integral_constant<int, 3>{});
#endif
}

}  // namespace test
