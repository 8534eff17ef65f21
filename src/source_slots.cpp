// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/kernel_plan.hpp"

namespace jitfuse::detail {

const generated_source& source_slots::get(layout how, int variant, callback_ref<kernel_ir()> describe) {
    const int l = static_cast<int>(how);
    std::call_once(once_[l][variant], [&] { sources_[l][variant] = generate_cuda(describe(), how); });
    return sources_[l][variant];
}

const generated_source& merged_source_slots::get(layout how, int variant, const leaf_merge& merge,
                                                 callback_ref<kernel_ir()> describe) {
    const std::lock_guard lock(mutex_);
    auto& sources = sources_[static_cast<int>(how)][variant];
    if (const auto found = sources.find(merge.reads()); found != sources.end()) return found->second;
    kernel_ir ir = describe();
    merge.apply(ir);
    return sources.emplace(merge.reads(), generate_cuda(ir, how)).first->second;
}

void leaf_merge::apply(kernel_ir& ir) const {
    for (ir_node& n : ir.nodes)
        if (n.what == ir_node::kind::array) n.leaf = reads_[static_cast<std::size_t>(n.leaf)];
}

}  // namespace jitfuse::detail
