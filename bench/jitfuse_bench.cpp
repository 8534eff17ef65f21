// SPDX-License-Identifier: Apache-2.0
// jitfuse-bench: times every workload of bench/workloads.hpp with each of its variants
// (jitfuse fused, jitfuse one pass per op, the OpenMP loop) in one process, next to the copy
// bandwidth measured in the same run; optionally sweeps sizes, runs the Python peers and
// merges results produced elsewhere; prints tables, writes JSON and plots.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

// Only what this file calls: the expression templates live in the workload files.
#include <jitfuse/cpu/thread_pool.hpp>
#include <jitfuse/cpu/vector_math.hpp>
#include <jitfuse/detail/cuda_driver.hpp>
#include <jitfuse/detail/nvrtc.hpp>
#include <jitfuse/jitfuse.hpp>

#include "compile_latency.hpp"
#include "digest.hpp"
#include "median.hpp"
#include "workloads.hpp"

#ifdef JITFUSE_BENCH_CUDA
#include "cuda_baselines.hpp"
#endif

#ifndef JITFUSE_BENCH_NO_OPENMP
#include "baselines.hpp"
#endif

namespace jf = jitfuse;
namespace fs = std::filesystem;

namespace {

constexpr const char* usage = R"(jitfuse-bench [options]
  --quick          the short suite (2^22 elements, 5 repeats): what scripts/demo.sh runs
  --n N            elements per workload in the suite (default 2^24; --quick 2^22)
  --repeats R      timed repeats per case; the median is reported (default 7; --quick 5)
  --sweep          also sweep sizes 2^10 .. 2^26 (every 4x) for the sweep workloads
  --sizes LIST     the sweep's sizes: LO:HI[:STEP] as powers of two (10:28:2) or N,N,...
  --only W,W       only these workloads (copy always runs: it is the ceiling)
  --peers          also run bench/peers/cpu_peers.py (NumPy, Numba, numexpr, JAX) on the same cases
  --merge FILE     merge the cases of a JSON file written elsewhere (peers, another device)
  --json FILE      write everything as JSON
  --plot           with --json: draw GB/s vs size and the ratios (bench/plot.py, matplotlib)
The peers and plots run under $JITFUSE_BENCH_PYTHON (default python3).
)";

struct options {
    bool quick = false;
    std::int64_t n = 0;
    int repeats = 0;
    std::vector<std::int64_t> sweep_sizes;
    std::set<std::string> only;
    bool peers = false;
    std::vector<std::string> merge;
    std::string json_path;
    bool plot = false;
    std::string command_line;
};

std::vector<std::int64_t> parse_sizes(const std::string& s) {
    std::vector<std::int64_t> out;
    if (const auto colon = s.find(':'); colon != std::string::npos) {
        const auto second = s.find(':', colon + 1);
        const int lo = std::stoi(s.substr(0, colon));
        const int hi = std::stoi(s.substr(colon + 1, second == std::string::npos ? std::string::npos : second - colon - 1));
        const int step = second == std::string::npos ? 1 : std::stoi(s.substr(second + 1));
        if (lo < 0 || hi > 40 || lo > hi || step < 1) throw std::runtime_error("--sizes: want LO:HI[:STEP] with 0 <= LO <= HI <= 40");
        for (int e = lo; e <= hi; e += step) out.push_back(std::int64_t{1} << e);
    } else {
        std::stringstream in(s);
        for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoll(item));
    }
    if (out.empty() || *std::min_element(out.begin(), out.end()) < 1) throw std::runtime_error("--sizes: no valid size in " + s);
    return out;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 0; i < argc; ++i) {
        if (i) o.command_line += ' ';
        o.command_line += argv[i];
    }
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&] {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return std::string(argv[++i]);
        };
        if (a == "--quick") o.quick = true;
        else if (a == "--n") o.n = std::stoll(value());
        else if (a == "--repeats") o.repeats = std::max(1, std::stoi(value()));
        else if (a == "--sweep") o.sweep_sizes = parse_sizes("10:26:2");
        else if (a == "--sizes") o.sweep_sizes = parse_sizes(value());
        else if (a == "--only") {
            std::stringstream in(value());
            for (std::string w; std::getline(in, w, ',');) o.only.insert(w);
        } else if (a == "--peers") o.peers = true;
        else if (a == "--merge") o.merge.push_back(value());
        else if (a == "--json") o.json_path = value();
        else if (a == "--plot") o.plot = true;
        else if (a == "--help" || a == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else throw std::runtime_error("unknown option " + a + " (see --help)");
    }
    if (o.n == 0) o.n = std::int64_t{1} << (o.quick ? 22 : 24);
    if (o.repeats == 0) o.repeats = o.quick ? 5 : 7;
    if (o.plot && o.json_path.empty()) throw std::runtime_error("--plot needs --json FILE (the PNGs go next to it)");
    return o;
}

/// One timed case: a variant of a workload at one size, or a peer's run of the same.
struct measurement {
    std::string section;  ///< "suite", "sweep" or "dispatch"
    std::string workload, variant, kind, source;
    std::string device = "cpu";
    std::int64_t n = 0;
    std::vector<std::int64_t> shape;
    double bytes = 0;  ///< one pass; 0 for compute-bound workloads
    int calls = 1;     ///< calls per timed repeat (small sizes are batched)
    std::vector<double> ms;  ///< per call, one entry per repeat
    std::string check;       ///< agreement with the workload's first variant ("" for peers)
    double median() const { return bench::median(ms); }
    std::optional<double> gbps() const {
        if (bytes <= 0) return std::nullopt;
        return bytes / median() / 1e6;
    }
};

/// What the peers need to run the same case.
struct case_spec {
    std::string section, workload;
    std::int64_t n;
    std::vector<std::int64_t> shape;
    nlohmann::json params;
    double min_ms;
    double digest;     ///< of the first variant's output: the peers check theirs against it
    double tolerance;  ///< relative
};

using clock_type = std::chrono::steady_clock;

double elapsed_ms(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

/// The per-call milliseconds of one function over the rounds, and how many calls a batch made.
struct timing {
    std::vector<double> ms;
    int calls = 1;
};

/// How long the host rests before each timed batch: a runtime whose idle workers poll (OpenMP's
/// spin for milliseconds by default, jitfuse's pool for 200 us) would otherwise take cores
/// from the batch of the function timed after it.
constexpr auto settle = std::chrono::milliseconds(20);

/// Per-call milliseconds of each of `fns`, `repeats` rounds; each round times one batch of
/// every function in turn, so that the slow seconds of a shared host fall on all of them
/// alike instead of on whichever ran then. Before its batch a function rests (`settle`) and
/// makes one untimed call, which wakes its threads and brings its data back into the cache
/// that the function before it used. Calls are batched until a batch lasts `min_ms`, so
/// that microsecond calls are measured above the clock's resolution: the batch doubles until
/// the faster of two tries lasts that long (a call stalled by the scheduler does not set the
/// batch). `finish` ends each call and batch (waiting for a GPU: its launches are
/// asynchronous, so they overlap as in a program that queues pass after pass).
std::vector<timing> time_interleaved(const std::vector<std::function<void()>>& fns, int repeats, double min_ms,
                                     const std::function<void()>& finish = [] {}) {
    const auto untimed = [&](const std::function<void()>& fn) {
        fn();
        finish();
    };
    const auto batch = [&](const std::function<void()>& fn, int calls) {
        const auto t0 = clock_type::now();
        for (int c = 0; c < calls; ++c) fn();
        finish();
        return elapsed_ms(t0);
    };
    std::vector<timing> out(fns.size());
    for (std::size_t f = 0; f < fns.size(); ++f) {
        untimed(fns[f]);  // page faults, thread start-up, kernel planning and compiling
        int& calls = out[f].calls;
        while (calls < 1'000'000 && std::min(batch(fns[f], calls), batch(fns[f], calls)) < min_ms) calls *= 2;
    }
    for (int r = 0; r < repeats; ++r)
        for (std::size_t f = 0; f < fns.size(); ++f) {
            std::this_thread::sleep_for(settle);
            untimed(fns[f]);
            out[f].ms.push_back(batch(fns[f], out[f].calls) / out[f].calls);
        }
    return out;
}

std::string run_command(const std::string& cmd) {
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        std::array<char, 4096> buf{};
        while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
        pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
    while (!out.empty() && out.front() == ' ') out.erase(out.begin());
    return out;
}

/// The interpreter of the peers and the plots: JITFUSE_BENCH_PYTHON, else python3.
std::string python() {
    const char* p = std::getenv("JITFUSE_BENCH_PYTHON");
    return p && *p ? p : "python3";
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

const bench::workload* find_workload(const std::string& name) {
    for (const auto& w : bench::workloads())
        if (w.name == name) return &w;
    return nullptr;
}

class runner {
public:
    explicit runner(const options& o) : opt_(o) {}

    /// Times every variant of `w` at `elements` and checks that they computed the same.
    void run(const std::string& section, const bench::workload& w, std::int64_t elements, double min_ms) {
        const bool progress = ::isatty(STDERR_FILENO);  // a line rewritten in place: terminals only
        if (progress)
            std::fprintf(stderr, "bench: %-9s %-12s %10lld elements\r", section.c_str(), w.name.c_str(),
                         static_cast<long long>(elements));
        bench::prepared p = w.prepare(elements);
        std::int64_t n = 1;
        for (const auto extent : p.shape) n *= extent;
        std::vector<std::function<void()>> runs;
        for (const auto& v : p.variants) runs.push_back(v.run);
        std::vector<timing> times = time_interleaved(runs, opt_.repeats, min_ms);
        std::optional<double> reference;
        for (std::size_t i = 0; i < p.variants.size(); ++i) {
            const bench::variant& v = p.variants[i];
            v.run();  // the variants share their output: each is checked right after a call of its own
            const double digest = p.digest();
            if (!reference) reference = digest;
            results_.push_back({section, w.name, v.name, v.kind, "jitfuse-bench", "cpu", n, p.shape, w.bytes_per_element * double(n),
                                times[i].calls, std::move(times[i].ms), agreement(digest, *reference, w.tolerance)});
        }
        specs_.push_back({section, w.name, n, p.shape, p.params, min_ms, reference.value_or(0), w.tolerance});
#ifdef JITFUSE_BENCH_CUDA
        if (section == "suite" && p.host_inputs.size() == 2) run_cuda(w, p, n, reference.value_or(0));
#endif
        if (jf::detail::cuda::gpu_count() > 0) run_on_gpu(section, w, elements, min_ms, reference.value_or(0));
        if (progress) std::fprintf(stderr, "%60s\r", "");
    }

    /// jitfuse's variants of `w` with their data on cuda:0 ("@cuda" rows: made while the
    /// default device is cuda:0), each batch of calls timed until the GPU has finished it, and
    /// checked against the CPU's output. The OpenMP loops are left out: they read host memory.
    void run_on_gpu(const std::string& section, const bench::workload& w, std::int64_t elements, double min_ms,
                    double reference) {
        jf::settings& cfg = jf::config();
        const std::string saved = cfg.device;
        cfg.device = "cuda:0";
        try {
            gpu_ = jf::detail::cuda::gpu(0).name;
            const bench::prepared p = w.prepare(elements);
            std::int64_t n = 1;
            for (const auto extent : p.shape) n *= extent;
            std::vector<const bench::variant*> timed;
            std::vector<std::function<void()>> runs;
            for (const auto& v : p.variants)
                if (v.kind != "baseline") {
                    timed.push_back(&v);
                    runs.push_back(v.run);
                }
            std::vector<timing> times = time_interleaved(runs, opt_.repeats, min_ms, [] { jf::synchronize(); });
            for (std::size_t i = 0; i < timed.size(); ++i) {
                timed[i]->run();
                results_.push_back({section, w.name, timed[i]->name + " @cuda", timed[i]->kind, "jitfuse-bench", "cuda", n,
                                    p.shape, w.bytes_per_element * double(n), times[i].calls, std::move(times[i].ms),
                                    agreement(p.digest(), reference, w.tolerance)});
            }
        } catch (...) {
            cfg.device = saved;
            throw;
        }
        cfg.device = saved;
    }

    /// "ok" when `digest` agrees with the first variant's, else how far off it is.
    static std::string agreement(double digest, double reference, double tolerance) {
        const double diff = std::fabs(digest - reference) / std::max(std::fabs(reference), 1e-30);
        if (diff <= tolerance || digest == reference) return "ok";
        char check[64];
        std::snprintf(check, sizeof check, "MISMATCH %.1e", diff);
        return check;
    }

    /// The GPU jitfuse's own rows ran on, if they did.
    const std::string& gpu() const { return gpu_; }

#ifdef JITFUSE_BENCH_CUDA
    /// The hand-written CUDA, Thrust and CUB versions of `w` on the same inputs ("@cuda" rows).
    void run_cuda(const bench::workload& w, const bench::prepared& p, std::int64_t n, double reference) {
        if (const std::string why = bench::cuda::unavailable_reason(); !why.empty()) {
            if (std::find(notes_.begin(), notes_.end(), "CUDA baselines skipped: " + why) == notes_.end())
                notes_.push_back("CUDA baselines skipped: " + why);
            return;
        }
        cuda_device_ = bench::cuda::device_description();
        for (auto& t : bench::cuda::run(w.name, p.host_inputs[0], p.host_inputs[1], n, opt_.repeats)) {
            const double digest = bench::digest_of(t.output.data(), static_cast<std::int64_t>(t.output.size()));
            results_.push_back({"suite", w.name, t.variant + " @cuda", "baseline", "jitfuse-bench", "cuda", n, p.shape,
                                w.bytes_per_element * double(n), 1, std::move(t.ms), agreement(digest, reference, w.tolerance)});
        }
    }
#endif

    /// Adds the cases of a peers' or another run's JSON; `suffix` marks another device.
    void merge(const nlohmann::json& doc, const std::string& source) {
        const std::string device = doc.value("device", "cpu");
        const std::string suffix = device == "cpu" ? "" : " @" + device;
        for (const auto& c : doc.at("cases")) {
            measurement m;
            m.section = c.value("section", "suite");
            m.workload = c.at("workload");
            m.variant = c.at("variant").get<std::string>() + suffix;
            m.kind = c.value("kind", "peer");
            m.source = c.value("source", source);
            m.device = device;
            m.n = c.at("n");
            m.shape = c.value("shape", std::vector<std::int64_t>{m.n});
            const bench::workload* w = find_workload(m.workload);
            m.bytes = c.contains("bytes") ? c["bytes"].get<double>() : w ? w->bytes_per_element * double(m.n) : 0;
            m.calls = c.value("calls", 1);
            m.ms = c.at("repeats_ms").get<std::vector<double>>();
            m.check = c.value("check", "");
            if (m.ms.empty()) continue;
            results_.push_back(std::move(m));
        }
        for (const auto& note : doc.value("notes", nlohmann::json::array())) notes_.push_back(note.get<std::string>());
        if (doc.contains("versions")) versions_[source] = doc["versions"];
    }

    /// Runs the CPU peer script on every case run so far.
    void run_peers() {
        const std::string script = std::string(JITFUSE_SOURCE_DIR) + "/bench/peers/cpu_peers.py";
        const fs::path dir = fs::temp_directory_path();
        const fs::path spec = dir / ("jitfuse-bench-spec-" + std::to_string(::getpid()) + ".json");
        const fs::path out = dir / ("jitfuse-bench-peers-" + std::to_string(::getpid()) + ".json");
        std::ofstream(spec) << nlohmann::json{{"repeats", opt_.repeats}, {"threads", jf::cpu::num_threads()},
                                              {"specs", specs_json()}}.dump();
        const std::string cmd = python() + " '" + script + "' --spec '" +
                                spec.string() + "' --out '" + out.string() + "'";
        std::fprintf(stderr, "bench: running the peers: %s\n", cmd.c_str());
        std::fflush(stdout);  // the child writes to the same terminal or file
        const int rc = std::system(cmd.c_str());
        try {
            if (rc != 0) throw std::runtime_error("exit status " + std::to_string(rc));
            std::ifstream in(out);
            merge(nlohmann::json::parse(in), "cpu_peers.py");
        } catch (const std::exception& e) {
            notes_.push_back(std::string("peers: not run (") + e.what() +
                             "); python3 -m pip install --user -r bench/peers/requirements.txt");
        }
        std::error_code ec;
        fs::remove(spec, ec);
        fs::remove(out, ec);
    }

    /// The copy bandwidth of `device` in this run (merged results bring their own): the fastest
    /// copy at the suite's size.
    double copy_gbps(const std::string& device = "cpu") const {
        double best = 0;
        for (const auto& m : results_)
            if (m.section == "suite" && m.workload == "copy" && m.device == device) best = std::max(best, m.gbps().value_or(0));
        return best;
    }

    /// jitfuse's time on the same case: on the same device where that was merged, else here.
    std::optional<double> jitfuse_ms(const measurement& m) const {
        for (const std::string& name : {m.device == "cpu" ? "jitfuse" : "jitfuse @" + m.device, std::string("jitfuse")})
            for (const auto& q : results_)
                if (q.section == m.section && q.workload == m.workload && q.n == m.n && q.variant == name) return q.median();
        return std::nullopt;
    }

    void print_suite() const {
        std::printf("\n%-13s %-24s %10s %8s %7s %11s  %s\n", "workload", "variant", "median ms", "GB/s", "% copy",
                    "vs jitfuse", "check");
        std::string last;
        for (const auto& m : ordered("suite")) {
            if (m->workload != last) {
                const bench::workload* w = find_workload(m->workload);
                std::printf("%s: %s, shape %s\n", m->workload.c_str(), w ? w->what.c_str() : "", shape_text(m->shape).c_str());
                last = m->workload;
            }
            const auto ref = jitfuse_ms(*m);
            const double copy = copy_gbps(m->device);
            std::printf("%-13s %-24s %10.3f %8s %7s %11s  %s\n", "", m->variant.c_str(), m->median(),
                        m->gbps() ? fixed(*m->gbps(), 1).c_str() : "-",
                        m->gbps() && copy > 0 ? (fixed(100 * *m->gbps() / copy, 0) + "%").c_str() : "-",
                        ref ? (fixed(m->median() / *ref, 2) + "x").c_str() : "-", m->check.c_str());
        }
        std::puts("\n'vs jitfuse' = this variant's time / jitfuse's on the same device: above 1 means jitfuse is\n"
                  "faster. GB/s counts the bytes one pass must move (inputs once, outputs once); '% copy' is against\n"
                  "this run's fastest copy on the same device.");
        for (const auto& loss : losses()) std::printf("jitfuse is slower: %s\n", loss.c_str());
    }

    void print_sweep() const {
        const auto rows = ordered("sweep");
        if (rows.empty()) return;
        std::map<std::string, std::vector<const measurement*>> by_workload;
        std::vector<std::string> order;
        for (const auto* m : rows) {
            if (!by_workload.count(m->workload)) order.push_back(m->workload);
            by_workload[m->workload].push_back(m);
        }
        for (const auto& w : order) {
            std::vector<std::string> variants;
            std::set<std::int64_t> sizes;
            std::map<std::pair<std::int64_t, std::string>, double> gbps;
            for (const auto* m : by_workload[w]) {
                if (std::find(variants.begin(), variants.end(), m->variant) == variants.end()) variants.push_back(m->variant);
                sizes.insert(m->n);
                gbps[{m->n, m->variant}] = m->gbps().value_or(0);
            }
            std::printf("\nsweep %s: GB/s by size\n%12s", w.c_str(), "n");
            for (const auto& v : variants) std::printf(" %*s", width(v), v.c_str());
            std::puts("");
            for (const auto n : sizes) {
                std::printf("%12lld", static_cast<long long>(n));
                for (const auto& v : variants) {
                    const auto it = gbps.find({n, v});
                    std::printf(" %*s", width(v), it == gbps.end() ? "-" : fixed(it->second, 2).c_str());
                }
                std::puts("");
            }
        }
    }

    void print_dispatch() const {
        const auto rows = ordered("dispatch");
        if (rows.empty()) return;
        std::printf("\ndispatch overhead: time per call at n = %lld (cached kernel, many calls)\n",
                    static_cast<long long>(rows.front()->n));
        for (const auto* m : rows)
            std::printf("  %-8s %-26s %9.2f us\n", m->workload.c_str(), m->variant.c_str(), 1e3 * m->median());
    }

    void print_notes() const {
        for (const auto& n : notes_) std::printf("note: %s\n", n.c_str());
    }

    /// The cases run, as the peer scripts read them (bench/peers/common.py).
    nlohmann::json specs_json() const {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& s : specs_)
            out.push_back({{"section", s.section}, {"workload", s.workload}, {"n", s.n}, {"shape", s.shape},
                           {"params", s.params.is_null() ? nlohmann::json::object() : s.params},
                           {"min_ms", s.min_ms}, {"digest", s.digest}, {"tolerance", s.tolerance}});
        return out;
    }

    nlohmann::json cases_json() const {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& m : results_) {
            const auto ref = jitfuse_ms(m);
            const double copy = copy_gbps(m.device);
            const auto gbps = m.gbps();
            out.push_back({{"section", m.section}, {"workload", m.workload}, {"variant", m.variant}, {"kind", m.kind},
                           {"source", m.source}, {"device", m.device}, {"n", m.n}, {"shape", m.shape}, {"bytes", m.bytes},
                           {"calls", m.calls}, {"repeats_ms", m.ms}, {"median_ms", m.median()},
                           {"gbps", gbps ? nlohmann::json(*gbps) : nlohmann::json(nullptr)},
                           {"fraction_of_copy", gbps && copy > 0 ? nlohmann::json(*gbps / copy) : nlohmann::json(nullptr)},
                           {"time_vs_jitfuse", ref ? nlohmann::json(m.median() / *ref) : nlohmann::json(nullptr)},
                           {"check", m.check}});
        }
        return out;
    }

    /// Where another variant beats jitfuse by more than 5% in the suite, by how much.
    std::vector<std::string> losses() const {
        std::vector<std::string> out;
        for (const auto* m : ordered("suite")) {
            const auto ref = jitfuse_ms(*m);
            if (m->kind != "jitfuse" && ref && m->median() < *ref / 1.05)
                out.push_back(m->workload + ": " + m->variant + " takes " + fixed(100 * m->median() / *ref, 0) + "% of jitfuse's time");
        }
        return out;
    }

    const std::vector<std::string>& notes() const { return notes_; }
    const nlohmann::json& peer_versions() const { return versions_; }
    const std::string& cuda_device() const { return cuda_device_; }
    void note(std::string s) { notes_.push_back(std::move(s)); }

private:
    /// A section's cases, workloads in registry order (unknown ones last), variants as run.
    std::vector<const measurement*> ordered(const std::string& section) const {
        std::vector<const measurement*> out;
        for (const auto& m : results_)
            if (m.section == section) out.push_back(&m);
        const auto rank = [](const std::string& name) {
            const auto& all = bench::workloads();
            for (std::size_t i = 0; i < all.size(); ++i)
                if (all[i].name == name) return i;
            return all.size();
        };
        std::stable_sort(out.begin(), out.end(), [&](const measurement* a, const measurement* b) {
            return std::pair(rank(a->workload), a->n) < std::pair(rank(b->workload), b->n);
        });
        return out;
    }

    static std::string fixed(double v, int digits) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.*f", digits, v);
        return buf;
    }
    static int width(const std::string& s) { return std::max<int>(9, static_cast<int>(s.size())); }
    static std::string shape_text(const std::vector<std::int64_t>& shape) {
        std::string s;
        for (const auto e : shape) {
            if (!s.empty()) s += 'x';
            s += std::to_string(e);
        }
        return s;
    }

    const options& opt_;
    std::vector<measurement> results_;
    std::vector<case_spec> specs_;
    std::vector<std::string> notes_;
    nlohmann::json versions_ = nlohmann::json::object();
    std::string cuda_device_;  ///< where the CUDA baselines ran, if they did
    std::string gpu_;          ///< where jitfuse's @cuda rows ran, if they did
};

nlohmann::json versions(const runner& r) {
    nlohmann::json v = {{"jitfuse", JITFUSE_BENCH_VERSION}, {"compiler", __VERSION__}};
    if (const std::string why = jf::detail::nvrtc_unavailable_reason(); why.empty()) v["nvrtc"] = jf::detail::nvrtc_version();
    else v["nvrtc"] = nullptr, v["nvrtc_missing"] = why;
#ifndef JITFUSE_BENCH_NO_OPENMP
    v["openmp"] = bench::omp_spec_version();
#endif
    v["peers"] = r.peer_versions();
    if (!r.cuda_device().empty()) v["cuda_device"] = r.cuda_device();
    if (!r.gpu().empty()) v["jitfuse_gpu"] = r.gpu();
    return v;
}

}  // namespace

int main(int argc, char** argv) try {
    const options opt = parse(argc, argv);
    for (const auto& name : opt.only)
        if (!find_workload(name)) {
            std::string known;
            for (const auto& w : bench::workloads()) known += " " + w.name;
            throw std::runtime_error("--only: no workload " + name + "; there are:" + known);
        }
    const auto started = clock_type::now();
    const std::string load_before = load_average();
    const int threads = jf::cpu::num_threads();
#ifndef JITFUSE_BENCH_NO_OPENMP
    bench::omp_use_threads(threads);
#endif
    std::printf("%s\n", jf::backend_info().c_str());
    if (jf::detail::cuda::gpu_count() > 0)
        std::printf("jitfuse runs every workload on the CPU and on cuda:0 (%s): the '@cuda' rows\n",
                    jf::detail::cuda::gpu(0).name.c_str());
    std::printf("%s suite: %lld elements per workload, median of %d repeats, %d threads, load average %s\n",
                opt.quick ? "quick" : "full", static_cast<long long>(opt.n), opt.repeats, threads, load_before.c_str());

    runner r(opt);
    const auto selected = [&](const bench::workload& w) { return w.name == "copy" || opt.only.empty() || opt.only.count(w.name); };
    for (const auto& w : bench::workloads())
        if (selected(w)) r.run("suite", w, std::max<std::int64_t>(1, std::llround(double(opt.n) * w.size_factor)), 1.0);
    for (const auto& w : bench::workloads())
        if (selected(w) && w.sweep)
            for (const auto n : opt.sweep_sizes) r.run("sweep", w, n, 5.0);
    // Launch/dispatch cost: tiny arrays, the cached kernel called thousands of times.
    for (const auto& w : bench::workloads())
        if (selected(w) && w.sweep) r.run("dispatch", w, 16, 50.0);
#ifdef JITFUSE_BENCH_NO_OPENMP
    r.note("OpenMP not found at build time: no OpenMP baselines");
#endif
    if (opt.peers) r.run_peers();
    for (const auto& file : opt.merge) {
        std::ifstream in(file);
        if (!in) throw std::runtime_error("--merge: cannot read " + file);
        r.merge(nlohmann::json::parse(in), fs::path(file).filename().string());
    }

    r.print_suite();
    r.print_sweep();
    r.print_dispatch();
    const nlohmann::json compile_latency = bench::measure_compile_latency(opt.quick ? 3 : opt.repeats);
    r.print_notes();
    const std::string load_after = load_average();
    const double seconds = elapsed_ms(started) / 1e3;
    std::printf("\nbench: %.0f s; load average %s before, %s after (%s)\n", seconds, load_before.c_str(),
                load_after.c_str(), jf::backend_info().c_str());

    if (!opt.json_path.empty()) {
        std::time_t now = std::time(nullptr);
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
        const std::string git = "git -C '" JITFUSE_SOURCE_DIR "' ";
        const nlohmann::json doc = {
            {"device", "cpu"}, {"backend_info", jf::backend_info()},
            {"cpu_model", run_command("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")},
            {"threads", threads}, {"vector_isa", jf::cpu::vector_isa()}, {"versions", versions(r)},
            {"commit", run_command(git + "rev-parse HEAD 2>/dev/null")},
            {"tree_dirty", !run_command(git + "status --porcelain 2>/dev/null").empty()},
            {"date", date}, {"command", opt.command_line}, {"mode", opt.quick ? "quick" : "full"},
            {"n", opt.n}, {"repeats", opt.repeats}, {"load_average", {load_before, load_after}},
            {"seconds", seconds}, {"copy_gbps", r.copy_gbps()}, {"cases", r.cases_json()}, {"specs", r.specs_json()},
            {"jitfuse_slower", r.losses()}, {"compile_latency", compile_latency}, {"notes", r.notes()}};
        std::ofstream(opt.json_path) << doc.dump(2) << '\n';
        std::printf("wrote %s\n", opt.json_path.c_str());
        if (opt.plot) {
            const std::string cmd = python() + " '" JITFUSE_SOURCE_DIR "/bench/plot.py' '" + opt.json_path + "'";
            std::fflush(stdout);
            if (std::system(cmd.c_str()) != 0)
                std::puts("plot: not drawn (python3 with matplotlib needed: python3 -m pip install --user matplotlib)");
        }
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "jitfuse-bench: %s\n", e.what());
    return 1;
}
