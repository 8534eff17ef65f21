// SPDX-License-Identifier: Apache-2.0
// Codegen-check mode: every kernel the CPU fallback's passes would launch on a GPU is compiled
// with NVRTC. Distinct sources are batched, up to `batch_size` kernels per NVRTC program (each
// in its own namespace), which makes checking a whole test suite affordable; a batch that
// fails is recompiled kernel by kernel to report exactly which source NVRTC rejects.
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "jitfuse/detail/kernel_plan.hpp"
#include "jitfuse/detail/nvrtc.hpp"
#include "jitfuse/error.hpp"

namespace jitfuse::detail {
namespace {

constexpr std::size_t batch_size = 48;

/// One program holding many generated sources: each kernel body in namespace k<i>, with C++
/// linkage so that equal kernel names do not collide.
std::string combine(const std::vector<std::string>& sources) {
    const std::string include = "#include \"" + std::string(prelude_name) + "\"\n";
    std::string out = include;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        std::string body = sources[i];
        if (const auto at = body.find(include); at != std::string::npos) body.erase(at, include.size());
        for (std::size_t at; (at = body.find("extern \"C\" ")) != std::string::npos;) body.erase(at, 11);
        out += "namespace k" + std::to_string(i) + " {\n" + body + "}\n";
    }
    return out;
}

class checker {
  public:
    void add(const std::string& source, std::string_view arch) {
        std::vector<std::string> batch;
        {
            std::lock_guard lock(mutex_);
            arch_ = arch;
            if (!seen_.insert(source).second) return;
            pending_.push_back(source);
            if (pending_.size() < batch_size) return;
            batch.swap(pending_);
        }
        compile(batch);
    }

    int finish() {
        std::vector<std::string> batch;
        {
            std::lock_guard lock(mutex_);
            batch.swap(pending_);
        }
        if (!batch.empty()) compile(batch);
        std::lock_guard lock(mutex_);
        if (!seen_.empty())
            std::fprintf(stderr, "jitfuse codegen check: %zu distinct kernels compiled with NVRTC for %s, %d rejected\n",
                         seen_.size(), arch_.c_str(), failures_);
        return failures_;
    }

  private:
    void compile(const std::vector<std::string>& batch) {
        try {
            nvrtc_compile(combine(batch), arch_, nvrtc_options(false));
            return;
        } catch (const compile_error&) {
        }
        for (const auto& source : batch) {
            try {
                nvrtc_compile(source, arch_, nvrtc_options(false));
            } catch (const compile_error& e) {
                std::fprintf(stderr, "jitfuse codegen check: %s\n", e.what());
                std::lock_guard lock(mutex_);
                ++failures_;
            }
        }
    }

    std::mutex mutex_;
    std::string arch_;
    std::unordered_set<std::string> seen_;
    std::vector<std::string> pending_;
    int failures_ = 0;
};

checker& instance() {
    static checker c;
    return c;
}

}  // namespace

void check_codegen(const generated_source& src, std::string_view arch) { instance().add(src.source, arch); }

int finish_codegen_check() { return instance().finish(); }

}  // namespace jitfuse::detail
