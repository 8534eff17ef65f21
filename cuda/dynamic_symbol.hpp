// SPDX-License-Identifier: Apache-2.0
#pragma once
// Entry points of a library opened with dlopen (the CUDA driver, NVRTC).

#include <dlfcn.h>

#include <string>
#include <string_view>

namespace jitfuse::detail {

/// Sets `fn` to `name` in `lib`; the first name missing sets `missing` ("`library` lacks NAME").
template <class F>
void resolve_symbol(void* lib, const char* name, F& fn, std::string& missing, std::string_view library) {
    fn = reinterpret_cast<F>(dlsym(lib, name));
    if (!fn && missing.empty()) missing = std::string(library) + " lacks " + name;
}

}  // namespace jitfuse::detail
