// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/cpu/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "jitfuse/config.hpp"

namespace jitfuse::cpu {
namespace {

thread_local bool inside_pool = false;

/// Read once: the C++ library asks the system on every call (a read of
/// /sys/devices/system/cpu/online through glibc, 2 µs here), and every pass asks.
int hardware_threads() {
    static const int count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return count;
}

int wanted_threads() {
    const int n = config().num_threads;
    return n > 0 ? n : hardware_threads();
}

/// How long a thread that waits for the pool (a worker for the next job, the caller for the
/// workers) polls before it sleeps. Waking a sleeping thread costs a system call and the
/// scheduler's latency, tens of µs on a VM, while a pass over 2^16 elements takes a few: a
/// program that runs pass after pass (a stencil's time steps) finds its workers awake.
constexpr auto spin_budget = std::chrono::microseconds(200);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
}

/// Polls `ready` for up to spin_budget; false if it never held. With more threads than the
/// hardware runs at once, polling would steal the time of the thread being waited for:
/// `allowed` is false then and this returns at once.
template <class Ready>
bool spin_until(Ready&& ready, bool allowed) {
    if (!allowed) return ready();
    const auto deadline = std::chrono::steady_clock::now() + spin_budget;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (ready()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= deadline) return ready();
    }
}

/// A job is published by bumping `ticket_`, which carries the job's generation (high bits)
/// and chunk count (low bits): a worker whose index is past the count never touches the job.
/// Workers and the caller poll before they sleep on a condition variable (spin_until); the
/// side that changes what a sleeper waits for notifies it only when one sleeps, so a busy
/// pool makes no system call per job.
class pool {
  public:
    static pool& instance() {
        static pool p;
        return p;
    }

    void run(std::int64_t n, std::int64_t grain, const chunk_body& body) {
        std::lock_guard turn(dispatch_);
        resize(wanted_threads());
        const std::int64_t max_chunks = std::max<std::int64_t>(1, n / std::max<std::int64_t>(grain, 1));
        const int chunks = static_cast<int>(std::min<std::int64_t>(max_chunks, workers_.size() + 1));
        if (chunks <= 1) return run_inline(body, 0, n);
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            job_ = {&body, n, chunks};
            error_ = nullptr;
            pending_.store(chunks - 1, std::memory_order_relaxed);
            ticket_.store((generation(ticket_.load(std::memory_order_relaxed)) + 1) << chunk_bits | chunks,
                          std::memory_order_release);
            wake = sleeping_workers_ > 0;
        }
        if (wake) wake_.notify_all();
        run_chunk(job_, 0);
        const auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
        if (!spin_until(finished, may_spin_)) {
            std::unique_lock lock(mutex_);
            caller_sleeps_ = true;
            done_.wait(lock, finished);
            caller_sleeps_ = false;
        }
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

    int size() {
        std::lock_guard turn(dispatch_);
        resize(wanted_threads());
        return static_cast<int>(workers_.size()) + 1;
    }

    ~pool() { resize(1); }

  private:
    struct job {
        const chunk_body* body = nullptr;  // the caller's, which waits for every chunk
        std::int64_t n = 0;
        int chunks = 0;
    };
    static constexpr int chunk_bits = 16;  // chunks <= threads, far below 2^16
    static std::uint64_t generation(std::uint64_t ticket) { return ticket >> chunk_bits; }
    static int chunk_count(std::uint64_t ticket) { return static_cast<int>(ticket & ((1u << chunk_bits) - 1)); }

    static void run_inline(const chunk_body& body, std::int64_t begin, std::int64_t end) {
        const bool was_inside = inside_pool;
        inside_pool = true;
        try {
            body(begin, end);
        } catch (...) {
            inside_pool = was_inside;
            throw;
        }
        inside_pool = was_inside;
    }

    void run_chunk(const job& j, int index) {
        const std::int64_t begin = j.n * index / j.chunks, end = j.n * (index + 1) / j.chunks;
        try {
            run_inline(*j.body, begin, end);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }

    void worker(int index, std::uint64_t seen) {
        for (;;) {
            const auto published = [&] {
                return generation(ticket_.load(std::memory_order_acquire)) != generation(seen) ||
                       stop_.load(std::memory_order_acquire);
            };
            if (!spin_until(published, may_spin_)) {
                std::unique_lock lock(mutex_);
                ++sleeping_workers_;
                wake_.wait(lock, published);
                --sleeping_workers_;
            }
            if (stop_.load(std::memory_order_acquire)) return;
            seen = ticket_.load(std::memory_order_acquire);
            if (index >= chunk_count(seen)) continue;
            // The caller publishes no other job until this chunk is counted done.
            run_chunk(job_, index);
            if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                std::lock_guard lock(mutex_);
                if (caller_sleeps_) done_.notify_one();
            }
        }
    }

    /// Sets the number of threads (the caller counts as one).
    void resize(int threads) {
        if (static_cast<int>(workers_.size()) + 1 == threads) return;
        {
            std::lock_guard lock(mutex_);
            stop_.store(true, std::memory_order_release);
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
        stop_.store(false, std::memory_order_relaxed);
        may_spin_ = threads <= hardware_threads();
        for (int i = 1; i < threads; ++i)
            workers_.emplace_back(&pool::worker, this, i, ticket_.load(std::memory_order_relaxed));
    }

    std::mutex dispatch_;  // one job at a time
    std::mutex mutex_;     // guards the sleepers' flags and error_; job_ is written under it
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    job job_;
    std::atomic<std::uint64_t> ticket_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    bool may_spin_ = true;  // set only while no worker runs
    int sleeping_workers_ = 0;
    bool caller_sleeps_ = false;
    std::exception_ptr error_;
};

}  // namespace

int num_threads() { return pool::instance().size(); }

void parallel_for(std::int64_t n, std::int64_t grain, chunk_body body) {
    if (n <= 0) return;
    if (inside_pool) return body(0, n);
    pool::instance().run(n, grain, body);
}

}  // namespace jitfuse::cpu
