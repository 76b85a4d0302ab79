#include "runtime/runtime.h"

#include <algorithm>
#include <cstring>

#include "isa/syntax.h"
#include "platform/platform.h"
#include "runtime/helpers/helpers.h"
#include "runtime/maps/prog_array.h"
#include "support/files.h"
#include "support/text.h"
#include "verifier/verifier.h"

namespace xbpf::runtime {
namespace {

// Resolves a loaded program's map references and tail calls.
class ProgramHost final : public vm::Host {
 public:
  explicit ProgramHost(const LoadedObject& object) : object_(object) {}

  Result<std::uint64_t> resolve_lddw(const isa::Instruction& insn) override {
    const isa::Sem sem = insn.info().sem;
    if (sem != isa::Sem::map_by_idx && sem != isa::Sem::map_val_idx)
      return vm::Host::resolve_lddw(insn);
    const auto index = static_cast<std::size_t>(static_cast<std::uint32_t>(insn.imm));
    if (index >= object_.maps().size()) {
      Location where;
      where.instruction = insn.slot;
      return make_error("map index " + std::to_string(index) + " is out of range (the object has " +
                            std::to_string(object_.maps().size()) + " maps)",
                        where);
    }
    const LoadedMap* created = object_.map_at(index);
    if (created == nullptr) {
      Location where;
      where.instruction = insn.slot;
      return make_error("map " + object_.object().maps[index].name + " could not be created",
                        where);
    }
    const LoadedMap& map = *created;
    if (sem == isa::Sem::map_by_idx) return reinterpret_cast<std::uint64_t>(map.map.get());
    // A direct value address: global data, or the first value of an array map.
    std::uint8_t* base = map.data;
    if (base == nullptr) {
      const std::uint32_t zero = 0;
      base = static_cast<std::uint8_t*>(map.map->lookup(&zero, 0));
    }
    const std::uint32_t value_size = map.map->spec().value_size;
    if (base == nullptr || insn.next_imm < 0 ||
        static_cast<std::uint32_t>(insn.next_imm) >= value_size) {
      Location where;
      where.instruction = insn.slot;
      return make_error("direct value access at offset " + std::to_string(insn.next_imm) +
                            " of map '" + map.name + "' (value size " + std::to_string(value_size) +
                            ") is not possible",
                        where);
    }
    return reinterpret_cast<std::uint64_t>(base + insn.next_imm);
  }

  const vm::Program* tail_call_target(std::uint64_t map_value, std::uint64_t index) override {
    const auto* map = reinterpret_cast<const Map*>(map_value);
    for (const LoadedMap& loaded : object_.maps()) {
      if (loaded.map.get() == map && map->type() == MapType::prog_array) {
        return static_cast<const ProgArray*>(map)->program_at(static_cast<std::uint32_t>(index));
      }
    }
    return nullptr;
  }

  bool supports_tail_calls() const override { return true; }

 private:
  const LoadedObject& object_;
};

std::string helper_label(std::int32_t id) {
  const progtype::HelperPrototype* prototype = progtype::helper(id);
  return prototype ? "bpf_" + std::string(prototype->name) + " (" + std::to_string(id) + ")"
                   : "helper " + std::to_string(id);
}

// The load pipeline's verification: an error carrying the verifier's report (the first
// error's source line, instruction and state) when `program` is not proven safe.
// On success, the offsets of the context fields the program may read.
Result<std::set<std::uint32_t>> verify_program(const object::Object& object,
                                               const object::Program& program) {
  std::set<std::uint32_t> reads;
  verifier::Options options;
  options.context_reads = &reads;
  Result<verifier::Report> report = verifier::verify(object, program, options);
  if (!report) {
    Error error = std::move(report).error();
    if (error.where.file.empty()) error.where.file = object.file;
    error.message = program.name + ": " + error.message;
    return error;
  }
  if (report->passed()) return reads;
  // The report without its "FAIL section/name (...)" header line.
  std::string text = verifier::format_report(program, *report);
  text.erase(0, text.find('\n') + 1);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  Location where;
  where.file = object.file;
  where.section = program.section;
  Error error = make_error("the verifier rejects " + program.section + "/" + program.name +
                               " (--no-verify runs it in the interpreter's checked mode):\n" + text,
                           where);
  error.linux_errno = linux_abi::kEACCES;  // what BPF_PROG_LOAD returns for a rejection
  return error;
}

}  // namespace

const LoadedProgram* LoadedObject::find_program(std::string_view name) const {
  for (const auto& program : programs_) {
    if (program->name == name) return program.get();
  }
  return nullptr;
}

const LoadedMap* LoadedObject::map_at(std::size_t index) const {
  if (index >= map_positions_.size() || map_positions_[index] < 0) return nullptr;
  return &maps_[static_cast<std::size_t>(map_positions_[index])];
}

const ProgramFailure* LoadedObject::failed(std::string_view name) const {
  for (const ProgramFailure& failure : failures_) {
    if (failure.name == name) return &failure;
  }
  return nullptr;
}

const LoadedMap* LoadedObject::find_map(std::string_view name) const {
  for (const LoadedMap& map : maps_) {
    if (map.name == name) return &map;
  }
  return nullptr;
}

Runtime::Runtime(RuntimeOptions options)
    : possible_cpus_(options.possible_cpus != 0 ? options.possible_cpus : platform::cpu_count()),
      jit_(options.jit),
      jit_blind_(options.jit_blind),
      verify_(options.verify),
      native_image_(options.native_image),
      trace_(std::move(options.trace_output)) {}

Runtime::~Runtime() = default;

std::shared_ptr<Map> Runtime::map_by_id(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = maps_.find(id);
  return found == maps_.end() ? nullptr : found->second.lock();
}

std::shared_ptr<const vm::Program> Runtime::program_by_id(std::uint32_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = programs_.find(id);
  return found == programs_.end() ? nullptr : found->second.lock();
}

const LoadedProgram* Runtime::loaded_program(const vm::Program* code) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = by_code_.find(code);
  return found == by_code_.end() ? nullptr : found->second;
}

bool Runtime::owns_map(const Map* map) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return map_ids_.count(map) != 0;
}

MapSpec map_spec(const object::MapDefinition& definition, unsigned possible_cpus) {
  MapSpec spec;
  spec.type = static_cast<MapType>(definition.type);
  spec.key_size = definition.key_size;
  spec.value_size = definition.value_size;
  spec.max_entries = definition.max_entries;
  spec.flags = definition.flags;
  spec.name = definition.name;
  spec.spin_lock_offset = definition.spin_lock_offset;
  spec.possible_cpus = possible_cpus;
  if (definition.frozen()) spec.flags |= linux_abi::kRdonlyProg;
  // As libbpf: a perf event array without max_entries gets one slot per possible CPU.
  if (spec.type == MapType::perf_event_array && spec.max_entries == 0)
    spec.max_entries = possible_cpus;
  return spec;
}

Result<std::shared_ptr<Map>> Runtime::create_map(const MapSpec& spec) {
  MapSpec copy = spec;
  copy.possible_cpus = possible_cpus_;
  Result<std::shared_ptr<Map>> map = Map::create(copy, this);
  if (!map) return map;
  (*map)->set_id(next_id());
  std::lock_guard<std::mutex> lock(mutex_);
  maps_[(*map)->id()] = *map;
  map_ids_[map->get()] = (*map)->id();
  return map;
}

namespace {

// bpf_map__reuse_fd's check (map_is_reuse_compat): the map must be what the object defines.
Status check_reused(const MapSpec& wanted, const Map& map) {
  const MapSpec& found = map.spec();
  if (found.type == wanted.type && found.key_size == wanted.key_size &&
      found.value_size == wanted.value_size && found.max_entries == wanted.max_entries &&
      found.flags == wanted.flags) {
    return {};
  }
  auto describe = [](const MapSpec& spec) {
    return "type " + std::to_string(static_cast<unsigned>(spec.type)) + ", key_size " +
           std::to_string(spec.key_size) + ", value_size " + std::to_string(spec.value_size) +
           ", max_entries " + std::to_string(spec.max_entries) + ", flags 0x" + to_hex(spec.flags);
  };
  Error error = make_error("map '" + wanted.name + "': the map to reuse does not match (expected " +
                           describe(wanted) + ", found " + describe(found) + ")");
  error.linux_errno = linux_abi::kEINVAL;
  return error;
}

}  // namespace

Result<std::shared_ptr<LoadedProgram>> Runtime::prepare_program(LoadedObject& loaded,
                                                                const object::Program& program,
                                                                vm::Host* host) {
  const object::Object& source = loaded.object_;
  auto where = [&](const std::string& section = "") {
    Location location;
    location.file = source.file;
    location.section = section;
    return location;
  };
  const progtype::ProgramTypeInfo* type = progtype::program_type_for(program.type, program.attach);
  if (type == nullptr) {
    return make_error(program.name + ": program type " +
                          std::to_string(static_cast<unsigned>(program.type)) + " is not supported",
                      where(program.section));
  }
  vm::Environment environment;
  environment.host = host;
  environment.jit_allowed = jit_;
  environment.jit_blind = jit_blind_;
  bool tail_calls = false;
  for (const isa::Instruction& insn : program.instructions) {
    if (insn.op != isa::Op::call_helper) continue;
    const std::int32_t id = insn.imm;
    tail_calls = tail_calls || id == vm::kTailCallHelper;
    Location location = where(program.section);
    location.instruction = insn.slot;
    if (progtype::helper(id) == nullptr) {
      return make_error(program.name + ": call to unknown helper " + std::to_string(id), location);
    }
    if (!type->allows_helper(id)) {
      return make_error(program.name + ": " + helper_label(id) + " is not allowed in " +
                            std::string(type->name) + " programs",
                        location);
    }
    if (id == vm::kTailCallHelper) continue;  // the VM's own
    const vm::Helper implementation = helpers::find(id);
    if (implementation == nullptr) {
      return make_error(program.name + ": " + helper_label(id) + " is not implemented by xbpf",
                        location);
    }
    environment.set_helper(id, implementation);
  }
  std::optional<std::set<std::uint32_t>> fields_read;
  if (verify_) {
    Result<std::set<std::uint32_t>> verified = verify_program(source, program);
    if (!verified) return std::move(verified).error();
    // A program that tail-calls gives its context to programs whose reads it cannot know.
    if (!tail_calls) fields_read = std::move(*verified);
  }
  if (native_image_ != nullptr) {
    if (const aot::Image::Program* native = native_image_->find(program.name)) {
      const std::string digest = aot::bytecode_digest(program.instructions);
      if (native->digest != digest) {
        return make_error(program.name + ": the native image " + native_image_->path() +
                              " holds other bytecode (SHA-256 " + native->digest +
                              ", the object's is " + digest + ")",
                          where(program.section));
      }
      environment.native = native_image_->function(*native);
    } else {
      std::string names;
      for (const aot::Image::Program& held : native_image_->programs()) {
        names += (names.empty() ? "" : ", ") + held.name;
      }
      return make_error(program.name + ": the native image " + native_image_->path() +
                            " has no program of that name (it holds: " +
                            (names.empty() ? std::string("none") : names) +
                            "); build it from this object with xbpf gen native",
                        where(program.section));
    }
  }
  Result<std::shared_ptr<const vm::Program>> code =
      vm::Program::create(program.instructions, environment);
  if (!code) {
    Error error = std::move(code).error();
    error.where.file = source.file;
    error.where.section = program.section;
    error.message = program.name + ": " + error.message;
    return error;
  }
  auto entry = std::make_shared<LoadedProgram>();
  entry->id = next_id();
  entry->name = program.name;
  entry->section = program.section;
  entry->type = type;
  entry->source = &program;
  entry->owner = &loaded;
  entry->code = std::move(*code);
  entry->verified = verify_;
  entry->context_fields_read = std::move(fields_read);
  for (std::size_t index : program.maps) {
    if (const LoadedMap* map = loaded.map_at(index)) entry->maps.push_back(map->map.get());
  }
  return entry;
}

Result<std::shared_ptr<LoadedObject>> Runtime::load(object::Object object,
                                                    const LoadOptions& options) {
  auto loaded = std::make_shared<LoadedObject>();
  loaded->runtime_ = this;
  loaded->object_ = std::move(object);
  const object::Object& source = loaded->object_;
  auto where = [&](const std::string& section = "") {
    Location location;
    location.file = source.file;
    location.section = section;
    return location;
  };

  // Maps, in the object's order (inner-map templates included).
  std::vector<MapSpec> specs;
  for (const object::MapDefinition& definition : source.maps) {
    specs.push_back(map_spec(definition, possible_cpus_));
  }
  for (std::size_t i = 0; i < source.maps.size(); ++i) {
    if (source.maps[i].inner)
      specs[i].inner = std::make_shared<MapSpec>(specs[*source.maps[i].inner]);
  }
  loaded->map_positions_.assign(source.maps.size(), -1);
  for (std::size_t i = 0; i < source.maps.size(); ++i) {
    const object::MapDefinition& definition = source.maps[i];
    const bool reused = i < options.maps.size() && options.maps[i] != nullptr;
    if (reused) {
      Status compatible = check_reused(specs[i], *options.maps[i]);
      if (!compatible) {
        Error error = std::move(compatible).error();
        if (error.where.file.empty()) error.where = where();
        return error;
      }
    }
    Result<std::shared_ptr<Map>> map =
        reused ? Result<std::shared_ptr<Map>>(options.maps[i]) : Map::create(specs[i], this);
    if (!map) {
      Error error = std::move(map).error();
      const std::string prefix = "map '" + definition.name + "': ";
      if (error.message.rfind(prefix, 0) != 0) error.message = prefix + error.message;
      if (error.where.file.empty()) error.where = where();
      if (!options.independent_programs) return error;
      loaded->map_failures_.push_back({definition.name, "", std::move(error)});
      continue;
    }
    LoadedMap entry;
    entry.index = i;
    entry.id = reused ? (*map)->id() : next_id();
    entry.name = definition.name;
    entry.origin = definition.origin;
    entry.map = std::move(*map);
    entry.map->set_id(entry.id);
    const bool global_data = definition.origin == object::MapOrigin::data ||
                             definition.origin == object::MapOrigin::rodata ||
                             definition.origin == object::MapOrigin::bss;
    if (global_data && reused) {
      const std::uint32_t zero = 0;
      entry.data = static_cast<std::uint8_t*>(entry.map->lookup(&zero, 0));
    } else if (global_data) {
      const std::uint32_t zero = 0;
      std::vector<std::uint8_t> value(definition.value_size, 0);
      std::copy_n(definition.initial_data.begin(),
                  std::min(value.size(), definition.initial_data.size()), value.begin());
      const long updated = entry.map->user_update(&zero, value.data(), linux_abi::kAny);
      if (updated != 0) {
        return make_error("map '" + definition.name + "': cannot store its initial data (errno " +
                              std::to_string(-updated) + ")",
                          where());
      }
      entry.data = static_cast<std::uint8_t*>(entry.map->lookup(&zero, 0));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      maps_[entry.id] = entry.map;
      map_ids_[entry.map.get()] = entry.id;
    }
    loaded->map_positions_[i] = static_cast<std::int64_t>(loaded->maps_.size());
    loaded->maps_.push_back(std::move(entry));
  }

  // Programs.
  loaded->hosts_.push_back(std::make_unique<ProgramHost>(*loaded));
  vm::Host* host = loaded->hosts_.back().get();
  for (const object::Program& program : source.programs) {
    if (!options.programs.empty() && std::find(options.programs.begin(), options.programs.end(),
                                               program.name) == options.programs.end()) {
      continue;
    }
    std::optional<Error> refused = program.error;
    for (std::size_t index : program.maps) {
      if (refused || loaded->map_at(index) != nullptr) continue;
      const auto failure =
          std::find_if(loaded->map_failures_.begin(), loaded->map_failures_.end(),
                       [&](const ProgramFailure& f) { return f.name == source.maps[index].name; });
      refused = make_error(
          program.name + ": it uses a map that could not be created: " +
              (failure != loaded->map_failures_.end() ? failure->error.message
                                                      : "map '" + source.maps[index].name + "'"),
          where(program.section));
    }
    Result<std::shared_ptr<LoadedProgram>> entry =
        refused ? Result<std::shared_ptr<LoadedProgram>>(*refused)
                : prepare_program(*loaded, program, host);
    if (!entry) {
      if (!options.independent_programs) return std::move(entry).error();
      loaded->failures_.push_back({program.name, program.section, std::move(entry).error()});
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      programs_[(*entry)->id] = (*entry)->code;
      by_code_[(*entry)->code.get()] = entry->get();
    }
    loaded->programs_.push_back(std::move(*entry));
  }

  // Initial values of program arrays and map-in-map slots.
  for (std::size_t i = 0; i < source.maps.size(); ++i) {
    const LoadedMap* holder = loaded->map_at(i);
    if (holder == nullptr) continue;  // could not be created (map_failures)
    for (const auto& [slot, named] : source.maps[i].initial_references) {
      const std::string& name = named;  // (clang 14: lambdas cannot capture bindings)
      std::uint32_t id = 0;
      if (const LoadedProgram* program = loaded->find_program(name)) {
        id = program->id;
      } else if (const LoadedMap* map = loaded->find_map(name)) {
        id = map->id;
      } else if (loaded->failed(name) != nullptr ||
                 std::any_of(loaded->map_failures_.begin(), loaded->map_failures_.end(),
                             [&](const ProgramFailure& f) { return f.name == name; }) ||
                 (!options.programs.empty() &&
                  std::find(options.programs.begin(), options.programs.end(), name) ==
                      options.programs.end() &&
                  source.find_program(name) != nullptr)) {
        continue;  // a program or map that did not load, or was not asked for: the slot stays
                   // empty
      } else {
        return make_error("map '" + source.maps[i].name + "': slot " + std::to_string(slot) +
                              " names '" + name + "', which is neither a loaded program nor a map",
                          where(".maps"));
      }
      const long updated = holder->map->user_update(&slot, &id, linux_abi::kAny);
      if (updated != 0) {
        return make_error("map '" + source.maps[i].name + "': cannot set slot " +
                              std::to_string(slot) + " to '" + name + "' (errno " +
                              std::to_string(-updated) + ")",
                          where(".maps"));
      }
    }
  }
  return loaded;
}

Result<object::Object> read_object_file(const std::string& path,
                                        const object::LoadObjectOptions& options) {
  Result<std::vector<std::uint8_t>> bytes = read_file(path);
  if (!bytes) return std::move(bytes).error();
  return object::read_object(std::move(*bytes), path, options);
}

Result<LoadedFile> load_into_new_runtime(object::Object object, const RuntimeOptions& options,
                                         const LoadOptions& load_options) {
  LoadedFile file;
  file.runtime = std::make_unique<Runtime>(options);
  Result<std::shared_ptr<LoadedObject>> loaded =
      file.runtime->load(std::move(object), load_options);
  if (!loaded) return std::move(loaded).error();
  file.object = std::move(*loaded);
  return file;
}

Result<LoadedFile> load_file(const std::string& path, const RuntimeOptions& runtime_options,
                             const object::LoadObjectOptions& object_options,
                             const LoadOptions& load_options) {
  Result<object::Object> object = read_object_file(path, object_options);
  if (!object) return std::move(object).error();
  return load_into_new_runtime(std::move(*object), runtime_options, load_options);
}

}  // namespace xbpf::runtime
