// Placing generated code in executable memory (W^X), and the C++ side of JITed code: the
// RunState layout it addresses, tail calls and legacy packet loads.
#include <cstring>
#include <mutex>
#include <vector>

#include "jit/x86_64/compiler.h"
#include "platform/platform.h"

namespace xbpf::vm {

const RunStateLayout& RunStateLayout::get() {
  static const RunStateLayout layout = [] {
    const auto state = std::make_unique<RunState>();
    const auto* base = reinterpret_cast<const char*>(state.get());
    const auto at = [base](const void* field) {
      return static_cast<std::int32_t>(static_cast<const char*>(field) - base);
    };
    RunStateLayout result{};
    result.failed = at(&state->failed_);
    result.frame_pointer = at(&state->frame_pointer);
    result.program = at(&state->program);
    result.depth = at(&state->depth);
    result.stack = at(state->stack.data());
    result.scratch_stack_pointer = at(&state->jit_scratch.stack_pointer);
    result.scratch_value = at(&state->jit_scratch.value);
    result.scratch_error = at(&state->jit_scratch.error);
    result.scratch_slot = at(&state->jit_scratch.slot);
    result.scratch_packet_fault = at(&state->jit_scratch.packet_fault);
    return result;
  }();
  return layout;
}

}  // namespace xbpf::vm

namespace xbpf::jit::x86_64 {

Abi native_abi() {
#if defined(_WIN32)
  return Abi::win64;
#else
  return Abi::sysv;
#endif
}

bool host_has_bmi2() {
  static const bool has = __builtin_cpu_supports("bmi2") != 0;
  return has;
}

namespace {

// Pages of code, recycled: an image's pages go to a small pool when it is freed, and a later
// compilation of the same size takes them back (made writable again first: never writable
// and executable at once). That spares the mapping, its page faults and the unmapping's TLB
// flush, a third of compiling a small program; Linux's JIT shares pages between programs
// (bpf_prog_pack) for the same reason.
class CodePool {
 public:
  static CodePool& get() {
    static CodePool* const pool = new CodePool();  // never destroyed: images outlive statics
    return *pool;
  }

  // `size` bytes of read+write pages, or nullptr.
  void* take(std::size_t size) {
    {
      const std::lock_guard lock(mutex_);
      for (auto it = free_.begin(); it != free_.end(); ++it) {
        if (it->size != size) continue;
        void* pages = it->pages;
        free_.erase(it);
        pooled_ -= size;
        if (platform::make_writable(pages, size)) return pages;
        platform::free_code(pages, size);
        break;
      }
    }
    return platform::allocate_code(size);
  }

  void give(void* pages, std::size_t size) {
    if (pages == nullptr) return;
    {
      const std::lock_guard lock(mutex_);
      if (pooled_ + size <= kLimit) {
        free_.push_back({pages, size});
        pooled_ += size;
        return;
      }
    }
    platform::free_code(pages, size);
  }

 private:
  static constexpr std::size_t kLimit = std::size_t{1} << 20;  // kept at most
  struct Pages {
    void* pages;
    std::size_t size;
  };
  std::mutex mutex_;
  std::vector<Pages> free_;
  std::size_t pooled_ = 0;
};

}  // namespace

Image::~Image() { CodePool::get().give(pages_, mapped_size_); }

Listing generate(const vm::Program& program, const Options& options) {
  static const void* const kNoTable[1] = {nullptr};
  return generate(program, options, kNoTable);
}

Result<std::shared_ptr<const Image>> compile(const vm::Program& program, const Options& options) {
  if (options.abi != native_abi()) {
    return make_error("the JIT can only place code for this machine's calling convention");
  }
  std::shared_ptr<Image> image(new Image());
  image->functions_.assign(program.slot_count(), nullptr);
  Listing listing = generate(program, options, image->functions_.data());
  // The code starts 32 bytes into its pages, after int3s: sanitizers that look for a type
  // signature just before a called function's address read traps, not another mapping; the
  // generator's 32-byte branch alignment holds.
  constexpr std::size_t kPage = 4096;
  constexpr std::size_t kPreamble = 32;
  const std::size_t mapped = (kPreamble + listing.code.size() + kPage - 1) / kPage * kPage;
  auto* pages = static_cast<std::uint8_t*>(CodePool::get().take(mapped));
  if (pages == nullptr) return make_error("cannot allocate memory for JIT code");
  image->pages_ = pages;
  image->mapped_size_ = mapped;
  std::memset(pages, 0xcc, mapped);  // int3 around the code
  std::uint8_t* memory = pages + kPreamble;
  image->memory_ = memory;
  image->code_size_ = listing.code.size();
  std::memcpy(memory, listing.code.data(), listing.code.size());
  XBPF_TRY(platform::make_executable(pages, mapped));
  image->entry_ = reinterpret_cast<Image::Entry>(reinterpret_cast<std::uintptr_t>(memory));
  image->tail_entry_ = memory + listing.tail_entry;
  image->entries_.assign(listing.entries.size(), nullptr);
  for (std::size_t slot = 0; slot < listing.functions.size(); ++slot) {
    if (listing.functions[slot] != Listing::kNone) {
      image->functions_[slot] = memory + listing.functions[slot];
      image->entries_[slot] = memory + listing.entries[slot];
    }
  }
  image->offsets_ = std::move(listing.offsets);
  image->body_end_ = listing.body_end;
  image->arguments_ = listing.arguments;
  return std::shared_ptr<const Image>(std::move(image));
}

const void* tail_call(vm::RunState* state, std::uint64_t map, std::uint64_t index) {
  if (state->tail_calls >= vm::kMaxTailCalls) return nullptr;
  const vm::Program* next = state->program->environment().host->tail_call_target(map, index);
  if (next == nullptr) return nullptr;
  if (next->jit() == nullptr) {
    state->fail(
        make_error("the tail call target has no JIT code (" + next->jit_unavailable() + ")"));
    return nullptr;
  }
  ++state->tail_calls;
  state->program = next;
  return next->jit()->tail_entry();
}

std::uint64_t packet_load(vm::RunState* state, std::int64_t offset, std::uint64_t bytes) {
  const std::span<const std::uint8_t> packet = state->packet();
  if (offset < 0 || static_cast<std::uint64_t>(offset) + bytes > packet.size()) {
    state->jit_scratch.packet_fault = 1;
    return 0;
  }
  std::uint64_t value = 0;
  for (std::uint64_t i = 0; i < bytes; ++i) {
    value = (value << 8) | packet[static_cast<std::size_t>(offset) + i];
  }
  return value;
}

}  // namespace xbpf::jit::x86_64
