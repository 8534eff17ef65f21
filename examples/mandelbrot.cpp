// SPDX-License-Identifier: Apache-2.0
// The Mandelbrot set on a 1024x768 grid with a JITFUSE_FUNCTION, checked against a plain loop.
// The escape-time loop is written once; called on arrays it becomes a node of the expression:
// the grid is a row of real parts broadcast against a column of imaginary parts, and the
// count of points in the set is one fused pass (call, comparison and sum).
#include <cstdio>
#include <string>
#include <vector>

#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;

JITFUSE_FUNCTION(int, mandelbrot, (float cr, float ci, int max_iter),
    float zr = 0, zi = 0; int i = 0;
    while (i < max_iter && zr*zr + zi*zi < 4.f) { float t = zr*zr - zi*zi + cr; zi = 2*zr*zi + ci; zr = t; ++i; }
    return i;)

/// The same iteration as a plain loop.
int escape_time(float cr, float ci, int max_iter) {
    float zr = 0, zi = 0;
    int i = 0;
    for (; i < max_iter && zr * zr + zi * zi < 4.f; ++i) {
        const float t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
    }
    return i;
}

int main() {
    const std::int64_t width = 1024, height = 768;
    const int max_iter = 256;
    // Re in [-2.5, 1), Im in [-1.25, 1.25): square pixels.
    const jf::array<float> re = jf::arange<float>(width) * (3.5f / width) - 2.5f;
    const jf::array<float> im = jf::arange<float>(height) * (2.5f / height) - 1.25f;
    const jf::array<float, 2> cr = re.reshape<2>({1, width});
    const jf::array<float, 2> ci = im.reshape<2>({height, 1});

    const jf::array<int, 2> iterations = mandelbrot(cr, ci, max_iter);
    const auto inside = jf::sum(jf::cast<std::int64_t>(mandelbrot(cr, ci, max_iter) == max_iter)).item();
    const std::vector<int> got = iterations.to_host();

    const std::vector<float> re_host = re.to_host(), im_host = im.to_host();
    std::int64_t mismatches = 0, inside_reference = 0;
    for (std::int64_t y = 0; y < height; ++y)
        for (std::int64_t x = 0; x < width; ++x) {
            const int want = escape_time(re_host[x], im_host[y], max_iter);
            inside_reference += want == max_iter;
            mismatches += got[y * width + x] != want;
        }

    std::printf("%s\n", jf::backend_info().c_str());
    for (std::int64_t row = 0; row < 20; ++row) {  // a 60x20 thumbnail
        std::string line;
        for (std::int64_t col = 0; col < 60; ++col) {
            const int n = got[(row * height / 20 + height / 40) * width + col * width / 60];
            line += n == max_iter ? '#' : n > 16 ? '+' : n > 6 ? '.' : ' ';
        }
        std::printf("  %s\n", line.c_str());
    }
    std::printf("mandelbrot %lldx%lld, max_iter %d: %lld points in the set, %lld mismatches against the plain loop\n",
                static_cast<long long>(width), static_cast<long long>(height), max_iter,
                static_cast<long long>(inside), static_cast<long long>(mismatches));
    // The CPU runs the body the host compiler built from the same text: exact. A GPU may
    // contract zr*zr + zi*zi into an FMA and so move a few points on the set's boundary.
    const std::int64_t allowed = jf::default_device().is_cpu() ? 0 : width * height / 1000;
    if (mismatches > allowed || (allowed == 0 && inside != inside_reference)) {
        std::printf("mismatch: %lld points differ (allowed %lld), %lld in the set, the loop says %lld\n",
                    static_cast<long long>(mismatches), static_cast<long long>(allowed),
                    static_cast<long long>(inside), static_cast<long long>(inside_reference));
        return 1;
    }
    return 0;
}
