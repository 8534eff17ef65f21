// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/kernel_plan.hpp"

namespace jitfuse::detail {

const generated_source& source_slots::get(layout how, int variant, callback_ref<kernel_ir()> describe) {
    const int l = static_cast<int>(how);
    std::call_once(once_[l][variant], [&] { sources_[l][variant] = generate_cuda(describe(), how); });
    return sources_[l][variant];
}

}  // namespace jitfuse::detail
