// The execution context in the application's process: one runtime::Runtime for the whole
// process (ids are process-wide, as the kernel's are system-wide).
#include "libbpf/context.h"
#include "platform/descriptors.h"

namespace xbpf::libbpf {
namespace {

class LocalContext final : public Context {
 public:
  LocalContext() : runtime_(options()) {}

  Result<std::shared_ptr<runtime::Map>> create_map(const runtime::MapSpec& spec) override {
    return runtime_.create_map(spec);
  }

  Result<std::shared_ptr<runtime::LoadedObject>> load(
      object::Object object, const runtime::LoadOptions& options) override {
    return runtime_.load(std::move(object), options);
  }

  Result<runtime::TestRunResult> test_run(const runtime::LoadedProgram& program,
                                          runtime::TestRunOptions options) override {
    options.engine = engine(program);
    return runtime::test_run(program, options);
  }

  [[nodiscard]] vm::Engine engine(const runtime::LoadedProgram& program) const override {
    return program.code->jit() != nullptr ? vm::Engine::jit : vm::Engine::interpreter;
  }

  [[nodiscard]] unsigned possible_cpus() const override { return runtime_.possible_cpus(); }

 private:
  static runtime::RuntimeOptions options() {
    runtime::RuntimeOptions options;
    options.possible_cpus = platform::possible_cpu_count();
    return options;
  }

  runtime::Runtime runtime_;
};

}  // namespace

Context& context() {
  // Never destroyed: programs may still run on hook threads while the process exits.
  static auto* local = new LocalContext();
  return *local;
}

}  // namespace xbpf::libbpf
