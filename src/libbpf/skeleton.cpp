// Skeletons (bpftool gen skeleton's headers call these): open from the embedded object, maps and
// programs found by name, global data handed out as the memory it keeps across load, attach and
// detach of every program that attaches by its section.
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "libbpf/bpf_object.h"
#include "libbpf/btf_internal.h"
#include "libbpf/library.h"
#include "libbpf/links.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)
using xbpf::progtype::ProgramType;

namespace {

template <class Skeleton>
Skeleton* at(void* array, int index, int size) {
  return reinterpret_cast<Skeleton*>(static_cast<char*>(array) +
                                     static_cast<std::ptrdiff_t>(index) * size);
}

int populate_maps(const bpf_object* object, bpf_map_skeleton* maps, int count, int size) {
  for (int i = 0; i < count; ++i) {
    bpf_map_skeleton* skeleton = at<bpf_map_skeleton>(maps, i, size);
    *skeleton->map = bpf_object__find_map_by_name(object, skeleton->name);
    if (*skeleton->map == nullptr) {
      warn(std::string("failed to find skeleton map '") + skeleton->name + "'");
      return -ESRCH;
    }
    if (skeleton->mmaped != nullptr) *skeleton->mmaped = (*skeleton->map)->data();
  }
  return 0;
}

int populate_programs(const bpf_object* object, bpf_prog_skeleton* programs, int count, int size) {
  for (int i = 0; i < count; ++i) {
    bpf_prog_skeleton* skeleton = at<bpf_prog_skeleton>(programs, i, size);
    *skeleton->prog = bpf_object__find_program_by_name(object, skeleton->name);
    if (*skeleton->prog == nullptr) {
      warn(std::string("failed to find skeleton program '") + skeleton->name + "'");
      return -ESRCH;
    }
  }
  return 0;
}

// libbpf attaches these by their section (kprobe/..., tp/..., fentry/..., lsm/..., iter/...):
// kernel hooks, which user mode does not have.
bool attaches_by_section(const bpf_program& program) {
  switch (program.source().type) {
    case ProgramType::kprobe:
    case ProgramType::tracepoint:
    case ProgramType::raw_tracepoint:
    case ProgramType::raw_tracepoint_writable:
    case ProgramType::tracing:
    case ProgramType::lsm:
    case ProgramType::ext: return true;
    default: return false;
  }
}

}  // namespace

int bpf_object__open_skeleton(struct bpf_object_skeleton* s,
                              const struct bpf_object_open_opts* opts) {
  if (s == nullptr || s->data == nullptr) return fail(EINVAL);
  if (!XBPF_OPTS_VALID(opts, bpf_object_open_opts)) return fail(EINVAL);
  const char* chosen = XBPF_OPTS_GET(opts, object_name, nullptr);
  const std::string name = chosen != nullptr ? chosen : s->name;
  debug("loading object '" + name + "' from buffer");
  const auto* bytes = static_cast<const std::uint8_t*>(s->data);
  bpf_object* object =
      open_object(std::vector<std::uint8_t>(bytes, bytes + s->data_sz), name, name, opts);
  if (object == nullptr) {
    const int error = errno;
    warn(std::string("failed to initialize skeleton BPF object '") + s->name +
         "': " + std::to_string(-error));
    return fail(error);
  }
  *s->obj = object;
  int result = populate_maps(object, s->maps, s->map_cnt, s->map_skel_sz);
  if (result != 0) {
    warn(std::string("failed to populate skeleton maps for '") + s->name +
         "': " + std::to_string(result));
    return fail(-result);
  }
  result = populate_programs(object, s->progs, s->prog_cnt, s->prog_skel_sz);
  if (result != 0) {
    warn(std::string("failed to populate skeleton progs for '") + s->name +
         "': " + std::to_string(result));
    return fail(-result);
  }
  return 0;
}

int bpf_object__load_skeleton(struct bpf_object_skeleton* s) {
  const int result = bpf_object__load(*s->obj);
  if (result != 0) {
    warn(std::string("failed to load BPF skeleton '") + s->name + "': " + std::to_string(result));
    return fail(-result);
  }
  // Global data stays where open put it: the maps were made on that memory. Maps that are not
  // mmapable give no pointer.
  for (int i = 0; i < s->map_cnt; ++i) {
    bpf_map_skeleton* skeleton = at<bpf_map_skeleton>(s->maps, i, s->map_skel_sz);
    if (skeleton->mmaped == nullptr) continue;
    bpf_map* map = *skeleton->map;
    *skeleton->mmaped = (map->definition().flags & BPF_F_MMAPABLE) != 0 ? map->data() : nullptr;
  }
  return 0;
}

int bpf_object__attach_skeleton(struct bpf_object_skeleton* s) {
  for (int i = 0; i < s->prog_cnt; ++i) {
    bpf_prog_skeleton* skeleton = at<bpf_prog_skeleton>(s->progs, i, s->prog_skel_sz);
    bpf_program* program = *skeleton->prog;
    if (!program->autoload || !program->autoattach || !attaches_by_section(*program)) continue;
    if (*skeleton->link != nullptr) continue;  // attached by the application already
    *skeleton->link = bpf_program__attach(program);
    if (*skeleton->link == nullptr) {
      const int error = errno;
      warn("prog '" + program->name + "': failed to auto-attach: " + std::to_string(-error));
      return fail(error);
    }
  }
  return 0;
}

void bpf_object__detach_skeleton(struct bpf_object_skeleton* s) {
  for (int i = 0; i < s->prog_cnt; ++i) {
    bpf_prog_skeleton* skeleton = at<bpf_prog_skeleton>(s->progs, i, s->prog_skel_sz);
    bpf_link__destroy(*skeleton->link);
    *skeleton->link = nullptr;
  }
}

void bpf_object__destroy_skeleton(struct bpf_object_skeleton* s) {
  if (s == nullptr) return;
  if (s->progs != nullptr) bpf_object__detach_skeleton(s);
  if (s->obj != nullptr) bpf_object__close(*s->obj);
  std::free(s->maps);
  std::free(s->progs);
  std::free(s);
}

int bpf_object__open_subskeleton(struct bpf_object_subskeleton* s) {
  if (s == nullptr || s->obj == nullptr) return fail(EINVAL);
  struct btf* btf = bpf_object__btf(s->obj);
  if (btf == nullptr) {
    warn(std::string("subskeletons require BTF at runtime (object ") + bpf_object__name(s->obj) +
         ")");
    return fail(ENOENT);
  }
  int result = populate_maps(s->obj, s->maps, s->map_cnt, s->map_skel_sz);
  if (result == 0) result = populate_programs(s->obj, s->progs, s->prog_cnt, s->prog_skel_sz);
  if (result != 0) {
    warn("failed to populate subskeleton maps: " + std::to_string(result));
    return fail(-result);
  }
  for (int i = 0; i < s->var_cnt; ++i) {
    bpf_var_skeleton* variable = at<bpf_var_skeleton>(s->vars, i, s->var_skel_sz);
    const bpf_map* map = *variable->map;
    const btf_type* section = btf->type(bpf_map__btf_value_type_id(map));
    if (section == nullptr || btf_kind_of(*section) != BTF_KIND_DATASEC) {
      warn(std::string("type for map '") + bpf_map__name(map) + "' is not a datasec");
      return fail(EINVAL);
    }
    const auto* infos = reinterpret_cast<const btf_var_secinfo*>(section + 1);
    for (std::uint32_t j = 0; j < btf_vlen_of(*section); ++j) {
      const char* name = btf->string(btf->type(infos[j].type)->name_off);
      if (name != nullptr && std::strcmp(name, variable->name) == 0) {
        *variable->addr = static_cast<char*>(map->data()) + infos[j].offset;
        break;
      }
    }
  }
  return 0;
}

void bpf_object__destroy_subskeleton(struct bpf_object_subskeleton* s) {
  if (s == nullptr) return;
  std::free(s->maps);
  std::free(s->progs);
  std::free(s->vars);
  std::free(s);
}
