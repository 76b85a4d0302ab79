// Map definitions: BTF-defined maps in .maps (libbpf's __uint/__type/__array encoding), legacy
// struct bpf_map_def records in `maps`, global data sections, and the initial values of
// program arrays and map-in-map definitions.
#include <algorithm>

#include "object/loader.h"
#include "support/linux_abi.h"
#include "support/text.h"

namespace xbpf::object {

std::string_view pinning_name(std::uint32_t pinning) {
  switch (pinning) {
    case kPinNone: return "PIN_NONE";
    case kPinByName: return "PIN_BY_NAME";
    case kPinGlobalNs: return "PIN_GLOBAL_NS";
    default: return "";
  }
}

}  // namespace xbpf::object

namespace xbpf::object::detail {
namespace {

constexpr int kMaxSpinLockDepth = 8;
constexpr int kMaxSpinLockMembers = 4096;  // members searched at most, over all nesting

bool is_map_in_map(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(linux_abi::MapType::array_of_maps) ||
         type == static_cast<std::uint32_t>(linux_abi::MapType::hash_of_maps);
}

bool is_prog_array(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(linux_abi::MapType::prog_array);
}

// Which kind of global data a section holds: .data, .data.*, .rodata, .rodata.*, .bss, .bss.*.
std::optional<MapOrigin> global_data_origin(std::string_view name) {
  auto named = [name](std::string_view base) {
    return name == base ||
           (name.starts_with(base) && name.size() > base.size() && name[base.size()] == '.');
  };
  if (named(".data")) return MapOrigin::data;
  if (named(".rodata")) return MapOrigin::rodata;
  if (named(".bss")) return MapOrigin::bss;
  return std::nullopt;
}

// The byte offset of a struct bpf_spin_lock in a value type (searching nested structs), or -1.
std::int32_t find_spin_lock(const Btf& btf, std::uint32_t id, std::uint64_t base, int depth,
                            int& budget) {
  const BtfType* type = btf.type(btf.resolve(id));
  if (type == nullptr || depth > kMaxSpinLockDepth ||
      (type->kind != BtfKind::struct_ && type->kind != BtfKind::union_)) {
    return -1;
  }
  for (const BtfMember& member : type->members) {
    if (--budget < 0) return -1;
    const BtfType* member_type = btf.type(btf.resolve(member.type));
    if (member_type == nullptr || member.bitfield_size != 0) continue;
    const std::uint64_t offset = base + member.bit_offset / 8;
    if (offset > INT32_MAX) return -1;
    if (member_type->kind == BtfKind::struct_ && member_type->name == "bpf_spin_lock") {
      return static_cast<std::int32_t>(offset);
    }
    const std::int32_t nested = find_spin_lock(btf, member.type, offset, depth + 1, budget);
    if (nested >= 0) return nested;
  }
  return -1;
}

}  // namespace

Status Loader::read_btf() {
  const ElfSection* btf = elf_.find_section(".BTF");
  const ElfSection* ext = elf_.find_section(".BTF.ext");
  auto located = [this](Error error, std::string_view section) {
    error.where.file = elf_.file_name();
    error.where.section = std::string(section);
    return error;
  };
  if (btf == nullptr) {
    if (ext != nullptr) return error("the object has .BTF.ext but no .BTF", ext->name);
    return {};
  }
  Result<Btf> parsed = Btf::parse(btf->data);
  if (!parsed) return located(std::move(parsed).error(), btf->name);
  object_.btf = std::make_shared<const Btf>(std::move(*parsed));
  if (ext != nullptr) {
    Result<std::vector<BtfExtSection>> sections = parse_btf_ext(ext->data, *object_.btf);
    if (!sections) return located(std::move(sections).error(), ext->name);
    ext_ = std::move(*sections);
  }
  return {};
}

const MapPlacement* Loader::map_at(std::size_t section, std::uint64_t offset) const {
  for (const MapPlacement& placement : placements_) {
    if (placement.section == section && placement.offset == offset) return &placement;
  }
  return nullptr;
}

const MapPlacement* Loader::map_containing(std::size_t section, std::uint64_t offset) const {
  for (const MapPlacement& placement : placements_) {
    if (placement.section == section && offset >= placement.offset &&
        offset - placement.offset < placement.size) {
      return &placement;
    }
  }
  return nullptr;
}

// One BTF map definition (a struct of __uint, __type and __array members). Appends the map,
// then its inner map for map-in-map, and returns the map's index.
Result<std::size_t> Loader::add_btf_map(const std::string& name, std::uint32_t struct_id,
                                        bool inner, std::optional<std::uint64_t>* values_offset) {
  const Btf& btf = *object_.btf;
  auto fail = [&](const std::string& message) {
    return error("map '" + name + "': " + message, ".maps");
  };
  const BtfType* definition = btf.type(struct_id);
  if (definition == nullptr || definition->kind != BtfKind::struct_) {
    return fail("the definition is " + btf.describe(struct_id) + ", expected a struct");
  }
  MapDefinition map;
  map.name = name;
  map.origin = MapOrigin::btf;
  std::optional<std::uint32_t> inner_struct;
  std::optional<std::uint32_t> key_size, value_size;

  // __uint(field, N) is `int (*field)[N]`.
  auto number = [&](const BtfMember& member) -> Result<std::uint32_t> {
    const BtfType* pointer = btf.type(btf.resolve(member.type));
    const BtfType* array =
        pointer != nullptr && pointer->kind == BtfKind::pointer ? btf.type(pointer->type) : nullptr;
    if (array == nullptr || array->kind != BtfKind::array) {
      return fail("member '" + member.name + "' is " + btf.describe(member.type) +
                  ", expected __uint(" + member.name + ", N) (a pointer to an array of N)");
    }
    return array->array_count;
  };
  // __type(field, T) is `typeof(T) *field`.
  auto pointee = [&](const BtfMember& member) -> Result<std::uint32_t> {
    const BtfType* pointer = btf.type(btf.resolve(member.type));
    if (pointer == nullptr || pointer->kind != BtfKind::pointer) {
      return fail("member '" + member.name + "' is " + btf.describe(member.type) +
                  ", expected __type(" + member.name + ", T) (a pointer to T)");
    }
    return pointer->type;
  };
  auto sized = [&](std::uint32_t type, std::string_view what) -> Result<std::uint32_t> {
    const std::optional<std::uint64_t> size = btf.size_of(type);
    if (!size || *size == 0 || *size > UINT32_MAX) {
      return fail(std::string(what) + " type " + btf.describe(type) + " has no size");
    }
    return static_cast<std::uint32_t>(*size);
  };

  for (std::size_t i = 0; i < definition->members.size(); ++i) {
    const BtfMember& member = definition->members[i];
    const std::string& field = member.name;
    if (field == "type" || field == "max_entries" || field == "map_flags" || field == "numa_node" ||
        field == "key_size" || field == "value_size" || field == "pinning" ||
        field == "map_extra") {
      Result<std::uint32_t> value = number(member);
      if (!value) return std::move(value).error();
      if (field == "type") map.type = *value;
      if (field == "max_entries") map.max_entries = *value;
      if (field == "map_flags") map.flags = *value;
      if (field == "map_extra") map.map_extra = *value;
      if (field == "pinning") map.pinning = *value;
      if (field == "key_size" || field == "value_size") {
        std::optional<std::uint32_t>& size = field == "key_size" ? key_size : value_size;
        if (size && *size != *value) {
          return fail("conflicting " + field.substr(0, field.find('_')) + " sizes " +
                      std::to_string(*size) + " and " + std::to_string(*value));
        }
        size = *value;
      }
    } else if (field == "key" || field == "value") {
      Result<std::uint32_t> type = pointee(member);
      if (!type) return std::move(type).error();
      Result<std::uint32_t> size = sized(*type, field);
      if (!size) return std::move(size).error();
      std::optional<std::uint32_t>& target = field == "key" ? key_size : value_size;
      if (target && *target != *size) {
        return fail("conflicting " + field + " sizes " + std::to_string(*target) + " and " +
                    std::to_string(*size) + " (" + btf.describe(*type) + ")");
      }
      target = *size;
      (field == "key" ? map.btf_key_type : map.btf_value_type) = *type;
    } else if (field == "values") {
      if (inner) return fail("an inner map definition cannot have values (multi-level inner maps)");
      if (i + 1 != definition->members.size()) return fail("'values' must be the last member");
      if (!is_map_in_map(map.type) && !is_prog_array(map.type)) {
        return fail("__array(values, ...) needs a map-in-map or program array type, found type " +
                    std::to_string(map.type));
      }
      if (value_size && *value_size != 4) {
        return fail("conflicting value sizes " + std::to_string(*value_size) + " and 4");
      }
      value_size = 4;
      const BtfType* array = btf.type(member.type);
      if (array == nullptr || array->kind != BtfKind::array || array->array_count != 0) {
        return fail("'values' is " + btf.describe(member.type) +
                    ", expected __array(values, T) (a zero-length array of pointers)");
      }
      const BtfType* pointer = btf.type(btf.resolve(array->array_element));
      if (pointer == nullptr || pointer->kind != BtfKind::pointer) {
        return fail("'values' holds " + btf.describe(array->array_element) + ", expected pointers");
      }
      const std::uint32_t target = btf.resolve(pointer->type);
      const BtfKind expected = is_prog_array(map.type) ? BtfKind::function_proto : BtfKind::struct_;
      if (btf.type(target)->kind != expected) {
        return fail("'values' points to " + btf.describe(target) + ", expected " +
                    (is_prog_array(map.type) ? "a function prototype" : "a map definition struct"));
      }
      if (!is_prog_array(map.type)) inner_struct = target;
      if (values_offset != nullptr) *values_offset = member.bit_offset / 8;
    } else {
      return fail("unknown field '" + field + "'");
    }
  }
  if (map.type == 0) return fail("the map type is not specified (__uint(type, ...))");
  map.key_size = key_size.value_or(0);
  map.value_size = value_size.value_or(0);
  if (map.btf_value_type != 0) {
    int budget = kMaxSpinLockMembers;
    map.spin_lock_offset = find_spin_lock(btf, map.btf_value_type, 0, 0, budget);
  }
  const std::size_t index = object_.maps.size();
  object_.maps.push_back(std::move(map));
  if (inner_struct) {
    Result<std::size_t> inner_index = add_btf_map(name + ".inner", *inner_struct, true, nullptr);
    if (!inner_index) return std::move(inner_index).error();
    object_.maps[index].inner = *inner_index;
  }
  return index;
}

Status Loader::read_btf_maps() {
  const ElfSection* section = elf_.find_section(".maps");
  if (section == nullptr) return {};
  if (!object_.btf) {
    return error(
        "section .maps holds BTF-defined maps, but the object has no .BTF (compile with -g)",
        section->name);
  }
  const Btf& btf = *object_.btf;
  const std::optional<std::uint32_t> datasec = btf.find(BtfKind::datasec, ".maps");
  if (!datasec) {
    if (section->size == 0) return {};
    return error("the BTF has no DATASEC '.maps' describing the maps in section .maps",
                 section->name);
  }
  std::map<std::string_view, const ElfSymbol*> symbols;  // the first of each name
  for (const ElfSymbol& symbol : elf_.symbols()) {
    if (symbol.section == section->index && symbol.type != kSymbolSection) {
      symbols.emplace(symbol.name, &symbol);
    }
  }
  for (const BtfVarSecInfo& info : btf.type(*datasec)->sections) {
    const BtfType* variable = btf.type(info.type);
    if (variable == nullptr || variable->kind != BtfKind::variable) {
      return error("DATASEC '.maps' lists " + btf.describe(info.type) + ", expected a variable",
                   section->name);
    }
    const std::string& name = variable->name;
    // clang leaves DATASEC offsets to the loader (libbpf fixes them up from the symbols).
    std::uint64_t offset = info.offset;
    std::uint64_t size = info.size;
    if (const auto symbol = symbols.find(name); symbol != symbols.end()) {
      offset = symbol->second->value;
      size = std::max<std::uint64_t>(size, symbol->second->size);
    }
    if (offset > section->size || size > section->size - offset) {
      return error("map '" + name + "' (" + std::to_string(size) + " bytes at " + to_hex(offset) +
                       ") lies outside section .maps (" + std::to_string(section->size) + " bytes)",
                   section->name);
    }
    std::optional<std::uint64_t> values_offset;
    Result<std::size_t> index =
        add_btf_map(name, btf.resolve(variable->type), false, &values_offset);
    if (!index) {
      Error failure = std::move(index).error();
      failure.where.byte_offset = static_cast<std::size_t>(offset);
      return failure;
    }
    placements_.push_back({section->index, offset, size, *index, values_offset});
  }
  return check_overlaps(*section);
}

// Map definitions in one section do not share bytes.
Status Loader::check_overlaps(const ElfSection& section) const {
  std::vector<const MapPlacement*> placed;
  for (const MapPlacement& placement : placements_) {
    if (placement.section == section.index) placed.push_back(&placement);
  }
  std::sort(placed.begin(), placed.end(),
            [](const MapPlacement* a, const MapPlacement* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < placed.size(); ++i) {
    const MapPlacement& previous = *placed[i - 1];
    if (previous.offset + previous.size > placed[i]->offset) {
      return error("maps '" + object_.maps[previous.map].name + "' (" +
                       std::to_string(previous.size) + " bytes at " + to_hex(previous.offset) +
                       ") and '" + object_.maps[placed[i]->map].name + "' (at " +
                       to_hex(placed[i]->offset) + ") overlap",
                   section.name, placed[i]->offset);
    }
  }
  return {};
}

// Legacy map records: struct bpf_map_def and iproute2's struct bpf_elf_map
// (read_legacy_map_section says which layout is which).
Status Loader::read_legacy_maps() {
  constexpr std::uint64_t kElfMapSize = 36;  // iproute2's struct bpf_elf_map
  constexpr std::uint32_t kNoInnerIndex = 0xffffffff;
  struct Record {
    std::uint32_t id = 0, inner_id = 0, inner_idx = kNoInnerIndex, inner_map_idx = 0;
    std::uint64_t size = 0;  // of its section's records
    std::size_t section = 0;
    std::uint64_t offset = 0;
  };
  std::vector<Record> records;
  const std::size_t first = object_.maps.size();
  // `maps`, and the one-map-a-section `maps/NAME` of older loaders, in section order: an
  // inner_map_idx counts maps in that order.
  for (const ElfSection& section : elf_.sections()) {
    if (section.name != "maps" && !section.name.starts_with("maps/")) continue;
    XBPF_TRY(read_legacy_map_section(section, [&](const MapDefinition& map, std::uint64_t size,
                                                  std::uint64_t offset, const auto& field) {
      Record record;
      record.size = size;
      record.section = section.index;
      record.offset = offset;
      if (size >= kElfMapSize) {
        record.id = field(5);
        record.inner_id = field(7);
        record.inner_idx = field(8);
      } else if (size >= 28 && is_map_in_map(map.type)) {
        record.inner_map_idx = field(5);
      }
      records.push_back(record);
    }));
  }

  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].id != 0) legacy_map_ids_.emplace(records[i].id, first + i);
  }
  // Map-in-map: the inner map, and the maps stored in it at load.
  for (std::size_t i = 0; i < records.size(); ++i) {
    MapDefinition& map = object_.maps[first + i];
    if (!is_map_in_map(map.type)) continue;
    const std::string section = elf_.sections()[records[i].section].name;
    std::optional<std::size_t> inner;
    if (records[i].size >= kElfMapSize) {
      for (std::size_t j = 0; j < records.size() && records[i].inner_id != 0; ++j) {
        if (j != i && records[j].id == records[i].inner_id) inner = j;
      }
      if (!inner) {
        return error("map '" + map.name + "': " +
                         (records[i].inner_id == 0
                              ? std::string("a map-in-map needs an inner_id naming its inner map")
                              : "no map has the id " + std::to_string(records[i].inner_id) +
                                    " its inner_id names"),
                     section, records[i].offset);
      }
      for (std::size_t j = 0; j < records.size(); ++j) {
        if (j == i || records[j].id != records[i].inner_id || records[j].inner_id != 0 ||
            records[j].inner_idx == kNoInnerIndex) {
          continue;
        }
        map.initial_references[records[j].inner_idx] = object_.maps[first + j].name;
      }
    } else {
      inner = records[i].inner_map_idx;
      if (*inner >= records.size() || *inner == i) {
        return error("map '" + map.name + "': inner_map_idx " + std::to_string(*inner) +
                         " names no other map of the object's legacy maps (" +
                         std::to_string(records.size()) + " maps)",
                     section, records[i].offset);
      }
    }
    map.inner = first + *inner;
  }
  return {};
}

// The records of one legacy map section. Three layouts share the first five fields (type, key
// size, value size, max entries, flags) and differ by record size:
// - 20 bytes: libbpf's struct bpf_map_def;
// - 28 bytes: either samples/bpf's bpf_map_def (inner_map_idx, numa_node) or iproute2's
//   first struct bpf_elf_map (id, pinning). Only a map-in-map uses inner_map_idx, and iproute2
//   had no map-in-map then; a numa_node counts only with BPF_F_NUMA_NODE. So field 5 is the
//   inner map's index for a map-in-map, and field 6 is the pinning unless the flag is set;
// - 36 bytes: iproute2's struct bpf_elf_map (id, pinning, inner_id, inner_idx). A map-in-map
//   takes its inner map from the map whose id is its inner_id; a map with an id and an
//   inner_idx other than ~0 is stored at that slot of every map-in-map whose inner_id names it.
template <typename Each>
Status Loader::read_legacy_map_section(const ElfSection& section, const Each& each) {
  std::vector<const ElfSymbol*> symbols;
  for (const ElfSymbol& symbol : elf_.symbols()) {
    if (symbol.section == section.index && symbol.type != kSymbolSection) {
      symbols.push_back(&symbol);
    }
  }
  if (symbols.empty()) {
    if (section.size == 0) return {};
    return error("section " + section.name + " holds " + std::to_string(section.size) +
                     " bytes but no map symbols",
                 section.name);
  }
  if (section.size % symbols.size() != 0 || section.size / symbols.size() < 20 ||
      section.size / symbols.size() % 4 != 0) {
    return error("cannot tell the size of a map record: " + std::to_string(symbols.size()) +
                     " map symbols in " + std::to_string(section.size) +
                     " bytes (expected records of 20 bytes or more, a multiple of 4)",
                 section.name);
  }
  const std::uint64_t record = section.size / symbols.size();
  std::stable_sort(symbols.begin(), symbols.end(),
                   [](const ElfSymbol* a, const ElfSymbol* b) { return a->value < b->value; });
  for (const ElfSymbol* symbol : symbols) {
    if (symbol->value > section.size || record > section.size - symbol->value) {
      return error("map '" + symbol->name + "' (" + std::to_string(record) + " bytes at " +
                       to_hex(symbol->value) + ") lies outside section " + section.name + " (" +
                       std::to_string(section.size) + " bytes)",
                   section.name);
    }
    if (symbol->value % record != 0) {
      return error("map '" + symbol->name + "' starts at " + to_hex(symbol->value) +
                       ", inside a record of " + std::to_string(record) + " bytes",
                   section.name);
    }
    // A NOBITS section reads as zeroes.
    auto field = [&](std::uint64_t index) -> std::uint32_t {
      const std::uint64_t at = symbol->value + index * 4;
      if (index * 4 + 4 > record || at + 4 > section.data.size()) return 0;
      const auto& bytes = section.data;
      return static_cast<std::uint32_t>(bytes[at]) |
             static_cast<std::uint32_t>(bytes[at + 1]) << 8 |
             static_cast<std::uint32_t>(bytes[at + 2]) << 16 |
             static_cast<std::uint32_t>(bytes[at + 3]) << 24;
    };
    MapDefinition map;
    map.name = symbol->name;
    map.origin = MapOrigin::legacy;
    map.type = field(0);
    map.key_size = field(1);
    map.value_size = field(2);
    map.max_entries = field(3);
    map.flags = field(4);
    if (map.type == 0) {
      return error("map '" + map.name + "': the map type is 0 (BPF_MAP_TYPE_UNSPEC)", section.name,
                   symbol->value);
    }
    if (record >= 36) {
      map.pinning = field(6);
    } else if (record >= 28 && (map.flags & linux_abi::kNumaNode) == 0 &&
               !pinning_name(field(6)).empty()) {
      map.pinning = field(6);
    }
    each(map, record, symbol->value, field);
    placements_.push_back({section.index, symbol->value, record, object_.maps.size(), {}});
    object_.maps.push_back(std::move(map));
  }
  return check_overlaps(section);
}

Status Loader::read_global_data() {
  for (const ElfSection& section : elf_.sections()) {
    const std::optional<MapOrigin> origin = global_data_origin(section.name);
    if (!origin || section.executable() || section.size == 0 ||
        (section.type != kSectionProgbits && section.type != kSectionNobits)) {
      continue;
    }
    if (section.size > kMaxGlobalDataSize) {
      return error("global data section of " + std::to_string(section.size) +
                       " bytes exceeds xbpf's limit of " + std::to_string(kMaxGlobalDataSize) +
                       " bytes",
                   section.name);
    }
    MapDefinition map;
    map.name = section.name;
    map.origin = section.type == kSectionNobits ? MapOrigin::bss : *origin;
    map.type = static_cast<std::uint32_t>(linux_abi::MapType::array);
    map.key_size = 4;
    map.value_size = static_cast<std::uint32_t>(section.size);
    map.max_entries = 1;
    // As libbpf creates them: mmapable, and read-only to programs for .rodata.
    map.flags =
        linux_abi::kMmapable | (map.origin == MapOrigin::rodata ? linux_abi::kRdonlyProg : 0);
    if (object_.btf) {
      map.btf_value_type = object_.btf->find(BtfKind::datasec, section.name).value_or(0);
    }
    if (section.type == kSectionNobits) {
      map.initial_data.assign(static_cast<std::size_t>(section.size), 0);
    } else {
      map.initial_data.assign(section.data.begin(), section.data.end());
    }
    data_maps_[section.index] = object_.maps.size();
    object_.maps.push_back(std::move(map));
  }
  return {};
}

// R_BPF_64_ABS64 relocations in .maps fill __array(values, ...) slots: programs for a program
// array, maps for a map-in-map.
Status Loader::read_initial_values() {
  const ElfSection* section = elf_.find_section(".maps");
  if (section == nullptr) return {};
  Result<std::vector<ElfRelocation>> relocations = elf_.relocations_for(section->index);
  if (!relocations) return std::move(relocations).error();
  for (const ElfRelocation& relocation : *relocations) {
    if (relocation.type == kRelocNone) continue;
    auto fail = [&](const std::string& message) {
      return error(message, section->name, relocation.offset);
    };
    const ElfSymbol& target = elf_.symbols()[relocation.symbol];
    // Older LLVM wrote these 64-bit data relocations as R_BPF_64_64 (libbpf takes both).
    if (relocation.type != kRelocAbs64 && relocation.type != kReloc64_64) {
      return fail("unsupported " + relocation_name(relocation.type) + " relocation against '" +
                  target.name +
                  "' in .maps (expected R_BPF_64_ABS64, or R_BPF_64_64 as older "
                  "LLVM wrote)");
    }
    if (relocation.offset > section->size || section->size - relocation.offset < 8) {
      return fail("relocation offset " + to_hex(relocation.offset) + " is outside section .maps (" +
                  std::to_string(section->size) + " bytes)");
    }
    const MapPlacement* placement = map_containing(section->index, relocation.offset);
    if (placement == nullptr) {
      return fail("relocation against '" + target.name + "' at " + to_hex(relocation.offset) +
                  " of .maps is outside every map definition");
    }
    MapDefinition& map = object_.maps[placement->map];
    const std::uint64_t within = relocation.offset - placement->offset;
    if (!placement->values_offset || within < *placement->values_offset ||
        (within - *placement->values_offset) % 8 != 0) {
      return fail("map '" + map.name + "': relocation against '" + target.name + "' at byte " +
                  std::to_string(within) + " of the definition is not a slot of its " +
                  "__array(values, ...) initializer");
    }
    const std::uint64_t slot = (within - *placement->values_offset) / 8;
    if (slot >= map.max_entries) {
      return fail("map '" + map.name + "': initial value for slot " + std::to_string(slot) +
                  " is beyond max_entries " + std::to_string(map.max_entries));
    }
    XBPF_TRY(check_symbol_section(target, section->name));
    std::uint64_t addend = 0;
    if (section->data.size() >= relocation.offset + 8) {
      for (int i = 7; i >= 0; --i) {
        addend = (addend << 8) | section->data[static_cast<std::size_t>(relocation.offset) +
                                               static_cast<std::size_t>(i)];
      }
    }
    const std::uint64_t offset = target.value + addend;
    std::string name;
    if (is_prog_array(map.type)) {
      const std::optional<std::size_t> function =
          target.section != 0 ? function_at(target.section, offset) : std::nullopt;
      if (!function || !functions_[*function].program) {
        return fail("map '" + map.name + "': slot " + std::to_string(slot) + " refers to '" +
                    target.name + "', which is not a program");
      }
      name = functions_[*function].name;
    } else {
      const MapPlacement* inner =
          target.section == section->index ? map_at(section->index, offset) : nullptr;
      if (inner == nullptr) {
        return fail("map '" + map.name + "': slot " + std::to_string(slot) + " refers to '" +
                    target.name + "', which is not a map");
      }
      name = object_.maps[inner->map].name;
    }
    map.initial_references[static_cast<std::uint32_t>(slot)] = std::move(name);
  }
  return {};
}

}  // namespace xbpf::object::detail
