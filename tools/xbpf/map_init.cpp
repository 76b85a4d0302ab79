#include "map_init.h"

#include <fstream>
#include <sstream>

namespace xbpf::cli {

Status init_maps(const std::string& path, const runtime::LoadedObject& object) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot open the map entries file");
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string name, word;
    if (!(words >> name)) continue;
    Location where;
    where.file = path;
    where.line = number;
    const runtime::LoadedMap* map = object.find_map(name);
    if (map == nullptr || !map->map) return make_error("no map named '" + name + "'", where);
    std::vector<std::uint8_t> key, value;
    std::vector<std::uint8_t>* into = nullptr;
    while (words >> word) {
      if (word == "key" || word == "value") {
        into = word == "key" ? &key : &value;
        continue;
      }
      std::string digits = word.rfind("0x", 0) == 0 ? word.substr(2) : word;
      if (into == nullptr || digits.empty() || digits.size() > 2 ||
          digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        return make_error("expected 'key' or 'value' and hex bytes, found '" + word + "'", where);
      }
      into->push_back(static_cast<std::uint8_t>(std::stoul(digits, nullptr, 16)));
    }
    const runtime::MapSpec& spec = map->map->spec();
    if (key.size() != spec.key_size || value.size() != map->map->user_value_size()) {
      return make_error("map '" + name + "' takes a key of " + std::to_string(spec.key_size) +
                            " bytes and a value of " + std::to_string(map->map->user_value_size()) +
                            ", found " + std::to_string(key.size()) + " and " +
                            std::to_string(value.size()),
                        where);
    }
    if (const long failed = map->map->user_update(key.data(), value.data(), 0); failed != 0) {
      return make_error("updating map '" + name + "' failed with errno " + std::to_string(-failed),
                        where);
    }
  }
  return {};
}

}  // namespace xbpf::cli
