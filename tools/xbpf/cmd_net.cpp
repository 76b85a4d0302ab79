// xbpf net attach xdp: the live datapath (hooks/xdp/live.h).
#include <cstdio>

#include "commands.h"
#include "hooks/xdp/live.h"
#include "map_dump.h"
#include "map_init.h"
#include "object_loading.h"
#include "support/json.h"
#include "vm/vm.h"

namespace xbpf::cli {
namespace {

namespace xdp = hooks::xdp;

constexpr const char* kAttachHelp =
    R"help(Usage: xbpf net attach xdp FILE [name FN | section S] dev IFACE
                          [--deliver tap NAME | --forward IFACE2] [engine ENGINE]
                          [--init-maps MAPFILE] [--dump-maps] [--no-verify]

Runs an XDP program on every frame received on IFACE (an AF_PACKET socket with a
memory-mapped ring), in the foreground until SIGINT or SIGTERM, and carries out its verdict:

  XDP_PASS       to the TAP device NAME (created if missing: the host's stack receives the
                 frame there), or out of IFACE2 with --forward; with neither, nothing more
                 is done (the host's stack has the original: a packet socket only copies)
  XDP_TX         back out of IFACE
  XDP_REDIRECT   out of the target interface (bpf_redirect, bpf_redirect_map on a devmap)
  XDP_DROP, XDP_ABORTED, other values: dropped

Each frame runs in a frame of its own as for captures (256 bytes of headroom, tailroom),
with ingress_ifindex = IFACE's index and rx_queue_index 0; the program's clock is the
system's. Counters go to stderr every second and at the end (JSON lines with
-j). Needs Linux and CAP_NET_RAW (CAP_NET_ADMIN for a TAP device).

  engine ENGINE         jit (the default where allowed: XBPF_JIT=off forbids it), interp,
                        interp-checked (every memory access checked at run time) or native
                        (an ahead-of-time image, see xbpf gen native)
  --no-verify           run without verifying (debugging): in interp-checked unless
                        another engine is asked for
  --init-maps MAPFILE   map entries to fill first ("NAME key BYTE... value BYTE..." lines)
  --dump-maps           print every map's entries at the end
)help";

void print_counters(const xdp::LiveCounters& c, bool final, bool json) {
  if (json) {
    JsonWriter out;
    out.begin_object().field("final", final).field("packets", c.counts.packets);
    out.field("bytes", c.counts.bytes).field("XDP_PASS", c.counts.pass);
    out.field("XDP_DROP", c.counts.drop).field("XDP_TX", c.counts.tx);
    out.field("XDP_REDIRECT", c.counts.redirect).field("XDP_ABORTED", c.counts.aborted);
    out.field("unknown", c.counts.unknown).field("delivered", c.delivered);
    out.field("transmitted", c.transmitted).field("redirected", c.redirected);
    out.field("send_errors", c.send_errors).end_object();
    std::fprintf(stderr, "%s\n", out.str().c_str());
  } else {
    std::fprintf(stderr,
                 "%spackets %llu  pass %llu  drop %llu  tx %llu  redirect %llu  aborted %llu  "
                 "delivered %llu  send errors %llu\n",
                 final ? "final: " : "", static_cast<unsigned long long>(c.counts.packets),
                 static_cast<unsigned long long>(c.counts.pass),
                 static_cast<unsigned long long>(c.counts.drop),
                 static_cast<unsigned long long>(c.counts.tx),
                 static_cast<unsigned long long>(c.counts.redirect),
                 static_cast<unsigned long long>(c.counts.aborted),
                 static_cast<unsigned long long>(c.delivered),
                 static_cast<unsigned long long>(c.send_errors));
  }
  std::fflush(stderr);
}

int command_net_attach(Args& args) {
  if (args.wants_help()) {
    std::fputs(kAttachHelp, stdout);
    return kExitOk;
  }
  std::optional<std::string> kind = args.positional();
  if (!kind || *kind != "xdp") return report(usage_error("net attach supports 'xdp' only"));
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return report(selection.error());
  std::optional<std::string> dev, tap, forward, maps;
  for (auto [keyword, field] :
       {std::pair{"dev", &dev}, {"forward", &forward}, {"init-maps", &maps}}) {
    Result<std::optional<std::string>> value = args.value(keyword);
    if (!value) return report(value.error());
    *field = std::move(*value);
  }
  // "--deliver tap NAME": the keyword `tap` with its value, after the flag.
  Result<std::optional<std::string>> tap_name = args.value("tap");
  if (!tap_name) return report(tap_name.error());
  tap = *tap_name;
  const bool deliver = args.flag("--deliver");
  if (deliver != tap.has_value()) return report(usage_error("--deliver takes 'tap NAME'"));
  Result<EngineChoice> engine = parse_engine_choice(args);
  if (!engine) return report(engine.error());
  const bool dump_maps = args.flag("--dump-maps");
  std::optional<std::string> file = args.positional();
  if (!file) return report(usage_error("net attach xdp needs an object FILE"));
  if (Status rest = args.finish(); !rest) return report(rest.error());
  if (!dev) return report(usage_error("net attach xdp needs an interface: dev IFACE"));
  if (tap && forward) return report(usage_error("give --deliver tap or --forward, not both"));
  Result<LoadedFile> loaded = load_object_file(*file, *selection, *engine);
  if (!loaded) return report_load_error(loaded.error());
  Result<const runtime::LoadedProgram*> program = select_program(*loaded->object, *selection);
  if (!program) return report_load_error(program.error());
  if (maps) {
    if (Status done = init_maps(*maps, *loaded->object); !done) return report(done.error());
  }
  xdp::LiveOptions options;
  options.interface = *dev;
  options.tap = tap;
  options.forward = forward;
  options.engine = choose_engine(*engine, **program);
  const bool json = args.options().json;
  options.report = [json](const xdp::LiveCounters& counters, bool final) {
    print_counters(counters, final, json);
  };
  if (Status ran = xdp::run_live(**program, options); !ran) {
    const bool fault = !ran.error().where.section.empty();
    return report(ran.error(), fault ? kExitFailed : kExitBadInput);
  }
  if (dump_maps) {
    for (const runtime::LoadedMap& map : loaded->object->maps())
      std::fputs(dump_map_text(map).c_str(), stdout);
  }
  return kExitOk;
}

}  // namespace

int command_net(Args& args) {
  std::optional<std::string> verb = args.positional();
  if (!verb || *verb == "help" || *verb == "--help" || *verb == "-h") {
    std::fputs(
        "Usage: xbpf net attach xdp FILE dev IFACE [--deliver tap NAME | --forward IFACE2]\n"
        "       xbpf net attach --help\n",
        stdout);
    return verb ? kExitOk : kExitBadInput;
  }
  if (*verb == "attach") return command_net_attach(args);
  return report(usage_error("unknown net command '" + *verb + "' (expected attach)"));
}

}  // namespace xbpf::cli
