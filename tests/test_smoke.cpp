// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

TEST_CASE("smoke") {
    jf::array<float> x = jf::arange<float>(1000);
    jf::array<float> y = jf::sin(x) * jf::exp(x * 0.001f) + jf::log(x + 1.0f);
    auto h = y.to_host();
    CHECK(h[10] == doctest::Approx(std::sin(10.f) * std::exp(0.01f) + std::log(11.f)));
    CHECK(jf::sum(x).item() == 499500.f);
}
