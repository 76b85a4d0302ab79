// BPF_MAP_TYPE_PROG_ARRAY: see prog_array.h.
#include "runtime/maps/prog_array.h"

#include <algorithm>

#include "runtime/maps/map_internal.h"

namespace xbpf::runtime {

using namespace linux_abi;  // NOLINT(google-build-using-namespace)

namespace {

std::uint32_t read_u32(const void* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

ProgArray::ProgArray(const MapSpec& spec, MapRegistry* registry) : Map(spec), registry_(registry) {}
ProgArray::~ProgArray() = default;

bool ProgArray::init() {
  const std::uint32_t n = spec().max_entries;
  if (std::uint64_t{n} * 32 > maps::kMaxArenaBytes) return false;
  slots_.reset(new (std::nothrow) std::atomic<const vm::Program*>[n]);
  if (slots_ == nullptr) return false;
  for (std::uint32_t i = 0; i < n; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
  ids_.assign(n, 0);
  owners_.resize(n);
  return true;
}

long ProgArray::set(std::uint32_t index, std::shared_ptr<const vm::Program> program,
                    std::uint32_t id) {
  if (index >= spec().max_entries) return -kE2BIG;
  std::lock_guard<std::mutex> guard(mutex_);
  std::shared_ptr<const vm::Program>& owner = owners_[index];
  bool had = owner != nullptr;
  if (had && std::find(retired_.begin(), retired_.end(), owner) == retired_.end()) {
    retired_.push_back(owner);
  }
  slots_[index].store(program.get(), std::memory_order_release);
  ids_[index] = program != nullptr ? id : 0;
  owner = std::move(program);
  return owner == nullptr && !had ? -kENOENT : 0;
}

void* ProgArray::lookup(const void* /*key*/, unsigned /*cpu*/) { return nullptr; }
long ProgArray::update(const void*, const void*, std::uint64_t, unsigned) { return -kEOPNOTSUPP; }
long ProgArray::erase(const void*, unsigned) { return -kEOPNOTSUPP; }

long ProgArray::user_lookup(const void* key, void* value, std::uint64_t flags) {
  if ((flags & ~kLock) != 0) return -kEINVAL;
  if (!maps::user_can_read(spec())) return -kEPERM;
  if ((flags & kLock) != 0) return -kEINVAL;
  std::uint32_t index = read_u32(key);
  if (index >= spec().max_entries) return -kENOENT;
  std::lock_guard<std::mutex> guard(mutex_);
  if (owners_[index] == nullptr) return -kENOENT;
  std::memcpy(value, &ids_[index], 4);
  return 0;
}

long ProgArray::user_update(const void* key, const void* value, std::uint64_t flags) {
  if (!maps::user_can_write(spec())) return -kEPERM;
  if ((flags & kLock) != 0) return -kEINVAL;
  if (flags != kAny) return -kEINVAL;
  std::uint32_t index = read_u32(key);
  if (index >= spec().max_entries) return -kE2BIG;
  std::uint32_t id = read_u32(value);
  std::shared_ptr<const vm::Program> program =
      registry_ != nullptr ? registry_->program_by_id(id) : nullptr;
  if (program == nullptr) return -kEBADF;
  return set(index, std::move(program), id);
}

long ProgArray::user_delete(const void* key) {
  if (!maps::user_can_write(spec())) return -kEPERM;
  std::uint32_t index = read_u32(key);
  if (index >= spec().max_entries) return -kE2BIG;
  return set(index, nullptr, 0);
}

long ProgArray::get_next_key(const void* key, void* next_key) {
  if (!maps::user_can_read(spec())) return -kEPERM;
  std::uint32_t index = key == nullptr ? UINT32_MAX : read_u32(key);
  std::uint32_t next = 0;
  if (index < spec().max_entries) {
    if (index == spec().max_entries - 1) return -kENOENT;
    next = index + 1;
  }
  std::memcpy(next_key, &next, 4);
  return 0;
}

namespace maps {

long check_fd_array_spec(const MapSpec& spec, std::string& why) {
  if (spec.value_size != 4) {
    why = "value_size " + std::to_string(spec.value_size) + ", expected 4";
    return kEINVAL;
  }
  if ((spec.flags & (kRdonlyProg | kWronlyProg)) != 0) {
    why = "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are not allowed";
    return kEINVAL;
  }
  return check_array_spec(spec, why);
}

Result<std::shared_ptr<Map>> create_prog_array(const MapSpec& spec, MapRegistry* registry) {
  std::string why;
  if (long err = check_fd_array_spec(spec, why); err != 0) {
    return spec_error(spec, err, "program array: " + why);
  }
  auto map = std::make_shared<ProgArray>(spec, registry);
  if (!map->init()) return spec_error(spec, kENOMEM, "program array too large");
  return std::shared_ptr<Map>(std::move(map));
}

}  // namespace maps
}  // namespace xbpf::runtime
