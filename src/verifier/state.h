// The abstract state at a program point: what every register and stack byte may hold (a
// type, and for numbers and pointer offsets a Scalar), difference constraints between them
// (a Zone), the packet's size, the references the program holds and whether it holds a
// spin lock. Frames of inlined bpf-to-bpf calls are kept whole: the callers' registers and
// stacks stay in the state while a callee runs.
#pragma once

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "verifier/scalar.h"
#include "verifier/zone.h"

namespace xbpf::verifier {

inline constexpr int kStackBytes = 512;
inline constexpr int kMaxFrames = 8;

// What a register or a spilled stack slot holds.
enum class Kind : std::uint8_t {
  uninit,       // never written (or clobbered by a call): reading it is an error
  number,       // a scalar
  ctx,          // the program's context, offset in `num`
  stack,        // a stack frame (`region`), offset from the frame's bottom: r10 is 512
  packet,       // the packet, offset from data (data_meta is at meta_offset <= 0)
  packet_end,   // data_end + e (e: end_offset(), in `size`): its "offset" is packet_size + e
  map_value,    // a value of map `region` (also global data), offset in `num`
  map_ptr,      // map `region` itself (lddw map reference; an inner map of map-in-map)
  func,         // a function (lddw code_addr), its entry slot in `region`
  ringbuf_mem,  // a ring-buffer reservation of `size` bytes, reference `id`
  socket,       // a socket (struct bpf_sock), reference `id` when acquired
  sock_common,  // struct bpf_sock_common
  tcp_sock,     // struct bpf_tcp_sock
  flow_keys,    // struct bpf_flow_keys (flow dissector)
  btf_id,       // a kernel object xbpf does not model (no access through it)
  // The negation of a packet pointer: -data - o, o in `num` (`~p` of data + a: o = a + 1; `-p`:
  // o = a). Only numbers may be added to it, and a packet pointer or packet_end (the result is
  // a number); anything else is refused as for pointers.
  packet_neg,
  // A number equal to packet_size - w, w in `num` (packet_end + e plus a packet_neg o: w = o -
  // e): a comparison with a constant bounds the packet size. Any other use turns it into a
  // plain number first (demote() in values.cpp).
  size_minus,
  mixed,  // different kinds on different paths: a type set (Reg::types), else opaque
};
std::string_view kind_name(Kind kind);
// packet_neg and size_minus count as pointers: they are refused wherever pointers are, unless
// allowed explicitly.
inline bool is_pointer(Kind kind) {
  return kind != Kind::uninit && kind != Kind::number && kind != Kind::mixed;
}

struct Reg;
// The values a `mixed` register may hold, one per kind of path (PREVAIL's type sets): at most
// kMaxTypes members, each a number or a non-NULL pointer into a region without a reference
// (Reg::may_be_type), with distinct (kind, region, size), sorted. An instruction that reads a
// register with a type set is applied to each member and the results joined (Checker::step),
// so every check holds for every member. Immutable, owned by the State (State::type_sets) so
// that a Reg stays trivially copyable: copies of states are the analysis' main cost.
struct TypeSet {
  std::vector<Reg> members;
  // Parallel to `members`: for a stack member, the bytes of its frame initialised on every path
  // where the value is that member. A join keeps only what all paths initialised (a buffer
  // written only where the pointer is the stack); these bytes come back when an instruction
  // is applied to that member. Stack bytes once initialised stay so while the frame lives.
  std::vector<std::bitset<kStackBytes>> init;
  // Values joined from the same paths (two registers set on the same branches) are related:
  // they share a selector (0: none), and bit l of labels[i] says that member i is the value on
  // the paths of label l, one member per label. Every value with that selector is then the
  // member of one same label: an instruction reading several is applied per label, not to
  // every combination of members (Checker::step). A new selector is made by each join (an
  // assignment replaces the value, and its relation with it).
  std::uint64_t selector = 0;
  std::uint8_t label_count = 0;
  std::vector<std::uint8_t> labels;
  bool operator==(const TypeSet& other) const;
  // The member with label l (nullopt: none or several, the relation is not usable).
  [[nodiscard]] std::optional<std::size_t> member_of(unsigned l) const;
};
inline constexpr unsigned kMaxLabels = 8;
inline constexpr std::size_t kMaxTypes = 4;

struct Reg {
  Kind kind = Kind::uninit;
  bool nullable = false;     // a pointer that may be NULL (until a null check)
  std::uint32_t region = 0;  // map index, stack frame, function slot
  std::uint32_t size = 0;    // ringbuf_mem: the reservation's size
  std::uint32_t id = 0;      // nullable pointers and references: copies share it
  Scalar num = Scalar::top();
  const TypeSet* types = nullptr;  // mixed: its members, owned by the State (none: opaque)

  static Reg number(const Scalar& value) {
    return Reg{Kind::number, false, 0, 0, 0, value, nullptr};
  }
  static Reg pointer(Kind kind, std::uint32_t region, const Scalar& offset) {
    return Reg{kind, false, region, 0, 0, offset, nullptr};
  }
  // Different kinds on different paths, nothing more known: usable only where any value is.
  static Reg opaque() { return Reg{Kind::mixed, false, 0, 0, 0, Scalar::top(), nullptr}; }
  // packet_end: its offset from data_end (kept in `size`).
  [[nodiscard]] std::int64_t end_offset() const { return static_cast<std::int32_t>(size); }
  [[nodiscard]] bool same_region(const Reg& other) const {
    return kind == other.kind && region == other.region && size == other.size;
  }
  // A value that may be a member of a type set.
  [[nodiscard]] bool may_be_type() const;
  // A type set (mixed with members).
  [[nodiscard]] bool has_types() const { return kind == Kind::mixed && types != nullptr; }
  // Whether the value, or any member of its type set, satisfies `pred`.
  template <class P>
  [[nodiscard]] bool any_type(P&& pred) const;
  bool operator==(const Reg& other) const;
};

template <class P>
bool Reg::any_type(P&& pred) const {
  if (!has_types()) return pred(*this);
  return std::any_of(types->members.begin(), types->members.end(), pred);
}

// A value the program wrote to the stack with a known shape: a spilled register (8 bytes,
// aligned, pointers included) or a narrower scalar store.
struct Cell {
  std::uint8_t width = 8;
  Reg value;
  bool operator==(const Cell&) const = default;
};

struct StackFrame {
  std::bitset<kStackBytes> init;        // bytes definitely written
  std::map<std::uint16_t, Cell> cells;  // by offset (0..511)
  bool operator==(const StackFrame&) const = default;
};

// Variables of the zone.
struct Vars {
  static constexpr Zone::Var packet_size = 1;
  static constexpr Zone::Var meta_offset = 2;
  static constexpr Zone::Var reg(int frame, int r) {
    return 16 + static_cast<Zone::Var>(frame * 16 + r);
  }
  static constexpr Zone::Var cell(int frame, int offset) {
    return 256 + static_cast<Zone::Var>(frame * kStackBytes + offset);
  }
  // The stack bytes [init_lo, init_hi) of a frame are initialised (both absent: no such
  // range). A loop filling a buffer through a pointer keeps init_hi related to its index, where
  // the bytes themselves are known only for constant offsets.
  static constexpr Zone::Var init_lo(int frame) { return reg(frame, 11); }
  static constexpr Zone::Var init_hi(int frame) { return reg(frame, 12); }
  // Iterations of the loop at node `head`: counted up from 0, and down from 0 by a twin, so
  // that a difference constraint bounds both counting-up loops (counter - i <= c) and
  // counting-down ones (i - down <= c, that is counter + i <= c).
  static constexpr Zone::Var loop_counter(std::uint32_t head) { return 8192 + head; }
  static constexpr Zone::Var loop_down(std::uint32_t head) { return kLoopDown + head; }
  static constexpr Zone::Var kLoopDown = 0x40000000;
  // The counter times a stride (the constant a register moves by per iteration, `i += 8`):
  // `i - scaled <= c` is a difference constraint where `i - 8 * counter` is not. Up to
  // kMaxStrides per loop; the fixpoint knows their strides.
  static constexpr int kMaxStrides = 2;
  static constexpr Zone::Var loop_scaled(std::uint32_t head, int k) {
    return kLoopScaled + head * kMaxStrides + static_cast<Zone::Var>(k);
  }
  static constexpr Zone::Var kLoopScaled = 0x20000000;
  static std::string name(Zone::Var var);
};

enum class LockState : std::uint8_t { none, held, maybe };

struct State {
  bool bottom = false;
  int frame = 0;               // the running function's frame (0: the entry function)
  std::array<Reg, 11> regs{};  // of the running function
  // The callers' registers, saved at each call (index = their frame).
  std::vector<std::array<Reg, 11>> callers;
  std::vector<StackFrame> stacks;  // frame 0 .. frame
  Zone zone;
  Scalar packet_size = Scalar::unsigned_range(0, 0xffff);
  Scalar meta_offset = Scalar::constant(0);
  std::vector<std::uint32_t> references;  // ids of acquired references, sorted
  LockState lock = LockState::none;
  // The type sets the locations' Reg::types point to (and perhaps some no location holds any
  // more: a join starts afresh).
  std::vector<std::shared_ptr<const TypeSet>> type_sets;

  // Takes ownership of a type set; returns it for Reg::types.
  const TypeSet* own(TypeSet set) {
    type_sets.push_back(std::make_shared<const TypeSet>(std::move(set)));
    return type_sets.back().get();
  }

  static State make_bottom() {
    State s;
    s.bottom = true;
    return s;
  }

  // The value of a numeric location (register or cell) changed: its zone variable gets the
  // new bounds and loses its old relations.
  void set_reg(int r, Reg value);
  // Tightens the Scalars of registers, cells and globals from the zone's bounds (after a
  // relation was added). Returns false when some became empty (the state is infeasible).
  bool sync_from_zone();
  // Writes the Scalars' bounds into the zone.
  void push_bounds();
  // Adds x - y <= c; false when infeasible.
  bool add_relation(Zone::Var x, Zone::Var y, std::int64_t c);
  // The initialised range of a frame (Vars::init_lo/hi) after a write of `width` bytes at
  // `base + off` (base: the zone variable of the pointer's offset): extended when the write
  // touches it, else started there (`restart`) or left as it is.
  void note_stack_write(int region, Zone::Var base, std::int64_t off, unsigned width, bool restart);
  // Marks the bytes the initialised range surely covers as initialised.
  void materialize_init(int region);

  [[nodiscard]] State join(const State& other) const;
  [[nodiscard]] State widen(const State& next, std::span<const std::int64_t> thresholds) const;
  [[nodiscard]] State narrow(const State& next) const;
  [[nodiscard]] bool leq(const State& other) const;

  // For messages: "r1: packet, offset [0, 14]" ...
  [[nodiscard]] std::string describe_reg(int r) const;
  [[nodiscard]] std::string describe_stack() const;
  [[nodiscard]] std::string to_string(bool relations = true) const;
};

// The zone variable of a register's number or offset.
inline Zone::Var reg_var(const State& s, int r) { return Vars::reg(s.frame, r); }
// Bounds (signed) of a Scalar, for the zone: nullopt when beyond its limits.
std::optional<std::int64_t> zone_lower(const Scalar& s);
std::optional<std::int64_t> zone_upper(const Scalar& s);
// Writes a Scalar's bounds into the zone for `var` (after forgetting it).
void zone_set(Zone& zone, Zone::Var var, const Scalar& value);

// The join of two values of states `sa` and `sb` (for the initialised stack bytes a type set's
// stack members keep) into state `into` (which owns a new type set).
Reg join_reg(const Reg& a, const Reg& b, const State* sa, const State* sb, State& into);
// The type set of the values of `a` and `b` (opaque when too many or not allowed as members;
// the single member when they agree), owned by `into`.
Reg join_types(const Reg& a, const Reg& b, const State* sa, const State* sb, State& into);
// A type set's member `m` as the value of a register of `s`: its stack member's initialised
// bytes are restored. Returns the member's value.
const Reg& select_type(State& s, const TypeSet& set, std::size_t m);
std::string describe(const Reg& reg);

}  // namespace xbpf::verifier
