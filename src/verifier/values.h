// Internal to the verifier: small operations on values that the transfer functions of every
// instruction class share (names for messages, zone bounds, the packet-relative kinds).
#pragma once

#include <cstdint>
#include <string>

#include "verifier/state.h"

namespace xbpf::verifier::detail {

// Limits Linux applies.
inline constexpr std::int64_t kMaxPacketSize = 0xffff;
// Loops of more iterations than this are refused (bpf_loop's limit).
inline constexpr std::int64_t kMaxLoopIterations = std::int64_t{1} << 23;

inline std::string reg_name(int r) { return "r" + std::to_string(r); }

// " + N" or " - N"; 128-bit so that offsets near the 64-bit limits print without overflow.
std::string signed_offset(__int128 off);

// Adds the Scalar's bounds to the zone variable (without forgetting its relations).
void add_bounds(State& s, Zone::Var var, const Scalar& value);

// after == before + [lo, hi] without wrapping, exactly (so the zone may say new = old + c).
bool shifts_exactly(const Scalar& before, const Scalar& after, std::int64_t lo, std::int64_t hi);

// Whether a value's bounds lie within the zone's limits (its zone variable is then its value,
// exactly, and sums of a few such values do not wrap).
bool bounded(const Scalar& v);

// A packet_end's value as an offset from data: packet_size + e.
Scalar end_value(const State& s, const Reg& reg);

// A size_minus's value, packet_size - w (w: its zone variable `var`): the zone bounds it.
Scalar size_minus_value(const State& s, Zone::Var var, const Reg& reg);

// A size_minus used other than as one: the plain number it is (other values unchanged).
Reg demoted(const State& s, Zone::Var var, const Reg& reg);
void demote(State& s, int r);

}  // namespace xbpf::verifier::detail
