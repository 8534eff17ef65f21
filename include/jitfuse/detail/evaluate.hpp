// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Evaluation: checks an assignment (operands, devices, shapes, aliasing), computes
/// nested reductions first, then hands the pass to the backend of the operands' device.
/// Backends share one shape: plan (loop shape, merged axes, strides as parameters) ->
/// compile (CPU: the evaluator templates the host compiler already instantiated; CUDA:
/// generated source through NVRTC) -> launch. Only the CPU backend exists in this build.

#include <algorithm>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "../array.hpp"
#include "../config.hpp"
#include "../stats.hpp"
#include "jitfuse/cpu/elementwise.hpp"
#include "jitfuse/cpu/reduce.hpp"
#include "distinct_views.hpp"
#include "gpu_eval.hpp"
#include "kernel_args.hpp"
#include "kernel_plan.hpp"
#include "rewrite.hpp"
#include "shift_expr.hpp"

namespace jitfuse::detail {

/// The loop shape of a result: rank-0 results loop over one element.
template <std::size_t R>
auto loop_shape(const std::array<std::int64_t, R>& shape) {
    if constexpr (R == 0) return shape_t<1>{1};
    else return shape;
}
template <int R>
inline constexpr int loop_rank = R == 0 ? 1 : R;

[[noreturn]] void throw_shape_mismatch(std::span<const std::int64_t> target,
                                       std::span<const std::int64_t> value);
/// The expression at `index` (from 0) of a tie's tuple differs in shape from the first.
[[noreturn]] void throw_tied_shapes(std::span<const std::int64_t> first, std::span<const std::int64_t> other,
                                    std::size_t index);
[[noreturn]] void throw_broadcast_target(std::span<const std::int64_t> shape,
                                         std::span<const std::int64_t> strides);
[[noreturn]] void throw_mixed_devices(const device& a, const device& b);
[[noreturn]] void throw_empty_reduction(std::string_view reduction,
                                        std::span<const std::int64_t> shape);
/// Refuses devices whose backend is not built; returns normally for the CPU.
void require_backend(const device& dev);
/// Counts one pass on `dev` (GPU passes count their launches where they launch), which wrote
/// `bytes_streamed` of its `bytes_written` with streaming stores.
void count_pass(std::uint64_t bytes_read, std::uint64_t bytes_written, const device& dev,
                std::uint64_t bytes_streamed = 0);

/// The device all arrays of `e` live on (none: `e` has no arrays); an empty or moved-from
/// operand, or arrays on two devices, is an error.
template <expression E>
std::optional<device> arrays_device(const E& e) {
    std::optional<device> dev;
    for_each_array(e, [&](const auto& a) {
        if (a.empty()) throw_empty_operand();
        if (!dev) dev = a.where();
        else if (*dev != a.where()) throw_mixed_devices(*dev, a.where());
    });
    return dev;
}

/// The device a pass over `e` runs on: its arrays', else the default one.
template <expression E>
device operands_device(const E& e) {
    const device d = arrays_device(e).value_or(default_device());
    require_backend(d);
    return d;
}

/// The device of a pass writing `targets` (a tuple of arrays) from `exprs` (a tuple): that of
/// the expressions' arrays, which must agree; else the first non-empty target's (expressions
/// of scalars and random leaves); else the default.
template <class Targets, class Exprs>
device pass_device_of(const Targets& targets, const Exprs& exprs) {
    std::optional<device> dev;
    const auto meet = [&](const std::optional<device>& d) {
        if (d && dev && *dev != *d) throw_mixed_devices(*dev, *d);
        if (d) dev = d;
    };
    std::apply([&](const auto&... e) { (meet(arrays_device(e)), ...); }, exprs);
    std::apply([&](const auto&... t) { ((dev || t.empty() ? void() : void(dev = t.where())), ...); }, targets);
    const device d = dev.value_or(default_device());
    require_backend(d);
    return d;
}

template <class T, int R, expression E>
device pass_device(const array<T, R>& target, const E& e) {
    return pass_device_of(std::tie(target), std::tie(e));
}

/// Bytes of the arrays `e` reads, each view once (also across the calls sharing `seen`).
template <expression E>
std::uint64_t bytes_of_arrays(const E& e, distinct_views& seen) {
    std::uint64_t bytes = 0;
    for_each_array(e, [&](const auto& a) {
        using V = typename std::remove_cvref_t<decltype(a)>::value_type;
        if (seen.earlier(a) < 0) bytes += static_cast<std::uint64_t>(a.size()) * sizeof(V);
    });
    return bytes;
}
template <expression E>
std::uint64_t bytes_of_arrays(const E& e) {
    distinct_views seen;
    return bytes_of_arrays(e, seen);
}

/// Are `a` and `b` one view: the same first element, shape and strides?
template <class T, int R>
bool same_view(const array<T, R>& a, const array<T, R>& b) {
    return a.data() == b.data() && a.shape() == b.shape() && a.strides() == b.strides();
}

/// Does `e` read the target's buffer through a view other than the target itself (or through
/// any view, under a shift)? Then a pass writing the target could clobber values it has still
/// to read.
template <class T, int R, expression E>
bool reads_through_other_view(const array<T, R>& target, const E& e) {
    bool found = false;
    if constexpr (reads_neighbours<E>())
        for_each_shifted_array(e, [&](const auto& a) { found = found || a.buffer() == target.buffer(); });
    for_each_array(e, [&](const auto& a) {
        if (a.buffer() != target.buffer()) return;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(a)>, array<T, R>>)
            found = found || !same_view(a, target);
        else found = true;
    });
    return found;
}

/// A non-empty target must be on `dev` (arrays do not move between devices implicitly:
/// `to(device)` moves them), have `shape` and not be a broadcast view (its elements would
/// overlap); an empty one takes any.
template <class T, int R>
void check_target(const array<T, R>& target, const std::type_identity_t<shape_t<R>>& shape, device dev) {
    if (target.empty()) return;
    if (target.where() != dev) throw_mixed_devices(target.where(), dev);
    if (target.shape() != shape) throw_shape_mismatch(target.shape(), shape);
    for (int d = 0; d < R; ++d)
        if (target.strides()[d] == 0 && target.shape()[d] > 1) throw_broadcast_target(target.shape(), target.strides());
}

/// Gives an empty target a new buffer of `shape` on `dev`.
template <class T, int R>
void allocate_if_empty(array<T, R>& target, const std::type_identity_t<shape_t<R>>& shape, device dev) {
    if (target.empty()) array<T, R>(shape, dev).swap(target);
}

/// check_target, then allocate_if_empty.
template <class T, int R>
void prepare_target(array<T, R>& target, const std::type_identity_t<shape_t<R>>& shape, device dev) {
    check_target(target, shape, dev);
    allocate_if_empty(target, shape, dev);
}

/// When codegen is observed (dump, check), generates the CUDA kernel of a pass the CPU runs
/// and packs the arguments a launch would pass it, which must fit the kernel's parameters.
template <int R, class Outs, class Exprs>
void observe_map_codegen(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    if (!codegen_observed()) return;
    const auto [src, how, merge] = map_pass_source<R>(shape, outs, exprs);
    observe_generated(*src);
    check_arguments(map_arguments<R>(shape, outs, exprs, how, merge), src->kernels[0]);
}

/// The same for a whole reduction (its two kernels).
template <class Red, class A>
void observe_reduce_codegen(const A& input) {
    if (!codegen_observed()) return;
    const auto shape = loop_shape(input.shape());
    const std::int64_t count = element_count<loop_rank<A::rank>>(shape);
    const auto [src, how, merge] = whole_reduction_source<Red>(input, count);
    observe_generated(*src);
    check_arguments(reduce_arguments<loop_rank<A::rank>>(nullptr, input, shape, how, merge), src->kernels[0]);
    check_arguments(reduce_final_arguments(nullptr, nullptr, 1, count), src->kernels[1]);
}

/// The same for a reduction of `input` along `axis` into `target` (both of its kernels).
template <class Red, class A, class T, int R>
void observe_axis_reduce_codegen(const A& input, const array<T, R>& target, int axis) {
    if (!codegen_observed()) return;
    const auto [src, how, merge] = axis_reduction_source<Red>(input);
    observe_generated(*src);
    check_arguments(axis_reduction_arguments(target, input, axis, axis_reduction_launch{1, 2, 1}, nullptr, merge),
                    src->kernels[0]);
    check_arguments(axis_final_arguments<A::rank>(target, input.shape(), axis, 2, nullptr), src->kernels[1]);
}

/// One elementwise pass: `exprs` (free of reductions) into `outs`, all of shape `shape`, on
/// the outputs' device. On the CPU it streams its outputs past the cache when its statement
/// writes at least `config().stream_store_bytes`: `statement_bytes` where the pass writes one
/// block of a statement's target (row_blocks.hpp), else what the pass itself writes.
template <int R, class Outs, class Exprs>
void run_pass(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs, std::uint64_t statement_bytes = 0) {
    const device dev = std::get<0>(outs).where();
    std::uint64_t read = 0, written = 0, streamed = 0;
    distinct_views read_views;  // an array in two expressions of a tie is read once too
    std::apply([&](const auto&... e) { ((read += bytes_of_arrays(e, read_views)), ...); }, exprs);
    std::apply([&](const auto&... o) { ((written += bytes_of_arrays(o)), ...); }, outs);
    if (dev.is_cpu()) {
        observe_map_codegen<R>(shape, outs, exprs);
        const std::int64_t threshold = config().stream_store_bytes;
        const bool stream = threshold > 0 && std::max(written, statement_bytes) >= static_cast<std::uint64_t>(threshold);
        streamed = static_cast<std::uint64_t>(
            cpu::run_elementwise<loop_rank<R>>(loop_shape(shape), outs, exprs, config().fast_math, stream));
    } else {
        gpu_map<R>(shape, outs, exprs, dev.index());
    }
    count_pass(read, written, dev, streamed);
}

/// The operand of a whole reduction `Red`, its nested reductions computed on `dev`; an empty
/// one is refused when `Red` needs elements.
template <class Red, expression A>
auto whole_reduction_operand(const A& input, const device& dev) {
    auto bound = materialize_reductions(input, dev);
    if (Red::needs_elements && element_count<loop_rank<A::rank>>(loop_shape(input.shape())) == 0)
        throw_empty_reduction(Red::name, input.shape());
    return bound;
}

/// The whole reduction of `input` on `dev` as a host value (waits for a GPU).
template <class Red, expression A>
auto reduce_value(const A& input, const device& dev) {
    const auto bound = whole_reduction_operand<Red>(input, dev);
    const auto shape = loop_shape(input.shape());
    using V = typename Red::template result<typename A::value_type>;
    V value;
    if (dev.is_cpu()) {
        observe_reduce_codegen<Red>(bound);
        value = cpu::reduce_all<Red, loop_rank<A::rank>>(bound, shape, config().fast_math);
    } else {
        const array<V, 0> out(shape_t<0>{}, dev);
        gpu_reduce_all<Red, loop_rank<A::rank>>(bound, shape, out.data(), dev.index());
        cuda::copy_to_host(&value, out.data(), sizeof(V), dev.index());
    }
    count_pass(bytes_of_arrays(bound), 0, dev);
    return value;
}

template <class T, int R, class Red, class A, int OutRank>
void assign_reduction(array<T, R>& target, const reduce_expr<Red, A, OutRank>& e) {
    const device dev = pass_device(target, e.a);
    using V = typename reduce_expr<Red, A, OutRank>::value_type;
    if constexpr (OutRank == 0) {
        if (dev.is_cpu() || !std::is_same_v<T, V>) {
            const auto value = reduce_value<Red>(e.a, dev);
            prepare_target(target, e.shape(), dev);
            const T converted = convert<T>(value);
            copy_from_host(target.data(), &converted, sizeof(T), dev);
        } else {  // straight into the target, without waiting for the GPU
            const auto bound = whole_reduction_operand<Red>(e.a, dev);
            prepare_target(target, e.shape(), dev);
            gpu_reduce_all<Red, loop_rank<A::rank>>(bound, loop_shape(e.a.shape()), target.data(), dev.index());
            count_pass(bytes_of_arrays(bound), sizeof(T), dev);
        }
    } else {
        const auto in_shape = e.a.shape();
        if (Red::needs_elements && in_shape[e.axis] == 0) throw_empty_reduction(Red::name, in_shape);
        prepare_target(target, e.shape(), dev);
        const auto bound = materialize_reductions(e.a, dev);
        if (reads_through_other_view(target, bound)) {
            array<T, R> tmp(e.shape(), dev);
            assign_reduction(tmp, e);
            assign(target, tmp);
            return;
        }
        if (dev.is_cpu()) {
            observe_axis_reduce_codegen<Red>(bound, target, static_cast<int>(e.axis));
            cpu::reduce_axis<Red, A::rank>(bound, in_shape, static_cast<int>(e.axis), target, config().fast_math);
        } else if constexpr (std::is_same_v<T, V>) {
            gpu_reduce_axis<Red>(bound, target, static_cast<int>(e.axis), dev.index());
        } else {  // the kernel writes the reduction's own type
            array<V, R> tmp(e.shape(), dev);
            assign_reduction(tmp, e);
            assign(target, tmp);
            return;
        }
        count_pass(bytes_of_arrays(bound), bytes_of_arrays(target), dev);
    }
}

template <class T, int R, class E>
bool assign_by_row_blocks(array<T, R>& target, const E& e);  // row_blocks.hpp
template <class T, int R, class E>
void assign_whole(array<T, R>& target, const E& e, std::uint64_t statement_bytes = 0);

template <class T, int R, class E>
void assign(array<T, R>& target, const E& e) {
    static_assert(E::rank == R, "jitfuse: the expression's rank differs from the array's rank");
    if constexpr (std::is_same_v<E, array<T, R>>)  // `b = a` where b is a's very view: nothing to write
        if (!target.empty() && same_view(target, e)) return;
    if (!assign_by_row_blocks(target, e)) assign_whole(target, e);
}

/// `target = e` in passes over the whole arrays; `target` is one block of a statement's target
/// of `statement_bytes` (run_pass) when that is not 0.
template <class T, int R, class E>
void assign_whole(array<T, R>& target, const E& e, std::uint64_t statement_bytes) {
    if constexpr (reduction<E>) {
        assign_reduction(target, e);
    } else if constexpr (scan<E>) {
        assign_scan(target, e);  // evaluate_scan.hpp (found when the scan is instantiated)
    } else {
        const device dev = pass_device(target, e);
        const auto bound = materialize_reductions(e, dev);
        prepare_target(target, e.shape(), dev);
        if (reads_through_other_view(target, bound)) {
            array<T, R> tmp(e.shape(), dev);
            run_pass<R>(e.shape(), std::tie(tmp), std::tie(bound));
            run_pass<R>(e.shape(), std::tie(target), std::tie(tmp), statement_bytes);
        } else {
            run_pass<R>(e.shape(), std::tie(target), std::tie(bound), statement_bytes);
        }
    }
}

template <class T, int R>
std::vector<T> gather_to_host(const array<T, R>& a) {
    if (a.empty()) throw_empty_operand();
    const array<T, R> src = !a.where().is_cpu() ? transfer(a, device::cpu()) : a.is_contiguous() ? a : a.clone();
    return std::vector<T>(src.data(), src.data() + src.size());
}

/// A contiguous copy of `a` on `dev` (another device than `a`'s).
template <class T, int R>
array<T, R> transfer(const array<T, R>& a, device dev) {
    const array<T, R> src = a.is_contiguous() ? a : a.clone();
    array<T, R> out(src.shape(), dev);
    const auto n = static_cast<std::size_t>(src.size());
    if (src.where().is_cpu()) {
        copy_from_host(out.data(), src.data(), n * sizeof(T), dev);
    } else if (dev.is_cpu()) {
        cuda::copy_to_host(out.data(), src.data(), n * sizeof(T), src.where().index());
    } else {  // between GPUs, through the host
        const auto staging = std::make_unique_for_overwrite<T[]>(n);
        cuda::copy_to_host(staging.get(), src.data(), n * sizeof(T), src.where().index());
        copy_from_host(out.data(), staging.get(), n * sizeof(T), dev);
    }
    return out;
}

template <class Red, expression A, int OutRank>
auto reduce_expr<Red, A, OutRank>::item() const -> value_type {
    static_assert(whole, "jitfuse: item() needs a whole reduction; this one keeps an axis "
                         "(assign it to an array instead)");
    return reduce_value<Red>(a, operands_device(a));
}

}  // namespace jitfuse::detail

#include "row_blocks.hpp"  // assign_by_row_blocks, which uses the helpers above
