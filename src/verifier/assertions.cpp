// Names and meanings of the assertion kinds, expanded from assertions.def.
#include <array>

#include "verifier/verifier.h"

namespace xbpf::verifier {
namespace {

struct KindRow {
  AssertionKind kind;
  std::string_view name;
  std::string_view meaning;
};

constexpr KindRow kKinds[] = {
#define XBPF_ASSERTION(name, what) {AssertionKind::name, #name, what},
#include "verifier/assertions.def"
#undef XBPF_ASSERTION
};

constexpr std::array<AssertionKind, std::size(kKinds)> kAll = [] {
  std::array<AssertionKind, std::size(kKinds)> all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = kKinds[i].kind;
  return all;
}();

}  // namespace

std::string_view assertion_kind_name(AssertionKind kind) {
  return kKinds[static_cast<std::size_t>(kind)].name;
}

std::string_view assertion_kind_meaning(AssertionKind kind) {
  return kKinds[static_cast<std::size_t>(kind)].meaning;
}

std::optional<AssertionKind> assertion_kind_named(std::string_view name) {
  for (const KindRow& row : kKinds) {
    if (row.name == name) return row.kind;
  }
  return std::nullopt;
}

std::span<const AssertionKind> all_assertion_kinds() { return kAll; }

}  // namespace xbpf::verifier
