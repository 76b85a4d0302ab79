#include "runtime/native_image.h"

#include <filesystem>
#include <system_error>

#include "platform/platform.h"
#include "progtype/progtype.h"
#include "support/files.h"
#include "support/json.h"
#include "support/linux_abi.h"
#include "support/sha256.h"
#include "support/text.h"
#include "verifier/verifier.h"
#include "vm/vm.h"

namespace xbpf::runtime {

const std::string& contract_hash() {
  static const std::string hash = [] {
    Sha256 digest;
    const auto line = [&digest](const std::string& text) { digest.update(text + "\n"); };
    line("xbpf native contract; abi " + std::to_string(vm::kNativeAbi));
    for (const progtype::ProgramTypeInfo& type : progtype::all_program_types()) {
      line("type " + std::to_string(static_cast<std::uint32_t>(type.type)) + " " +
           std::string(type.name) + " " + std::string(type.context) + " " +
           std::to_string(type.context_size) + " any_read " +
           std::to_string(type.any_context_read ? 1 : 0) + " from " +
           std::to_string(type.any_read_from) + " returns " + std::to_string(type.returns.min) +
           " " + std::to_string(type.returns.max));
      for (const progtype::ContextField& field : type.fields) {
        line(" field " + std::string(field.name) + " " + std::to_string(field.offset) + " " +
             std::to_string(field.size) + " " + std::string(progtype::field_kind_name(field.kind)) +
             (field.writable ? " writable" : ""));
      }
      std::string helpers = " helpers";
      for (const std::int32_t id : type.helpers) helpers += " " + std::to_string(id);
      line(helpers);
    }
    for (const progtype::HelperPrototype& helper : progtype::all_helpers()) {
      std::string text = "helper " + std::to_string(helper.id) + " " + std::string(helper.name) +
                         " " + std::string(progtype::return_type_name(helper.ret));
      for (const progtype::ArgType arg : helper.args) {
        text += " " + std::string(progtype::arg_type_name(arg));
      }
      line(text);
    }
    std::string hex;
    static constexpr char kDigits[] = "0123456789abcdef";
    for (const std::uint8_t byte : digest.finish()) {
      hex += kDigits[byte >> 4];
      hex += kDigits[byte & 15];
    }
    return hex;
  }();
  return hash;
}

namespace {

std::string metadata_json(const object::Object& object) {
  JsonWriter json;
  json.begin_object();
  json.field("file", std::string_view(object.file));
  json.field("contract", std::string_view(contract_hash()));
  json.key("programs").begin_array();
  for (const object::Program& program : object.programs) {
    const progtype::ProgramTypeInfo* type = progtype::program_type(program.type);
    json.begin_object()
        .field("name", std::string_view(program.name))
        .field("section", std::string_view(program.section))
        .field("type", type != nullptr ? type->name : std::string_view("unknown"))
        .field("instructions", static_cast<std::uint64_t>(program.instructions.size()))
        .field("sha256", std::string_view(aot::bytecode_digest(program.instructions)))
        .end_object();
  }
  json.end_array();
  json.key("maps").begin_array();
  for (const object::MapDefinition& map : object.maps) {
    json.begin_object()
        .field("name", std::string_view(map.name))
        .field("type", map.type)
        .field("key_size", map.key_size)
        .field("value_size", map.value_size)
        .field("max_entries", map.max_entries)
        .field("flags", map.flags);
    if (map.origin != object::MapOrigin::btf && !map.initial_data.empty()) {
      json.field("global_data", std::string_view(hex_bytes(map.initial_data, "")));
    }
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.str();
}

}  // namespace

Result<aot::ImageSource> native_image_source(const object::Object& object,
                                             const NativeBuildOptions& options,
                                             std::vector<ProgramFailure>* omitted) {
  auto omit = [&](const object::Program& program, Error error) {
    if (omitted != nullptr) omitted->push_back({program.name, program.section, std::move(error)});
  };
  aot::ImageSource source;
  source.contract = contract_hash();
  source.metadata = metadata_json(object);
  for (const object::Program& program : object.programs) {
    if (program.error) {
      if (!options.independent_programs) return *program.error;
      omit(program, *program.error);
      continue;
    }
    if (!options.verify) {
      source.programs.push_back({program.name, program.section,
                                 static_cast<std::uint32_t>(program.type), program.instructions});
      continue;
    }
    Result<verifier::Report> report = verifier::verify(object, program);
    if (!report) {
      Error error = std::move(report).error();
      error.message = program.name + ": " + error.message;
      if (!options.independent_programs) return error;
      omit(program, std::move(error));
      continue;
    }
    if (!report->passed()) {
      Location where;
      where.file = object.file;
      where.section = program.section;
      Error error = make_error("refusing to compile a program the verifier rejects:\n" +
                                   verifier::format_report(program, *report),
                               where);
      error.linux_errno = linux_abi::kEACCES;
      if (!options.independent_programs) return error;
      omit(program, std::move(error));
      continue;
    }
    source.programs.push_back({program.name, program.section,
                               static_cast<std::uint32_t>(program.type), program.instructions});
  }
  return source;
}

Status build_native_image(const object::Object& object, const std::string& output,
                          const NativeBuildOptions& options) {
  Result<aot::ImageSource> source = native_image_source(object, options);
  if (!source) return std::move(source).error();
  Result<std::string> c_source = aot::translate(*source);
  if (!c_source) return std::move(c_source).error();
  return aot::compile(*c_source, output);
}

Result<std::shared_ptr<const aot::Image>> load_native_image(const std::string& path) {
  Result<std::shared_ptr<const aot::Image>> image = aot::Image::load(path);
  if (!image) return image;
  if ((*image)->contract() != contract_hash()) {
    return make_error("native image " + path + " was built against contract " +
                      (*image)->contract() + ", but this runtime's contract is " + contract_hash() +
                      " (rebuild it with xbpf gen native)");
  }
  return image;
}

Result<std::shared_ptr<const aot::Image>> cached_native_image(const object::Object& object,
                                                              const NativeBuildOptions& options) {
  Result<std::string> state = platform::state_directory();
  if (!state) return std::move(state).error();
  const std::string directory = *state + "/aot";
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return make_error("cannot create " + directory + ": " + error.message());
  // Keyed by the C (which holds the contract and every program's bytecode and digest): a
  // change of the translator or of the contract builds a new image.
  Result<aot::ImageSource> source = native_image_source(object, options);
  if (!source) return std::move(source).error();
  Result<std::string> c_source = aot::translate(*source);
  if (!c_source) return std::move(c_source).error();
  const std::string path =
      directory + "/" + sha256_hex(*c_source) + platform::shared_library_suffix();
  if (!std::filesystem::exists(path, error)) {
    // Built under a name of its own, then renamed: a concurrent run never loads half a file.
    const std::string partial = path + "." + std::to_string(platform::process_id()) + ".tmp";
    Status built = aot::compile(*c_source, partial);
    if (!built) {
      std::filesystem::remove(partial, error);
      return std::move(built).error();
    }
    std::filesystem::rename(partial, path, error);
    if (error) {
      std::filesystem::remove(partial, error);
      if (!std::filesystem::exists(path)) {
        return make_error("cannot move the native image to " + path + ": " + error.message());
      }
    }
  }
  return load_native_image(path);
}

Result<LoadedFile> load_file_native(const std::string& path, RuntimeOptions runtime_options,
                                    const object::LoadObjectOptions& object_options,
                                    const NativeBuildOptions& build,
                                    const std::optional<std::string>& image,
                                    const LoadOptions& load_options) {
  Result<object::Object> object = read_object_file(path, object_options);
  if (!object) return std::move(object).error();
  Result<std::shared_ptr<const aot::Image>> native =
      image ? load_native_image(*image) : cached_native_image(*object, build);
  if (!native) return std::move(native).error();
  runtime_options.native_image = std::move(*native);
  return load_into_new_runtime(std::move(*object), runtime_options, load_options);
}

}  // namespace xbpf::runtime
