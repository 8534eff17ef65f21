// SPDX-License-Identifier: Apache-2.0
// Type promotion (docs/type_promotion.md): the result dtype of every pair of array dtypes,
// weak C++ scalars, floating functions of integers, comparisons, where, clamp. Each rule is
// checked twice: at compile time (the expression's value_type) and at run time (the values an
// evaluation produces are those of the expected type). The expected types come from the
// hand-written table below, not from jitfuse's promote_t.
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace jf = jitfuse;

namespace {

using std::int16_t;
using std::int32_t;
using std::int64_t;
using std::int8_t;
using std::uint16_t;
using std::uint32_t;
using std::uint64_t;
using std::uint8_t;

// The dtypes in the table's order.
using b_ = bool;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using f32 = float;
using f64 = double;

template <class... Ts>
struct types {};

// row<A>: the promoted type of an A array with a B array (JAX lattice: bool < integers <
// floats; same signedness: the wider; signed with unsigned: the smallest signed type holding
// both, uint64 with any signed type: float64; integer with float: that float; float32 with
// float64: float64). Each row lists the result for B = bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64.
template <class A>
struct row;
template <> struct row<b_>  { using type = types<b_,  i8,  i16, i32, i64, u8,  u16, u32, u64, f32, f64>; };
template <> struct row<i8>  { using type = types<i8,  i8,  i16, i32, i64, i16, i32, i64, f64, f32, f64>; };
template <> struct row<i16> { using type = types<i16, i16, i16, i32, i64, i16, i32, i64, f64, f32, f64>; };
template <> struct row<i32> { using type = types<i32, i32, i32, i32, i64, i32, i32, i64, f64, f32, f64>; };
template <> struct row<i64> { using type = types<i64, i64, i64, i64, i64, i64, i64, i64, f64, f32, f64>; };
template <> struct row<u8>  { using type = types<u8,  i16, i16, i32, i64, u8,  u16, u32, u64, f32, f64>; };
template <> struct row<u16> { using type = types<u16, i32, i32, i32, i64, u16, u16, u32, u64, f32, f64>; };
template <> struct row<u32> { using type = types<u32, i64, i64, i64, i64, u32, u32, u32, u64, f32, f64>; };
template <> struct row<u64> { using type = types<u64, f64, f64, f64, f64, u64, u64, u64, u64, f32, f64>; };
template <> struct row<f32> { using type = types<f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f64>; };
template <> struct row<f64> { using type = types<f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64>; };

using all_types = types<b_, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64>;

template <std::size_t I, class List>
struct nth;
template <std::size_t I, class T, class... Ts>
struct nth<I, types<T, Ts...>> : nth<I - 1, types<Ts...>> {};
template <class T, class... Ts>
struct nth<0, types<T, Ts...>> {
    using type = T;
};

template <class T, class List>
struct index_of;
template <class T, class... Ts>
struct index_of<T, types<T, Ts...>> : std::integral_constant<std::size_t, 0> {};
template <class T, class U, class... Ts>
struct index_of<T, types<U, Ts...>> : std::integral_constant<std::size_t, 1 + index_of<T, types<Ts...>>::value> {};

template <class A, class B>
using expected_t = typename nth<index_of<B, all_types>::value, typename row<A>::type>::type;

// The table must be symmetric: a check of the table itself.
template <class... As>
constexpr bool table_symmetric(types<As...>) {
    return ([]<class A>() {
        return []<class... Bs>(types<Bs...>) { return (std::is_same_v<expected_t<A, Bs>, expected_t<Bs, A>> && ...); }(all_types{});
    }.template operator()<As>() && ...);
}
static_assert(table_symmetric(all_types{}));

template <class T>
std::string tname() {
    return std::string(jf::name(jf::dtype_of<T>));
}

/// Sample values of each type: include values whose conversion tells types apart
/// (negative numbers, the type's maximum).
template <class T>
std::vector<T> samples() {
    if constexpr (std::is_same_v<T, bool>) return {true, false, true, false};
    else if constexpr (std::is_floating_point_v<T>) return {T(1.5), T(-2.25), T(1e6), T(0)};
    else if constexpr (std::is_signed_v<T>) return {T(-3), T(5), std::numeric_limits<T>::max(), T(0)};
    else return {T(7), T(5), std::numeric_limits<T>::max(), T(0)};
}

template <class T>
jf::array<T> sample_array() {
    const auto v = samples<T>();
    if constexpr (std::is_same_v<T, bool>) {
        std::vector<uint8_t> u(v.begin(), v.end());
        return jf::array<bool>(jf::cast<bool>(jf::from_host(u)));
    } else {
        return jf::from_host(v);
    }
}

/// maximum(a, b) is computed in the promoted type: its values are max(E(a), E(b)).
template <class A, class B>
void check_pair() {
    using E = expected_t<A, B>;
    const auto a = sample_array<A>();
    const auto b = sample_array<B>();
    auto e = jf::maximum(a, b);
    static_assert(std::is_same_v<typename decltype(e)::value_type, E>, "array x array promotion");
    INFO(tname<A>() << " with " << tname<B>() << " -> expected " << tname<E>());
    const std::vector<E> got = jf::eval(e).to_host();
    const auto ha = samples<A>();
    const auto hb = samples<B>();
    REQUIRE(got.size() == ha.size());
    for (std::size_t i = 0; i < ha.size(); ++i) {
        const E x = static_cast<E>(ha[i]), y = static_cast<E>(hb[i]);
        CHECK(got[i] == (x < y ? y : x));
    }
}

template <class... As>
void check_all_pairs(types<As...>) {
    ([]<class A>() { []<class... Bs>(types<Bs...>) { (check_pair<A, Bs>(), ...); }(all_types{}); }.template operator()<As>(), ...);
}

template <class E, class X>
void check_type_and_values(const X& expr, const std::vector<E>& want) {
    static_assert(std::is_same_v<typename X::value_type, E>);
    const std::vector<E> got = jf::eval(expr).to_host();
    CHECK(got == want);
}

/// The same for functions with an error bound: each value within `ulps` of `want` (exact
/// where `want` is 0 or infinite).
template <class E, class X>
void check_type_and_close(const X& expr, const std::vector<E>& want, int ulps) {
    static_assert(std::is_same_v<typename X::value_type, E>);
    const std::vector<E> got = jf::eval(expr).to_host();
    REQUIRE(got.size() == want.size());
    for (std::size_t k = 0; k < got.size(); ++k) {
        CAPTURE(k);
        if (want[k] == 0 || std::isinf(want[k])) CHECK(got[k] == want[k]);
        else CHECK(std::fabs(got[k] - want[k]) <= ulps * std::numeric_limits<E>::epsilon() * std::fabs(want[k]));
    }
}

}  // namespace

TEST_SUITE("promotion") {

TEST_CASE("array with array: every pair of dtypes") {
    check_all_pairs(all_types{});
}

TEST_CASE("array with array: spot checks of values in the promoted type") {
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{-1, 100});
    jf::array<u8> u8a = jf::from_host(std::vector<u8>{255, 100});
    // int8 + uint8 -> int16: no wrap-around at 8 bits.
    check_type_and_values<i16>(s8 + u8a, {254, 200});
    jf::array<i32> s32 = jf::from_host(std::vector<i32>{16777217, -1});
    jf::array<f32> f = jf::from_host(std::vector<f32>{0.f, 0.5f});
    // int32 + float32 -> float32 (JAX; NumPy would give float64).
    check_type_and_values<f32>(s32 + f, {16777216.f, -0.5f});
    jf::array<f64> d = jf::from_host(std::vector<f64>{0.1, 0.0});
    check_type_and_values<f64>(jf::cast<f32>(d) + d, {static_cast<double>(0.1f) + 0.1, 0.0});
    jf::array<u64> u64a = jf::from_host(std::vector<u64>{18446744073709551615ull, 1});
    jf::array<i64> s64 = jf::from_host(std::vector<i64>{-1, -1});
    // uint64 + int64 -> float64.
    check_type_and_values<f64>(u64a + s64, {18446744073709551616.0 - 1.0, 0.0});
    jf::array<u32> u32a = jf::from_host(std::vector<u32>{4294967295u, 0});
    jf::array<i32> m1 = jf::from_host(std::vector<i32>{1, -1});
    check_type_and_values<i64>(u32a + m1, {4294967296LL, -1});
    jf::array<bool> t = sample_array<bool>();
    jf::array<i16> s16 = jf::from_host(std::vector<i16>{10, 20, 30, 40});
    // bool is below every integer.
    check_type_and_values<i16>(s16 * jf::cast<bool>(t), {10, 0, 30, 0});
}

TEST_CASE("weak C++ scalars take the array's type when their kind is not higher") {
    jf::array<f32> f = jf::from_host(std::vector<f32>{1.f, 0.1f});
    jf::array<f64> d = jf::from_host(std::vector<f64>{1.0, 0.1});
    jf::array<i32> i = jf::from_host(std::vector<i32>{3, -7});
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{127, -128});
    jf::array<u8> u8a = jf::from_host(std::vector<u8>{0, 250});
    jf::array<i64> s64 = jf::from_host(std::vector<i64>{3, -7});
    jf::array<u64> u64a = jf::from_host(std::vector<u64>{3, 7});
    jf::array<bool> b = jf::array<bool>(jf::cast<bool>(jf::from_host(std::vector<u8>{1, 0})));

    // A float scalar with a float array: the array's float type (the scalar is rounded to it).
    check_type_and_values<f32>(f * 2.0, {2.f, 0.1f * 2.f});
    check_type_and_values<f32>(2.0 * f, {2.f, 0.1f * 2.f});
    check_type_and_values<f32>(f + 0.1, {1.f + 0.1f, 0.1f + 0.1f});
    check_type_and_values<f64>(d * 2.0f, {2.0, 0.2});
    check_type_and_values<f32>(f * 2.0L, {2.f, 0.2f});
    // An integer scalar with an integer array: the array's type; results wrap in it.
    check_type_and_values<i32>(i * 2, {6, -14});
    check_type_and_values<i8>(s8 + 1, {-128, -127});
    check_type_and_values<i8>(1 + s8, {-128, -127});
    check_type_and_values<u8>(u8a + 300, {44, 38});  // 300 is 44 in uint8
    check_type_and_values<i64>(s64 * 2, {6, -14});
    check_type_and_values<u64>(u64a + 1, {4, 8});
    check_type_and_values<i8>(s8 + int64_t{1}, {-128, -127});
    check_type_and_values<i8>(s8 - static_cast<unsigned char>(1), {126, 127});
    check_type_and_values<i32>(i / 2L, {1, -3});
    // A float scalar with an integer array: float32, whatever the integer's width.
    check_type_and_values<f32>(i * 2.5, {7.5f, -17.5f});
    check_type_and_values<f32>(s64 * 2.5, {7.5f, -17.5f});
    check_type_and_values<f32>(s8 * 0.5f, {63.5f, -64.f});
    check_type_and_values<f32>(u64a / 2.0, {1.5f, 3.5f});
    // bool arrays: an int scalar gives int32, a float scalar float32.
    check_type_and_values<i32>(b + 1, {2, 1});
    check_type_and_values<f32>(b * 1.5, {1.5f, 0.f});
    // A bool scalar never raises the type.
    check_type_and_values<i8>(s8 * true, {127, -128});
    check_type_and_values<f32>(f * true, {1.f, 0.1f});
    check_type_and_values<bool>(b && true, {true, false});
    check_type_and_values<bool>(b & false, {false, false});
}

TEST_CASE("unary floating functions of integer and bool arrays compute in float32") {
    jf::array<i32> i = jf::from_host(std::vector<i32>{4, 9});
    jf::array<i64> s64 = jf::from_host(std::vector<i64>{4, 9});
    jf::array<u8> u8a = jf::from_host(std::vector<u8>{0, 1});
    jf::array<bool> b = jf::array<bool>(jf::cast<bool>(u8a));
    check_type_and_values<f32>(jf::sqrt(i), {2.f, 3.f});
    check_type_and_values<f32>(jf::sqrt(s64), {2.f, 3.f});
    // Within the largest bound a backend documents for these (CUDA's powf: 4 ULP; see
    // test_elementwise.cpp): exact on the CPU, maybe not on a GPU.
    constexpr int bound = 4;
    check_type_and_close<f32>(jf::rsqrt(i), {0.5f, 1.f / 3.f}, bound);
    check_type_and_close<f32>(jf::exp2(u8a), {1.f, 2.f}, bound);
    check_type_and_values<f32>(jf::log(b), {-std::numeric_limits<float>::infinity(), 0.f});
    check_type_and_close<f32>(jf::cbrt(i * 0 + 8), {2.f, 2.f}, bound);
    check_type_and_values<f32>(jf::atan2(i * 0, i), {0.f, 0.f});
    check_type_and_close<f32>(jf::hypot(i, 0), {4.f, 9.f}, bound);
    check_type_and_values<f64>(jf::sqrt(jf::cast<f64>(i)), {2.0, 3.0});
    // pow is not a floating-only function: int with int stays int; a float scalar makes float32.
    check_type_and_values<i32>(jf::pow(i, 2), {16, 81});
    check_type_and_close<f32>(jf::pow(i, 0.5), {2.f, 3.f}, bound);
    // Functions that keep the type.
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{-128, -5});
    check_type_and_values<i8>(jf::abs(s8), {-128, 5});
    check_type_and_values<i8>(jf::sign(s8), {-1, -1});
    check_type_and_values<i8>(jf::round(s8), {-128, -5});
    check_type_and_values<i8>(jf::square(s8), {0, 25});
    check_type_and_values<u8>(-u8a, {0, 255});
    check_type_and_values<i8>(~s8, {127, 4});
    check_type_and_values<f32>(jf::cast<f32>(s8), {-128.f, -5.f});
}

TEST_CASE("comparisons, logical operations and predicates give bool") {
    jf::array<i32> i = jf::from_host(std::vector<i32>{-1, 2});
    jf::array<u32> u = jf::from_host(std::vector<u32>{1, 2});
    jf::array<f64> d = jf::from_host(std::vector<f64>{-1.0, std::numeric_limits<double>::quiet_NaN()});
    check_type_and_values<bool>(i < u, {true, false});  // compared in int64
    check_type_and_values<bool>(i == 2, {false, true});
    check_type_and_values<bool>(d >= -1, {true, false});
    check_type_and_values<bool>(d != d, {false, true});
    check_type_and_values<bool>(i && d, {true, true});
    check_type_and_values<bool>(!i, {false, false});
    check_type_and_values<bool>(jf::isnan(d), {false, true});
    check_type_and_values<bool>(jf::isfinite(i), {true, true});
    check_type_and_values<bool>(jf::isinf(i), {false, false});
}

TEST_CASE("where: branches promote like a binary operation; scalars alone take default types") {
    jf::array<bool> c = jf::array<bool>(jf::cast<bool>(jf::from_host(std::vector<u8>{1, 0})));
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{-3, 4});
    jf::array<f64> d = jf::from_host(std::vector<f64>{0.25, 0.5});
    check_type_and_values<f32>(jf::where(c, 1.0, 0.0), {1.f, 0.f});
    check_type_and_values<i32>(jf::where(c, 1, 0), {1, 0});
    check_type_and_values<f32>(jf::where(c, 1, 0.5), {1.f, 0.5f});
    check_type_and_values<bool>(jf::where(c, true, false), {true, false});
    check_type_and_values<i8>(jf::where(c, s8, 1), {-3, 1});
    check_type_and_values<f32>(jf::where(c, s8, 1.5), {-3.f, 1.5f});
    check_type_and_values<f64>(jf::where(c, d, 1.5f), {0.25, 1.5});
    check_type_and_values<i16>(jf::where(c, s8, jf::cast<u8>(s8)), {-3, 4});
    // The condition's type never enters: a double condition still gives int32.
    check_type_and_values<i32>(jf::where(d, 1, 2), {1, 1});
}

TEST_CASE("clamp and fma promote all three operands") {
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{-5, 50, 7});
    check_type_and_values<i8>(jf::clamp(s8, 0, 10), {0, 10, 7});
    check_type_and_values<f32>(jf::clamp(s8, 0.5, 10), {0.5f, 10.f, 7.f});
    jf::array<u8> u8a = jf::from_host(std::vector<u8>{200, 1, 2});
    jf::array<i16> lo = jf::from_host(std::vector<i16>{-1, 3, -1});
    check_type_and_values<i16>(jf::clamp(u8a, lo, 100), {100, 3, 2});
    jf::array<i32> i = jf::from_host(std::vector<i32>{2, 3, 4});
    check_type_and_values<f32>(jf::fma(i, i, 0.5), {4.5f, 9.5f, 16.5f});
    check_type_and_values<i32>(jf::fma(i, i, 1), {5, 10, 17});
}

TEST_CASE("compound expressions: an expression is strong once it holds an array") {
    jf::array<i8> s8 = jf::from_host(std::vector<i8>{100, -100});
    jf::array<i16> s16 = jf::from_host(std::vector<i16>{1, 1});
    // (int8 + 1) is int8 (wraps), then meets int16.
    check_type_and_values<i16>((s8 + 100) + s16, {-55, 1});
    // where(c, 1, 0) is an int32 expression, which then meets the int8 array as an array.
    check_type_and_values<i32>(jf::where(s8 > 0, 1, 0) + s8, {101, -100});
    // The rank and broadcasting do not change the dtype.
    jf::array<u8, 2> m = jf::from_host(std::vector<u8>{1, 2, 3, 4}, {2, 2});
    jf::array<i8> row = jf::from_host(std::vector<i8>{-1, 1});
    auto e = m * row;
    static_assert(std::is_same_v<decltype(e)::value_type, i16>);
    CHECK(jf::eval(e).to_host() == std::vector<i16>{-1, 2, -3, 4});
}

}  // TEST_SUITE
