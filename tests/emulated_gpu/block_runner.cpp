// SPDX-License-Identifier: Apache-2.0
#include "block_runner.hpp"

#include <bit>
#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace jf_emu {
namespace {

/// Thrown inside a kernel's thread when the launch cannot go on.
struct fault : std::runtime_error {
    using std::runtime_error::runtime_error;
};

dim3 unravel(std::uint64_t i, dim3 extent) {
    return {static_cast<unsigned>(i % extent.x), static_cast<unsigned>(i / extent.x % extent.y),
            static_cast<unsigned>(i / extent.x / extent.y)};
}
std::uint64_t volume(dim3 d) { return std::uint64_t(d.x) * d.y * d.z; }

void refuse_sync(void*) { throw fault("a kernel classified as independent called __syncthreads"); }
unsigned long long refuse_shuffle(void*, unsigned, unsigned long long, int) {
    throw fault("a kernel classified as independent called __shfl_down_sync");
}

std::string run_independent(const launch& l) {
    const block_sync refuse{refuse_sync, refuse_shuffle, nullptr};
    thread_context c{{}, {}, l.block, l.grid, &refuse};
    try {
        for (std::uint64_t b = 0; b < volume(l.grid); ++b) {
            c.block_idx = unravel(b, l.grid);
            for (std::uint64_t t = 0; t < volume(l.block); ++t) {
                c.thread_idx = unravel(t, l.block);
                l.entry(l.params, &c);
            }
        }
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

// ---- synchronizing kernels: a block's threads as fibers on the launching thread ----------
// Each GPU thread runs until it waits (__syncthreads, a shuffle) or returns; then the next
// ready one runs. Deterministic, and a wait nobody can end is reported, not hung on.

namespace bc = boost::context;

constexpr std::size_t fiber_stack_bytes = 128 * 1024;

enum class fiber_state { ready, waiting, done };

struct fiber {
    bc::fiber self;       // the GPU thread, while suspended
    bc::fiber scheduler;  // where it goes back to when it waits
    thread_context thread;
    fiber_state state = fiber_state::ready;
    std::uint64_t shuffle_result = 0;
};

class block_state {
  public:
    block_state(const launch& l, unsigned threads)
        : launch_(l), stacks_(fiber_stack_bytes, threads), fibers_(threads), warps_((threads + 31) / 32) {}

    /// Runs block `index` to the end; the fault that stopped it, or empty.
    std::string run(std::uint64_t index) {
        start_block(index);
        for (bool progress = true; progress && fault_.empty();) {
            progress = false;
            for (std::size_t t = 0; t < fibers_.size() && fault_.empty(); ++t) {
                if (fibers_[t].state != fiber_state::ready) continue;
                progress = true;
                running_ = t;
                fibers_[t].self = std::move(fibers_[t].self).resume();
            }
        }
        if (fault_.empty() && live_ > 0) fault_ = "deadlock: " + std::to_string(live_) + " threads wait and none can go on";
        return fault_;
    }

    void sync_threads() {
        if (++arrived_ == live_) release_barrier();
        else wait(barrier_waiters_);
    }

    std::uint64_t shuffle_down(unsigned mask, std::uint64_t bits, int delta) {
        const unsigned lane = running_ % 32;
        warp& w = warps_[running_ / 32];
        if (!(mask >> lane & 1u)) raise("lane " + std::to_string(lane) + " shuffles with a mask that leaves it out");
        if (mask & ~w.live) raise("a shuffle's mask names lanes that have returned or do not exist");
        if (w.waiting.empty()) w.mask = mask;
        else if (w.mask != mask) raise("lanes of one warp shuffle with different masks");
        w.slot[lane] = bits;
        w.waiting.push_back(running_);
        if (static_cast<int>(w.waiting.size()) == std::popcount(mask)) {
            // Every lane's result is fixed now, so lanes that run on may overwrite their slots.
            for (const std::size_t t : w.waiting) {
                const unsigned source = t % 32 + static_cast<unsigned>(delta);
                fibers_[t].shuffle_result = source < 32 && (mask >> source & 1u) ? w.slot[source] : w.slot[t % 32];
                if (t != running_) fibers_[t].state = fiber_state::ready;
            }
            w.waiting.clear();
        } else {
            block_running();
        }
        return fibers_[running_].shuffle_result;
    }

  private:
    struct warp {
        unsigned live = 0, mask = 0;
        std::uint64_t slot[32] = {};
        std::vector<std::size_t> waiting;
    };

    bc::fiber thread_body(std::size_t t, bc::fiber&& scheduler) {
        fibers_[t].scheduler = std::move(scheduler);
        try {
            launch_.entry(launch_.params, &fibers_[t].thread);
        } catch (const std::exception& e) {  // not boost's forced unwind of an abandoned fiber
            if (fault_.empty()) fault_ = e.what();
        }
        thread_returned(t);
        return std::move(fibers_[t].scheduler);
    }

    void start_block(std::uint64_t index) {
        fault_.clear();
        live_ = static_cast<unsigned>(fibers_.size());
        arrived_ = 0;
        barrier_waiters_.clear();
        for (std::size_t w = 0; w < warps_.size(); ++w) {
            const unsigned lanes = std::min<unsigned>(32, live_ - 32 * static_cast<unsigned>(w));
            warps_[w] = warp{};
            warps_[w].live = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1;
        }
        for (std::size_t t = 0; t < fibers_.size(); ++t) {
            fiber& f = fibers_[t];
            f.state = fiber_state::ready;
            f.thread = {unravel(t, launch_.block), unravel(index, launch_.grid), launch_.block, launch_.grid, &sync_};
            f.self = bc::fiber(std::allocator_arg, stacks_, [this, t](bc::fiber&& s) { return thread_body(t, std::move(s)); });
        }
    }

    void thread_returned(std::size_t t) {
        fibers_[t].state = fiber_state::done;
        warp& w = warps_[t / 32];
        w.live &= ~(1u << (t % 32));
        if (!w.waiting.empty() && (w.mask >> (t % 32) & 1u) && fault_.empty())
            fault_ = "a lane returned while its warp waits for it in a shuffle";
        if (--live_ > 0 && arrived_ == live_) release_barrier();
    }

    void release_barrier() {
        arrived_ = 0;
        for (const std::size_t t : barrier_waiters_) fibers_[t].state = fiber_state::ready;
        barrier_waiters_.clear();
    }

    void wait(std::vector<std::size_t>& waiters) {
        waiters.push_back(running_);
        block_running();
    }

    /// Parks the running thread until another makes it ready; throws if the block faulted.
    void block_running() {
        const std::size_t self = running_;
        fibers_[self].state = fiber_state::waiting;
        fibers_[self].scheduler = std::move(fibers_[self].scheduler).resume();
        running_ = self;
        if (!fault_.empty()) throw fault(fault_);
    }

    [[noreturn]] void raise(const std::string& why) {
        if (fault_.empty()) fault_ = why;
        throw fault(fault_);
    }

    static void sync_hook(void* block) { static_cast<block_state*>(block)->sync_threads(); }
    static unsigned long long shuffle_hook(void* block, unsigned mask, unsigned long long bits, int delta) {
        return static_cast<block_state*>(block)->shuffle_down(mask, bits, delta);
    }

    const launch& launch_;
    bc::pooled_fixedsize_stack stacks_;  // before the fibers: it outlives them
    std::vector<fiber> fibers_;
    std::vector<warp> warps_;
    const block_sync sync_{sync_hook, shuffle_hook, this};
    std::size_t running_ = 0;
    unsigned live_ = 0, arrived_ = 0;
    std::vector<std::size_t> barrier_waiters_;
    std::string fault_;
};

std::string run_synchronizing(const launch& l) {
    block_state block(l, static_cast<unsigned>(volume(l.block)));
    for (std::uint64_t b = 0; b < volume(l.grid); ++b)
        if (std::string why = block.run(b); !why.empty()) return why;
    return {};
}

}  // namespace

std::string run_launch(const launch& l) { return l.synchronizing ? run_synchronizing(l) : run_independent(l); }

}  // namespace jf_emu
