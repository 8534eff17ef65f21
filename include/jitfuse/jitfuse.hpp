// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The umbrella header: `#include <jitfuse/jitfuse.hpp>` and `namespace jf = jitfuse;`.

#include "array.hpp"
#include "config.hpp"
#include "detail/evaluate.hpp"
#include "device.hpp"
#include "dtype.hpp"
#include "error.hpp"
#include "expand_dims.hpp"
#include "explain.hpp"
#include "factories.hpp"
#include "function.hpp"
#include "ops.hpp"
#include "random.hpp"
#include "reduce.hpp"
#include "scan.hpp"
#include "stats.hpp"
#include "stencil.hpp"
#include "tie.hpp"

namespace jitfuse {

/// Evaluates `e` into a new array; an array or view is copied (constructing an array from
/// one would share its buffer).
template <detail::expression E>
auto eval(const E& e) {
    using result = array<typename E::value_type, E::rank>;
    if constexpr (std::same_as<E, result>) return e.clone();
    else return result(e);
}

/// Waits until all queued work is done: GPU passes are queued on each GPU's stream (the CPU
/// fallback runs synchronously).
void synchronize();

}  // namespace jitfuse
