// xbpf xdp run: an XDP program over a pcap or pcapng capture.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "hooks/xdp/capture_run.h"
#include "map_dump.h"
#include "map_init.h"
#include "object_loading.h"
#include "platform/platform.h"
#include "support/json.h"
#include "support/text.h"
#include "vm/vm.h"

namespace xbpf::cli {
namespace {

namespace xdp = hooks::xdp;

constexpr const char* kRunHelp =
    R"help(Usage: xbpf xdp run FILE [name FN | section S] --pcap IN [--out OUT]
                    [engine ENGINE [image IMAGE]] [--threads N] [--clock capture|system]
                    [--init-maps MAPFILE] [--dump-maps] [--no-progress] [--no-verify]

Runs an XDP program over every packet of a capture (pcap or pcapng, either byte order), as a
NIC's receive path would: each packet in a frame with 256 bytes of headroom and tailroom, an
xdp_md with data_meta, ingress_ifindex (the capture's interface: pcapng interface i is ifindex
i + 1, pcap's is 1) and rx_queue_index 0. Prints the verdicts, the time, Mpps and ns per packet.

  name FN / section S   which program of the object (needed when it has several)
  --pcap IN             the capture to read
  --out OUT             write the XDP_PASS and XDP_TX packets, as the program left them, in
                        capture order: pcap when OUT ends in .pcap, otherwise pcapng with the
                        verdict in each packet's comment
  engine ENGINE         jit (x86-64 machine code; the default where allowed: XBPF_JIT=off
                        forbids it), interp (the interpreter), interp-checked (the
                        interpreter checking every memory access at run time) or native
                        (an ahead-of-time image of the object, see xbpf gen native)
  image IMAGE           with engine native: the image to run instead of the cache's
  --no-verify           run without verifying (debugging): in interp-checked unless
                        another engine is asked for. Without it, a program the verifier
                        rejects does not run: the error shows why, at its source line
  --threads N           N workers (1-64), each its own CPU for per-CPU maps; packets go to
                        workers by source address, and the results equal one worker's
  --clock capture       bpf_ktime_get_ns returns the packet's timestamp (the default: the
                        program sees the capture's pace); --clock system: the system clock
  --init-maps MAPFILE   update map entries before the run, one per line:
                          NAME key BYTE... value BYTE...    (bytes in hex; '#' comments)
  --dump-maps           print every map's entries after the run
  --no-progress         no progress bar (it is shown on a terminal only)
  -j, -p                the summary (and maps) as JSON

Packets shorter than an Ethernet header (14 bytes) are counted as skipped, not run. A corrupt
or truncated capture stops the run with the record number and byte offset; the packets
before it are run and written. Exit codes: 0 done, 1 the program faulted, 2 bad input.
)help";

struct RunArguments {
  ProgramSelection selection;
  std::optional<std::string> pcap, out, init_maps;
  EngineChoice engine;
  unsigned threads = 1;
  bool capture_clock = true;
  bool dump_maps = false;
  bool progress = true;
  std::string file;
};

Result<RunArguments> parse_run(Args& args) {
  RunArguments run;
  Result<ProgramSelection> selection = parse_program_selection(args);
  if (!selection) return std::move(selection).error();
  run.selection = std::move(*selection);
  for (auto [keyword, field] :
       {std::pair{"pcap", &run.pcap}, {"out", &run.out}, {"init-maps", &run.init_maps}}) {
    Result<std::optional<std::string>> value = args.value(keyword);
    if (!value) return std::move(value).error();
    *field = std::move(*value);
  }
  Result<EngineChoice> engine = parse_engine_choice(args);
  if (!engine) return std::move(engine).error();
  run.engine = *engine;
  Result<std::optional<std::string>> threads = args.value("threads");
  if (!threads) return std::move(threads).error();
  if (*threads) {
    std::optional<ParsedNumber> value = parse_number(**threads);
    if (!value || value->negative || value->magnitude == 0 || value->magnitude > 64)
      return usage_error("--threads must be a number from 1 to 64, found '" + **threads + "'");
    run.threads = static_cast<unsigned>(value->magnitude);
  }
  Result<std::optional<std::string>> clock = args.value("clock");
  if (!clock) return std::move(clock).error();
  if (*clock) {
    if (**clock != "capture" && **clock != "system")
      return usage_error("--clock must be capture or system, found '" + **clock + "'");
    run.capture_clock = **clock == "capture";
  }
  run.dump_maps = args.flag("--dump-maps");
  run.progress = !args.flag("--no-progress");
  std::optional<std::string> file = args.positional();
  if (!file) return usage_error("xdp run needs an object FILE");
  run.file = *file;
  XBPF_TRY(args.finish());
  if (!run.pcap) return usage_error("xdp run needs a capture: --pcap IN");
  return run;
}

// A one-line progress bar on stderr, redrawn at most every 100 ms.
class Progress {
 public:
  Progress(bool enabled, std::uint64_t total_bytes) : enabled_(enabled), total_(total_bytes) {}
  void update(std::uint64_t records, std::uint64_t offset) {
    if (!enabled_) return;
    const std::uint64_t now = platform::monotonic_ns();
    if (now - last_ < 100'000'000) return;
    last_ = now;
    const double fraction = total_ == 0 ? 1.0 : std::min(1.0, double(offset) / double(total_));
    const int width = 30, filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%.*s%*s] %3d%%  %llu packets", filled,
                 "==============================", width - filled, "",
                 static_cast<int>(fraction * 100), static_cast<unsigned long long>(records));
    shown_ = true;
  }
  void clear() {
    if (shown_) std::fprintf(stderr, "\r%60s\r", "");
  }

 private:
  bool enabled_;
  std::uint64_t total_;
  std::uint64_t last_ = 0;
  bool shown_ = false;
};

double mpps(const xdp::CaptureRunSummary& summary) {
  return summary.elapsed_ns == 0
             ? 0.0
             : double(summary.counts.packets) * 1e3 / double(summary.elapsed_ns);
}

double ns_per_packet(const xdp::CaptureRunSummary& summary) {
  const std::uint64_t seen = summary.counts.packets + summary.counts.skipped;
  return seen == 0 ? 0.0 : double(summary.busy_ns) / double(seen);
}

void print_json(const Args& args, const xdp::CaptureRunSummary& summary, vm::Engine engine,
                const std::vector<const runtime::LoadedMap*>& maps) {
  const xdp::VerdictCounts& c = summary.counts;
  JsonWriter json(args.options().pretty);
  json.begin_object().field("packets", c.packets).field("bytes", c.bytes);
  json.field("skipped", c.skipped);
  json.key("verdicts").begin_object();
  json.field("XDP_ABORTED", c.aborted).field("XDP_DROP", c.drop).field("XDP_PASS", c.pass);
  json.field("XDP_TX", c.tx).field("XDP_REDIRECT", c.redirect).field("unknown", c.unknown);
  json.end_object();
  json.key("redirects").begin_array();
  for (const auto& [ifindex, count] : c.redirect_targets)
    json.begin_object().field("ifindex", ifindex).field("packets", count).end_object();
  json.end_array();
  json.field("written", summary.written).field("elapsed_ns", summary.elapsed_ns);
  json.field("mpps", mpps(summary)).field("ns_per_packet", ns_per_packet(summary));
  json.field("threads", summary.threads).field("engine", vm::engine_name(engine));
  if (!maps.empty()) {
    json.key("maps").begin_array();
    for (const runtime::LoadedMap* map : maps) dump_map_json(*map, json);
    json.end_array();
  }
  json.end_object();
  std::printf("%s\n", json.str().c_str());
}

void print_text(const xdp::CaptureRunSummary& summary, vm::Engine engine,
                const std::optional<std::string>& out,
                const std::vector<const runtime::LoadedMap*>& maps) {
  const xdp::VerdictCounts& c = summary.counts;
  std::printf("packets %llu  bytes %llu", static_cast<unsigned long long>(c.packets),
              static_cast<unsigned long long>(c.bytes));
  if (c.skipped != 0) {
    std::printf("  skipped %llu (shorter than an Ethernet header)",
                static_cast<unsigned long long>(c.skipped));
  }
  std::printf("\n");
  auto row = [&c](const char* name, std::uint64_t count) {
    const double share = c.packets == 0 ? 0.0 : 100.0 * double(count) / double(c.packets);
    std::printf("  %-13s %10llu  %5.1f%%\n", name, static_cast<unsigned long long>(count), share);
  };
  row("XDP_PASS", c.pass);
  row("XDP_DROP", c.drop);
  row("XDP_TX", c.tx);
  row("XDP_REDIRECT", c.redirect);
  for (const auto& [ifindex, count] : c.redirect_targets) {
    std::printf("    %s %-9u %10llu\n", ifindex == 0 ? "no target" : "-> ifindex", ifindex,
                static_cast<unsigned long long>(count));
  }
  row("XDP_ABORTED", c.aborted);
  if (c.unknown != 0) row("unknown", c.unknown);
  if (out) {
    std::printf("written %llu packets to %s\n", static_cast<unsigned long long>(summary.written),
                out->c_str());
  }
  std::printf("elapsed %.3f ms  %.2f Mpps  %.1f ns/packet  (%u thread%s, %s)\n",
              double(summary.elapsed_ns) / 1e6, mpps(summary), ns_per_packet(summary),
              summary.threads, summary.threads == 1 ? "" : "s",
              std::string(vm::engine_name(engine)).c_str());
  for (const runtime::LoadedMap* map : maps) std::fputs(dump_map_text(*map).c_str(), stdout);
}

int command_xdp_run(Args& args) {
  if (args.wants_help()) {
    std::fputs(kRunHelp, stdout);
    return kExitOk;
  }
  Result<RunArguments> run = parse_run(args);
  if (!run) return report(run.error());
  const unsigned cpus = std::max(platform::cpu_count(), run->threads);
  Result<LoadedFile> loaded = load_object_file(run->file, run->selection, run->engine, "", cpus);
  if (!loaded) return report_load_error(loaded.error());
  Result<const runtime::LoadedProgram*> program = select_program(*loaded->object, run->selection);
  if (!program) return report_load_error(program.error());
  if (run->init_maps) {
    if (Status done = init_maps(*run->init_maps, *loaded->object); !done)
      return report(done.error());
  }
  std::ifstream in(*run->pcap, std::ios::binary);
  if (!in) return report(make_error(*run->pcap + ": cannot open the capture"));
  Result<std::unique_ptr<xdp::CaptureReader>> reader = xdp::CaptureReader::open(in, *run->pcap);
  if (!reader) return report(reader.error());
  std::ofstream out_file;
  std::unique_ptr<xdp::CaptureWriter> writer;
  if (run->out) {
    out_file.open(*run->out, std::ios::binary | std::ios::trunc);
    if (!out_file) return report(make_error(*run->out + ": cannot create the output capture"));
    const xdp::CaptureFormat format = xdp::output_format_for(*run->out);
    writer = xdp::CaptureWriter::create(out_file, format, *run->out, (*reader)->nanosecond());
  }
  const vm::Engine engine = choose_engine(run->engine, **program);
  std::error_code ignored;
  const std::uintmax_t size = std::filesystem::file_size(*run->pcap, ignored);
  Progress progress(run->progress && platform::stderr_is_terminal(),
                    size == static_cast<std::uintmax_t>(-1) ? 0 : size);
  xdp::CaptureRunOptions options;
  options.replay.engine = engine;
  options.replay.threads = run->threads;
  options.replay.capture_clock = run->capture_clock;
  options.progress = [&progress](std::uint64_t records, std::uint64_t offset) {
    progress.update(records, offset);
  };
  Result<xdp::CaptureRunSummary> summary =
      xdp::run_capture(**program, **reader, writer.get(), options);
  progress.clear();
  if (!summary) {
    Error error = std::move(summary).error();
    // A fault of the program is a failed run; anything else is the capture's fault.
    const bool program_fault = !error.where.section.empty();
    if (error.where.file.empty()) error.where.file = program_fault ? run->file : *run->pcap;
    return report(error, program_fault ? kExitFailed : kExitBadInput);
  }
  std::vector<const runtime::LoadedMap*> maps;
  if (run->dump_maps) {
    for (const runtime::LoadedMap& map : loaded->object->maps()) maps.push_back(&map);
  }
  if (args.options().json) {
    print_json(args, *summary, engine, maps);
  } else {
    print_text(*summary, engine, run->out, maps);
  }
  return kExitOk;
}

}  // namespace

int command_xdp(Args& args) {
  std::optional<std::string> verb = args.positional();
  if (!verb || *verb == "help" || *verb == "--help" || *verb == "-h") {
    std::fputs(
        "Usage: xbpf xdp run FILE [name FN | section S] --pcap IN [--out OUT] ...\n"
        "       xbpf xdp run --help\n",
        stdout);
    return verb ? kExitOk : kExitBadInput;
  }
  if (*verb == "run") return command_xdp_run(args);
  return report(usage_error("unknown xdp command '" + *verb + "' (expected run)"));
}

}  // namespace xbpf::cli
