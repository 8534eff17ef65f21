// SPDX-License-Identifier: Apache-2.0
// NDVI from the red and near-infrared bands of a raster, with nodata masking: pixels where
// either band is nodata, or both are 0, become NaN. One fused pass; the mean over valid
// pixels is a second, fused map + reduce. Checked against a plain loop.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

int main() {
    const std::int64_t rows = 1200, cols = 1000;
    const std::uint16_t nodata = 65535;  // a common GeoTIFF convention for 16-bit bands
    std::vector<std::uint16_t> red(rows * cols), nir(rows * cols);
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> reflectance(0, 10000);
    for (std::int64_t i = 0; i < rows * cols; ++i) {
        red[i] = static_cast<std::uint16_t>(reflectance(rng));
        nir[i] = static_cast<std::uint16_t>(reflectance(rng));
        if (i % 97 == 0) red[i] = nodata;  // scattered gaps
        if (i % 89 == 0) nir[i] = 0, red[i] = 0;
    }
    const jf::array<std::uint16_t, 2> r = jf::from_host(red, {rows, cols});
    const jf::array<std::uint16_t, 2> n = jf::from_host(nir, {rows, cols});

    const auto rf = jf::cast<float>(r), nf = jf::cast<float>(n);
    const auto valid = (r != nodata) && (n != nodata) && (rf + nf > 0.f);
    const jf::array<float, 2> ndvi = jf::where(valid, (nf - rf) / (nf + rf), NAN);
    const auto valid_count = jf::sum(valid).item();
    const double mean = jf::sum(jf::where(jf::isnan(ndvi), 0.f, ndvi)).item() / double(valid_count);
    const std::vector<float> got = ndvi.to_host();

    double worst = 0, ref_sum = 0;
    std::int64_t ref_valid = 0, mask_errors = 0;
    for (std::int64_t i = 0; i < rows * cols; ++i) {
        const bool ok = red[i] != nodata && nir[i] != nodata && red[i] + nir[i] > 0;
        if (!ok) {
            mask_errors += !std::isnan(got[i]);
            continue;
        }
        const double want = (double(nir[i]) - red[i]) / (double(nir[i]) + red[i]);
        worst = std::max(worst, std::fabs(got[i] - want));
        ref_sum += want;
        ++ref_valid;
    }
    const double ref_mean = ref_sum / double(ref_valid);
    std::printf("%s\nNDVI of a %lldx%lld raster: %lld valid pixels, mean %.5f (plain loop %.5f), "
                "worst error %.2e, mask errors %lld\n",
                jf::backend_info().c_str(), static_cast<long long>(rows), static_cast<long long>(cols),
                static_cast<long long>(valid_count), mean, ref_mean, worst, static_cast<long long>(mask_errors));
    // float32 subtract, add and divide of exact integers: within ~2 ulp of values in [-1, 1].
    // The mean is a float32 sum of 1.2e6 terms in |x| <= 1: blocked error well below 1e-4.
    const bool ok = worst < 1e-6 && mask_errors == 0 && valid_count == ref_valid && std::fabs(mean - ref_mean) < 1e-4;
    return ok ? 0 : 1;
}
