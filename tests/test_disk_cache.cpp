// SPDX-License-Identifier: Apache-2.0
// The kernel disk cache on its own (no NVRTC needed): keys, the entry format and every way an
// entry can be damaged, permissions, eviction, unusable folders, concurrent writers.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include <jitfuse/detail/disk_cache.hpp>

#include "cache_entry_edit.hpp"
#include "scoped.hpp"

namespace fs = std::filesystem;
using namespace jitfuse::detail;

namespace {

const compile_target sm90{"sm_90", "-std=c++17 -minimal", "13.0"};
const std::string kernel_source = "extern \"C\" __global__ void jf_map(float* out) { out[0] = 1; }\n";

std::vector<char> fake_binary(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<char> b(n);
    for (auto& c : b) c = static_cast<char>(rng());
    return b;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_all(const fs::path& p, std::string_view bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("cache keys change with everything that decides the binary, and only with that") {
    const auto base = cache_key(kernel_source, sm90);
    CHECK(base == cache_key(std::string(kernel_source), compile_target(sm90)));
    CHECK(base.hex().size() == 32);
    auto other = sm90;
    other.arch = "sm_100";
    CHECK(cache_key(kernel_source, other) != base);
    other = sm90;
    other.options += " --use_fast_math";
    CHECK(cache_key(kernel_source, other) != base);
    other = sm90;
    other.nvrtc = "13.1";
    CHECK(cache_key(kernel_source, other) != base);
    other = sm90;
    other.headers = "another prelude";  // the same kernel source over a changed device prelude
    CHECK(cache_key(kernel_source, other) != base);
    CHECK(cache_key(kernel_source + " ", sm90) != base);
    // Field boundaries are part of the key: moving a character between fields changes it.
    CHECK(cache_key(kernel_source, {"sm_9", "0-std=c++17 -minimal", "13.0"}) != base);
}

TEST_CASE("an entry round-trips, in a private folder, as a private file") {
    const test::scratch_dir dir("round-trip");
    const disk_cache cache(dir.path / "nested" / "cache", 1 << 20);
    REQUIRE(cache.readable());
    REQUIRE(cache.writable());
    const auto binary = fake_binary(5000, 1);
    CHECK(cache.load(kernel_source, sm90).status == entry_status::missing);
    cache.store(kernel_source, sm90, binary);
    const cache_entry e = cache.load(kernel_source, sm90);
    REQUIRE(e.status == entry_status::ok);
    CHECK(e.binary == binary);
    CHECK(e.source == kernel_source);
    CHECK(e.target.arch == "sm_90");
    const fs::path file = cache.path_of(cache_key(kernel_source, sm90));
    CHECK(fs::is_regular_file(file));
    CHECK(mode_of(file) == 0600);
    CHECK(mode_of(file.parent_path()) == 0700);
    CHECK(mode_of(dir.path / "nested" / "cache") == 0700);
    // Nothing but the entry is left behind (no temporary files).
    CHECK(cache.files().size() == 1);
    std::size_t everything = 0;
    for ([[maybe_unused]] const auto& f : fs::recursive_directory_iterator(dir.path / "nested" / "cache"))
        everything += 1;
    CHECK(everything == 2);  // the shard folder and the entry
    // Another target is another entry.
    auto sm80 = sm90;
    sm80.arch = "sm_80";
    CHECK(cache.load(kernel_source, sm80).status == entry_status::missing);
}

TEST_CASE("every kind of damaged entry is detected, never served") {
    const auto binary = fake_binary(3000, 2);
    const std::string good = encode_entry(kernel_source, sm90, binary);
    REQUIRE(decode_entry(good).status == entry_status::ok);

    SUBCASE("any single flipped byte") {
        std::mt19937 rng(7);
        for (std::size_t at = 0; at < good.size(); at += 1 + rng() % 37) {
            std::string bad = good;
            bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
            INFO("byte " << at);
            CHECK(decode_entry(bad).status == entry_status::corrupt);
        }
    }
    SUBCASE("truncated anywhere, including to nothing") {
        for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, good.size() / 2,
                                good.size() - 9, good.size() - 1}) {
            INFO("length " << len);
            CHECK(decode_entry(good.substr(0, len)).status == entry_status::corrupt);
        }
    }
    SUBCASE("bytes appended") { CHECK(decode_entry(good + "x").status == entry_status::corrupt); }
    SUBCASE("a well-formed file that is not an entry") {
        // A valid checksum over text that lacks the header: foreign, not corrupt.
        std::string renamed = good;
        renamed.replace(0, renamed.find(' '), "something-else-cache");
        CHECK(decode_entry(test::resealed(renamed)).status == entry_status::foreign);
    }
}

TEST_CASE("entries of another version, arch, option set or source are foreign and not served") {
    const test::scratch_dir dir("foreign");
    const disk_cache cache(dir.path, 1 << 20);
    const auto binary = fake_binary(2000, 3);
    cache.store(kernel_source, sm90, binary);
    const fs::path file = cache.path_of(cache_key(kernel_source, sm90));

    SUBCASE("an entry written by another jitfuse version (valid checksum)") {
        write_all(file, test::with_jitfuse_version(read_all(file), "9.9.9"));
        const cache_entry e = cache.load(kernel_source, sm90);
        CHECK(e.status == entry_status::foreign);
        CHECK(e.why.find("9.9.9") != std::string::npos);
    }
    SUBCASE("another kernel's entry under this key (as a hash collision would)") {
        auto sm80 = sm90;
        sm80.arch = "sm_80";
        write_all(file, encode_entry("// another kernel\n", sm90, binary));
        CHECK(cache.load(kernel_source, sm90).status == entry_status::foreign);
        write_all(file, encode_entry(kernel_source, sm80, binary));
        CHECK(cache.load(kernel_source, sm90).status == entry_status::foreign);
    }
    SUBCASE("a symbolic link in place of the entry is not followed") {
        const fs::path elsewhere = dir.path / "elsewhere.bin";
        fs::rename(file, elsewhere);
        fs::create_symlink(elsewhere, file);
        CHECK(cache.load(kernel_source, sm90).status == entry_status::unreadable);
    }
    SUBCASE("a folder in place of the entry") {
        fs::remove(file);
        fs::create_directory(file);
        CHECK(cache.load(kernel_source, sm90).status != entry_status::ok);
    }
    SUBCASE("a rebuilt entry replaces the damaged one") {
        write_all(file, "garbage");
        CHECK(cache.load(kernel_source, sm90).status == entry_status::corrupt);
        cache.store(kernel_source, sm90, binary);
        CHECK(cache.load(kernel_source, sm90).status == entry_status::ok);
    }
}

TEST_CASE("beyond its size limit the cache evicts the least recently used entries") {
    const test::scratch_dir dir("evict");
    const auto binary = fake_binary(10000, 4);
    const std::uint64_t entry_bytes = encode_entry(kernel_source + "//0\n", sm90, binary).size();
    // Room for three entries.
    const disk_cache cache(dir.path, 3 * entry_bytes + entry_bytes / 2);
    const auto source = [](int i) { return kernel_source + "//" + std::to_string(i) + "\n"; };
    const auto now = fs::file_time_type::clock::now();
    for (int i = 0; i < 3; ++i) {
        cache.store(source(i), sm90, binary);
        // Distinct, ordered times of last use: 0 oldest.
        fs::last_write_time(cache.path_of(cache_key(source(i), sm90)), now - std::chrono::hours(10 - i));
    }
    // Reading entry 0 makes it the most recently used.
    REQUIRE(cache.load(source(0), sm90).status == entry_status::ok);
    cache.store(source(3), sm90, binary);
    CHECK(cache.files().size() == 3);
    CHECK(cache.load(source(1), sm90).status == entry_status::missing);
    for (int i : {0, 2, 3}) CHECK(cache.load(source(i), sm90).status == entry_status::ok);

    cache.evict_to(0);
    CHECK(cache.files().empty());
}

TEST_CASE("clear removes entries and leftover temporary files; stale temporary files are swept") {
    const test::scratch_dir dir("clear");
    const disk_cache cache(dir.path, 1 << 20);
    cache.store(kernel_source, sm90, fake_binary(100, 5));
    const fs::path shard = cache.path_of(cache_key(kernel_source, sm90)).parent_path();
    const fs::path stale = shard / "0123.jfk.tmp.99999.0";
    const fs::path fresh = shard / "4567.jfk.tmp.99999.1";
    write_all(stale, "half");
    write_all(fresh, "half");
    fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(1));
    cache.evict_to(1 << 20);
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(fresh));  // may belong to a writer still at work
    CHECK(cache.files().size() == 1);
    CHECK(cache.clear() == 2);
    CHECK(cache.files().empty());
    CHECK_FALSE(fs::exists(fresh));
}

TEST_CASE("a folder that cannot be used makes a memory-only cache with one warning") {
    const test::scratch_dir dir("unusable");
    fs::create_directories(dir.path);
    write_all(dir.path / "a-file", "not a folder");
    test::log_capture log;
    const fs::path impossible = dir.path / "a-file" / "cache";
    for (int i = 0; i < 3; ++i) {
        const disk_cache cache(impossible, 1 << 20);
        CHECK_FALSE(cache.readable());
        CHECK_FALSE(cache.writable());
        CHECK(cache.load(kernel_source, sm90).status == entry_status::missing);
        cache.store(kernel_source, sm90, fake_binary(10, 6));  // neither throws nor writes
    }
    CHECK(log.count({"warning", impossible.string(), "memory only"}) == 1);
    CHECK(read_all(dir.path / "a-file") == "not a folder");
}

TEST_CASE("a read-only folder serves its entries and stores nothing") {
    if (::geteuid() == 0) {
        MESSAGE("skipped: permissions do not restrict root");
        return;
    }
    const test::scratch_dir dir("read-only");
    const auto binary = fake_binary(100, 8);
    disk_cache(dir.path, 1 << 20).store(kernel_source, sm90, binary);
    const fs::path shard = disk_cache(dir.path, 1 << 20).path_of(cache_key(kernel_source, sm90)).parent_path();
    fs::permissions(shard, fs::perms::owner_read | fs::perms::owner_exec);
    fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
    test::log_capture log;
    const disk_cache cache(dir.path, 1 << 20);
    CHECK(cache.readable());
    CHECK_FALSE(cache.writable());
    CHECK(cache.load(kernel_source, sm90).binary == binary);
    cache.store(kernel_source + "//new\n", sm90, binary);
    CHECK(cache.files().size() == 1);
    CHECK(log.count({"warning", "read-only"}) == 1);
    fs::permissions(shard, fs::perms::owner_all);
}

TEST_CASE("threads storing and loading the same entries never see a partial one") {
    const test::scratch_dir dir("threads");
    const disk_cache cache(dir.path, 1 << 20);
    const auto source = [](int i) { return kernel_source + "//" + std::to_string(i) + "\n"; };
    std::atomic<int> bad{0}, served{0};
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int round = 0; round < 50; ++round) {
                const int i = (t + round) % 4;
                const auto binary = fake_binary(20000, static_cast<unsigned>(i));
                const cache_entry e = cache.load(source(i), sm90);
                if (e.status == entry_status::ok) {
                    served += 1;
                    if (e.binary != binary) bad += 1;
                } else if (e.status != entry_status::missing) {
                    bad += 1;
                }
                cache.store(source(i), sm90, binary);
            }
        });
    threads.clear();
    CHECK(bad == 0);
    CHECK(served > 0);
    CHECK(cache.files().size() == 4);
}
