// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Introspection and ahead-of-time compilation: `explain(e)` returns the CUDA kernel
/// jitfuse generates for `e` (host-only, no GPU needed); `precompile(e, arch)` compiles it
/// with NVRTC.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "detail/evaluate.hpp"
#include "detail/kernel_plan.hpp"

namespace jitfuse {

/// What jitfuse runs on a GPU for one expression.
struct kernel_info {
    std::string source;                          ///< the CUDA source NVRTC compiles
    std::map<std::string, std::string> headers;  ///< name -> text of the headers it includes
    std::string kernel_name;                     ///< the first kernel this expression launches
    std::vector<std::string> kernel_names;       ///< the source's kernels, in launch order (a second
                                                 ///< pass, merging split lines, may not be needed)
    std::string layout;                          ///< "flat_vector", "flat" or "strided"
    std::array<std::int64_t, 3> grid{1, 1, 1};   ///< launch shape of the first kernel (on the default
                                                 ///< GPU at full occupancy; else a 132-SM H100)
    std::array<std::int64_t, 3> block{1, 1, 1};
    std::uint64_t bytes_read = 0;                ///< each array view once, however often `e` reads it
    std::uint64_t bytes_written = 0;
};

namespace detail {

/// The GPU pass of one expression: its kernel source and how its first kernel is launched.
struct pass_plan {
    const generated_source* src;
    layout how;
    std::int64_t blocks;
    std::uint64_t bytes_read;
    std::uint64_t bytes_written;
    std::size_t first_kernel = 0;  ///< of `src->kernels`
};

kernel_info describe_launch(const pass_plan& plan);

/// The GPU `explain` plans launches for: the default device at full occupancy (explain
/// compiles nothing; a launch plans with its kernel's own), or `nominal_gpu` without one.
gpu_geometry explained_gpu();

/// Compiles `src` for `arch` into the caches ("native": this machine's GPU).
void compile_into_caches(const generated_source& src, std::string_view arch);

template <class Red, class A, int OutRank>
pass_plan plan_reduction(const reduce_expr<Red, A, OutRank>& e) {
    const auto bound = materialize_reductions(e.a, operands_device(e.a));
    const auto shape = loop_shape(e.a.shape());
    const std::int64_t count = element_count<loop_rank<A::rank>>(shape);
    const std::uint64_t read = bytes_of_arrays(bound);
    using V = typename reduce_expr<Red, A, OutRank>::value_type;
    if constexpr (OutRank == 0) {
        const pass_source pass = whole_reduction_source<Red>(bound, count);
        return {pass.src, pass.how, whole_reduction_blocks(work_items(*pass.src, count), explained_gpu()), read, sizeof(V)};
    } else {
        const auto launch = axis_reduction_plan(bound, static_cast<int>(e.axis), explained_gpu());
        return {axis_reduction_source<Red>(bound).src, layout::strided, launch.blocks, read,
                static_cast<std::uint64_t>(element_count<OutRank>(e.shape())) * sizeof(V)};
    }
}

/// The GPU pass of `e` (computing any reduction nested inside it first).
template <expression E>
pass_plan plan_pass(const E& e) {
    if constexpr (reduction<E>) {
        return plan_reduction(e);
    } else if constexpr (scan<E>) {
        return plan_scan(e);  // scan.hpp
    } else {
        using T = typename E::value_type;
        const auto bound = detail::materialize_reductions(e, detail::operands_device(e));
        using B = std::remove_cvref_t<decltype(bound)>;
        const std::int64_t count = detail::element_count<detail::loop_rank<E::rank>>(detail::loop_shape(e.shape()));
        const detail::layout how = detail::layout_of(count, bound);
        const auto& src = detail::merged_source_for<detail::map_kernel<std::tuple<T>, B>>(how, 0, detail::merge_leaves(bound));
        return {&src, how, detail::blocks_for(detail::work_items(src, count)), detail::bytes_of_arrays(bound), static_cast<std::uint64_t>(count) * sizeof(T)};
    }
}

}  // namespace detail

/// The kernel jitfuse generates for `e` (computing any reduction nested inside it first).
template <detail::expression E>
kernel_info explain(const E& e) {
    return detail::describe_launch(detail::plan_pass(e));
}

/// Compiles the kernel of `e` with NVRTC for `arch` ("sm_90", ...; "native" = this GPU)
/// into the memory and disk caches, without running it. Needs NVRTC, not a GPU (except
/// for "native").
template <detail::expression E>
void precompile(const E& e, std::string_view arch = "native") {
    detail::compile_into_caches(*detail::plan_pass(e).src, arch);
}

/// The same for several architectures: `precompile(e, {"sm_80", "sm_90", "sm_100"})`.
template <detail::expression E>
void precompile(const E& e, std::initializer_list<std::string_view> archs) {
    const detail::generated_source& src = *detail::plan_pass(e).src;
    for (const std::string_view arch : archs) detail::compile_into_caches(src, arch);
}

}  // namespace jitfuse
