// Differential test against Linux: every object under build/tests/programs (the
// runtime_*.bpf.c programs written for it, and the others where both load them) is loaded by
// xbpf and by the kernel (libbpf), and every program runs under BPF_PROG_TEST_RUN on both
// with the same inputs: a UDP and a TCP frame, and one with a context (XDP metadata, or
// __sk_buff fields). The return value, data_out and ctx_out must match byte for byte;
// differences are reported as hex rows with offsets. Runs share the object's maps, in the
// same order on both sides; the kernel's runs are pinned to one CPU, where xbpf runs them.
// Skipped, with the reason, where the kernel cannot run eBPF (not root, no bpf(), Windows).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "runtime/maps/ringbuf.h"
#include "runtime_test_util.h"

#if defined(XBPF_HAVE_KERNEL_ORACLE)
#include "platform/linux/kernel_bpf.h"
#endif

namespace xbpf::runtime::test {
namespace {

#if defined(XBPF_HAVE_KERNEL_ORACLE)

namespace kernel = platform::kernel;
using progtype::ProgramType;

// Rows of 16 bytes where a and b differ, with their offsets, and the lengths if they differ.
std::string hex_diff(const Bytes& a, const Bytes& b, const char* a_name = "xbpf ",
                     const char* b_name = "linux") {
  std::ostringstream out;
  if (a.size() != b.size())
    out << "  lengths differ: " << a_name << " " << a.size() << ", " << b_name << " " << b.size()
        << "\n";
  const std::size_t size = std::max(a.size(), b.size());
  int rows = 0;
  for (std::size_t row = 0; row < size; row += 16) {
    bool differs = false;
    for (std::size_t i = row; i < row + 16 && i < size; ++i) {
      if (i >= a.size() || i >= b.size() || a[i] != b[i]) differs = true;
    }
    if (!differs) continue;
    if (++rows > 24) {
      out << "  ...\n";
      break;
    }
    for (const auto& [name, bytes] : {std::pair{a_name, &a}, std::pair{b_name, &b}}) {
      out << "  " << std::hex << std::setw(4) << std::setfill('0') << row << " " << name << ":";
      for (std::size_t i = row; i < row + 16; ++i) {
        if (i < bytes->size()) {
          const bool mark = i >= a.size() || i >= b.size() || a[i] != b[i];
          out << (mark ? '*' : ' ') << std::setw(2) << static_cast<unsigned>((*bytes)[i]);
        } else {
          out << "   ";
        }
      }
      out << std::dec << "\n";
    }
  }
  return out.str();
}

// The aligned 32-bit words that differ, as signed numbers (the runtime programs' result slots
// are such words: slot = (offset - RESULT_OFFSET - metadata length) / 4).
std::string word_diff(const Bytes& a, const Bytes& b) {
  std::ostringstream out;
  int words = 0;
  for (std::size_t at = 0; at + 4 <= std::min(a.size(), b.size()); at += 4) {
    std::int32_t x, y;
    std::memcpy(&x, a.data() + at, 4);
    std::memcpy(&y, b.data() + at, 4);
    if (x == y) continue;
    if (++words > 16) break;
    out << "  word at " << at << ": xbpf " << x << ", linux " << y << "\n";
  }
  return out.str();
}

bool is_xdp(ProgramType type) { return type == ProgramType::xdp; }

bool is_skb(ProgramType type) {
  switch (type) {
    case ProgramType::socket_filter:
    case ProgramType::sched_cls:
    case ProgramType::sched_act:
    case ProgramType::cgroup_skb:
    case ProgramType::lwt_in:
    case ProgramType::lwt_out:
    case ProgramType::lwt_xmit: return true;
    default: return false;
  }
}

struct Input {
  std::string name;
  Bytes data_in;
  Bytes ctx_in;
  std::uint32_t repeat = 1;
};

// The inputs for a program type: the two frames, the UDP frame run 3 times in a row (repeated
// runs share the packet and context), one with a context, multi-buffer XDP frames, and inputs
// Linux refuses (the errno must match).
std::vector<Input> inputs_for(ProgramType type) {
  std::vector<Input> inputs = {{"udp", frames::udp_frame(), {}},
                               {"tcp", frames::tcp_frame(), {}},
                               {"udp, repeat 3", frames::udp_frame(), {}, 3}};
  if (is_xdp(type)) {
    // 8 bytes of metadata before the packet: xdp_md.data = 8, data_end = the input's size.
    const Bytes frame = frames::udp_frame();
    Input meta{"udp+meta", {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7}, Bytes(24, 0)};
    meta.data_in.insert(meta.data_in.end(), frame.begin(), frame.end());
    const std::uint32_t md[6] = {8, static_cast<std::uint32_t>(meta.data_in.size()), 0, 0, 0, 0};
    std::memcpy(meta.ctx_in.data(), md, sizeof md);
    inputs.push_back(std::move(meta));
    const auto md_input = [](std::string name, Bytes data, std::array<std::uint32_t, 6> fields) {
      Input input{std::move(name), std::move(data), Bytes(24, 0)};
      std::memcpy(input.ctx_in.data(), fields.data(), 24);
      return input;
    };
    const auto size = static_cast<std::uint32_t>(frame.size());
    // Multi-buffer frames: data_end leaves the rest to a fragment; past the frame's 3520
    // bytes, fragments of a page (and past 17 of them, ENOMEM).
    inputs.push_back(md_input("ctx: 200 linear bytes", frame, {0, 200, 0, 0, 0, 0}));
    inputs.push_back(md_input("ctx: 341 linear bytes", frame, {0, size - 1, 0, 0, 0, 0}));
    inputs.push_back({"5000 bytes", frames::ipv4_frame(5000, 17), {}});
    inputs.push_back({"80000 bytes", frames::ipv4_frame(80000, 17), {}});
    // lo is a device (the default one); the others are refused, with the same errno.
    inputs.push_back(md_input("ctx: ingress lo", frame, {0, size, 0, 1, 0, 0}));
    inputs.push_back({"10 bytes", Bytes(frame.begin(), frame.begin() + 10), {}});
    inputs.push_back(md_input("ctx: rx queue 1 of no device", frame, {0, size, 0, 0, 1, 0}));
    inputs.push_back(md_input("ctx: ingress 999", frame, {0, size, 0, 999, 0, 0}));
    inputs.push_back(md_input("ctx: data_end past data_in", frame, {0, size + 1, 0, 0, 0, 0}));
    inputs.push_back(md_input("ctx: metadata of 6 bytes", frame, {6, size, 0, 0, 0, 0}));
    inputs.push_back(md_input("ctx: egress set", frame, {0, size, 0, 0, 0, 1}));
  } else if (is_skb(type)) {
    Input ctx{"udp+ctx", frames::udp_frame(), Bytes(192, 0)};
    const auto put = [&ctx](std::size_t offset, std::uint32_t value) {
      std::memcpy(&ctx.ctx_in[offset], &value, 4);
    };
    put(8, 0x77);                                                         // mark
    put(32, 5);                                                           // priority
    put(36, 1);                                                           // ingress_ifindex
    for (std::uint32_t i = 0; i < 5; ++i) put(48 + 4 * i, 11 * (i + 1));  // cb
    put(152, 0x23456789);                                                 // tstamp (low word)
    put(164, 2);                                                          // gso_segs
    put(176, 1400);                                                       // gso_size
    inputs.push_back(ctx);
    const auto with = [&ctx](std::string name, std::size_t offset, std::uint32_t value) {
      Input input = ctx;
      input.name = std::move(name);
      std::memcpy(&input.ctx_in[offset], &value, 4);
      return input;
    };
    inputs.push_back(with("ctx: ifindex 1", 40, 1));
    inputs.push_back(with("ctx: wire_len 2000", 160, 2000));
    // Refused by both, with the same errno.
    inputs.push_back({"10 bytes", Bytes(ctx.data_in.begin(), ctx.data_in.begin() + 10), {}});
    inputs.push_back(with("ctx: len set", 0, 5));
    inputs.push_back(with("ctx: ifindex 999", 40, 999));
    inputs.push_back(with("ctx: wire_len below len", 160, 10));
    inputs.push_back(with("ctx: gso_segs 70000", 164, 70000));
    inputs.push_back(with("ctx: hash set", 68, 1));
    inputs.push_back({"5000 bytes (more than a page)", frames::ipv4_frame(5000, 17), {}});
  }
  return inputs;
}

struct Summary {
  std::set<std::string> programs_compared;  // object/program
  int maps_compared = 0;
  unsigned cpu = 0;  // where both sides run (per-CPU maps and values then agree)
  int runs_compared = 0;
  int runs_equal = 0;
  int jit_runs_compared = 0;
  std::map<std::string, int> objects_by_version;
  std::vector<std::string> skipped;
};

bool is_runtime_object(const std::filesystem::path& path) {
  return path.filename().string().rfind("runtime_", 0) == 0;
}

long fill_kernel_device_maps(const LoadedObject& ours, const kernel::KernelObject& theirs) {
  for (const LoadedMap& map : ours.maps()) {
    if (!is_device_map(static_cast<std::uint32_t>(map.map->type()))) continue;
    std::optional<kernel::KernelMap> kernel_map = theirs.map(map.name);
    if (!kernel_map) return -2;
    Bytes value(map.map->spec().value_size, 0);
    std::memcpy(value.data(), &kDeviceIfindex, 4);
    const long updated = kernel_map->update(&kDeviceKey, value.data(), 0);
    if (updated != 0) return updated;
  }
  return 0;
}

// After the runs, the maps whose contents both sides define the same way must hold the same
// keys and values: arrays, hashes, per-CPU maps (every run was on one CPU), LPM tries, global
// data; and ring buffers the same records at the same positions. (LRU maps evict
// differently, see docs/maps.md; the others hold references or events.)
void compare_maps(const std::string& file, const LoadedObject& ours,
                  const kernel::KernelObject& theirs, Summary& summary) {
  for (const LoadedMap& map : ours.maps()) {
    std::optional<kernel::KernelMap> kernel_map = theirs.map(map.name);
    if (!kernel_map) continue;  // inner map templates, or names libbpf gives otherwise
    SCOPED_TRACE(file + " map " + map.name);
    switch (map.map->type()) {
      case MapType::array:
      case MapType::percpu_array:
      case MapType::hash:
      case MapType::percpu_hash:
      case MapType::lpm_trie: {
        std::vector<std::pair<Bytes, Bytes>> a = sorted_entries(*map.map);
        std::vector<std::pair<Bytes, Bytes>> b = kernel_map->entries();
        std::sort(b.begin(), b.end());
        ++summary.maps_compared;
        EXPECT_EQ(a.size(), b.size()) << "entries";
        for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
          EXPECT_EQ(a[i].first, b[i].first) << "key " << i << ":\n"
                                            << hex_diff(a[i].first, b[i].first);
          EXPECT_EQ(a[i].second, b[i].second) << "value " << i << ":\n"
                                              << hex_diff(a[i].second, b[i].second);
        }
        break;
      }
      case MapType::ringbuf: {
        const auto& ring = static_cast<const RingBuf&>(*map.map);
        Result<kernel::KernelRing> kernel_ring =
            kernel::KernelRing::map(kernel_map->fd(), static_cast<std::uint32_t>(ring.data_size()));
        ASSERT_TRUE(kernel_ring.ok()) << kernel_ring.error().to_string();
        ++summary.maps_compared;
        EXPECT_EQ(ring.producer_pos(), kernel_ring->producer_pos());
        EXPECT_EQ(ring.consumer_pos(), kernel_ring->consumer_pos());
        const std::size_t used = std::min<std::uint64_t>(ring.producer_pos(), ring.data_size());
        const auto* data = reinterpret_cast<const std::uint8_t*>(ring.data_area());
        const Bytes a(data, data + used);
        const Bytes b(kernel_ring->data(), kernel_ring->data() + used);
        EXPECT_EQ(a, b) << "ring buffer bytes:\n" << hex_diff(a, b);
        break;
      }
      default: break;
    }
  }
}

// Objects whose results depend, by design, on what the kernel is rather than on what the
// program does.
const std::map<std::string, std::string> kDiffersByDesign = {
    {"core_exists",
     "CO-RE existence checks answer for the target's types: the kernel's own BTF "
     "there, the uapi types xbpf implements here"}};

void compare_object(const std::filesystem::path& path, Summary& summary) {
  const std::string file = path.lexically_relative(programs_dir()).string();
  const bool required = is_runtime_object(path);
  const std::string stem = path.filename().string().substr(0, path.filename().string().find('.'));
  if (const auto differs = kDiffersByDesign.find(stem); differs != kDiffersByDesign.end()) {
    summary.skipped.push_back(file + ": " + differs->second);
    return;
  }
  Result<XbpfObject> ours = load_xbpf(path, kernel::possible_cpus());
  if (!ours) {
    if (required) ADD_FAILURE() << file << ": xbpf cannot load it: " << ours.error().to_string();
    summary.skipped.push_back(file + ": xbpf does not load it (" + ours.error().message + ")");
    return;
  }
  Result<kernel::KernelObject> theirs = kernel::KernelObject::open_and_load(path.string());
  if (!theirs) {
    // (EOPNOTSUPP: this kernel lacks a helper the object calls; it cannot be the oracle here)
    if (required && theirs.error().linux_errno != EOPNOTSUPP)
      ADD_FAILURE() << file << ": the kernel does not load it: " << theirs.error().to_string();
    summary.skipped.push_back(file + ": the kernel does not load it (" + theirs.error().message +
                              ")");
    return;
  }
  // The same object run by the JIT, input for input: it must agree with the interpreter.
  Result<XbpfObject> jitted = load_xbpf(path, kernel::possible_cpus());
  ASSERT_TRUE(jitted.ok()) << jitted.error().to_string();
  ASSERT_EQ(fill_device_maps(*jitted->object), 0) << file;
  ASSERT_EQ(fill_device_maps(*ours->object), 0) << file;
  ASSERT_EQ(fill_kernel_device_maps(*ours->object, *theirs), 0)
      << file << ": the kernel refused lo in a device map";

  bool any = false;
  for (const auto& program : ours->object->programs()) {
    const ProgramType type = program->type->type;
    const std::string label = file + " " + program->name;
    if (!is_xdp(type) && !is_skb(type)) {
      if (required) ADD_FAILURE() << label << ": runtime programs must be XDP or sk_buff programs";
      summary.skipped.push_back(label + ": Linux has no BPF_PROG_TEST_RUN with packets for " +
                                std::string(program->type->name) + " programs");
      continue;
    }
    const std::optional<int> fd = theirs->program_fd(program->name);
    if (!fd) {
      ADD_FAILURE() << label << ": the kernel object has no such program";
      continue;
    }
    for (const Input& input : inputs_for(type)) {
      SCOPED_TRACE(label + " [" + input.name + "]");
      TestRunOptions options;
      options.data_in = input.data_in;
      options.ctx_in = input.ctx_in;
      options.repeat = input.repeat;
      options.cpu = summary.cpu;
      Result<TestRunResult> a = test_run(*program, options);
      TestRunOptions jit_options = options;
      jit_options.engine = vm::Engine::jit;
      const LoadedProgram* jit_program = jitted->object->find_program(program->name);
      ASSERT_NE(jit_program, nullptr);
      Result<TestRunResult> j = test_run(*jit_program, jit_options);
      EXPECT_EQ(a.ok(), j.ok()) << "the JIT disagrees: " << (a ? "" : a.error().to_string())
                                << (j ? "" : j.error().to_string());
      if (a && j) {
        ++summary.jit_runs_compared;
        EXPECT_EQ(a->retval, j->retval) << "the JIT disagrees";
        EXPECT_EQ(a->data_out, j->data_out) << "the JIT disagrees";
        EXPECT_EQ(a->ctx_out, j->ctx_out) << "the JIT disagrees";
      }

      kernel::TestRunOptions kernel_options;
      kernel_options.data_in = input.data_in;
      kernel_options.ctx_in = input.ctx_in;
      kernel_options.repeat = static_cast<int>(input.repeat);
      kernel_options.data_out_size = 8192;
      // Linux refuses ctx_out for XDP without ctx_in (its zeroed context does not describe
      // the packet).
      const bool want_ctx = is_skb(type) || !input.ctx_in.empty();
      kernel_options.ctx_out_size = want_ctx ? (is_xdp(type) ? 24 : 192) : 0;
      kernel_options.pin_cpu = static_cast<int>(summary.cpu);
      const kernel::TestRunResult b = kernel::test_run(*fd, kernel_options);

      ++summary.runs_compared;
      if (!a || b.error != 0) {
        // Both must fail, with the same errno.
        const long a_errno = a ? 0 : -static_cast<long>(a.error().linux_errno);
        if (!a && a.error().linux_errno == 0) {
          ADD_FAILURE() << "xbpf failed (linux: "
                        << (b.error == 0 ? std::string("ran") : std::to_string(b.error))
                        << "): " << a.error().to_string();
        } else if (a_errno != b.error) {
          ADD_FAILURE() << "test run errors differ: xbpf "
                        << (a ? std::string("ran") : a.error().to_string()) << ", linux "
                        << b.error;
        } else {
          ++summary.runs_equal;
        }
        continue;
      }
      bool equal = true;
      if (a->retval != b.retval) {
        ADD_FAILURE() << "retval: xbpf " << a->retval << ", linux " << b.retval;
        equal = false;
      }
      if (a->data_out != b.data_out) {
        ADD_FAILURE() << "data_out differs (" << a->data_out.size() << " and " << b.data_out.size()
                      << " bytes):\n"
                      << hex_diff(a->data_out, b.data_out) << word_diff(a->data_out, b.data_out);
        equal = false;
      }
      if (want_ctx && a->ctx_out != b.ctx_out) {
        ADD_FAILURE() << "ctx_out differs:\n" << hex_diff(a->ctx_out, b.ctx_out);
        equal = false;
      }
      if (equal) ++summary.runs_equal;
    }
    summary.programs_compared.insert(label);
    any = true;
  }
  if (any) {
    compare_maps(file, *ours->object, *theirs, summary);
    EXPECT_EQ(map_snapshot(*ours->object), map_snapshot(*jitted->object))
        << file << ": the maps differ after the JIT's runs";
    const std::string name = path.filename().string();
    const std::size_t v = name.rfind(".v");
    summary.objects_by_version[v == std::string::npos ? "default" : name.substr(v + 1, 2)]++;
  }
}

TEST(RuntimeKernelDiff, ProgramsMatchLinux) {
  if (!kernel::kernel_bpf_available()) {
    GTEST_SKIP() << "the kernel cannot run eBPF here: " << kernel::kernel_bpf_unavailable_reason();
  }
  if (!std::filesystem::is_directory(programs_dir()))
    GTEST_SKIP() << "no eBPF test programs were built";
  std::vector<std::filesystem::path> objects;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(programs_dir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".o")
      objects.push_back(entry.path());
  }
  std::sort(objects.begin(), objects.end());
  ASSERT_FALSE(objects.empty());
  Summary summary;
  summary.cpu = kernel::first_allowed_cpu();
  int runtime_objects = 0;
  for (const auto& path : objects) {
    runtime_objects += is_runtime_object(path);
    compare_object(path, summary);
  }
  EXPECT_GT(runtime_objects, 0) << "no runtime_*.vN.o under " << programs_dir();
  std::ostringstream versions;
  for (const auto& [version, count] : summary.objects_by_version)
    versions << " " << version << ":" << count;
  const auto runtime_programs =
      std::count_if(summary.programs_compared.begin(), summary.programs_compared.end(),
                    [](const std::string& label) { return label.rfind("runtime_", 0) == 0; });
  std::cout << "[ summary  ] compared with Linux: " << summary.programs_compared.size()
            << " programs, " << runtime_programs << " of them from runtime_*.bpf.c ("
            << summary.runs_equal << " of " << summary.runs_compared << " runs equal), "
            << summary.maps_compared << " maps compared after the runs, "
            << summary.jit_runs_compared
            << " successful runs identical on the JIT, objects by CPU version:" << versions.str()
            << "\n";
  for (const std::string& skipped : summary.skipped)
    std::cout << "[ skipped  ] " << skipped << "\n";
}

#else

TEST(RuntimeKernelDiff, ProgramsMatchLinux) {
  GTEST_SKIP() << "no kernel oracle in this build (it needs Linux and libbpf)";
}

#endif

}  // namespace
}  // namespace xbpf::runtime::test
