# SPDX-License-Identifier: Apache-2.0
# Script mode: writes OUTPUT, a C++ file defining `extern const char SYMBOL[]` (in namespace
# jitfuse::detail) with the text of INPUT, so that the device prelude is a real .cuh file in
# the tree and a string in the library.
file(READ "${INPUT}" text)
# With INCLUDE_DIR, every line `#include "jitfuse/..."` is replaced by the text of that file
# under INCLUDE_DIR, so that the embedded text needs no other header; #line
# directives keep compiler messages at the true file and line (LINE_NAME: the name the
# embedded text is compiled under).
if(DEFINED INCLUDE_DIR)
    set(inlined "")
    set(line 1)  # the line of INPUT that `text` starts at
    while(text MATCHES "\n#include \"(jitfuse/[^\"\n]+)\"[^\n]*\n")
        set(name "${CMAKE_MATCH_1}")
        set(directive "${CMAKE_MATCH_0}")
        string(FIND "${text}" "${directive}" at)
        math(EXPR keep "${at} + 1")
        string(SUBSTRING "${text}" 0 ${keep} before)
        string(LENGTH "${directive}" length)
        math(EXPR rest "${at} + ${length}")
        string(SUBSTRING "${text}" ${rest} -1 text)
        string(REGEX MATCHALL "\n" newlines "${before}")
        list(LENGTH newlines count)
        math(EXPR line "${line} + ${count} + 1")
        file(READ "${INCLUDE_DIR}/${name}" included)
        string(APPEND inlined "${before}#line 1 \"${name}\"\n${included}#line ${line} \"${LINE_NAME}\"\n")
    endwhile()
    set(text "${inlined}${text}")
endif()
set(delim "jitfuse_embed")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )${delim}\"")
endif()
file(WRITE "${OUTPUT}.tmp"
    "// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.\n"
    "namespace jitfuse::detail {\n"
    "extern const char ${SYMBOL}[];\n"
    "const char ${SYMBOL}[] = R\"${delim}(${text})${delim}\";\n"
    "}  // namespace jitfuse::detail\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
