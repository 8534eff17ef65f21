// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CUDA backend's passes: the same kernel descriptions, layouts and sources the
/// codegen check compiles, their arguments packed by kernel_args.hpp, launched through the
/// driver on the GPU's stream (asynchronous: `to_host`, `item` and `synchronize` wait).

#include <cstdint>
#include <tuple>

#include "cuda_driver.hpp"
#include "kernel_args.hpp"
#include "kernel_plan.hpp"

namespace jitfuse::detail {

/// Launches kernel `kernel` of `src` (compiled for GPU `gpu`'s arch through the kernel caches)
/// on `blocks` blocks of `threads_per_block`.
void launch_pass(const generated_source& src, std::size_t kernel, kernel_args& args, std::int64_t blocks, int gpu);

/// Device memory for the duration of one pass (released in stream order).
class device_scratch {
  public:
    device_scratch(std::size_t bytes, int gpu) : gpu_(gpu), p_(cuda::allocate(bytes, gpu)) {}
    ~device_scratch() { cuda::release(p_, gpu_); }
    device_scratch(const device_scratch&) = delete;
    device_scratch& operator=(const device_scratch&) = delete;
    void* get() const noexcept { return p_; }

  private:
    int gpu_;
    void* p_;
};

/// The largest reduction state of the prelude (`arg_state<double>`: a value and an index);
/// per-block partial states are laid out at their own size inside slots of this size.
inline constexpr std::size_t max_reduction_state_bytes = 16;

/// The layout and kernel source of the map pass writing `outs` from `exprs` over `shape`.
template <int R, class Outs, class Exprs>
std::pair<const generated_source*, layout> map_pass_source(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    const std::int64_t count = element_count<R>(shape);
    const layout how = std::apply([&](const auto&... o) {
        return std::apply([&](const auto&... e) { return layout_of(count, o..., e...); }, exprs);
    }, outs);
    using kind = decltype([]<class... O, class... E>(std::type_identity<std::tuple<O...>>, std::type_identity<std::tuple<E...>>) {
        return map_kernel<std::tuple<typename std::remove_cvref_t<O>::value_type...>, std::remove_cvref_t<E>...>{};
    }(std::type_identity<Outs>{}, std::type_identity<Exprs>{}));
    return {&source_for<kind>(how, 0), how};
}

template <int R, class Outs, class Exprs>
void gpu_map(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, int gpu) {
    if (element_count<R>(shape) == 0) return;
    const auto [src, how] = map_pass_source<R>(shape, outs, exprs);
    kernel_args args = map_arguments<R>(shape, outs, exprs, how);
    using first_out = typename std::remove_cvref_t<std::tuple_element_t<0, Outs>>::value_type;
    launch_pass(*src, 0, args, blocks_for(map_items<first_out>(element_count<R>(shape), how), launch_unit::thread), gpu);
}

/// A whole reduction of `input` (loop shape `shape`) into the one element at `out`: per-block
/// partial states, then one block merges them in a fixed order.
template <class Red, int R, class A>
void gpu_reduce_all(const A& input, const shape_t<R>& shape, void* out, int gpu) {
    const std::int64_t count = element_count<R>(shape);
    const auto [src, how] = whole_reduction_source<Red>(input, count);
    const std::int64_t blocks = blocks_for(count, launch_unit::thread);
    const device_scratch partial(static_cast<std::size_t>(blocks) * max_reduction_state_bytes, gpu);
    kernel_args first = reduce_arguments<R>(partial.get(), input, shape, how);
    launch_pass(*src, 0, first, blocks, gpu);
    kernel_args final_pass = reduce_final_arguments(out, partial.get(), static_cast<int>(blocks), count);
    launch_pass(*src, 1, final_pass, 1, gpu);
}

/// A reduction of `input` along `axis` into `target`: a block per output along the last
/// axis, a thread per output along others.
template <class Red, class A, class T, int R>
void gpu_reduce_axis(const A& input, array<T, R>& target, int axis, int gpu) {
    if (target.size() == 0) return;
    const launch_unit unit = axis == A::rank - 1 ? launch_unit::block : launch_unit::thread;
    kernel_args args = axis_arguments<A::rank>(target, input, input.shape(), axis, target.size());
    launch_pass(axis_reduction_source<Red, A>(axis), 0, args, blocks_for(target.size(), unit), gpu);
}

/// A scan or rolling window `Op` of `input` along `axis` into `target` (of the result type):
/// a thread per line (cumulative) or per output (rolling).
template <class Op, class T, int R, class B>
void gpu_scan(const B& input, array<T, R>& target, int axis, std::int64_t window, int gpu) {
    if (target.size() == 0) return;
    const generated_source& src = source_for<scan_kernel<Op, B>>(layout::strided, 0);
    kernel_args args = scan_arguments<Op::rolling>(target, input, axis, window);
    launch_pass(src, 0, args, blocks_for(scan_items<Op::rolling, R>(target.shape(), axis), launch_unit::thread), gpu);
}

}  // namespace jitfuse::detail
