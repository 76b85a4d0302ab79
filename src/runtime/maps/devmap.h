// BPF_MAP_TYPE_DEVMAP (keys are indices) and BPF_MAP_TYPE_DEVMAP_HASH (any u32 key): values
// are struct bpf_devmap_val { u32 ifindex; u32 bpf_prog id } (value_size 4: the ifindex
// only). bpf_redirect_map asks target_ifindex(). User space stores a program id where Linux
// takes a program fd (0: none) and reads it back as Linux does. xbpf has no device list: any
// non-zero ifindex is accepted (Linux refuses an ifindex with no device with EINVAL).
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/maps/map.h"

namespace xbpf::runtime {

struct DevmapValue {  // trivially copyable: the bytes of struct bpf_devmap_val
  std::uint32_t ifindex;
  std::uint32_t program_id;
};

class DeviceMap {
 public:
  virtual ~DeviceMap() = default;
  // The interface a redirect to `key` goes to, if the entry exists. Lock-free.
  [[nodiscard]] virtual std::optional<std::uint32_t> target_ifindex(std::uint32_t key) = 0;
  // The whole entry (with the program to run on the device, if any).
  [[nodiscard]] virtual std::optional<DevmapValue> entry(std::uint32_t key) = 0;
};

// The device-map view of a devmap or devmap_hash, nullptr for other types.
DeviceMap* as_device_map(Map& map);

}  // namespace xbpf::runtime
