// Program preparation (validation, lddw resolution, threaded code) and the run entry point.
#include "isa/syntax.h"
#include "jit/x86_64/jit.h"
#include "platform/platform.h"
#include "vm/interpreter_internal.h"

namespace xbpf::vm {

Result<std::uint64_t> Host::resolve_lddw(const isa::Instruction& insn) {
  Location where;
  where.instruction = insn.slot;
  return make_error("'" + isa::format(insn, isa::Syntax::llvm) +
                        "' needs the runtime to resolve it, and none is attached",
                    where);
}

const Program* Host::tail_call_target(std::uint64_t, std::uint64_t) { return nullptr; }

namespace {

bool env_flag(const char* name) {
  const std::optional<std::string> value = platform::environment_variable(name);
  return value && (*value == "1" || *value == "on" || *value == "yes" || *value == "true");
}

Location at(const isa::Instruction& insn) {
  Location where;
  where.instruction = insn.slot;
  return where;
}

std::vector<Slot> thread(std::span<const isa::Instruction> code,
                         const std::vector<std::uint64_t>& wide, const detail::HandlerTable& table,
                         bool tail_calls) {
  std::vector<Slot> slots(isa::slot_count(code));
  std::size_t wide_index = 0;
  for (const isa::Instruction& insn : code) {
    Slot& slot = slots[insn.slot];
    slot.handler = table.handlers[static_cast<std::size_t>(insn.op)];
    slot.dst = insn.dst;
    slot.src = insn.src;
    slot.off = insn.off;
    slot.imm = insn.imm;
    if (insn.op == isa::Op::call_helper && insn.imm == kTailCallHelper && tail_calls) {
      slot.handler = table.tail_call();
    }
    if (insn.slots() == 2) {
      // Both halves carry the resolved 64-bit value (low word here, high word next).
      const std::uint64_t value = wide[wide_index++];
      slot.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
      Slot& high = slots[insn.slot + 1];
      high.handler = table.unavailable();
      high.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(value >> 32));
    }
  }
  return slots;
}

}  // namespace

Result<std::shared_ptr<const Program>> Program::create(std::span<const isa::Instruction> code,
                                                       const Environment& environment) {
  XBPF_TRY(isa::validate(code));
  const bool tail_calls = environment.host != nullptr && environment.host->supports_tail_calls();
  std::vector<std::uint64_t> wide;
  for (const isa::Instruction& insn : code) {
    const isa::OpInfo& row = insn.info();
    if (row.form == isa::Form::call_helper) {
      const bool is_tail_call = insn.imm == kTailCallHelper && tail_calls;
      if (!is_tail_call && (insn.imm < 0 || static_cast<std::size_t>(insn.imm) >= kMaxHelpers ||
                            environment.helpers[static_cast<std::size_t>(insn.imm)] == nullptr)) {
        return make_error("helper " + std::to_string(insn.imm) + " is not available", at(insn));
      }
    } else if (row.form == isa::Form::call_btf) {
      return make_error("calls to kernel functions (call btf_id " + std::to_string(insn.imm) +
                            ") are not supported",
                        at(insn));
    } else if (row.form == isa::Form::lddw) {
      if (row.sem == isa::Sem::imm64) {
        wide.push_back(insn.imm64());
      } else if (row.sem == isa::Sem::code_addr) {
        wide.push_back(static_cast<std::uint64_t>(insn.target()));
      } else {
        if (environment.host == nullptr) {
          return make_error("'" + isa::format(insn, isa::Syntax::llvm) +
                                "' needs the runtime to resolve it, and none is attached",
                            at(insn));
        }
        Result<std::uint64_t> value = environment.host->resolve_lddw(insn);
        if (!value) return std::move(value).error();
        wide.push_back(*value);
      }
    }
  }
  std::shared_ptr<Program> program(new Program());
  program->instructions_.assign(code.begin(), code.end());
  program->environment_ = environment;
  program->fast_ = thread(code, wide, detail::fast_handlers(), tail_calls);
  program->checked_ = thread(code, wide, detail::checked_handlers(), tail_calls);
  program->entries_.assign(program->fast_.size(), false);
  program->entries_[0] = true;
  for (const isa::Instruction& insn : code) {
    if (insn.info().form == isa::Form::call_local || insn.info().sem == isa::Sem::code_addr) {
      program->entries_[static_cast<std::size_t>(insn.target())] = true;
    }
  }
  if (environment.native) {
    // Per slot, the value an lddw there loads: the image's code reads the map references
    // the runtime resolved.
    program->native_wide_.assign(program->fast_.size() + 1, 0);
    for (const isa::Instruction& insn : code) {
      if (insn.slots() == 2) program->native_wide_[insn.slot] = program->wide_value(insn.slot);
    }
    program->native_link_ =
        detail::make_native_link(*program, *environment.native, program->native_wide_.data());
  }
  if (!environment.jit_allowed) {
    program->jit_unavailable_ = "the runtime forbids JIT compilation";
  } else if (!jit_permitted()) {
    program->jit_unavailable_ = "XBPF_JIT=off forbids JIT compilation";
  } else {
    jit::x86_64::Options options;
    options.blind = environment.jit_blind || env_flag("XBPF_JIT_BLIND");
    Result<std::shared_ptr<const jit::x86_64::Image>> image =
        jit::x86_64::compile(*program, options);
    if (image) {
      program->jit_ = std::move(*image);
      program->jit_entry_ = program->jit_->entry();
      program->jit_main_ = program->jit_->function(0);
      program->jit_arguments_ = program->jit_->arguments();
    } else {
      program->jit_unavailable_ = image.error().message;
    }
  }
  return std::shared_ptr<const Program>(std::move(program));
}

bool jit_permitted() {
  const std::optional<std::string> value = platform::environment_variable("XBPF_JIT");
  return !value || !(*value == "off" || *value == "0" || *value == "no" || *value == "false");
}

namespace {

std::uint64_t stack_top(const RunState& state) {
  return reinterpret_cast<std::uint64_t>(state.stack.data() + state.stack.size());
}

// Turns the reason JITed code stopped for into the interpreter's error. Out of line: the
// run path stays small.
[[gnu::noinline]] Result<std::uint64_t> jit_stopped(RunState& state) {
  RunState::JitScratch& scratch = state.jit_scratch;
  const auto stop = static_cast<jit::x86_64::Stop>(scratch.error);
  const auto slot = static_cast<std::ptrdiff_t>(scratch.slot);
  scratch.error = 0;
  switch (stop) {
    case jit::x86_64::Stop::helper_failed: {
      if (!state.failed()) break;
      Error error = state.take_failure();
      if (!error.where.instruction) error.where.instruction = static_cast<std::size_t>(slot);
      return error;
    }
    case jit::x86_64::Stop::call_depth:
      return detail::fault_at(slot,
                              "call depth exceeds " + std::to_string(kMaxCallDepth) + " frames");
    case jit::x86_64::Stop::bad_callx:
      return detail::fault_at(slot, "callx target " + to_hex(scratch.value) +
                                        " is neither a function entry nor an available helper");
    case jit::x86_64::Stop::none: break;
  }
  return detail::fault_at(slot, "JITed code stopped for an unknown reason");
}

// Enters JITed code at `function` with a frame 512 bytes below `caller_frame`.
Result<std::uint64_t> run_jit(const Program& program, const void* function,
                              std::span<const std::uint64_t> args, std::uint64_t caller_frame,
                              RunState& state) {
  std::uint64_t regs[5] = {};
  for (std::size_t i = 0; i < args.size() && i < 5; ++i) regs[i] = args[i];
  const std::uint64_t r0 = program.jit()->entry()(regs, &state, caller_frame, function);
  if (state.jit_scratch.error == 0) [[likely]] {
    return r0;
  }
  return jit_stopped(state);
}

[[gnu::noinline]] Error jit_unavailable(const Program& program) {
  return make_error("the JIT is not available: " + program.jit_unavailable());
}

[[gnu::noinline]] Error native_unavailable() {
  return make_error(
      "no native code: the program was not loaded from a native image (xbpf gen native)");
}

}  // namespace

namespace {

void reset_for_run(const Program& program, RunState& state, Engine engine) {
  state.instructions_executed = 0;
  state.tail_calls = 0;
  state.reset_failure();
  state.engine = engine;
  state.program = &program;
}

[[gnu::noinline]] Result<std::uint64_t> run_interpreted(const Program& program,
                                                        std::span<const std::uint64_t> args,
                                                        RunState& state, Engine engine) {
  reset_for_run(program, state, engine);
  if (engine == Engine::native) {
    if (program.native() == nullptr) return native_unavailable();
    return detail::run_native(program, 0, args, 0, state);
  }
  const std::uint64_t top = stack_top(state);
  return engine == Engine::interpreter ? detail::run_fast(program, 0, args, top, 0, state)
                                       : detail::run_checked(program, 0, args, top, 0, state);
}

}  // namespace

// The JIT's path is kept short (a hook calls this per packet): the program's entry in one
// load, the interpreters and the error paths out of line.
Result<std::uint64_t> run(const Program& program, std::span<const std::uint64_t> args,
                          RunState& state, Engine engine) {
  if (engine != Engine::jit) return run_interpreted(program, args, state, engine);
  if (program.jit_main_ == nullptr) [[unlikely]] {
    return jit_unavailable(program);
  }
  reset_for_run(program, state, engine);
  std::uint64_t copy[5];
  const std::uint64_t* regs =
      args.size() >= program.jit_arguments_ ? args.data() : detail::pad_arguments(args, copy);
  const std::uint64_t r0 =
      program.jit_entry_(regs, &state, stack_top(state) + kStackSize, program.jit_main_);
  if (state.jit_scratch.error == 0) [[likely]] {
    return r0;
  }
  return jit_stopped(state);
}

namespace detail {

std::uint64_t run_raw_slow(const Program& program, std::span<const std::uint64_t> args,
                           RunState& state, Engine engine, bool stopped) {
  Result<std::uint64_t> r0 = stopped ? jit_stopped(state) : run(program, args, state, engine);
  if (r0) return *r0;
  state.fail(std::move(r0).error());
  return 0;
}

const std::uint64_t* pad_arguments(std::span<const std::uint64_t> args, std::uint64_t (&copy)[5]) {
  for (std::size_t i = 0; i < 5; ++i) copy[i] = i < args.size() ? args[i] : 0;
  return copy;
}

}  // namespace detail

Result<std::uint64_t> call_function(RunState& state, std::uint64_t function_slot,
                                    std::span<const std::uint64_t> args) {
  const Program* program = state.program;
  if (program == nullptr || !program->is_function_entry(function_slot)) {
    return make_error("callback " + to_hex(function_slot) + " is not a function of the program");
  }
  // The frame the helper's caller published (JITed code publishes the frame only: its depth
  // follows from it).
  const std::uint64_t frame_pointer = state.frame_pointer;
  if (state.engine == Engine::native) {
    if (state.depth + 1 >= kMaxCallDepth) {
      return make_error("call depth exceeds " + std::to_string(kMaxCallDepth) +
                        " frames (in a callback)");
    }
    const std::size_t depth = state.depth;
    Result<std::uint64_t> result =
        detail::run_native(*program, function_slot, args, depth + 1, state);
    state.frame_pointer = frame_pointer;
    state.depth = depth;
    state.program = program;
    return result;
  }
  const std::size_t depth =
      state.engine == Engine::jit
          ? static_cast<std::size_t>((stack_top(state) - frame_pointer) / kStackSize)
          : state.depth;
  if (depth + 1 >= kMaxCallDepth) {
    return make_error("call depth exceeds " + std::to_string(kMaxCallDepth) +
                      " frames (in a callback)");
  }
  if (state.engine == Engine::jit) {
    const std::uint64_t stack_pointer = state.jit_scratch.stack_pointer;
    Result<std::uint64_t> result =
        run_jit(*program, program->jit()->function(function_slot), args, frame_pointer, state);
    state.jit_scratch.stack_pointer = stack_pointer;
    state.frame_pointer = frame_pointer;
    state.program = program;
    return result;
  }
  // The callee may change the published frame; the helper's caller needs it back.
  Result<std::uint64_t> result =
      state.engine == Engine::interpreter
          ? detail::run_fast(*program, function_slot, args, frame_pointer - kStackSize, depth + 1,
                             state)
          : detail::run_checked(*program, function_slot, args, frame_pointer - kStackSize,
                                depth + 1, state);
  state.frame_pointer = frame_pointer;
  state.depth = depth;
  state.program = program;
  return result;
}

std::string_view engine_name(Engine engine) {
  switch (engine) {
    case Engine::interpreter: return "interp";
    case Engine::checked: return "interp-checked";
    case Engine::jit: return "jit";
    case Engine::native: return "native";
  }
  return "?";
}

std::optional<Engine> parse_engine(std::string_view name) {
  if (name == "interp" || name == "interpreter") return Engine::interpreter;
  if (name == "interp-checked" || name == "checked") return Engine::checked;
  if (name == "jit") return Engine::jit;
  if (name == "native") return Engine::native;
  return std::nullopt;
}

}  // namespace xbpf::vm
