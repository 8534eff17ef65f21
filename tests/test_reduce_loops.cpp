// SPDX-License-Identifier: Apache-2.0
// How the CPU walks an axis reduction (cpu/reduce.hpp): in the order its input lies in
// memory whatever the view, short rows and short columns read many to a tile, and the
// reduced axis cut into pieces merged afterwards when there are too few outputs to share out.
// Each shape below reaches one of those loops; every output is checked exactly against a
// plain loop over its line (exact_lines.hpp). The emulated GPU leaves this suite out: its
// own sharing is checked by "launch geometry".
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include "exact_lines.hpp"

using exact_lines::check_reductions;
using exact_lines::on_views;

TEST_SUITE("reduction loops") {
    TEST_CASE("short rows and columns, few long rows and columns, and axes of one element") {
        on_views(17,
                 {
                     {1, 200000, 3},  // columns of 3 cut into pieces; rows of 3 many to a tile
                     {5, 70000, 8},   // the same under an outer axis; runs of rows end at 70000
                     {2, 3, 600000},  // 6 long rows cut into pieces; a middle axis
                     {7, 13, 1},      // rows of one element
                     {1, 1, 5},
                 },
                 20, check_reductions);
    }

    TEST_CASE("a transposed view is walked along its contiguous axis") {
        // (3, 2, 300000) with strides (1, 3, 6): the last axis strides through memory, so
        // reducing it accumulates runs of 6 contiguous elements, cut into pieces.
        on_views(19, {}, 300000, check_reductions);
    }
}
