// The checked interpreter: every load and store is checked against the regions the caller
// registered and the live stack frames; a violation stops the program with a report.
#include <limits>

#include "vm/interpreter_internal.h"

namespace xbpf::vm::detail {
namespace {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#define XBPF_CHECKED 1
#define XBPF_RUN_IMPL run_checked_impl
#include "vm/interpreter_body.inc"
#pragma GCC diagnostic pop

bool inside(std::uint64_t address, std::uint64_t size, std::uint64_t start, std::uint64_t length) {
  return address >= start && size <= length && address - start <= length - size;
}

std::uint64_t stack_top(const RunState& state) {
  return reinterpret_cast<std::uint64_t>(state.stack.data() + state.stack.size());
}

}  // namespace

Error fault_at(std::ptrdiff_t slot, std::string message) {
  Location where;
  where.instruction = static_cast<std::size_t>(slot);
  return make_error(std::move(message), where);
}

bool on_stack(const RunState& state, std::uint64_t address, std::uint64_t size,
              std::uint64_t frame_pointer) {
  const std::uint64_t stack_low = frame_pointer - kStackSize;
  return inside(address, size, stack_low, stack_top(state) - stack_low);
}

bool access_allowed(const RunState& state, std::uint64_t address, std::uint64_t size, bool write,
                    std::uint64_t frame_pointer) {
  if (on_stack(state, address, size, frame_pointer)) {
    return true;
  }
  for (const Region& region : state.regions()) {
    if (inside(address, size, region.start, region.size)) {
      return !write || region.writable;
    }
  }
  return false;
}

std::string describe_violation(const RunState& state, std::uint64_t address, std::uint64_t size,
                               bool write, std::uint64_t frame_pointer, std::size_t depth) {
  std::string text = std::string(write ? "write" : "read") + " of " + std::to_string(size) +
                     " bytes at " + to_hex(address);
  // A write into a read-only region.
  for (const Region& region : state.regions()) {
    if (inside(address, size, region.start, region.size)) {
      return text + " to read-only " + region.name;
    }
  }
  // Small addresses are NULL plus an offset (an unchecked map lookup, usually).
  if (address < 4096) {
    return text + " dereferences NULL" + (address != 0 ? " + " + std::to_string(address) : "");
  }
  // Otherwise: outside every region; name the nearest.
  struct Candidate {
    std::string name;
    std::uint64_t start, size;
  };
  std::vector<Candidate> candidates;
  const std::uint64_t stack_low = frame_pointer - kStackSize;
  candidates.push_back(
      {"the stack (frame " + std::to_string(depth) + ")", stack_low, stack_top(state) - stack_low});
  for (const Region& region : state.regions()) {
    candidates.push_back({region.name, region.start, region.size});
  }
  const Candidate* nearest = nullptr;
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  std::string relation;
  for (const Candidate& candidate : candidates) {
    std::uint64_t distance;
    std::string how;
    if (address < candidate.start) {
      distance = candidate.start - address;
      how = std::to_string(distance) + " bytes before";
    } else {
      const std::uint64_t end = candidate.start + candidate.size;
      distance = address + size > end ? address + size - end : 0;
      how = std::to_string(distance) + " bytes past the end of";
    }
    if (distance < best) {
      best = distance;
      nearest = &candidate;
      relation = how;
    }
  }
  text += " is outside every region: " + relation + " " + nearest->name + " [" +
          to_hex(nearest->start) + ", " + to_hex(nearest->start + nearest->size) + ")";
  return text;
}

}  // namespace xbpf::vm::detail

namespace xbpf::vm {

bool accessible(const RunState& state, std::uint64_t address, std::uint64_t size, bool write) {
  return detail::access_allowed(state, address, size, write, state.frame_pointer);
}

}  // namespace xbpf::vm

namespace xbpf::vm::detail {

HandlerTable checked_handlers() {
  static const HandlerTable table = [] {
    HandlerTable result{};
    (void)run_checked_impl(nullptr, 0, {}, 0, 0, nullptr, &result);
    return result;
  }();
  return table;
}

Result<std::uint64_t> run_checked(const Program& program, std::uint64_t entry,
                                  std::span<const std::uint64_t> args, std::uint64_t frame_pointer,
                                  std::size_t depth, RunState& state) {
  return run_checked_impl(&program, entry, args, frame_pointer, depth, &state, nullptr);
}

}  // namespace xbpf::vm::detail
