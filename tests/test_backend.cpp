// SPDX-License-Identifier: Apache-2.0
// The CUDA driver probe and launches. Without a usable GPU: the reason CUDA is not used is
// the probe's, every GPU operation is a device_error that gives it, nothing crashes.
// `JITFUSE_EXPECT_CUDA=<words>` (set by the ctest that puts the toolkit's stub libcuda on the
// library path) names the reason this run must report. With a GPU: generated kernels are
// launched through the driver, with arguments packed here by hand (an independent statement
// of the kernel ABI), and their results compared with plain loops (scripts/gpu_check.sh runs
// them, under compute-sanitizer too).
#include <doctest/doctest.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <jitfuse/detail/cuda_driver.hpp>
#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;
namespace cuda = jitfuse::detail::cuda;

namespace {

/// Whether a GPU runs the launch tests; `JITFUSE_REQUIRE_GPU=1` (scripts/gpu_check.sh) makes
/// its absence a failure instead of a skip.
bool gpu_usable() {
    if (cuda::gpu_count() > 0) return true;
    if (const char* require = std::getenv("JITFUSE_REQUIRE_GPU"); require && std::string(require) == "1")
        FAIL_CHECK("JITFUSE_REQUIRE_GPU=1, but no GPU is usable: " << cuda::unavailable_reason());
    else
        MESSAGE("no GPU launch here: " << cuda::unavailable_reason());
    return false;
}

/// A device copy of `host`, freed at scope exit.
template <class T>
struct device_vector {
    explicit device_vector(const std::vector<T>& host) : size(host.size()), p(cuda::allocate(host.size() * sizeof(T), 0)) {
        cuda::copy_to_device(p, host.data(), host.size() * sizeof(T), 0);
    }
    ~device_vector() { cuda::release(p, 0); }
    device_vector(const device_vector&) = delete;
    device_vector& operator=(const device_vector&) = delete;
    std::vector<T> to_host() const {
        std::vector<T> out(size);
        cuda::copy_to_host(out.data(), p, size * sizeof(T), 0);
        return out;
    }
    std::size_t size;
    void* p;
};

}  // namespace

TEST_SUITE("backend") {
    TEST_CASE("CUDA is used, or the reason it is not is in backend_info and in every GPU request") {
        const std::string& why = cuda::unavailable_reason();
        if (const char* expect = std::getenv("JITFUSE_EXPECT_CUDA"); expect && *expect) {
            INFO(why);
            CHECK(why.find(expect) != std::string::npos);
        }
        if (cuda::gpu_count() > 0) {
            CHECK(why.empty());
            CHECK(cuda::gpu(0).arch.starts_with("sm_"));
            CHECK(jf::backend_info().find(cuda::gpu(0).name) != std::string::npos);
            return;
        }
        REQUIRE(!why.empty());
        CHECK(jf::backend_info().find("CUDA not used: " + why) != std::string::npos);
        const auto refuses = [&](auto&& request) {
            try {
                request();
                FAIL("no device_error");
            } catch (const jf::device_error& e) {
                CHECK(std::string(e.what()).find(why) != std::string::npos);
            }
        };
        refuses([] { (void)cuda::gpu(0); });
        refuses([] { (void)cuda::allocate(64, 0); });
        refuses([] { cuda::synchronize(0); });
        refuses([] { (void)jf::zeros<float>(3, jf::device::cuda(0)); });
        cuda::release(nullptr, 0);  // nothing to release: no error
    }

    TEST_CASE("a GPU that does not exist is a device_error saying how many there are") {
        if (!gpu_usable()) return;
        CHECK_THROWS_WITH_AS((void)cuda::gpu(cuda::gpu_count()), doctest::Contains("does not exist"), jf::device_error);
        CHECK_THROWS_AS((void)cuda::gpu(-1), jf::device_error);
    }

    TEST_CASE("GPU work leaves the thread's current CUDA context as it found it") {
        if (!gpu_usable()) return;
        // The driver jitfuse loaded; through it the test plays the code around jitfuse (the
        // CUDA runtime picks its device from the current context).
        void* const driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
        REQUIRE(driver);
        const auto set_current = reinterpret_cast<int (*)(void*)>(dlsym(driver, "cuCtxSetCurrent"));
        const auto get_current = reinterpret_cast<int (*)(void**)>(dlsym(driver, "cuCtxGetCurrent"));
        REQUIRE((set_current && get_current));
        REQUIRE(set_current(nullptr) == 0);
        const jf::array<float> a = jf::arange<float>(100, jf::device::cuda(0));
        CHECK(jf::sum(a * 2.0f).item() == 9900.0f);
        CHECK(a.to_host()[99] == 99.0f);
        void* current = driver;
        REQUIRE(get_current(&current) == 0);
        CHECK(current == nullptr);
        dlclose(driver);
    }

    TEST_CASE("a fused elementwise kernel launched on the GPU matches a plain loop") {
        if (!gpu_usable()) return;
        for (const std::int64_t n : {0LL, 1LL, 5LL, 4096LL + 3, (1LL << 22) + 1}) {
            CAPTURE(n);
            std::vector<float> x(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) x[i] = 0.001f * static_cast<float>(i % 5000) + 0.01f;
            jf::array<float> hx = jf::from_host(std::span<const float>(x));
            const auto e = jf::sin(hx) * jf::exp(hx) + jf::log(hx + 1.0f);
            const auto& src = *jf::detail::plan_pass(e).src;  // flat_vector: vector steps, then a scalar tail
            const auto binary = jf::detail::compiled_binary(src, cuda::gpu(0).arch);
            device_vector<float> dx(x), dout(std::vector<float>(x.size()));
            jf::detail::kernel_args args;  // jf_map(out0, p0, p3 = 1.0f, n): the three x are one parameter
            args.push(static_cast<float*>(dout.p));
            args.push(static_cast<const float*>(dx.p));
            args.push(1.0f);
            args.push(n);
            const auto blocks = static_cast<unsigned>(std::clamp<std::int64_t>((n + 255) / 256, 1, 65535));
            cuda::launch(binary, src.kernels.at(0), args, {{blocks, 1, 1}, {256, 1, 1}}, 0);
            const std::vector<float> out = dout.to_host();
            for (std::int64_t i = 0; i < n; ++i) {
                const long double v = x[i];
                const long double want = std::sin(v) * std::exp(v) + std::log(v + 1);
                // Each of sinf, expf, logf is within 2 ulp (CUDA C guide, without fast math).
                REQUIRE(std::fabs(out[i] - want) <= 1e-5L * (std::fabs(want) + 1));
            }
        }
    }

    TEST_CASE("a whole sum on the GPU (per-block partial states, then one final block) matches a long double sum") {
        if (!gpu_usable()) return;
        const std::int64_t n = (1 << 20) + 7;
        std::vector<float> x(n), y(n);
        for (std::int64_t i = 0; i < n; ++i) {
            x[i] = static_cast<float>(i % 1000) * 0.01f - 5.0f;
            y[i] = static_cast<float>(i % 7) - 3.0f;
        }
        jf::array<float> hx = jf::from_host(std::span<const float>(x)), hy = jf::from_host(std::span<const float>(y));
        const auto& src = *jf::detail::plan_pass(jf::sum(hx * hy)).src;
        const auto binary = jf::detail::compiled_binary(src, cuda::gpu(0).arch);
        // What a whole reduction's one-wave grid is sized by: at least one block fits.
        const int resident = cuda::resident_blocks(binary, src.kernels.at(0), 256, 0);
        CHECK(resident >= 1);
        CHECK(resident * 256 <= cuda::gpu(0).threads_per_multiprocessor);
        constexpr unsigned blocks = 1024;
        device_vector<float> dx(x), dy(y), dout(std::vector<float>(1));
        device_vector<float> partial{std::vector<float>(blocks)};  // a float sum's state is a float
        jf::detail::kernel_args first;  // jf_reduce(partial, p0, p1, n)
        first.push(partial.p);
        first.push(static_cast<const float*>(dx.p));
        first.push(static_cast<const float*>(dy.p));
        first.push(n);
        cuda::launch(binary, src.kernels.at(0), first, {{blocks, 1, 1}, {256, 1, 1}}, 0);
        jf::detail::kernel_args final_pass;  // jf_reduce_final(out0, partial, count, n)
        final_pass.push(dout.p);
        final_pass.push(static_cast<const void*>(partial.p));
        final_pass.push(static_cast<int>(blocks));
        final_pass.push(n);
        cuda::launch(binary, src.kernels.at(1), final_pass, {{1, 1, 1}, {256, 1, 1}}, 0);
        long double want = 0, magnitude = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            want += static_cast<long double>(x[i]) * y[i];
            magnitude += std::fabs(static_cast<long double>(x[i]) * y[i]);
        }
        // Float products and sums: one rounding per product, about 5 serial adds per thread
        // (n / (blocks * 256)), a block tree of depth 8 (5 shuffle levels, 3 across warps), 4
        // serial merges and another depth-8 tree: about 26 roundings touch any term.
        CHECK(std::fabs(dout.to_host()[0] - want) <= 32 * 6e-8L * magnitude);
    }

    TEST_CASE("full, zeros and ones fill on the GPU: one launch, no host-sized copy") {
        if (!gpu_usable()) return;
        const jf::device gpu = jf::device::cuda(0);
        jf::reset_stats();
        const jf::array<double, 2> f = jf::full<double, 2>({37, 1029}, 2.5, gpu);
        CHECK(jf::stats()["launches"]["cuda"].get<std::uint64_t>() == 1);
        CHECK(f.device() == gpu);
        CHECK(f.to_host() == std::vector<double>(37 * 1029, 2.5));
        CHECK(jf::ones<std::int8_t>(5, gpu).to_host() == std::vector<std::int8_t>(5, 1));
        CHECK(jf::zeros<float, 3>({2, 0, 3}, gpu).size() == 0);
    }

    TEST_CASE("expressions on cuda:0 give the CPU's results: maps, views, reductions, scans, stencils, tie, random") {
        if (!gpu_usable()) return;
        const jf::device gpu = jf::device::cuda(0);
        const std::int64_t rows = 37, cols = 1029;  // odd sizes: vector tails, partial blocks
        std::vector<float> host(rows * cols);
        for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>((i * 7919) % 1000) * 0.002f - 1.0f;
        const jf::array<float, 2> c = jf::from_host(std::span<const float>(host), {rows, cols}, jf::device::cpu());
        const jf::array<float, 2> g = c.to(gpu);
        REQUIRE(g.device() == gpu);
        CHECK(g.to_host() == host);
        // Each float op is within a few ulp of the CPU's (both use 1-ulp-class math): compare
        // with a relative tolerance of 1e-5 plus an absolute floor for values near 0.
        const auto close = [](const std::vector<float>& a, const std::vector<float>& b) {
            REQUIRE(a.size() == b.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                if (!(std::fabs(a[i] - b[i]) <= 1e-5f * std::fabs(b[i]) + 1e-6f) && !(std::isnan(a[i]) && std::isnan(b[i])))
                    return false;
            return true;
        };
        const auto both = [&](auto f) {
            const auto on_cpu = jf::eval(f(c));
            const auto on_gpu = jf::eval(f(g));
            CHECK(on_gpu.device() == gpu);
            return std::pair{on_cpu.to_host(), on_gpu.to_host()};
        };
        {
            const auto [want, got] = both([](const auto& x) { return jf::sin(x) * jf::exp(x) + jf::log(x + 1.5f); });
            CHECK(close(got, want));
        }
        {
            const auto [want, got] = both([](const auto& x) { return jf::where(x.transpose() > 0.f, x.transpose(), -x.transpose()); });
            CHECK(got == want);
        }
        {
            const auto [want, got] = both([](const auto& x) { return x(jf::range(rows - 1, -1, -2), jf::range(3, cols, 5)) * 2.f; });
            CHECK(got == want);
        }
        {
            // column maxima and row sums (of the transpose: its last axis), broadcast down the rows
            const auto [want, got] = both([](const auto& x) { return x - jf::max(x, 0) + jf::sum(x.transpose(), 1); });
            CHECK(close(got, want));
        }
        {
            const auto [want, got] = both([](const auto& x) { return jf::stencil(x, [](auto a) { return a(-1, 0) + a(1, 0) - 2.f * a(0, 0); },
                                                                           jf::boundary::reflect); });
            CHECK(close(got, want));
        }
        {
            // The GPU may cut the rows into chunks: each prefix of k terms, summed in any order,
            // errs by at most (k - 1) eps sum|x| on either side, so they differ by twice that.
            const auto [want, got] = both([](const auto& x) { return jf::cumsum(x, 1); });
            const std::vector<float> magnitude = jf::array<float, 2>(jf::cumsum(jf::abs(c), 1)).to_host();
            REQUIRE(got.size() == want.size());
            int far = 0;
            for (std::size_t i = 0; i < got.size(); ++i)
                far += !(std::fabs(got[i] - want[i]) <= 2 * cols * 0x1p-24f * magnitude[i]);
            CHECK(far == 0);
        }
        CHECK(jf::argmax(g).item() == jf::argmax(c).item());
        CHECK(jf::sum(g > 0.f).item() == jf::sum(c > 0.f).item());
        CHECK(std::fabs(jf::sum(g * g).item() - jf::sum(c * c).item()) <= 1e-4f * jf::sum(c * c).item());
        const jf::array<std::int64_t> gmax = jf::argmax(g, 1);
        const jf::array<std::int64_t> cmax = jf::argmax(c, 1);
        CHECK(gmax.to_host() == cmax.to_host());

        jf::array<float, 2> lo(g.shape(), gpu), hi(g.shape(), gpu);
        jf::tie(lo, hi) = jf::tuple(jf::minimum(g, 0.f), jf::maximum(g, 0.f));
        CHECK(jf::eval(lo + hi).to_host() == host);

        jf::array<double, 2> r_gpu(g.shape(), gpu);
        r_gpu = jf::random::normal<double, 2>(g.shape(), 7);
        const jf::array<double, 2> r_cpu = jf::random::normal<double, 2>(g.shape(), 7);
        const auto rg = r_gpu.to_host(), rc = r_cpu.to_host();
        bool same = true;  // log1p and cospi: a few ulp apart at most
        for (std::size_t i = 0; i < rg.size(); ++i) same = same && std::fabs(rg[i] - rc[i]) <= 1e-12 * (std::fabs(rc[i]) + 1);
        CHECK(same);

        CHECK_THROWS_AS(jf::eval(g + c), jf::device_error);  // arrays on two devices
        {  // a reduction of random values only, inside a GPU pass: computed on the GPU
            const std::vector<float> shifted = jf::eval(g - jf::mean(jf::random::normal<float>(std::int64_t{1000}, 3))).to_host();
            const float m = jf::mean(jf::random::normal<float>(std::int64_t{1000}, 3)).item();
            CHECK(std::fabs(shifted[5] - (host[5] - m)) <= 1e-5f);
        }
        jf::array<float, 2> lo2(g.shape(), gpu), hi2(g.shape(), gpu);  // tie: devices of all expressions
        CHECK_THROWS_AS((jf::tie(lo2, hi2) = jf::tuple(g * 1.f, c * 1.f)), jf::device_error);
        jf::array<float, 2> target = c.clone();
        CHECK_THROWS_AS(target = g * 2.f, jf::device_error);  // the target stays on the CPU
        CHECK(target.to_host() == host);
        jf::synchronize();
    }
}
