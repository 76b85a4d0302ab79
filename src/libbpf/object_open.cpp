// bpf_object__open_*: the object read, its programs and maps listed in libbpf's order and
// named as libbpf names them, global data created so that its memory is there to edit.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "isa/instruction.h"
#include "libbpf/bpf_object.h"
#include "libbpf/btf_internal.h"
#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/object_elf.h"
#include "support/linux_abi.h"

namespace xbpf::libbpf {

namespace {

constexpr std::size_t kObjectNameLength = 15;  // BPF_OBJ_NAME_LEN - 1
constexpr std::uint32_t kPinByName = 1;        // LIBBPF_PIN_BY_NAME (bpf_helpers.h)

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// libbpf's internal_map_name: as much of the object's name as fits before the section name
// (7 characters reserved for it), none for custom .data.*/.rodata.* sections.
std::string internal_map_name(const std::string& object_name, const std::string& real_name) {
  std::size_t suffix = std::max<std::size_t>(7, real_name.size());
  if (suffix > kObjectNameLength) suffix = kObjectNameLength;
  const bool custom = real_name.find('.', 1) != std::string::npos;
  const std::size_t prefix = custom ? 0 : std::min(kObjectNameLength - suffix, object_name.size());
  std::string name = object_name.substr(0, prefix) + real_name.substr(0, suffix);
  if (name.size() > kObjectNameLength) name.resize(kObjectNameLength);
  for (char& c : name) {
    if (!is_alnum(c) && c != '_' && c != '.') c = '_';
  }
  return name;
}

bool is_global_data(object::MapOrigin origin) {
  return origin == object::MapOrigin::data || origin == object::MapOrigin::rodata ||
         origin == object::MapOrigin::bss;
}

constexpr const char* kKconfigSection = ".kconfig";

// map_uses_real_name: custom .data.* and .rodata.* maps are called by their section.
bool uses_real_name(const object::MapDefinition& definition) {
  return (definition.origin == object::MapOrigin::data && definition.name != ".data") ||
         (definition.origin == object::MapOrigin::rodata && definition.name != ".rodata" &&
          definition.name != kKconfigSection);
}

// libbpf's .kconfig map, holding the kconfig externs (their values are the kernel's
// configuration, which user mode has not: the programs that read them do not load).
object::MapDefinition kconfig_map(const btf& types, std::uint32_t size) {
  object::MapDefinition definition;
  definition.name = kKconfigSection;
  definition.origin = object::MapOrigin::rodata;
  definition.type = BPF_MAP_TYPE_ARRAY;
  definition.key_size = sizeof(std::uint32_t);
  definition.value_size = size;
  definition.max_entries = 1;
  definition.flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE;
  definition.btf_value_type =
      static_cast<std::uint32_t>(btf__find_by_name_kind(&types, kKconfigSection, BTF_KIND_DATASEC));
  definition.initial_data.assign(size, 0);
  return definition;
}

// The object as libbpf has it: only the programs libbpf finds, and the .kconfig map.
Status libbpf_view(bpf_object& object, const object::ElfFile& elf) {
  Result<std::vector<std::string>> names = libbpf_programs(elf);
  if (!names) return std::move(names).error();
  std::vector<object::Program> programs;
  for (object::Program& program : object.source.programs) {
    if (std::find(names->begin(), names->end(), program.name) != names->end()) {
      programs.push_back(std::move(program));
    }
  }
  object.source.programs = std::move(programs);
  for (object::MapDefinition& map : object.source.maps) {
    std::erase_if(map.initial_references, [&](const auto& slot) {
      return object.source.find_program(slot.second) == nullptr &&
             !object.source.find_map(slot.second);
    });
  }
  if (object.btf == nullptr) return {};
  Result<std::uint32_t> kconfig_size = layout_kconfig(*object.btf);
  if (!kconfig_size) return std::move(kconfig_size).error();
  if (*kconfig_size != 0) object.source.maps.push_back(kconfig_map(*object.btf, *kconfig_size));
  return {};
}

std::vector<bpf_insn> raw_instructions(const object::Program& program) {
  const std::vector<std::uint8_t> bytes = isa::encode(program.instructions);
  std::vector<bpf_insn> insns(bytes.size() / sizeof(bpf_insn));
  if (!insns.empty()) std::memcpy(insns.data(), bytes.data(), insns.size() * sizeof(bpf_insn));
  return insns;
}

std::unique_ptr<bpf_map> make_map(bpf_object& object, std::size_t index) {
  auto map = std::make_unique<bpf_map>();
  const object::MapDefinition& definition = object.source.maps[index];
  map->owner = &object;
  map->index = index;
  map->real_name = definition.name;
  if (is_global_data(definition.origin)) {
    map->kernel_name = internal_map_name(object.name, definition.name);
    map->name = uses_real_name(definition) ? definition.name : map->kernel_name;
  } else {
    map->name = definition.name;
    map->kernel_name = definition.name.substr(0, kObjectNameLength);
  }
  if (definition.pinning == kPinByName) {
    map->pin_path = object.pin_root_path + "/" + map->name;
  }
  return map;
}

}  // namespace

// Global data: made now, so that its bytes can be edited before load at the address they
// keep after it (the map's single value).
Status create_data_map(bpf_map& map) {
  const object::MapDefinition& definition = map.definition();
  runtime::MapSpec spec = runtime::map_spec(definition, context().possible_cpus());
  spec.name = map.kernel_name;
  Result<std::shared_ptr<runtime::Map>> created = context().create_map(spec);
  if (!created) return std::move(created).error();
  const std::uint32_t zero = 0;
  std::vector<std::uint8_t> value(definition.value_size, 0);
  std::copy_n(definition.initial_data.begin(),
              std::min(value.size(), definition.initial_data.size()), value.begin());
  if ((*created)->user_update(&zero, value.data(), linux_abi::kAny) != 0) {
    return make_error("map '" + map.name + "': cannot store its initial data");
  }
  map.data_map = std::move(*created);
  return {};
}

bpf_object* open_object(std::vector<std::uint8_t> bytes, const std::string& path,
                        const std::string& default_name, const bpf_object_open_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_object_open_opts)) return fail_null<bpf_object>(EINVAL);
  auto object = std::make_unique<bpf_object>();
  const char* name = XBPF_OPTS_GET(opts, object_name, nullptr);
  object->name = name != nullptr ? name : default_name;
  if (object->name.size() > kObjectNameLength) object->name.resize(kObjectNameLength);
  object->path = path;
  if (const char* root = XBPF_OPTS_GET(opts, pin_root_path, nullptr)) object->pin_root_path = root;
  object->log_buf = XBPF_OPTS_GET(opts, kernel_log_buf, nullptr);
  object->log_size = XBPF_OPTS_GET(opts, kernel_log_size, std::size_t{0});
  object->log_level = XBPF_OPTS_GET(opts, kernel_log_level, 0U);
  if (object->log_size > UINT32_MAX || (object->log_size != 0 && object->log_buf == nullptr)) {
    return fail_null<bpf_object>(EINVAL);
  }
  if (const char* kconfig = XBPF_OPTS_GET(opts, kconfig, nullptr); kconfig != nullptr) {
    warn("kconfig: CONFIG_ values are not resolved in user mode (no kernel configuration)");
  }

  // libbpf's view of the object's BTF (DATASECs sized, variables placed), for bpf_object__btf
  // and skeletons; an object without .BTF has none.
  if (Result<btf*> types = btf_of_elf(bytes, path, nullptr, true)) object->btf = *types;
  Result<object::ElfFile> elf = object::ElfFile::parse(bytes, path);
  object::LoadObjectOptions options;
  if (elf) {
    // A single function of .text is a program to libbpf and may be static.
    if (Result<std::vector<std::string>> names = libbpf_programs(*elf)) options.entries = *names;
  }
  Result<object::Object> read = object::read_object(std::move(bytes), path, options);
  if (!read) {
    warn(read.error().to_string());
    return fail_null<bpf_object>(errno_of(read.error(), LIBBPF_ERRNO__FORMAT));
  }
  object->source = std::move(*read);
  if (!elf) {  // (read_object parsed the same bytes)
    warn(elf.error().to_string());
    return fail_null<bpf_object>(LIBBPF_ERRNO__FORMAT);
  }
  if (Status viewed = libbpf_view(*object, *elf); !viewed) {
    warn(viewed.error().to_string());
    return fail_null<bpf_object>(errno_of(viewed.error(), LIBBPF_ERRNO__FORMAT));
  }

  for (std::size_t i = 0; i < object->source.programs.size(); ++i) {
    auto program = std::make_unique<bpf_program>();
    const object::Program& source = object->source.programs[i];
    program->owner = object.get();
    program->index = i;
    program->name = source.name;
    program->section = source.section;
    program->expected_attach_type =
        source.attach == progtype::AttachType::none ? 0 : static_cast<std::uint32_t>(source.attach);
    program->insns = raw_instructions(source);
    // A section that names no type is libbpf's unspec program, its type settable until load
    // (which refuses it unset); the loader's other errors stay the program's.
    if (source.error && source.type == progtype::ProgramType::unspec &&
        source.error->message.find("does not name a program type") != std::string::npos) {
      object->source.programs[i].error.reset();
    }
    object->programs.push_back(std::move(program));
  }
  // Inner-map templates are not the object's maps: they hang off their map-in-map.
  std::vector<bool> inner(object->source.maps.size(), false);
  for (const object::MapDefinition& definition : object->source.maps) {
    if (definition.inner) inner[*definition.inner] = true;
  }
  for (std::size_t i = 0; i < object->source.maps.size(); ++i) {
    if (inner[i]) continue;
    std::unique_ptr<bpf_map> map = make_map(*object, i);
    if (const auto& template_index = object->source.maps[i].inner) {
      map->inner = make_map(*object, *template_index);
    }
    if (map->global_data()) {
      Status created = create_data_map(*map);
      if (!created) {
        warn("map '" + map->name + "': " + created.error().message);
        return fail_null<bpf_object>(errno_of(created.error(), ENOMEM));
      }
    }
    object->maps.push_back(std::move(map));
  }
  return object.release();
}

}  // namespace xbpf::libbpf

xbpf::object::Program& bpf_program::source() const { return owner->source.programs[index]; }

xbpf::object::MapDefinition& bpf_map::definition() const { return owner->source.maps[index]; }

bool bpf_map::global_data() const { return xbpf::libbpf::is_global_data(definition().origin); }

void* bpf_map::data() const {
  if (data_map == nullptr) return nullptr;
  const std::uint32_t zero = 0;
  return data_map->lookup(&zero, 0);
}
