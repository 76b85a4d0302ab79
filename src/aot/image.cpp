#include "aot/image.h"

#include <atomic>
#include <filesystem>
#include <system_error>

#include "platform/platform.h"

namespace xbpf::aot {

std::optional<std::string> find_c_compiler() {
  if (std::optional<std::string> chosen = platform::environment_variable("XBPF_CC")) {
    if (chosen->empty()) return std::nullopt;
    return platform::find_executable(*chosen);
  }
  const bool windows = std::string_view(platform::shared_library_suffix()) == ".dll";
  const std::vector<std::string> candidates =
      windows ? std::vector<std::string>{"x86_64-w64-mingw32-gcc", "gcc"}
              : std::vector<std::string>{"cc", "gcc"};
  for (const std::string& name : candidates) {
    if (std::optional<std::string> path = platform::find_executable(name)) return path;
  }
  return std::nullopt;
}

Status compile(const std::string& source, const std::string& output) {
  const std::optional<std::string> compiler = find_c_compiler();
  if (!compiler) {
    return make_error(
        "no C compiler found to build the native image (install cc or gcc, or set XBPF_CC)");
  }
  std::vector<std::string> argv = {*compiler, "-O2", "-shared", "-fwrapv", "-fno-strict-aliasing",
                                   "-w"};
  if (std::string_view(platform::shared_library_suffix()) == ".so") argv.push_back("-fPIC");
  for (const char* arg : {"-x", "c", "-", "-o"}) argv.emplace_back(arg);
  argv.push_back(output);
  Result<platform::ProcessResult> result = platform::run_process(argv, source);
  if (!result) return std::move(result).error();
  if (result->exit_code != 0) {
    std::string why = result->err.size() > 2000 ? result->err.substr(0, 2000) + "..." : result->err;
    return make_error(*compiler + " failed to compile the native image (exit code " +
                      std::to_string(result->exit_code) + "): " + why);
  }
  return {};
}

Image::~Image() {
  platform::free_library(library_);
  if (temporary_) {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
}

Result<std::shared_ptr<const Image>> Image::load(const std::string& path) {
  return open(path, false);
}

Result<std::shared_ptr<const Image>> Image::open(const std::string& path, bool temporary) {
  Result<void*> library = platform::load_library(path);
  if (!library) return std::move(library).error();
  std::shared_ptr<Image> image(new Image());
  image->library_ = *library;
  image->path_ = path;
  image->temporary_ = temporary;
  const auto symbol = [&](const char* name) { return platform::library_symbol(*library, name); };
  const auto* abi = static_cast<const std::uint32_t*>(symbol(kAbiSymbol));
  const auto* contract = static_cast<const char*>(symbol(kContractSymbol));
  const auto* metadata = static_cast<const char*>(symbol(kMetadataSymbol));
  const auto* count = static_cast<const std::uint32_t*>(symbol(kProgramCountSymbol));
  const auto* programs = static_cast<const ImageProgram*>(symbol(kProgramsSymbol));
  if (abi == nullptr || contract == nullptr || metadata == nullptr || count == nullptr ||
      programs == nullptr) {
    return make_error(path + " is not an xbpf native image (no " + kAbiSymbol + " or " +
                      kProgramsSymbol + " symbol)");
  }
  if (*abi != vm::kNativeAbi) {
    return make_error(path + " uses native image ABI " + std::to_string(*abi) + ", expected " +
                      std::to_string(vm::kNativeAbi) + " (rebuild it with xbpf gen native)");
  }
  image->contract_ = contract;
  image->metadata_ = metadata;
  for (std::uint32_t i = 0; i < *count; ++i) {
    const ImageProgram& row = programs[i];
    Program program;
    program.name = row.name;
    program.section = row.section;
    program.type = row.type;
    program.slots = row.slots;
    program.digest = row.digest;
    program.entry = reinterpret_cast<vm::NativeEntry>(reinterpret_cast<std::uintptr_t>(row.entry));
    program.main = row.main;
    image->programs_.push_back(std::move(program));
  }
  return std::shared_ptr<const Image>(std::move(image));
}

const Image::Program* Image::find(std::string_view name) const {
  for (const Program& program : programs_) {
    if (program.name == name) return &program;
  }
  return nullptr;
}

std::shared_ptr<const vm::NativeFunction> Image::function(const Program& program) const {
  auto function = std::make_shared<vm::NativeFunction>();
  function->entry = program.entry;
  function->main = program.main;
  function->image = shared_from_this();
  return function;
}

Result<std::shared_ptr<const Image>> build_temporary(const ImageSource& source) {
  Result<std::string> directory = platform::state_directory();
  if (!directory) return std::move(directory).error();
  static std::atomic<std::uint64_t> counter{0};
  const std::string path = *directory + "/aot-" + std::to_string(platform::process_id()) + "-" +
                           std::to_string(counter++) + platform::shared_library_suffix();
  Result<std::string> c_source = translate(source);
  if (!c_source) return std::move(c_source).error();
  Status compiled = compile(*c_source, path);
  if (!compiled) return std::move(compiled).error();
  Result<std::shared_ptr<const Image>> image = Image::open(path, true);
  if (!image) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
  return image;
}

}  // namespace xbpf::aot
