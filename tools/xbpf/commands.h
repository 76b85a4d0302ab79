// The xbpf commands. Each parses its own arguments and returns an exit code.
#pragma once

#include "cli.h"

namespace xbpf::cli {

int command_asm(Args& args);
int command_disasm(Args& args);
int command_gen(Args& args);
int command_prog(Args& args);
int command_prog_dump(Args& args);
int command_verify(Args& args);
int command_xdp(Args& args);
int command_net(Args& args);
int command_cgroup(Args& args);

}  // namespace xbpf::cli
