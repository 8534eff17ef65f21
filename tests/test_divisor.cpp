// SPDX-License-Identifier: Apache-2.0
// Reciprocals of extents (detail/divisor.hpp): the prelude's jf::quotient, computed here as the
// device computes it, equals the integer division for every divisor and index kind a kernel
// meets. The emulated GPU runs the prelude's own code in every strided kernel of the suite.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <jitfuse/detail/divisor.hpp>

namespace jd = jitfuse::detail;

namespace {

/// The prelude's jf::quotient: (umulhi(magic, i) + i) >> shift.
std::int64_t via_reciprocal(std::int64_t i, const jd::device_divisor& d) {
    __extension__ typedef unsigned __int128 wide;
    const auto u = static_cast<std::uint64_t>(i);
    const auto high = static_cast<std::uint64_t>(static_cast<wide>(d.magic) * u >> 64);
    return static_cast<std::int64_t>((high + u) >> d.shift);
}

constexpr std::int64_t max_index = std::numeric_limits<std::int64_t>::max();

/// The indices where a quotient changes or overflows: around multiples of d and the top.
std::vector<std::int64_t> indices_near(std::int64_t d, std::mt19937_64& rng) {
    std::vector<std::int64_t> out = {0, 1, max_index, max_index - 1, std::int64_t{1} << 62, (std::int64_t{1} << 62) - 1};
    const std::int64_t last_multiple = max_index / d * d;
    for (std::int64_t k : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, max_index / d / 2, max_index / d}) {
        if (k == 0 || k > max_index / d) continue;
        const std::int64_t m = k * d;
        out.push_back(m - 1);  // m >= 1
        out.push_back(m);
        if (m < max_index) out.push_back(m + 1);
    }
    out.push_back(last_multiple);
    std::uniform_int_distribution<std::int64_t> any(0, max_index);
    for (int r = 0; r < 64; ++r) {
        const std::int64_t i = any(rng) >> (r % 63);  // indices of every bit length
        out.push_back(i);
    }
    return out;
}

}  // namespace

TEST_SUITE("divisor") {
    TEST_CASE("the reciprocal divides every index below 2^63 exactly, for every kind of extent") {
        std::mt19937_64 rng(20261205);
        std::vector<std::int64_t> divisors;
        for (std::int64_t d = 1; d <= 1000; ++d) divisors.push_back(d);
        for (int b = 1; b < 63; ++b) {
            const std::int64_t p = std::int64_t{1} << b;
            divisors.insert(divisors.end(), {p - 1, p, p + 1});
        }
        divisors.insert(divisors.end(), {max_index, max_index - 1, 3037000499, 4294967296 + 7, 1000000007});
        std::uniform_int_distribution<std::int64_t> any(1, max_index);
        for (int r = 0; r < 2000; ++r) divisors.push_back(std::max<std::int64_t>(1, any(rng) >> (r % 63)));

        std::string failures;
        for (const std::int64_t d : divisors) {
            const jd::device_divisor v = jd::make_divisor(d);
            REQUIRE(v.value == d);
            for (const std::int64_t i : indices_near(d, rng))
                if (via_reciprocal(i, v) != i / d && failures.size() < 400)
                    failures += std::to_string(i) + " / " + std::to_string(d) + " gave " + std::to_string(via_reciprocal(i, v)) + "\n";
        }
        CHECK_MESSAGE(failures.empty(), failures);
    }

    TEST_CASE("powers of two shift, one passes through, an empty extent is kept and never divides") {
        CHECK(jd::make_divisor(1).magic == 1);
        CHECK(jd::make_divisor(1).shift == 0);
        CHECK(jd::make_divisor(1024).shift == 10);
        CHECK(jd::make_divisor(1024).magic == 1);  // the multiply-high is 0: a plain shift
        CHECK(jd::make_divisor(0).value == 0);
    }

    TEST_CASE("extents of a shape, and of a rank-0 loop") {
        const auto e = jd::as_extents<3>(std::array<std::int64_t, 3>{5, 1, 7});
        CHECK(e.v[0].value == 5);
        CHECK(e.v[1].value == 1);
        CHECK(e.v[2].value == 7);
        CHECK(via_reciprocal(34, e.v[2]) == 4);
        const auto scalar = jd::as_extents<1>(std::array<std::int64_t, 0>{});
        CHECK(scalar.v[0].value == 1);
    }
}
