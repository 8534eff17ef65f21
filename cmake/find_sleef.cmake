# SPDX-License-Identifier: Apache-2.0
# Finds SLEEF, which ships no CMake package config on Debian/Ubuntu (libsleef-dev), and defines
# the imported target jitfuse_sleef. Sets SLEEF_FOUND, SLEEF_INCLUDE_DIR, SLEEF_LIBRARY.
#
# Used by jitfuse's own build and installed next to jitfuseConfig.cmake: a static libjitfuse
# exports $<LINK_ONLY:jitfuse_sleef>, so its consumers must define the same target.
# Override the search with -DSLEEF_INCLUDE_DIR=... -DSLEEF_LIBRARY=...

if(TARGET jitfuse_sleef)
    set(SLEEF_FOUND TRUE)
    return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
    pkg_check_modules(PC_SLEEF QUIET sleef)
endif()

# Debian puts sleef.h in the multiarch folder (/usr/include/x86_64-linux-gnu); find_path
# searches include/<CMAKE_LIBRARY_ARCHITECTURE> too.
find_path(SLEEF_INCLUDE_DIR sleef.h HINTS ${PC_SLEEF_INCLUDEDIR} ${PC_SLEEF_INCLUDE_DIRS})
find_library(SLEEF_LIBRARY NAMES sleef HINTS ${PC_SLEEF_LIBDIR} ${PC_SLEEF_LIBRARY_DIRS})
mark_as_advanced(SLEEF_INCLUDE_DIR SLEEF_LIBRARY)

if(SLEEF_INCLUDE_DIR AND SLEEF_LIBRARY)
    set(SLEEF_FOUND TRUE)
    # GLOBAL: a static jitfuse carries the name into every directory that links it.
    add_library(jitfuse_sleef UNKNOWN IMPORTED GLOBAL)
    set_target_properties(jitfuse_sleef PROPERTIES
        IMPORTED_LOCATION "${SLEEF_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${SLEEF_INCLUDE_DIR}")
    if(PC_SLEEF_VERSION)
        set(SLEEF_VERSION "${PC_SLEEF_VERSION}")
    endif()
else()
    set(SLEEF_FOUND FALSE)
endif()
