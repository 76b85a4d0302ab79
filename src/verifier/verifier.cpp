#include "verifier/verifier.h"

#include "verifier/fixpoint.h"
#include "verifier/values.h"

namespace xbpf::verifier {

State entry_state(const progtype::ProgramTypeInfo& type) {
  State s;
  s.stacks.resize(1);
  s.packet_size = Scalar::unsigned_range(0, detail::kMaxPacketSize);
  const bool has_meta = type.type == progtype::ProgramType::xdp ||
                        type.type == progtype::ProgramType::sched_cls ||
                        type.type == progtype::ProgramType::sched_act;
  s.meta_offset = has_meta ? Scalar::signed_range(-4096, 0) : Scalar::constant(0);
  zone_set(s.zone, Vars::packet_size, s.packet_size);
  zone_set(s.zone, Vars::meta_offset, s.meta_offset);
  s.set_reg(1, Reg::pointer(Kind::ctx, 0, Scalar::constant(0)));
  s.set_reg(10, Reg::pointer(Kind::stack, 0, Scalar::constant(kStackBytes)));
  return s;
}

Result<Report> verify(const ProgramView& program, const Options& options) {
  detail::Analysis analysis(program, options);
  return analysis.run();
}

Result<Report> verify(const ProgramView& program, const State& entry, Options options) {
  options.entry = entry;
  return verify(program, options);
}

}  // namespace xbpf::verifier
