// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Well-defined scalar arithmetic: integer results wrap (no signed-overflow UB),
/// float -> integer conversion saturates (NaN -> 0), integer division by zero follows XLA.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace jitfuse::detail {

template <class T>
concept integer = std::integral<T> && !std::same_as<T, bool>;

/// The unsigned type integer arithmetic on T is done in, at least `unsigned int` wide so that
/// C++'s promotion to `int` cannot overflow.
template <integer T>
using wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
constexpr T wrap_add(T a, T b) {
    if constexpr (integer<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
    else return a + b;
}
template <class T>
constexpr T wrap_sub(T a, T b) {
    if constexpr (integer<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
    else return a - b;
}
template <class T>
constexpr T wrap_mul(T a, T b) {
    if constexpr (integer<T>) return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
    else return a * b;
}
template <class T>
constexpr T wrap_neg(T a) {
    if constexpr (integer<T>) return wrap_sub(T(0), a);
    else return -a;  // IEEE negation: -(+0) is -0, which 0 - x would not give
}

/// Integer division: x / 0 == -1 (all bits set), MIN / -1 == MIN (XLA's definition).
template <class T>
constexpr T safe_div(T a, T b) {
    if constexpr (integer<T>) {
        if (b == 0) return static_cast<T>(-1);
        if constexpr (std::is_signed_v<T>)
            if (b == -1) return wrap_neg(a);
        return static_cast<T>(a / b);
    } else return a / b;
}

/// Remainder with the sign of the dividend (C++ `%`, `std::fmod`): x % 0 == x, MIN % -1 == 0.
template <class T>
constexpr T safe_mod(T a, T b) {
    if constexpr (integer<T>) {
        if (b == 0) return a;
        if constexpr (std::is_signed_v<T>)
            if (b == -1) return 0;
        return static_cast<T>(a % b);
    } else return std::fmod(a, b);
}

/// Shifts by a negative amount or by at least the bit width give 0 (or -1 for a right shift
/// of a negative value), instead of undefined behaviour.
template <class T>
constexpr T safe_shl(T a, T b) {
    if (b < T(0) || b >= T(sizeof(T) * 8)) return 0;
    return static_cast<T>(static_cast<wrap_t<T>>(a) << b);
}
template <class T>
constexpr T safe_shr(T a, T b) {
    if (b < T(0) || b >= T(sizeof(T) * 8)) return a < T(0) ? T(-1) : T(0);
    return static_cast<T>(a >> b);
}

/// Element conversion as `cast<To>` does it: to bool is `!= 0`; float to integer truncates
/// toward zero and saturates at the type's limits, NaN gives 0.
template <class To, class From>
constexpr To convert(From x) {
    if constexpr (std::same_as<To, From>) return x;
    else if constexpr (std::same_as<To, bool>) return x != From(0);
    else if constexpr (std::is_floating_point_v<From> && std::integral<To>) {
        if (x != x) return 0;
        if (x <= static_cast<From>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
        if (x >= static_cast<From>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
        return static_cast<To>(x);
    } else return static_cast<To>(x);
}

/// Integer power by squaring, wrapping; a negative exponent gives 0 unless |base| == 1.
template <integer T>
constexpr T int_pow(T base, T exp) {
    if constexpr (std::is_signed_v<T>)
        if (exp < 0) return base == 1 ? T(1) : base == -1 ? (exp % 2 ? T(-1) : T(1)) : T(0);
    T result = 1;
    while (exp != 0) {
        if (exp & 1) result = wrap_mul(result, base);
        base = wrap_mul(base, base);
        exp = static_cast<T>(exp >> 1);
    }
    return result;
}

}  // namespace jitfuse::detail
