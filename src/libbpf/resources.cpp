#include "libbpf/resources.h"

#include <cerrno>

#include "isa/instruction.h"
#include "platform/descriptors.h"
#include "platform/platform.h"
#include "support/sha256.h"

namespace xbpf::libbpf {
namespace {

const char* descriptor_name(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::map: return "bpf-map";
    case ResourceKind::program: return "bpf-prog";
    case ResourceKind::link: return "bpf_link";
    case ResourceKind::btf: return "btf";
  }
  return "bpf";
}

// The licenses the kernel's license_is_gpl_compatible accepts.
bool gpl_compatible(const std::string& license) {
  return license == "GPL" || license == "GPL v2" || license == "GPL and additional rights" ||
         license == "Dual BSD/GPL" || license == "Dual MIT/GPL" || license == "Dual MPL/GPL";
}

std::pair<std::uint64_t, std::uint64_t> key_of(const platform::DescriptorIdentity& identity) {
  return {identity.device, identity.inode};
}

// The shared library's close, dup2 and dup3 interposers report here (platform/descriptors.h).
const bool kInterposed = [] {
  platform::Interposition interposition;
  interposition.closing = [](int fd) { Descriptors::instance().closing(fd); };
  platform::set_interposition(interposition);
  return true;
}();

}  // namespace

Descriptors& Descriptors::instance() {
  // Never destroyed: descriptors may be closed by other static destructors at exit.
  static auto* descriptors = new Descriptors();
  return *descriptors;
}

int Descriptors::open(std::shared_ptr<Resource> resource) {
  Result<int> fd = platform::create_descriptor(descriptor_name(resource->kind));
  if (!fd) return -(fd.error().linux_errno > 0 ? static_cast<int>(fd.error().linux_errno) : EMFILE);
  const std::optional<platform::DescriptorIdentity> identity = platform::descriptor_identity(*fd);
  std::unique_lock lock(mutex_);
  const auto index = static_cast<std::size_t>(*fd);
  if (index >= by_fd_.size()) by_fd_.resize(index + 64);
  Entry& entry = by_fd_[index];
  if (identity) {
    entry.identity = key_of(*identity);
    by_identity_[entry.identity] = resource;
  }
  entry.resource = std::move(resource);
  return *fd;
}

std::shared_ptr<Resource> Descriptors::find(int fd) {
  if (fd < 0) return nullptr;
  const auto index = static_cast<std::size_t>(fd);
  {
    std::shared_lock lock(mutex_);
    if (index < by_fd_.size() && by_fd_[index].resource != nullptr) return by_fd_[index].resource;
    if (by_identity_.empty()) return nullptr;
  }
  // Not seen under this number: a dup, or a descriptor inherited across fork.
  const std::optional<platform::DescriptorIdentity> identity = platform::descriptor_identity(fd);
  if (!identity) return nullptr;
  std::unique_lock lock(mutex_);
  auto found = by_identity_.find(key_of(*identity));
  if (found == by_identity_.end()) return nullptr;
  std::shared_ptr<Resource> resource = found->second.lock();
  if (resource == nullptr) {
    by_identity_.erase(found);
    return nullptr;
  }
  if (index >= by_fd_.size()) by_fd_.resize(index + 64);
  by_fd_[index] = Entry{resource, found->first};
  return resource;
}

void Descriptors::closing(int fd) {
  if (fd < 0) return;
  const auto index = static_cast<std::size_t>(fd);
  {
    std::shared_lock lock(mutex_);
    if (index >= by_fd_.size() || by_fd_[index].resource == nullptr) return;
  }
  Entry released;  // destroyed after the lock is let go
  std::unique_lock lock(mutex_);
  if (index >= by_fd_.size() || by_fd_[index].resource == nullptr) return;
  released = std::move(by_fd_[index]);
  by_fd_[index] = Entry{};
  for (const Entry& other : by_fd_) {
    if (other.resource == released.resource) return;  // another descriptor still holds it
  }
  // The last descriptor the library knows: a dup it has not seen yet (dup, fcntl, a
  // descriptor received) keeps the object alive, as the kernel's reference would.
  const platform::DescriptorIdentity identity{released.identity.first, released.identity.second};
  for (const int other : platform::descriptors_with_identity(identity, fd)) {
    const auto at = static_cast<std::size_t>(other);
    if (at >= by_fd_.size()) by_fd_.resize(at + 64);
    by_fd_[at] = released;
  }
}

void Descriptors::close(int fd) {
  closing(fd);
  platform::close_descriptor(fd);
}

Registry& Registry::instance() {
  static auto* registry = new Registry();
  return *registry;
}

void Registry::add(ResourceKind kind, std::uint32_t id, const std::shared_ptr<Resource>& resource) {
  std::lock_guard lock(mutex_);
  auto& ids = ids_[static_cast<int>(kind)];
  ids[id] = resource;
  // Forget the dead now and then, so the table stays the size of what lives.
  if (ids.size() % 256 == 0) {
    for (auto it = ids.begin(); it != ids.end();) it = it->second.expired() ? ids.erase(it) : ++it;
  }
}

std::shared_ptr<Resource> Registry::find(ResourceKind kind, std::uint32_t id) {
  std::lock_guard lock(mutex_);
  auto& ids = ids_[static_cast<int>(kind)];
  auto found = ids.find(id);
  return found == ids.end() ? nullptr : found->second.lock();
}

std::uint32_t Registry::next(ResourceKind kind, std::uint32_t after) {
  std::lock_guard lock(mutex_);
  auto& ids = ids_[static_cast<int>(kind)];
  for (auto it = ids.upper_bound(after); it != ids.end(); ++it) {
    if (!it->second.expired()) return it->first;
  }
  return 0;
}

std::uint32_t Registry::new_id(ResourceKind kind) {
  std::lock_guard lock(mutex_);
  return ++last_id_[static_cast<int>(kind)];
}

std::shared_ptr<MapResource> Registry::find_map(const runtime::Map* map) {
  std::shared_ptr<Resource> found = find(ResourceKind::map, map->id());
  if (found == nullptr) return nullptr;
  auto resource = std::static_pointer_cast<MapResource>(std::move(found));
  return resource->map.get() == map ? resource : nullptr;
}

std::shared_ptr<MapResource> map_resource(std::shared_ptr<runtime::Map> map, std::string name) {
  if (std::shared_ptr<MapResource> existing = Registry::instance().find_map(map.get())) {
    return existing;
  }
  auto resource = std::make_shared<MapResource>();
  resource->map = std::move(map);
  resource->name = std::move(name);
  if (resource->name.size() > 15) resource->name.resize(15);
  Registry::instance().add(ResourceKind::map, resource->id(), resource);
  return resource;
}

std::shared_ptr<ProgramResource> program_resource(std::shared_ptr<runtime::LoadedObject> object,
                                                  const runtime::LoadedProgram& program,
                                                  std::uint32_t expected_attach_type) {
  auto resource = std::make_shared<ProgramResource>();
  resource->object = std::move(object);
  resource->program = &program;
  resource->name = program.name.substr(0, 15);
  resource->expected_attach_type = expected_attach_type;
  // The kernel's tag is the SHA-1 of the instructions; xbpf's the start of their SHA-256.
  const std::vector<std::uint8_t> bytes = isa::encode(program.source->instructions);
  Sha256 digest;
  digest.update(bytes);
  const std::array<std::uint8_t, 32> sum = digest.finish();
  std::copy_n(sum.begin(), resource->tag.size(), resource->tag.begin());
  resource->load_time = platform::boot_time_ns();
  resource->gpl_compatible = gpl_compatible(resource->object->object().license);
  for (runtime::Map* map : program.maps) {
    if (std::shared_ptr<MapResource> found = Registry::instance().find_map(map)) {
      resource->maps.push_back(std::move(found));
    }
  }
  Registry::instance().add(ResourceKind::program, program.id, resource);
  return resource;
}

}  // namespace xbpf::libbpf
