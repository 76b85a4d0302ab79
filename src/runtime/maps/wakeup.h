// How the consumers of a ring buffer or a perf event array are woken when a program writes.
// The runtime's own poll() waits on a condition variable; a consumer that sleeps elsewhere
// (the libbpf API's ring_buffer__poll and perf_buffer__poll, on a descriptor an application
// may also hand to epoll) registers a notifier, called on every wakeup. With neither, a
// writer pays one atomic load.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace xbpf::runtime {

class Wakeup {
 public:
  using Notifier = std::function<void()>;

  // Registers `notify`; the token removes it. Once remove_notifier returns, `notify` is
  // not running and will not be called again.
  std::uint64_t add_notifier(Notifier notify) {
    std::lock_guard<std::mutex> guard(mutex_);
    notifiers_.emplace(++last_token_, std::move(notify));
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    return last_token_;
  }
  void remove_notifier(std::uint64_t token) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (notifiers_.erase(token) != 0) waiters_.fetch_sub(1, std::memory_order_seq_cst);
  }

  void wake() {
    if (waiters_.load(std::memory_order_seq_cst) == 0) return;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      for (auto& [token, notify] : notifiers_) notify();
    }
    condition_.notify_all();
  }

  // Waits up to timeout_ms (negative: forever) until ready() holds.
  template <class Ready>
  void wait(int timeout_ms, Ready ready) {
    std::unique_lock<std::mutex> lock(mutex_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    if (timeout_ms < 0) {
      condition_.wait(lock, ready);
    } else {
      condition_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
    }
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
  }

 private:
  std::mutex mutex_;
  std::condition_variable condition_;
  std::atomic<int> waiters_{0};
  std::map<std::uint64_t, Notifier> notifiers_;
  std::uint64_t last_token_ = 0;
};

}  // namespace xbpf::runtime
