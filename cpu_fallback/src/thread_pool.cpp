// SPDX-License-Identifier: Apache-2.0
#include "jitfuse/cpu/thread_pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "jitfuse/config.hpp"

namespace jitfuse::cpu {
namespace {

thread_local bool inside_pool = false;

int wanted_threads() {
    const int n = config().num_threads;
    return n > 0 ? n : std::max(1u, std::thread::hardware_concurrency());
}

/// Workers sleep on a condition variable between jobs; a job is published under `mutex_`
/// with a new generation number and each worker runs the chunk with its own index.
class pool {
  public:
    static pool& instance() {
        static pool p;
        return p;
    }

    void run(std::int64_t n, std::int64_t grain, impl::chunk_fn fn, void* context) {
        std::lock_guard turn(dispatch_);
        resize(wanted_threads());
        const std::int64_t max_chunks = std::max<std::int64_t>(1, n / std::max<std::int64_t>(grain, 1));
        const int chunks = static_cast<int>(std::min<std::int64_t>(max_chunks, workers_.size() + 1));
        if (chunks <= 1) return run_inline(fn, context, 0, n);
        {
            std::lock_guard lock(mutex_);
            job_ = {fn, context, n, chunks};
            pending_ = chunks - 1;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        run_chunk(0);
        std::unique_lock lock(mutex_);
        done_.wait(lock, [&] { return pending_ == 0; });
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
        impl::chunk_fn fn = nullptr;
        void* context = nullptr;
        std::int64_t n = 0;
        int chunks = 0;
    };

    static void run_inline(impl::chunk_fn fn, void* context, std::int64_t begin,
                           std::int64_t end) {
        const bool was_inside = inside_pool;
        inside_pool = true;
        try {
            fn(context, begin, end);
        } catch (...) {
            inside_pool = was_inside;
            throw;
        }
        inside_pool = was_inside;
    }

    void run_chunk(int index) {
        const job j = job_;
        const std::int64_t begin = j.n * index / j.chunks, end = j.n * (index + 1) / j.chunks;
        try {
            run_inline(j.fn, j.context, begin, end);
        } catch (...) {
            std::lock_guard lock(mutex_);
            if (!error_) error_ = std::current_exception();
        }
    }

    void worker(int index, std::uint64_t seen) {
        for (;;) {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return generation_ != seen || stop_; });
            if (stop_) return;
            seen = generation_;
            const bool mine = index < job_.chunks;
            lock.unlock();
            if (!mine) continue;
            run_chunk(index);
            lock.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }

    /// Sets the number of threads (the caller counts as one).
    void resize(int threads) {
        if (static_cast<int>(workers_.size()) + 1 == threads) return;
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
        stop_ = false;
        for (int i = 1; i < threads; ++i) workers_.emplace_back(&pool::worker, this, i, generation_);
    }

    std::mutex dispatch_;  // one job at a time
    std::mutex mutex_;     // guards the fields below
    std::condition_variable wake_, done_;
    std::vector<std::thread> workers_;
    job job_;
    int pending_ = 0;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
    std::exception_ptr error_;
};

}  // namespace

int num_threads() { return pool::instance().size(); }

namespace impl {
void run_chunks(std::int64_t n, std::int64_t grain, chunk_fn fn, void* context) {
    if (n <= 0) return;
    if (inside_pool) return fn(context, 0, n);
    pool::instance().run(n, grain, fn, context);
}
}  // namespace impl

}  // namespace jitfuse::cpu
