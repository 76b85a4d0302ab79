#include "libbpf/pins.h"

#include <cerrno>
#include <map>
#include <mutex>

namespace xbpf::libbpf {
namespace {

struct Pins {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Resource>> by_path;
};

Pins& pins() {
  static auto* table = new Pins();
  return *table;
}

}  // namespace

int pin(const std::string& path, std::shared_ptr<Resource> resource) {
  if (path.empty()) return -EINVAL;
  std::lock_guard lock(pins().mutex);
  if (!pins().by_path.emplace(path, std::move(resource)).second) return -EEXIST;
  return 0;
}

std::shared_ptr<Resource> pinned(const std::string& path) {
  std::lock_guard lock(pins().mutex);
  auto found = pins().by_path.find(path);
  return found == pins().by_path.end() ? nullptr : found->second;
}

int unpin(const std::string& path) {
  std::shared_ptr<Resource> released;
  std::lock_guard lock(pins().mutex);
  auto found = pins().by_path.find(path);
  if (found == pins().by_path.end()) return -ENOENT;
  released = std::move(found->second);
  pins().by_path.erase(found);
  return 0;
}

}  // namespace xbpf::libbpf
