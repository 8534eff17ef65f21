// SPDX-License-Identifier: Apache-2.0
// Codegen-check mode: every kernel the CPU fallback's passes would launch on a GPU is compiled
// with NVRTC, and the parameters NVRTC compiled (read from the PTX) are compared with those
// codegen recorded, which the host packs arguments by. Distinct sources are batched, up to
// `batch_size` kernels per NVRTC program (each in its own namespace), which makes checking a
// whole test suite affordable; a batch that fails is recompiled kernel by kernel to report
// exactly which source NVRTC rejects.
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <algorithm>
#include <mutex>
#include <optional>
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
std::string combine(const std::vector<generated_source>& sources) {
    const std::string include = "#include \"" + std::string(prelude_name) + "\"\n";
    std::string out = include;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        std::string body = sources[i].source;
        if (const auto at = body.find(include); at != std::string::npos) body.erase(at, include.size());
        for (std::size_t at; (at = body.find("extern \"C\" ")) != std::string::npos;) body.erase(at, 11);
        out += "namespace k" + std::to_string(i) + " {\n" + body + "}\n";
    }
    return out;
}

/// Source `index` of a combined program (from the mangled `k<i>::name`) and the kernel's
/// name; an unmangled name (one source alone) is source 0; none for any other name.
std::optional<std::pair<std::size_t, std::string>> entry_origin(const std::string& name) {
    if (!name.starts_with("_ZN")) return std::pair{std::size_t{0}, name};
    if (!name.starts_with("_ZN2k") && !name.starts_with("_ZN3k") && !name.starts_with("_ZN4k")) return std::nullopt;
    const char* at = name.c_str() + 3;
    const auto part = [&] {
        char* end = nullptr;
        const long length = std::strtol(at, &end, 10);
        std::string text(end, static_cast<std::size_t>(length));
        at = end + length;
        return text;
    };
    const std::string ns = part();
    return std::pair{static_cast<std::size_t>(std::stoul(ns.substr(1))), part()};
}

class checker {
  public:
    void add(const generated_source& source, std::string_view arch) {
        std::vector<generated_source> batch;
        {
            std::lock_guard lock(mutex_);
            arch_ = arch;
            if (!seen_.insert(source.source).second) return;
            pending_.push_back(source);
            if (pending_.size() < batch_size) return;
            batch.swap(pending_);
        }
        compile(batch);
    }

    int finish() {
        std::vector<generated_source> batch;
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
    void compile(const std::vector<generated_source>& batch) {
        try {
            compare(batch, nvrtc_compile(combine(batch), arch_, nvrtc_options(false), true).ptx);
            return;
        } catch (const compile_error&) {
        }
        for (const auto& source : batch) {
            try {
                compare({source}, nvrtc_compile(source.source, arch_, nvrtc_options(false), true).ptx);
            } catch (const compile_error& e) {
                report(e.what());
            }
        }
    }

    /// Every kernel of `batch` against its entry in the compiled PTX.
    void compare(const std::vector<generated_source>& batch, const std::string& ptx) {
        std::vector<std::size_t> found(batch.size(), 0);
        for (const ptx_entry& entry : ptx_entries(ptx)) {
            const auto origin = entry_origin(entry.name);
            if (!origin || origin->first >= batch.size()) {
                report("the PTX holds an unexpected kernel " + entry.name);
                continue;
            }
            const auto& [index, name] = *origin;
            const generated_source& src = batch[index];
            const auto kernel = std::find_if(src.kernels.begin(), src.kernels.end(), [&](const kernel_entry& k) { return k.name == name; });
            if (kernel == src.kernels.end()) {
                report("the PTX holds kernel " + name + ", which codegen did not record, for:\n" + src.source);
                continue;
            }
            ++found[index];
            if (const std::string why = parameter_mismatch(*kernel, entry); !why.empty())
                report(why + " in:\n" + src.source);
        }
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (found[i] != batch[i].kernels.size())
                report("the PTX lacks kernels codegen recorded for:\n" + batch[i].source);
    }

    void report(const std::string& what) {
        std::fprintf(stderr, "jitfuse codegen check: %s\n", what.c_str());
        std::lock_guard lock(mutex_);
        ++failures_;
    }

    std::mutex mutex_;
    std::string arch_;
    std::unordered_set<std::string> seen_;
    std::vector<generated_source> pending_;
    int failures_ = 0;
};

checker& instance() {
    static checker c;
    return c;
}

}  // namespace

std::vector<ptx_entry> ptx_entries(std::string_view ptx) {
    std::vector<ptx_entry> out;
    for (std::size_t at = ptx.find(".entry "); at != std::string_view::npos; at = ptx.find(".entry ", at + 1)) {
        const std::size_t open = ptx.find('(', at), close = ptx.find(')', open);
        ptx_entry entry;
        entry.name = std::string(ptx.substr(at + 7, open - at - 7));
        const std::string_view list = ptx.substr(open + 1, close - open - 1);
        for (std::size_t p = list.find(".param"); p != std::string_view::npos; p = list.find(".param", p + 1)) {
            // `.param .align A .b8 NAME[SIZE]` (an aggregate) or `.param .u64 NAME`, possibly
            // with `.ptr` / `.align` qualifiers on a scalar: its size comes from its type.
            std::istringstream words(std::string(list.substr(p, list.find_first_of(",\n", p) - p)));
            std::uint32_t align = 0, bits = 0;
            std::string word, last;
            while (words >> word) {
                if (word == ".align" && words >> word) align = static_cast<std::uint32_t>(std::stoul(word));
                else if (word.size() > 2 && word[0] == '.' && std::string_view("usbf").find(word[1]) != std::string_view::npos &&
                         std::isdigit(static_cast<unsigned char>(word[2])))
                    bits = static_cast<std::uint32_t>(std::stoul(word.substr(2)));
                last = word;
            }
            if (const std::size_t bracket = last.find('['); bracket != std::string::npos) {
                entry.params.push_back({static_cast<std::uint32_t>(std::stoul(last.substr(bracket + 1))), align ? align : 1});
            } else {
                entry.params.push_back({bits / 8, bits / 8});
            }
        }
        out.push_back(std::move(entry));
    }
    return out;
}

std::string parameter_mismatch(const kernel_entry& kernel, const ptx_entry& compiled) {
    const std::string head = "the parameters codegen recorded for " + kernel.name + " differ from the compiled ones: ";
    if (kernel.params.size() != compiled.params.size())
        return head + std::to_string(kernel.params.size()) + " recorded, " + std::to_string(compiled.params.size()) + " compiled";
    for (std::size_t i = 0; i < kernel.params.size(); ++i) {
        const kernel_param& p = kernel.params[i];
        if (p.size != compiled.params[i].size || p.align != compiled.params[i].align)
            return head + "parameter " + std::to_string(i) + " (" + p.declaration + ") recorded as " + std::to_string(p.size) +
                   " bytes aligned to " + std::to_string(p.align) + ", compiled as " + std::to_string(compiled.params[i].size) +
                   " aligned to " + std::to_string(compiled.params[i].align);
    }
    return {};
}

void check_codegen(const generated_source& src, std::string_view arch) { instance().add(src, arch); }

int finish_codegen_check() { return instance().finish(); }

}  // namespace jitfuse::detail
