// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/detail/disk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <system_error>

#include "jitfuse/detail/atomic_file.hpp"
#include "jitfuse/detail/log.hpp"

#ifndef JITFUSE_VERSION_STRING
#error "the build defines JITFUSE_VERSION_STRING"
#endif

namespace jitfuse::detail {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view magic = "jitfuse-kernel-cache 1";
constexpr std::string_view entry_suffix = ".jfk";
// Larger files are not ours: a kernel binary is kilobytes.
constexpr std::uint64_t max_entry_bytes = std::uint64_t{1} << 30;
// A temporary file this old was left by a process that died while writing.
constexpr auto stale_temp_age = std::chrono::minutes(10);

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

/// Reads a whole file without following symbolic links; refreshes its time of last use.
entry_status read_file(const fs::path& path, std::string& bytes, std::string& why) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return entry_status::missing;
        why = "cannot open " + path.string() + ": " + errno_text(errno);
        return entry_status::unreadable;
    }
    struct closer {
        int fd;
        ~closer() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > max_entry_bytes) {
        why = path.string() + " is not a cache entry file";
        return entry_status::foreign;
    }
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            why = "cannot read " + path.string() + ": " + errno_text(errno);
            return entry_status::unreadable;
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    ::futimens(fd, nullptr);  // last use, for eviction; fails harmlessly on a read-only cache
    return entry_status::ok;
}

/// Creates `dir` as a private folder when missing (0700: cached binaries are code).
std::error_code make_private_dir(const fs::path& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
    if (errno != ENOENT) return {errno, std::generic_category()};
    if (const auto parent = dir.parent_path(); parent != dir) {
        std::error_code ec;
        fs::create_directories(parent, ec);
        if (ec) return ec;
    }
    if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return {};
    return {errno, std::generic_category()};
}

bool is_temp_file(const fs::path& p) { return p.filename().string().find(atomic_temp_marker) != std::string::npos; }
bool is_entry_file(const fs::path& p) { return p.extension() == entry_suffix && !is_temp_file(p); }

std::string header_line(std::string_view key, std::string_view value) {
    return std::string(key) + ' ' + std::string(value) + '\n';
}

}  // namespace

const char* to_string(entry_status s) {
    switch (s) {
        case entry_status::ok: return "ok";
        case entry_status::missing: return "missing";
        case entry_status::corrupt: return "corrupt";
        case entry_status::foreign: return "foreign";
        default: return "unreadable";
    }
}

fingerprint cache_key(std::string_view source, const compile_target& target) {
    std::string material;
    for (std::string_view part : {magic, std::string_view(JITFUSE_VERSION_STRING), std::string_view(target.nvrtc),
                                  std::string_view(target.arch), std::string_view(target.options),
                                  std::string_view(target.headers), source}) {
        material += part;
        material += '\0';
    }
    return fingerprint_of(material);
}

// Entry layout: a text header, the source, the binary, then the XXH3-64 checksum of all
// preceding bytes (8 bytes, little-endian). The whole source is kept so that a hash
// collision can never serve the wrong kernel.
std::string encode_entry(std::string_view source, const compile_target& target, const std::vector<char>& binary) {
    std::string out = std::string(magic) + '\n';
    out += header_line("jitfuse", JITFUSE_VERSION_STRING);
    out += header_line("nvrtc", target.nvrtc);
    out += header_line("arch", target.arch);
    out += header_line("options", target.options);
    out += header_line("source", std::to_string(source.size()));
    out += header_line("binary", std::to_string(binary.size()));
    out += '\n';
    out += source;
    out.append(binary.data(), binary.size());
    std::uint64_t sum = checksum_of(out);
    for (int i = 0; i < 8; ++i, sum >>= 8) out += static_cast<char>(sum & 0xff);
    return out;
}

cache_entry decode_entry(std::string_view bytes) {
    cache_entry e;
    const auto fail = [&](entry_status s, std::string why) {
        e.status = s;
        e.why = std::move(why);
        return e;
    };
    if (bytes.size() < 8) return fail(entry_status::corrupt, "truncated (" + std::to_string(bytes.size()) + " bytes)");
    const std::string_view body = bytes.substr(0, bytes.size() - 8);
    std::uint64_t stored = 0;
    for (int i = 7; i >= 0; --i) stored = stored << 8 | static_cast<unsigned char>(bytes[body.size() + i]);
    if (checksum_of(body) != stored) return fail(entry_status::corrupt, "checksum mismatch");
    const auto header_end = body.find("\n\n");
    if (!body.starts_with(std::string(magic) + '\n') || header_end == std::string_view::npos)
        return fail(entry_status::foreign, "not a jitfuse cache entry of this format");
    std::istringstream header{std::string(body.substr(magic.size() + 1, header_end - magic.size()))};
    std::uint64_t source_size = 0, binary_size = 0;
    for (std::string line; std::getline(header, line) && !line.empty();) {
        const auto space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        if (key == "jitfuse") e.jitfuse_version = value;
        else if (key == "nvrtc") e.target.nvrtc = value;
        else if (key == "arch") e.target.arch = value;
        else if (key == "options") e.target.options = value;
        else if (key == "source") source_size = std::strtoull(value.c_str(), nullptr, 10);
        else if (key == "binary") binary_size = std::strtoull(value.c_str(), nullptr, 10);
    }
    const std::string_view payload = body.substr(header_end + 2);
    if (source_size > payload.size() || payload.size() - source_size != binary_size)
        return fail(entry_status::corrupt, "sizes in the header do not match the file");
    e.source = payload.substr(0, source_size);
    e.binary.assign(payload.begin() + static_cast<std::ptrdiff_t>(source_size), payload.end());
    e.status = entry_status::ok;
    return e;
}

disk_cache::disk_cache(fs::path dir, std::uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {
    const auto unusable = [&](const std::string& why) {
        warn_once("the kernel cache folder " + dir_.string() + " " + why + "; compiled kernels are kept in memory only");
    };
    if (const std::error_code ec = make_private_dir(dir_)) {
        unusable("cannot be created (" + ec.message() + ")");
        return;
    }
    if (!fs::is_directory(dir_)) {
        unusable("is not a folder");
        return;
    }
    readable_ = ::access(dir_.c_str(), R_OK | X_OK) == 0;
    if (!readable_) {
        unusable("cannot be read (" + errno_text(errno) + ")");
        return;
    }
    writable_ = ::access(dir_.c_str(), W_OK) == 0;
    if (!writable_)
        warn_once("the kernel cache folder " + dir_.string() + " is read-only (" + errno_text(errno) +
                  "); its kernels are used, new ones are kept in memory only");
}

fs::path disk_cache::path_of(const fingerprint& key) const {
    const std::string hex = key.hex();
    return dir_ / hex.substr(0, 2) / (hex + std::string(entry_suffix));
}

cache_entry disk_cache::load(std::string_view source, const compile_target& target) const {
    cache_entry e;
    if (!readable_) return e;
    const fs::path path = path_of(cache_key(source, target));
    std::string bytes;
    e.status = read_file(path, bytes, e.why);
    if (e.status != entry_status::ok) return e;
    e = decode_entry(bytes);
    if (e.status == entry_status::ok &&
        (e.jitfuse_version != JITFUSE_VERSION_STRING || e.target.nvrtc != target.nvrtc ||
         e.target.arch != target.arch || e.target.options != target.options || e.source != source)) {
        e.status = entry_status::foreign;
        e.why = "written by jitfuse " + e.jitfuse_version + " with NVRTC " + e.target.nvrtc + " for " +
                e.target.arch + (e.source != source ? " from another source" : " with other options");
    }
    if (e.status != entry_status::ok) e.why = path.string() + ": " + e.why;
    return e;
}

void disk_cache::store(std::string_view source, const compile_target& target, const std::vector<char>& binary) const {
    if (!writable_) return;
    const fs::path path = path_of(cache_key(source, target));
    std::string failure;
    if (const std::error_code ec = make_private_dir(path.parent_path()))
        failure = "cannot create " + path.parent_path().string() + ": " + ec.message();
    else
        failure = write_file_atomically(path, encode_entry(source, target, binary), 0600);
    if (!failure.empty()) {
        warn_once("kernel cache: " + failure + "; new kernels are kept in memory only");
        return;
    }
    evict_to(max_bytes_);
}

std::vector<disk_cache::file_info> disk_cache::files() const {
    std::vector<file_info> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code stat_ec;
        if (!it->is_regular_file(stat_ec) || !is_entry_file(it->path())) continue;
        file_info f{it->path(), it->file_size(stat_ec), it->last_write_time(stat_ec)};
        if (!stat_ec) out.push_back(std::move(f));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
    return out;
}

std::size_t disk_cache::clear() const {
    std::size_t removed = 0;
    std::error_code ec;
    std::vector<fs::path> doomed;
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
        if (is_entry_file(it->path()) || is_temp_file(it->path())) doomed.push_back(it->path());
    for (const auto& p : doomed) removed += fs::remove(p, ec) ? 1 : 0;
    return removed;
}

void disk_cache::evict_to(std::uint64_t bytes) const {
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code time_ec;
        if (is_temp_file(it->path()) && now - it->last_write_time(time_ec) > stale_temp_age && !time_ec)
            fs::remove(it->path(), time_ec);
    }
    const auto all = files();
    std::uint64_t total = 0;
    for (const auto& f : all) total += f.bytes;
    for (const auto& f : all) {
        if (total <= bytes) break;
        // Another process may have removed it already: either way it no longer counts.
        fs::remove(f.path, ec);
        total -= f.bytes;
        log(log_level::info, "kernel cache over its limit: evicted " + f.path.string());
    }
}

}  // namespace jitfuse::detail
