// Internal to the interpreter translation units.
#pragma once

#include <string>

#include "isa/syntax.h"
#include "support/text.h"
#include "vm/semantics.h"
#include "vm/vm.h"

namespace xbpf::vm::detail {

Error fault_at(std::ptrdiff_t slot, std::string message);

// Checked mode: may the program touch [address, address + size)? The stack of the running
// function and its callers is [frame_pointer - 512, stack top).
bool access_allowed(const RunState& state, std::uint64_t address, std::uint64_t size, bool write,
                    std::uint64_t frame_pointer);
// Whether [address, address + size) is inside that stack (private to the run: a misaligned
// atomic there is allowed, done as a plain read-modify-write).
bool on_stack(const RunState& state, std::uint64_t address, std::uint64_t size,
              std::uint64_t frame_pointer);
std::string describe_violation(const RunState& state, std::uint64_t address, std::uint64_t size,
                               bool write, std::uint64_t frame_pointer, std::size_t depth);

}  // namespace xbpf::vm::detail

namespace xbpf::vm::detail {

// Native code (vm/native.cpp): the link a Program gives its image's code, and running it.
NativeLink make_native_link(const Program& program, const NativeFunction& function,
                            const std::uint64_t* wide);
Result<std::uint64_t> run_native(const Program& program, std::uint64_t slot,
                                 std::span<const std::uint64_t> args, std::size_t depth,
                                 RunState& state);

}  // namespace xbpf::vm::detail
