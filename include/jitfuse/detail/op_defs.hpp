// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Operation tags. Each tag carries its name (the spelling in generated kernels and in
/// `explain`), which operand types it accepts, the type it computes in and returns, and its
/// host implementation; one definition serves every backend.

#include <cmath>
#include <concepts>
#include <string_view>
#include <type_traits>

#include "../dtype.hpp"
#include "scalar_math.hpp"

namespace jitfuse::detail {

// How an operation maps its (promoted) operand type P to the type it computes in and the
// element type it returns.
struct same_type_op {
    template <class P> using compute = P;
    template <class C> using result = C;
};
struct floating_op {
    template <class P> using compute = float_of_t<P>;
    template <class C> using result = C;
};
struct predicate_op {
    template <class P> using compute = P;
    template <class C> using result = bool;
};
struct logical_op {
    template <class P> using compute = bool;
    template <class C> using result = bool;
};

template <class C> inline constexpr bool not_bool = !std::same_as<C, bool>;
template <class C> inline constexpr bool any_type = true;
template <class C> inline constexpr bool integral_type = std::integral<C>;
template <class C> inline constexpr bool integer_type = integer<C>;

template <class T>
constexpr T nan_min(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (a != a) return a;
        if (b != b) return b;
    }
    return b < a ? b : a;
}
template <class T>
constexpr T nan_max(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (a != a) return a;
        if (b != b) return b;
    }
    return a < b ? b : a;
}

#define JITFUSE_DEFINE_OP(NAME, CATEGORY, ACCEPTS, REQUIREMENT, PARAMS, BODY)               \
    struct NAME##_op : CATEGORY {                                                          \
        static constexpr std::string_view name = #NAME;                                    \
        static constexpr std::string_view requirement = REQUIREMENT;                       \
        template <class C> static constexpr bool accepts = ACCEPTS<C>;                     \
        template <class C> static constexpr auto apply PARAMS { BODY }                     \
    };

#define JITFUSE_UNARY(NAME, CATEGORY, ACCEPTS, REQUIREMENT, BODY) \
    JITFUSE_DEFINE_OP(NAME, CATEGORY, ACCEPTS, REQUIREMENT, (C x), BODY)
#define JITFUSE_BINARY(NAME, CATEGORY, ACCEPTS, REQUIREMENT, BODY) \
    JITFUSE_DEFINE_OP(NAME, CATEGORY, ACCEPTS, REQUIREMENT, (C a, C b), BODY)
#define JITFUSE_FLOAT_UNARY(NAME, STD) \
    JITFUSE_UNARY(NAME, floating_op, any_type, "", return C(STD(x));)

inline constexpr std::string_view no_bool = "is not defined for bool operands; cast<int32_t>() first";
inline constexpr std::string_view only_integers = "needs integer operands";
inline constexpr std::string_view only_integral = "needs integer or bool operands";

// ---- unary -------------------------------------------------------------------------------
JITFUSE_UNARY(negative, same_type_op, not_bool, no_bool, return wrap_neg(x);)
JITFUSE_UNARY(abs, same_type_op, not_bool, no_bool,
              if constexpr (std::is_floating_point_v<C>) return std::fabs(x);
              else if constexpr (std::is_signed_v<C>) return x < 0 ? wrap_neg(x) : x;
              else return x;)
JITFUSE_UNARY(square, same_type_op, not_bool, no_bool, return wrap_mul(x, x);)
JITFUSE_UNARY(sign, same_type_op, not_bool, no_bool,
              return x > C(0) ? C(1) : x < C(0) ? C(-1) : x;)
JITFUSE_UNARY(floor, same_type_op, not_bool, no_bool,
              if constexpr (std::is_floating_point_v<C>) return std::floor(x); else return x;)
JITFUSE_UNARY(ceil, same_type_op, not_bool, no_bool,
              if constexpr (std::is_floating_point_v<C>) return std::ceil(x); else return x;)
// Rounds half to even, as NumPy and JAX do.
JITFUSE_UNARY(round, same_type_op, not_bool, no_bool,
              if constexpr (std::is_floating_point_v<C>) return std::nearbyint(x); else return x;)
JITFUSE_UNARY(trunc, same_type_op, not_bool, no_bool,
              if constexpr (std::is_floating_point_v<C>) return std::trunc(x); else return x;)
JITFUSE_UNARY(rsqrt, floating_op, any_type, "", return C(1) / std::sqrt(x);)
JITFUSE_FLOAT_UNARY(sqrt, std::sqrt)
JITFUSE_FLOAT_UNARY(cbrt, std::cbrt)
JITFUSE_FLOAT_UNARY(exp, std::exp)
JITFUSE_FLOAT_UNARY(exp2, std::exp2)
JITFUSE_FLOAT_UNARY(expm1, std::expm1)
JITFUSE_FLOAT_UNARY(log, std::log)
JITFUSE_FLOAT_UNARY(log2, std::log2)
JITFUSE_FLOAT_UNARY(log10, std::log10)
JITFUSE_FLOAT_UNARY(log1p, std::log1p)
JITFUSE_FLOAT_UNARY(sin, std::sin)
JITFUSE_FLOAT_UNARY(cos, std::cos)
JITFUSE_FLOAT_UNARY(tan, std::tan)
JITFUSE_FLOAT_UNARY(asin, std::asin)
JITFUSE_FLOAT_UNARY(acos, std::acos)
JITFUSE_FLOAT_UNARY(atan, std::atan)
JITFUSE_FLOAT_UNARY(sinh, std::sinh)
JITFUSE_FLOAT_UNARY(cosh, std::cosh)
JITFUSE_FLOAT_UNARY(tanh, std::tanh)
JITFUSE_FLOAT_UNARY(erf, std::erf)
JITFUSE_UNARY(isnan, predicate_op, any_type, "",
              if constexpr (std::is_floating_point_v<C>) return x != x; else return false;)
JITFUSE_UNARY(isinf, predicate_op, any_type, "",
              if constexpr (std::is_floating_point_v<C>) return std::isinf(x); else return false;)
JITFUSE_UNARY(isfinite, predicate_op, any_type, "",
              if constexpr (std::is_floating_point_v<C>) return std::isfinite(x); else return true;)
JITFUSE_UNARY(logical_not, logical_op, any_type, "", return !x;)
JITFUSE_UNARY(bitwise_not, same_type_op, integral_type, only_integral,
              if constexpr (std::same_as<C, bool>) return !x; else return static_cast<C>(~x);)

// ---- binary ------------------------------------------------------------------------------
JITFUSE_BINARY(add, same_type_op, not_bool, no_bool, return wrap_add(a, b);)
JITFUSE_BINARY(subtract, same_type_op, not_bool, no_bool, return wrap_sub(a, b);)
JITFUSE_BINARY(multiply, same_type_op, not_bool, no_bool, return wrap_mul(a, b);)
JITFUSE_BINARY(divide, same_type_op, not_bool, no_bool, return safe_div(a, b);)
JITFUSE_BINARY(remainder, same_type_op, not_bool, no_bool, return safe_mod(a, b);)
JITFUSE_BINARY(minimum, same_type_op, any_type, "", return nan_min(a, b);)
JITFUSE_BINARY(maximum, same_type_op, any_type, "", return nan_max(a, b);)
JITFUSE_BINARY(pow, same_type_op, not_bool, no_bool,
               if constexpr (std::is_floating_point_v<C>) return C(std::pow(a, b));
               else return int_pow(a, b);)
JITFUSE_BINARY(atan2, floating_op, any_type, "", return C(std::atan2(a, b));)
JITFUSE_BINARY(hypot, floating_op, any_type, "", return C(std::hypot(a, b));)
JITFUSE_BINARY(bitwise_and, same_type_op, integral_type, only_integral, return static_cast<C>(a & b);)
JITFUSE_BINARY(bitwise_or, same_type_op, integral_type, only_integral, return static_cast<C>(a | b);)
JITFUSE_BINARY(bitwise_xor, same_type_op, integral_type, only_integral, return static_cast<C>(a ^ b);)
JITFUSE_BINARY(shift_left, same_type_op, integer_type, only_integers, return safe_shl(a, b);)
JITFUSE_BINARY(shift_right, same_type_op, integer_type, only_integers, return safe_shr(a, b);)
JITFUSE_BINARY(equal, predicate_op, any_type, "", return a == b;)
JITFUSE_BINARY(not_equal, predicate_op, any_type, "", return a != b;)
JITFUSE_BINARY(less, predicate_op, any_type, "", return a < b;)
JITFUSE_BINARY(less_equal, predicate_op, any_type, "", return a <= b;)
JITFUSE_BINARY(greater, predicate_op, any_type, "", return a > b;)
JITFUSE_BINARY(greater_equal, predicate_op, any_type, "", return a >= b;)
JITFUSE_BINARY(logical_and, logical_op, any_type, "", return a & b;)
JITFUSE_BINARY(logical_or, logical_op, any_type, "", return a | b;)

// ---- ternary -----------------------------------------------------------------------------
JITFUSE_DEFINE_OP(clamp, same_type_op, any_type, "", (C x, C lo, C hi),
                  return nan_min(nan_max(x, lo), hi);)
JITFUSE_DEFINE_OP(fma, same_type_op, not_bool, no_bool, (C a, C b, C c),
                  if constexpr (std::is_floating_point_v<C>) return std::fma(a, b, c);
                  else return wrap_add(wrap_mul(a, b), c);)

/// `where(cond, a, b)`: the condition is read as bool, the branches in their promoted type.
struct where_op : same_type_op {
    static constexpr std::string_view name = "where";
    static constexpr std::string_view requirement = "";
    template <class C> static constexpr bool accepts = true;
    template <class C> static constexpr C apply(bool c, C a, C b) { return c ? a : b; }
};

/// `cast<T>(e)`: explicit conversion (see `convert` for the rules).
template <element T>
struct cast_op {
    static constexpr std::string_view name = "cast";
    static constexpr std::string_view requirement = "";
    template <class P> using compute = P;
    template <class C> using result = T;
    template <class C> static constexpr bool accepts = true;
    template <class C> static constexpr T apply(C x) { return convert<T>(x); }
};

#undef JITFUSE_FLOAT_UNARY
#undef JITFUSE_BINARY
#undef JITFUSE_UNARY
#undef JITFUSE_DEFINE_OP

}  // namespace jitfuse::detail
