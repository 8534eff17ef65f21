// SPDX-License-Identifier: Apache-2.0
// jitfuse-fuzz-generate SEED COUNT OUT.cpp: writes COUNT random expression cases (trees of
// depth <= 4 over 1-3 inputs of rank 1-3, float32/float64 or int32, weak scalars, an optional
// whole or per-axis reduction or a jf::expand_dims at the root, or a second tree computed with
// it by jf::tie) as C++ for jitfuse plus their
// text form for the reference interpreter. One tree in four has one or two jf::shift nodes with
// a random boundary and offsets, over any subtree; one in four has one or two reductions inside
// it (whole, or along an axis kept as jf::expand_dims), and any node after the first may repeat
// one (the same subtree; half of the time along another axis), which a statement computes once;
// one in four has one or two scans (cumsum, cumprod; in float trees also rolling windows).
// Run at build time: ranks, dtypes and ops are C++ types, so the trees are fixed per build;
// shapes, broadcasting, strides, values and the root's axis are drawn at run time. A shift's
// offsets, a nested reduction's or scan's axis and a window are C++ values, drawn here once the
// inputs' ranks are:
// since the extents are not, offsets mix near neighbours, reads past the edge of small extents
// and far ones.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "tree.hpp"

namespace fuzz {
namespace {

class generator {
  public:
    explicit generator(std::uint64_t seed) : rng_(seed) {}

    struct generated {
        node tree;
        node tied;  ///< a second tree, computed with the first by jf::tie (reduction "tie"), else empty
        std::vector<kind> inputs;
        std::vector<int> ranks;
        std::string reduction;  ///< none | expand | tie | sum | max | min | mean, with "_axis" for one axis
    };

    generated next() {
        generated g;
        integer_ = pick(10) < 3;
        shifts_left_ = pick(4) == 0 ? 1 + pick(2) : 0;
        reductions_left_ = pick(4) == 0 ? 1 + pick(2) : 0;
        scans_left_ = pick(4) == 0 ? 1 + pick(2) : 0;
        reductions_.clear();
        const int rank = 1 + pick(3);
        const int count = 1 + pick(3);
        std::vector<kind> drawn;
        for (int i = 0; i < count; ++i) drawn.push_back(integer_ ? kind::i32 : pick(10) < 7 ? kind::f32 : kind::f64);
        inputs_ = &drawn;
        g.tree = expression(1 + pick(4));
        if (pick(6) == 0) g.tied = expression(1 + pick(4));  // may repeat the first tree's reductions
        // Keep the inputs the trees read, renumbered in order of use; the first has the full
        // rank, the others any rank up to it (broadcasting). The result has that rank, unless
        // the first input is only read by whole reductions.
        std::vector<int> renumber(drawn.size(), -1);
        renumber_inputs(g.tree, renumber, g.inputs, drawn);
        if (!g.tied.op.empty()) renumber_inputs(g.tied, renumber, g.inputs, drawn);
        for (std::size_t i = 0; i < g.inputs.size(); ++i) g.ranks.push_back(i == 0 ? rank : 1 + pick(rank));
        const int result_rank = draw_offsets_and_axes(g.tree, g.ranks);
        g.reduction = "none";
        // Trees of one rank are tied (their shapes may still differ: a shape_error); jf::tie
        // refuses others at compile time.
        const int tied_rank = g.tied.op.empty() ? -1 : draw_offsets_and_axes(g.tied, g.ranks);
        if (tied_rank == result_rank) {
            g.reduction = "tie";
        } else if (pick(4) == 0) {
            g.reduction = reducer();
            if (result_rank > 1 && pick(2)) g.reduction += "_axis";
        } else if (pick(4) == 0) {
            g.reduction = "expand";  // expand_dims(tree, axis): pushed down to every leaf
        }
        return g;
    }

  private:
    static void renumber_inputs(node& n, std::vector<int>& renumber, std::vector<kind>& used,
                                const std::vector<kind>& drawn) {
        for (auto& a : n.args) renumber_inputs(a, renumber, used, drawn);
        if (n.op != "a") return;
        auto& slot = renumber[static_cast<std::size_t>(n.input)];
        if (slot < 0) {
            slot = static_cast<int>(used.size());
            used.push_back(drawn[static_cast<std::size_t>(n.input)]);
        }
        n.input = slot;
    }

    /// Draws each shift's offsets, one per axis of its operand, and each nested reduction's or
    /// scan's axis (a shift or scan of rank 0 is dropped, a reduction of rank 0 reduces whole);
    /// returns the rank of `n`: the highest of the inputs below it, 0 for a whole reduction.
    int draw_offsets_and_axes(node& n, const std::vector<int>& ranks) {
        int rank = n.op == "a" ? ranks[static_cast<std::size_t>(n.input)] : 0;
        for (auto& a : n.args) rank = std::max(rank, draw_offsets_and_axes(a, ranks));
        if ((n.op == "shift" || n.op == "scan") && rank == 0) n = node(n.args[0]);  // jitfuse refuses them
        if (n.op == "shift")
            for (int d = 0; d < rank; ++d) n.offsets.push_back(offset());
        if (n.op == "reduce") n.whole = n.whole || rank == 0;
        if (n.op == "reduce" && n.whole) return 0;
        if (n.op == "reduce" || n.op == "scan") {
            n.axis = static_cast<std::int64_t>(n.axis_choice % static_cast<unsigned>(rank));
            if (n.axis_choice / static_cast<unsigned>(rank) % 3 == 0) n.axis -= rank;  // counted from the end
        }
        return rank;
    }

    const char* reducer() {
        static const char* const floats[] = {"sum", "max", "min", "mean"};
        static const char* const ints[] = {"sum", "max", "min"};
        return integer_ ? ints[pick(3)] : floats[pick(4)];
    }

    /// A reduction inside the tree: whole (a value of rank 0) or along an axis kept with extent 1.
    node nested_reduction(int depth) {
        --reductions_left_;
        node n;
        n.op = "reduce";
        n.reducer = reducer();
        n.whole = pick(3) == 0;
        n.axis_choice = rng_();
        n.args = {expression(depth - 1)};
        n.type = n.args[0].type;
        reductions_.push_back(n);
        return n;
    }

    /// An earlier reduction of this tree again, half of the time along another axis.
    node repeated_reduction() {
        node n = reductions_[static_cast<std::size_t>(pick(static_cast<int>(reductions_.size())))];
        if (pick(2)) n.axis_choice = rng_();
        return n;
    }

    /// A scan of a subtree along an axis drawn once the inputs' ranks are: cumulative, or, in
    /// float trees only (the rolling window of integers is float64, which the integer ops
    /// around it would refuse), a rolling window: mostly short, sometimes longer than the usual
    /// extents or than any.
    node scan(int depth) {
        static const char* const ops[] = {"cumsum", "cumprod", "rolling_sum", "rolling_mean", "rolling_min", "rolling_max"};
        static constexpr std::int64_t windows[] = {1, 2, 3, 4, 5, 7, 9, 16, 33, 1000};
        --scans_left_;
        node n;
        n.op = "scan";
        n.reducer = ops[pick(integer_ ? 2 : 6)];
        if (n.reducer.starts_with("rolling")) n.window = windows[pick(10)];
        n.axis_choice = rng_();
        n.args = {expression(depth - 1)};
        n.type = n.args[0].type;
        return n;
    }

    /// One axis of a shift: mostly a near neighbour, often past the edge of the usual extents
    /// (0..8), sometimes far past any (offsets reduced by the period or to the edge) or across
    /// a tile of the multi-threaded sizes.
    std::int64_t offset() {
        static constexpr std::int64_t far[] = {1000, -1000, 999, -1001, 40000, -65537, std::int64_t{1} << 40,
                                               -(std::int64_t{1} << 40)};
        const int r = pick(20);
        if (r < 13) return pick(7) - 3;
        if (r < 18) return pick(21) - 10;
        return far[pick(8)];
    }

    int pick(int n) { return static_cast<int>(rng_() % static_cast<unsigned>(n)); }

    node leaf() {
        node n;
        n.op = "a";
        n.input = pick(static_cast<int>(inputs_->size()));
        n.type = (*inputs_)[n.input];
        return n;
    }

    /// A literal of the tree's family; `specials` adds NaN and the infinities (a constant
    /// boundary's fill: C++ spells them apart, see cpp_literal).
    std::string literal(bool specials) {
        static const char* const floats[] = {"0.5", "2.5", "-1.25", "3.0", "0.001", "0.0", "-7.0", "nan", "inf", "-inf"};
        static const char* const ints[] = {"0", "1", "-1", "3", "7", "-5", "2147483647"};
        return integer_ ? ints[pick(7)] : floats[pick(specials ? 10 : 7)];
    }

    node scalar(kind other) {
        node n;
        n.op = "k";
        n.scalar = literal(false);
        n.type = other;  // weak: takes the type of the array it meets
        return n;
    }

    /// A shift of a subtree; its offsets are drawn once the inputs' ranks are (draw_offsets_and_axes).
    node shift(int depth) {
        static const char* const rules[] = {"clamp", "wrap", "reflect", "constant"};
        --shifts_left_;
        node n;
        n.op = "shift";
        n.boundary = rules[pick(4)];
        if (n.boundary == "constant") n.scalar = literal(true);
        n.args = {expression(depth - 1)};
        n.type = n.args[0].type;
        return n;
    }

    static kind join(kind a, kind b) { return a == kind::f64 || b == kind::f64 ? kind::f64 : a; }

    /// A binary node of `op`; one side may be a weak scalar, never both.
    node binary(const std::string& op, int depth) {
        node n;
        n.op = op;
        node a = expression(depth - 1);
        node b = pick(4) == 0 ? scalar(a.type) : expression(depth - 1);
        if (pick(2)) std::swap(a, b);
        n.type = a.op == "k" ? b.type : b.op == "k" ? a.type : join(a.type, b.type);
        n.args = {std::move(a), std::move(b)};
        return n;
    }

    node expression(int depth) {
        if (shifts_left_ > 0 && pick(2) == 0) return shift(depth);
        if (!reductions_.empty() && pick(3) == 0) return repeated_reduction();
        if (reductions_left_ > 0 && depth > 0 && pick(2) == 0) return nested_reduction(depth);
        if (scans_left_ > 0 && depth > 0 && pick(2) == 0) return scan(depth);
        if (depth <= 0 || pick(10) < 2) return leaf();
        static const char* const float_unary[] = {"neg", "abs", "sqrt", "exp", "log", "sin",
                                                  "cos", "tanh", "square", "castf", "castd"};
        static const char* const float_binary[] = {"add", "sub", "mul", "div", "min", "max"};
        static const char* const int_unary[] = {"neg", "abs", "square"};
        static const char* const int_binary[] = {"add", "sub", "mul", "div", "rem", "min", "max", "and", "or", "xor"};
        const int choice = pick(10);
        if (choice == 0) {  // where(x < y, p, q)
            node n;
            n.op = "where";
            node cmp = binary(pick(2) ? "lt" : "gt", depth);
            cmp.type = kind::boolean;
            node p = expression(depth - 1);
            node q = pick(4) == 0 ? scalar(p.type) : expression(depth - 1);
            n.type = q.op == "k" ? p.type : join(p.type, q.type);
            n.args = {std::move(cmp), std::move(p), std::move(q)};
            return n;
        }
        if (choice < 4) {
            node n;
            n.op = integer_ ? int_unary[pick(3)] : float_unary[pick(11)];
            n.args = {expression(depth - 1)};
            n.type = n.op == "castf" ? kind::f32 : n.op == "castd" ? kind::f64 : n.args[0].type;
            return n;
        }
        return binary(integer_ ? int_binary[pick(10)] : float_binary[pick(6)], depth);
    }

    std::mt19937_64 rng_;
    bool integer_ = false;
    int shifts_left_ = 0;
    int reductions_left_ = 0;
    int scans_left_ = 0;
    std::vector<node> reductions_;  ///< this tree's, for repeats
    const std::vector<kind>* inputs_ = nullptr;
};

std::string cpp_literal(const std::string& v) {
    if (v == "nan") return "std::numeric_limits<double>::quiet_NaN()";
    if (v == "inf") return "std::numeric_limits<double>::infinity()";
    if (v == "-inf") return "-std::numeric_limits<double>::infinity()";
    return v;
}

std::string cpp(const node& n) {
    const auto arg = [&](int i) { return cpp(n.args[static_cast<std::size_t>(i)]); };
    if (n.op == "a") return "a" + std::to_string(n.input);
    if (n.op == "k") return "(" + n.scalar + ")";
    if (n.op == "shift") {
        std::string offsets;
        for (const auto d : n.offsets) offsets += (offsets.empty() ? "" : ", ") + std::to_string(d);
        const std::string rule = n.boundary == "constant" ? "jf::boundary::constant(" + cpp_literal(n.scalar) + ")"
                                                          : "jf::boundary::" + n.boundary;
        return "jf::shift(" + arg(0) + ", {" + offsets + "}, " + rule + ")";
    }
    static const std::pair<const char*, const char*> infix[] = {
        {"add", "+"}, {"sub", "-"}, {"mul", "*"}, {"div", "/"}, {"rem", "%"},
        {"and", "&"}, {"or", "|"},  {"xor", "^"}, {"lt", "<"},  {"gt", ">"}};
    for (const auto& [name, symbol] : infix)
        if (n.op == name) return "(" + arg(0) + " " + symbol + " " + arg(1) + ")";
    if (n.op == "neg") return "(-" + arg(0) + ")";
    if (n.op == "min") return "jf::minimum(" + arg(0) + ", " + arg(1) + ")";
    if (n.op == "max") return "jf::maximum(" + arg(0) + ", " + arg(1) + ")";
    if (n.op == "reduce") {
        const std::string reduced = "jf::" + n.reducer + "(" + arg(0);
        if (n.whole) return reduced + ")";
        const std::string axis = std::to_string(n.axis);
        return "jf::expand_dims(" + reduced + ", " + axis + "), " + axis + ")";
    }
    if (n.op == "scan")
        return "jf::" + n.reducer + "(" + arg(0) + (n.window > 0 ? ", " + std::to_string(n.window) : "") + ", " +
               std::to_string(n.axis) + ")";
    if (n.op == "castf") return "jf::cast<float>(" + arg(0) + ")";
    if (n.op == "castd") return "jf::cast<double>(" + arg(0) + ")";
    if (n.op == "where") return "jf::where(" + arg(0) + ", " + arg(1) + ", " + arg(2) + ")";
    return "jf::" + n.op + "(" + arg(0) + ")";
}

const char* kind_name(kind k) {
    switch (k) {
        case kind::f32: return "kind::f32";
        case kind::f64: return "kind::f64";
        case kind::i32: return "kind::i32";
        default: return "kind::boolean";
    }
}

/// Writes `g` as an initializer of generated_case.
void write_case(std::ostream& out, const fuzz::generator::generated& g) {
    const bool tie = g.reduction == "tie";
    out << "        {\"" << fuzz::to_text(g.tree) << "\", \"" << (tie ? fuzz::to_text(g.tied) : "") << "\", {";
    for (std::size_t i = 0; i < g.inputs.size(); ++i) out << (i ? ", " : "") << fuzz::kind_name(g.inputs[i]);
    out << "}, {";
    for (std::size_t i = 0; i < g.ranks.size(); ++i) out << (i ? ", " : "") << g.ranks[i];
    out << "}, \"" << g.reduction << "\",\n         [](const inputs& in) {\n";
    for (std::size_t i = 0; i < g.inputs.size(); ++i)
        out << "             const auto& a" << i << " = in.get<" << fuzz::cpp_type(g.inputs[i]) << ", "
            << g.ranks[i] << ">(" << i << ");\n";
    const auto declare = [&](const char* name, const fuzz::node& tree) {
        out << "             const auto " << name << " = " << fuzz::cpp(tree) << ";\n"
            << "             static_assert(std::is_same_v<std::remove_cvref_t<decltype(" << name
            << ")>::value_type, " << fuzz::cpp_type(tree.type) << ">, \"promotion differs from the generator's rule\");\n";
    };
    declare("e", g.tree);
    if (tie) declare("t", g.tied);
    const std::string red = g.reduction.substr(0, g.reduction.find('_'));
    if (g.reduction == "none") out << "             return collect(e);\n";
    else if (tie) out << "             return collect_tied(e, t);\n";
    else if (g.reduction == "expand") out << "             return collect(jf::expand_dims(e, in.axis));\n";
    else if (g.reduction.ends_with("_axis")) out << "             return collect(jf::" << red << "(e, in.axis));\n";
    else out << "             return collect(jf::" << red << "(e));\n";
    out << "         }},\n";
}

}  // namespace
}  // namespace fuzz

int main(int argc, char** argv) {
    const int count = argc == 5 ? std::atoi(argv[2]) : 0;
    const int parts = argc == 5 ? std::atoi(argv[3]) : 0;
    if (argc != 5 || count < 0 || parts < 1) {
        std::fprintf(stderr, "usage: jitfuse-fuzz-generate SEED COUNT PARTS OUT.cpp\n"
                             "  writes OUT.cpp and OUT_1.cpp .. OUT_<PARTS>.cpp (the cases, in order; PARTS >= 1)\n");
        return 2;
    }
    const std::uint64_t seed = std::stoull(argv[1]);
    const std::string index = argv[4];
    const std::string stem = index.substr(0, index.rfind(".cpp"));
    const std::string banner = "// Generated by jitfuse-fuzz-generate " + std::to_string(seed) + " " +
                               std::to_string(count) + ": do not edit.\n#include \"harness.hpp\"\n\nnamespace fuzz {\n\n";
    // The cases in PARTS files compiled side by side: in one, the largest object of a
    // sanitizer build compiled alone at its end (4 minutes under ASan).
    fuzz::generator gen(seed);
    for (int p = 0; p < parts; ++p) {
        std::ostringstream out;
        out << banner << "std::vector<generated_case> generated_cases_" << p + 1 << "() {\n    return {\n";
        for (int c = count * p / parts; c < count * (p + 1) / parts; ++c) fuzz::write_case(out, gen.next());
        out << "    };\n}\n\n}  // namespace fuzz\n";
        std::ofstream(stem + "_" + std::to_string(p + 1) + ".cpp") << out.str();
    }
    std::ostringstream out;
    out << banner << "const std::uint64_t generator_seed = " << seed << "u;\n\n";
    for (int p = 0; p < parts; ++p) out << "std::vector<generated_case> generated_cases_" << p + 1 << "();\n";
    out << "\nconst std::vector<generated_case>& generated_cases() {\n"
        << "    static const std::vector<generated_case> cases = [] {\n"
        << "        std::vector<generated_case> all;\n"
        << "        for (auto part : {";
    for (int p = 0; p < parts; ++p) out << (p ? ", " : "") << "generated_cases_" << p + 1;
    out << "}) {\n"
        << "            for (auto& c : part()) all.push_back(std::move(c));\n"
        << "        }\n"
        << "        return all;\n"
        << "    }();\n"
        << "    return cases;\n}\n\n}  // namespace fuzz\n";
    std::ofstream(index) << out.str();
    return 0;
}
