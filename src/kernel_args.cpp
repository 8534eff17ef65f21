// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/kernel_args.hpp"

#include <string>

#include "jitfuse/error.hpp"

namespace jitfuse::detail {

void check_arguments(const kernel_args& args, const kernel_entry& kernel) {
    const auto& slots = args.slots();
    const auto fail = [&](const std::string& what) {
        throw error("jitfuse bug: the arguments packed for kernel " + kernel.name + " do not match its parameters: " + what);
    };
    if (slots.size() != kernel.params.size())
        fail(std::to_string(slots.size()) + " arguments for " + std::to_string(kernel.params.size()) + " parameters");
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const kernel_param& p = kernel.params[i];
        if (slots[i].size != p.size || slots[i].align != p.align)
            fail("parameter " + std::to_string(i) + " (" + p.declaration + ") takes " + std::to_string(p.size) +
                 " bytes aligned to " + std::to_string(p.align) + ", the argument has " + std::to_string(slots[i].size) +
                 " aligned to " + std::to_string(slots[i].align));
    }
}

}  // namespace jitfuse::detail
