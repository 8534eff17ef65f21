// SPDX-License-Identifier: Apache-2.0
// The emulated GPU (tests/emulated_gpu) must catch what a real GPU or compute-sanitizer
// would: writes past an allocation, pointers to memory the GPU does not have, shuffles over
// lanes that have returned, barriers nobody can complete, out-of-memory; and it must not
// hide a missing __syncthreads. Run by the ctest `unit-emulated-gpu-faults` (faults made
// recoverable, so that one process sees several); skipped elsewhere.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <jitfuse/detail/codegen.hpp>
#include <jitfuse/detail/cuda_driver.hpp>
#include <jitfuse/detail/hash.hpp>
#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;
namespace cuda = jitfuse::detail::cuda;

namespace {

/// On the emulated GPU, with faults recoverable (else the first would end the process's GPU).
bool emulated() {
    const char* recover = std::getenv("JITFUSE_EMULATED_RECOVER");
    if (cuda::gpu_count() > 0 && cuda::gpu(0).name == "jitfuse emulated GPU" && recover && std::string(recover) == "1")
        return true;
    MESSAGE("not on the emulated GPU: " << (cuda::gpu_count() > 0 ? cuda::gpu(0).name : cuda::unavailable_reason()));
    return false;
}

/// Kernel `name(float* out, jf::int64_t n)` with `body`, as codegen would record it.
jf::detail::generated_source kernel(const std::string& body) {
    jf::detail::generated_source src;
    src.source = "#include \"jitfuse/prelude.cuh\"\nextern \"C\" __global__ void k(float* __restrict__ out, jf::int64_t n) {\n" +
                 body + "\n}\n";
    src.kernels = {{"k", {{"float* __restrict__ out", 8, 8}, {"jf::int64_t n", 8, 8}}}};
    src.id = jf::detail::fingerprint_of(src.source);
    return src;
}

/// Launches `src` on `blocks` x 256 threads over `n` floats of device memory; their values after.
std::vector<float> launch(const jf::detail::generated_source& src, std::int64_t n, unsigned blocks = 1, float* out = nullptr) {
    void* memory = cuda::allocate(static_cast<std::size_t>(n) * sizeof(float), 0);
    std::vector<float> host(static_cast<std::size_t>(n), 0.0f);
    cuda::copy_to_device(memory, host.data(), host.size() * sizeof(float), 0);
    struct release {
        void* p;
        ~release() { cuda::release(p, 0); }
    } guard{memory};
    jf::detail::kernel_args args;
    args.push(out ? out : static_cast<float*>(memory));
    args.push(n);
    cuda::launch(jf::detail::compiled_binary(src, cuda::gpu(0).arch), src.kernels[0], args, {{blocks, 1, 1}, {256, 1, 1}}, 0);
    cuda::copy_to_host(host.data(), memory, host.size() * sizeof(float), 0);
    return host;
}

}  // namespace

TEST_SUITE("emulated gpu") {
    TEST_CASE("a correct kernel runs: every thread of every block writes its element") {
        if (!emulated()) return;
        const auto out = launch(kernel("const jf::int64_t i = jf::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;"
                                       "if (i < n) out[i] = float(i) + 0.5f;"),
                                1000, 4);
        for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out[i] == static_cast<float>(i) + 0.5f);
    }

    TEST_CASE("a write one element past the end of an allocation is an illegal address") {
        if (!emulated()) return;
        CHECK_THROWS_WITH_AS(launch(kernel("if (threadIdx.x == 0) out[n] = 1.0f;"), 100), doctest::Contains("ILLEGAL_ADDRESS"),
                             jf::device_error);
    }

    TEST_CASE("a write before the start of an allocation is an illegal address") {
        if (!emulated()) return;
        CHECK_THROWS_WITH_AS(launch(kernel("if (threadIdx.x == 0) out[-1] = 1.0f;"), 100), doctest::Contains("ILLEGAL_ADDRESS"),
                             jf::device_error);
    }

    TEST_CASE("a host pointer handed to a kernel is an illegal address") {
        if (!emulated()) return;
        std::vector<float> host(16);
        CHECK_THROWS_WITH_AS(launch(kernel("out[0] = 1.0f;"), 16, 1, host.data()), doctest::Contains("ILLEGAL_ADDRESS"),
                             jf::device_error);
        CHECK(host[0] == 0.0f);
    }

    TEST_CASE("a shuffle that names lanes which have returned is a launch failure") {
        if (!emulated()) return;
        CHECK_THROWS_WITH_AS(launch(kernel("if (threadIdx.x % 32 == 31) return;"
                                           "float v = jf::shuffle_down(1.0f, 1); out[threadIdx.x] = v;"),
                                    256),
                             doctest::Contains("LAUNCH_FAILED"), jf::device_error);
    }

    TEST_CASE("threads that wait for each other forever are a launch failure, not a hang") {
        if (!emulated()) return;
        // Lane 0 waits at the barrier for lanes 1-31, which wait in a shuffle for lane 0.
        CHECK_THROWS_WITH_AS(launch(kernel("if (threadIdx.x == 0 || threadIdx.x >= 32) __syncthreads();"
                                           "else out[threadIdx.x] = jf::shuffle_down(1.0f, 1);"),
                                    256),
                             doctest::Contains("LAUNCH_FAILED"), jf::device_error);
    }

    TEST_CASE("a missing __syncthreads shows: warp 0 reads shared memory before the other warps wrote it") {
        if (!emulated()) return;
        const std::string publish = "__shared__ float partial[8]; if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = 1.0f;";
        const std::string gather = "if (threadIdx.x == 0) { float s = 0; for (int w = 0; w < 8; ++w) s += partial[w]; out[0] = s; }";
        const std::string reset = "__syncthreads(); if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = 0.0f;";
        CHECK(launch(kernel(publish + "__syncthreads();" + gather + reset), 1)[0] == 8.0f);
        CHECK(launch(kernel(publish + gather + reset), 1)[0] != 8.0f);
    }

    TEST_CASE("more memory than the GPU has is out_of_memory, and the GPU stays usable") {
        if (!emulated()) return;
        // JITFUSE_EMULATED_MEMORY_MB=64 in this test's environment.
        CHECK_THROWS_AS(jf::array<float>(jf::shape_t<1>{std::int64_t(1) << 25}, jf::device::cuda(0)), jf::out_of_memory);
        jf::array<float> small = jf::full<float>(1000, 2.0f, jf::device::cuda(0));
        CHECK(jf::sum(small).item() == 2000.0f);
    }

    TEST_CASE("two GPUs: arrays move between them, and one expression never mixes them") {
        if (!emulated() || cuda::gpu_count() < 2) return;
        jf::array<float> a = jf::arange<float>(10, jf::device::cuda(0));
        jf::array<float> b = a.to(jf::device::cuda(1));
        CHECK(b.device() == jf::device::cuda(1));
        const jf::array<float> twice = b * 2.0f;
        CHECK(twice.device() == jf::device::cuda(1));
        const std::vector<float> host = twice.to_host();
        for (std::size_t i = 0; i < host.size(); ++i) CHECK(host[i] == 2.0f * static_cast<float>(i));
        CHECK_THROWS_AS(jf::array<float>(a + b), jf::device_error);
    }
    TEST_CASE("sqrt is correctly rounded, as on a GPU, where rounding through long double is not") {
        if (!emulated()) return;
        // Doubles whose sqrt taken in long double and rounded to double misses by an ulp (the
        // emulator once did that; the fuzzer found it), and random ones.
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> dist(0.0, 1e6);
        std::vector<double> x;
        int hard = 0;
        for (int i = 0; i < (1 << 18) && hard < 64; ++i) {
            const double v = dist(rng);
            const bool twice_rounded = static_cast<double>(std::sqrt(static_cast<long double>(v))) != std::sqrt(v);
            if (twice_rounded || i % 64 == 0) x.push_back(v);
            hard += twice_rounded;
        }
        REQUIRE(hard > 0);
        const jf::array<double> on_gpu = jf::from_host(x, jf::device::cuda(0));
        const std::vector<double> got = jf::array<double>(jf::sqrt(on_gpu)).to_host();
        int wrong = 0;
        for (std::size_t i = 0; i < x.size(); ++i) wrong += got[i] != std::sqrt(x[i]);
        CHECK(wrong == 0);
    }
}
