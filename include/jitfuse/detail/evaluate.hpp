// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Evaluation: checks an assignment (operands, devices, shapes, aliasing), computes
/// nested reductions first, then hands the pass to the backend of the operands' device.
/// Backends share one shape: plan (loop shape, merged axes, strides as parameters) ->
/// compile (CPU: the evaluator templates the host compiler already instantiated; CUDA:
/// generated source through NVRTC) -> launch. Only the CPU backend exists in this build.

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "../array.hpp"
#include "../config.hpp"
#include "../stats.hpp"
#include "jitfuse/cpu/elementwise.hpp"
#include "jitfuse/cpu/reduce.hpp"
#include "kernel_args.hpp"
#include "kernel_plan.hpp"
#include "shift_expr.hpp"
#include "walk.hpp"

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
[[noreturn]] void throw_broadcast_target(std::span<const std::int64_t> shape,
                                         std::span<const std::int64_t> strides);
[[noreturn]] void throw_mixed_devices(const device& a, const device& b);
[[noreturn]] void throw_empty_reduction(std::string_view reduction,
                                        std::span<const std::int64_t> shape);
/// Refuses devices whose backend is not built; returns normally for the CPU.
void require_backend(const device& dev);
void count_pass(std::uint64_t bytes_read, std::uint64_t bytes_written);

/// The device all arrays of `e` live on; an empty or moved-from operand, or arrays on two
/// devices, is an error.
template <expression E>
device operands_device(const E& e) {
    std::optional<device> dev;
    for_each_array(e, [&](const auto& a) {
        if (a.empty()) throw_empty_operand();
        if (!dev) dev = a.where();
        else if (*dev != a.where()) throw_mixed_devices(*dev, a.where());
    });
    const device d = dev.value_or(default_device());
    require_backend(d);
    return d;
}

template <expression E>
std::uint64_t bytes_of_arrays(const E& e) {
    std::uint64_t bytes = 0;
    for_each_array(e, [&](const auto& a) {
        bytes += static_cast<std::uint64_t>(a.size()) * sizeof(typename std::remove_cvref_t<decltype(a)>::value_type);
    });
    return bytes;
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
            found = found || a.data() != target.data() || a.shape() != target.shape() || a.strides() != target.strides();
        else found = true;
    });
    return found;
}

/// Gives an empty target a new buffer of `shape`; otherwise the shapes must match and the
/// target must not be a broadcast view (its elements would overlap).
template <class T, int R>
void prepare_target(array<T, R>& target, const std::type_identity_t<shape_t<R>>& shape, device dev) {
    if (target.empty()) {
        array<T, R>(shape, dev).swap(target);
        return;
    }
    if (target.shape() != shape) throw_shape_mismatch(target.shape(), shape);
    for (int d = 0; d < R; ++d)
        if (target.strides()[d] == 0 && target.shape()[d] > 1) throw_broadcast_target(target.shape(), target.strides());
}

/// When codegen is observed (dump, check), generates the CUDA kernel of a pass the CPU runs
/// and packs the arguments a launch would pass it, which must fit the kernel's parameters.
template <int R, class Outs, class Exprs>
void observe_map_codegen(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    if (!codegen_observed()) return;
    const std::int64_t count = element_count<loop_rank<R>>(loop_shape(shape));
    const layout how = std::apply([&](const auto&... o) {
        return std::apply([&](const auto&... e) { return layout_of(count, o..., e...); }, exprs);
    }, outs);
    using kind = decltype([]<class... O, class... E>(std::type_identity<std::tuple<O...>>, std::type_identity<std::tuple<E...>>) {
        return map_kernel<std::tuple<typename std::remove_cvref_t<O>::value_type...>, std::remove_cvref_t<E>...>{};
    }(std::type_identity<Outs>{}, std::type_identity<Exprs>{}));
    const generated_source& src = source_for<kind>(how, 0);
    observe_generated(src);
    check_arguments(map_arguments<R>(shape, outs, exprs, how), src.kernels[0]);
}

/// The same for a whole reduction (its two kernels).
template <class Red, class A>
void observe_reduce_codegen(const A& input) {
    if (!codegen_observed()) return;
    const auto shape = loop_shape(input.shape());
    const std::int64_t count = element_count<loop_rank<A::rank>>(shape);
    const layout how = layout_of(count, input) == layout::strided ? layout::strided : layout::flat;
    const generated_source& src = source_for<reduce_kernel<Red, A>>(how, 0, true, false);
    observe_generated(src);
    check_arguments(reduce_arguments<loop_rank<A::rank>>(nullptr, input, shape, how), src.kernels[0]);
    check_arguments(reduce_final_arguments(nullptr, nullptr, 1, count), src.kernels[1]);
}

/// The same for a reduction of `input` along `axis` into `target`: along the last axis
/// (variant 1) or another one (2).
template <class Red, class A, class T, int R>
void observe_axis_reduce_codegen(const A& input, const array<T, R>& target, int axis) {
    if (!codegen_observed()) return;
    const bool inner = axis == A::rank - 1;
    const generated_source& src = source_for<reduce_kernel<Red, A>>(layout::strided, inner ? 1 : 2, false, inner);
    observe_generated(src);
    check_arguments(axis_arguments<A::rank>(target, input, input.shape(), axis, target.size()), src.kernels[0]);
}

/// One elementwise pass: `exprs` (free of reductions) into `outs`, all of shape `shape`.
template <int R, class Outs, class Exprs>
void run_pass(const shape_t<R>& shape, const Outs& outs, const Exprs& exprs) {
    observe_map_codegen<R>(shape, outs, exprs);
    cpu::run_elementwise<loop_rank<R>>(loop_shape(shape), outs, exprs, config().fast_math);
    std::uint64_t read = 0, written = 0;
    std::apply([&](const auto&... e) { ((read += bytes_of_arrays(e)), ...); }, exprs);
    std::apply([&](const auto&... o) { ((written += bytes_of_arrays(o)), ...); }, outs);
    count_pass(read, written);
}

template <class Red, expression A>
auto reduce_value(const A& input) {
    operands_device(input);
    const auto bound = materialize_reductions(input);
    const auto shape = loop_shape(input.shape());
    if (Red::needs_elements && element_count<loop_rank<A::rank>>(shape) == 0)
        throw_empty_reduction(Red::name, input.shape());
    observe_reduce_codegen<Red>(bound);
    auto value = cpu::reduce_all<Red, loop_rank<A::rank>>(bound, shape, config().fast_math);
    count_pass(bytes_of_arrays(bound), 0);
    return value;
}

template <class T, int R, class Red, class A, int OutRank>
void assign_reduction(array<T, R>& target, const reduce_expr<Red, A, OutRank>& e) {
    const device dev = operands_device(e.a);
    if constexpr (OutRank == 0) {
        const auto value = reduce_value<Red>(e.a);
        prepare_target(target, e.shape(), dev);
        *target.data() = convert<T>(value);
    } else {
        const auto in_shape = e.a.shape();
        if (Red::needs_elements && in_shape[e.axis] == 0) throw_empty_reduction(Red::name, in_shape);
        prepare_target(target, e.shape(), dev);
        const auto bound = materialize_reductions(e.a);
        if (reads_through_other_view(target, bound)) {
            array<T, R> tmp;
            assign_reduction(tmp, e);
            assign(target, tmp);
            return;
        }
        observe_axis_reduce_codegen<Red>(bound, target, static_cast<int>(e.axis));
        cpu::reduce_axis<Red, A::rank>(bound, in_shape, static_cast<int>(e.axis), target, config().fast_math);
        count_pass(bytes_of_arrays(bound), bytes_of_arrays(target));
    }
}

template <class T, int R, class E>
void assign(array<T, R>& target, const E& e) {
    static_assert(E::rank == R, "jitfuse: the expression's rank differs from the array's rank");
    if constexpr (reduction<E>) {
        assign_reduction(target, e);
    } else if constexpr (scan<E>) {
        assign_scan(target, e);  // evaluate_scan.hpp (found when the scan is instantiated)
    } else {
        const device dev = operands_device(e);
        const auto bound = materialize_reductions(e);
        prepare_target(target, e.shape(), dev);
        if (reads_through_other_view(target, bound)) {
            array<T, R> tmp(e.shape(), dev);
            run_pass<R>(e.shape(), std::tie(tmp), std::tie(bound));
            run_pass<R>(e.shape(), std::tie(target), std::tie(tmp));
        } else {
            run_pass<R>(e.shape(), std::tie(target), std::tie(bound));
        }
    }
}

template <class T, int R>
std::vector<T> gather_to_host(const array<T, R>& a) {
    if (a.empty()) throw_empty_operand();
    const array<T, R> src = a.is_contiguous() ? a : a.clone();
    return std::vector<T>(src.data(), src.data() + src.size());
}

template <class Red, expression A, int OutRank>
auto reduce_expr<Red, A, OutRank>::item() const -> value_type {
    static_assert(whole, "jitfuse: item() needs a whole reduction; this one keeps an axis "
                         "(assign it to an array instead)");
    return reduce_value<Red>(a);
}

}  // namespace jitfuse::detail
