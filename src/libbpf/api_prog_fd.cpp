// bpf_prog_load and bpf_prog_test_run_opts: raw instructions (map descriptors in their lddw
// pseudo sources) loaded as a one-program object, and Linux's BPF_PROG_TEST_RUN.
#include <cerrno>
#include <cstring>
#include <map>

#include "isa/instruction.h"
#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

constexpr std::uint8_t kLddw = 0x18;
constexpr std::uint8_t kCall = 0x85;

// The maps a program's lddw instructions name by descriptor (or by fd_array index), numbered
// in the order they first appear, and the instructions rewritten to name them by that number
// (map_by_idx, map_val(map_by_idx)), as the loader's own objects do.
struct MapReferences {
  std::vector<std::shared_ptr<MapResource>> maps;
  std::map<const MapResource*, std::int32_t> index;
};

int resolve_maps(std::vector<bpf_insn>& insns, const int* fd_array, MapReferences& references) {
  for (std::size_t i = 0; i < insns.size(); ++i) {
    bpf_insn& insn = insns[i];
    if (insn.code != kLddw) continue;
    if (i + 1 == insns.size()) return -EINVAL;
    const std::uint8_t source = insn.src_reg;
    if (source == BPF_PSEUDO_BTF_ID) {
      warn("ksym references (BPF_PSEUDO_BTF_ID) need the kernel's BTF, which user mode lacks");
      return -EOPNOTSUPP;
    }
    const bool by_fd = source == BPF_PSEUDO_MAP_FD || source == BPF_PSEUDO_MAP_VALUE;
    const bool by_index = source == BPF_PSEUDO_MAP_IDX || source == BPF_PSEUDO_MAP_IDX_VALUE;
    if (by_fd || by_index) {
      int fd = insn.imm;
      if (by_index) {
        if (fd_array == nullptr) return -EINVAL;
        fd = fd_array[insn.imm];
      }
      int error = 0;
      std::shared_ptr<MapResource> map = map_of(fd, &error);
      if (map == nullptr) return -error;
      auto [found, added] =
          references.index.emplace(map.get(), static_cast<std::int32_t>(references.maps.size()));
      if (added) references.maps.push_back(std::move(map));
      insn.imm = found->second;
      const bool value = source == BPF_PSEUDO_MAP_VALUE || source == BPF_PSEUDO_MAP_IDX_VALUE;
      insn.src_reg = value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX;
    }
    ++i;  // the lddw's second slot
  }
  return 0;
}

// Function starts: the program and every local call's target.
std::map<std::uint32_t, std::string> functions_of(const std::vector<bpf_insn>& insns,
                                                  const std::string& name) {
  std::map<std::uint32_t, std::string> functions{{0, name}};
  for (std::size_t i = 0; i < insns.size(); ++i) {
    const bool local = insns[i].code == kCall && insns[i].src_reg == BPF_PSEUDO_CALL;
    const bool callback = insns[i].code == kLddw && insns[i].src_reg == BPF_PSEUDO_FUNC;
    if (local || callback) {
      const std::int64_t target = static_cast<std::int64_t>(i) + 1 + insns[i].imm;
      if (target > 0 && static_cast<std::size_t>(target) < insns.size()) {
        functions.emplace(static_cast<std::uint32_t>(target), "func_" + std::to_string(target));
      }
    }
    if (insns[i].code == kLddw) ++i;
  }
  return functions;
}

void write_log(char* buffer, std::size_t size, const std::string& text) {
  if (buffer == nullptr || size == 0) return;
  const std::size_t length = std::min(size - 1, text.size());
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
}

}  // namespace

int bpf_prog_load(enum bpf_prog_type prog_type, const char* prog_name, const char* license,
                  const struct bpf_insn* insns, size_t insn_cnt,
                  const struct bpf_prog_load_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_prog_load_opts)) return fail(EINVAL);
  char* log_buf = XBPF_OPTS_GET(opts, log_buf, nullptr);
  const __u32 log_size = XBPF_OPTS_GET(opts, log_size, 0U);
  if ((log_buf == nullptr) != (log_size == 0)) return fail(EINVAL);
  if (insns == nullptr || insn_cnt == 0) return fail(EINVAL);
  if (XBPF_OPTS_GET(opts, prog_ifindex, 0U) != 0) {
    warn("program offload to a device (prog_ifindex) is not possible in user mode");
    return fail(EOPNOTSUPP);
  }
  std::string name = prog_name != nullptr ? prog_name : "";
  if (name.size() > 15) name.resize(15);

  std::vector<bpf_insn> code(insns, insns + insn_cnt);
  MapReferences references;
  if (const int resolved = resolve_maps(code, XBPF_OPTS_GET(opts, fd_array, nullptr), references);
      resolved != 0) {
    return fail(-resolved);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(code.data());
  xbpf::Result<std::vector<xbpf::isa::Instruction>> decoded =
      xbpf::isa::decode({bytes, code.size() * sizeof(bpf_insn)});
  if (!decoded) {
    write_log(log_buf, log_size, decoded.error().to_string() + "\n");
    return fail(EINVAL);
  }
  xbpf::object::Object object;
  object.file = name;
  object.license = license != nullptr ? license : "";
  object.kernel_version = XBPF_OPTS_GET(opts, kern_version, 0U);
  xbpf::object::Program program;
  program.name = name.empty() ? "prog" : name;
  program.type = static_cast<xbpf::progtype::ProgramType>(prog_type);
  const __u32 attach = XBPF_OPTS_GET(opts, expected_attach_type, static_cast<bpf_attach_type>(0));
  program.attach = attach != 0 ? static_cast<xbpf::progtype::AttachType>(attach)
                               : xbpf::progtype::AttachType::none;
  program.instructions = std::move(*decoded);
  program.functions = functions_of(code, program.name);
  xbpf::runtime::LoadOptions options;
  for (std::size_t i = 0; i < references.maps.size(); ++i) {
    const xbpf::runtime::MapSpec& spec = references.maps[i]->map->spec();
    xbpf::object::MapDefinition definition;
    definition.name = references.maps[i]->name;
    definition.type = static_cast<std::uint32_t>(spec.type);
    definition.key_size = spec.key_size;
    definition.value_size = spec.value_size;
    definition.max_entries = spec.max_entries;
    definition.flags = spec.flags;
    definition.spin_lock_offset = spec.spin_lock_offset;
    object.maps.push_back(std::move(definition));
    program.maps.push_back(i);
    options.maps.push_back(references.maps[i]->map);
  }
  object.programs.push_back(std::move(program));

  xbpf::Result<std::shared_ptr<xbpf::runtime::LoadedObject>> loaded =
      context().load(std::move(object), options);
  if (!loaded) {
    write_log(log_buf, log_size, load_log(loaded.error(), name.empty() ? "prog" : name));
    return fail(errno_of(loaded.error(), EINVAL));
  }
  write_log(log_buf, log_size, "");
  const xbpf::runtime::LoadedProgram& entry = *(*loaded)->programs().front();
  std::shared_ptr<ProgramResource> resource = program_resource(*loaded, entry, attach);
  resource->maps = std::move(references.maps);
  const int fd = Descriptors::instance().open(resource);
  return fd < 0 ? fail(-fd) : fd;
}

int bpf_prog_test_run_opts(int prog_fd, struct bpf_test_run_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_test_run_opts)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<ProgramResource> program = program_of(prog_fd, &error);
  if (program == nullptr) return fail(error);
  const __u32 flags = XBPF_OPTS_GET(opts, flags, 0U);
  const __u32 cpu = XBPF_OPTS_GET(opts, cpu, 0U);
  // As bpf_prog_test_run_xdp/skb: no flags but BPF_F_TEST_RUN_ON_CPU, a cpu only with it, no
  // batch_size (live frames), the data and context sizes consistent with their pointers.
  if ((flags & ~BPF_F_TEST_RUN_ON_CPU) != 0 || (cpu != 0 && (flags & BPF_F_TEST_RUN_ON_CPU) == 0) ||
      XBPF_OPTS_GET(opts, batch_size, 0U) != 0) {
    return fail(EINVAL);
  }
  if ((flags & BPF_F_TEST_RUN_ON_CPU) != 0 && cpu >= context().possible_cpus()) return fail(ENXIO);
  const void* data_in = XBPF_OPTS_GET(opts, data_in, nullptr);
  const __u32 data_size_in = XBPF_OPTS_GET(opts, data_size_in, 0U);
  const void* ctx_in = XBPF_OPTS_GET(opts, ctx_in, nullptr);
  const __u32 ctx_size_in = XBPF_OPTS_GET(opts, ctx_size_in, 0U);
  if ((data_in == nullptr && data_size_in != 0) || (ctx_in == nullptr && ctx_size_in != 0)) {
    return fail(EINVAL);
  }
  xbpf::runtime::TestRunOptions run;
  const auto* data = static_cast<const std::uint8_t*>(data_in);
  run.data_in.assign(data, data + data_size_in);
  const auto* ctx = static_cast<const std::uint8_t*>(ctx_in);
  run.ctx_in.assign(ctx, ctx + ctx_size_in);
  const int repeat = XBPF_OPTS_GET(opts, repeat, 0);
  run.repeat = repeat > 0 ? static_cast<std::uint32_t>(repeat) : 1;
  run.cpu = cpu;
  xbpf::Result<xbpf::runtime::TestRunResult> result = context().test_run(*program->program, run);
  if (!result) {
    debug(result.error().to_string());
    return fail(errno_of(result.error(), EINVAL));
  }
  opts->retval = result->retval;
  if (XBPF_OPTS_HAS(opts, duration)) {
    opts->duration = static_cast<__u32>(std::min<std::uint64_t>(result->duration_ns, UINT32_MAX));
  }
  // data_out and ctx_out: as much as fits; the full size is reported and -ENOSPC returned when
  // the buffer was too small (bpf_test_finish).
  int status = 0;
  if (XBPF_OPTS_HAS(opts, data_size_out)) {
    const std::size_t room = opts->data_size_out;
    const std::size_t size = result->data_out.size();
    std::size_t copied = size;
    if (room != 0 && size > room) {
      copied = room;
      status = -ENOSPC;
    }
    if (opts->data_out != nullptr) std::memcpy(opts->data_out, result->data_out.data(), copied);
    opts->data_size_out = static_cast<__u32>(size);
  }
  if (XBPF_OPTS_HAS(opts, ctx_size_out) && opts->ctx_out != nullptr && !result->ctx_out.empty()) {
    const std::size_t room = opts->ctx_size_out;
    const std::size_t size = result->ctx_out.size();
    if (size > room) status = -ENOSPC;
    std::memcpy(opts->ctx_out, result->ctx_out.data(), std::min(room, size));
    opts->ctx_size_out = static_cast<__u32>(size);
  }
  return status != 0 ? fail(-status) : 0;
}
