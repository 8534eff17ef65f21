// SPDX-License-Identifier: Apache-2.0
#pragma once
#include <cmath>
#include <cstdint>

namespace bench {

/// A number summarising an output, to check that variants agree: the sum of the finite values
/// plus the count of the others (NaN marks masked pixels). bench/peers/common.py computes the same.
template <class T>
double digest_of(const T* p, std::int64_t n) {
    double s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += std::isfinite(static_cast<double>(p[i])) ? static_cast<double>(p[i]) : 1.0;
    return s;
}

}  // namespace bench
