// Accesses to the context (its fields, from the program type's layout) and to the socket and
// flow-key structs the context or helpers give.
#include "verifier/checker.h"
#include "verifier/values.h"

namespace xbpf::verifier::detail {

using progtype::FieldKind;

namespace {

// Sizes of the socket structs programs may read (struct bpf_sock, bpf_tcp_sock).
constexpr std::uint32_t kBpfSockSize = 80;
constexpr std::uint32_t kBpfTcpSockSize = 112;
constexpr std::uint32_t kFlowKeysSize = 56;

// Linux's bpf_sock_is_valid_access (and bpf_sock_common_is_valid_access, which also refuses
// type .. priority) for a read of `width` bytes at offset `o` of struct bpf_sock: the fields,
// some of them readable in narrower parts, never the padding after dst_port.
bool sock_read_ok(bool common, std::int64_t o, std::int64_t width) {
  if (o < 0 || o + width > 80 || o % width != 0) return false;
  if (common && o >= 8 && o < 24) return false;
  const bool narrow = width == 1 || width == 2 || width == 4;
  switch (o) {
    case 72:  // state
    case 4:   // family
    case 8:   // type
    case 12:  // protocol
    case 44:  // src_port
    case 76:  // rx_queue_mapping
      return narrow;
    default: break;
  }
  if ((o >= 24 && o < 44) || (o >= 52 && o < 72)) return narrow;  // src_ip4/6, dst_ip4/6
  if (o == 48) return narrow;                                     // dst_port (and its pad)
  if (o == 49) return width == 1;
  if (o >= 50 && o < 52) return false;
  return width == 4;
}

}  // namespace

// The value a load of a context field of `kind` gives.
Reg Checker::context_value(const State& s, FieldKind kind, unsigned width, std::uint32_t pc) {
  Reg loaded;
  switch (kind) {
    case FieldKind::scalar: loaded = Reg::number(Scalar::of_width(width)); break;
    case FieldKind::packet_start:
      loaded = Reg::pointer(Kind::packet, 0, Scalar::constant(0));
      break;
    case FieldKind::packet_end:
      loaded = Reg{Kind::packet_end, false, 0, 0, 0, s.packet_size, nullptr};
      break;
    case FieldKind::packet_meta: loaded = Reg::pointer(Kind::packet, 0, s.meta_offset); break;
    case FieldKind::socket: loaded = Reg::pointer(Kind::socket, 0, Scalar::constant(0)); break;
    case FieldKind::socket_or_null:
      loaded = Reg::pointer(Kind::socket, 0, Scalar::constant(0));
      loaded.nullable = true;
      loaded.id = 0x40000000U | (pc << 4);
      break;
    case FieldKind::sock_common_or_null:
      loaded = Reg::pointer(Kind::sock_common, 0, Scalar::constant(0));
      loaded.nullable = true;
      loaded.id = 0x40000000U | (pc << 4);
      break;
    case FieldKind::flow_keys:
      loaded = Reg::pointer(Kind::flow_keys, 0, Scalar::constant(0));
      break;
  }
  return loaded;
}

bool Checker::access_context(State& s, const Access& a, const Reg&) {
  const progtype::ProgramTypeInfo& type = *program_.type;
  const std::int64_t w = a.width;
  if (!a.at.as_constant()) {
    fail(s, a.pc, AssertionKind::context_field,
         a.describe() + ": the context is accessed at a variable offset " + a.at.to_string(),
         reg_name(a.r) + ".offset is constant", {a.r});
    return false;
  }
  const auto o = static_cast<std::int64_t>(*a.at.as_constant());
  if (o < 0 || o + w > type.context_size) return out_of_bounds(s, a, type.context_size, "context");
  const progtype::ContextField* field = type.field_at(static_cast<std::uint32_t>(o));
  const bool any_read = type.any_context_read && o >= type.any_read_from && !a.write;
  if (!any_read) {
    if (!field || o + w > field->offset + field->size) {
      fail(s, a.pc, AssertionKind::context_field,
           a.describe() + ": offset " + std::to_string(o) + " of " + std::string(type.context) +
               (field ? " crosses the end of field " + std::string(field->name)
                      : " is not a field " + std::string(type.name) + " programs may read"),
           "valid context field", {a.r});
      return false;
    }
    if (a.write && !field->writable) {
      fail(s, a.pc, AssertionKind::writable,
           a.describe() + ": field " + std::string(field->name) + " of " +
               std::string(type.context) + " is read-only in " + std::string(type.name) +
               " programs",
           std::string(field->name) + " is writable", {a.r});
      return false;
    }
    if (field->kind != FieldKind::scalar && (o != field->offset || w != field->size)) {
      fail(s, a.pc, AssertionKind::context_field,
           a.describe() + ": field " + std::string(field->name) +
               " holds a pointer and must be read whole (" + std::to_string(field->size) +
               " bytes at offset " + std::to_string(field->offset) + ")",
           "whole-field access", {a.r});
      return false;
    }
  }
  if (a.loaded) {
    *a.loaded =
        context_value(s, any_read || !field ? FieldKind::scalar : field->kind, a.width, a.pc);
  }
  return true;
}

bool Checker::access_socket(State& s, const Access& a, const Reg& reg) {
  const std::int64_t lo = a.at.smin(), hi = a.at.smax();
  const std::int64_t size = reg.kind == Kind::tcp_sock    ? kBpfTcpSockSize
                            : reg.kind == Kind::flow_keys ? kFlowKeysSize
                                                          : kBpfSockSize;
  if (!a.in_bounds(size))
    return out_of_bounds(s, a, size, std::string(kind_name(reg.kind)) + " struct");
  if (a.write && reg.kind != Kind::flow_keys) {
    fail(s, a.pc, AssertionKind::writable, a.describe() + ": sockets are read-only",
         "region is writable", {a.r});
    return false;
  }
  if ((reg.kind == Kind::socket || reg.kind == Kind::sock_common) &&
      (lo != hi || !sock_read_ok(reg.kind == Kind::sock_common, lo, a.width))) {
    fail(s, a.pc, AssertionKind::context_field,
         a.describe() + ": offset " + a.at.to_string() + " of struct bpf_sock" +
             (reg.kind == Kind::sock_common ? " (common fields)" : "") +
             " is not a field that may be read with this width",
         "valid bpf_sock field", {a.r});
    return false;
  }
  if (a.loaded) *a.loaded = Reg::number(Scalar::of_width(a.width));
  return true;
}

}  // namespace xbpf::verifier::detail
