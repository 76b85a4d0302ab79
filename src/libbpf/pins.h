// Pinning (bpf_obj_pin, bpf_obj_get, bpf_map__pin, LIBBPF_PIN_BY_NAME): a name in a table of
// the process, since there is no BPF filesystem in user mode; a pinned object lives until it
// is unpinned or the process ends. Sharing pins between processes is the service's part.
#pragma once

#include <memory>
#include <string>

#include "libbpf/resources.h"

namespace xbpf::libbpf {

// 0, or -EEXIST (host errno) when the path is taken, -EINVAL for an empty one.
int pin(const std::string& path, std::shared_ptr<Resource> resource);
std::shared_ptr<Resource> pinned(const std::string& path);
// 0, or -ENOENT when nothing is pinned there.
int unpin(const std::string& path);

}  // namespace xbpf::libbpf
