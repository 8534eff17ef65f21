// SPDX-License-Identifier: Apache-2.0
// Prints CUDA source from a kernel description. Naming: parameters p<leaf> (inputs) and
// out<k> (outputs), one statement t<node> per node, so the text reads like the expression.
#include "jitfuse/detail/codegen.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>

#include "jitfuse/error.hpp"
#include "source_writer.hpp"

namespace jitfuse::detail {

extern const char prelude_text[];

std::string_view device_prelude() { return prelude_text; }

namespace {

std::string cuda_type(dtype t) {
    switch (t) {
        case dtype::bool_: return "bool";
        case dtype::float32: return "float";
        case dtype::float64: return "double";
        default: return "jf::" + std::string(name(t)) + "_t";
    }
}

std::size_t size_of(dtype t) {
    switch (t) {
        case dtype::bool_: case dtype::int8: case dtype::uint8: return 1;
        case dtype::int16: case dtype::uint16: return 2;
        case dtype::int32: case dtype::uint32: case dtype::float32: return 4;
        default: return 8;
    }
}

std::string reducer_type(const kernel_ir& ir) {
    return "jf::" + std::string(ir.reducer) + "_reducer<" + cuda_type(ir.reduce_input) + ">";
}

/// How an array leaf is read: `load(leaf, coord)`, where `coord` names the coordinates it is
/// read at (strided layouts; shifted reads have coordinates of their own).
using leaf_loader = std::function<std::string(int leaf, const std::string& coord)>;

/// Prints the statements of every node. A node under a shift is read at the shift's
/// coordinates, declared just before the first node that needs them.
class body_printer {
  public:
    body_printer(const kernel_ir& ir, source_writer& w) : ir_(ir), w_(w), scope_(ir.nodes.size(), -1) {
        // Post-order puts a shift's operand in the nodes just before it; outer shifts come
        // later, so marking from the back lets inner shifts claim their own operands.
        for (int s = static_cast<int>(ir.nodes.size()) - 1; s >= 0; --s)
            if (ir.nodes[s].what == ir_node::kind::shift)
                for (int i = first_of(ir.nodes[s].args[0]); i < s; ++i) scope_[i] = s;
    }

    /// `flat_index` spells the element index of flat layouts; empty: strided, where a random
    /// leaf's index is its offset at the coordinates (its strides are row-major or 0).
    void print(const leaf_loader& load, const std::string& flat_index = {}) {
        declared_.assign(ir_.nodes.size(), false);
        for (std::size_t i = 0; i < ir_.nodes.size(); ++i) {
            const ir_node& n = ir_.nodes[i];
            std::string value;
            switch (n.what) {
                case ir_node::kind::array: value = load(n.leaf, coord_of(scope_[i])); break;
                case ir_node::kind::shift:
                    coord_of(static_cast<int>(i));
                    value = n.op == "constant" ? "in" + std::to_string(i) + " ? t" + std::to_string(n.args[0]) +
                                                     " : p" + std::to_string(n.leaf) + ".fill"
                                               : "t" + std::to_string(n.args[0]);
                    break;
                case ir_node::kind::scalar: value = "p" + std::to_string(n.leaf); break;
                case ir_node::kind::generated: {
                    const std::string p = "p" + std::to_string(n.leaf);
                    const std::string index = flat_index.empty()
                        ? "jf::offset(" + coord_of(scope_[i]) + ", s" + std::to_string(n.leaf) + ")" : flat_index;
                    value = "jf::" + std::string(n.op) + "<" + cuda_type(n.result) + ">(" + p + ", " + index + ")";
                    break;
                }
                case ir_node::kind::unary:
                    value = n.op == "cast" ? "jf::convert<" + cuda_type(n.result) + ">(" + arg(n.args[0], n.compute) + ")"
                                           : "jf::" + std::string(n.op) + "(" + arg(n.args[0], n.compute) + ")";
                    break;
                case ir_node::kind::binary:
                    value = "jf::" + std::string(n.op) + "(" + arg(n.args[0], n.compute) + ", " +
                            arg(n.args[1], n.compute) + ")";
                    break;
                case ir_node::kind::ternary:
                    value = "jf::" + std::string(n.op) + "(" +
                            arg(n.args[0], n.op == "where" ? dtype::bool_ : n.compute) + ", " +
                            arg(n.args[1], n.compute) + ", " + arg(n.args[2], n.compute) + ")";
                    break;
                case ir_node::kind::call:
                    value = "jfu_" + std::string(n.op) + "(";
                    for (std::size_t k = 0; k < n.call_args.size(); ++k)
                        value += (k ? ", " : "") + arg(n.call_args[k], n.function->param_types[k]);
                    value += ")";
                    break;
            }
            w_.line("const " + cuda_type(n.result) + " t" + std::to_string(i) + " = " + value + ";");
        }
    }

    /// Node `node`'s value in type `t`.
    std::string arg(int node, dtype t) const {
        const std::string v = "t" + std::to_string(node);
        return ir_.nodes[node].result == t ? v : "jf::convert<" + cuda_type(t) + ">(" + v + ")";
    }

  private:
    /// The first node of the subtree rooted at `node` (children precede parents).
    int first_of(int node) const {
        while (ir_.nodes[node].args[0] >= 0) node = ir_.nodes[node].args[0];
        return node;
    }

    /// The coordinates nodes under shift `s` (-1: none) are read at; declares them once.
    std::string coord_of(int s) {
        if (s < 0) return "coord";
        const std::string c = "c" + std::to_string(s);
        if (declared_[s]) return c;
        declared_[s] = true;
        const std::string outer = coord_of(scope_[s]);
        const ir_node& n = ir_.nodes[s];
        const std::string call = "jf::shift_coord<jf::boundary::" + std::string(n.op) + ", " +
                                 std::to_string(ir_.rank) + ">(" + outer + ", " + c + ", p" + std::to_string(n.leaf) + ")";
        w_.line("jf::int64_t " + c + "[" + std::to_string(ir_.rank) + "];");
        w_.line(n.op == "constant" ? "const bool in" + std::to_string(s) + " = " + call + ";" : call + ";");
        return c;
    }

    const kernel_ir& ir_;
    source_writer& w_;
    std::vector<int> scope_;     ///< the innermost shift whose operand holds each node, or -1
    std::vector<bool> declared_;
};

std::uint32_t dims_bytes(int rank) { return 8 * static_cast<std::uint32_t>(std::max(rank, 1)); }

/// Parameter builders: each prints a declaration and states the bytes the host packs for it.
kernel_param pointer_param(const std::string& pointee, const std::string& name) {
    return {pointee + "* __restrict__ " + name, 8, 8};
}
kernel_param dims_param(int rank, const std::string& name) {
    return {"jf::dims<" + std::to_string(rank) + "> " + name, dims_bytes(rank), 8};
}
/// `jf::extents<R>`: a `jf::divisor` (value, reciprocal, shift: 24 bytes) per axis.
kernel_param extents_param(int rank, const std::string& name) {
    return {"jf::extents<" + std::to_string(rank) + "> " + name, 3 * dims_bytes(rank), 8};
}
kernel_param value_param(dtype t, const std::string& name) {
    const auto bytes = static_cast<std::uint32_t>(size_of(t));
    return {cuda_type(t) + " " + name, bytes, bytes};
}
kernel_param int_param(const std::string& name) { return {"int " + name, 4, 4}; }
kernel_param int64_param(const std::string& name) { return {"jf::int64_t " + name, 8, 8}; }
/// `jf::shift_args<R, T>`: R offsets, R extents (int64), then the fill, padded to 8 bytes.
kernel_param shift_param(int rank, dtype t, const std::string& name) {
    const std::uint32_t bytes = (16 * static_cast<std::uint32_t>(rank) + static_cast<std::uint32_t>(size_of(t)) + 7) / 8 * 8;
    return {"const jf::shift_args<" + std::to_string(rank) + ", " + cuda_type(t) + "> " + name, bytes, 8};
}

/// The kernel parameters: outputs, then leaves in node order (arrays as pointers, scalars by
/// value), each array followed by its strides when the layout is strided; then the shape
/// (strided) and the element count. `pack_pass_arguments` (kernel_args.hpp) packs the same.
std::vector<kernel_param> parameters(const kernel_ir& ir, bool strided, bool outputs) {
    std::vector<kernel_param> p;
    const auto strides = [&](const std::string& name) {
        if (strided) p.push_back(dims_param(ir.rank, name));
    };
    if (outputs)
        for (std::size_t k = 0; k < ir.output_types.size(); ++k) {
            p.push_back(pointer_param(cuda_type(ir.output_types[k]), "out" + std::to_string(k)));
            strides("so" + std::to_string(k));
        }
    std::vector<bool> declared(static_cast<std::size_t>(ir.leaves));  // merged array leaves share one
    for (const ir_node& n : ir.nodes) {
        if (n.leaf >= 0 && declared[static_cast<std::size_t>(n.leaf)]) continue;
        if (n.leaf >= 0) declared[static_cast<std::size_t>(n.leaf)] = true;
        const std::string name = "p" + std::to_string(n.leaf);
        switch (n.what) {
            case ir_node::kind::scalar: p.push_back(value_param(n.result, name)); break;
            case ir_node::kind::shift: p.push_back(shift_param(n.rank, n.result, name)); break;
            case ir_node::kind::generated:  // the seed, and strides of its flat index
                p.push_back(value_param(dtype::uint64, name));
                strides("s" + std::to_string(n.leaf));
                break;
            case ir_node::kind::array:
                p.push_back(pointer_param("const " + cuda_type(n.result), name));
                strides("s" + std::to_string(n.leaf));
                break;
            default: break;
        }
    }
    if (strided) p.push_back(extents_param(ir.rank, "shape"));
    p.push_back(int64_param("n"));
    return p;
}

/// Opens `__global__` function `name` and records its parameters in `out`.
void open_kernel(source_writer& w, generated_source& out, const std::string& name, std::vector<kernel_param> params) {
    std::string list;
    for (const kernel_param& p : params) list += (list.empty() ? "" : ", ") + p.declaration;
    w.open("extern \"C\" __global__ void " + name + "(" + list + ")");
    out.kernels.push_back({name, std::move(params)});
}

/// The lines an axis kernel walks (push_lines in kernel_args.hpp packs them): their shape
/// `outer` (extent 1 on the axis), the axis and its length.
std::vector<kernel_param> line_params(int rank) {
    return {extents_param(rank, "outer"), int_param("axis"), int64_param("length")};
}

/// `params` followed by `more`.
std::vector<kernel_param> operator+(std::vector<kernel_param> params, const std::vector<kernel_param>& more) {
    params.insert(params.end(), more.begin(), more.end());
    return params;
}

constexpr const char* global_id = "jf::int64_t(blockIdx.x) * blockDim.x + threadIdx.x";
constexpr const char* grid_stride = "jf::int64_t(gridDim.x) * blockDim.x";

/// Opens a grid-stride loop of `var` from the thread's global index while `var < bound`.
/// `one_turn`: a loop over work items, of which a launch has a thread each (up to max_blocks),
/// so a thread mostly takes one turn; NVVM would unroll it 4 times all the same, and the
/// copies cost compile time for nothing (SAXPY: 100 -> 53 ms, MEASUREMENTS.md setup). Loops
/// in which threads fold many elements keep the unrolling, which overlaps their loads.
void open_grid_stride(source_writer& w, const std::string& var, const std::string& bound, bool one_turn) {
    if (one_turn) w.line("#pragma unroll 1");
    w.open("for (jf::int64_t " + var + " = " + global_id + "; " + var + " < " + bound + "; " + var + " += " + grid_stride + ")");
}

std::string strided_load(int leaf, const std::string& coord) {
    return "p" + std::to_string(leaf) + "[jf::offset(" + coord + ", s" + std::to_string(leaf) + ")]";
}

/// Where the element loops are when the body of one element has been printed.
enum class element_at { vector_lane, flat, strided };

/// The element index at `at`.
std::string element_index(element_at at) { return at == element_at::vector_lane ? "c * E + e" : "i"; }

/// Elements per vector step of a flat_vector pass: the widest array it loads (and, for a map,
/// the widest output it stores) moves 16 bytes at once. Random leaves count as the arrays
/// they stand for, so a reduction of one visits elements in its materialized array's order.
int vector_width(const kernel_ir& ir, bool with_outputs) {
    std::size_t widest = 1;
    for (const ir_node& n : ir.nodes)
        if (n.what == ir_node::kind::array || n.what == ir_node::kind::generated) widest = std::max(widest, size_of(n.result));
    if (with_outputs)
        for (dtype t : ir.output_types) widest = std::max(widest, size_of(t));
    return static_cast<int>(16 / widest);
}

/// The grid-stride loops over the `n` elements of a map or (`fold`) a whole reduction.
/// flat_vector: vector loads of `width` elements per step (`lanes(true)` before the lane loop,
/// `lanes(false)` after it), then a scalar tail of fewer than `width` (at most 16) elements, a
/// thread each (a block has more); flat: one index addresses every operand; strided: through
/// coordinates. `element(at)` prints what is done with each element once its body is computed.
void print_element_loops(layout how, int width, bool fold, body_printer& body, const kernel_ir& ir, source_writer& w,
                         const std::function<void(element_at)>& element, const std::function<void(bool)>& lanes) {
    if (how == layout::flat_vector) {
        w.line("constexpr int E = " + std::to_string(width) + ";");
        open_grid_stride(w, "c", "n / E", !fold);
        std::vector<bool> loaded(static_cast<std::size_t>(ir.leaves));  // merged array leaves share one
        for (const ir_node& n : ir.nodes)
            if (n.what == ir_node::kind::array && !loaded[static_cast<std::size_t>(n.leaf)]) {
                loaded[static_cast<std::size_t>(n.leaf)] = true;
                w.line("const auto v" + std::to_string(n.leaf) + " = jf::load<E>(p" + std::to_string(n.leaf) + " + c * E);");
            }
        lanes(true);
        w.line("#pragma unroll");
        w.open("for (int e = 0; e < E; ++e)");
        body.print([](int leaf, const std::string&) { return "v" + std::to_string(leaf) + ".v[e]"; },
                   element_index(element_at::vector_lane));
        element(element_at::vector_lane);
        w.close();
        lanes(false);
        w.close();
        w.open(std::string("if (const jf::int64_t i = n / E * E + ") + global_id + "; i < n)");
    } else {
        open_grid_stride(w, "i", "n", !fold);
    }
    if (how == layout::strided) {
        w.line("jf::int64_t coord[" + std::to_string(ir.rank) + "];");
        w.line("jf::unravel(i, shape, coord);");
        body.print(strided_load);
        element(element_at::strided);
    } else {
        body.print([](int leaf, const std::string&) { return "p" + std::to_string(leaf) + "[i]"; }, "i");
        element(element_at::flat);
    }
    w.close();
}

void print_map(const kernel_ir& ir, layout how, source_writer& w, generated_source& out) {
    body_printer body(ir, w);
    open_kernel(w, out, "jf_map", parameters(ir, how == layout::strided, true));
    const std::size_t outputs = ir.outputs.size();
    const auto element = [&](element_at at) {
        for (std::size_t k = 0; k < outputs; ++k) {
            const std::string o = std::to_string(k);
            const std::string target = at == element_at::vector_lane ? "o" + o + ".v[e]"
                                       : at == element_at::flat      ? "out" + o + "[i]"
                                                                     : "out" + o + "[jf::offset(coord, so" + o + ")]";
            w.line(target + " = " + body.arg(ir.outputs[k], ir.output_types[k]) + ";");
        }
    };
    const auto lanes = [&](bool before) {
        for (std::size_t k = 0; k < outputs; ++k) {
            const std::string o = std::to_string(k);
            w.line(before ? "jf::vec<" + cuda_type(ir.output_types[k]) + ", E> o" + o + ";"
                          : "jf::store<E>(out" + o + " + c * E, o" + o + ");");
        }
    };
    if (how == layout::flat_vector) out.vector_width = vector_width(ir, true);
    print_element_loops(how, out.vector_width, false, body, ir, w, element, lanes);
    w.close();
}

/// Whole reductions: each block folds its grid-stride share into a partial state, then one
/// block merges the partial states in a fixed order.
void print_reduce_all(const kernel_ir& ir, layout how, source_writer& w, generated_source& out) {
    body_printer body(ir, w);
    const std::string root = body.arg(ir.outputs[0], ir.reduce_input);
    w.line("typedef " + reducer_type(ir) + " R;");
    std::vector<kernel_param> params = parameters(ir, how == layout::strided, false);
    params.insert(params.begin(), pointer_param("R::state", "partial"));
    open_kernel(w, out, "jf_reduce", std::move(params));
    w.line("R::state s = R::identity();");
    if (how == layout::flat_vector) out.vector_width = vector_width(ir, false);
    print_element_loops(how, out.vector_width, true, body, ir, w,
                        [&](element_at at) { w.line("R::step(s, " + root + ", " + element_index(at) + ");"); },
                        [](bool) {});
    w.line("s = jf::block_reduce<R>(s);");
    w.line("if (threadIdx.x == 0) partial[blockIdx.x] = s;");
    w.close();
    open_kernel(w, out, "jf_reduce_final", {pointer_param(cuda_type(ir.output_types[0]), "out0"),
                                            pointer_param("const R::state", "partial"), int_param("count"), int64_param("n")});
    w.line("R::state s = R::identity();");
    w.line("for (int b = threadIdx.x; b < count; b += blockDim.x) R::merge(s, partial[b]);");
    w.line("s = jf::block_reduce<R>(s);");
    w.line("if (threadIdx.x == 0) out0[0] = R::finish(s, n);");
    w.close();
}

/// Axis reductions (launch: plan_axis_reduction in launch_geometry.hpp). Output o unravels
/// over `outer`, the input shape with extent 1 on the reduced axis. Work item w = chunk * n +
/// o is folded by `group` adjacent threads, which then merge; the loop over work items is
/// uniform over the block, since group_reduce needs every thread. With one chunk the result
/// is written; with more, a partial state per work item that `jf_reduce_axis_final` merges.
void print_reduce_axis(const kernel_ir& ir, source_writer& w, generated_source& out) {
    body_printer body(ir, w);
    const std::string r = std::to_string(ir.rank);
    const std::string root = body.arg(ir.outputs[0], ir.reduce_input);
    w.line("typedef " + reducer_type(ir) + " R;");
    const std::vector<kernel_param> tail = line_params(ir.rank);
    const kernel_param partial = pointer_param("R::state", "partial");
    open_kernel(w, out, "jf_reduce_axis", parameters(ir, true, true) + tail +
                std::vector<kernel_param>{int_param("group"), int64_param("chunks"), partial});
    w.line("const int lane = threadIdx.x % group;");
    w.line("const jf::int64_t per_block = blockDim.x / group, items = n * chunks;");
    w.line("#pragma unroll 1");  // each group of threads mostly takes one turn (see open_grid_stride)
    w.open("for (jf::int64_t first = blockIdx.x * per_block; first < items; first += gridDim.x * per_block)");
    w.line("const jf::int64_t item = first + threadIdx.x / group;");
    w.line("jf::int64_t coord[" + r + "];");
    w.line("R::state s = R::identity();");
    w.open("if (item < items)");
    w.line("const jf::int64_t chunk = jf::unravel_chunk(item, outer, coord);");
    w.open("for (jf::int64_t k = chunk * group + lane; k < length; k += chunks * group)");
    w.line("coord[axis] = k;");
    body.print(strided_load);
    w.line("R::step(s, " + root + ", k);");
    w.close();
    w.close();
    w.line("s = jf::group_reduce<R>(s, group);");
    w.open("if (lane == 0 && item < items)");
    w.line("if (chunks == 1) out0[jf::offset(coord, so0)] = R::finish(s, length);");
    w.line("else partial[item] = s;");
    w.close();
    w.close();
    w.close();
    open_kernel(w, out, "jf_reduce_axis_final", std::vector<kernel_param>{
                pointer_param(cuda_type(ir.output_types[0]), "out0"), dims_param(ir.rank, "so0"), int64_param("n")} +
                tail + std::vector<kernel_param>{int64_param("chunks"), pointer_param("const R::state", "partial")});
    open_grid_stride(w, "o", "n", true);
    w.line("R::state s = R::identity();");
    w.line("for (jf::int64_t c = 0; c < chunks; ++c) R::merge(s, partial[c * n + o]);");
    w.line("jf::int64_t coord[" + r + "];");
    w.line("jf::unravel(o, outer, coord);");
    w.line("out0[jf::offset(coord, so0)] = R::finish(s, length);");
    w.close();
    w.close();
}

/// A rolling window along `axis`: one thread per output folds its `window` inputs directly
/// (window reads per output, fine for short windows).
void print_rolling(const kernel_ir& ir, source_writer& w, generated_source& out) {
    body_printer body(ir, w);
    const std::string v = cuda_type(ir.output_types[0]);
    const std::string x = body.arg(ir.outputs[0], ir.output_types[0]);
    w.line("typedef jf::" + std::string(ir.scan) + "_op<" + v + "> S;");
    open_kernel(w, out, "jf_scan", parameters(ir, true, true) + line_params(ir.rank) +
                std::vector<kernel_param>{int64_param("window")});
    open_grid_stride(w, "i", "n", true);
    w.line("jf::int64_t coord[" + std::to_string(ir.rank) + "];");
    w.line("jf::unravel(i, shape, coord);");
    w.line("const jf::int64_t k = coord[axis], dest = jf::offset(coord, so0);");
    w.line(v + " s = jf::quiet_nan<" + v + ">();");
    w.open("if (k + 1 >= window)");
    w.open("for (jf::int64_t j = k + 1 - window; j <= k; ++j)");
    w.line("coord[axis] = j;");
    body.print(strided_load);
    w.line("s = j == k + 1 - window ? " + x + " : S::combine(s, " + x + ");");
    w.close();
    w.line("s = S::finish(s, window);");
    w.close();
    w.line("out0[dest] = s;");
    w.close();
    w.close();
}

/// A cumulative op along `axis` (launch: plan_scan_chunks in launch_geometry.hpp). Line l
/// unravels over `outer` (the shape with extent 1 on the axis); each line is cut into
/// `chunks` runs of `span` (the host's ceil(length / chunks)), and work item i = chunk * n + l
/// is one thread walking its run in order. With several chunks, `jf_scan_totals` first folds each run into `totals` (the same
/// layout), the host scans those along the chunks, and `jf_scan` starts each run from the
/// previous chunk's scanned total (`carry`); with one, only `jf_scan` runs.
void print_cumulative(const kernel_ir& ir, source_writer& w, generated_source& out) {
    body_printer body(ir, w);
    const std::string v = cuda_type(ir.output_types[0]);
    const std::string x = body.arg(ir.outputs[0], ir.output_types[0]);
    w.line("typedef jf::" + std::string(ir.scan) + "_op<" + v + "> S;");
    const std::vector<kernel_param> lines =
        line_params(ir.rank) + std::vector<kernel_param>{int64_param("chunks"), int64_param("span")};
    // `start`: the state before the run; `first`: when an element starts the fold afresh.
    const auto walk = [&](const std::string& name, std::vector<kernel_param> params, const std::string& start,
                          const std::string& first, const std::string& each, const std::string& last) {
        open_kernel(w, out, name, std::move(params));
        open_grid_stride(w, "i", "n * chunks", true);
        w.line("jf::int64_t coord[" + std::to_string(ir.rank) + "];");
        w.line("const jf::int64_t begin = jf::unravel_chunk(i, outer, coord) * span;");
        w.line("const jf::int64_t end = begin + span < length ? begin + span : length;");
        w.line(v + " s = " + start + ";");
        w.open("for (jf::int64_t k = begin; k < end; ++k)");
        w.line("coord[axis] = k;");
        body.print(strided_load);
        w.line("s = " + first + " ? " + x + " : S::combine(s, " + x + ");");
        if (!each.empty()) w.line(each);
        w.close();
        if (!last.empty()) w.line(last);
        w.close();
        w.close();
    };
    walk("jf_scan_totals", std::vector<kernel_param>{pointer_param(v, "totals")} + parameters(ir, true, false) + lines,
         v + "(0)", "k == begin", "", "totals[i] = s;");
    walk("jf_scan", parameters(ir, true, true) + lines + std::vector<kernel_param>{pointer_param("const " + v, "carry")},
         "begin == 0 ? " + v + "(0) : carry[i - n]", "k == 0", "out0[jf::offset(coord, so0)] = s;", "");
}

/// Starts the comment line naming each user function a source holds ("NAME, FILE:LINE").
constexpr std::string_view function_marker = "\n// JITFUSE_FUNCTION ";

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) out += c == '"' || c == '\\' ? std::string{'\\', c} : std::string{c};
    return out + "\"";
}

/// A user function's parameters in device types: each keeps its name, the last identifier
/// of its declaration, and gets its type from the host signature.
std::string device_parameters(const user_function& f) {
    std::string out;
    std::string_view rest = f.params.substr(1, f.params.size() - 2);
    for (std::size_t k = 0; k < f.param_types.size(); ++k) {
        const std::size_t comma = rest.find(',');
        const std::string_view decl = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        const std::size_t end = decl.find_last_not_of(' ') + 1;
        std::size_t begin = end;
        while (begin > 0 && (std::isalnum(static_cast<unsigned char>(decl[begin - 1])) || decl[begin - 1] == '_')) --begin;
        out += (k ? ", " : "") + cuda_type(f.param_types[k]) + " " + std::string(decl.substr(begin, end - begin));
    }
    return out;
}

/// Each user function the nodes call, once, as a device function. `#line` makes NVRTC report
/// errors in its body at the user's declaration, then restores the generated numbering. Two
/// different functions of one name (from two namespaces) would share the device name: refused.
void print_user_functions(const kernel_ir& ir, source_writer& w) {
    std::vector<const user_function*> printed;
    for (const ir_node& n : ir.nodes) {
        if (n.what != ir_node::kind::call || std::find(printed.begin(), printed.end(), n.function) != printed.end()) continue;
        for (const user_function* other : printed)
            if (other->name == n.function->name)
                throw error("two different JITFUSE_FUNCTIONs named " + std::string(n.op) + " (" + std::string(other->file) +
                            ":" + std::to_string(other->line) + " and " + std::string(n.function->file) + ":" +
                            std::to_string(n.function->line) + ") in one expression; rename one of them");
        printed.push_back(n.function);
        const user_function& f = *n.function;
        const std::string line = std::to_string(f.line);
        w.line(std::string(function_marker.substr(1)) + std::string(f.name) + ", " + std::string(f.file) + ":" + line);
        w.line("#line " + line + " " + quoted(f.file));
        w.line("__device__ inline " + cuda_type(f.result) + " jfu_" + std::string(f.name) + "(" +
               device_parameters(f) + ") { " + std::string(f.body) + " }");
        const auto next = std::count(w.str().begin(), w.str().end(), '\n') + 2;
        w.line("#line " + std::to_string(next) + " " + quoted(kernel_source_name));
    }
    if (!printed.empty()) w.line("");
}

}  // namespace

std::string blame_user_function(std::string_view source, std::string_view log) {
    for (std::size_t at = source.find(function_marker); at != std::string_view::npos;
         at = source.find(function_marker, at + 1)) {
        const std::size_t start = at + function_marker.size();
        const std::string_view entry = source.substr(start, source.find('\n', start) - start);
        const std::size_t comma = entry.find(", "), colon = entry.rfind(':');
        const std::string_view file = entry.substr(comma + 2, colon - comma - 2), line = entry.substr(colon + 1);
        if (log.find(std::string(file) + "(" + std::string(line) + ")") != std::string_view::npos)
            return "JITFUSE_FUNCTION " + std::string(entry.substr(0, comma)) + " (" + std::string(entry.substr(comma + 2)) +
                   ") does not compile for the device: ";
    }
    return {};
}

generated_source generate_cuda(const kernel_ir& ir, layout how) {
    source_writer w;
    generated_source out;
    w.line("// Generated by jitfuse.");
    w.line("#include \"" + std::string(prelude_name) + "\"");
    w.line("");
    print_user_functions(ir, w);
    if (ir.scan.starts_with("rolling_")) print_rolling(ir, w, out);
    else if (!ir.scan.empty()) print_cumulative(ir, w, out);
    else if (ir.reducer.empty()) print_map(ir, how, w, out);
    else if (ir.reduce_whole) print_reduce_all(ir, how, w, out);
    else print_reduce_axis(ir, w, out);
    out.source = w.str();
    out.id = fingerprint_of(out.source);
    return out;
}

}  // namespace jitfuse::detail
