// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file Helpers shared by the differential tests: host buffers, random shapes and values,
/// random strided / transposed / broadcast views of random arrays together with an
/// independent host model of their contents (computed from explicit index lists, not from
/// jitfuse's stride arithmetic), and element comparison.

#include <doctest/doctest.h>

#include <jitfuse/jitfuse.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace jft {

namespace jf = jitfuse;

/// Kernel launches since `jf::reset_stats()` on the device arrays go to by default (the CPU,
/// or a GPU under JITFUSE_DEVICE=cuda, where a whole reduction is two launches).
inline std::uint64_t default_device_launches() {
    return jf::stats()["launches"][jf::default_device().is_cpu() ? "cpu" : "cuda"].get<std::uint64_t>();
}
/// Launches of one whole reduction there.
inline std::uint64_t whole_reduction_launches() { return jf::default_device().is_cpu() ? 1 : 2; }
/// The counter at `group` / `name` of `jf::stats()` for what `f()` does alone.
template <class F>
std::uint64_t counted_by(F&& f, const char* group, const char* name) {
    jf::reset_stats();
    f();
    return jf::stats()[group][name].template get<std::uint64_t>();
}
using i64 = std::int64_t;
using shape_vec = std::vector<i64>;

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

inline i64 count(const shape_vec& s) {
    i64 n = 1;
    for (auto d : s) n *= d;
    return n;
}

/// "(3, 4)", "(5,)", "()": the format jitfuse uses in its messages (NumPy's).
inline std::string str(const shape_vec& s) {
    std::string out = "(";
    for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + (s.size() == 1 ? ",)" : ")");
}

template <std::size_t R>
shape_vec to_vec(const std::array<i64, R>& s) {
    return shape_vec(s.begin(), s.end());
}
template <int R>
jf::shape_t<R> to_shape(const shape_vec& s) {
    jf::shape_t<R> out{};
    for (int d = 0; d < R; ++d) out[d] = s[d];
    return out;
}

/// Row-major multi-index of `flat`.
inline shape_vec unravel(i64 flat, const shape_vec& shape) {
    shape_vec idx(shape.size());
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        idx[d] = shape[d] ? flat % shape[d] : 0;
        flat = shape[d] ? flat / shape[d] : 0;
    }
    return idx;
}
inline i64 ravel(const shape_vec& idx, const shape_vec& shape) {
    i64 flat = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + idx[d];
    return flat;
}

/// Flat index into an operand of shape `op` (right-aligned, size-1 axes broadcast) for the
/// multi-index `idx` of the broadcast result.
inline i64 broadcast_index(const shape_vec& idx, const shape_vec& op) {
    const std::size_t off = idx.size() - op.size();
    i64 flat = 0;
    for (std::size_t d = 0; d < op.size(); ++d) flat = flat * op[d] + (op[d] == 1 ? 0 : idx[off + d]);
    return flat;
}

/// A random extent: sometimes 0, often 1, usually 2..7.
inline i64 random_extent(std::mt19937_64& rng, bool allow_zero = true) {
    const auto r = rng() % 16;
    if (r == 0 && allow_zero) return 0;
    if (r <= 3) return 1;
    return 2 + static_cast<i64>(rng() % 6);
}

/// A random shape of `rank`; `big` makes it hold more than 32768 elements (the
/// multi-threaded path) and no zero extent.
inline shape_vec random_shape(std::mt19937_64& rng, int rank, bool big = false) {
    shape_vec s(static_cast<std::size_t>(rank));
    for (auto& d : s) d = random_extent(rng, !big);
    if (big && rank > 0) {
        const i64 target = 33000 + static_cast<i64>(rng() % 70000);
        const int axis = static_cast<int>(rng() % static_cast<unsigned>(rank));
        i64 others = 1;
        for (int d = 0; d < rank; ++d)
            if (d != axis) others *= s[d] = 1 + static_cast<i64>(rng() % 9);
        s[axis] = (target + others - 1) / others;
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
// Host data. std::vector<bool> is not contiguous, so host buffers are a small owning array.
// ---------------------------------------------------------------------------------------------

template <class T>
class hbuf {
  public:
    hbuf() : hbuf(0) {}
    explicit hbuf(std::size_t n) : n_(n), p_(new T[n > 0 ? n : 1]()) {}
    hbuf(std::size_t n, T v) : hbuf(n) { std::fill_n(p_.get(), n, v); }
    template <class V>
    explicit hbuf(const std::vector<V>& v) : hbuf(v.size()) {
        for (std::size_t i = 0; i < n_; ++i) p_[i] = static_cast<T>(v[i]);
    }
    hbuf(const hbuf& o) : hbuf(o.n_) { std::copy_n(o.p_.get(), n_, p_.get()); }
    hbuf(hbuf&&) noexcept = default;
    hbuf& operator=(const hbuf& o) {
        hbuf t(o);
        std::swap(n_, t.n_);
        std::swap(p_, t.p_);
        return *this;
    }
    hbuf& operator=(hbuf&&) noexcept = default;

    std::size_t size() const { return n_; }
    T& operator[](std::size_t i) { return p_[i]; }
    const T& operator[](std::size_t i) const { return p_[i]; }
    T* data() { return p_.get(); }
    const T* data() const { return p_.get(); }
    std::span<const T> span() const { return {p_.get(), n_}; }
    std::span<T> span() { return {p_.get(), n_}; }

  private:
    std::size_t n_;
    std::unique_ptr<T[]> p_;
};

template <class T>
std::string type_name() {
    return std::string(jf::name(jf::dtype_of<T>));
}

template <class T>
std::string show(T v) {
    std::ostringstream os;
    if constexpr (std::is_same_v<T, bool>) os << (v ? "true" : "false");
    else if constexpr (sizeof(T) == 1) os << static_cast<int>(v);
    else {
        os.precision(std::is_same_v<T, float> ? 9 : 17);
        os << v;
    }
    return os.str();
}

/// A small integer-valued number of T: arithmetic on such values is exact in every type,
/// so results can be compared bit for bit whatever the evaluation order.
template <class T>
T small_value(std::mt19937_64& rng) {
    if constexpr (std::is_same_v<T, bool>) return (rng() & 1) != 0;
    else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(rng() % 16);
    else return static_cast<T>(static_cast<int>(rng() % 41) - 20);
}

/// Non-zero small values (divisors).
template <class T>
T nonzero_value(std::mt19937_64& rng) {
    if constexpr (std::is_same_v<T, bool>) return true;
    else if constexpr (std::is_unsigned_v<T>) return static_cast<T>(1 + rng() % 15);
    else {
        const int v = static_cast<int>(rng() % 20) + 1;
        return static_cast<T>(rng() & 1 ? v : -v);
    }
}

// ---------------------------------------------------------------------------------------------
// Random views
// ---------------------------------------------------------------------------------------------

enum class layout { contiguous, strided, transposed, strided_transposed, broadcast };
inline constexpr layout all_layouts[] = {layout::contiguous, layout::strided, layout::transposed,
                                         layout::strided_transposed, layout::broadcast};

inline const char* layout_name(layout l) {
    switch (l) {
        case layout::contiguous: return "contiguous";
        case layout::strided: return "strided";
        case layout::transposed: return "transposed";
        case layout::strided_transposed: return "strided+transposed";
        case layout::broadcast: return "broadcast";
    }
    return "?";
}

inline layout random_layout(std::mt19937_64& rng) { return all_layouts[rng() % 5]; }

/// A view of `shape` into a larger random base array, and the host model of both.
template <class T, int R>
struct view_case {
    jf::array<T, R> base;  ///< contiguous
    hbuf<T> base_host;     ///< base contents
    jf::array<T, R> view;
    shape_vec shape;       ///< the view's shape
    std::vector<i64> map;  ///< view element (row-major) -> flat index in base
    hbuf<T> expect;        ///< the view's contents, row-major
    std::string desc;
};

/// Builds a random view of `shape` with the given layout. `gen(rng)` draws base values.
/// The view is made with `base(range...)`, `.transpose(perm)` and `.broadcast_to(shape)`;
/// the host model selects base indices with the C++ loop of `range`'s definition.
template <class T, int R, class Gen>
view_case<T, R> make_view(std::mt19937_64& rng, const shape_vec& shape, layout lay, Gen&& gen) {
    view_case<T, R> c;
    c.shape = shape;
    REQUIRE(static_cast<int>(shape.size()) == R);
    if constexpr (R == 0) {
        c.base_host = hbuf<T>(1);
        c.base_host[0] = gen(rng);
        c.base = jf::from_host(c.base_host.span(), jf::shape_t<0>{});
        c.view = c.base;
        c.map = {0};
        c.expect = c.base_host;
        c.desc = "rank-0";
        return c;
    } else {
        std::array<int, R> perm{};
        std::iota(perm.begin(), perm.end(), 0);
        const bool transposed = lay == layout::transposed || lay == layout::strided_transposed;
        const bool strided = lay == layout::strided || lay == layout::strided_transposed;
        if (transposed) std::shuffle(perm.begin(), perm.end(), rng);

        std::array<jf::range, R> ranges{};  // by base axis
        jf::shape_t<R> base_shape{};
        std::vector<std::vector<i64>> sel(R);  // by view axis
        std::array<bool, R> bcast{};
        bool any_bcast = false;
        std::ostringstream desc;
        desc << layout_name(lay) << " view " << str(shape) << ": ";
        for (int k = 0; k < R; ++k) {
            const i64 n = shape[k];
            const int a = perm[k];
            bcast[k] = lay == layout::broadcast && n != 1 && (rng() & 1);
            any_bcast = any_bcast || bcast[k];
            const i64 len = bcast[k] ? 1 : n;
            static constexpr i64 steps[] = {1, 2, 3, -1, -2, -3};
            i64 step = 1;
            if (strided) step = steps[rng() % 6];
            else if (lay == layout::broadcast) step = steps[rng() % 6] > 0 ? 1 : -1;
            const i64 mag = step > 0 ? step : -step;
            const i64 extra = lay == layout::contiguous || lay == layout::transposed
                                  ? 0
                                  : static_cast<i64>(rng() % 3);
            const i64 N = len == 0 ? extra : (len - 1) * mag + 1 + extra;
            i64 start, stop;
            if (len == 0) {
                start = static_cast<i64>(rng() % static_cast<std::uint64_t>(N + 1));
                stop = step > 0 ? start - static_cast<i64>(rng() % 2) : start + static_cast<i64>(rng() % 2);
            } else if (step > 0) {
                start = static_cast<i64>(rng() % static_cast<std::uint64_t>(extra + 1));
                const i64 last = start + (len - 1) * step;
                stop = last + 1 + static_cast<i64>(rng() % static_cast<std::uint64_t>(step));
            } else {
                start = N - 1 - static_cast<i64>(rng() % static_cast<std::uint64_t>(extra + 1));
                const i64 last = start - (len - 1) * mag;
                stop = last - 1 - static_cast<i64>(rng() % static_cast<std::uint64_t>(mag));
            }
            for (i64 i = start; step > 0 ? i < stop : i > stop; i += step) sel[k].push_back(i);
            REQUIRE(static_cast<i64>(sel[k].size()) == len);
            base_shape[a] = N;
            ranges[a] = jf::range{start, stop, step};
            desc << "axis " << k << "<-" << a << " range(" << start << ", " << stop << ", " << step
                 << ") of " << N << (bcast[k] ? " bcast" : "") << "; ";
        }
        c.desc = desc.str();
        const i64 base_count = jf::detail::element_count<R>(base_shape);
        c.base_host = hbuf<T>(static_cast<std::size_t>(base_count));
        for (i64 i = 0; i < base_count; ++i) c.base_host[i] = gen(rng);
        c.base = jf::from_host(c.base_host.span(), base_shape);
        auto sliced = [&]<std::size_t... I>(std::index_sequence<I...>) {
            return c.base(ranges[I]...);
        }(std::make_index_sequence<R>{});
        auto t = sliced.transpose(perm);
        c.view = any_bcast ? t.template broadcast_to<R>(to_shape<R>(shape)) : t;

        // Base strides (row-major), computed here rather than taken from jitfuse.
        shape_vec bstride(R);
        i64 s = 1;
        for (int d = R - 1; d >= 0; --d) {
            bstride[d] = s;
            s *= base_shape[d];
        }
        const i64 n = count(shape);
        c.map.resize(static_cast<std::size_t>(n));
        c.expect = hbuf<T>(static_cast<std::size_t>(n));
        for (i64 f = 0; f < n; ++f) {
            const auto idx = unravel(f, shape);
            i64 off = 0;
            for (int k = 0; k < R; ++k) off += sel[k][bcast[k] ? 0 : idx[k]] * bstride[perm[k]];
            c.map[f] = off;
            c.expect[f] = c.base_host[off];
        }
        return c;
    }
}

template <class T, int R>
view_case<T, R> make_view(std::mt19937_64& rng, const shape_vec& shape, layout lay) {
    return make_view<T, R>(rng, shape, lay, [](std::mt19937_64& g) { return small_value<T>(g); });
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

template <class T>
bool same_value(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
        return std::memcmp(&a, &b, sizeof(T)) == 0 || (a == 0 && b == 0 && std::signbit(a) == std::signbit(b));
    } else return a == b;
}

/// Checks `got` (anything indexable) against `want` element by element, exactly (NaN equals
/// NaN); reports the first mismatch only, as one assertion.
template <class T, class Got, class Want>
void check_exact(const Got& got, const Want& want, std::size_t n, const std::string& what = "") {
    std::size_t bad = n, nbad = 0;
    for (std::size_t i = 0; i < n; ++i)
        if (!same_value<T>(static_cast<T>(got[i]), static_cast<T>(want[i]))) {
            if (bad == n) bad = i;
            ++nbad;
        }
    INFO(what);
    INFO("elements: " << n << ", mismatches: " << nbad);
    if (bad != n) {
        INFO("first mismatch at " << bad << ": got " << show<T>(static_cast<T>(got[bad])) << ", want "
                                  << show<T>(static_cast<T>(want[bad])));
        CHECK(nbad == 0);
    } else {
        CHECK(nbad == 0);
    }
}

template <class T, int R, class Want>
void check_array(const jf::array<T, R>& a, const shape_vec& shape, const Want& want, const std::string& what = "") {
    INFO(what);
    REQUIRE(to_vec(a.shape()) == shape);
    const auto host = a.to_host();
    REQUIRE(static_cast<i64>(host.size()) == count(shape));
    check_exact<T>(host, want, host.size(), what);
}

// ---------------------------------------------------------------------------------------------
// Type lists and rank dispatch
// ---------------------------------------------------------------------------------------------

template <class... T>
struct types {};

template <class... T, class F>
void for_each_type(types<T...>, F&& f) {
    (f(std::type_identity<T>{}), ...);
}

template <int... R, class F>
void for_each_rank(std::integer_sequence<int, R...>, F&& f) {
    (f(std::integral_constant<int, R>{}), ...);
}

/// Sets `jf::config().num_threads` for a scope.
struct thread_count_guard {
    int saved = jf::config().num_threads;
    explicit thread_count_guard(int n) { jf::config().num_threads = n; }
    ~thread_count_guard() { jf::config().num_threads = saved; }
    thread_count_guard(const thread_count_guard&) = delete;
    thread_count_guard& operator=(const thread_count_guard&) = delete;
};

}  // namespace jft
