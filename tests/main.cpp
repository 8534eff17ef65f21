// SPDX-License-Identifier: Apache-2.0
// The test runner: doctest, then, in codegen-check mode (JITFUSE_CHECK_CODEGEN=sm_90), the
// NVRTC compilation of every kernel the tests' passes generated.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <jitfuse/detail/kernel_plan.hpp>

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (context.shouldExit()) return result;
    const int rejected = jitfuse::detail::finish_codegen_check();
    return result != 0 ? result : rejected != 0 ? 1 : 0;
}
