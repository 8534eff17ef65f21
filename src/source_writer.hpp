// SPDX-License-Identifier: Apache-2.0
#pragma once
// A small writer for generated source: lines at the current indentation, blocks opened with
// `open` (appends " {") and closed with `close`.

#include <string>
#include <string_view>

namespace jitfuse::detail {

class source_writer {
  public:
    source_writer& line(std::string_view text) {
        if (!text.empty()) out_.append(static_cast<std::size_t>(indent_) * 4, ' ').append(text);
        out_ += '\n';
        return *this;
    }
    source_writer& open(std::string_view head) {
        line(std::string(head) + " {");
        ++indent_;
        return *this;
    }
    source_writer& close(std::string_view tail = "") {
        --indent_;
        return line("}" + std::string(tail));
    }
    const std::string& str() const { return out_; }

  private:
    std::string out_;
    int indent_ = 0;
};

}  // namespace jitfuse::detail
