// xbpf: the command-line tool. A thin main over the library; see --help.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.h"
#include "commands.h"

namespace {

constexpr const char* kUsage = R"help(Usage: xbpf [-j|-p] COMMAND ...

Commands:
  asm FILE            assemble eBPF assembly (LLVM or conformance syntax) into bytecode
  disasm FILE         disassemble an ELF object, bytecode or assembly (as llvm-objdump -d)
  gen native FILE     compile an object's verified programs into a native image (.so/.dll)
  gen skeleton FILE   the C skeleton header of an object, as bpftool gen skeleton writes it
  prog run FILE       run a program on input data (as bpftool prog run)
  prog dump jited FILE
                      print the JIT's machine code for a program
  verify FILE         prove the programs of an object safe, or explain why not
  xdp run FILE        run an XDP program over a pcap or pcapng capture
  net attach xdp FILE dev IFACE   run an XDP program on an interface's traffic (Linux)
  cgroup run FILE [attach TYPE ...] -- COMMAND ...
                      run a command with the object's cgroup/bind4, connect4, ... programs
                      deciding its binds and connects (Linux)
  version             print the version

Global options (anywhere on the line, as in bpftool):
  -j, --json          machine-readable JSON output
  -p, --pretty        pretty-printed JSON output
  -h, --help          help for xbpf or for a command ("xbpf prog run --help")
)help";

}  // namespace

int main(int argc, char** argv) {
  using namespace xbpf::cli;
  Options options;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") {  // what follows is a command's (xbpf cgroup run ... -- COMMAND)
      words.insert(words.end(), argv + i, argv + argc);
      break;
    }
    if (word == "-j" || word == "--json") {
      options.json = true;
    } else if (word == "-p" || word == "--pretty") {
      options.json = true;
      options.pretty = true;
    } else {
      words.push_back(word);
    }
  }
  if (words.empty()) {
    std::fputs(kUsage, stderr);
    return kExitBadInput;
  }
  const std::string command = words.front();
  words.erase(words.begin());
  Args args(std::move(words), options);
  if (command == "help" || command == "--help" || command == "-h") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "version" || command == "--version" || command == "-V") {
    std::printf("xbpf 0.1.0\n");
    return kExitOk;
  }
  if (command == "asm") return command_asm(args);
  if (command == "disasm") return command_disasm(args);
  if (command == "gen") return command_gen(args);
  if (command == "prog") return command_prog(args);
  if (command == "verify") return command_verify(args);
  if (command == "xdp") return command_xdp(args);
  if (command == "net") return command_net(args);
  if (command == "cgroup") return command_cgroup(args);
  return report(usage_error("unknown command '" + command + "'"));
}
