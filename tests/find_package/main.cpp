// SPDX-License-Identifier: Apache-2.0
// Built against an installed jitfuse by run.sh: proves the headers, the library and the
// package config are enough for a user.
#include <jitfuse/jitfuse.hpp>

#include <cstdio>

namespace jf = jitfuse;

int main() {
    jf::array<float> x = jf::arange<float>(1000);
    jf::array<float> y = x * 2.0f + 1.0f;
    float s = jf::sum(y).item();
    // sum(2i + 1, i < 1000) = 1000 * 999 + 1000; every partial sum is an integer below 2^24, so
    // the float result is exact in any summation order.
    const float expected = 1000.0f * 999.0f + 1000.0f;
    std::printf("consumer: sum = %.1f (expected %.1f)\n", static_cast<double>(s),
                static_cast<double>(expected));
    return s == expected ? 0 : 1;
}
