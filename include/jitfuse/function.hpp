// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Custom device functions: `JITFUSE_FUNCTION(ret, name, (params), body...)` declares a
/// function with loops and branches written once for the host and for NVRTC:
///
///     JITFUSE_FUNCTION(int, mandelbrot, (float cr, float ci, int max_iter),
///         float zr = 0, zi = 0; int i = 0;
///         while (i < max_iter && zr*zr + zi*zi < 4.f) { ... ++i; }
///         return i;)
///     jf::array<int, 2> it = mandelbrot(cr, ci, 256);   // a node: fuses like any op
///     int n = mandelbrot(-0.5f, 0.f, 256);              // numbers only: runs on the host
///
/// The host compiles the body as a static function; generated kernels get its text as
/// `__device__ inline RET jfu_NAME(PARAMS) { BODY }`, after a `#line` pointing at the
/// declaration, so NVRTC errors name the user's file and line. Arguments are converted to the
/// parameter types and broadcast together (NumPy rules); the result type is `ret`.
///
/// The body sees, unqualified, the C math functions both sides provide without headers:
/// `abs fabs fmod remainder fma fmin fmax fdim exp exp2 expm1 log log2 log10 log1p pow sqrt
/// cbrt hypot sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh erf erfc
/// tgamma lgamma ceil floor trunc round rint copysign isnan isinf isfinite signbit` (float
/// and double overloads) and their `f`-suffixed float forms (`sqrtf`, `expf`, ...).
/// Limits: a declaration at namespace scope; parameters are named numbers taken by value,
/// without default arguments; built-in types only inside the body (`int`, `float`, `long
/// long`, not `std::int64_t`), no `std::` names, no captures (nothing but the parameters and
/// local variables), no calls to other functions of the program, other JITFUSE_FUNCTIONs or
/// itself; two different functions of one name (in two namespaces) not in one expression
/// (generating its kernel is a `jitfuse::error`).

#include <cmath>
#include <cstdlib>
#include <string_view>

#include "detail/call_expr.hpp"

namespace jitfuse::detail::function_math {

// The host overloads of the names NVRTC provides for float and double (the C library
// declares only the double ones in the global namespace).
using std::abs, std::fabs, std::fmod, std::remainder, std::fma, std::fmin, std::fmax, std::fdim;
using std::exp, std::exp2, std::expm1, std::log, std::log2, std::log10, std::log1p;
using std::pow, std::sqrt, std::cbrt, std::hypot;
using std::sin, std::cos, std::tan, std::asin, std::acos, std::atan, std::atan2;
using std::sinh, std::cosh, std::tanh, std::asinh, std::acosh, std::atanh;
using std::erf, std::erfc, std::tgamma, std::lgamma;
using std::ceil, std::floor, std::trunc, std::round, std::rint, std::copysign;
using std::isnan, std::isinf, std::isfinite, std::signbit;

}  // namespace jitfuse::detail::function_math

/// Declares `name`, a function on numbers (run on the host) and on expressions (a node
/// computed by the body in the fused pass). A complete declaration: no `;` needed after it.
#define JITFUSE_FUNCTION(RET, NAME, PARAMS, ...)                                          \
    struct jitfuse_function_##NAME {                                                      \
        static constexpr ::std::string_view name = #NAME;                                 \
        static constexpr ::std::string_view file = __FILE__;                              \
        static constexpr int line = __LINE__;                                             \
        static constexpr ::std::string_view params = #PARAMS;                             \
        static constexpr ::std::string_view body = #__VA_ARGS__;                          \
        static RET apply PARAMS {                                                         \
            using namespace ::jitfuse::detail::function_math;                             \
            __VA_ARGS__                                                                   \
        }                                                                                 \
    };                                                                                    \
    template <class... JitfuseArgs>                                                       \
    auto NAME(const JitfuseArgs&... jitfuse_args) {                                       \
        return ::jitfuse::detail::call_function<jitfuse_function_##NAME>(jitfuse_args...); \
    }
