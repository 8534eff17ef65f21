// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file From an expression to what a GPU pass needs: its kernel description (once per
/// expression type), its layout class (per call: contiguity, alignment) and its generated
/// source (once per type and layout). Host-only; shared by `explain`, `precompile` and the
/// codegen check that compiles every kernel the CPU runs.

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>
#include <tuple>
#include <utility>
#include <type_traits>

#include "../config.hpp"
#include "callback_ref.hpp"
#include "codegen.hpp"
#include "kernel_ir.hpp"
#include "launch_geometry.hpp"
#include "leaf_merge.hpp"
#include "walk.hpp"

namespace jitfuse::detail {

/// Description of the pass writing `Outs` (element types) from expressions `Es`.
template <class Outs, class... Es>
struct map_kernel;
template <class... Ts, class... Es>
struct map_kernel<std::tuple<Ts...>, Es...> {
    static kernel_ir describe() {
        kernel_ir ir;
        (ir.outputs.push_back(add_to_ir<Es>(ir)), ...);
        ir.output_types = {dtype_of<Ts>...};
        ir.rank = std::max({1, Es::rank...});
        return ir;
    }
};

/// Description of a reduction of `A`, whole or along an axis.
template <class Red, class A>
struct reduce_kernel {
    static kernel_ir describe(bool whole) {
        kernel_ir ir;
        ir.outputs.push_back(add_to_ir<A>(ir));
        using T = typename A::value_type;
        ir.output_types = {dtype_of<typename Red::template result<T>>};
        ir.rank = std::max(1, A::rank);
        ir.reducer = Red::name;
        ir.reduce_input = dtype_of<T>;
        ir.reduce_whole = whole;
        return ir;
    }
};

/// Description of a scan or rolling window `Op` along one axis of `A` (always strided).
template <class Op, class A>
struct scan_kernel {
    static kernel_ir describe() {
        kernel_ir ir;
        ir.outputs.push_back(add_to_ir<A>(ir));
        ir.output_types = {dtype_of<typename Op::template result<typename A::value_type>>};
        ir.rank = A::rank;
        ir.scan = Op::name;
        return ir;
    }
};

/// The layout class of a pass over `count` elements touching the arrays of `es` (expressions
/// or arrays, inputs and outputs): flat when every array is contiguous and as large as the
/// result (one flat index addresses all), vectorised when all are also 16-byte aligned.
template <class... Es>
layout layout_of(std::int64_t count, const Es&... es) {
    if constexpr (neighbour_axes<Es...>() != 0) {
        return layout::strided;  // neighbours are found by coordinates
    } else {
        bool flat = true, aligned = true;
        const auto visit = [&](const auto& a) {
            flat = flat && a.is_contiguous() && a.size() == count;
            if constexpr (!generated_leaf<decltype(a)>)  // random leaves have no memory to align
                aligned = aligned && reinterpret_cast<std::uintptr_t>(a.data()) % 16 == 0;
        };
        (for_each_indexed_leaf(es, visit), ...);
        return !flat ? layout::strided : aligned ? layout::flat_vector : layout::flat;
    }
}

/// Work items of the first kernel of `src` over `count` elements: vector steps or elements.
inline std::int64_t work_items(const generated_source& src, std::int64_t count) {
    return src.vector_width > 1 ? count / src.vector_width + 1 : count;
}

/// Codegen-check mode (`JITFUSE_CHECK_CODEGEN`): queues `src` to be compiled for `arch`;
/// distinct sources are compiled in batches, many kernels per NVRTC program, and the
/// parameters of each compiled kernel are compared with those codegen recorded.
void check_codegen(const generated_source& src, std::string_view arch);

/// A kernel of compiled PTX: its (possibly mangled) name and the bytes of each parameter.
struct ptx_entry {
    struct param {
        std::uint32_t size, align;
    };
    std::string name;
    std::vector<param> params;
};

/// The `.entry` functions of `ptx` with their parameter lists.
std::vector<ptx_entry> ptx_entries(std::string_view ptx);

/// Empty when `kernel`'s recorded parameters are those `compiled` has, else what differs.
std::string parameter_mismatch(const kernel_entry& kernel, const ptx_entry& compiled);

/// `JITFUSE_DUMP=<dir>`: writes `src` into the directory (once per source and process) as
/// `<kernel>.<id>.cu`, next to the prelude it includes, so that `nvcc -I <dir>` and
/// `jitfuse-cache warm <dir>` take the files as they are. Does nothing when it is unset.
void dump_source(const generated_source& src);

/// Whether passes run on the CPU also generate their CUDA kernels: to dump them or to check
/// that NVRTC compiles them.
inline bool codegen_observed() {
    const settings& cfg = config();
    return !cfg.dump_dir.empty() || !cfg.check_codegen.empty();
}

/// Hands a kernel generated for a CPU pass to the dump and to the codegen check.
inline void observe_generated(const generated_source& src) {
    dump_source(src);
    if (const auto& check = config().check_codegen; !check.empty()) check_codegen(src, check);
}

/// Compiles what is still queued and returns how many kernels NVRTC rejected (each reported
/// on stderr with its source and log). Test mains call it after the tests.
int finish_codegen_check();

/// The sources of one description kind, one per layout and variant, each generated on first
/// use (by one thread; the others wait for it).
class source_slots {
  public:
    static constexpr int variants = 4;
    /// The source of `describe()` in layout `how`, for `variant` < variants.
    const generated_source& get(layout how, int variant, callback_ref<kernel_ir()> describe);

  private:
    std::once_flag once_[3][variants];
    generated_source sources_[3][variants];
};

/// The generated source for description `Kind` (a type with `describe(args...)`) in layout
/// `how`; generated once per type, layout and `variant`. Only the slots are per type: what
/// fills them is compiled once, in the library.
template <class Kind, class... Args>
const generated_source& source_for(layout how, int variant, Args... args) {
    static source_slots slots;
    return slots.get(how, variant, [&] { return Kind::describe(args...); });
}

/// The sources of one description kind whose array leaves are merged (leaf_merge.hpp), one
/// per layout, variant and merge, each generated on first use.
class merged_source_slots {
  public:
    const generated_source& get(layout how, int variant, const leaf_merge& merge, callback_ref<kernel_ir()> describe);

  private:
    std::mutex mutex_;
    // By layout and variant, then by leaf_merge::reads().
    std::map<std::vector<int>, generated_source> sources_[3][source_slots::variants];
};

/// The generated source for description `Kind` in layout `how` and `variant` with the leaves
/// `merge` merged (the one source_for gives when none are).
template <class Kind, class... Args>
const generated_source& merged_source_for(layout how, int variant, const leaf_merge& merge, Args... args) {
    if (!merge.any()) return source_for<Kind>(how, variant, args...);
    static merged_source_slots slots;
    return slots.get(how, variant, merge, [&] { return Kind::describe(args...); });
}

/// What a GPU pass launches: its kernel source, the source's layout and the array leaves it
/// reads through one parameter (the arguments are packed to match).
struct pass_source {
    const generated_source* src;
    layout how;
    leaf_merge merge;
};

/// The source of a whole reduction of `input` over `count` elements. The GPU, the codegen
/// check and `explain` all choose it here.
template <class Red, class A>
pass_source whole_reduction_source(const A& input, std::int64_t count) {
    const layout how = layout_of(count, input);
    leaf_merge merge = merge_leaves(input);
    return {&merged_source_for<reduce_kernel<Red, A>>(how, 0, merge, true), how, std::move(merge)};
}

/// The source of a reduction of `input` along an axis (one kernel for every axis: the launch
/// chooses how threads share the lines, see plan_axis_reduction).
template <class Red, class A>
pass_source axis_reduction_source(const A& input) {
    leaf_merge merge = merge_leaves(input);
    return {&merged_source_for<reduce_kernel<Red, A>>(layout::strided, 1, merge, false), layout::strided, std::move(merge)};
}

/// The source of a scan or rolling window `Op` of `input` (always strided).
template <class Op, class A>
pass_source scan_source(const A& input) {
    leaf_merge merge = merge_leaves(input);
    return {&merged_source_for<scan_kernel<Op, A>>(layout::strided, 0, merge), layout::strided, std::move(merge)};
}

}  // namespace jitfuse::detail
