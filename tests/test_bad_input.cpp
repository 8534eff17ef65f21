// SPDX-License-Identifier: Apache-2.0
// The bad-input catalogue (docs/bad_input.md): one test per entry. Each expects a typed
// jitfuse error whose message names what is wrong, and checks that no array involved changed.
#include <doctest/doctest.h>

#include <climits>
#include <cmath>
#include <fstream>
#include <limits>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/detail/cuda_driver.hpp>
#include <jitfuse/detail/disk_cache.hpp>
#include <jitfuse/detail/nvrtc.hpp>

#include "scoped.hpp"

namespace jf = jitfuse;
namespace fs = std::filesystem;

namespace {

/// Runs `fn`, which must throw `Error` whose message contains every one of `parts`.
template <class Error, class F>
void expect_error(F&& fn, std::initializer_list<std::string_view> parts) {
    bool thrown = false;
    try {
        fn();
    } catch (const Error& e) {
        thrown = true;
        const std::string message = e.what();
        INFO("message: " << message);
        for (auto p : parts) CHECK(message.find(p) != std::string::npos);
    }
    CHECK_MESSAGE(thrown, "no error thrown");
}

/// The values of `a`, to compare before and after a failed operation.
template <class T, int R>
std::vector<T> values(const jf::array<T, R>& a) {
    return a.to_host();
}

}  // namespace

TEST_SUITE("bad input") {

TEST_CASE("bad input: operands whose shapes do not broadcast") {
    const jf::array<float> x = jf::arange<float>(3), y = jf::arange<float>(4);
    jf::array<float> z = jf::full<float>(3, 7.0f);
    expect_error<jf::shape_error>([&] { z = x + y; }, {"(3,)", "(4,)", "cannot be broadcast"});
    expect_error<jf::shape_error>([&] { z = jf::where(x > 1.0f, x, y); }, {"(3,)", "(4,)"});
    const jf::array<float, 2> m = jf::zeros<float, 2>({2, 3}), n = jf::zeros<float, 2>({3, 2});
    jf::array<float, 2> out = jf::ones<float, 2>({2, 3});
    expect_error<jf::shape_error>([&] { out = m * n; }, {"(2, 3)", "(3, 2)"});
    CHECK(values(z) == std::vector<float>(3, 7.0f));
    CHECK(values(out) == std::vector<float>(6, 1.0f));
}

TEST_CASE("bad input: assigning a result of another shape") {
    jf::array<int> z = jf::full<int>(3, 5);
    const jf::array<int> w = jf::arange<int>(5);
    expect_error<jf::shape_error>([&] { z = w * 2; }, {"(3,)", "(5,)"});
    jf::array<int, 2> t = jf::zeros<int, 2>({2, 2});
    expect_error<jf::shape_error>([&] { t = jf::ones<int, 2>({2, 3}) + 1; }, {"(2, 2)", "(2, 3)"});
    // A tie whose results differ in shape writes nothing.
    jf::array<int> a = jf::full<int>(5, 1), b = jf::full<int>(3, 2);
    expect_error<jf::shape_error>([&] { jf::tie(a, b) = jf::tuple(w + 1, w - 1); }, {"(3,)", "(5,)"});
    CHECK(values(z) == std::vector<int>(3, 5));
    CHECK(values(t) == std::vector<int>(4, 0));
    CHECK(values(a) == std::vector<int>(5, 1));
    CHECK(values(b) == std::vector<int>(3, 2));
}

TEST_CASE("bad input: shapes that do not hold the data (reshape, from_host, copy_to_host)") {
    const jf::array<float> x = jf::arange<float>(6);
    expect_error<jf::shape_error>([&] { (void)x.reshape<2>({4, 2}); }, {"(6,)", "(4, 2)"});
    expect_error<jf::shape_error>([&] { (void)x.reshape<2>({4, -1}); }, {"(6,)"});
    expect_error<jf::shape_error>([&] { (void)x.reshape<2>({-1, -1}); }, {"(6,)"});
    const std::vector<float> five(5, 1.0f);
    expect_error<jf::shape_error>([&] { (void)jf::from_host(five, {2, 3}); }, {"5", "(2, 3)"});
    std::vector<float> small(4);
    expect_error<jf::shape_error>([&] { x.copy_to_host(small); }, {"4", "6"});
    expect_error<jf::shape_error>([&] { (void)jf::zeros<float, 2>({2, -3}); }, {"negative", "(2, -3)"});
    CHECK(values(x) == std::vector<float>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("bad input: an axis out of range") {
    const jf::array<float, 2> m = jf::ones<float, 2>({2, 3});
    expect_error<jf::shape_error>([&] { (void)jf::eval(jf::sum(m, 2)); }, {"axis 2", "(2, 3)"});
    expect_error<jf::shape_error>([&] { (void)jf::eval(jf::argmax(m, -3)); }, {"axis -3", "(2, 3)"});
    expect_error<jf::shape_error>([&] { (void)m.transpose({0, 0}); }, {"permutation"});
    CHECK(values(m) == std::vector<float>(6, 1.0f));
}

TEST_CASE("bad input: indices and ranges out of bounds") {
    const jf::array<float> x = jf::arange<float>(5);
    expect_error<jf::shape_error>([&] { (void)x(jf::range(0, 6)); }, {"range(0, 6", "5"});
    expect_error<jf::shape_error>([&] { (void)x(jf::range(0, 5, 0)); }, {"step must not be 0"});
    expect_error<jf::shape_error>([&] { (void)x(5); }, {"index 5", "out of range"});
    expect_error<jf::shape_error>([&] { (void)x(-6); }, {"index -6"});
    expect_error<jf::shape_error>([&] { (void)x.broadcast_to<2>({3, 4}); }, {"(5,)", "(3, 4)"});
}

TEST_CASE("bad input: a reduction of nothing that has no identity") {
    const jf::array<float> none = jf::zeros<float>(0);
    expect_error<jf::shape_error>([&] { (void)jf::min(none).item(); }, {"min", "empty"});
    expect_error<jf::shape_error>([&] { (void)jf::max(none).item(); }, {"max", "empty"});
    expect_error<jf::shape_error>([&] { (void)jf::argmin(none).item(); }, {"argmin", "empty"});
    expect_error<jf::shape_error>([&] { (void)jf::argmax(none * 2.0f).item(); }, {"argmax", "empty"});
    const jf::array<float, 2> rows = jf::zeros<float, 2>({3, 0});
    expect_error<jf::shape_error>([&] { (void)jf::eval(jf::max(rows, 1)); }, {"max", "empty"});
    // Those with an identity are defined.
    CHECK(jf::sum(none).item() == 0.0f);
    CHECK(jf::prod(none).item() == 1.0f);
    CHECK(std::isnan(jf::mean(none).item()));
    CHECK(jf::array<float>(jf::max(rows, 0)).size() == 0);  // nothing to reduce into: no error
}

TEST_CASE("bad input: a device that cannot be used, or arrays on different devices") {
    // cuda:99 exists nowhere: refused with or without GPUs.
    expect_error<jf::device_error>([&] { (void)jf::zeros<float>(4, jf::device::cuda(99)); }, {"cuda:99"});
    const jf::array<float> x = jf::arange<float>(4);
    expect_error<jf::device_error>([&] { (void)x.to(jf::device::cuda(99)); }, {"cuda:99"});
    test::settings_scope settings;
    jf::config().device = "cuda:99";
    expect_error<jf::device_error>([&] { (void)jf::default_device(); }, {"cuda:99"});
    CHECK(values(x) == std::vector<float>{0, 1, 2, 3});
}

TEST_CASE("bad input: reading an empty or moved-from array") {
    jf::array<float> a = jf::arange<float>(4);
    const jf::array<float> b = std::move(a);
    const jf::array<float> ones = jf::ones<float>(4);
    jf::array<float> out = jf::zeros<float>(4);
    expect_error<jf::error>([&] { out = a + ones; }, {"empty", "moved-from"});
    expect_error<jf::error>([&] { (void)jf::sum(a).item(); }, {"empty"});
    expect_error<jf::error>([&] { (void)a.to_host(); }, {"empty"});
    expect_error<jf::error>([&] { (void)a.reshape<2>({2, 2}); }, {"empty"});
    CHECK(values(out) == std::vector<float>(4, 0.0f));
    CHECK(values(b) == std::vector<float>{0, 1, 2, 3});
    a = b * 2.0f;  // an empty array takes the result
    CHECK(values(a) == std::vector<float>{0, 2, 4, 6});
}

TEST_CASE("bad input: writing through a broadcast view") {
    const jf::array<float> row = jf::arange<float>(3);
    jf::array<float, 2> stretched = row.broadcast_to<2>({4, 3});
    expect_error<jf::shape_error>([&] { stretched = jf::ones<float, 2>({4, 3}); }, {"broadcast", "(4, 3)", "clone()"});
    CHECK(values(row) == std::vector<float>{0, 1, 2});
}

TEST_CASE("bad input: output aliasing a shifted view of an input is evaluated as if through a copy") {
    // a[1:] = a[:-1] * 2 reads elements the same pass overwrites: must equal the reference.
    for (std::int64_t n : {2, 7, 1000, 100000}) {
        CAPTURE(n);
        jf::array<double> a = jf::arange<double>(n);
        std::vector<double> want(n);
        for (std::int64_t i = 0; i < n; ++i) want[i] = i == 0 ? 0.0 : 2.0 * static_cast<double>(i - 1);
        jf::array<double> tail = a(jf::range(1, n));
        tail = a(jf::range(0, n - 1)) * 2.0;
        CHECK(values(a) == want);
        // And the other direction: a[:-1] = a[1:] + a[:-1].
        jf::array<double> b = jf::arange<double>(n);
        jf::array<double> head = b(jf::range(0, n - 1));
        head = b(jf::range(1, n)) + b(jf::range(0, n - 1));
        for (std::int64_t i = 0; i + 1 < n; ++i) want[i] = static_cast<double>(2 * i + 1);
        want[n - 1] = static_cast<double>(n - 1);
        CHECK(values(b) == want);
    }
}

TEST_CASE("bad input: integer division by zero and overflowing division are defined, not a crash") {
    const jf::array<int> x = jf::from_host(std::vector<int>{7, -7, 0, INT_MIN, INT_MIN});
    const jf::array<int> d = jf::from_host(std::vector<int>{0, 0, 0, -1, 0});
    CHECK(values(jf::array<int>(x / d)) == std::vector<int>{-1, -1, -1, INT_MIN, -1});
    CHECK(values(jf::array<int>(x % d)) == std::vector<int>{7, -7, 0, 0, INT_MIN});
    const jf::array<std::uint8_t> u = jf::from_host(std::vector<std::uint8_t>{9, 0});
    CHECK(values(jf::array<std::uint8_t>(u / std::uint8_t{0})) == std::vector<std::uint8_t>{255, 255});
}

TEST_CASE("bad input: NaN in argmin and argmax gives the first NaN's index") {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const jf::array<float> x = jf::from_host(std::vector<float>{3, nan, -1, nan});
    CHECK(jf::argmin(x).item() == 1);
    CHECK(jf::argmax(x).item() == 1);
    CHECK(std::isnan(jf::min(x).item()));
}

TEST_CASE("bad input: invalid JITFUSE_* values name the variable and what is accepted") {
    const std::pair<const char*, const char*> cases[] = {
        {"JITFUSE_NUM_THREADS", "lots"}, {"JITFUSE_FAST_MATH", "maybe"}, {"JITFUSE_CACHE", "2"},
        {"JITFUSE_CACHE_SIZE_MB", "0"},  {"JITFUSE_LOG", "loud"},        {"JITFUSE_DEVICE", "tpu"},
        {"JITFUSE_CHECK_CODEGEN", "90"},
    };
    for (const auto& [variable, value] : cases) {
        CAPTURE(variable);
        static const char* v;
        static const char* val;
        v = variable;
        val = value;
        expect_error<jf::error>(
            [&] {
                (void)jf::settings_from_env([](const char* name) -> const char* {
                    return std::string_view(name) == v ? val : nullptr;
                });
            },
            {variable, value, "use"});
    }
}

TEST_CASE("bad input: a kernel cache folder that cannot be written loses nothing") {
    const test::scratch_dir dir("bad-cache");
    const jitfuse::detail::compile_target target{"sm_90", "-std=c++17", "13.0"};
    const std::vector<char> binary(64, 'b');
    const jitfuse::detail::disk_cache cache(dir.path, 1 << 20);
    cache.store("// kept\n", target, binary);
    // The shard folder of the next entry is taken by a file: its store fails.
    const fs::path blocked = cache.path_of(jitfuse::detail::cache_key("// new\n", target)).parent_path();
    std::error_code ec;
    fs::remove_all(blocked, ec);
    std::ofstream(blocked) << "in the way";
    test::log_capture log;
    cache.store("// new\n", target, binary);
    CHECK(log.count({"warning", "memory only"}) == 1);
    CHECK(cache.load("// kept\n", target).status == jitfuse::detail::entry_status::ok);
    std::ifstream in(blocked);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "in the way");
}

TEST_CASE("bad input: compiling without NVRTC is a device_error saying why") {
    const std::string why = jitfuse::detail::nvrtc_unavailable_reason();
    const jf::array<float> x = jf::arange<float>(4);
    if (why.empty()) {
        MESSAGE("NVRTC is present here; the cpu-only build runs this check");
        CHECK_NOTHROW(jf::precompile(x + 1.0f, "sm_90"));
        return;
    }
    expect_error<jf::device_error>([&] { jf::precompile(x + 1.0f, "sm_90"); }, {why});
    // Code generation itself needs no NVRTC.
    CHECK(jf::explain(x + 1.0f).source.find("jf_map") != std::string::npos);
}

TEST_CASE("bad input: precompile for \"native\" without a GPU names the fix") {
    if (jf::detail::cuda::gpu_count() > 0) return;  // with one, "native" is its arch (tests/test_codegen.cpp)
    const jf::array<float> x = jf::arange<float>(4);
    expect_error<jf::device_error>([&] { jf::precompile(x * 2.0f, "native"); },
                                   {"native", "sm_90", jf::detail::cuda::unavailable_reason()});
}

TEST_CASE("bad input: precompile for an arch NVRTC does not know names the archs it knows") {
    if (!jf::detail::nvrtc_unavailable_reason().empty()) return;
    const jf::array<float> x = jf::arange<float>(4);
    expect_error<jf::device_error>([&] { jf::precompile(x * 2.0f, "sm_20"); }, {"cannot compile for sm_20 (it knows sm_"});
    expect_error<jf::device_error>([&] { jf::precompile(x * 2.0f, {"sm_90", "volta"}); }, {"cannot compile for volta"});
    expect_error<jf::device_error>([&] { jf::precompile(x * 2.0f, "sm_90b"); }, {"cannot compile for sm_90b"});
    jf::precompile(x * 2.0f, "sm_90a");  // the arch-specific variant is known
}

TEST_CASE("bad input: an allocation that cannot succeed is out_of_memory and the process goes on") {
    expect_error<jf::out_of_memory>([] { (void)jf::empty<float>(std::int64_t{1} << 56); }, {"bytes"});
    expect_error<jf::out_of_memory>([] { (void)jf::zeros<double, 3>({1 << 30, 1 << 30, 1 << 30}); },
                                    {"(1073741824, 1073741824, 1073741824)"});
    const jf::array<float> fine = jf::ones<float>(1000);
    CHECK(jf::sum(fine).item() == 1000.0f);
}

TEST_CASE("bad input: factory arguments that describe nothing") {
    expect_error<jf::error>([] { (void)jf::arange<float>(0.0f, 1.0f, 0.0f); }, {"step"});
    expect_error<jf::error>([] { (void)jf::arange<float>(0.0f, std::nanf(""), 1.0f); }, {"NaN"});
    expect_error<jf::shape_error>([] { (void)jf::linspace<float>(0.0f, 1.0f, -1); }, {"num"});
}

}  // TEST_SUITE
