# SPDX-License-Identifier: Apache-2.0
# Warning flags for jitfuse's own targets only; nothing is added globally, so projects that
# embed jitfuse keep their own flags.
include_guard(GLOBAL)

function(jitfuse_set_warnings target)
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    elseif(MSVC)
        target_compile_options(${target} PRIVATE /W4)
    endif()
endfunction()
