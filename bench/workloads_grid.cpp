// SPDX-License-Identifier: Apache-2.0
// Workloads over 2-D grids: NDVI of a raster, a heat-diffusion step, row softmax, column sums
// of a tall matrix, the class map of a stack of class scores, Mandelbrot.
#include <memory>

#include "workload_parts.hpp"

namespace bench {

// Escape-time iterations; the OpenMP baseline and the peers run the same loop.
JITFUSE_FUNCTION(int, mandelbrot, (float cr, float ci, int max_iter),
    float zr = 0.f, zi = 0.f;
    int k = 0;
    while (k < max_iter && zr * zr + zi * zi < 4.f) {
        const float t = zr * zr - zi * zi + cr;
        zi = 2.f * zr * zi + ci;
        zr = t;
        ++k;
    }
    return k;)

namespace {

using grid_shape = jf::shape_t<2>;

constexpr std::uint16_t nodata = 65535;  // a common GeoTIFF convention for 16-bit bands
constexpr float alpha = 0.2f;            // diffusion number of the heat step; stable below 0.25
constexpr std::int64_t softmax_cols = 1000;  // a classifier's classes: not a multiple of the vector width
constexpr std::int64_t tall_cols = 8;       // columns of the column-sum matrix: few, long
constexpr std::int64_t wide_rows = 1024;    // rows of the wide column-sum matrix
constexpr std::int64_t classes = 21;        // score planes of the class map (PASCAL VOC's classes)
constexpr int max_iter = 200;            // Mandelbrot's escape-time limit
constexpr double x0 = -2.0, x1 = 0.6, y0 = -1.2, y1 = 1.2;  // the Mandelbrot plane

workload ndvi() {
    // Red and near-infrared reflectance 0..10000 with scattered nodata pixels (as in examples/ndvi.cpp).
    struct raster {
        jf::array<std::uint16_t, 2> red, nir;
        jf::array<float, 2> out;
        explicit raster(const grid_shape& s) : red(s), nir(s), out(s) {
            fill_uniform(red, 0, 10000, 3);
            fill_uniform(nir, 0, 10000, 4);
            const auto r = on_host(red), n = on_host(nir);
            for (std::int64_t i = 0; i < red.size(); ++i) {
                if (i % 97 == 0) r.data()[i] = nodata;
                if (i % 89 == 0) r.data()[i] = n.data()[i] = 0;
            }
            store(red, r);
            store(nir, n);
        }
    };
    return {"ndvi", "NDVI of uint16 red/NIR bands, nodata -> NaN", 8, 1e-5, false, 1, [](std::int64_t elements) {
                const std::int64_t side = square_side(elements);
                const auto g = std::make_shared<raster>(grid_shape{side, side});
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse",
                     [g] {
                         const auto rf = jf::cast<float>(g->red), nf = jf::cast<float>(g->nir);
                         const auto valid = (g->red != nodata) && (g->nir != nodata) && (rf + nf > 0.f);
                         g->out = jf::where(valid, (nf - rf) / (nf + rf), NAN);
                     }},
                    {"jitfuse unfused", "unfused",
                     [g] {
                         const jf::array<float, 2> rf = jf::cast<float>(g->red), nf = jf::cast<float>(g->nir),
                                                   diff = nf - rf, total = nf + rf, ratio = diff / total;
                         const jf::array<bool, 2> red_ok = g->red != nodata, nir_ok = g->nir != nodata,
                                                  lit = total > 0.f, both_ok = red_ok && nir_ok, valid = both_ok && lit;
                         g->out = jf::where(valid, ratio, NAN);
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [g] { omp_ndvi(g->red.data(), g->nir.data(), g->out.data(), g->out.size(), nodata); }},
#endif
                };
                return prepared{{side, side}, {{"nodata", nodata}}, std::move(variants),
                                [g] { return digest_of(g->out); }};
            }};
}

/// A float grid `in` and an output of the same shape.
struct grid_pair {
    jf::array<float, 2> in, out;
    grid_pair(const grid_shape& s, double lo, double hi, std::uint64_t seed) : in(s), out(s) {
        fill_uniform(in, lo, hi, seed);
    }
    double digest() const { return digest_of(out); }
};

workload heat() {
    return {"heat", "one 5-point heat-diffusion step, 0 outside the plate", 8, 1e-5, false, 1,
            [](std::int64_t elements) {
                const std::int64_t side = square_side(elements);
                const auto g = std::make_shared<grid_pair>(grid_shape{side, side}, 0, 100, 5);
                const auto edge = jf::boundary::constant(0.f);
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse",
                     [g, edge] {
                         g->out = jf::stencil(g->in, [](auto a) {
                             return a(0, 0) + alpha * (a(-1, 0) + a(1, 0) + a(0, -1) + a(0, 1) - 4.f * a(0, 0));
                         }, edge);
                     }},
                    {"jitfuse unfused", "unfused",
                     [g, edge] {
                         const jf::array<float, 2> up = jf::shift(g->in, {-1, 0}, edge), down = jf::shift(g->in, {1, 0}, edge),
                                                   left = jf::shift(g->in, {0, -1}, edge),
                                                   right = jf::shift(g->in, {0, 1}, edge), ud = up + down,
                                                   lr = left + right, sum = ud + lr, lap = sum - 4.f * g->in;
                         g->out = g->in + alpha * lap;
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [g] {
                         omp_heat_step(g->in.data(), g->out.data(), g->in.shape()[0], g->in.shape()[1], alpha);
                     }},
#endif
                };
                return prepared{{side, side}, {{"alpha", alpha}}, std::move(variants), [g] { return g->digest(); }};
            }};
}

workload row_softmax() {
    return {"softmax", "row softmax of a rows x 1000 matrix", 8, 1e-4, false, 1, [](std::int64_t elements) {
                const std::int64_t rows = std::max<std::int64_t>(1, elements / softmax_cols);
                const auto g = std::make_shared<grid_pair>(grid_shape{rows, softmax_cols}, -6, 6, 6);
                // Three passes: the max (read by both others, computed once), the sum of
                // exponentials, the normalised exponentials (recomputed rather than stored:
                // reading x again is cheaper than writing and reading e).
                const auto run = [g] {
                    const auto e = jf::exp(g->in - jf::expand_dims(jf::max(g->in, 1), 1));
                    g->out = e / jf::expand_dims(jf::sum(e, 1), 1);
                };
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse", run},
                    {"jitfuse fast-math", "jitfuse", fast_math(run)},
                    {"jitfuse unfused", "unfused",
                     [g] {
                         const jf::array<float> m = jf::max(g->in, 1);
                         const jf::array<float, 2> shifted = g->in - m.expand_dims(1), e = jf::exp(shifted);
                         const jf::array<float> s = jf::sum(e, 1);
                         g->out = e / s.expand_dims(1);
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [g, rows] { omp_row_softmax(g->in.data(), g->out.data(), rows, softmax_cols); }},
#endif
                };
                return prepared{{rows, softmax_cols}, {}, std::move(variants), [g] { return g->digest(); }};
            }};
}

/// A reduction of each column of a float matrix whose shape `shape_of` gives for the element
/// count, of terms in [0, 4) accumulated in different orders (as dot): their sums, or with
/// `norms` the square roots of their sums of squares (the L2 norm of each column).
workload column_reduction(std::string name, std::string what, double bytes_per_element, bool norms,
                          grid_shape (*shape_of)(std::int64_t)) {
    return {std::move(name), std::move(what), bytes_per_element, 1e-2, false, 1, [shape_of, norms](std::int64_t elements) {
                const grid_shape shape = shape_of(elements);
                struct matrix {
                    jf::array<float, 2> m;
                    jf::array<float> out;
                    explicit matrix(const grid_shape& s) : m(s), out(jf::shape_t<1>{s[1]}) { fill_uniform(m, 0, 4, 1); }
                };
                const auto t = std::make_shared<matrix>(shape);
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse",
                     [t, norms] {
                         if (norms) t->out = jf::sqrt(jf::sum(t->m * t->m, 0));
                         else t->out = jf::sum(t->m, 0);
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [t, shape, norms] {
                         (norms ? omp_column_norms : omp_column_sums)(t->m.data(), t->out.data(), shape[0], shape[1]);
                     }},
#endif
                };
                return prepared{{shape[0], shape[1]}, {}, std::move(variants), [t] { return digest_of(t->out); }};
            }};
}

grid_shape tall(std::int64_t n) { return {std::max<std::int64_t>(1, n / tall_cols), tall_cols}; }
grid_shape wide(std::int64_t n) { return {wide_rows, std::max<std::int64_t>(1, n / wide_rows)}; }

workload column_sums() {
    return column_reduction("column_sums", "sum(m, 0) of an (n/8, 8) matrix: few long columns", 4, false, tall);
}

workload wide_column_sums() {
    // Per-feature totals of a (samples, features) table: rows of 64 KiB at the suite's size.
    return column_reduction("wide_column_sums", "sum(m, 0) of a (1024, n/1024) matrix: many columns, few rows",
                            4 + 4.0 / wide_rows, false, wide);
}

workload column_norms() {
    // The L2 norm of each feature of the same table (to normalise them): a map folded along columns.
    return column_reduction("column_norms", "sqrt(sum(m * m, 0)) of a (1024, n/1024) matrix: the norm of each column",
                            4 + 4.0 / wide_rows, true, wide);
}

workload mandelbrot_set() {
    struct plane {
        jf::array<float> cr, ci;  // the real part per column, the imaginary part per row
        jf::array<std::int32_t, 2> out;
        explicit plane(std::int64_t side)
            : cr(jf::linspace<float>(x0, x1, side)), ci(jf::linspace<float>(y0, y1, side)), out(grid_shape{side, side}) {}
    };
    // Compute bound (~30 flops per iteration): GB/s is not the measure, time is.
    return {"mandelbrot", "escape iterations (<= 200) on a square grid, JITFUSE_FUNCTION", 0, 1e-2, false, 1.0 / 16,
            [](std::int64_t elements) {
                const std::int64_t side = square_side(elements);
                const auto p = std::make_shared<plane>(side);
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse",
                     [p, side] {
                         p->out = mandelbrot(p->cr.reshape<2>({1, side}), p->ci.reshape<2>({side, 1}), max_iter);
                     }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [p, side] { omp_mandelbrot(p->cr.data(), p->ci.data(), p->out.data(), side, side, max_iter); }},
#endif
                };
                return prepared{{side, side},
                                {{"max_iter", max_iter}, {"x_range", {x0, x1}}, {"y_range", {y0, y1}}},
                                std::move(variants),
                                [p] { return digest_of(p->out); }};
            }};
}

}  // namespace

workload class_map() {
    // A segmentation network's output: one plane of scores per class, classes outermost (as
    // CHW tensors are), and the class of each pixel the first with the highest score.
    return {"class_map", "argmax(s, 0) of (21, n/21) class scores: the class of each pixel", 4 + 8.0 / classes,
            1e-12, false, 1, [](std::int64_t elements) {
                const std::int64_t pixels = std::max<std::int64_t>(1, elements / classes);
                struct stack {
                    jf::array<float, 2> scores;
                    jf::array<std::int64_t> map;
                    explicit stack(std::int64_t pixels) : scores(grid_shape{classes, pixels}), map(jf::shape_t<1>{pixels}) {
                        fill_uniform(scores, -6, 6, 7);
                    }
                };
                const auto s = std::make_shared<stack>(pixels);
                std::vector<variant> variants{
                    {"jitfuse", "jitfuse", [s] { s->map = jf::argmax(s->scores, 0); }},
#ifndef JITFUSE_BENCH_NO_OPENMP
                    {"openmp -ffast-math", "baseline",
                     [s, pixels] { omp_class_map(s->scores.data(), s->map.data(), classes, pixels); }},
#endif
                };
                return prepared{{classes, pixels}, {}, std::move(variants), [s] { return digest_of(s->map); }};
            }};
}

std::vector<workload> grid_workloads() {
    return {ndvi(), heat(), row_softmax(), column_sums(), wide_column_sums(), column_norms(), class_map(), mandelbrot_set()};
}

}  // namespace bench
