// SPDX-License-Identifier: Apache-2.0
// Prints CUDA source from a kernel description. Naming: parameters p<leaf> (inputs) and
// out<k> (outputs), one statement t<node> per node, so the text reads like the expression.
#include "jitfuse/detail/codegen.hpp"

#include <functional>
#include <string>

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

/// Prints the statements of every node; `load(leaf)` spells how an array leaf is read.
class body_printer {
  public:
    body_printer(const kernel_ir& ir, source_writer& w) : ir_(ir), w_(w) {}

    void print(const std::function<std::string(int leaf)>& load) {
        for (std::size_t i = 0; i < ir_.nodes.size(); ++i) {
            const ir_node& n = ir_.nodes[i];
            std::string value;
            switch (n.what) {
                case ir_node::kind::array: value = load(n.leaf); break;
                case ir_node::kind::scalar: value = "p" + std::to_string(n.leaf); break;
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
    const kernel_ir& ir_;
    source_writer& w_;
};

/// The kernel parameters: outputs, then leaves (arrays as pointers, scalars by value), then
/// the strides of each when the layout is strided.
std::string parameters(const kernel_ir& ir, bool strided, bool outputs) {
    std::string p;
    const std::string dims = "jf::dims<" + std::to_string(ir.rank) + ">";
    if (outputs)
        for (std::size_t k = 0; k < ir.output_types.size(); ++k) {
            p += cuda_type(ir.output_types[k]) + "* __restrict__ out" + std::to_string(k) + ", ";
            if (strided) p += dims + " so" + std::to_string(k) + ", ";
        }
    for (const ir_node& n : ir.nodes) {
        if (n.what == ir_node::kind::scalar)
            p += cuda_type(n.result) + " p" + std::to_string(n.leaf) + ", ";
        if (n.what != ir_node::kind::array) continue;
        p += "const " + cuda_type(n.result) + "* __restrict__ p" + std::to_string(n.leaf) + ", ";
        if (strided) p += dims + " s" + std::to_string(n.leaf) + ", ";
    }
    if (strided) p += dims + " shape, ";
    return p + "jf::int64_t n";
}

constexpr const char* global_id = "jf::int64_t(blockIdx.x) * blockDim.x + threadIdx.x";
constexpr const char* grid_stride = "jf::int64_t(gridDim.x) * blockDim.x";

std::string strided_load(int leaf) {
    return "p" + std::to_string(leaf) + "[jf::offset(coord, s" + std::to_string(leaf) + ")]";
}

void print_map(const kernel_ir& ir, layout how, source_writer& w, std::vector<std::string>& names) {
    body_printer body(ir, w);
    const bool strided = how == layout::strided;
    names.push_back("jf_map");
    w.open("extern \"C\" __global__ void jf_map(" + parameters(ir, strided, true) + ")");
    const auto stores = [&](const std::function<std::string(std::size_t)>& at) {
        for (std::size_t k = 0; k < ir.outputs.size(); ++k)
            w.line(at(k) + " = " + body.arg(ir.outputs[k], ir.output_types[k]) + ";");
    };
    if (how == layout::flat_vector) {
        // E elements per thread and step, so that the widest operand moves 16 bytes at once.
        std::size_t widest = 1;
        for (const ir_node& n : ir.nodes)
            if (n.what == ir_node::kind::array) widest = std::max(widest, size_of(n.result));
        for (dtype t : ir.output_types) widest = std::max(widest, size_of(t));
        const std::string e = std::to_string(16 / widest);
        w.line("constexpr int E = " + e + ";");
        w.open(std::string("for (jf::int64_t c = ") + global_id + "; c < n / E; c += " + grid_stride + ")");
        for (const ir_node& n : ir.nodes)
            if (n.what == ir_node::kind::array)
                w.line("const auto v" + std::to_string(n.leaf) + " = jf::load<E>(p" + std::to_string(n.leaf) + " + c * E);");
        for (std::size_t k = 0; k < ir.outputs.size(); ++k)
            w.line("jf::vec<" + cuda_type(ir.output_types[k]) + ", E> o" + std::to_string(k) + ";");
        w.line("#pragma unroll");
        w.open("for (int e = 0; e < E; ++e)");
        body.print([](int leaf) { return "v" + std::to_string(leaf) + ".v[e]"; });
        stores([](std::size_t k) { return "o" + std::to_string(k) + ".v[e]"; });
        w.close();
        for (std::size_t k = 0; k < ir.outputs.size(); ++k)
            w.line("jf::store<E>(out" + std::to_string(k) + " + c * E, o" + std::to_string(k) + ");");
        w.close();
        w.open(std::string("for (jf::int64_t i = n / E * E + ") + global_id + "; i < n; i += " + grid_stride + ")");
    } else {
        w.open(std::string("for (jf::int64_t i = ") + global_id + "; i < n; i += " + grid_stride + ")");
    }
    if (strided) {
        w.line("jf::int64_t coord[" + std::to_string(ir.rank) + "];");
        w.line("jf::unravel(i, shape, coord);");
        body.print(strided_load);
        stores([](std::size_t k) {
            return "out" + std::to_string(k) + "[jf::offset(coord, so" + std::to_string(k) + ")]";
        });
    } else {
        body.print([](int leaf) { return "p" + std::to_string(leaf) + "[i]"; });
        stores([](std::size_t k) { return "out" + std::to_string(k) + "[i]"; });
    }
    w.close();
    w.close();
}

/// Whole reductions: per-block partial states, then one block merges them in a fixed order.
void print_reduce_all(const kernel_ir& ir, layout how, source_writer& w, std::vector<std::string>& names) {
    body_printer body(ir, w);
    const bool strided = how == layout::strided;
    const std::string red = reducer_type(ir);
    const std::string root = body.arg(ir.outputs[0], ir.reduce_input);
    names.push_back("jf_reduce");
    names.push_back("jf_reduce_final");
    w.line("typedef " + red + " R;");
    w.open("extern \"C\" __global__ void jf_reduce(R::state* __restrict__ partial, " + parameters(ir, strided, false) + ")");
    w.line("R::state s = R::identity();");
    w.open(std::string("for (jf::int64_t i = ") + global_id + "; i < n; i += " + grid_stride + ")");
    if (strided) {
        w.line("jf::int64_t coord[" + std::to_string(ir.rank) + "];");
        w.line("jf::unravel(i, shape, coord);");
        body.print(strided_load);
    } else {
        body.print([](int leaf) { return "p" + std::to_string(leaf) + "[i]"; });
    }
    w.line("R::step(s, " + root + ", i);");
    w.close();
    w.line("s = jf::block_reduce<R>(s);");
    w.line("if (threadIdx.x == 0) partial[blockIdx.x] = s;");
    w.close();
    w.open("extern \"C\" __global__ void jf_reduce_final(" + cuda_type(ir.output_types[0]) +
           "* __restrict__ out0, const R::state* __restrict__ partial, int count, jf::int64_t n)");
    w.line("R::state s = R::identity();");
    w.line("for (int b = threadIdx.x; b < count; b += blockDim.x) R::merge(s, partial[b]);");
    w.line("s = jf::block_reduce<R>(s);");
    w.line("if (threadIdx.x == 0) out0[0] = R::finish(s, n);");
    w.close();
}

/// Axis reductions. `outer` is the input shape with extent 1 on the reduced axis: output o
/// unravels over it. Inner axis: one block per output; other axes: one thread per output.
void print_reduce_axis(const kernel_ir& ir, source_writer& w, std::vector<std::string>& names) {
    body_printer body(ir, w);
    const std::string r = std::to_string(ir.rank);
    const std::string root = body.arg(ir.outputs[0], ir.reduce_input);
    w.line("typedef " + reducer_type(ir) + " R;");
    const std::string params = parameters(ir, true, true) + ", jf::dims<" + r + "> outer, int axis, jf::int64_t length";
    if (ir.reduce_inner_axis) {
        names.push_back("jf_reduce_rows");
        w.open("extern \"C\" __global__ void jf_reduce_rows(" + params + ")");
        w.open("for (jf::int64_t o = blockIdx.x; o < n; o += gridDim.x)");
        w.line("jf::int64_t coord[" + r + "];");
        w.line("jf::unravel(o, outer, coord);");
        w.line("const jf::int64_t dest = jf::offset(coord, so0);");
        w.line("R::state s = R::identity();");
        w.open("for (jf::int64_t k = threadIdx.x; k < length; k += blockDim.x)");
    } else {
        names.push_back("jf_reduce_columns");
        w.open("extern \"C\" __global__ void jf_reduce_columns(" + params + ")");
        w.open(std::string("for (jf::int64_t o = ") + global_id + "; o < n; o += " + grid_stride + ")");
        w.line("jf::int64_t coord[" + r + "];");
        w.line("jf::unravel(o, outer, coord);");
        w.line("const jf::int64_t dest = jf::offset(coord, so0);");
        w.line("R::state s = R::identity();");
        w.open("for (jf::int64_t k = 0; k < length; ++k)");
    }
    w.line("coord[axis] = k;");
    body.print(strided_load);
    w.line("R::step(s, " + root + ", k);");
    w.close();
    if (ir.reduce_inner_axis) {
        w.line("s = jf::block_reduce<R>(s);");
        w.line("if (threadIdx.x == 0) out0[dest] = R::finish(s, length);");
        w.line("__syncthreads();");
    } else {
        w.line("out0[dest] = R::finish(s, length);");
    }
    w.close();
    w.close();
}

}  // namespace

generated_source generate_cuda(const kernel_ir& ir, layout how) {
    source_writer w;
    generated_source out;
    w.line("// Generated by jitfuse.");
    w.line("#include \"" + std::string(prelude_name) + "\"");
    w.line("");
    if (ir.reducer.empty()) print_map(ir, how, w, out.kernel_names);
    else if (ir.reduce_whole) print_reduce_all(ir, how, w, out.kernel_names);
    else print_reduce_axis(ir, w, out.kernel_names);
    out.source = w.str();
    out.id = fingerprint_of(out.source);
    return out;
}

}  // namespace jitfuse::detail
