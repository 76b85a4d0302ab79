#include "map_dump.h"

#include <cstdio>
#include <vector>

#include "support/text.h"

namespace xbpf::cli {
namespace {

using runtime::Map;
using runtime::MapType;

struct Entry {
  std::vector<std::uint8_t> key;
  std::vector<std::uint8_t> value;
};

// Every key and value, walking get_next_key as bpftool does.
std::vector<Entry> entries(Map& map) {
  std::vector<Entry> out;
  const std::size_t key_size = map.spec().key_size;
  if (key_size == 0) return out;  // queue, stack, ringbuf: no keys
  std::vector<std::uint8_t> key(key_size), next(key_size);
  const void* previous = nullptr;
  while (map.get_next_key(previous, next.data()) == 0) {
    key = next;
    previous = key.data();
    Entry entry{key, std::vector<std::uint8_t>(map.user_value_size())};
    if (map.user_lookup(key.data(), entry.value.data(), 0) != 0) continue;
    out.push_back(std::move(entry));
    if (out.size() > 1'000'000) break;
  }
  return out;
}

bool per_cpu(MapType type) {
  return type == MapType::percpu_array || type == MapType::percpu_hash ||
         type == MapType::lru_percpu_hash;
}

void json_bytes(JsonWriter& json, std::span<const std::uint8_t> bytes) {
  json.begin_array();
  char buf[8];
  for (std::uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "0x%02x", b);
    json.value(buf);
  }
  json.end_array();
}

}  // namespace

std::string_view map_type_name(MapType type) {
  switch (type) {
    case MapType::hash: return "hash";
    case MapType::array: return "array";
    case MapType::prog_array: return "prog_array";
    case MapType::perf_event_array: return "perf_event_array";
    case MapType::percpu_hash: return "percpu_hash";
    case MapType::percpu_array: return "percpu_array";
    case MapType::lru_hash: return "lru_hash";
    case MapType::lru_percpu_hash: return "lru_percpu_hash";
    case MapType::lpm_trie: return "lpm_trie";
    case MapType::array_of_maps: return "array_of_maps";
    case MapType::hash_of_maps: return "hash_of_maps";
    case MapType::devmap: return "devmap";
    case MapType::queue: return "queue";
    case MapType::stack: return "stack";
    case MapType::devmap_hash: return "devmap_hash";
    case MapType::ringbuf: return "ringbuf";
    default: return "unknown";
  }
}

std::string dump_map_text(const runtime::LoadedMap& loaded) {
  Map& map = *loaded.map;
  const std::vector<Entry> all = entries(map);
  std::string out = "map '" + loaded.name + "' (" + std::string(map_type_name(map.type())) +
                    ", id " + std::to_string(loaded.id) + "):\n";
  const std::size_t value_size = map.spec().value_size;
  const std::size_t stride = (value_size + 7) / 8 * 8;
  for (const Entry& entry : all) {
    if (per_cpu(map.type())) {
      out += "key:\n" + hex_bytes(entry.key) + "\n";
      for (std::size_t cpu = 0; cpu * stride < entry.value.size(); ++cpu) {
        char label[32];
        std::snprintf(label, sizeof label, "value (CPU %02zu):\n", cpu);
        out += label + hex_bytes(std::span(entry.value).subspan(cpu * stride, value_size)) + "\n";
      }
    } else {
      out += "key: " + hex_bytes(entry.key) + "  value: " + hex_bytes(entry.value) + "\n";
    }
  }
  out += "Found " + std::to_string(all.size()) + " element" + (all.size() == 1 ? "" : "s") + "\n";
  return out;
}

void dump_map_json(const runtime::LoadedMap& loaded, JsonWriter& json) {
  Map& map = *loaded.map;
  json.begin_object().field("id", loaded.id).field("name", loaded.name);
  json.field("type", map_type_name(map.type()));
  json.key("entries").begin_array();
  const std::size_t value_size = map.spec().value_size;
  const std::size_t stride = (value_size + 7) / 8 * 8;
  for (const Entry& entry : entries(map)) {
    json.begin_object().key("key");
    json_bytes(json, entry.key);
    if (per_cpu(map.type())) {
      json.key("values").begin_array();
      for (std::size_t cpu = 0; cpu * stride < entry.value.size(); ++cpu) {
        json.begin_object().field("cpu", static_cast<std::uint64_t>(cpu)).key("value");
        json_bytes(json, std::span(entry.value).subspan(cpu * stride, value_size));
        json.end_object();
      }
      json.end_array();
    } else {
      json.key("value");
      json_bytes(json, entry.value);
    }
    json.end_object();
  }
  json.end_array().end_object();
}

}  // namespace xbpf::cli
