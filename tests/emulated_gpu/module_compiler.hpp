// SPDX-License-Identifier: Apache-2.0
#pragma once
// Turns a module image (module_image.hpp) into a loaded shared library: the kernel source,
// plus an exported entry per kernel, compiled by the host compiler once per image against a
// precompiled kernel_runtime.hpp (kept in JITFUSE_EMULATOR_CACHE, by default
// /tmp/jitfuse-emulator-<uid>).

#include <string>

namespace jf_emu {

struct compiled_module {
    void* library = nullptr;  // from dlopen
    bool synchronizing = false;
    std::string error;        // why it could not be compiled or loaded; empty on success
};

compiled_module compile_module(const char* image);

}  // namespace jf_emu
