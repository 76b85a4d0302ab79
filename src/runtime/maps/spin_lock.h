// bpf_spin_lock: a 4-byte word inside a map value, locked by spinning on it. The helpers
// bpf_spin_lock/bpf_spin_unlock call these with the address the program passes (the
// struct bpf_spin_lock in the value); maps use them for BPF_F_LOCK copies.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace xbpf::runtime {

// A spinlock on a 32-bit word that may live in an arena (0 free, 1 held). Threads here are
// preemptible, unlike Linux's BPF programs, and a preempted holder must not be starved by its
// waiters: they spin briefly, then yield, then sleep.
inline void lock_word(std::uint32_t& word) {
  std::atomic_ref<std::uint32_t> lock(word);
  for (unsigned attempt = 0;; ++attempt) {
    if (lock.exchange(1, std::memory_order_acquire) == 0) return;
    for (int spins = 0; spins < 64 && lock.load(std::memory_order_relaxed) != 0; ++spins) {
    }
    if (lock.load(std::memory_order_relaxed) == 0) continue;
    if (attempt < 16) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
}

inline void unlock_word(std::uint32_t& word) {
  std::atomic_ref<std::uint32_t>(word).store(0, std::memory_order_release);
}

// `lock` is the address of a struct bpf_spin_lock (4-byte aligned) inside a map value.
inline void lock_value(void* lock) { lock_word(*static_cast<std::uint32_t*>(lock)); }
inline void unlock_value(void* lock) { unlock_word(*static_cast<std::uint32_t*>(lock)); }

// Holds a word lock for a scope.
class WordLock {
 public:
  explicit WordLock(std::uint32_t& word) : word_(word) { lock_word(word_); }
  ~WordLock() { unlock_word(word_); }
  WordLock(const WordLock&) = delete;
  WordLock& operator=(const WordLock&) = delete;

 private:
  std::uint32_t& word_;
};

}  // namespace xbpf::runtime
