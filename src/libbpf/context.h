// Where the library's programs and maps live and run: the execution context. The library's
// core asks it for everything that creates, loads or runs; today the context is in the
// application's own process (LocalContext, over runtime::Runtime and the hooks), and a
// service holding programs that outlive the process can implement the same interface later.
#pragma once

#include <memory>

#include "object/object.h"
#include "runtime/maps/map.h"
#include "runtime/runtime.h"
#include "runtime/test_run.h"
#include "support/error.h"
#include "vm/vm.h"

namespace xbpf::libbpf {

class Context {
 public:
  virtual ~Context() = default;

  // BPF_MAP_CREATE; the error carries Linux's errno.
  virtual Result<std::shared_ptr<runtime::Map>> create_map(const runtime::MapSpec& spec) = 0;
  // Verifies and prepares an object's programs and creates its maps (BPF_PROG_LOAD for each).
  virtual Result<std::shared_ptr<runtime::LoadedObject>> load(
      object::Object object, const runtime::LoadOptions& options) = 0;
  // BPF_PROG_TEST_RUN.
  virtual Result<runtime::TestRunResult> test_run(const runtime::LoadedProgram& program,
                                                  runtime::TestRunOptions options) = 0;
  // The engine a program runs on (the JIT where the policy allows it).
  [[nodiscard]] virtual vm::Engine engine(const runtime::LoadedProgram& program) const = 0;
  // The copies per key of per-CPU maps (libbpf_num_possible_cpus).
  [[nodiscard]] virtual unsigned possible_cpus() const = 0;
};

// The process's execution context, made on first use.
Context& context();

}  // namespace xbpf::libbpf
