// SPDX-License-Identifier: Apache-2.0
// The GPU baselines jitfuse's CUDA backend is to be measured against: a hand-written kernel
// per workload (grid-stride loops, a block-tree reduction), Thrust (transform,
// transform_reduce, inclusive_scan) and CUB (DeviceReduce and DeviceScan over a transform
// iterator), timed with CUDA events on device-resident data.
#include "cuda_baselines.hpp"

#include <cuda_runtime.h>

#include <cub/device/device_reduce.cuh>
#include <cub/device/device_scan.cuh>
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/scan.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <functional>
#include <stdexcept>

namespace bench::cuda {
namespace {

void check(cudaError_t status, const char* what) {
    if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

/// A device buffer of floats, freed on scope exit.
struct device_floats {
    float* p = nullptr;
    explicit device_floats(std::int64_t n) { check(cudaMalloc(&p, std::size_t(n) * sizeof(float)), "cudaMalloc"); }
    ~device_floats() { cudaFree(p); }
    device_floats(const device_floats&) = delete;
    device_floats& operator=(const device_floats&) = delete;
};

constexpr int block = 256;
int grid_for(std::int64_t n) {
    int sms = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "cudaDeviceGetAttribute");
    return static_cast<int>(std::min<std::int64_t>((n + block - 1) / block, std::int64_t(sms) * 8));
}

__global__ void copy_kernel(const float* __restrict__ x, float* __restrict__ z, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
        z[i] = x[i];
}

struct chain_op {
    __host__ __device__ float operator()(float v) const { return sinf(v) * expf(v) + logf(v + 1.0f); }
};
struct saxpy_op {
    float a;
    __host__ __device__ float operator()(float v, float w) const { return a * v + w; }
};
struct centered_op {
    __host__ __device__ float operator()(float v) const { return v - 0.5f; }
};
struct product_op {
    __host__ __device__ float operator()(const thrust::tuple<float, float>& t) const {
        return thrust::get<0>(t) * thrust::get<1>(t);
    }
};

__global__ void chain_kernel(const float* __restrict__ x, float* __restrict__ z, std::int64_t n) {
    for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
        z[i] = chain_op{}(x[i]);
}

__global__ void saxpy_kernel(float a, const float* __restrict__ x, const float* __restrict__ y, float* __restrict__ z,
                             std::int64_t n) {
    for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
        z[i] = a * x[i] + y[i];
}

/// One partial sum per block (warp shuffles, then shared memory); a second launch adds them.
__global__ void dot_kernel(const float* __restrict__ x, const float* __restrict__ y, float* __restrict__ partial,
                           std::int64_t n) {
    float s = 0;
    for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n; i += std::int64_t(gridDim.x) * blockDim.x)
        s += (y ? x[i] * y[i] : x[i]);
    for (int offset = 16; offset > 0; offset /= 2) s += __shfl_down_sync(0xffffffffu, s, offset);
    __shared__ float warp_sums[block / 32];
    if (threadIdx.x % 32 == 0) warp_sums[threadIdx.x / 32] = s;
    __syncthreads();
    if (threadIdx.x < 32) {
        s = threadIdx.x < block / 32 ? warp_sums[threadIdx.x] : 0.f;
        for (int offset = 16; offset > 0; offset /= 2) s += __shfl_down_sync(0xffffffffu, s, offset);
        if (threadIdx.x == 0) partial[blockIdx.x] = s;
    }
}

/// Per-call milliseconds of `fn` (after a warm-up), from events around each call.
std::vector<double> timed(int repeats, const std::function<void()>& fn) {
    cudaEvent_t start, stop;
    check(cudaEventCreate(&start), "cudaEventCreate");
    check(cudaEventCreate(&stop), "cudaEventCreate");
    fn();
    check(cudaDeviceSynchronize(), "warm-up");
    std::vector<double> out;
    for (int r = 0; r < repeats; ++r) {
        cudaEventRecord(start);
        fn();
        cudaEventRecord(stop);
        check(cudaEventSynchronize(stop), "timed call");
        float ms = 0;
        cudaEventElapsedTime(&ms, start, stop);
        out.push_back(ms);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return out;
}

std::vector<float> to_host(const float* d, std::int64_t n) {
    std::vector<float> h(static_cast<std::size_t>(n));
    check(cudaMemcpy(h.data(), d, std::size_t(n) * sizeof(float), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
    return h;
}

}  // namespace

std::string unavailable_reason() {
    int count = 0;
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) return cudaGetErrorString(e);
    return count > 0 ? "" : "no CUDA device";
}

std::string device_description() {
    cudaDeviceProp prop{};
    int driver = 0, runtime = 0;
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    return std::string(prop.name) + ", driver " + std::to_string(driver) + ", runtime " + std::to_string(runtime);
}

std::vector<timing> run(const std::string& workload, const float* x, const float* y, std::int64_t n, int repeats) {
    if (workload != "copy" && workload != "chain" && workload != "dot" && workload != "saxpy" && workload != "cumsum")
        return {};
    device_floats dx(n), dy(n), dz(n);
    check(cudaMemcpy(dx.p, x, std::size_t(n) * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    check(cudaMemcpy(dy.p, y, std::size_t(n) * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    const int grid = grid_for(n);
    const thrust::device_ptr<float> tx(dx.p), ty(dy.p), tz(dz.p);
    std::vector<timing> out;
    const auto add = [&](const char* name, const std::function<void()>& fn) {
        auto ms = timed(repeats, fn);
        out.push_back({name, std::move(ms), to_host(dz.p, workload == "dot" ? 1 : n)});
    };
    // A CUB device algorithm `call(scratch, bytes)`: asked for its scratch size first (null
    // scratch), timed with the scratch allocated once.
    const auto add_cub = [&](const auto& call) {
        std::size_t scratch_bytes = 0;
        call(nullptr, scratch_bytes);
        void* scratch = nullptr;
        check(cudaMalloc(&scratch, scratch_bytes), "cudaMalloc");
        add("cub", [&] { call(scratch, scratch_bytes); });
        cudaFree(scratch);
    };
    if (workload == "copy") {
        add("cudaMemcpy", [&] { cudaMemcpyAsync(dz.p, dx.p, std::size_t(n) * sizeof(float), cudaMemcpyDeviceToDevice); });
        add("cuda hand", [&] { copy_kernel<<<grid, block>>>(dx.p, dz.p, n); });
    } else if (workload == "chain") {
        add("cuda hand", [&] { chain_kernel<<<grid, block>>>(dx.p, dz.p, n); });
        add("thrust", [&] { thrust::transform(thrust::device, tx, tx + n, tz, chain_op{}); });
    } else if (workload == "saxpy") {
        add("cuda hand", [&] { saxpy_kernel<<<grid, block>>>(2.5f, dx.p, dy.p, dz.p, n); });
        add("thrust", [&] { thrust::transform(thrust::device, tx, tx + n, ty, tz, saxpy_op{2.5f}); });
    } else if (workload == "cumsum") {
        const auto centered = thrust::make_transform_iterator(ty, centered_op{});
        add("thrust", [&] { thrust::inclusive_scan(thrust::device, centered, centered + n, tz); });
        add_cub([&](void* scratch, std::size_t& bytes) { cub::DeviceScan::InclusiveSum(scratch, bytes, centered, dz.p, n); });
    } else {
        device_floats partial(grid);
        add("cuda hand", [&] {
            dot_kernel<<<grid, block>>>(dx.p, dy.p, partial.p, n);
            dot_kernel<<<1, block>>>(partial.p, nullptr, dz.p, grid);
        });
        const auto products = thrust::make_transform_iterator(thrust::make_zip_iterator(thrust::make_tuple(tx, ty)), product_op{});
        add("thrust", [&] {
            const float s = thrust::transform_reduce(thrust::device, thrust::make_zip_iterator(thrust::make_tuple(tx, ty)),
                                                     thrust::make_zip_iterator(thrust::make_tuple(tx + n, ty + n)),
                                                     product_op{}, 0.f, thrust::plus<float>());
            cudaMemcpyAsync(dz.p, &s, sizeof(float), cudaMemcpyHostToDevice);
        });
        add_cub([&](void* scratch, std::size_t& bytes) { cub::DeviceReduce::Sum(scratch, bytes, products, dz.p, n); });
    }
    check(cudaGetLastError(), workload.c_str());
    return out;
}

}  // namespace bench::cuda
