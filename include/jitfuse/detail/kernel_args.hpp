// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file The argument block of a kernel launch: the values of one pass (pointers, strides,
/// scalars, shift offsets, seeds, shape) packed in the order and with the sizes and
/// alignments of the parameters codegen printed (`kernel_entry::params`). Host-only; the
/// codegen check packs the arguments of every pass the CPU runs and compares them with the
/// printed parameters, and those with the parameters NVRTC compiled (PTX), so the layout is
/// tested on every CI run without a GPU.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <vector>

#include "codegen.hpp"
#include "divisor.hpp"
#include "launch_geometry.hpp"
#include "leaf_merge.hpp"
#include "shape.hpp"
#include "shift_expr.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

/// Host twin of the prelude's `jf::dims<R>`.
template <int R>
struct device_dims {
    std::int64_t v[R > 0 ? R : 1];
};

/// Host twin of the prelude's `jf::shift_args<R, T>`.
template <int R, class T>
struct device_shift_args {
    std::int64_t offset[R];
    std::int64_t extent[R];
    T fill;
};

class kernel_args {
  public:
    struct slot {
        std::size_t offset;
        std::uint32_t size;
        std::uint32_t align;
    };

    /// Appends one parameter's bytes, aligned as the device aligns its type.
    template <class V>
    void push(const V& value) {
        static_assert(std::is_trivially_copyable_v<V>);
        const std::size_t at = (bytes_.size() + alignof(V) - 1) / alignof(V) * alignof(V);
        bytes_.resize(at + sizeof(V));
        std::memcpy(bytes_.data() + at, &value, sizeof(V));
        slots_.push_back({at, static_cast<std::uint32_t>(sizeof(V)), static_cast<std::uint32_t>(alignof(V))});
    }

    const std::vector<slot>& slots() const noexcept { return slots_; }

    /// `cuLaunchKernel`'s kernelParams: the address of each parameter's bytes. Valid while
    /// this object lives and receives no further `push`.
    std::vector<void*> pointers() {
        std::vector<void*> out;
        out.reserve(slots_.size());
        for (const slot& s : slots_) out.push_back(bytes_.data() + s.offset);
        return out;
    }

  private:
    std::vector<std::byte> bytes_;
    std::vector<slot> slots_;
};

/// Refuses a launch whose arguments do not match the kernel's parameters one for one (count,
/// size, alignment): a jitfuse bug, caught before the GPU reads garbage.
void check_arguments(const kernel_args& args, const kernel_entry& kernel);

/// Strides of an operand of shape `op_shape` over a loop of rank R: right-aligned, 0 where
/// it broadcasts (a missing axis or an extent of 1), as the generated `jf::offset` expects.
template <int R, std::size_t AR>
device_dims<R> loop_strides(const std::array<std::int64_t, AR>& op_shape, const std::array<std::int64_t, AR>& op_strides) {
    device_dims<R> s{};
    for (int d = 0; d < R; ++d) {
        const int a = d - (R - static_cast<int>(AR));
        s.v[d] = a >= 0 && op_shape[a] != 1 ? op_strides[a] : 0;
    }
    return s;
}

/// The pointer a kernel gets for `a`: null when `a` has no elements (a view of an empty array
/// may hold an address derived from null, which no kernel may be handed).
template <class A>
auto kernel_pointer(const A& a) {
    return a.size() == 0 ? nullptr : a.data();
}

/// Pushes the leaves of `e` in node order, as `parameters` (codegen.cpp) prints them, except
/// the array leaves `merge` merged into earlier ones; `leaf` numbers the leaves across the
/// expressions of a pass. `R` is the loop rank, strides follow each indexed leaf when `strided`.
template <int R, expression E>
void push_leaves(kernel_args& args, const E& e, bool strided, const leaf_merge& merge, int& leaf) {
    visit_postorder(e, [&](const auto& node) {
        using N = std::remove_cvref_t<decltype(node)>;
        if constexpr (is_array_v<N>) {
            if (merge.merged(leaf++)) return;
            args.push(static_cast<const typename N::value_type*>(kernel_pointer(node)));
            if (strided) args.push(loop_strides<R>(node.shape(), node.strides()));
        } else if constexpr (generated_leaf<N>) {
            ++leaf;
            args.push(node.seed);
            if (strided) args.push(loop_strides<R>(node.shape(), node.strides()));
        } else if constexpr (is_shift_v<N>) {
            ++leaf;
            device_shift_args<N::rank, typename N::value_type> s{};
            std::copy(node.offset.begin(), node.offset.end(), s.offset);
            std::copy(node.extent.begin(), node.extent.end(), s.extent);
            s.fill = node.fill;
            args.push(s);
        } else if constexpr (is_scalar_expr_v<N>) {
            ++leaf;
            args.push(node.value);
        }
    });
}
/// The same for the one expression of a pass.
template <int R, expression E>
void push_leaves(kernel_args& args, const E& e, bool strided, const leaf_merge& merge) {
    int leaf = 0;
    push_leaves<R>(args, e, strided, merge, leaf);
}

/// The loop's shape (strided layouts) and its element count `n`, which end every parameter list.
template <int R>
void push_loop(kernel_args& args, const shape_t<R>& shape, std::int64_t n, bool strided) {
    if (strided) args.push(as_extents<(R > 0 ? R : 1)>(shape));
    args.push(n);
}

/// The arguments of `jf_map` writing `outs` (arrays) from `exprs` over `shape`, its leaves
/// merged as `merge` says.
template <int R, class Outs, class Exprs>
kernel_args map_arguments(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, layout how,
                          const leaf_merge& merge) {
    constexpr int LR = R > 0 ? R : 1;
    const bool strided = how == layout::strided;
    kernel_args args;
    std::apply([&](const auto&... o) {
        const auto push_output = [&](const auto& out) {
            args.push(kernel_pointer(out));
            if (strided) args.push(loop_strides<LR>(out.shape(), out.strides()));
        };
        (push_output(o), ...);
    }, outs);
    int leaf = 0;
    std::apply([&](const auto&... e) { (push_leaves<LR>(args, e, strided, merge, leaf), ...); }, exprs);
    push_loop<R>(args, shape, element_count<R>(shape), strided);
    return args;
}

/// The arguments of `jf_reduce`: per-block states into `partial`, from `input` over `shape`,
/// its leaves merged as `merge` says.
template <int R, expression A>
kernel_args reduce_arguments(void* partial, const A& input, const shape_t<R>& shape, layout how,
                             const leaf_merge& merge) {
    const bool strided = how == layout::strided;
    kernel_args args;
    args.push(partial);
    push_leaves<(R > 0 ? R : 1)>(args, input, strided, merge);
    push_loop<R>(args, shape, element_count<R>(shape), strided);
    return args;
}

/// The arguments of `jf_reduce_final`: `count` states of `partial` into `out`; `n` counts the
/// elements reduced (a mean divides by it).
inline kernel_args reduce_final_arguments(void* out, const void* partial, int count, std::int64_t n) {
    kernel_args args;
    args.push(out);
    args.push(partial);
    args.push(count);
    args.push(n);
    return args;
}

/// Strides of `out` (rank R - 1: `input` with `axis` removed) over the input's axes: 0 on the
/// reduced axis, where output coordinates unravel over `outer` (the input shape with extent 1
/// on the axis).
template <int R, class T, int OR>
device_dims<R> reduced_output_strides(const array<T, OR>& out, int axis) {
    device_dims<R> s{};
    for (int d = 0, o = 0; d < R; ++d) {
        if (d == axis) continue;
        s.v[d] = out.shape()[o] == 1 ? 0 : out.strides()[o];
        ++o;
    }
    return s;
}

/// The lines along `axis` of `shape`: the shape with extent 1 there.
template <int R>
shape_t<R> outer_shape(shape_t<R> shape, int axis) {
    shape[axis] = 1;
    return shape;
}

/// The lines along `axis` of `shape` that the axis kernels walk: their shape (`outer`), the
/// axis and its length.
template <int R>
void push_lines(kernel_args& args, const shape_t<R>& shape, int axis) {
    args.push(as_extents<R>(outer_shape<R>(shape, axis)));
    args.push(axis);
    args.push(shape[axis]);
}

/// The output pointer and strides of an axis kernel writing `out` over a loop of rank R.
template <int R, class T, int OR>
void push_axis_output(kernel_args& args, const array<T, OR>& out, int axis) {
    args.push(kernel_pointer(out));
    if constexpr (OR == R) args.push(loop_strides<R>(out.shape(), out.strides()));
    else args.push(reduced_output_strides<R>(out, axis));
}

/// The arguments of an axis reduction (`jf_reduce_axis`, followed by its launch's share of
/// the lines) or a scan (`jf_scan`, followed by `window`) writing `out` from `input` of shape
/// `shape`: output pointer and strides, leaves (merged as `merge` says), loop, then the lines
/// along `axis`. `n` is the number of work items (outputs, lines or elements).
template <int R, class T, int OR, expression A>
kernel_args axis_arguments(const array<T, OR>& out, const A& input, const shape_t<R>& shape, int axis, std::int64_t n,
                           const leaf_merge& merge) {
    kernel_args args;
    push_axis_output<R>(args, out, axis);
    push_leaves<R>(args, input, true, merge);
    push_loop<R>(args, shape, n, true);
    push_lines<R>(args, shape, axis);
    return args;
}

/// The arguments of `jf_reduce_axis` reducing `input` along `axis` into `out` as `launch`
/// shares the lines; `partial` receives a state per work item when there are several chunks.
template <class T, int OR, expression A>
kernel_args axis_reduction_arguments(const array<T, OR>& out, const A& input, int axis,
                                     const axis_reduction_launch& launch, void* partial, const leaf_merge& merge) {
    kernel_args args = axis_arguments<A::rank>(out, input, input.shape(), axis, out.size(), merge);
    args.push(launch.group);
    args.push(launch.chunks);
    args.push(partial);
    return args;
}

/// The arguments of `jf_reduce_axis_final`: each output of `out` merges its `chunks` states of
/// `partial`; `shape` is the reduced input's.
template <int R, class T, int OR>
kernel_args axis_final_arguments(const array<T, OR>& out, const shape_t<R>& shape, int axis, std::int64_t chunks,
                                 const void* partial) {
    kernel_args args;
    push_axis_output<R>(args, out, axis);
    args.push(static_cast<std::int64_t>(out.size()));
    push_lines<R>(args, shape, axis);
    args.push(chunks);
    args.push(partial);
    return args;
}

/// Work items of a scan over `shape`: the lines along `axis`, or every output of a rolling window.
template <bool Rolling, int R>
std::int64_t scan_items(const shape_t<R>& shape, int axis) {
    return element_count<R>(Rolling ? shape : outer_shape<R>(shape, axis));
}

/// The arguments of a rolling window's `jf_scan`: those of `axis_arguments` (a work item per
/// output), then the window.
template <class T, int R, expression A>
kernel_args rolling_arguments(const array<T, R>& out, const A& input, int axis, std::int64_t window,
                              const leaf_merge& merge) {
    kernel_args args = axis_arguments<R>(out, input, out.shape(), axis, scan_items<true, R>(out.shape(), axis), merge);
    args.push(window);
    return args;
}

/// The chunks each line of `length` is cut into and their common length (the last may be
/// shorter), which the kernels would otherwise divide out per thread.
inline void push_chunks(kernel_args& args, std::int64_t length, std::int64_t chunks) {
    args.push(chunks);
    args.push((length + chunks - 1) / chunks);
}

/// The arguments of a cumulative op's `jf_scan`: those of `axis_arguments` (a work item per
/// line), then the chunks each line is cut into and the scanned chunk totals (null with one).
template <class T, int R, expression A>
kernel_args cumulative_arguments(const array<T, R>& out, const A& input, int axis, std::int64_t chunks,
                                 std::type_identity_t<const T*> carry, const leaf_merge& merge) {
    kernel_args args = axis_arguments<R>(out, input, out.shape(), axis, scan_items<false, R>(out.shape(), axis), merge);
    push_chunks(args, out.shape()[axis], chunks);
    args.push(carry);
    return args;
}

/// The arguments of `jf_scan_totals`: the fold of each of `chunks` runs per line of `input`
/// (shape `shape`) along `axis` into `totals` (chunks x lines).
template <int R, class V, expression A>
kernel_args scan_totals_arguments(V* totals, const A& input, const shape_t<R>& shape, int axis, std::int64_t chunks,
                                  const leaf_merge& merge) {
    kernel_args args;
    args.push(totals);
    push_leaves<R>(args, input, true, merge);
    push_loop<R>(args, shape, scan_items<false, R>(shape, axis), true);
    push_lines<R>(args, shape, axis);
    push_chunks(args, shape[axis], chunks);
    return args;
}

}  // namespace jitfuse::detail
