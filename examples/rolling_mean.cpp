// SPDX-License-Identifier: Apache-2.0
// Rolling mean of synthetic time series with jitfuse, checked against a plain loop: each row
// of a series x time matrix is a noisy sine; one pass computes the 24-sample rolling mean
// along time and another the deviation of each sample from it.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

int main() {
    const std::int64_t series = 64, samples = 10000, window = 24;
    std::vector<float> host(series * samples);
    std::mt19937 rng(7);
    std::normal_distribution<float> noise(0.f, 0.3f);
    for (std::int64_t s = 0; s < series; ++s)
        for (std::int64_t t = 0; t < samples; ++t)
            host[s * samples + t] = std::sin(0.01f * static_cast<float>(t) + 0.1f * static_cast<float>(s)) + noise(rng);

    const jf::array<float, 2> x = jf::from_host(host, {series, samples});
    const jf::array<float, 2> mean = jf::rolling_mean(x, window, 1);
    const jf::array<float, 2> deviation = x - jf::rolling_mean(x, window, 1);
    const std::vector<float> got = mean.to_host(), dev = deviation.to_host();

    double worst = 0;
    std::int64_t bad_nan = 0;
    for (std::int64_t s = 0; s < series; ++s)
        for (std::int64_t t = 0; t < samples; ++t) {
            const std::int64_t i = s * samples + t;
            if (t + 1 < window) {  // pandas warm-up: no full window yet
                bad_nan += !std::isnan(got[i]) || !std::isnan(dev[i]);
                continue;
            }
            long double sum = 0;
            for (std::int64_t k = t + 1 - window; k <= t; ++k) sum += host[s * samples + k];
            const long double want = sum / window;
            worst = std::max<double>(worst, std::fabs(static_cast<double>(got[i] - want)));
            worst = std::max<double>(worst, std::fabs(static_cast<double>(dev[i] - (host[i] - want))));
        }
    std::printf("%s\nrolling mean (window %lld) of %lld series x %lld samples: worst error %.2e, %lld bad warm-up values\n",
                jf::backend_info().c_str(), static_cast<long long>(window), static_cast<long long>(series),
                static_cast<long long>(samples), worst, static_cast<long long>(bad_nan));
    // float32 windows of 24 values of magnitude <= ~2.5: each output folds at most 2 * 24
    // values, so the error stays below 48 * 6e-8 * 2.5 ~ 7e-6; 1e-5 leaves room for the division.
    return worst < 1e-5 && bad_nan == 0 ? 0 : 1;
}
