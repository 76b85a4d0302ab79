// bpf_object__*: open, load, close, find and iterate, pin.
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "libbpf/bpf_object.h"
#include "libbpf/library.h"
#include "libbpf/pins.h"
#include "support/files.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

// libbpf's default name: the file's base name up to its first dot.
std::string name_of_path(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

template <class T>
T* next_of(const std::vector<std::unique_ptr<T>>& items, const T* current) {
  if (current == nullptr) return items.empty() ? nullptr : items.front().get();
  for (std::size_t i = 0; i + 1 < items.size(); ++i) {
    if (items[i].get() == current) return items[i + 1].get();
  }
  return nullptr;
}

template <class T>
T* prev_of(const std::vector<std::unique_ptr<T>>& items, const T* current) {
  if (current == nullptr) return items.empty() ? nullptr : items.back().get();
  for (std::size_t i = 1; i < items.size(); ++i) {
    if (items[i].get() == current) return items[i - 1].get();
  }
  return nullptr;
}

// Pins each map (or program) at `directory`/NAME; undoes what it did on failure.
template <class T, class Pin, class Unpin>
int pin_all(const std::vector<std::unique_ptr<T>>& items, const char* directory, Pin pin_one,
            Unpin unpin_one) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    const int result = pin_one(*items[i], directory);
    if (result != 0) {
      for (std::size_t j = 0; j < i; ++j) unpin_one(*items[j], directory);
      return result;
    }
  }
  return 0;
}

}  // namespace

struct bpf_object* bpf_object__open(const char* path) {
  return bpf_object__open_file(path, nullptr);
}

struct bpf_object* bpf_object__open_file(const char* path,
                                         const struct bpf_object_open_opts* opts) {
  if (path == nullptr) return fail_null<bpf_object>(EINVAL);
  debug(std::string("loading object from ") + path);
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) {
    warn(std::string("elf: failed to open ") + path + ": " + error_text(ENOENT));
    return fail_null<bpf_object>(ENOENT);
  }
  xbpf::Result<std::vector<std::uint8_t>> bytes = xbpf::read_file(path);
  if (!bytes) {
    warn("elf: " + bytes.error().to_string());
    return fail_null<bpf_object>(EIO);
  }
  return open_object(std::move(*bytes), path, name_of_path(path), opts);
}

struct bpf_object* bpf_object__open_mem(const void* obj_buf, size_t obj_buf_sz,
                                        const struct bpf_object_open_opts* opts) {
  if (obj_buf == nullptr || obj_buf_sz == 0) return fail_null<bpf_object>(EINVAL);
  char name[64];
  std::snprintf(name, sizeof name, "%lx-%lx",
                static_cast<unsigned long>(reinterpret_cast<std::uintptr_t>(obj_buf)),
                static_cast<unsigned long>(obj_buf_sz));
  debug(std::string("loading object '") + name + "' from buffer");
  const auto* start = static_cast<const std::uint8_t*>(obj_buf);
  return open_object(std::vector<std::uint8_t>(start, start + obj_buf_sz), name, name, opts);
}

int bpf_object__load(struct bpf_object* obj) {
  if (obj == nullptr) return fail(EINVAL);
  return load_object(*obj);
}

void bpf_object__close(struct bpf_object* object) { close_object(object); }

const char* bpf_object__name(const struct bpf_object* obj) {
  return obj != nullptr ? obj->name.c_str() : fail_null<const char>(EINVAL);
}

unsigned int bpf_object__kversion(const struct bpf_object* obj) {
  return obj != nullptr ? obj->source.kernel_version : 0;
}

int bpf_object__set_kversion(struct bpf_object* obj, __u32 kern_version) {
  if (obj == nullptr || obj->loaded) return fail(EINVAL);
  obj->source.kernel_version = kern_version;
  return 0;
}

struct bpf_program* bpf_object__find_program_by_name(const struct bpf_object* obj,
                                                     const char* name) {
  if (obj == nullptr || name == nullptr) return fail_null<bpf_program>(EINVAL);
  for (const auto& program : obj->programs) {
    if (program->name == name) return program.get();
  }
  return fail_null<bpf_program>(ENOENT);
}

struct bpf_program* bpf_object__next_program(const struct bpf_object* obj,
                                             struct bpf_program* prog) {
  return obj != nullptr ? next_of(obj->programs, prog) : nullptr;
}

struct bpf_program* bpf_object__prev_program(const struct bpf_object* obj,
                                             struct bpf_program* prog) {
  return obj != nullptr ? prev_of(obj->programs, prog) : nullptr;
}

struct bpf_map* bpf_object__find_map_by_name(const struct bpf_object* obj, const char* name) {
  if (obj == nullptr || name == nullptr) return fail_null<bpf_map>(EINVAL);
  for (const auto& map : obj->maps) {
    // A name starting with a dot is a section's: it matches the map's real name.
    if (name[0] == '.' ? map->real_name == name : map->name == name) return map.get();
  }
  return fail_null<bpf_map>(ENOENT);
}

int bpf_object__find_map_fd_by_name(const struct bpf_object* obj, const char* name) {
  const bpf_map* map = bpf_object__find_map_by_name(obj, name);
  return map != nullptr ? map->fd : -errno;
}

struct bpf_map* bpf_object__next_map(const struct bpf_object* obj, const struct bpf_map* map) {
  return obj != nullptr ? next_of(obj->maps, map) : nullptr;
}

struct bpf_map* bpf_object__prev_map(const struct bpf_object* obj, const struct bpf_map* map) {
  return obj != nullptr ? prev_of(obj->maps, map) : nullptr;
}

int bpf_object__pin_maps(struct bpf_object* obj, const char* path) {
  if (obj == nullptr) return fail(ENOENT);
  if (!obj->loaded) {
    warn("object not yet loaded; load it first");
    return fail(ENOENT);
  }
  return pin_all(
      obj->maps, path,
      [](bpf_map& map, const char* directory) {
        if (directory == nullptr && !map.pin_path) return 0;
        const std::string at = directory != nullptr ? std::string(directory) + "/" + map.name : "";
        return bpf_map__pin(&map, directory != nullptr ? at.c_str() : nullptr);
      },
      [](bpf_map& map, const char*) { bpf_map__unpin(&map, nullptr); });
}

int bpf_object__unpin_maps(struct bpf_object* obj, const char* path) {
  if (obj == nullptr) return fail(ENOENT);
  for (const auto& map : obj->maps) {
    if (path == nullptr && !map->pin_path) continue;
    const std::string at = path != nullptr ? std::string(path) + "/" + map->name : "";
    const int result = bpf_map__unpin(map.get(), path != nullptr ? at.c_str() : nullptr);
    if (result != 0) return result;
  }
  return 0;
}

int bpf_object__pin_programs(struct bpf_object* obj, const char* path) {
  if (obj == nullptr || path == nullptr) return fail(EINVAL);
  if (!obj->loaded) {
    warn("object not yet loaded; load it first");
    return fail(ENOENT);
  }
  return pin_all(
      obj->programs, path,
      [](bpf_program& program, const char* directory) {
        const std::string at = std::string(directory) + "/" + program.name;
        return bpf_program__pin(&program, at.c_str());
      },
      [](bpf_program& program, const char* directory) {
        const std::string at = std::string(directory) + "/" + program.name;
        bpf_program__unpin(&program, at.c_str());
      });
}

int bpf_object__unpin_programs(struct bpf_object* obj, const char* path) {
  if (obj == nullptr || path == nullptr) return fail(EINVAL);
  for (const auto& program : obj->programs) {
    const std::string at = std::string(path) + "/" + program->name;
    const int result = bpf_program__unpin(program.get(), at.c_str());
    if (result != 0) return result;
  }
  return 0;
}

int bpf_object__pin(struct bpf_object* object, const char* path) {
  const int maps = bpf_object__pin_maps(object, path);
  if (maps != 0) return maps;
  const int programs = bpf_object__pin_programs(object, path);
  if (programs != 0) {
    bpf_object__unpin_maps(object, path);
    return programs;
  }
  return 0;
}

struct btf* bpf_object__btf(const struct bpf_object* obj) {
  return obj != nullptr ? obj->btf : nullptr;
}

int bpf_object__btf_fd(const struct bpf_object* obj) {
  return obj != nullptr && obj->btf != nullptr ? obj->btf_fd : -1;
}
