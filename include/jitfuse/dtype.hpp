// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Element types and the type-promotion rules (JAX lattice, weak C++ scalars).

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace jitfuse {

/// The element types an array can hold.
template <class T>
concept element =
    std::same_as<T, bool> || std::same_as<T, std::int8_t> || std::same_as<T, std::int16_t> ||
    std::same_as<T, std::int32_t> || std::same_as<T, std::int64_t> ||
    std::same_as<T, std::uint8_t> || std::same_as<T, std::uint16_t> ||
    std::same_as<T, std::uint32_t> || std::same_as<T, std::uint64_t> ||
    std::same_as<T, float> || std::same_as<T, double>;

/// A C++ number usable as a "weak" scalar operand (`x * 2.0`, `3 + y`).
template <class T>
concept scalar = std::is_arithmetic_v<T>;

/// Run-time tag of an element type.
enum class dtype : std::uint8_t {
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64
};

template <element T>
inline constexpr dtype dtype_of = [] {
    if constexpr (std::same_as<T, bool>) return dtype::bool_;
    else if constexpr (std::same_as<T, std::int8_t>) return dtype::int8;
    else if constexpr (std::same_as<T, std::int16_t>) return dtype::int16;
    else if constexpr (std::same_as<T, std::int32_t>) return dtype::int32;
    else if constexpr (std::same_as<T, std::int64_t>) return dtype::int64;
    else if constexpr (std::same_as<T, std::uint8_t>) return dtype::uint8;
    else if constexpr (std::same_as<T, std::uint16_t>) return dtype::uint16;
    else if constexpr (std::same_as<T, std::uint32_t>) return dtype::uint32;
    else if constexpr (std::same_as<T, std::uint64_t>) return dtype::uint64;
    else if constexpr (std::same_as<T, float>) return dtype::float32;
    else return dtype::float64;
}();

/// NumPy-style name: "float32", "int64", "bool".
constexpr std::string_view name(dtype t) {
    constexpr std::string_view names[] = {"bool",   "int8",   "int16",  "int32",
                                          "int64",  "uint8",  "uint16", "uint32",
                                          "uint64", "float32", "float64"};
    return names[static_cast<int>(t)];
}

namespace detail {

enum class kind : std::uint8_t { boolean, integer, floating };

template <class T>
constexpr kind kind_of = std::same_as<T, bool>           ? kind::boolean
                         : std::is_floating_point_v<T> ? kind::floating
                                                       : kind::integer;

/// Maps any C++ arithmetic type onto the element type of the same kind and size
/// (`long long` -> int64, `char` -> int8 or uint8, `long double` -> double).
template <scalar S>
using normalize_t = std::conditional_t<
    std::same_as<S, bool>, bool,
    std::conditional_t<
        std::is_floating_point_v<S>, std::conditional_t<sizeof(S) == 4, float, double>,
        std::conditional_t<
            std::is_signed_v<S>,
            std::conditional_t<sizeof(S) == 1, std::int8_t,
                               std::conditional_t<sizeof(S) == 2, std::int16_t,
                                                  std::conditional_t<sizeof(S) == 4, std::int32_t,
                                                                     std::int64_t>>>,
            std::conditional_t<
                sizeof(S) == 1, std::uint8_t,
                std::conditional_t<sizeof(S) == 2, std::uint16_t,
                                   std::conditional_t<sizeof(S) == 4, std::uint32_t,
                                                      std::uint64_t>>>>>>;

template <int Bits, bool Signed>
using int_of_bits = std::conditional_t<
    Signed,
    std::conditional_t<Bits == 8, std::int8_t,
                       std::conditional_t<Bits == 16, std::int16_t,
                                          std::conditional_t<Bits == 32, std::int32_t, std::int64_t>>>,
    std::conditional_t<Bits == 8, std::uint8_t,
                       std::conditional_t<Bits == 16, std::uint16_t,
                                          std::conditional_t<Bits == 32, std::uint32_t,
                                                             std::uint64_t>>>>;

/// Promotion of two array ("strong") element types, JAX lattice:
/// bool < integers < floats; a signed and an unsigned integer meet in the next signed type
/// wide enough for both, and uint64 with any signed type gives float64.
template <element A, element B>
struct promote_strong {
    static auto pick() {
        if constexpr (std::same_as<A, B>) return A{};
        else if constexpr (std::same_as<A, bool>) return B{};
        else if constexpr (std::same_as<B, bool>) return A{};
        else if constexpr (std::is_floating_point_v<A> || std::is_floating_point_v<B>) {
            if constexpr (std::is_floating_point_v<A> && std::is_floating_point_v<B>)
                return std::conditional_t<(sizeof(A) > sizeof(B)), A, B>{};
            else return std::conditional_t<std::is_floating_point_v<A>, A, B>{};
        } else if constexpr (std::is_signed_v<A> == std::is_signed_v<B>) {
            return std::conditional_t<(sizeof(A) > sizeof(B)), A, B>{};
        } else {
            using S = std::conditional_t<std::is_signed_v<A>, A, B>;
            using U = std::conditional_t<std::is_signed_v<A>, B, A>;
            if constexpr (sizeof(S) > sizeof(U)) return S{};
            else if constexpr (sizeof(U) < 8) return int_of_bits<int(sizeof(U)) * 16, true>{};
            else return double{};
        }
    }
    using type = decltype(pick());
};

/// The type a weak scalar of type S gives together with an array of type T:
/// the array's type when the scalar's kind is not higher, else the default type of the
/// scalar's kind (int32 for integers, float32 for floats).
template <element T, element S>
using promote_weak_t = std::conditional_t<
    (kind_of<S> <= kind_of<T>), T,
    std::conditional_t<kind_of<S> == kind::integer, std::int32_t, float>>;

/// The type a weak scalar takes when no array decides (`where(c, 1.0, 0)`).
template <element S>
using default_type_t = std::conditional_t<
    kind_of<S> == kind::boolean, bool,
    std::conditional_t<kind_of<S> == kind::integer, std::int32_t, float>>;

/// Promotion of two operand types, each marked weak (a C++ scalar) or strong (an array).
template <element A, bool WeakA, element B, bool WeakB>
struct promote {
    static auto pick() {
        if constexpr (WeakA && WeakB) {
            using K = std::conditional_t<(kind_of<A> >= kind_of<B>), A, B>;
            return default_type_t<K>{};
        } else if constexpr (WeakA) return promote_weak_t<B, A>{};
        else if constexpr (WeakB) return promote_weak_t<A, B>{};
        else return typename promote_strong<A, B>::type{};
    }
    using type = decltype(pick());
};

template <element A, bool WeakA, element B, bool WeakB>
using promote_t = typename promote<A, WeakA, B, WeakB>::type;

/// The floating type an integer or bool operand is computed in for sin, sqrt, mean ...
template <element T>
using float_of_t = std::conditional_t<std::is_floating_point_v<T>, T, float>;

}  // namespace detail
}  // namespace jitfuse
