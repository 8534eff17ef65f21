// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <system_error>

namespace jitfuse::detail {

std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes, mode_t mode) {
    const auto errno_text = [](int e) { return std::error_code(e, std::generic_category()).message(); };
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path temp = path.string() + std::string(atomic_temp_marker) + std::to_string(::getpid()) +
                                       "." + std::to_string(counter.fetch_add(1));
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return "cannot create " + temp.string() + ": " + errno_text(errno);
    std::size_t done = 0;
    int failure = 0;
    while (done < bytes.size() && !failure) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) failure = n < 0 ? errno : ENOSPC;
        else done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 && !failure) failure = errno;
    if (!failure && ::rename(temp.c_str(), path.c_str()) != 0) failure = errno;
    if (!failure) return {};
    ::unlink(temp.c_str());
    return "cannot write " + path.string() + ": " + errno_text(failure);
}

}  // namespace jitfuse::detail
