// bpf_object__load: the object's maps made (or reused), its programs verified and prepared in
// the execution context, then wrapped in resources with descriptors; .rodata frozen and made
// read-only to the process. Messages as libbpf prints them.
#include <cerrno>
#include <cstring>

#include "libbpf/bpf_object.h"
#include "libbpf/context.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "libbpf/pins.h"
#include "platform/descriptors.h"

namespace xbpf::libbpf {
namespace {

void fill_log(char* buffer, std::size_t size, const std::string& text) {
  if (buffer == nullptr || size == 0) return;
  const std::size_t length = std::min(size - 1, text.size());
  std::memcpy(buffer, text.data(), length);
  buffer[length] = '\0';
}

// libbpf's report of a program that failed to load.
int report_program_failure(bpf_object& object, bpf_program& program, const Error& error) {
  const int code = errno_of(error, EINVAL);
  const std::string log = load_log(error, program.name);
  char* buffer = program.log_buf != nullptr ? program.log_buf : object.log_buf;
  const std::size_t size = program.log_buf != nullptr ? program.log_size : object.log_size;
  warn("prog '" + program.name + "': BPF program load failed: " + error_text(code));
  if (buffer != nullptr) {
    fill_log(buffer, size, log);
  } else {
    print_raw(LIBBPF_WARN, "libbpf: prog '" + program.name + "': -- BEGIN PROG LOAD LOG --\n" +
                               log + "-- END PROG LOAD LOG --\n");
  }
  warn("prog '" + program.name + "': failed to load: " + std::to_string(-code));
  return code;
}

int report_failure(bpf_object& object, const Error& error) {
  int code = 0;
  for (const auto& program : object.programs) {
    if (program->autoload && names_program(error, program->name, program->section)) {
      code = report_program_failure(object, *program, error);
      break;
    }
  }
  if (code == 0) {
    code = errno_of(error, EINVAL);
    warn(error.to_string());
  }
  warn("failed to load object '" + object.path + "'");
  return fail(code);
}

// The object as it stands after open and the settings since: autoload programs only, with the
// types and attach types set.
Result<object::Object> object_to_load(bpf_object& object) {
  object::Object copy = object.source;
  std::vector<object::Program> programs;
  for (const auto& program : object.programs) {
    if (!program->autoload) {
      debug("prog '" + program->name + "': skipped loading");
      continue;
    }
    const object::Program& source = copy.programs[program->index];
    if (source.type == progtype::ProgramType::unspec && !source.error) {
      Error error = make_error(program->name + ": missing BPF prog type, check ELF section name '" +
                               program->section + "'");
      error.linux_errno = EINVAL;
      return error;
    }
    programs.push_back(source);
  }
  copy.programs = std::move(programs);
  return copy;
}

// The maps that exist before load, by index: global data, reused and pinned maps.
std::vector<std::shared_ptr<runtime::Map>> existing_maps(bpf_object& object) {
  std::vector<std::shared_ptr<runtime::Map>> maps(object.source.maps.size());
  for (const auto& map : object.maps) {
    if (map->reuse == nullptr && map->pin_path) {
      std::shared_ptr<Resource> found = pinned(*map->pin_path);
      if (found != nullptr && found->kind == ResourceKind::map) {
        map->reuse = std::static_pointer_cast<MapResource>(found);
        map->reused = true;
        map->pinned = true;
      }
    }
    if (map->reuse != nullptr) {
      maps[map->index] = map->reuse->map;
    } else if (map->data_map != nullptr) {
      maps[map->index] = map->data_map;
    }
  }
  return maps;
}

// The object's BTF becomes a BTF object of the context, as libbpf loads it into the kernel:
// maps and programs name it by id.
void publish_btf(bpf_object& object) {
  if (object.btf == nullptr) return;
  __u32 size = 0;
  const void* data = btf__raw_data(object.btf, &size);
  auto resource = std::make_shared<BtfResource>();
  resource->id = Registry::instance().new_id(ResourceKind::btf);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  resource->raw.assign(bytes, bytes + size);
  Registry::instance().add(ResourceKind::btf, resource->id, resource);
  const int fd = Descriptors::instance().open(resource);
  if (fd < 0) return;
  object.loaded_btf = std::move(resource);
  object.btf_fd = fd;
  btf__set_fd(object.btf, fd);
}

Status publish_map(bpf_map& map, const runtime::LoadedMap& loaded) {
  const object::MapDefinition& definition = map.definition();
  map.created = map.reuse != nullptr ? map.reuse : map_resource(loaded.map, map.kernel_name);
  map.created->btf_key_type_id = definition.btf_key_type;
  map.created->btf_value_type_id = definition.btf_value_type;
  map.created->map_extra = definition.map_extra;
  if (map.reuse == nullptr && map.owner->loaded_btf != nullptr && definition.btf_value_type != 0) {
    map.created->btf_id = map.owner->loaded_btf->id;
  }
  if (definition.frozen() && map.reuse == nullptr) {
    // .rodata: frozen for user space too, and its pages read-only to the process.
    (void)map_freeze(*map.created);
    const std::span<std::byte> storage = loaded.map->storage();
    if (!storage.empty()) XBPF_TRY(platform::protect_read_only(storage.data(), storage.size()));
  }
  if (map.autocreate) {
    const int fd = Descriptors::instance().open(map.created);
    if (fd < 0) return make_error("map '" + map.name + "': " + error_text(-fd));
    map.fd = fd;
  }
  if (map.pin_path && !map.pinned) {
    if (pin(*map.pin_path, map.created) == 0) map.pinned = true;
  }
  return {};
}

}  // namespace

int load_object(bpf_object& object) {
  if (object.loaded) {
    warn("object '" + object.name + "': load can't be attempted twice");
    return fail(EINVAL);
  }
  object.loaded = true;  // as libbpf: whether it succeeds or not
  Result<object::Object> source = object_to_load(object);
  if (!source) return report_failure(object, source.error());
  runtime::LoadOptions options;
  options.maps = existing_maps(object);
  // Programs load one by one, as libbpf loads them; the first that fails fails the object,
  // reported under its name.
  options.independent_programs = true;
  Result<std::shared_ptr<runtime::LoadedObject>> loaded =
      context().load(std::move(*source), options);
  if (!loaded) return report_failure(object, loaded.error());
  // A map that cannot be created fails the object, as in libbpf.
  if (!(*loaded)->map_failures().empty()) {
    return report_failure(object, (*loaded)->map_failures().front().error);
  }
  for (const auto& program : object.programs) {
    if (const runtime::ProgramFailure* failure = (*loaded)->failed(program->name)) {
      const int code = report_program_failure(object, *program, failure->error);
      warn("failed to load object '" + object.path + "'");
      return fail(code);
    }
  }
  object.loaded_object = *loaded;
  publish_btf(object);
  for (const auto& map : object.maps) {
    Status published = publish_map(*map, *(*loaded)->map_at(map->index));
    if (!published) return report_failure(object, published.error());
  }
  for (const auto& program : object.programs) {
    if (!program->autoload) continue;
    const runtime::LoadedProgram* entry = (*loaded)->find_program(program->name);
    if (entry == nullptr) continue;
    program->loaded = program_resource(*loaded, *entry, program->expected_attach_type);
    if (object.loaded_btf != nullptr) program->loaded->btf_id = object.loaded_btf->id;
    const int fd = Descriptors::instance().open(program->loaded);
    if (fd < 0) return fail(-fd);
    program->fd = fd;
  }
  return 0;
}

void close_object(bpf_object* object) {
  if (object == nullptr) return;
  for (const auto& program : object->programs) {
    if (program->fd >= 0) Descriptors::instance().close(program->fd);
  }
  for (const auto& map : object->maps) {
    if (map->fd >= 0) Descriptors::instance().close(map->fd);
  }
  if (object->btf_fd >= 0) Descriptors::instance().close(object->btf_fd);
  delete object;
}

}  // namespace xbpf::libbpf

bpf_object::~bpf_object() { btf__free(btf); }
