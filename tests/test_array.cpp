// SPDX-License-Identifier: Apache-2.0
// jf::array: factories, host transfer, handle semantics (shared copies, value assignment,
// moves), views (reshape, range indexing, slice, transpose, broadcast_to), writes through
// views, aliasing, compound assignment and rank-0 results. Every value is checked against a
// host model built independently of jitfuse's stride arithmetic (tests/reference.hpp).
#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reference.hpp"

namespace jf = jitfuse;
using namespace jft;

namespace {

using all_types = types<float, double, std::int32_t, std::int64_t, std::uint8_t, bool>;
using num_types = types<float, double, std::int32_t, std::int64_t, std::uint8_t>;

/// An elementwise map valid for every type, and its host reference (exact on small values).
template <class E>
auto map_expr(const E& e) {
    if constexpr (std::is_same_v<typename E::value_type, bool>) return !e;
    else return e * 3 - 1;
}
template <class T>
T map_ref(T x) {
    if constexpr (std::is_same_v<T, bool>) return !x;
    else if constexpr (std::is_integral_v<T>)
        return static_cast<T>(static_cast<std::uint64_t>(x) * 3u - 1u);  // wraps like jitfuse
    else return x * 3 - 1;
}

template <class T, int R>
void check_factories_rank(std::mt19937_64& rng) {
    for (int trial = 0; trial < 4; ++trial) {
        const shape_vec s = random_shape(rng, R, trial == 3);
        INFO(type_name<T>() << " rank " << R << " shape " << str(s));
        const auto shape = to_shape<R>(s);
        const std::size_t n = static_cast<std::size_t>(count(s));

        auto e = jf::empty<T, R>(shape);
        CHECK(to_vec(e.shape()) == s);
        CHECK(e.size() == count(s));
        CHECK(!e.empty());
        CHECK(e.is_contiguous());

        check_array(jf::zeros<T, R>(shape), s, hbuf<T>(n, T(0)), "zeros");
        check_array(jf::ones<T, R>(shape), s, hbuf<T>(n, T(1)), "ones");
        const T v = nonzero_value<T>(rng);
        check_array(jf::full<T, R>(shape, v), s, hbuf<T>(n, v), "full");

        // A shape variable gives its rank: the same arrays without <T, R>.
        static_assert(std::is_same_v<decltype(jf::zeros<T>(shape)), jf::array<T, R>>);
        check_array(jf::zeros<T>(shape), s, hbuf<T>(n, T(0)), "zeros(shape variable)");
        check_array(jf::ones<T>(shape), s, hbuf<T>(n, T(1)), "ones(shape variable)");
        check_array(jf::full(shape, v), s, hbuf<T>(n, v), "full(shape variable, v)");
        CHECK(jf::empty<T>(e.shape()).shape() == shape);

        hbuf<T> host(n);
        for (auto& x : host.span()) x = small_value<T>(rng);
        auto a = jf::from_host(host.span(), shape);
        static_assert(std::is_same_v<decltype(a), jf::array<T, R>>, "from_host type");
        check_array(a, s, host, "from_host with shape");
    }
}

}  // namespace

TEST_SUITE("array") {

TEST_CASE("factories: empty, zeros, ones, full, from_host over types and ranks") {
    const std::uint64_t seed = 0xA11A5;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(all_types{}, [&]<class T>(std::type_identity<T>) {
        check_factories_rank<T, 1>(rng);
        check_factories_rank<T, 2>(rng);
        check_factories_rank<T, 3>(rng);
        check_factories_rank<T, 4>(rng);

        // The 1-D forms.
        const std::int64_t n = 40000;
        CHECK(jf::zeros<T>(n).size() == n);
        check_array(jf::ones<T>(n), {n}, hbuf<T>(n, T(1)), "ones(n)");
        check_array(jf::full<T>(n, T(1)), {n}, hbuf<T>(n, T(1)), "full(n)");
        CHECK(jf::empty<T>(7).shape() == jf::shape_t<1>{7});
        hbuf<T> host(50001);
        for (auto& x : host.span()) x = small_value<T>(rng);
        check_array(jf::from_host(host.span()), {50001}, host, "from_host 1-D");
    });

    // std::vector and std::array sources, and the braced shape form.
    std::vector<float> v(12);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
    jf::array<float> a1 = jf::from_host(v);
    check_array(a1, {12}, v);
    jf::array<float, 2> m = jf::from_host(v, {3, 4});
    check_array(m, {3, 4}, v);
    CHECK(m.strides() == jf::shape_t<2>{4, 1});
    jf::array<float, 3> m3 = jf::from_host(std::span<const float>(v), {2, 3, 2});
    check_array(m3, {2, 3, 2}, v);
    std::array<std::int32_t, 4> arr{1, 2, 3, 4};
    check_array(jf::from_host(arr), {4}, arr);
    // Empty sources.
    std::vector<double> none;
    CHECK(jf::from_host(none).size() == 0);
    CHECK(jf::from_host(none, {0, 5}).shape() == jf::shape_t<2>{0, 5});
}

TEST_CASE("factories: wrong element counts and negative extents are shape errors") {
    std::vector<float> v(12, 1.f);
    CHECK_THROWS_AS(jf::from_host(v, {5, 3}), jf::shape_error);
    CHECK_THROWS_AS(jf::from_host(v, {13}), jf::shape_error);
    CHECK_THROWS_AS(jf::from_host(v, {2, 2, 2}), jf::shape_error);
    CHECK_THROWS_AS(jf::from_host(v, {-3, -4}), jf::shape_error);
    try {
        (void)jf::from_host(v, {5, 3});
        FAIL("no exception");
    } catch (const jf::shape_error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(msg.find("(5, 3)") != std::string::npos);
        CHECK(msg.find("12") != std::string::npos);
    }
    CHECK_THROWS_AS((jf::zeros<float, 2>({-1, 4})), jf::shape_error);
    CHECK_THROWS_AS((void)jf::arange<float>(3).broadcast_to<2>({-1, 3}), jf::shape_error);
    CHECK_THROWS_AS((void)jf::full<float>(1, 2.f).broadcast_to<1>({-4}), jf::shape_error);
    CHECK_THROWS_AS(jf::empty<float>(-5), jf::shape_error);
    CHECK_THROWS_AS(jf::linspace<float>(0, 1, -1), jf::shape_error);
}

TEST_CASE("arange: n, start/stop/step forms over types") {
    struct spec {
        double start, stop, step;
    };
    const spec specs[] = {{0, 10, 1},    {3, 17, 2},     {10, 0, -1}, {10, 0, -3},
                          {5, 5, 1},     {5, 2, 1},      {2, 5, -1},  {0, 1, 0.1},
                          {-2.5, 3, 0.5}, {1, -1, -0.25}, {0, 70000, 1}, {0, 1e5, 3}};
    for_each_type(types<float, double, std::int32_t, std::int64_t>{}, [&]<class T>(std::type_identity<T>) {
        for (const auto& sp : specs) {
            if (std::is_integral_v<T> && (sp.start != std::floor(sp.start) || sp.step != std::floor(sp.step)))
                continue;
            INFO(type_name<T>() << " arange(" << sp.start << ", " << sp.stop << ", " << sp.step << ")");
            // NumPy: ceil((stop - start) / step) elements, value i is start + i * step.
            const double cnt = std::ceil((sp.stop - sp.start) / sp.step);
            const std::int64_t n = cnt > 0 ? static_cast<std::int64_t>(cnt) : 0;
            hbuf<T> want(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i)
                want[i] = static_cast<T>(sp.start + static_cast<double>(i) * sp.step);
            check_array(jf::arange<T>(sp.start, sp.stop, sp.step), {n}, want);
        }
        for (std::int64_t n : {0, 1, 7, 40000}) {
            hbuf<T> want(static_cast<std::size_t>(n));
            for (std::int64_t i = 0; i < n; ++i) want[i] = static_cast<T>(i);
            check_array(jf::arange<T>(n), {n}, want, "arange(n)");
        }
    });
    // uint8 counting down (start/step converted through a signed type).
    {
        hbuf<std::uint8_t> want(10);
        for (int i = 0; i < 10; ++i) want[i] = static_cast<std::uint8_t>(10 - i);
        check_array(jf::arange<std::uint8_t>(10, 0, -1), {10}, want, "uint8 arange(10, 0, -1)");
    }
    CHECK_THROWS_AS(jf::arange<float>(0, 10, 0), jf::error);
    CHECK_THROWS_AS(jf::arange<float>(0, std::nan(""), 1), jf::error);
}

TEST_CASE("linspace includes the endpoint") {
    for_each_type(types<float, double>{}, [&]<class T>(std::type_identity<T>) {
        struct spec {
            double a, b;
            std::int64_t num;
        };
        for (const auto& sp : {spec{0, 1, 11}, spec{-3, 7, 2}, spec{5, -5, 101}, spec{0, 1, 70001},
                               spec{2, 9, 1}, spec{2, 9, 0}, spec{1.5, 1.5, 4}}) {
            INFO(type_name<T>() << " linspace(" << sp.a << ", " << sp.b << ", " << sp.num << ")");
            auto x = jf::linspace<T>(sp.a, sp.b, sp.num);
            REQUIRE(x.size() == sp.num);
            const auto h = x.to_host();
            const long double step = sp.num > 1 ? (static_cast<long double>(sp.b) - sp.a) / (sp.num - 1) : 0;
            std::int64_t bad = -1;
            for (std::int64_t i = 0; i < sp.num; ++i) {
                const long double want = sp.a + step * i;
                const long double tol = 4 * std::numeric_limits<T>::epsilon() *
                                        (std::fabs(static_cast<long double>(sp.a)) + std::fabs(static_cast<long double>(sp.b)) + 1);
                if (std::fabs(h[i] - want) > tol && bad < 0) bad = i;
            }
            CHECK(bad == -1);
            if (sp.num > 0) CHECK(h[0] == static_cast<T>(sp.a));
            if (sp.num > 1) CHECK(h[sp.num - 1] == static_cast<T>(sp.b));  // exactly the endpoint
        }
    });
    auto li = jf::linspace<std::int32_t>(0, 10, 6);
    check_array(li, {6}, std::vector<std::int32_t>{0, 2, 4, 6, 8, 10});
}

TEST_CASE("to_host and copy_to_host") {
    std::vector<double> v(35000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.5;
    auto a = jf::from_host(v, {175, 200});
    CHECK(a.to_host() == v);
    std::vector<double> out(v.size());
    a.copy_to_host(out);
    CHECK(out == v);
    std::vector<double> small(10), large(v.size() + 1);
    CHECK_THROWS_AS(a.copy_to_host(small), jf::shape_error);
    CHECK_THROWS_AS(a.copy_to_host(large), jf::shape_error);
    // Of a strided view: row-major order of the view.
    auto t = a.transpose();
    std::vector<double> tout(v.size());
    t.copy_to_host(tout);
    bool ok = true;
    for (int i = 0; i < 200 && ok; ++i)
        for (int j = 0; j < 175 && ok; ++j) ok = tout[i * 175 + j] == v[j * 200 + i];
    CHECK(ok);
    // bool
    auto b = jf::from_host(std::vector<std::int32_t>{1, 0, 3}) != 0;
    jf::array<bool> bb = b;
    bool bout[3] = {};
    bb.copy_to_host(std::span<bool>(bout));
    CHECK((bout[0] && !bout[1] && bout[2]));
}

TEST_CASE("shape, size, strides, rank, data") {
    auto a = jf::zeros<float, 3>({2, 3, 4});
    static_assert(decltype(a)::rank == 3);
    static_assert(jf::array<int>::rank == 1);
    CHECK(a.shape() == jf::shape_t<3>{2, 3, 4});
    CHECK(a.size() == 24);
    CHECK(a.strides() == jf::shape_t<3>{12, 4, 1});
    CHECK(a.data() != nullptr);
    CHECK(a.device() == jf::default_device());
    CHECK(a.is_contiguous());
    // Views point into the same memory.
    auto v = a(jf::range(1, 2), jf::range(2, -1, -1), jf::range(1, 4, 2));
    CHECK(v.shape() == jf::shape_t<3>{1, 3, 2});
    CHECK(v.strides() == jf::shape_t<3>{12, -4, 2});
    CHECK(v.data() == a.data() + 12 + 8 + 1);
    CHECK(v.buffer() == a.buffer());
    auto t = a.transpose();
    CHECK(t.shape() == jf::shape_t<3>{4, 3, 2});
    CHECK(t.strides() == jf::shape_t<3>{1, 4, 12});
    CHECK(!t.is_contiguous());
    jf::array<float> d;
    CHECK(d.empty());
    CHECK(d.size() == 0);
    jf::array<float> n(17);
    CHECK(n.size() == 17);
    jf::array<float, 2> n2({3, 5});
    CHECK(n2.shape() == jf::shape_t<2>{3, 5});
}

TEST_CASE("handles: copies share, assignment writes values, moves and swap exchange") {
    const std::int64_t n = 40000;
    auto a = jf::zeros<float>(n);
    SUBCASE("copy construction shares the buffer") {
        jf::array<float> b(a);
        jf::array<float> c = a;
        CHECK(b.data() == a.data());
        CHECK(c.data() == a.data());
        b = b + 1.f;
        check_array(a, {n}, hbuf<float>(n, 1.f), "write through the copy is seen by the original");
        check_array(c, {n}, hbuf<float>(n, 1.f));
        a = a * 3.f;
        check_array(b, {n}, hbuf<float>(n, 3.f));
    }
    SUBCASE("assignment copies values into the target's own buffer") {
        auto b = jf::full<float>(n, 2.f);
        float* const pa = a.data();
        a = b;
        CHECK(a.data() == pa);
        CHECK(a.data() != b.data());
        check_array(a, {n}, hbuf<float>(n, 2.f));
        b = b + 5.f;  // a is not a view of b
        check_array(a, {n}, hbuf<float>(n, 2.f));
        a = b * 2.f - 4.f;
        CHECK(a.data() == pa);
        check_array(a, {n}, hbuf<float>(n, 10.f));
        a = a;  // self-assignment
        check_array(a, {n}, hbuf<float>(n, 10.f));
    }
    SUBCASE("assignment of another shape is a shape error and changes nothing") {
        auto m = jf::from_host(std::vector<std::int32_t>{1, 2, 3, 4, 5, 6}, {2, 3});
        auto other = jf::full<std::int32_t, 2>({3, 2}, 9);
        auto* const p = m.data();
        CHECK_THROWS_AS(m = other, jf::shape_error);
        CHECK_THROWS_AS(m = other + 1, jf::shape_error);
        CHECK_THROWS_AS(m = other.transpose().transpose(), jf::shape_error);
        CHECK_THROWS_AS(m = m.transpose(), jf::shape_error);
        CHECK_THROWS_AS(m = other.clone(), jf::shape_error);
        CHECK_THROWS_AS(m += other, jf::shape_error);
        CHECK(m.data() == p);
        CHECK(m.shape() == jf::shape_t<2>{2, 3});
        check_array(m, {2, 3}, std::vector<std::int32_t>{1, 2, 3, 4, 5, 6});
        // The message names both shapes.
        try {
            m = other;
            FAIL("no exception");
        } catch (const jf::shape_error& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("(2, 3)") != std::string::npos);
            CHECK(msg.find("(3, 2)") != std::string::npos);
        }
    }
    SUBCASE("a default-constructed array takes the shape and a new buffer") {
        auto m = jf::from_host(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
        jf::array<double, 2> d;
        d = m;
        CHECK(d.shape() == m.shape());
        CHECK(d.data() != m.data());
        check_array(d, {3, 2}, std::vector<double>{1, 2, 3, 4, 5, 6});
        jf::array<double, 2> e;
        e = m.transpose() * 2.0;
        check_array(e, {2, 3}, std::vector<double>{2, 6, 10, 4, 8, 12});
        jf::array<double, 2> f = m + 1.0;
        CHECK(f.data() != m.data());
        check_array(f, {3, 2}, std::vector<double>{2, 3, 4, 5, 6, 7});
    }
    SUBCASE("moves and std::swap exchange handles") {
        auto b = jf::full<float>(10, 4.f);
        float* const pa = a.data();
        float* const pb = b.data();
        std::swap(a, b);
        CHECK(a.data() == pb);
        CHECK(b.data() == pa);
        CHECK(a.size() == 10);
        CHECK(b.size() == n);
        jf::array<float> c(std::move(a));
        CHECK(c.data() == pb);
        CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, documented
        jf::array<float> d;
        d = std::move(c);
        CHECK(d.data() == pb);
        CHECK(c.empty());  // NOLINT(bugprone-use-after-move)
        check_array(d, {10}, hbuf<float>(10, 4.f));
        // Assigning a temporary (or std::move'd) array to a non-empty one writes values,
        // like any assignment: the target keeps its buffer, other shapes are shape errors.
        auto e = jf::full<float>(10, 9.f);
        float* const pe = e.data();
        d = std::move(e);
        CHECK(d.data() == pb);
        check_array(d, {10}, hbuf<float>(10, 9.f));
        CHECK(e.data() == pe);  // NOLINT(bugprone-use-after-move): not moved from: values were copied
        d = jf::full<float>(10, 8.f);
        CHECK(d.data() == pb);
        check_array(d, {10}, hbuf<float>(10, 8.f));
        float* const pbig = b.data();
        CHECK_THROWS_AS(b = std::move(d), jf::shape_error);
        CHECK_THROWS_AS(b = jf::zeros<float>(3), jf::shape_error);
        CHECK(b.data() == pbig);
        CHECK(b.size() == n);
        // A temporary view as the source: values are copied into the target's buffer.
        auto src = jf::arange<float>(20);
        d = src(jf::range(19, -1, -2));
        CHECK(d.data() == pb);
        check_array(d, {10}, std::vector<float>{19, 17, 15, 13, 11, 9, 7, 5, 3, 1});
        // An empty target takes a temporary's handle (as construction from it would).
        jf::array<float> f;
        auto g = jf::full<float>(4, 1.f);
        float* const pg = g.data();
        f = std::move(g);
        CHECK(f.data() == pg);
        CHECK(g.empty());  // NOLINT(bugprone-use-after-move)
    }
    SUBCASE("a moved-from array used in an expression is a jitfuse::error") {
        jf::array<float> b(std::move(a));
        CHECK_THROWS_AS((void)jf::eval(a + 1.f), jf::error);   // NOLINT(bugprone-use-after-move)
        CHECK_THROWS_AS((void)jf::sum(a).item(), jf::error);   // NOLINT(bugprone-use-after-move)
        CHECK_THROWS_AS((void)a.to_host(), jf::error);         // NOLINT(bugprone-use-after-move)
        CHECK_THROWS_AS((void)jf::eval(b + a), jf::error);     // NOLINT(bugprone-use-after-move)
        jf::array<float> c;
        CHECK_THROWS_AS(c = a, jf::error);                     // NOLINT(bugprone-use-after-move)
        CHECK(c.empty());
        CHECK_THROWS_AS(b = a * 2.f, jf::error);               // NOLINT(bugprone-use-after-move)
        CHECK(b.size() == n);
        jf::array<float> dflt;
        CHECK_THROWS_AS((void)dflt.reshape<2>({1, -1}), jf::error);
        CHECK_THROWS_AS((void)dflt(jf::range(0, 1)), jf::error);
    }
    SUBCASE("clone is deep") {
        auto m = jf::from_host(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, {2, 3});
        auto c = m.clone();
        CHECK(c.data() != m.data());
        CHECK(c.buffer() != m.buffer());
        m = m * 10;
        check_array(c, {2, 3}, std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
        // A clone of a strided view is contiguous.
        auto ct = m.transpose().clone();
        CHECK(ct.is_contiguous());
        check_array(ct, {3, 2}, std::vector<std::int64_t>{10, 40, 20, 50, 30, 60});
    }
}

TEST_CASE("reshape: views, -1 inference, copies of non-contiguous sources, errors") {
    std::vector<std::int32_t> v(24);
    std::iota(v.begin(), v.end(), 0);
    auto a = jf::from_host(v);
    auto m = a.reshape<2>({4, 6});
    CHECK(m.buffer() == a.buffer());
    check_array(m, {4, 6}, v);
    auto m3 = a.reshape<3>({2, -1, 3});
    CHECK(m3.shape() == jf::shape_t<3>{2, 4, 3});
    check_array(m3, {2, 4, 3}, v);
    CHECK(a.reshape<2>({-1, 24}).shape() == jf::shape_t<2>{1, 24});
    CHECK(m.reshape<1>({-1}).shape() == jf::shape_t<1>{24});
    // A shape variable gives its rank; jf::reshape is the same view.
    const jf::shape_t<3> s3{3, 2, -1};
    auto v3 = a.reshape(s3);
    static_assert(std::is_same_v<decltype(v3), jf::array<std::int32_t, 3>>);
    CHECK(v3.buffer() == a.buffer());
    check_array(v3, {3, 2, 4}, v);
    check_array(jf::reshape(m, s3), {3, 2, 4}, v);
    check_array(jf::reshape<2>(a, {-1, 8}), {3, 8}, v);
    CHECK_THROWS_AS((void)jf::reshape(a, jf::shape_t<2>{5, 5}), jf::shape_error);
    // Writes through a reshaped view reach the source.
    m = m + 100;
    check_array(a, {24}, [&] { auto w = v; for (auto& x : w) x += 100; return w; }());
    m = m - 100;

    // Wrong counts: shape_error naming both shapes.
    for (auto bad : {jf::shape_t<2>{5, 5}, jf::shape_t<2>{-1, 5}, jf::shape_t<2>{-1, -1}, jf::shape_t<2>{-2, -12}}) {
        INFO("reshape to (" << bad[0] << ", " << bad[1] << ")");
        try {
            (void)a.reshape<2>(bad);
            FAIL("no exception");
        } catch (const jf::shape_error& e) {
            const std::string msg = e.what();
            INFO(msg);
            CHECK(msg.find("(24,)") != std::string::npos);
            CHECK(msg.find("(" + std::to_string(bad[0]) + ", " + std::to_string(bad[1]) + ")") != std::string::npos);
        }
    }
    CHECK_THROWS_AS((void)m.reshape<3>({5, 2, 2}), jf::shape_error);

    // A non-contiguous source is copied: no sharing, values in the view's row-major order.
    auto t = m.transpose();  // (6, 4)
    auto r = t.reshape<1>({24});
    CHECK(r.buffer() != m.buffer());
    std::vector<std::int32_t> want(24);
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 4; ++j) want[i * 4 + j] = v[j * 6 + i];
    check_array(r, {24}, want);
    r = r * 0;
    check_array(m, {4, 6}, v);  // untouched

    // Random views of random ranks.
    const std::uint64_t seed = 0x5E5A9E;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (int trial = 0; trial < 30; ++trial) {
        const auto s = random_shape(rng, 3, trial % 5 == 4);
        auto c = make_view<float, 3>(rng, s, random_layout(rng));
        INFO("trial " << trial << " " << c.desc);
        const auto flat = c.view.reshape<1>({-1});
        check_array(flat, {count(s)}, c.expect, "reshape to 1-D");
        if (count(s) > 0) {
            const auto r4 = c.view.reshape<4>({s[0], 1, -1, s[2]});
            check_array(r4, {s[0], 1, s[1], s[2]}, c.expect, "reshape to 4-D");
        }
        const auto r2 = c.view.reshape<2>({s[0] * s[1], s[2]});
        check_array(r2, {s[0] * s[1], s[2]}, c.expect, "reshape to 2-D");
    }
}

namespace {

/// Random `range`/`all` indexing of a random base, checked against the C++ loop definition.
template <class T, int R>
void check_indexing(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const bool big = trial % 4 == 3;
        const shape_vec bs = random_shape(rng, R, big);
        hbuf<T> host(static_cast<std::size_t>(count(bs)));
        for (auto& x : host.span()) x = small_value<T>(rng);
        auto base = jf::from_host(host.span(), to_shape<R>(bs));

        std::array<jf::range, R> rs{};
        std::vector<std::vector<i64>> sel(R);
        std::ostringstream desc;
        desc << type_name<T>() << " base " << str(bs) << " index";
        for (int d = 0; d < R; ++d) {
            const i64 n = bs[d];
            i64 step = static_cast<i64>(rng() % 7) - 3;
            if (step == 0) step = 1;
            i64 start, stop;
            if (n == 0) {
                start = stop = 0;
            } else if (step > 0) {
                start = static_cast<i64>(rng() % static_cast<std::uint64_t>(n));
                stop = start + static_cast<i64>(rng() % static_cast<std::uint64_t>(n - start + 1));
            } else {
                start = static_cast<i64>(rng() % static_cast<std::uint64_t>(n));
                stop = static_cast<i64>(rng() % static_cast<std::uint64_t>(start + 2)) - 1;  // -1 .. start
            }
            rs[d] = {start, stop, step};
            for (i64 i = start; step > 0 ? i < stop : i > stop; i += step) sel[d].push_back(i);
            desc << " range(" << start << ", " << stop << ", " << step << ")";
        }
        INFO("trial " << trial << ": " << desc.str());
        auto v = [&]<std::size_t... I>(std::index_sequence<I...>) { return base(rs[I]...); }(std::make_index_sequence<R>{});
        auto v2 = [&]<std::size_t... I>(std::index_sequence<I...>) { return jf::slice(base, rs[I]...); }(std::make_index_sequence<R>{});
        shape_vec vs(R);
        for (int d = 0; d < R; ++d) vs[d] = static_cast<i64>(sel[d].size());
        hbuf<T> want(static_cast<std::size_t>(count(vs)));
        for (i64 f = 0; f < count(vs); ++f) {
            const auto idx = unravel(f, vs);
            shape_vec bi(R);
            for (int d = 0; d < R; ++d) bi[d] = sel[d][idx[d]];
            want[f] = host[ravel(bi, bs)];
        }
        check_array(v, vs, want, "base(range...)");
        check_array(v2, vs, want, "slice(base, range...)");
        CHECK(v.buffer() == base.buffer());
        // Evaluating an expression of the view.
        jf::array<T, R> mapped = map_expr(v);
        hbuf<T> mw(want.size());
        for (std::size_t i = 0; i < want.size(); ++i) mw[i] = map_ref(want[i]);
        check_array(mapped, vs, mw, "map of the view");
    }
}

}  // namespace

TEST_CASE("indexing with range and all: random steps, negative steps, every type") {
    const std::uint64_t seed = 0x1DE8;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(all_types{}, [&]<class T>(std::type_identity<T>) {
        check_indexing<T, 1>(rng, 12);
        check_indexing<T, 2>(rng, 12);
        check_indexing<T, 3>(rng, 8);
        check_indexing<T, 4>(rng, 8);
    });
}

TEST_CASE("indexing: integers drop axes, all keeps them, ranges out of bounds throw") {
    std::vector<float> v(4 * 5 * 6);
    std::iota(v.begin(), v.end(), 0.f);
    auto a = jf::from_host(v, {4, 5, 6});
    auto at = [&](i64 i, i64 j, i64 k) { return v[(i * 5 + j) * 6 + k]; };

    auto p = a(jf::range(3, 0, -2), jf::all, 3);
    static_assert(decltype(p)::rank == 2);
    std::vector<float> want;
    for (i64 i = 3; i > 0; i -= 2)
        for (i64 j = 0; j < 5; ++j) want.push_back(at(i, j, 3));
    check_array(p, {2, 5}, want, "a(range(3, 0, -2), all, 3)");

    auto q = a(2, jf::range(1, 5, 3), jf::all);
    want.clear();
    for (i64 j = 1; j < 5; j += 3)
        for (i64 k = 0; k < 6; ++k) want.push_back(at(2, j, k));
    check_array(q, {2, 6}, want, "a(2, range(1, 5, 3), all)");

    auto e = a(1, 4, 5);
    static_assert(decltype(e)::rank == 0);
    check_array(e, {}, std::vector<float>{at(1, 4, 5)}, "a(1, 4, 5)");

    auto r = jf::slice(a, jf::all, 0, jf::range(5, -1, -1));
    want.clear();
    for (i64 i = 0; i < 4; ++i)
        for (i64 k = 5; k > -1; --k) want.push_back(at(i, 0, k));
    check_array(r, {4, 6}, want, "slice(a, all, 0, range(5, -1, -1))");

    // Empty ranges are fine even where start is outside (nothing is read).
    CHECK(a(jf::range(2, 2), jf::all, jf::all).shape() == jf::shape_t<3>{0, 5, 6});
    CHECK(a(jf::range(3, 1), jf::all, jf::all).shape() == jf::shape_t<3>{0, 5, 6});
    CHECK(a(jf::range(1, 3, -1), jf::all, jf::all).shape() == jf::shape_t<3>{0, 5, 6});

    CHECK_THROWS_AS((void)a(jf::range(0, 5), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(-1, 2), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(4, -1, -1), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(3, -2, -1), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(0, 4, 0), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(4, jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(-1, jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::all, jf::all, 6), jf::shape_error);
    CHECK_NOTHROW((void)a(jf::range(0, 4, 3), jf::all, jf::all));
    CHECK_NOTHROW((void)a(jf::range(3, -1, -3), jf::all, jf::all));
    // Bounds and steps at the ends of int64: stop - start and -step overflow a signed count.
    constexpr i64 lo = std::numeric_limits<i64>::min(), hi = std::numeric_limits<i64>::max();
    CHECK(a(jf::range(3, hi, hi), jf::all, jf::all).shape() == jf::shape_t<3>{1, 5, 6});
    CHECK(a(jf::range(2, -1, lo), jf::all, jf::all).shape() == jf::shape_t<3>{1, 5, 6});
    CHECK_THROWS_AS((void)a(jf::range(3, lo, -2), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(0, hi, 2), jf::all, jf::all), jf::shape_error);
    CHECK_THROWS_AS((void)a(jf::range(3, lo, lo), jf::all, jf::all), jf::shape_error);  // 3, then below 0
}

namespace {

template <class T, int R>
void check_transpose_broadcast(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec s = random_shape(rng, R, trial % 4 == 3);
        auto c = make_view<T, R>(rng, s, random_layout(rng));
        INFO(type_name<T>() << " trial " << trial << " " << c.desc);
        check_array(c.view, s, c.expect, "the view itself");

        // transpose() reverses the axes; transpose(perm) permutes them.
        std::array<int, R> perm{};
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), rng);
        for (int variant = 0; variant < 2; ++variant) {
            std::array<int, R> p = perm;
            if (variant == 0)
                for (int d = 0; d < R; ++d) p[d] = R - 1 - d;
            const auto t = variant == 0 ? c.view.transpose() : c.view.transpose(perm);
            const auto free_t = variant == 0 ? jf::transpose(c.view) : jf::transpose(c.view, perm);
            shape_vec ts(R);
            for (int d = 0; d < R; ++d) ts[d] = s[p[d]];
            hbuf<T> want(static_cast<std::size_t>(count(ts)));
            for (i64 f = 0; f < count(ts); ++f) {
                const auto ti = unravel(f, ts);
                shape_vec si(R);
                for (int d = 0; d < R; ++d) si[p[d]] = ti[d];
                want[f] = c.expect[ravel(si, s)];
            }
            check_array(t, ts, want, variant == 0 ? "transpose()" : "transpose(perm)");
            check_array(free_t, ts, want, variant == 0 ? "jf::transpose(a)" : "jf::transpose(a, perm)");
            jf::array<T, R> mt = map_expr(t);
            for (std::size_t i = 0; i < want.size(); ++i) want[i] = map_ref(want[i]);
            check_array(mt, ts, want, "map of the transposed view");
        }

        // broadcast_to: size-1 axes stretch, one new leading axis.
        shape_vec bs(s.size() + 1);
        bs[0] = 1 + static_cast<i64>(rng() % 3);
        for (int d = 0; d < R; ++d) bs[d + 1] = s[d] == 1 ? static_cast<i64>(rng() % 4) : s[d];
        const auto b = c.view.template broadcast_to<R + 1>(to_shape<R + 1>(bs));
        hbuf<T> want(static_cast<std::size_t>(count(bs)));
        for (i64 f = 0; f < count(bs); ++f) want[f] = c.expect[broadcast_index(unravel(f, bs), s)];
        check_array(b, bs, want, "broadcast_to " + str(bs));
        const auto b_shape = b.shape();
        check_array(c.view.broadcast_to(b_shape), bs, want, "broadcast_to(shape variable)");
        check_array(jf::broadcast_to(c.view, b_shape), bs, want, "jf::broadcast_to(a, shape variable)");
        check_array(jf::broadcast_to<R + 1>(c.view, to_shape<R + 1>(bs)), bs, want, "jf::broadcast_to<R>(a, shape)");
        jf::array<T, R + 1> mb = map_expr(b);
        for (std::size_t i = 0; i < want.size(); ++i) want[i] = map_ref(want[i]);
        check_array(mb, bs, want, "map of the broadcast view");
        // Same-rank broadcast.
        shape_vec bs2 = s;
        for (auto& d : bs2)
            if (d == 1) d = 1 + static_cast<i64>(rng() % 5);
        const auto b2 = c.view.template broadcast_to<R>(to_shape<R>(bs2));
        hbuf<T> want2(static_cast<std::size_t>(count(bs2)));
        for (i64 f = 0; f < count(bs2); ++f) want2[f] = c.expect[broadcast_index(unravel(f, bs2), s)];
        check_array(b2, bs2, want2, "broadcast_to " + str(bs2));
    }
}

}  // namespace

TEST_CASE("transpose and broadcast_to over random views") {
    const std::uint64_t seed = 0x7A5E;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(all_types{}, [&]<class T>(std::type_identity<T>) {
        check_transpose_broadcast<T, 1>(rng, 6);
        check_transpose_broadcast<T, 2>(rng, 8);
        check_transpose_broadcast<T, 3>(rng, 8);
        check_transpose_broadcast<T, 4>(rng, 6);
    });
    auto a = jf::zeros<float, 2>({3, 4});
    CHECK_THROWS_AS((void)a.transpose({0, 0}), jf::shape_error);
    CHECK_THROWS_AS((void)a.transpose({0, 2}), jf::shape_error);
    CHECK_THROWS_AS((void)a.broadcast_to<2>({3, 5}), jf::shape_error);
    CHECK_THROWS_AS((void)a.broadcast_to<3>({2, 4, 4}), jf::shape_error);
    try {
        (void)a.broadcast_to<2>({6, 4});
        FAIL("no exception");
    } catch (const jf::shape_error& e) {
        const std::string msg = e.what();
        CHECK(msg.find("(3, 4)") != std::string::npos);
        CHECK(msg.find("(6, 4)") != std::string::npos);
    }
}

namespace {

/// Writes `map(other)` into a random view and checks the whole base: the view's elements
/// changed, nothing else did.
template <class T, int R>
void check_write_through(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec s = random_shape(rng, R, trial % 4 == 3);
        layout lay = random_layout(rng);
        if (lay == layout::broadcast) lay = layout::strided;
        auto c = make_view<T, R>(rng, s, lay);
        auto src = make_view<T, R>(rng, s, random_layout(rng));
        INFO(type_name<T>() << " trial " << trial << " target " << c.desc << " source " << src.desc);
        hbuf<T> want = c.base_host;
        for (std::size_t f = 0; f < c.map.size(); ++f) want[c.map[f]] = map_ref(src.expect[f]);
        auto target = c.view;  // a handle to the view (shares)
        target = map_expr(src.view);
        check_array(c.base, to_vec(c.base.shape()), want, "base after writing map(src) into the view");
        // Array-to-array assignment into the view.
        for (std::size_t f = 0; f < c.map.size(); ++f) want[c.map[f]] = src.expect[f];
        c.view = src.view;
        check_array(c.base, to_vec(c.base.shape()), want, "base after view = src");
    }
}

}  // namespace

TEST_CASE("writing through a view modifies the base") {
    const std::uint64_t seed = 0x3717E;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(all_types{}, [&]<class T>(std::type_identity<T>) {
        check_write_through<T, 1>(rng, 6);
        check_write_through<T, 2>(rng, 8);
        check_write_through<T, 3>(rng, 6);
        check_write_through<T, 4>(rng, 6);
    });
    // A temporary view as the target.
    auto a = jf::zeros<std::int32_t, 2>({4, 6});
    a(jf::range(1, 4, 2), jf::range(5, -1, -2)) = jf::full<std::int32_t, 2>({2, 3}, 7);
    a(0, jf::all) = jf::arange<std::int32_t>(6);
    std::vector<std::int32_t> want(24, 0);
    for (int i = 1; i < 4; i += 2)
        for (int j = 5; j > -1; j -= 2) want[i * 6 + j] = 7;
    for (int j = 0; j < 6; ++j) want[j] = j;
    check_array(a, {4, 6}, want);
}

TEST_CASE("assigning into a broadcast view is a shape error") {
    auto row = jf::from_host(std::vector<float>{1, 2, 3});
    auto b = row.broadcast_to<2>({4, 3});
    CHECK_THROWS_AS((b = jf::zeros<float, 2>({4, 3})), jf::shape_error);
    CHECK_THROWS_AS(b = b + 1.f, jf::shape_error);
    CHECK_THROWS_AS(b += 1.f, jf::shape_error);
    check_array(row, {3}, std::vector<float>{1, 2, 3});
    auto col = jf::from_host(std::vector<float>{1, 2}, {2, 1}).broadcast_to<2>({2, 50000});
    CHECK_THROWS_AS((col = jf::zeros<float, 2>({2, 50000})), jf::shape_error);
    // A broadcast along an axis of extent 1 does not overlap: writing it is fine.
    auto one = jf::from_host(std::vector<float>{5}).broadcast_to<2>({1, 1});
    one = jf::full<float, 2>({1, 1}, 6.f);
    CHECK(one.to_host()[0] == 6.f);
}

TEST_CASE("aliasing: the target read through other views evaluates as if through a temporary") {
    const std::uint64_t seed = 0xA71A5;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (const std::int64_t n : {1, 2, 7, 64, 250}) {
        INFO("n = " << n);
        hbuf<double> host(static_cast<std::size_t>(n * n));
        for (auto& x : host.span()) x = small_value<double>(rng);
        const auto fresh = [&] { return jf::from_host(host.span(), jf::shape_t<2>{n, n}); };
        {
            auto a = fresh();
            const auto alias = a;  // shares the buffer: sees the in-place result
            double* const p = a.data();
            a = a.transpose();
            hbuf<double> want(host.size());
            for (i64 i = 0; i < n; ++i)
                for (i64 j = 0; j < n; ++j) want[i * n + j] = host[j * n + i];
            check_array(a, {n, n}, want, "a = a.transpose()");
            CHECK(a.data() == p);
            CHECK(a.is_contiguous());
            check_array(alias, {n, n}, want, "a = a.transpose(), seen through another handle");
        }
        {
            auto a = fresh();
            a = a.transpose() + a;
            hbuf<double> want(host.size());
            for (i64 i = 0; i < n; ++i)
                for (i64 j = 0; j < n; ++j) want[i * n + j] = host[j * n + i] + host[i * n + j];
            check_array(a, {n, n}, want, "a = a.transpose() + a");
        }
        {
            auto big = fresh();
            auto a = big(jf::range(n - 1, -1, -1), jf::all);
            a += a.transpose();
            hbuf<double> want(host.size());
            for (i64 i = 0; i < n; ++i)
                for (i64 j = 0; j < n; ++j) want[i * n + j] = host[(n - 1 - i) * n + j] + host[(n - 1 - j) * n + i];
            check_array(a, {n, n}, want, "a += a.transpose() with a a reversed view");
        }
    }
    for (const std::int64_t n : {1, 5, 40000, 100001}) {
        INFO("n = " << n);
        hbuf<float> host(static_cast<std::size_t>(n));
        for (auto& x : host.span()) x = small_value<float>(rng);
        const auto fresh = [&] { return jf::from_host(host.span()); };
        {
            auto a = fresh();
            const auto alias = a;
            a = a(jf::range(n - 1, -1, -1));
            hbuf<float> want(host.size());
            for (i64 i = 0; i < n; ++i) want[i] = host[n - 1 - i];
            check_array(a, {n}, want, "reverse in place: a = a(range(n - 1, -1, -1))");
            CHECK(a.strides()[0] == 1);
            check_array(alias, {n}, want, "reverse in place, seen through another handle");
        }
        {
            auto a = fresh();
            a = a + a(jf::range(n - 1, -1, -1));
            hbuf<float> want(host.size());
            for (i64 i = 0; i < n; ++i) want[i] = host[i] + host[n - 1 - i];
            check_array(a, {n}, want, "a = a + a(range(n - 1, -1, -1))");
        }
        {
            auto a = fresh();
            a(jf::range(1, n)) = a(jf::range(0, n - 1)) * 2.f;
            hbuf<float> want = host;
            for (i64 i = 1; i < n; ++i) want[i] = host[i - 1] * 2;
            check_array(a, {n}, want, "a(range(1, n)) = a(range(0, n - 1)) * 2");
        }
        {
            auto a = fresh();
            a(jf::range(0, n - 1)) = a(jf::range(1, n)) - a(jf::range(0, n - 1));
            hbuf<float> want = host;
            for (i64 i = 0; i + 1 < n; ++i) want[i] = host[i + 1] - host[i];
            check_array(a, {n}, want, "a(range(0, n - 1)) = a(range(1, n)) - a(range(0, n - 1))");
        }
        {
            auto a = fresh();
            const i64 h = n / 2;
            a(jf::range(0, 2 * h, 2)) = a(jf::range(2 * h - 1, 0, -2)) + a(jf::range(0, 2 * h, 2));
            hbuf<float> want = host;
            for (i64 i = 0; i < h; ++i) want[2 * i] = host[2 * h - 1 - 2 * i] + host[2 * i];
            check_array(a, {n}, want, "even elements += odd elements reversed");
        }
        {
            auto a = fresh();
            a = a * 2.f + a;
            hbuf<float> want = host;
            for (i64 i = 0; i < n; ++i) want[i] = host[i] * 2 + host[i];
            check_array(a, {n}, want, "a = a * 2 + a (the same view: in place)");
        }
        {
            auto a = fresh();
            auto b = a;  // another handle to the same view
            a = b(jf::range(n - 1, -1, -1)) * 1.f;
            hbuf<float> want(host.size());
            for (i64 i = 0; i < n; ++i) want[i] = host[n - 1 - i];
            check_array(a, {n}, want, "a = b(reversed), b sharing a's buffer");
        }
    }
}

namespace {

template <class T>
struct unsigned_of {
    using type = T;
};
template <class T>
    requires std::is_integral_v<T>
struct unsigned_of<T> {
    using type = std::make_unsigned_t<T>;
};

template <class T, int R>
void check_compound(std::mt19937_64& rng, int trials) {
    for (int trial = 0; trial < trials; ++trial) {
        const shape_vec s = random_shape(rng, R, trial % 3 == 2);
        layout lay = random_layout(rng);
        if (lay == layout::broadcast) lay = layout::strided_transposed;
        auto c = make_view<T, R>(rng, s, lay);
        auto rhs = make_view<T, R>(rng, s, random_layout(rng), [](std::mt19937_64& g) { return nonzero_value<T>(g); });
        INFO(type_name<T>() << " trial " << trial << " target " << c.desc << " rhs " << rhs.desc);
        hbuf<T> want = c.expect;
        auto apply = [&](auto op, const char* what) {
            for (std::size_t f = 0; f < want.size(); ++f) want[f] = op(want[f], rhs.expect[f]);
            check_array(c.view, s, want, what);
        };
        using U = typename unsigned_of<T>::type;
        auto wrap = [](auto v) { return static_cast<T>(v); };
        c.view += rhs.view;
        apply([&](T a, T b) { return wrap(static_cast<U>(a) + static_cast<U>(b)); }, "+= array");
        c.view -= rhs.view;
        apply([&](T a, T b) { return wrap(static_cast<U>(a) - static_cast<U>(b)); }, "-= array");
        c.view *= rhs.view;
        apply([&](T a, T b) { return wrap(static_cast<U>(a) * static_cast<U>(b)); }, "*= array");
        c.view /= rhs.view;
        apply([&](T a, T b) { return static_cast<T>(a / b); }, "/= array");
        c.view += 3;
        apply([&](T a, T) { return wrap(static_cast<U>(a) + static_cast<U>(3)); }, "+= scalar");
        c.view *= rhs.view * 2 - 1;
        apply([&](T a, T b) {
            const U m = static_cast<U>(static_cast<U>(b) * static_cast<U>(2) - static_cast<U>(1));
            return wrap(static_cast<U>(static_cast<U>(a) * m));
        }, "*= expression");
        if constexpr (std::is_integral_v<T>) {
            // Keep the values small and non-negative for % and shifts.
            c.view &= 63;
            apply([&](T a, T) { return static_cast<T>(a & 63); }, "&= scalar");
            auto pos = jf::eval(jf::abs(rhs.view) % 7 + 1);
            hbuf<T> pw(want.size());
            for (std::size_t f = 0; f < pw.size(); ++f) {
                const T b = rhs.expect[f] < 0 ? static_cast<T>(-rhs.expect[f]) : rhs.expect[f];
                pw[f] = static_cast<T>(b % 7 + 1);
            }
            c.view %= pos;
            for (std::size_t f = 0; f < want.size(); ++f) want[f] = static_cast<T>(want[f] % pw[f]);
            check_array(c.view, s, want, "%= array");
            c.view |= rhs.view;
            apply([&](T a, T b) { return static_cast<T>(a | b); }, "|= array");
            c.view ^= rhs.view;
            apply([&](T a, T b) { return static_cast<T>(a ^ b); }, "^= array");
            c.view &= 7;
            apply([&](T a, T) { return static_cast<T>(a & 7); }, "&= 7");
            c.view <<= pos;
            for (std::size_t f = 0; f < want.size(); ++f) want[f] = static_cast<T>(static_cast<U>(want[f]) << pw[f]);
            check_array(c.view, s, want, "<<= array");
            c.view >>= 2;
            apply([&](T a, T) { return static_cast<T>(a >> 2); }, ">>= scalar");
        }
    }
}

}  // namespace

TEST_CASE("compound assignment over strided views") {
    const std::uint64_t seed = 0xC0C0;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for_each_type(num_types{}, [&]<class T>(std::type_identity<T>) {
        check_compound<T, 1>(rng, 4);
        check_compound<T, 2>(rng, 4);
        check_compound<T, 3>(rng, 3);
    });
    // On bool: logical and bitwise ops.
    auto b = jf::from_host(std::vector<std::int32_t>{0, 1, 1, 0}) != 0;
    jf::array<bool> x = b;
    jf::array<bool> y = !b;
    x |= y;
    check_array(x, {4}, std::vector<bool>{true, true, true, true});
    x &= b;
    check_array(x, {4}, std::vector<bool>{false, true, true, false});
    x ^= y;
    check_array(x, {4}, std::vector<bool>{true, true, true, true});
}

TEST_CASE("eval of an array or a view copies it into a new buffer") {
    const auto x = jf::arange<float>(6);
    jf::array<float> y = jf::eval(x);
    CHECK(y.buffer() != x.buffer());
    y = y * 10.f;
    check_array(x, {6}, std::vector<float>{0, 1, 2, 3, 4, 5});
    const auto m = x.reshape<2>({2, 3});
    const jf::array<float, 2> t = jf::eval(m.transpose());
    CHECK(t.buffer() != m.buffer());
    CHECK(t.is_contiguous());
    check_array(t, {3, 2}, std::vector<float>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("item() of a one-element array of any rank; other sizes are shape errors") {
    CHECK(jf::full<float>(1, 2.5f).item() == 2.5f);
    CHECK(jf::array<double, 0>(jf::sum(jf::arange<double>(5))).item() == 10.0);
    CHECK(jf::arange<int>(12).reshape<2>({3, 4})(jf::range(2, 3), jf::range(1, 2)).item() == 9);
    CHECK_THROWS_AS((void)jf::arange<float>(2).item(), jf::shape_error);
    CHECK_THROWS_AS((void)jf::zeros<float>(0).item(), jf::shape_error);
}

TEST_CASE("rank-0 arrays from whole reductions") {
    std::vector<float> v(40000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 100);
    auto x = jf::from_host(v);
    long double sum = 0;
    for (auto e : v) sum += e;

    jf::array<float, 0> s = jf::sum(x);
    static_assert(decltype(s)::rank == 0);
    CHECK(s.size() == 1);
    CHECK(s.shape().empty());
    CHECK(s.to_host().at(0) == static_cast<float>(sum));
    jf::array<float, 0> s2 = jf::sum(x, 0);  // a 1-D input reduced along its axis
    CHECK(s2.to_host().at(0) == static_cast<float>(sum));
    jf::array<float, 0> s3 = jf::sum(x, -1);
    CHECK(s3.to_host().at(0) == static_cast<float>(sum));
    jf::array<std::int64_t, 0> am = jf::argmax(x);
    CHECK(am.to_host().at(0) == 99);
    jf::array<bool, 0> an = jf::any(x > 98.f);
    CHECK(an.to_host().at(0));

    // A rank-0 array broadcasts against anything.
    jf::array<float> d = x - s / 40000.f;
    const float mean = static_cast<float>(sum) / 40000.f;
    hbuf<float> want(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) want[i] = v[i] - mean;
    check_array(d, {40000}, want);
    jf::array<float, 0> t = s * 2.f;
    CHECK(t.to_host().at(0) == static_cast<float>(sum) * 2.f);
    CHECK(jf::sum(s).item() == static_cast<float>(sum));
    // Reassigning a rank-0 array.
    s = jf::max(x);
    CHECK(s.to_host().at(0) == 99.f);
    CHECK(jf::eval(jf::min(x)).to_host().at(0) == 0.f);
}

TEST_CASE("assigning a scalar fills every element of the array or view, and nothing else") {
    jf::array<std::int16_t, 2> a = jf::zeros<std::int16_t, 2>({4, 6});
    a(jf::range(3, -1, -2), jf::range(1, 6, 2)) = std::int16_t{7};  // rows 3 and 1, columns 1 3 5
    const auto h = a.to_host();
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 6; ++c) {
            CAPTURE(r);
            CAPTURE(c);
            CHECK(h[static_cast<std::size_t>(r * 6 + c)] == ((r % 2 == 1 && c % 2 == 1) ? 7 : 0));
        }
    a = 3;  // the whole array; an int converts to the element type
    CHECK(jf::sum(jf::cast<std::int64_t>(a)).item() == 72);
    jf::array<float, 0> s = jf::zeros<float, 0>({});
    s = 2.5f;
    CHECK(s.to_host().at(0) == 2.5f);
    jf::array<bool> none;
    CHECK_THROWS_AS(none = true, jf::error);
    jf::array<float, 2> stretched = jf::arange<float>(3).broadcast_to<2>({2, 3});
    CHECK_THROWS_AS(stretched = 1.0f, jf::shape_error);
}

}  // TEST_SUITE
