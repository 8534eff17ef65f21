// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Evaluation of scans and rolling windows (`assign` hands them here): the input
/// expression, converted to the result type, is evaluated into the target in one fused pass,
/// then the CPU rewrites the target in place along the axis (one long line is evaluated and
/// scanned block by block instead). No second full-size array is made unless the target
/// cannot hold the result itself (another element type, or a view the input also reads
/// through another view).

#include <new>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "evaluate.hpp"
#include "jitfuse/cpu/scan.hpp"
#include "kernel_plan.hpp"
#include "scan_expr.hpp"

namespace jitfuse::detail {

/// When codegen is observed (dump, check), generates the CUDA kernel of a scan the CPU runs
/// and packs the arguments a launch would pass it, which must fit its parameters.
template <class Op, class T, int R, class B>
void observe_scan_codegen(const array<T, R>& target, const B& bound, int axis, std::int64_t window) {
    if (!codegen_observed()) return;
    const auto [src, how, merge] = scan_source<Op>(bound);
    observe_generated(*src);
    if constexpr (Op::rolling) {
        check_arguments(rolling_arguments(target, bound, axis, window, merge), src->kernels[0]);
    } else {
        check_arguments(scan_totals_arguments<R>(static_cast<T*>(nullptr), bound, target.shape(), axis, 2, merge),
                        src->kernels[0]);
        check_arguments(cumulative_arguments(target, bound, axis, 2, nullptr, merge), src->kernels[1]);
    }
}

/// `b` read in type V (as it is when it already has that type).
template <class V, expression B>
auto converted_to(const B& b) {
    if constexpr (std::is_same_v<typename B::value_type, V>) return b;
    else return unary_expr<cast_op<V>, B>{b};
}

[[noreturn]] inline void throw_scan_out_of_memory(std::string_view op, bool target_was_empty) {
    throw out_of_memory(std::string(op) + ": no memory for the scan's scratch buffers; " +
                        (target_was_empty ? "the target is left empty"
                                          : "the target array may already hold the scan's input"));
}

/// Does the scan's input read the target's buffer so that writing the target first would
/// change it? A rolling window reads `window` inputs per output (the generated kernel reads
/// them while other threads write), so for it any read of the buffer counts.
template <class Op, class T, int R, expression B>
bool scan_reads_target(const array<T, R>& target, const B& bound) {
    if constexpr (Op::rolling) {
        bool found = false;
        for_each_array(bound, [&](const auto& a) { found = found || a.buffer() == target.buffer(); });
        return found;
    } else return reads_through_other_view(target, bound);
}

/// The CPU's scan of `bound` into `target`, which has the result type and which `bound` does
/// not read: one long line evaluated piece by piece as it is scanned, else the converted
/// input evaluated into the target in one fused pass and scanned in place.
template <class Op, class V, int R, expression B>
void cpu_scan(const array<V, R>& target, const B& bound, int axis, std::int64_t window) {
    const auto input = converted_to<V>(bound);
    if (cpu::long_single_line<Op, R>(target.shape(), axis, window))
        return cpu::fused_line<Op>(target, axis, window, input, config().fast_math);
    cpu::run_elementwise<R>(target.shape(), std::tie(target), std::tuple{input}, config().fast_math);
    cpu::scan_in_place<Op>(target, axis, window);
}

/// `target = e`: the target, when it holds the result type and nothing else reads its buffer,
/// receives the converted input in one fused pass and is then scanned in place.
template <class T, int R, class Op, class A>
void assign_scan(array<T, R>& target, const scan_expr<Op, A>& e) {
    using V = typename scan_expr<Op, A>::value_type;
    const device dev = pass_device(target, e.a);
    const bool was_empty = target.empty();
    prepare_target(target, e.shape(), dev);
    const auto bound = materialize_reductions(e.a, dev);
    if (!std::is_same_v<T, V> || scan_reads_target<Op>(target, bound)) {
        array<V, R> tmp(e.shape(), dev);
        assign_scan(tmp, e);
        assign(target, tmp);
        return;
    }
    if constexpr (std::is_same_v<T, V>) {
        if (!dev.is_cpu()) {  // one kernel reads the input expression and writes the scan
            gpu_scan<Op>(bound, target, static_cast<int>(e.axis), e.window, dev.index());
        } else {
            const int axis = static_cast<int>(e.axis);
            observe_scan_codegen<Op>(target, bound, axis, e.window);
            try {
                cpu_scan<Op>(target, bound, axis, e.window);
            } catch (const std::bad_alloc&) {
                // The scratch (block totals, or about 2 windows per thread) did not fit.
                if (was_empty) array<T, R>().swap(target);
                throw_scan_out_of_memory(Op::name, was_empty);
            }
        }
        count_pass(bytes_of_arrays(bound), bytes_of_arrays(target), dev);
    }
}

}  // namespace jitfuse::detail
