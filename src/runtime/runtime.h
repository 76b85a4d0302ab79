// The execution context (eBPF for Windows' "execution context"): it owns maps and programs,
// gives them ids, loads objects (maps created, programs linked to them and prepared) and
// resolves references between them (tail calls, map-in-map).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "aot/image.h"
#include "object/object.h"
#include "progtype/progtype.h"
#include "runtime/maps/map.h"
#include "runtime/trace_pipe.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::runtime {

class Runtime;
class LoadedObject;

struct LoadedMap {
  std::uint32_t id = 0;
  std::size_t index = 0;  // in Object::maps
  std::string name;
  object::MapOrigin origin = object::MapOrigin::btf;
  std::shared_ptr<Map> map;
  // Global data: the section's bytes (the single value of the map).
  std::uint8_t* data = nullptr;
};

struct LoadedProgram {
  std::uint32_t id = 0;
  std::string name;
  std::string section;
  const progtype::ProgramTypeInfo* type = nullptr;
  const object::Program* source = nullptr;  // inside the LoadedObject
  LoadedObject* owner = nullptr;
  std::shared_ptr<const vm::Program> code;
  // The maps the program references (for checked-mode argument checks).
  std::vector<Map*> maps;
  // The verifier proved it safe (false only when the runtime was asked not to verify).
  bool verified = false;
  // The offsets of the context fields it may read, as the verifier found them
  // (verifier::Options::context_reads); nullopt, any: unverified, or it tail-calls.
  std::optional<std::set<std::uint32_t>> context_fields_read;
};

// A program (or a map) of the object that did not load (with
// LoadOptions::independent_programs).
struct ProgramFailure {
  std::string name;
  std::string section;
  Error error;
};

class LoadedObject {
 public:
  [[nodiscard]] const object::Object& object() const { return object_; }
  // The maps that were created (all of them unless LoadOptions::independent_programs let one
  // fail: map_failures() then says why).
  [[nodiscard]] const std::vector<LoadedMap>& maps() const { return maps_; }
  [[nodiscard]] const std::vector<ProgramFailure>& map_failures() const { return map_failures_; }
  // The map of Object::maps[index], or nullptr when it could not be created.
  [[nodiscard]] const LoadedMap* map_at(std::size_t index) const;
  [[nodiscard]] const std::vector<std::shared_ptr<LoadedProgram>>& programs() const {
    return programs_;
  }
  // The programs that did not load, and why (LoadOptions::independent_programs).
  [[nodiscard]] const std::vector<ProgramFailure>& failures() const { return failures_; }
  [[nodiscard]] const ProgramFailure* failed(std::string_view name) const;
  [[nodiscard]] const LoadedProgram* find_program(std::string_view name) const;
  [[nodiscard]] const LoadedMap* find_map(std::string_view name) const;
  [[nodiscard]] Runtime& runtime() const { return *runtime_; }

 private:
  friend class Runtime;
  Runtime* runtime_ = nullptr;
  object::Object object_;
  std::vector<LoadedMap> maps_;
  std::vector<std::shared_ptr<LoadedProgram>> programs_;
  std::vector<ProgramFailure> failures_;
  std::vector<ProgramFailure> map_failures_;
  std::vector<std::int64_t> map_positions_;  // Object::maps index -> maps_ index, -1: failed
  std::vector<std::unique_ptr<vm::Host>> hosts_;
};

struct RuntimeOptions {
  unsigned possible_cpus = 0;  // 0: the machine's CPU count
  // Where bpf_trace_printk writes: "" for the trace pipe in the state directory, "-" for
  // standard error, or a file.
  std::string trace_output;
  // JIT policy for the programs this runtime loads (vm::Environment::jit_allowed, jit_blind):
  // jit = false forbids executable memory, as XBPF_JIT=off does for the whole process;
  // programs then run on the interpreters only. jit_blind blinds their constants.
  bool jit = true;
  bool jit_blind = false;
  // Verify every program before it is prepared, and refuse the object when one fails (the
  // load pipeline: relocate, verify, prepare the engine; the error's linux_errno is EACCES).
  // false is for debugging (`--no-verify`) and tests of the runtime itself: such programs
  // should run in the interpreter's checked mode.
  bool verify = true;
  // A native image (runtime/native_image.h) of the objects this runtime loads: each program
  // the image holds (same name, same bytecode digest) gets its native code (Engine::native).
  std::shared_ptr<const aot::Image> native_image = nullptr;
};

struct LoadOptions {
  // Load only these programs (by name); all when empty.
  std::vector<std::string> programs;
  // Maps that exist already, by index into Object::maps, used instead of creating them (a
  // null or missing entry is created): libbpf's bpf_map__reuse_fd, and global data made when
  // the object was opened (its initial data is then the map's, not stored again). Each must
  // match its definition's type, sizes, max_entries and flags.
  std::vector<std::shared_ptr<Map>> maps;
  // A program that cannot load (Program::error, refused by the verifier, a helper xbpf lacks,
  // a map it uses that cannot be created) does not fail the object: it is recorded in
  // LoadedObject::failures() (a map in map_failures()) and the others load, as with libbpf's
  // autoload turned off for it. Otherwise the first such program fails the load, as
  // bpf_object__load does.
  bool independent_programs = false;
};

// The map an object's definition asks for (.rodata read-only to programs, a perf event array
// without max_entries sized to the CPUs), as load() creates it.
MapSpec map_spec(const object::MapDefinition& definition, unsigned possible_cpus);

class Runtime final : public MapRegistry {
 public:
  explicit Runtime(RuntimeOptions options = {});
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Creates the object's maps (global data initialised, .rodata frozen), prepares its
  // programs with the helpers their type allows, fills program arrays and map-in-map slots
  // from the object's initial values.
  Result<std::shared_ptr<LoadedObject>> load(object::Object object,
                                             const LoadOptions& options = {});

  // Creates one map (bpf(BPF_MAP_CREATE)) and gives it an id. The error carries Linux's errno.
  Result<std::shared_ptr<Map>> create_map(const MapSpec& spec);

  std::shared_ptr<Map> map_by_id(std::uint32_t id) override;
  std::shared_ptr<const vm::Program> program_by_id(std::uint32_t id) override;
  [[nodiscard]] const LoadedProgram* loaded_program(const vm::Program* code) const;
  // True when `map` is a live map of this runtime (checked-mode argument checks).
  [[nodiscard]] bool owns_map(const Map* map) const;

  [[nodiscard]] unsigned possible_cpus() const { return possible_cpus_; }
  TracePipe& trace_pipe() { return trace_; }

 private:
  std::uint32_t next_id() { return ++last_id_; }
  Result<std::shared_ptr<LoadedProgram>> prepare_program(LoadedObject& loaded,
                                                         const object::Program& program,
                                                         vm::Host* host);
  unsigned possible_cpus_;
  bool jit_;
  bool jit_blind_;
  bool verify_;
  std::shared_ptr<const aot::Image> native_image_;
  TracePipe trace_;
  std::atomic<std::uint32_t> last_id_{0};
  mutable std::mutex mutex_;
  std::map<std::uint32_t, std::weak_ptr<Map>> maps_;
  std::map<std::uint32_t, std::weak_ptr<const vm::Program>> programs_;
  std::map<const vm::Program*, const LoadedProgram*> by_code_;
  std::map<const Map*, std::uint32_t> map_ids_;
};

// A runtime of its own with one object file loaded into it: what a command, a test or a
// benchmark needs to run an object's programs.
struct LoadedFile {
  std::unique_ptr<Runtime> runtime;  // declared first: outlives the object
  std::shared_ptr<LoadedObject> object;
};

// Reads the ELF object at `path` and loads it into a new runtime.
Result<LoadedFile> load_file(const std::string& path, const RuntimeOptions& runtime_options = {},
                             const object::LoadObjectOptions& object_options = {},
                             const LoadOptions& load_options = {});

// The parts of load_file: reading the object, and loading it into a new runtime.
Result<object::Object> read_object_file(const std::string& path,
                                        const object::LoadObjectOptions& options);
Result<LoadedFile> load_into_new_runtime(object::Object object, const RuntimeOptions& options,
                                         const LoadOptions& load_options = {});

}  // namespace xbpf::runtime
