// xbpf cgroup run: a command whose process tree plays a cgroup with the object's socket
// programs attached (hooks/sock/cgroup.h, docs/sock.md).
#include <cstdio>

#include "commands.h"
#include "hooks/sock/cgroup.h"
#include "map_dump.h"
#include "map_init.h"
#include "object_loading.h"
#include "support/json.h"

namespace xbpf::cli {
namespace {

namespace sock = hooks::sock;

constexpr const char* kRunHelp =
    R"help(Usage: xbpf cgroup run FILE [attach TYPE]... [engine ENGINE] [--init-maps MAPFILE]
                       [--dump-maps] [--stats] [--no-verify] -- COMMAND [ARG]...

Runs COMMAND with the object's cgroup_sock_addr programs attached to it as to a cgroup: the
command and every process it starts, however (threads, fork, exec, static and Go binaries),
are supervised (seccomp user notification; no privileges needed). For each bind, connect,
getsockname and getpeername of their IPv4 and IPv6 sockets, and each UDP send and receive
with an address, the programs attached for it run on a struct bpf_sock_addr, in the object's
order:

  bind4, bind6            (cgroup/bind4, cgroup/bind6) return 0 to refuse (EPERM), 1 to
                          allow, 3 to allow without the port privilege check; may rewrite
                          the address (user_ip4/user_ip6, user_port)
  connect4, connect6      (cgroup/connect4, cgroup/connect6) return 0 or 1; may rewrite the
                          address (a connect to a service goes to a backend)
  getsockname4/6, getpeername4/6
                          return 1; may rewrite the address the process is told
  sendmsg4, sendmsg6      (cgroup/sendmsg4, cgroup/sendmsg6) a UDP send: return 0 or 1; may
                          rewrite the destination and the source (msg_src_ip4/6)
  recvmsg4, recvmsg6      return 1; may rewrite the source a UDP receive tells

The call is then carried out by the supervisor on the process's own socket with the
programs' copy of the address; its result is the call's. Other sockets' calls (AF_UNIX, ...)
are the kernel's. Exits with COMMAND's exit code once the command and all its descendants
have exited (1 when a program faulted, 2 for bad input). Linux only.

  attach TYPE           attach only the programs of this type (repeatable; the names
                        above); without it, every cgroup_sock_addr program of the object
  engine ENGINE         jit (the default where allowed), interp, interp-checked or native
  --init-maps MAPFILE   map entries to fill first ("NAME key BYTE... value BYTE..." lines)
  --dump-maps           print every map's entries once the command has exited
  --stats               print the calls handled, refused and rewritten to stderr
  --no-verify           run without verifying (debugging): in interp-checked
  -j, -p                the exit code, the counts and the maps as one JSON line at the end
)help";

struct RunArguments {
  std::string file;
  std::vector<const sock::SockHook*> hooks;
  std::optional<std::string> init_maps;
  EngineChoice engine;
  bool dump_maps = false;
  bool stats = false;
  std::vector<std::string> command;
};

Result<RunArguments> parse_run(Args& args) {
  RunArguments run;
  run.command = args.after_separator();
  for (;;) {
    Result<std::optional<std::string>> type = args.value("attach");
    if (!type) return std::move(type).error();
    if (!*type) break;
    const sock::SockHook* hook = sock::hook_named(**type);
    if (hook == nullptr)
      return usage_error("unknown attach type '" + **type + "' (expected one of " +
                         sock::hook_names() + ")");
    run.hooks.push_back(hook);
  }
  Result<std::optional<std::string>> maps = args.value("init-maps");
  if (!maps) return std::move(maps).error();
  run.init_maps = std::move(*maps);
  Result<EngineChoice> engine = parse_engine_choice(args);
  if (!engine) return std::move(engine).error();
  run.engine = *engine;
  run.dump_maps = args.flag("--dump-maps");
  run.stats = args.flag("--stats");
  std::optional<std::string> file = args.positional();
  if (!file) return usage_error("cgroup run needs an object FILE");
  run.file = *file;
  XBPF_TRY(args.finish());
  if (run.command.empty()) return usage_error("cgroup run needs a command after '--'");
  return run;
}

bool wanted(const RunArguments& run, const sock::SockHook& hook) {
  if (run.hooks.empty()) return true;
  for (const sock::SockHook* asked : run.hooks) {
    if (asked == &hook) return true;
  }
  return false;
}

// The hook a program of the object goes to: its section's attach type, if the arguments
// want it (nullptr: not attached). A cgroup_sock_addr program of an attach type xbpf does not
// run is an error unless `attach TYPE` chose others.
Result<const sock::SockHook*> hook_of(const RunArguments& run, const std::string& section,
                                      const std::string& name) {
  const std::optional<progtype::SectionMatch> match = progtype::program_type_for_section(section);
  if (!match || match->type != progtype::ProgramType::cgroup_sock_addr) return nullptr;
  const sock::SockHook* hook = sock::hook_for(match->attach);
  if (hook == nullptr) {
    if (!run.hooks.empty()) return nullptr;
    return make_error(run.file + ": " + section + "/" + name +
                      ": xbpf does not run this attach type (it runs " + sock::hook_names() +
                      "); choose others with attach TYPE");
  }
  return wanted(run, *hook) ? hook : nullptr;
}

// Attaches the object's programs the arguments select, in the object's order. One of them
// that did not load fails the run; the object's other programs do not matter.
Status attach_programs(const RunArguments& run, const runtime::LoadedFile& loaded,
                       sock::Cgroup& cgroup) {
  for (const runtime::ProgramFailure& failure : loaded.object->failures()) {
    Result<const sock::SockHook*> hook = hook_of(run, failure.section, failure.name);
    if (!hook) return std::move(hook).error();
    if (*hook == nullptr) continue;
    Error error = failure.error;
    error.message = "program '" + failure.name + "' cannot be loaded: " + error.message;
    return error;
  }
  std::size_t attached = 0;
  std::vector<bool> found(sock::all_hooks().size(), false);
  for (const auto& program : loaded.object->programs()) {
    Result<const sock::SockHook*> hook = hook_of(run, program->section, program->name);
    if (!hook) return std::move(hook).error();
    if (*hook == nullptr) continue;
    XBPF_TRY(cgroup.attach(loaded.object, *program, (*hook)->attach, sock::kAllowMulti, nullptr,
                           choose_engine(run.engine, *program)));
    found[static_cast<std::size_t>(*hook - sock::all_hooks().data())] = true;
    ++attached;
  }
  for (const sock::SockHook* asked : run.hooks) {
    if (!found[static_cast<std::size_t>(asked - sock::all_hooks().data())])
      return make_error(run.file + ": no program of attach type " + std::string(asked->name));
  }
  if (attached == 0) return make_error(run.file + ": the object has no cgroup_sock_addr programs");
  return {};
}

void print_summary(const Args& args, const RunArguments& run, const runtime::LoadedFile& loaded,
                   const sock::Cgroup& cgroup, int code) {
  const sock::CgroupCounters counters = cgroup.counters();
  if (args.options().json) {
    JsonWriter json(args.options().pretty);
    json.begin_object().field("exit_code", static_cast<std::int64_t>(code));
    json.field("calls", counters.calls).field("refused", counters.refused);
    json.field("rewritten", counters.rewritten).field("faults", counters.faults);
    if (run.dump_maps) {
      json.key("maps").begin_array();
      for (const runtime::LoadedMap& map : loaded.object->maps()) dump_map_json(map, json);
      json.end_array();
    }
    json.end_object();
    std::printf("%s\n", json.str().c_str());
    return;
  }
  if (run.stats)
    std::fprintf(stderr, "xbpf: calls %llu  refused %llu  rewritten %llu  faults %llu\n",
                 static_cast<unsigned long long>(counters.calls),
                 static_cast<unsigned long long>(counters.refused),
                 static_cast<unsigned long long>(counters.rewritten),
                 static_cast<unsigned long long>(counters.faults));
  if (run.dump_maps) {
    for (const runtime::LoadedMap& map : loaded.object->maps())
      std::fputs(dump_map_text(map).c_str(), stdout);
  }
}

int command_cgroup_run(Args& args) {
  if (args.wants_help()) {
    std::fputs(kRunHelp, stdout);
    return kExitOk;
  }
  Result<RunArguments> run = parse_run(args);
  if (!run) return report(run.error());
  Result<LoadedFile> loaded = load_object_file(run->file, ProgramSelection{}, run->engine);
  if (!loaded) return report_load_error(loaded.error());
  if (run->init_maps) {
    if (Status done = init_maps(*run->init_maps, *loaded->object); !done)
      return report(done.error());
  }
  sock::CgroupOptions options;
  options.own_process = true;
  Result<std::unique_ptr<sock::Cgroup>> cgroup = sock::Cgroup::create(options);
  if (!cgroup) return report(cgroup.error(), kExitFailed);
  if (Status attached = attach_programs(*run, *loaded, **cgroup); !attached)
    return report_load_error(attached.error());
  std::fflush(stdout);
  Result<int> code = (*cgroup)->run(run->command);
  if (!code) return report(code.error(), kExitFailed);
  print_summary(args, *run, *loaded, **cgroup, *code);
  if (std::optional<Error> fault = (*cgroup)->first_fault()) {
    Error error = *fault;
    if (error.where.file.empty()) error.where.file = run->file;
    return report(error, kExitFailed);
  }
  return *code;
}

}  // namespace

int command_cgroup(Args& args) {
  std::optional<std::string> verb = args.positional();
  if (!verb || *verb == "help" || *verb == "--help" || *verb == "-h") {
    std::fputs(
        "Usage: xbpf cgroup run FILE [attach TYPE]... -- COMMAND [ARG]...\n"
        "       xbpf cgroup run --help\n",
        stdout);
    return verb ? kExitOk : kExitBadInput;
  }
  if (*verb == "run") return command_cgroup_run(args);
  return report(usage_error("unknown cgroup command '" + *verb + "' (expected run)"));
}

}  // namespace xbpf::cli
