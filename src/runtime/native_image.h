// Native images of objects (`xbpf gen native`, `engine native`): every program verified,
// translated to C (src/aot/) and compiled into one shared object, with the object's metadata
// and the hash of the contract the programs were verified against. The runtime loads an image
// only when that hash is its own.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aot/image.h"
#include "object/object.h"
#include "runtime/runtime.h"
#include "support/error.h"

namespace xbpf::runtime {

// SHA-256 over the program-type and helper contract: every program type of the progtype
// registry (context layout, fields, return range, allowed helpers), every helper prototype
// (id, name, return and argument types), and the native ABI version. A change to any of them
// makes older images refuse to load.
const std::string& contract_hash();

struct NativeBuildOptions {
  // Refuse programs the verifier rejects (with its diagnostic). Off only for debugging and
  // benchmarks of programs the verifier cannot prove yet (xbpf gen native --no-verify).
  bool verify = true;
  // Leave out the programs that cannot load or that the verifier rejects, instead of failing
  // (runtime::LoadOptions::independent_programs: the image holds the others).
  bool independent_programs = false;
};

// Verifies every program of `object` (the first verifier diagnostic is the error) and
// describes the image: programs, the object's maps and global data as metadata.
// With options.independent_programs, the programs left out are added to `omitted` (when given).
Result<aot::ImageSource> native_image_source(const object::Object& object,
                                             const NativeBuildOptions& options = {},
                                             std::vector<ProgramFailure>* omitted = nullptr);

// native_image_source(), translated and compiled into the shared object `output`.
Status build_native_image(const object::Object& object, const std::string& output,
                          const NativeBuildOptions& options = {});

// Loads an image, refusing one built against another contract.
Result<std::shared_ptr<const aot::Image>> load_native_image(const std::string& path);

// The image of `object` from the cache ($XBPF_STATE_DIR/aot/, keyed by the SHA-256 of the
// generated C, which holds the contract and the programs' bytecode), built there first when
// missing. The programs are verified (unless options say otherwise) every time.
Result<std::shared_ptr<const aot::Image>> cached_native_image(
    const object::Object& object, const NativeBuildOptions& options = {});

// Reads the ELF object at `path` into a new runtime whose programs get native code (engine
// native): from the image at `image` (xbpf gen native) when given, else from the image
// cache, built there first with `build`.
Result<LoadedFile> load_file_native(const std::string& path, RuntimeOptions runtime_options,
                                    const object::LoadObjectOptions& object_options,
                                    const NativeBuildOptions& build,
                                    const std::optional<std::string>& image = std::nullopt,
                                    const LoadOptions& load_options = {});

}  // namespace xbpf::runtime
