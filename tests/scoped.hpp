// SPDX-License-Identifier: Apache-2.0
#pragma once
// Scoped test fixtures: settings restored, scratch folders removed, log lines captured.

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <jitfuse/jitfuse.hpp>
#include <jitfuse/detail/log.hpp>

namespace test {

/// Restores every `jf::config()` setting when the scope ends.
struct settings_scope {
    jitfuse::settings saved = jitfuse::config();
    settings_scope() = default;
    settings_scope(const settings_scope&) = delete;
    settings_scope& operator=(const settings_scope&) = delete;
    ~settings_scope() { jitfuse::config() = saved; }
};

/// A fresh, empty folder under the system's temporary folder, removed with its contents.
struct scratch_dir {
    std::filesystem::path path;
    explicit scratch_dir(const std::string& name) {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path() /
               ("jitfuse-test-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;
    ~scratch_dir() {
        std::error_code ec;
        std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
        std::filesystem::remove_all(path, ec);
    }
};

/// Collects jitfuse's log and warning lines instead of printing them.
struct log_capture {
    std::mutex mutex;
    std::vector<std::string> lines;
    log_capture() {
        jitfuse::detail::set_log_sink([this](const std::string& line) {
            std::lock_guard lock(mutex);
            lines.push_back(line);
        });
    }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;
    ~log_capture() { jitfuse::detail::set_log_sink(nullptr); }
    /// How many lines contain every one of `parts`.
    int count(std::initializer_list<std::string_view> parts) {
        std::lock_guard lock(mutex);
        int n = 0;
        for (const auto& l : lines) {
            bool all = true;
            for (auto p : parts) all = all && l.find(p) != std::string::npos;
            n += all;
        }
        return n;
    }
};

}  // namespace test
