// SPDX-License-Identifier: Apache-2.0
// Kernel arguments without a GPU: the host packs each launch's values in the order, sizes and
// alignments of the parameters codegen printed, and those are the parameters NVRTC compiled.
// (The codegen-check run of the whole suite packs and checks the arguments of every pass.)
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include <jitfuse/detail/kernel_args.hpp>
#include <jitfuse/detail/nvrtc.hpp>
#include <jitfuse/jitfuse.hpp>

namespace jf = jitfuse;
namespace jd = jitfuse::detail;

namespace {

/// The value of argument `i`, read back as the device would.
template <class V>
V argument(jd::kernel_args& args, std::size_t i) {
    REQUIRE(args.slots().at(i).size == sizeof(V));
    V v;
    std::memcpy(&v, args.pointers()[i], sizeof(V));
    return v;
}

template <int R>
std::vector<std::int64_t> dims(jd::kernel_args& args, std::size_t i) {
    const auto d = argument<jd::device_dims<R>>(args, i);
    return {d.v, d.v + R};
}

/// The extents (the values; the reciprocals are checked in the divisor suite) of argument `i`.
template <int R>
std::vector<std::int64_t> extents(jd::kernel_args& args, std::size_t i) {
    std::vector<std::int64_t> values;
    for (const jd::device_divisor& d : argument<jd::device_extents<R>>(args, i).v) values.push_back(d.value);
    return values;
}

}  // namespace

TEST_SUITE("kernel arguments") {
    TEST_CASE("a strided map packs pointers, broadcast strides, scalars, shape and count in parameter order") {
        jf::array<float, 2> x = jf::arange<float>(12).reshape<2>({3, 4});
        jf::array<float> row = jf::arange<float>(3);
        jf::array<float, 2> out({4, 3});
        const auto e = x.transpose() * 2.0f + row;  // (4, 3) from a transposed view and a broadcast row
        const auto& src = *jd::plan_pass(e).src;
        REQUIRE(jd::layout_of(12, out, e) == jd::layout::strided);
        jd::kernel_args args =
            jd::map_arguments<2>(out.shape(), std::tie(out), std::tie(e), jd::layout::strided, jd::merge_leaves(e));
        jd::check_arguments(args, src.kernels.at(0));
        CHECK(argument<float*>(args, 0) == out.data());
        CHECK(dims<2>(args, 1) == std::vector<std::int64_t>{3, 1});
        CHECK(argument<const float*>(args, 2) == x.data());
        CHECK(dims<2>(args, 3) == std::vector<std::int64_t>{1, 4});  // the transpose
        CHECK(argument<float>(args, 4) == 2.0f);
        CHECK(argument<const float*>(args, 5) == row.data());
        CHECK(dims<2>(args, 6) == std::vector<std::int64_t>{0, 1});  // broadcast down the rows
        CHECK(extents<2>(args, 7) == std::vector<std::int64_t>{4, 3});
        CHECK(argument<std::int64_t>(args, 8) == 12);
    }

    TEST_CASE("shifts pass offsets, extents and the fill; random leaves their seed") {
        jf::array<double, 2> g = jf::zeros<double, 2>({5, 7});
        const auto e = jf::shift(g, {-1, 9}, jf::boundary::constant(-3.0)) + jf::random::uniform<double, 2>({5, 7}, 42);
        jf::array<double, 2> out({5, 7});
        const auto& src = *jd::plan_pass(e).src;
        jd::kernel_args args =
            jd::map_arguments<2>(out.shape(), std::tie(out), std::tie(e), jd::layout::strided, jd::merge_leaves(e));
        jd::check_arguments(args, src.kernels.at(0));
        const auto s = argument<jd::device_shift_args<2, double>>(args, 4);
        CHECK(s.offset[0] == -1);
        CHECK(s.offset[1] == 7);  // reduced to the edge: past it, every read is the fill
        CHECK(s.extent[0] == 5);
        CHECK(s.extent[1] == 7);
        CHECK(s.fill == -3.0);
        CHECK(argument<std::uint64_t>(args, 5) == 42);
        CHECK(dims<2>(args, 6) == std::vector<std::int64_t>{7, 1});
    }

    TEST_CASE("a reduction along an axis gives the output strides over the input's axes") {
        jf::array<int, 3> x = jf::zeros<int, 3>({2, 3, 4});
        jf::array<std::int64_t, 2> out({2, 4});
        const auto& src = *jd::plan_pass(jf::sum(x, 1)).src;
        jd::kernel_args args =
            jd::axis_reduction_arguments(out, x, 1, jd::axis_reduction_launch{4, 3, 1}, nullptr, jd::merge_leaves(x));
        jd::check_arguments(args, src.kernels.at(0));
        CHECK(dims<3>(args, 1) == std::vector<std::int64_t>{4, 0, 1});
        CHECK(extents<3>(args, 6) == std::vector<std::int64_t>{2, 1, 4});  // outer: the lines along axis 1
        CHECK(argument<int>(args, 7) == 1);
        CHECK(argument<std::int64_t>(args, 8) == 3);
        CHECK(argument<int>(args, 9) == 4);             // group
        CHECK(argument<std::int64_t>(args, 10) == 3);  // chunks
        // The merge pass: output and strides, outputs, the lines, chunks, partial states.
        jd::kernel_args merge = jd::axis_final_arguments<3>(out, x.shape(), 1, 5, nullptr);
        jd::check_arguments(merge, src.kernels.at(1));
        CHECK(dims<3>(merge, 1) == std::vector<std::int64_t>{4, 0, 1});
        CHECK(argument<std::int64_t>(merge, 2) == 8);
        CHECK(extents<3>(merge, 3) == std::vector<std::int64_t>{2, 1, 4});
        CHECK(argument<std::int64_t>(merge, 5) == 3);  // length
        CHECK(argument<std::int64_t>(merge, 6) == 5);  // chunks
    }

    TEST_CASE("a cumulative scan passes its lines, the chunks and their common length") {
        jf::array<float, 2> x = jf::zeros<float, 2>({301, 5});
        jf::array<float, 2> out({301, 5});
        const auto& src = *jd::plan_pass(jf::cumsum(x, 0)).src;
        REQUIRE(src.kernels.size() == 2);
        jd::kernel_args totals =
            jd::scan_totals_arguments<2>(static_cast<float*>(nullptr), x, x.shape(), 0, 3, jd::merge_leaves(x));
        jd::check_arguments(totals, src.kernels.at(0));
        jd::kernel_args scan = jd::cumulative_arguments(out, x, 0, 3, nullptr, jd::merge_leaves(x));
        jd::check_arguments(scan, src.kernels.at(1));
        CHECK(extents<2>(scan, 4) == std::vector<std::int64_t>{301, 5});  // the loop
        CHECK(argument<std::int64_t>(scan, 5) == 5);                        // lines
        CHECK(extents<2>(scan, 6) == std::vector<std::int64_t>{1, 5});    // outer
        CHECK(argument<std::int64_t>(scan, 8) == 301);                      // length
        CHECK(argument<std::int64_t>(scan, 9) == 3);                        // chunks
        CHECK(argument<std::int64_t>(scan, 10) == 101);                     // span: ceil(301 / 3)
    }

    TEST_CASE("arguments that do not fit the parameters are refused, naming the parameter") {
        jf::array<float> x = jf::ones<float>(8);
        jf::array<float> out(8);
        const auto e = x + 1.0f;
        const auto& kernel = jd::plan_pass(e).src->kernels.at(0);
        jd::kernel_args good =
            jd::map_arguments<1>(out.shape(), std::tie(out), std::tie(e), jd::layout::flat, jd::merge_leaves(e));
        CHECK_NOTHROW(jd::check_arguments(good, kernel));

        jd::kernel_args short_list;
        short_list.push(out.data());
        CHECK_THROWS_WITH_AS(jd::check_arguments(short_list, kernel), doctest::Contains("1 arguments for 4 parameters"), jf::error);

        jd::kernel_args wrong_type;  // a double where the kernel takes the float scalar
        wrong_type.push(out.data());
        wrong_type.push(static_cast<const float*>(x.data()));
        wrong_type.push(1.0);
        wrong_type.push(std::int64_t{8});
        CHECK_THROWS_WITH_AS(jd::check_arguments(wrong_type, kernel), doctest::Contains("parameter 2 (float p1)"), jf::error);
    }

    TEST_CASE("the recorded parameters are the ones NVRTC compiles, and a difference is reported") {
        if (const std::string why = jd::nvrtc_unavailable_reason(); !why.empty()) {
            MESSAGE("skipped: " << why);
            return;
        }
        jf::array<float, 2> g = jf::zeros<float, 2>({6, 6});
        const auto heat = jf::stencil(g, [](auto a) { return 0.25f * (a(-1, 0) + a(1, 0) + a(0, -1) + a(0, 1)); },
                                      jf::boundary::constant(0.0f));
        for (const jd::generated_source* src : {jd::plan_pass(heat).src, jd::plan_pass(jf::argmax(g, 1)).src,
                                                jd::plan_pass(jf::sum(g > 0.5f)).src}) {
            const auto entries = jd::ptx_entries(jd::nvrtc_compile(src->source, "sm_90", jd::nvrtc_options(false), true).ptx);
            REQUIRE(entries.size() == src->kernels.size());
            for (std::size_t k = 0; k < entries.size(); ++k) {
                CHECK(entries[k].name == src->kernels[k].name);
                CHECK(jd::parameter_mismatch(src->kernels[k], entries[k]).empty());
            }
            jd::kernel_entry tampered = src->kernels[0];
            tampered.params.back().size = 4;  // `n` recorded as 32 bits
            CHECK(jd::parameter_mismatch(tampered, entries[0]).find("recorded as 4 bytes") != std::string::npos);
            tampered.params.pop_back();
            CHECK(!jd::parameter_mismatch(tampered, entries[0]).empty());
        }
    }

    TEST_CASE("PTX parameter lists are read in every form NVRTC and LLVM print them") {
        const std::string ptx =
            ".visible .entry k(\n\t.param .u64 .ptr .align 1 k_param_0,\n\t.param .align 8 .b8 k_param_1[24],\n"
            "\t.param .u8 k_param_2,\n\t.param .f32 k_param_3,\n\t.param .b64 k_param_4\n)\n{\n}\n"
            ".visible .entry none(\n\n)\n{\n}\n";
        const auto entries = jd::ptx_entries(ptx);
        REQUIRE(entries.size() == 2);
        CHECK(entries[0].name == "k");
        REQUIRE(entries[0].params.size() == 5);
        const std::vector<std::pair<std::uint32_t, std::uint32_t>> want = {{8, 8}, {24, 8}, {1, 1}, {4, 4}, {8, 8}};
        for (std::size_t i = 0; i < want.size(); ++i) {
            CHECK(entries[0].params[i].size == want[i].first);
            CHECK(entries[0].params[i].align == want[i].second);
        }
        CHECK(entries[1].params.empty());
    }
}
