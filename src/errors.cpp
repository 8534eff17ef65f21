// SPDX-License-Identifier: Apache-2.0
// Messages for shape, device and operand errors, built out of line to keep headers lean.
#include <string>

#include "jitfuse/detail/evaluate.hpp"
#include "jitfuse/detail/shape.hpp"

namespace jitfuse::detail {

std::string format_shape(std::span<const std::int64_t> shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + (shape.size() == 1 ? ",)" : ")");
}

void throw_broadcast_error(std::span<const std::int64_t> a, std::span<const std::int64_t> b,
                           const char* what) {
    throw shape_error(std::string(what) + ": shapes " + format_shape(a) + " and " +
                      format_shape(b) + " cannot be broadcast together");
}

std::int64_t normalize_axis(std::int64_t axis, std::span<const std::int64_t> shape) {
    const auto rank = static_cast<std::int64_t>(shape.size());
    if (axis < -rank || axis >= rank)
        throw shape_error("axis " + std::to_string(axis) + " is out of range for shape " +
                          format_shape(shape) + " (rank " + std::to_string(rank) + ")");
    return axis < 0 ? axis + rank : axis;
}

std::int64_t new_axis_position(std::int64_t axis, std::span<const std::int64_t> shape) {
    const auto rank = static_cast<std::int64_t>(shape.size()) + 1;  // the result's
    if (axis < -rank || axis >= rank)
        throw shape_error("expand_dims: axis " + std::to_string(axis) + " is out of range for an operand of shape " +
                          format_shape(shape) + ": the new axis goes at " + std::to_string(-rank) + ".." +
                          std::to_string(rank - 1));
    return axis < 0 ? axis + rank : axis;
}

void throw_shape_mismatch(std::span<const std::int64_t> target, std::span<const std::int64_t> value) {
    throw shape_error("cannot assign a value of shape " + format_shape(value) +
                      " to an array of shape " + format_shape(target));
}

void throw_tied_shapes(std::span<const std::int64_t> first, std::span<const std::int64_t> other, std::size_t index) {
    throw shape_error("tie(...) = tuple(...): expression " + std::to_string(index + 1) + " has shape " +
                      format_shape(other) + " but expression 1 has shape " + format_shape(first) +
                      "; the expressions of one tuple must have one shape");
}

void throw_broadcast_target(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides) {
    throw shape_error("cannot assign into a broadcast view (shape " + format_shape(shape) +
                      ", strides " + format_shape(strides) +
                      "): its elements overlap; write into a copy of it instead (`v.clone()`)");
}

void throw_mixed_devices(const device& a, const device& b) {
    throw device_error("an expression mixes arrays on " + a.to_string() + " and " + b.to_string() +
                       "; move one with .to(device) first");
}

void throw_empty_reduction(std::string_view reduction, std::span<const std::int64_t> shape) {
    throw shape_error(std::string(reduction) + " of an empty array (shape " + format_shape(shape) +
                      ") is undefined: it has no identity");
}

void throw_empty_operand() {
    throw error("an operand array is empty (default-constructed or moved-from): assign it a "
                "value or allocate it before reading it");
}

}  // namespace jitfuse::detail
