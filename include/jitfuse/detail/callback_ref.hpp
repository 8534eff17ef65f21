// SPDX-License-Identifier: Apache-2.0
#pragma once
/// \file A reference to a callable with its type erased, like C++26's std::function_ref: the
/// loops that call back once per chunk, row or tile (the thread pool, the walks over a loop
/// plan) are then compiled once per rank, not once more for every expression a program
/// evaluates. A call through it costs an indirect call, which is small beside a tile's work.

#include <memory>
#include <type_traits>
#include <utility>

namespace jitfuse::detail {

template <class Signature>
class callback_ref;

template <class Result, class... Args>
class callback_ref<Result(Args...)> {
  public:
    /// Refers to `f`, which must outlive every call (a temporary does for the call it is an
    /// argument of).
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, callback_ref> && std::is_invocable_r_v<Result, F&, Args...>)
    callback_ref(F&& f) noexcept  // implicit, so that a lambda passes where a callback is asked
        : object_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* object, Args... args) -> Result {
              return (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
          }) {}

    Result operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

  private:
    void* object_;
    Result (*call_)(void*, Args...);
};

}  // namespace jitfuse::detail
