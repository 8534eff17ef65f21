// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The CUDA backend's passes: the same kernel descriptions, layouts and sources the
/// codegen check compiles, their arguments packed by kernel_args.hpp, launched through the
/// driver on the GPU's stream (asynchronous: `to_host`, `item` and `synchronize` wait).

#include <cstdint>
#include <cstdlib>
#include <tuple>

#include "../device.hpp"
#include "cuda_driver.hpp"
#include "kernel_args.hpp"
#include "kernel_plan.hpp"

namespace jitfuse::detail {

/// Launches kernel `kernel` of `src` (compiled for GPU `gpu`'s arch through the kernel caches)
/// on `blocks` blocks of `threads_per_block`.
void launch_pass(const generated_source& src, std::size_t kernel, kernel_args& args, std::int64_t blocks, int gpu);

/// How many threads of kernel `kernel` of `src` GPU `gpu` holds at once (its occupancy), for
/// the launch plans of launch_geometry.hpp: a one-wave grid then has no partial last wave.
gpu_geometry geometry_of(const generated_source& src, std::size_t kernel, int gpu);

/// The same for a kernel that needs no more registers or shared memory than the GPU allows
/// 2048 (or its maximum of) threads: what `explain` plans with, compiling nothing.
gpu_geometry full_occupancy(int gpu);

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

/// The layout, merged leaves and kernel source of the map pass writing `outs` from `exprs`
/// over `shape`.
template <int R, class Outs, class Exprs>
pass_source map_pass_source(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    const std::int64_t count = element_count<R>(shape);
    const layout how = std::apply([&](const auto&... o) {
        return std::apply([&](const auto&... e) { return layout_of(count, o..., e...); }, exprs);
    }, outs);
    using kind = decltype([]<class... O, class... E>(std::type_identity<std::tuple<O...>>, std::type_identity<std::tuple<E...>>) {
        return map_kernel<std::tuple<typename std::remove_cvref_t<O>::value_type...>, std::remove_cvref_t<E>...>{};
    }(std::type_identity<Outs>{}, std::type_identity<Exprs>{}));
    leaf_merge merge = std::apply([](const auto&... e) { return merge_leaves(e...); }, exprs);
    const generated_source& src = merged_source_for<kind>(how, 0, merge);
    return {&src, how, std::move(merge)};
}

template <int R, class Outs, class Exprs>
void gpu_map(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, int gpu) {
    if (element_count<R>(shape) == 0) return;
    const auto [src, how, merge] = map_pass_source<R>(shape, outs, exprs);
    kernel_args args = map_arguments<R>(shape, outs, exprs, how, merge);
    launch_pass(*src, 0, args, blocks_for(work_items(*src, element_count<R>(shape))), gpu);
}

/// A whole reduction of `input` (loop shape `shape`) into the one element at `out`: per-block
/// partial states, then one block merges them in a fixed order.
template <class Red, int R, class A>
void gpu_reduce_all(const A& input, const shape_t<R>& shape, void* out, int gpu) {
    const std::int64_t count = element_count<R>(shape);
    const auto [src, how, merge] = whole_reduction_source<Red>(input, count);
    const std::int64_t blocks = whole_reduction_blocks(work_items(*src, count), geometry_of(*src, 0, gpu));
    const device_scratch partial(static_cast<std::size_t>(blocks) * max_reduction_state_bytes, gpu);
    kernel_args first = reduce_arguments<R>(partial.get(), input, shape, how, merge);
    launch_pass(*src, 0, first, blocks, gpu);
    kernel_args final_pass = reduce_final_arguments(out, partial.get(), static_cast<int>(blocks), count);
    launch_pass(*src, 1, final_pass, 1, gpu);
}

/// Whether the lines along `axis` of `input` run through memory: the axis has the smallest
/// stride of the first array it reads (a transposed view's first axis, say), so that threads
/// sharing a line read neighbours. Without arrays (random leaves): the last axis.
template <expression A>
bool lines_contiguous(const A& input, int axis) {
    bool found = false, contiguous = axis == A::rank - 1;
    for_each_array(input, [&](const auto& a) {
        if (found || a.size() <= 1) return;
        found = true;
        const auto s = loop_strides<A::rank>(a.shape(), a.strides());
        const std::int64_t along = std::abs(s.v[axis]);
        contiguous = along != 0;
        for (const std::int64_t stride : s.v)
            if (stride != 0 && std::abs(stride) < along) contiguous = false;
    });
    return contiguous;
}

/// How a reduction of `input` along `axis` shares its lines (one per output) on a GPU holding
/// `gpu`'s threads: what the launch uses and what `explain` shows.
template <expression A>
axis_reduction_launch axis_reduction_plan(const A& input, int axis, gpu_geometry gpu) {
    const auto shape = input.shape();
    return plan_axis_reduction(element_count<A::rank>(outer_shape<A::rank>(shape, axis)), shape[axis],
                               lines_contiguous(input, axis), gpu);
}

/// The chunks each line along `axis` of a cumulative scan over `shape` is cut into.
template <int R>
std::int64_t cumulative_chunks(const shape_t<R>& shape, int axis, gpu_geometry gpu) {
    return plan_scan_chunks(scan_items<false, R>(shape, axis), shape[axis], gpu);
}

/// A reduction of `input` along `axis` into `target`, its lines shared among threads as
/// plan_axis_reduction says; split lines are merged by a second pass.
template <class Red, class A, class T, int R>
void gpu_reduce_axis(const A& input, array<T, R>& target, int axis, int gpu) {
    if (target.size() == 0) return;
    const pass_source pass = axis_reduction_source<Red>(input);
    const generated_source& src = *pass.src;
    const axis_reduction_launch launch = axis_reduction_plan(input, axis, geometry_of(src, 0, gpu));
    if (launch.chunks == 1) {
        kernel_args args = axis_reduction_arguments(target, input, axis, launch, nullptr, pass.merge);
        launch_pass(src, 0, args, launch.blocks, gpu);
        return;
    }
    const std::int64_t items = target.size() * launch.chunks;
    const device_scratch partial(static_cast<std::size_t>(items) * max_reduction_state_bytes, gpu);
    kernel_args first = axis_reduction_arguments(target, input, axis, launch, partial.get(), pass.merge);
    launch_pass(src, 0, first, launch.blocks, gpu);
    kernel_args final_pass = axis_final_arguments<A::rank>(target, input.shape(), axis, launch.chunks, partial.get());
    launch_pass(src, 1, final_pass, blocks_for(target.size()), gpu);
}

/// A cumulative op `Op` of `input` along `axis` into `target` (of the result type). Long lines
/// are cut into chunks (plan_scan_chunks): the chunks' totals are scanned by this same
/// function, then each chunk is scanned from its predecessors' total.
template <class Op, class T, int R, class B>
void gpu_cumulative(const B& input, array<T, R>& target, int axis, int gpu) {
    const std::int64_t lines = scan_items<false, R>(target.shape(), axis);
    const pass_source pass = scan_source<Op>(input);
    const generated_source& src = *pass.src;
    const std::int64_t chunks = cumulative_chunks<R>(target.shape(), axis, geometry_of(src, 1, gpu));
    array<T, 2> carry;
    if (chunks > 1) {
        array<T, 2> totals({chunks, lines}, device::cuda(gpu));
        kernel_args fold = scan_totals_arguments<R>(totals.data(), input, target.shape(), axis, chunks, pass.merge);
        launch_pass(src, 0, fold, blocks_for(lines * chunks), gpu);
        array<T, 2>({chunks, lines}, device::cuda(gpu)).swap(carry);
        gpu_cumulative<Op>(totals, carry, 0, gpu);
    }
    kernel_args args = cumulative_arguments(target, input, axis, chunks, chunks > 1 ? carry.data() : nullptr, pass.merge);
    launch_pass(src, 1, args, blocks_for(lines * chunks), gpu);
}

/// A scan or rolling window `Op` of `input` along `axis` into `target` (of the result type):
/// cumulative ops as above, rolling windows a thread per output.
template <class Op, class T, int R, class B>
void gpu_scan(const B& input, array<T, R>& target, int axis, std::int64_t window, int gpu) {
    if (target.size() == 0) return;
    if constexpr (Op::rolling) {
        const pass_source pass = scan_source<Op>(input);
        kernel_args args = rolling_arguments(target, input, axis, window, pass.merge);
        launch_pass(*pass.src, 0, args, blocks_for(target.size()), gpu);
    } else {
        gpu_cumulative<Op>(input, target, axis, gpu);
    }
}

}  // namespace jitfuse::detail
