// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file `jitfuse::array`: a typed N-D handle to device or host memory, and its views.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/buffer.hpp"
#include "detail/expr.hpp"
#include "detail/shape.hpp"
#include "device.hpp"
#include "dtype.hpp"
#include "error.hpp"

namespace jitfuse {

/// `range(start, stop, step)` selects start, start+step, ... while before `stop`, like the C++
/// loop `for (i = start; step > 0 ? i < stop : i > stop; i += step)`; a negative step walks
/// backwards (`range(n - 1, -1, -1)` reverses). Indices never wrap around.
struct range {
    std::int64_t start;
    std::int64_t stop;
    std::int64_t step = 1;
};

namespace detail {

/// The type of `jitfuse::all`: the whole-axis index tag and the `all` reduction.
struct all_fn {
    template <class E> auto operator()(const E& e) const;
    template <class E> auto operator()(const E& e, std::int64_t axis) const;
};

template <class I>
concept index_arg = std::integral<I> || std::same_as<I, range> || std::same_as<I, all_fn>;

template <class I>
inline constexpr int keeps_axis = std::same_as<I, range> || std::same_as<I, all_fn>;

template <class T, int R, class E>
void assign(array<T, R>& target, const E& e);

template <class T, int R>
std::vector<T> gather_to_host(const array<T, R>& a);

template <class T, int R>
array<T, R> transfer(const array<T, R>& a, device dev);

[[noreturn]] void throw_empty_operand();

}  // namespace detail

/// Whole-axis index (`a(jf::all, 3)`) and the `all` reduction (`jf::all(x > 0).item()`).
inline constexpr detail::all_fn all{};

/// An N-D array of `T` on one device. Copy construction shares the buffer (a view, like a
/// NumPy array or a reference); assignment writes values into this array's buffer; moves and
/// `std::swap` exchange handles; `clone()` copies. A default-constructed array is empty and
/// takes the shape of whatever is first assigned to it.
template <element T, int Rank = 1>
class array {
    static_assert(Rank >= 0, "jitfuse: an array's rank cannot be negative");

  public:
    static constexpr bool is_expression = true;
    using value_type = T;
    static constexpr int rank = Rank;
    static constexpr bool weak = false;

    /// An empty handle: no buffer until something is assigned to it.
    array() = default;

    /// Allocates `n` elements (contents unspecified).
    explicit array(std::int64_t n, jitfuse::device dev = default_device())
        requires(Rank == 1)
        : array(shape_t<1>{n}, dev) {}

    /// Allocates an array of `shape` (contents unspecified).
    explicit array(const shape_t<Rank>& shape, jitfuse::device dev = default_device()) : shape_(shape) {
        buffer_ = std::make_shared<detail::buffer>(detail::allocation_bytes<Rank>(shape, sizeof(T)), dev);
        data_ = static_cast<T*>(buffer_->data());
        strides_ = detail::contiguous_strides<Rank>(shape);
    }

    /// Shares `other`'s buffer.
    array(const array& other) = default;
    array(array&& other) noexcept { swap(other); }

    /// Evaluates `e` into a new buffer (one fused pass; asynchronous on a GPU).
    template <detail::expression E>
        requires(!std::same_as<std::remove_cvref_t<E>, array>)
    array(const E& e) {  // NOLINT(google-explicit-constructor): `array<float> z = x + y;`
        static_assert(E::rank == Rank,
                      "jitfuse: the expression's rank differs from the array's rank");
        detail::assign(*this, e);
    }

    /// Writes `other`'s values into this array (shapes must match, or this array is empty).
    array& operator=(const array& other) {
        if (this != &other) detail::assign(*this, other);
        return *this;
    }
    /// Assignment from a temporary array (a view such as `a.transpose()`, or a factory's
    /// result) writes values like copy assignment, so `a = a.transpose()`,
    /// `a(jf::range(0, 4)) = jf::zeros<float>(4)` and a shape mismatch behave as for any
    /// other value. Only an empty array takes `other`'s handle (`other` is left empty),
    /// which is also how `std::swap` exchanges handles.
    array& operator=(array&& other) {
        if (empty()) swap(other);
        else if (this != &other) detail::assign(*this, other);
        return *this;
    }
    /// Evaluates `e` and writes it into this array (shapes must match, or this array is
    /// empty). Reading this array inside `e` is allowed: jitfuse evaluates through a
    /// temporary when the views overlap differently.
    template <detail::expression E>
        requires(!std::same_as<std::remove_cvref_t<E>, array>)
    array& operator=(const E& e) {
        static_assert(E::rank == Rank,
                      "jitfuse: the expression's rank differs from the array's rank");
        detail::assign(*this, e);
        return *this;
    }

    /// Writes `value` into every element: `a(jf::range(2, 5)) = 0.0f;`. An empty array has
    /// no shape to fill: an error.
    array& operator=(T value) {
        if (empty()) detail::throw_empty_operand();
        array<T, 0> one(shape_t<0>{}, where());
        detail::copy_from_host(one.data(), &value, sizeof(T), one.where());
        detail::assign(*this, one.template broadcast_to<Rank>(shape_));
        return *this;
    }

    void swap(array& other) noexcept {
        std::swap(buffer_, other.buffer_);
        std::swap(data_, other.data_);
        std::swap(shape_, other.shape_);
        std::swap(strides_, other.strides_);
    }
    friend void swap(array& a, array& b) noexcept { a.swap(b); }

    const shape_t<Rank>& shape() const noexcept { return shape_; }
    /// Element strides (may be 0 for broadcast axes, negative for reversed views).
    const shape_t<Rank>& strides() const noexcept { return strides_; }
    std::int64_t size() const noexcept {
        return buffer_ ? detail::element_count<Rank>(shape_) : 0;
    }
    /// True for a default-constructed or moved-from handle (no buffer).
    bool empty() const noexcept { return buffer_ == nullptr; }
    jitfuse::device where() const { return buffer_ ? buffer_->where() : default_device(); }
    /// The device holding the buffer (`where()`; named as in the DESIGN contract).
    jitfuse::device device() const { return where(); }
    /// Raw pointer to the first element, on the array's device.
    T* data() const noexcept { return data_; }
    bool is_contiguous() const noexcept {
        return strides_ == detail::contiguous_strides<Rank>(shape_) || size() <= 1;
    }
    /// The shared buffer (for views, aliasing checks and backends).
    const std::shared_ptr<detail::buffer>& buffer() const noexcept { return buffer_; }

    /// A contiguous deep copy.
    array clone() const {
        array out;
        detail::assign(out, *this);
        return out;
    }

    /// This array on `dev` (itself when already there).
    array to(jitfuse::device dev) const {
        if (empty()) detail::throw_empty_operand();
        if (dev == where()) return *this;
        return detail::transfer(*this, dev);
    }

    /// Copies the elements out in row-major order (waits for pending work).
    std::vector<T> to_host() const { return detail::gather_to_host(*this); }

    /// The element of a one-element array of any rank (waits for pending work).
    T item() const {
        if (size() != 1)
            throw shape_error("item(): the array " + detail::format_shape(shape_) + " has " + std::to_string(size()) +
                              " elements, not 1");
        return to_host().front();
    }

    /// Copies the elements into `out`, which must hold exactly `size()` elements.
    void copy_to_host(std::span<T> out) const {
        if (static_cast<std::int64_t>(out.size()) != size())
            throw shape_error("copy_to_host: destination holds " + std::to_string(out.size()) +
                              " elements, the array " + detail::format_shape(shape_) + " has " +
                              std::to_string(size()));
        auto host = to_host();
        std::copy(host.begin(), host.end(), out.begin());
    }

    /// A view with another shape (one extent may be -1: inferred). Contiguous arrays give a
    /// view sharing the buffer; others are copied first, as NumPy does.
    template <int R2>
    array<T, R2> reshape(shape_t<R2> shape) const {
        if (empty()) detail::throw_empty_operand();
        const auto mismatch = [&] {
            return shape_error("reshape: cannot reshape an array of shape " +
                               detail::format_shape(shape_) + " (" + std::to_string(size()) +
                               " elements) into shape " + detail::format_shape(shape));
        };
        std::int64_t known = 1;
        int inferred = -1;
        for (int d = 0; d < R2; ++d) {
            if (shape[d] == -1 && inferred < 0) inferred = d;
            else if (shape[d] < 0) throw mismatch();
            else known *= shape[d];
        }
        if (inferred >= 0) {
            if (known == 0 || size() % known != 0) throw mismatch();
            shape[inferred] = size() / known;
        }
        if (detail::element_count<R2>(shape) != size()) throw mismatch();
        const array src = is_contiguous() ? *this : clone();
        return array<T, R2>(src.buffer_, src.data_, shape, detail::contiguous_strides<R2>(shape));
    }
    template <detail::shape_value S>
    auto reshape(const S& shape) const {
        return reshape<detail::shape_rank<S>>(shape);
    }

    /// The view with a new axis of extent 1 at `axis` (0..Rank; negative counts from the
    /// end of the result, as NumPy's expand_dims): `v.expand_dims(1)` makes a vector a
    /// column, which broadcasts along rows.
    array<T, Rank + 1> expand_dims(std::int64_t axis) const {
        if (empty()) detail::throw_empty_operand();
        const std::int64_t at = detail::new_axis_position(axis, shape_);
        shape_t<Rank + 1> strides{};
        for (int d = 0; d < Rank; ++d) strides[d < at ? d : d + 1] = strides_[d];
        // The new axis gets the stride a contiguous array would have there.
        strides[at] = at < Rank ? strides_[at] * std::max<std::int64_t>(shape_[at], 1) : 1;
        return array<T, Rank + 1>(buffer_, data_, detail::with_unit_axis<Rank>(shape_, at), strides);
    }

    /// The view with axes in reverse order.
    array transpose() const {
        std::array<int, Rank> perm{};
        for (int d = 0; d < Rank; ++d) perm[d] = Rank - 1 - d;
        return transpose(perm);
    }

    /// The view whose axis d is this array's axis `perm[d]`.
    array transpose(const std::array<int, Rank>& perm) const {
        std::array<bool, Rank> seen{};
        array out = *this;
        for (int d = 0; d < Rank; ++d) {
            if (perm[d] < 0 || perm[d] >= Rank || seen[perm[d]])
                throw shape_error("transpose: the axes given are not a permutation of 0.." +
                                  std::to_string(Rank - 1));
            seen[perm[d]] = true;
            out.shape_[d] = shape_[perm[d]];
            out.strides_[d] = strides_[perm[d]];
        }
        return out;
    }

    /// A read-only view stretched to `shape` by NumPy broadcasting (stride 0 on new axes).
    template <int R2>
    array<T, R2> broadcast_to(const shape_t<R2>& shape) const {
        static_assert(R2 >= Rank, "jitfuse: broadcast_to cannot lower the rank");
        detail::check_nonnegative<R2>(shape);
        shape_t<R2> strides{};
        for (int d = 0; d < R2; ++d) {
            const int s = d - (R2 - Rank);
            if (s < 0) continue;
            if (shape_[s] == shape[d]) strides[d] = strides_[s];
            else if (shape_[s] != 1)
                throw shape_error("broadcast_to: cannot broadcast shape " +
                                  detail::format_shape(shape_) + " to " +
                                  detail::format_shape(shape));
        }
        return array<T, R2>(buffer_, data_, shape, strides);
    }
    template <detail::shape_value S>
    auto broadcast_to(const S& shape) const {
        return broadcast_to<detail::shape_rank<S>>(shape);
    }

    /// Indexing with one argument per axis: an integer picks one index (the axis is
    /// dropped), `range(b, e, step)` a strided run, `all` the whole axis; gives a view.
    template <detail::index_arg... I>
    auto operator()(I... idx) const {
        static_assert(sizeof...(I) == Rank,
                      "jitfuse: index an array with exactly one argument per axis");
        constexpr int R2 = (0 + ... + detail::keeps_axis<I>);
        shape_t<R2> shape{}, strides{};
        T* data = data_;
        int d = 0, o = 0;
        auto apply = [&](auto i) {
            using Arg = decltype(i);
            const std::int64_t n = shape_[d];
            if constexpr (std::same_as<Arg, detail::all_fn>) {
                shape[o] = n;
                strides[o++] = strides_[d];
            } else if constexpr (std::same_as<Arg, range>) {
                const std::int64_t count = range_count(i, d);
                if (count > 0) data += i.start * strides_[d];
                shape[o] = count;
                // One element or none: the step is never taken (and may be huge).
                strides[o++] = count > 1 ? strides_[d] * i.step : strides_[d];
            } else {
                if (i < 0 || static_cast<std::int64_t>(i) >= n)
                    throw shape_error("index " + std::to_string(i) + " is out of range for axis " +
                                      std::to_string(d) + " of shape " +
                                      detail::format_shape(shape_));
                data += static_cast<std::int64_t>(i) * strides_[d];
            }
            ++d;
        };
        if (empty()) detail::throw_empty_operand();
        (apply(idx), ...);
        return array<T, R2>(buffer_, data, shape, strides);
    }

#define JITFUSE_COMPOUND_ASSIGN(OP)                                   \
    template <detail::operand E>                                      \
    array& operator OP##=(const E& e) {                               \
        return *this = (*this OP e);                                  \
    }
    JITFUSE_COMPOUND_ASSIGN(+)
    JITFUSE_COMPOUND_ASSIGN(-)
    JITFUSE_COMPOUND_ASSIGN(*)
    JITFUSE_COMPOUND_ASSIGN(/)
    JITFUSE_COMPOUND_ASSIGN(%)
    JITFUSE_COMPOUND_ASSIGN(&)
    JITFUSE_COMPOUND_ASSIGN(|)
    JITFUSE_COMPOUND_ASSIGN(^)
    JITFUSE_COMPOUND_ASSIGN(<<)
    JITFUSE_COMPOUND_ASSIGN(>>)
#undef JITFUSE_COMPOUND_ASSIGN

  private:
    template <element, int>
    friend class array;

    array(std::shared_ptr<detail::buffer> buffer, T* data, const shape_t<Rank>& shape,
          const shape_t<Rank>& strides)
        : buffer_(std::move(buffer)), data_(data), shape_(shape), strides_(strides) {}

    /// The elements `r` picks along axis d; one outside the axis is a shape_error.
    std::int64_t range_count(const range& r, int d) const {
        const std::int64_t n = shape_[d];
        if (r.step == 0) throw shape_error("range: step must not be 0");
        const bool up = r.step > 0;
        if (up ? r.stop <= r.start : r.stop >= r.start) return 0;
        // Unsigned: stop - start and -step need not fit in an int64.
        const auto start = static_cast<std::uint64_t>(r.start), stop = static_cast<std::uint64_t>(r.stop);
        const std::uint64_t span = up ? stop - start : start - stop;
        const std::uint64_t step = up ? static_cast<std::uint64_t>(r.step) : 0 - static_cast<std::uint64_t>(r.step);
        const std::uint64_t count = (span - 1) / step + 1;
        std::int64_t last = 0;  // distinct indices within [0, n): at most n of them
        if (r.start < 0 || r.start >= n || count > static_cast<std::uint64_t>(n) ||
            __builtin_mul_overflow(static_cast<std::int64_t>(count - 1), r.step, &last) ||
            __builtin_add_overflow(last, r.start, &last) || last < 0 || last >= n)
            throw shape_error("range(" + std::to_string(r.start) + ", " + std::to_string(r.stop) +
                              ", " + std::to_string(r.step) + ") is out of range for axis " +
                              std::to_string(d) + " of shape " + detail::format_shape(shape_));
        return static_cast<std::int64_t>(count);
    }

    std::shared_ptr<detail::buffer> buffer_;
    T* data_ = nullptr;
    shape_t<Rank> shape_{};
    shape_t<Rank> strides_{};
};

/// `slice(a, idx...)` is `a(idx...)`.
template <element T, int Rank, detail::index_arg... I>
auto slice(const array<T, Rank>& a, I... idx) {
    return a(idx...);
}

/// `transpose(a)` is `a.transpose()`, `transpose(a, perm)` is `a.transpose(perm)`.
template <element T, int Rank>
array<T, Rank> transpose(const array<T, Rank>& a) {
    return a.transpose();
}
template <element T, int Rank>
array<T, Rank> transpose(const array<T, Rank>& a, const std::type_identity_t<std::array<int, Rank>>& perm) {
    return a.transpose(perm);
}

/// `broadcast_to(a, shape)` is `a.broadcast_to(shape)`.
template <int R2, element T, int Rank>
array<T, R2> broadcast_to(const array<T, Rank>& a, const shape_t<R2>& shape) {
    return a.template broadcast_to<R2>(shape);
}
template <element T, int Rank, detail::shape_value S>
auto broadcast_to(const array<T, Rank>& a, const S& shape) {
    return a.broadcast_to(shape);
}

/// `reshape<R>(a, shape)` is `a.reshape<R>(shape)`.
template <int R2, element T, int Rank>
array<T, R2> reshape(const array<T, Rank>& a, const shape_t<R2>& shape) {
    return a.template reshape<R2>(shape);
}
template <element T, int Rank, detail::shape_value S>
auto reshape(const array<T, Rank>& a, const S& shape) {
    return a.reshape(shape);
}

}  // namespace jitfuse
