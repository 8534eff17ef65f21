// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/log.hpp"

#include <cstdio>
#include <mutex>
#include <set>

namespace jitfuse::detail {
namespace {

std::mutex& log_mutex() {
    static std::mutex m;
    return m;
}

std::function<void(const std::string&)>& sink() {
    static std::function<void(const std::string&)> s;
    return s;
}

void emit(const std::string& line) {
    // Under the lock: lines from many threads do not interleave.
    if (sink()) sink()(line);
    else std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

bool logging(log_level level) { return level != log_level::off && config().log >= level; }

void log(log_level level, const std::string& message) {
    if (!logging(level)) return;
    std::lock_guard lock(log_mutex());
    emit("jitfuse: " + message);
}

void warn_once(const std::string& message) {
    static std::set<std::string> warned;
    std::lock_guard lock(log_mutex());
    if (warned.insert(message).second) emit("jitfuse: warning: " + message);
}

void set_log_sink(std::function<void(const std::string&)> s) {
    std::lock_guard lock(log_mutex());
    sink() = std::move(s);
}

}  // namespace jitfuse::detail
