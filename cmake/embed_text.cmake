# SPDX-License-Identifier: Apache-2.0
# Script mode: writes OUTPUT, a C++ file defining `extern const char SYMBOL[]` (in namespace
# jitfuse::detail) with the text of INPUT, so that the device prelude is a real .cuh file in
# the tree and a string in the library.
file(READ "${INPUT}" text)
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
