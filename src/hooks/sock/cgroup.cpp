// Attaching programs to a cgroup and starting its processes (the calls: calls.cpp).
#include "hooks/sock/cgroup.h"

#include <algorithm>

#include "platform/platform.h"
#include "support/linux_abi.h"

namespace xbpf::hooks::sock {
namespace {

constexpr std::size_t kMaxPrograms = 64;  // BPF_CGROUP_MAX_PROGS
constexpr long kE2BIG = linux_abi::kE2BIG;

Error attach_error(long linux_errno, std::string message) {
  Error error = make_error(std::move(message));
  error.linux_errno = linux_errno;
  return error;
}

std::size_t hook_index(const SockHook& hook) {
  return static_cast<std::size_t>(&hook - all_hooks().data());
}

std::string label(const runtime::LoadedProgram& program) {
  return program.section + "/" + program.name;
}

}  // namespace

Cgroup::Cgroup(CgroupOptions options)
    : options_(options),
      runner_(platform::cpu_count()),
      programs_(all_hooks().size()),
      flags_(all_hooks().size(), 0) {
  for (auto& list : programs_) list = std::make_shared<const ProgramList>();
}

Cgroup::~Cgroup() {
  // The supervisor's threads run handle(): they stop before anything they use goes.
  std::unique_ptr<platform::Supervisor> supervisor;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    supervisor = std::move(supervisor_);
  }
  supervisor.reset();
}

Result<std::unique_ptr<Cgroup>> Cgroup::create(CgroupOptions options) {
  XBPF_TRY(platform::socket_supervision_available());
  return std::unique_ptr<Cgroup>(new Cgroup(options));
}

Status Cgroup::attach(std::shared_ptr<const runtime::LoadedObject> owner,
                      const runtime::LoadedProgram& program, progtype::AttachType type,
                      std::uint32_t flags, const runtime::LoadedProgram* replace,
                      std::optional<vm::Engine> engine) {
  const SockHook* hook = hook_for(type);
  if (hook == nullptr)
    return attach_error(linux_abi::kEINVAL,
                        "attach type " + std::to_string(static_cast<unsigned>(type)) +
                            " is not a socket hook xbpf runs (it runs: " + hook_names() + ")");
  if (program.type == nullptr || program.type->type != progtype::ProgramType::cgroup_sock_addr ||
      program.source == nullptr || program.source->attach != type)
    return attach_error(linux_abi::kEINVAL,
                        label(program) + " is not a cgroup_sock_addr program expecting " +
                            std::string(hook->name) + " (its section names the attach type)");
  if ((flags & ~(kAllowOverride | kAllowMulti | kReplace)) != 0 ||
      ((flags & kAllowOverride) && (flags & kAllowMulti)) ||
      ((flags & kReplace) && !(flags & kAllowMulti)) ||
      ((flags & kReplace) != 0) != (replace != nullptr))
    return attach_error(linux_abi::kEINVAL, "attach flags " + std::to_string(flags) +
                                                " are not valid (override or multi; replace "
                                                "with multi and a program to replace)");
  AttachedProgram attached{
      std::move(owner), &program,
      engine.value_or(program.verified && program.code->jit() != nullptr
                          ? vm::Engine::jit
                          : (program.verified ? vm::Engine::interpreter : vm::Engine::checked))};
  std::lock_guard<std::mutex> lock(mutex_);
  if (supervisor_ && (intercepted_ & platform::call_bit(hook->call)) == 0)
    return attach_error(linux_abi::kEOPNOTSUPP,
                        std::string(hook->name) +
                            " programs must be attached before the "
                            "cgroup's first process starts (its calls are not intercepted)");
  const std::size_t index = hook_index(*hook);
  const ProgramList& current = *programs_[index];
  const std::uint32_t saved = flags & ~kReplace;
  if (!current.empty() && flags_[index] != saved)
    return attach_error(linux_abi::kEPERM,
                        std::string(hook->name) + " has programs attached with other flags");
  auto next = std::make_shared<ProgramList>(current);
  auto position = std::find_if(next->begin(), next->end(), [&](const AttachedProgram& p) {
    return p.program == (replace != nullptr ? replace : &program);
  });
  if (!(flags & kAllowMulti)) {
    next->assign(1, std::move(attached));
  } else if (replace != nullptr) {
    if (position == next->end())
      return attach_error(linux_abi::kENOENT,
                          label(*replace) + " is not attached to " + std::string(hook->name));
    *position = std::move(attached);
  } else {
    if (position != next->end())
      return attach_error(linux_abi::kEEXIST,
                          label(program) + " is attached to " + std::string(hook->name));
    if (next->size() >= kMaxPrograms)
      return attach_error(kE2BIG, std::string(hook->name) + " has " + std::to_string(kMaxPrograms) +
                                      " programs attached");
    next->push_back(std::move(attached));
  }
  programs_[index] = std::move(next);
  flags_[index] = saved;
  return {};
}

Status Cgroup::detach(const runtime::LoadedProgram& program, progtype::AttachType type) {
  const SockHook* hook = hook_for(type);
  std::lock_guard<std::mutex> lock(mutex_);
  if (hook != nullptr) {
    const std::size_t index = hook_index(*hook);
    auto next = std::make_shared<ProgramList>(*programs_[index]);
    auto position = std::find_if(next->begin(), next->end(),
                                 [&](const AttachedProgram& p) { return p.program == &program; });
    if (position != next->end()) {
      next->erase(position);
      programs_[index] = std::move(next);
      return {};
    }
  }
  return attach_error(linux_abi::kENOENT, label(program) + " is not attached" +
                                              (hook ? " to " + std::string(hook->name) : ""));
}

std::vector<const runtime::LoadedProgram*> Cgroup::query(progtype::AttachType type) const {
  std::vector<const runtime::LoadedProgram*> out;
  if (const SockHook* hook = hook_for(type)) {
    for (const AttachedProgram& attached : *programs(*hook)) out.push_back(attached.program);
  }
  return out;
}

std::shared_ptr<const ProgramList> Cgroup::programs(const SockHook& hook) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return programs_[hook_index(hook)];
}

Result<platform::Supervisor*> Cgroup::supervisor() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (supervisor_) return supervisor_.get();
  std::uint32_t calls = platform::call_bit(platform::SocketCall::bind) |
                        platform::call_bit(platform::SocketCall::connect) | options_.extra_calls;
  for (const SockHook& hook : all_hooks()) {
    if (!programs_[hook_index(hook)]->empty()) calls |= platform::call_bit(hook.call);
  }
  platform::SupervisorOptions options;
  options.calls = calls;
  options.reap_orphans = options_.own_process;
  options.protect_supervisor = options_.own_process;
  options.handler = [this](platform::SupervisedCall& call) { return handle(call); };
  Result<std::unique_ptr<platform::Supervisor>> made = platform::Supervisor::create(options);
  if (!made) return std::move(made).error();
  supervisor_ = std::move(*made);
  intercepted_ = calls;
  return supervisor_.get();
}

Result<std::uint32_t> Cgroup::spawn(const std::vector<std::string>& argv) {
  Result<platform::Supervisor*> supervisor = this->supervisor();
  if (!supervisor) return std::move(supervisor).error();
  return (*supervisor)->spawn(argv);
}

Result<int> Cgroup::wait(std::uint32_t pid) {
  Result<platform::Supervisor*> supervisor = this->supervisor();
  if (!supervisor) return std::move(supervisor).error();
  return (*supervisor)->wait(pid);
}

Result<int> Cgroup::run(const std::vector<std::string>& argv) {
  Result<platform::Supervisor*> supervisor = this->supervisor();
  if (!supervisor) return std::move(supervisor).error();
  return (*supervisor)->run_tree(argv);
}

CgroupCounters Cgroup::counters() const {
  CgroupCounters counters;
  counters.calls = calls_.load(std::memory_order_relaxed);
  counters.refused = refused_.load(std::memory_order_relaxed);
  counters.rewritten = rewritten_.load(std::memory_order_relaxed);
  counters.faults = faults_.load(std::memory_order_relaxed);
  return counters;
}

std::optional<Error> Cgroup::first_fault() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_fault_;
}

void Cgroup::record_fault(Error error) {
  faults_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!first_fault_) first_fault_ = std::move(error);
}

}  // namespace xbpf::hooks::sock
