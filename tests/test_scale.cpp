// SPDX-License-Identifier: Apache-2.0
// Arrays of more than 2^31 elements (3e9 int8 and bool: 3 GB each): indexing, views,
// elementwise passes and reductions stay 64-bit. Own ctest entry (unit-scale): it needs
// ~7 GB of memory and some seconds, so the other runs skip the suite.
#include <doctest/doctest.h>

#include <cstdint>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

TEST_SUITE("scale") {

TEST_CASE("3e9 int8 elements: fill, mark beyond 2^31, elementwise, views and reductions") {
    constexpr std::int64_t n = 3'000'000'000;
    constexpr std::int64_t far = (std::int64_t{1} << 31) + 12345;  // beyond int32 indexing
    jf::array<std::int8_t> a = jf::ones<std::int8_t>(n);
    REQUIRE(a.size() == n);
    a(jf::range(far, far + 1)) = std::int8_t{5};
    a(jf::range(n - 1, n)) = std::int8_t{-3};
    CHECK(jf::argmax(a).item() == far);
    CHECK(jf::argmin(a).item() == n - 1);
    // int64 accumulation over all of it: (n - 2) ones + 5 - 3.
    CHECK(jf::sum(jf::cast<std::int64_t>(a)).item() == n);
    // An elementwise pass into a second 3 GB array, then a reduction of a comparison.
    jf::array<std::int8_t> b = a * std::int8_t{2} - std::int8_t{1};
    CHECK(jf::sum(jf::cast<std::int64_t>(b == std::int8_t{1})).item() == n - 2);
    // A strided view of 1.5e9 elements reaching past 2^31 in both index and offset.
    const jf::array<std::int8_t> odd = a(jf::range(1, n, 2));
    CHECK(odd.size() == n / 2);
    static_assert(far % 2 == 1 && (n - 1) % 2 == 1, "both marks are at odd indices");
    CHECK(jf::sum(jf::cast<std::int64_t>(odd)).item() == n / 2 - 2 + 5 - 3);
    // Neighbour reads past 2^31, fused into a reduction: the marks move by the offset, and a
    // wrapped read brings the last element to the front.
    CHECK(jf::argmax(jf::shift(a, {-7}, jf::boundary::wrap)).item() == far + 7);
    CHECK(jf::argmin(jf::shift(a, {-1}, jf::boundary::wrap)).item() == 0);
    CHECK(jf::sum(jf::cast<std::int64_t>(jf::shift(a, {n / 2}, jf::boundary::constant(std::int8_t{0})))).item() ==
          n - n / 2 - 2 + 5 - 3);
}

TEST_CASE("3e9 bools: any, all and counting") {
    constexpr std::int64_t n = 3'000'000'000;
    jf::array<bool> flags = jf::zeros<bool>(n);
    CHECK_FALSE(jf::any(flags).item());
    flags(jf::range(n - 2, n - 1)) = true;
    CHECK(jf::any(flags).item());
    CHECK_FALSE(jf::all(flags).item());
    CHECK(jf::argmax(flags).item() == n - 2);
    CHECK(jf::sum(flags).item() == 1);
}

}  // TEST_SUITE
