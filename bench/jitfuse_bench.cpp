// SPDX-License-Identifier: Apache-2.0
// jitfuse-bench: times the seed workloads with jitfuse and with baselines run in the same
// process (a multi-threaded copy for the bandwidth ceiling, OpenMP loops, the unfused
// one-op-per-pass version, and optionally the Python peers), and prints ratios; then the
// compile latency of generated kernels (cold, disk cache, memory).
//
//   jitfuse-bench [--n N] [--repeats R] [--json FILE] [--peers]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <jitfuse/jitfuse.hpp>

#include "compile_latency.hpp"
#include "median.hpp"

#ifndef JITFUSE_BENCH_NO_OPENMP
#include "baselines.hpp"
#endif

namespace jf = jitfuse;

namespace {

struct options {
    std::int64_t n = 20'000'000;
    int repeats = 7;
    std::string json_path;
    bool peers = false;
};

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&] {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return std::string(argv[++i]);
        };
        if (a == "--n") o.n = std::stoll(value());
        else if (a == "--repeats") o.repeats = std::max(1, std::stoi(value()));
        else if (a == "--json") o.json_path = value();
        else if (a == "--peers") o.peers = true;
        else if (a == "--help" || a == "-h") {
            std::puts("jitfuse-bench [--n N] [--repeats R] [--json FILE] [--peers]\n"
                      "  --n        elements per array (default 20000000)\n"
                      "  --repeats  timed repeats per case; the median is reported (default 7)\n"
                      "  --json     also write raw results as JSON\n"
                      "  --peers    run bench/peers/cpu_peers.py (NumPy, Numba, numexpr) too");
            std::exit(0);
        } else throw std::runtime_error("unknown option " + a + " (see --help)");
    }
    return o;
}

struct result {
    std::string workload, variant;
    double bytes;  // bytes a single pass must move
    std::vector<double> ms;
    double median() const { return bench::median(ms); }
    double gbps() const { return bytes / median() / 1e6; }
};

std::vector<double> time_ms(int repeats, const std::function<void()>& fn) {
    fn();  // warm up: page faults, thread start-up
    std::vector<double> out;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        out.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
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
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

int main(int argc, char** argv) try {
    const options opt = parse(argc, argv);
    const std::int64_t n = opt.n;
    std::printf("%s\n", jf::backend_info().c_str());
    std::printf("n = %lld float32 elements, median of %d repeats\n\n", static_cast<long long>(n), opt.repeats);

    std::vector<float> hx(n), hy(n);
    std::mt19937 rng(0);
    std::uniform_real_distribution<float> dist(0.f, 4.f);
    for (auto& v : hx) v = dist(rng);
    for (auto& v : hy) v = dist(rng) / 4.f;
    const jf::array<float> x = jf::from_host(hx), y = jf::from_host(hy);
    jf::array<float> z(n);
    const double f = sizeof(float);
    std::vector<result> results;
    const auto add = [&](std::string w, std::string v, double bytes, const std::function<void()>& fn) {
        results.push_back({std::move(w), std::move(v), bytes, time_ms(opt.repeats, fn)});
    };
    volatile float sink = 0;

    add("copy", "jitfuse", 2 * n * f, [&] { z = x; });
#ifndef JITFUSE_BENCH_NO_OPENMP
    add("copy", "openmp memcpy", 2 * n * f, [&] { bench::omp_copy(hx.data(), z.data(), n); });
#endif
    for (const bool fast : {false, true}) {
        jf::config().fast_math = fast;
        add("chain", fast ? "jitfuse fast-math" : "jitfuse", 2 * n * f,
            [&] { z = jf::sin(x) * jf::exp(x) + jf::log(x + 1.0f); });
    }
    jf::config().fast_math = false;
    add("chain", "jitfuse unfused", 2 * n * f, [&] {
        jf::array<float> a = jf::sin(x), b = jf::exp(x), c = a * b, d = x + 1.0f, e = jf::log(d);
        z = c + e;
    });
#ifndef JITFUSE_BENCH_NO_OPENMP
    add("chain", "openmp -ffast-math", 2 * n * f, [&] { bench::omp_chain(hx.data(), z.data(), n); });
#endif
    add("dot", "jitfuse", 2 * n * f, [&] { sink = jf::sum(x * y).item(); });
    add("dot", "jitfuse unfused", 2 * n * f, [&] {
        jf::array<float> p = x * y;
        sink = jf::sum(p).item();
    });
#ifndef JITFUSE_BENCH_NO_OPENMP
    add("dot", "openmp -ffast-math", 2 * n * f, [&] { sink = bench::omp_dot(hx.data(), hy.data(), n); });
#endif
    add("saxpy", "jitfuse", 3 * n * f, [&] { z = 2.5f * x + y; });
#ifndef JITFUSE_BENCH_NO_OPENMP
    add("saxpy", "openmp -ffast-math", 3 * n * f, [&] { bench::omp_saxpy(2.5f, hx.data(), hy.data(), z.data(), n); });
#endif
    (void)sink;

    nlohmann::json peers = nlohmann::json::array();
    if (opt.peers) {
        const std::string script = std::string(JITFUSE_SOURCE_DIR) + "/bench/peers/cpu_peers.py";
        const std::string out = run_command("python3 '" + script + "' --n " + std::to_string(n) +
                                            " --repeats " + std::to_string(opt.repeats) + " --threads " +
                                            std::to_string(jf::cpu::num_threads()));
        try {
            const auto j = nlohmann::json::parse(out);
            for (const auto& p : j["peers"]) {
                const double bytes = (p["workload"] == "saxpy" ? 3 : 2) * n * f;
                results.push_back({p["workload"], p["name"], bytes, p["repeats_ms"].get<std::vector<double>>()});
            }
            for (const auto& note : j["notes"]) std::printf("peers: %s\n", note.get<std::string>().c_str());
        } catch (const std::exception&) {
            std::printf("peers: could not run %s (python3 with numpy/numba/numexpr needed)\n", script.c_str());
        }
    }

    double copy_gbps = 0;
    for (const auto& r : results)
        if (r.workload == "copy") copy_gbps = std::max(copy_gbps, r.gbps());
    std::printf("%-7s %-20s %10s %9s %9s %11s\n", "case", "variant", "median ms", "GB/s", "% copy", "vs jitfuse");
    nlohmann::json cases = nlohmann::json::array();
    for (const auto& r : results) {
        double jitfuse_ms = 0;
        for (const auto& q : results)
            if (q.workload == r.workload && q.variant == "jitfuse") jitfuse_ms = q.median();
        std::printf("%-7s %-20s %10.2f %9.1f %8.0f%% %10.2fx\n", r.workload.c_str(), r.variant.c_str(),
                    r.median(), r.gbps(), 100 * r.gbps() / copy_gbps, r.median() / jitfuse_ms);
        cases.push_back({{"workload", r.workload}, {"variant", r.variant}, {"repeats_ms", r.ms},
                         {"median_ms", r.median()}, {"gbps", r.gbps()}, {"fraction_of_copy", r.gbps() / copy_gbps},
                         {"time_vs_jitfuse", r.median() / jitfuse_ms}});
    }
    std::puts("\n'vs jitfuse' = this variant's time / jitfuse's time: above 1 means jitfuse is faster.");
    const nlohmann::json compile_latency = bench::measure_compile_latency(opt.repeats);

    if (!opt.json_path.empty()) {
        std::time_t now = std::time(nullptr);
        char date[32];
        std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
        const nlohmann::json doc = {
            {"backend", jf::backend_info()}, {"device", "cpu"}, {"threads", jf::cpu::num_threads()},
            {"vector_isa", jf::cpu::vector_isa()}, {"cpu_model", run_command("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")},
            {"commit", run_command("git -C '" JITFUSE_SOURCE_DIR "' rev-parse HEAD 2>/dev/null")},
            {"date", date}, {"n", n}, {"repeats", opt.repeats}, {"cases", cases},
            {"compile_latency", compile_latency}};
        std::ofstream(opt.json_path) << doc.dump(2) << '\n';
        std::printf("wrote %s\n", opt.json_path.c_str());
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "jitfuse-bench: %s\n", e.what());
    return 1;
}
