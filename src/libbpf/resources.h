// What the library's file descriptors stand for: maps, programs, links and BTF objects, each
// shared by every descriptor naming it (a dup, one from get_fd_by_id, the bpf_object's own),
// and the process-wide tables that find them by descriptor and by id.
//
// Descriptors are real descriptors of the process (platform/descriptors.h): a memfd each on
// Linux, whose inode identifies the object, so a dup or a descriptor inherited across fork is
// recognised on first use. The shared library interposes close (and dup2/dup3, which close
// their target) to forget a descriptor as it goes, so that an object lives exactly as long as
// a descriptor, a program or a bpf_object holds it, as with the kernel.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "libbpf/abi.h"
#include "object/btf.h"
#include "runtime/runtime.h"
#include "support/error.h"

namespace xbpf::libbpf {

enum class ResourceKind { map, program, link, btf };

struct Resource {
  explicit Resource(ResourceKind resource_kind) : kind(resource_kind) {}
  virtual ~Resource() = default;
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;
  const ResourceKind kind;
};

struct MapResource final : Resource {
  MapResource() : Resource(ResourceKind::map) {}
  std::shared_ptr<runtime::Map> map;
  std::string name;  // bpf_map_info.name: at most 15 characters
  std::atomic<bool> frozen{false};
  std::uint32_t btf_id = 0;
  std::uint32_t btf_key_type_id = 0;
  std::uint32_t btf_value_type_id = 0;
  std::uint64_t map_extra = 0;
  // What a program array or map of maps holds, by key: kept alive while it is stored.
  std::mutex held_mutex;
  std::map<std::string, std::shared_ptr<Resource>> held;
  std::uint32_t id() const { return map->id(); }
};

struct ProgramResource final : Resource {
  ProgramResource() : Resource(ResourceKind::program) {}
  std::shared_ptr<runtime::LoadedObject> object;  // keeps `program` alive
  const runtime::LoadedProgram* program = nullptr;
  std::vector<std::shared_ptr<MapResource>> maps;  // what it references (bpf_prog_info.map_ids)
  std::string name;                                // at most 15 characters
  std::uint32_t expected_attach_type = 0;
  std::array<std::uint8_t, 8> tag{};
  std::uint64_t load_time = 0;  // ns since boot
  bool gpl_compatible = false;
  std::uint32_t btf_id = 0;
  std::uint32_t id() const { return program->id; }
};

// An attachment (bpf_link): detached when the last holder lets it go, or by detach().
struct LinkResource : Resource {
  LinkResource() : Resource(ResourceKind::link) {}
  std::uint32_t id = 0;
  std::uint32_t type = 0;  // enum bpf_link_type
  std::shared_ptr<ProgramResource> program;
  virtual void detach() {}
  // Fills the type-specific part of bpf_link_info.
  virtual void describe(bpf_link_info& /*info*/) const {}
};

struct BtfResource final : Resource {
  BtfResource() : Resource(ResourceKind::btf) {}
  std::uint32_t id = 0;
  std::vector<std::uint8_t> raw;
  std::string name;
};

// The descriptor table: descriptor -> resource. Thread-safe; lookups take a shared lock.
class Descriptors {
 public:
  static Descriptors& instance();

  // A new descriptor for `resource`; -errno (host) when none can be made.
  int open(std::shared_ptr<Resource> resource);
  // The resource behind `fd`, or null (not a descriptor of ours).
  std::shared_ptr<Resource> find(int fd);
  template <class T>
  std::shared_ptr<T> find(int fd, ResourceKind kind) {
    std::shared_ptr<Resource> found = find(fd);
    if (found == nullptr || found->kind != kind) return nullptr;
    return std::static_pointer_cast<T>(std::move(found));
  }
  // Closes a descriptor of ours (the library's own, as bpf_object__close closes its maps').
  void close(int fd);
  // Told by the close interposer: `fd` is going away.
  void closing(int fd);

 private:
  Descriptors() = default;
  struct Entry {
    std::shared_ptr<Resource> resource;
    std::pair<std::uint64_t, std::uint64_t> identity;
  };
  std::shared_mutex mutex_;
  std::vector<Entry> by_fd_;  // indexed by descriptor
  // Identity (device, inode) of each live resource's descriptors, for dups and fork.
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::weak_ptr<Resource>> by_identity_;
};

// Ids: every map, program, link and BTF object the process has, by kind, for
// bpf_*_get_next_id and bpf_*_get_fd_by_id.
class Registry {
 public:
  static Registry& instance();
  void add(ResourceKind kind, std::uint32_t id, const std::shared_ptr<Resource>& resource);
  std::shared_ptr<Resource> find(ResourceKind kind, std::uint32_t id);
  // The smallest live id above `after`, or 0.
  std::uint32_t next(ResourceKind kind, std::uint32_t after);
  // Ids for links and BTF objects (maps and programs get theirs from the runtime).
  std::uint32_t new_id(ResourceKind kind);
  // The resource wrapping a runtime map, if the library made one.
  std::shared_ptr<MapResource> find_map(const runtime::Map* map);

 private:
  Registry() = default;
  std::mutex mutex_;
  std::map<std::uint32_t, std::weak_ptr<Resource>> ids_[4];
  std::uint32_t last_id_[4] = {};
};

// Wraps a runtime map (registering its id): the one MapResource of that map.
std::shared_ptr<MapResource> map_resource(std::shared_ptr<runtime::Map> map, std::string name);
// Wraps a loaded program (registering its id); the maps it references get their resources.
std::shared_ptr<ProgramResource> program_resource(std::shared_ptr<runtime::LoadedObject> object,
                                                  const runtime::LoadedProgram& program,
                                                  std::uint32_t expected_attach_type);

}  // namespace xbpf::libbpf
