// libbpf's opaque structs, as the object API keeps them: a bpf_object is an object file read
// (open: maps and global data editable, programs' type and autoload settable), then loaded
// into the execution context in one step (load), its programs, maps and their descriptors
// kept until close.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "libbpf/abi.h"
#include "libbpf/resources.h"
#include "object/object.h"
#include "runtime/runtime.h"

struct bpf_program {
  bpf_object* owner = nullptr;
  std::size_t index = 0;  // into owner->source.programs
  std::string name;
  std::string section;
  bool autoload = true;
  bool autoattach = true;
  __u32 flags = 0;
  __u32 log_level = 0;
  char* log_buf = nullptr;
  std::size_t log_size = 0;
  std::uint32_t expected_attach_type = 0;  // libbpf's numbering: 0 when none
  std::vector<bpf_insn> insns;             // bpf_program__insns
  std::shared_ptr<xbpf::libbpf::ProgramResource> loaded;
  int fd = -1;
  std::optional<std::string> pin_path;

  [[nodiscard]] xbpf::object::Program& source() const;
};

struct bpf_map {
  bpf_object* owner = nullptr;
  std::size_t index = 0;    // into owner->source.maps
  std::string name;         // what bpf_map__name returns
  std::string real_name;    // the symbol, or the section of global data
  std::string kernel_name;  // bpf_map_info.name (libbpf's internal name for global data)
  bool autocreate = true;
  bool reused = false;
  __u32 numa_node = 0;
  __u32 ifindex = 0;
  std::optional<std::string> pin_path;
  bool pinned = false;
  // Global data: the map made when the object was opened, whose value is the memory
  // bpf_map__initial_value and skeletons hand out (the same address before and after load).
  std::shared_ptr<xbpf::runtime::Map> data_map;
  // bpf_map__reuse_fd, bpf_map__set_inner_map_fd.
  std::shared_ptr<xbpf::libbpf::MapResource> reuse;
  std::shared_ptr<xbpf::libbpf::MapResource> inner_template;
  std::unique_ptr<bpf_map> inner;  // bpf_map__inner_map: the inner definition
  std::shared_ptr<xbpf::libbpf::MapResource> created;
  int fd = -1;

  [[nodiscard]] xbpf::object::MapDefinition& definition() const;
  [[nodiscard]] bool global_data() const;
  // The bytes of global data (nullptr for other maps).
  [[nodiscard]] void* data() const;
};

struct bpf_object {
  std::string name;  // at most 15 characters, as libbpf's
  std::string path;
  xbpf::object::Object source;
  std::vector<std::unique_ptr<bpf_program>> programs;
  std::vector<std::unique_ptr<bpf_map>> maps;
  std::string pin_root_path = "/sys/fs/bpf";
  char* log_buf = nullptr;  // opts kernel_log_buf
  std::size_t log_size = 0;
  __u32 log_level = 0;
  bool loaded = false;
  std::shared_ptr<xbpf::runtime::LoadedObject> loaded_object;
  struct btf* btf = nullptr;  // bpf_object__btf (libbpf's fixed-up view of .BTF)
  std::shared_ptr<xbpf::libbpf::BtfResource> loaded_btf;  // its BTF object, after load
  int btf_fd = -1;

  bpf_object() = default;
  bpf_object(const bpf_object&) = delete;
  bpf_object& operator=(const bpf_object&) = delete;
  ~bpf_object();
};

namespace xbpf::libbpf {

// Reads an object and builds its programs and maps (global data created); NULL and errno on
// failure, after printing why.
bpf_object* open_object(std::vector<std::uint8_t> bytes, const std::string& path,
                        const std::string& default_name, const bpf_object_open_opts* opts);
// Makes a global-data map's runtime map now (at open, and again when its size changes),
// holding the section's initial bytes.
Status create_data_map(bpf_map& map);
// bpf_object__load's work; 0 or a negative errno (host), errno set.
int load_object(bpf_object& object);
void close_object(bpf_object* object);

}  // namespace xbpf::libbpf
