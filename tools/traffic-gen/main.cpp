// traffic-gen: a deterministic capture of mixed traffic for the XDP demo (docs/xdp.md).
// The same seed gives the same bytes, on every platform: the generator is a splitmix64
// stream and every choice is made from it in a fixed order.
//
//   traffic-gen [--seed N] [--packets N] [--out FILE]      (default: 1, 100000, traffic.pcap)
//   traffic-gen [--seed N] [--packets N] --send IFACE      (the frames out of an interface)
//
// The mix (shares of the packets, approximately):
//   62%  normal TCP sessions and UDP exchanges from ~300 IPv4 and IPv6 clients, a few of
//        them much busier than the rest (the top talkers)
//   12%  a SYN flood from 198.51.100.66 (about 1,200 SYNs a second, for 10 s)
//    5%  traffic from the blocked prefixes 203.0.113.0/24 and 2001:db8:bad::/48
//    6%  IPv6 with extension headers (hop-by-hop, routing, destination options, fragments)
//   10%  VLAN tagged (802.1Q, and 802.1ad + 802.1Q), over any of the above
//    2%  IPv4 with options, and IPv4 fragments
//    1%  ARP
//    2%  malformed: runts, cut headers, bad IHL, lengths past the frame, three VLAN tags,
//        an IPv6 extension header running off the end
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "hooks/xdp/capture.h"
#include "platform/packet_io.h"
#include "platform/platform.h"

namespace {

using Bytes = std::vector<std::uint8_t>;

class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // [0, n)
  std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
  // [0, 1)
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }

 private:
  std::uint64_t state_;
};

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

std::uint32_t sum16(const Bytes& b, std::size_t from, std::size_t to, std::uint32_t sum = 0) {
  for (std::size_t i = from; i < to; i += 2)
    sum += static_cast<std::uint32_t>(b[i] << 8) | (i + 1 < to ? b[i + 1] : 0);
  return sum;
}

std::uint16_t fold(std::uint32_t sum) {
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

Address ipv4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  Address out;
  out.bytes = {a, b, c, d};
  return out;
}

Address ipv6(std::uint16_t g0, std::uint16_t g1, std::uint16_t g2, std::uint16_t last) {
  Address out;
  out.v6 = true;
  const std::uint16_t groups[8] = {g0, g1, g2, 0, 0, 0, 0, last};
  for (int i = 0; i < 8; ++i) {
    out.bytes[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(groups[i] >> 8);
    out.bytes[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(groups[i]);
  }
  return out;
}

struct L4 {
  std::uint8_t protocol = 6;  // TCP or UDP
  std::uint16_t source_port = 0, dest_port = 0;
  std::uint8_t tcp_flags = 0x10;  // ACK
  std::uint32_t sequence = 0;
  std::size_t payload = 0;
};

// An IPv6 extension header: {type, length in bytes (a multiple of 8)}.
struct Extension {
  std::uint8_t type;
  std::size_t length;
  bool later_fragment = false;
};

struct Frame {
  std::vector<std::uint16_t> vlans;  // TPIDs, outermost first
  Address source, destination;
  L4 l4;
  std::vector<Extension> extensions;  // IPv6
  std::size_t ip_options = 0;         // IPv4, bytes (multiple of 4)
  bool ipv4_fragment = false;         // a later fragment (offset != 0)
  std::uint16_t ip_id = 0;
};

// Ethernet (+ VLAN tags) + IPv4 or IPv6 (+ options or extension headers) + TCP or UDP +
// payload, with valid checksums.
Bytes build(const Frame& f, Random& random) {
  const std::uint8_t macs[12] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
                                 0x02, 0x00, 0x00, 0x00, 0x00, f.source.bytes[15]};
  Bytes b(std::begin(macs), std::end(macs));
  for (std::uint16_t tpid : f.vlans) {
    b.push_back(static_cast<std::uint8_t>(tpid >> 8));
    b.push_back(static_cast<std::uint8_t>(tpid));
    const std::uint16_t vid = static_cast<std::uint16_t>(100 + random.below(8));
    b.push_back(static_cast<std::uint8_t>(vid >> 8));
    b.push_back(static_cast<std::uint8_t>(vid));
  }
  const std::uint16_t type = f.source.v6 ? 0x86dd : 0x0800;
  b.push_back(static_cast<std::uint8_t>(type >> 8));
  b.push_back(static_cast<std::uint8_t>(type));
  const std::size_t ip = b.size();
  const bool tcp = f.l4.protocol == 6;
  const std::size_t l4_header = tcp ? 20 : 8;
  const std::size_t l4_size = l4_header + f.l4.payload;
  std::size_t l4_at = 0;
  std::uint32_t pseudo = 0;
  if (!f.source.v6) {
    const std::size_t header = 20 + f.ip_options;
    b.resize(ip + header, 0);
    b[ip] = static_cast<std::uint8_t>(0x40 | header / 4);
    put16(b, ip + 2, static_cast<std::uint16_t>(header + l4_size));
    put16(b, ip + 4, f.ip_id);
    put16(b, ip + 6, f.ipv4_fragment ? 0x00b9 : 0x4000);  // offset 185*8, or DF
    b[ip + 8] = 64;
    b[ip + 9] = f.l4.protocol;
    std::memcpy(&b[ip + 12], f.source.bytes.data(), 4);
    std::memcpy(&b[ip + 16], f.destination.bytes.data(), 4);
    for (std::size_t i = 0; i < f.ip_options; ++i)
      b[ip + 20 + i] = i == 0 ? 0x94 : 0x01;  // RA, NOPs
    if (f.ip_options >= 4) {
      b[ip + 20] = 0x94;  // router alert, length 4
      b[ip + 21] = 4;
      b[ip + 22] = b[ip + 23] = 0;
    }
    put16(b, ip + 10, fold(sum16(b, ip, ip + header)));
    l4_at = ip + header;
    pseudo = sum16(b, ip + 12, ip + 20) + f.l4.protocol + static_cast<std::uint32_t>(l4_size);
  } else {
    std::size_t extensions = 0;
    for (const Extension& e : f.extensions) extensions += e.length;
    b.resize(ip + 40 + extensions, 0);
    b[ip] = 0x60;
    put16(b, ip + 4, static_cast<std::uint16_t>(extensions + l4_size));
    b[ip + 6] = f.extensions.empty() ? f.l4.protocol : f.extensions.front().type;
    b[ip + 7] = 64;
    std::memcpy(&b[ip + 8], f.source.bytes.data(), 16);
    std::memcpy(&b[ip + 24], f.destination.bytes.data(), 16);
    std::size_t at = ip + 40;
    for (std::size_t i = 0; i < f.extensions.size(); ++i) {
      const Extension& e = f.extensions[i];
      b[at] = i + 1 < f.extensions.size() ? f.extensions[i + 1].type : f.l4.protocol;
      if (e.type == 44) {  // fragment: offset, M flag, identification
        put16(b, at + 2, e.later_fragment ? 0x0100 : 0x0001);
        put16(b, at + 4, f.ip_id);
      } else {
        b[at + 1] = static_cast<std::uint8_t>(e.length / 8 - 1);
        if (e.length > 2) {
          b[at + 2] = 1;  // PadN option filling the rest
          b[at + 3] = static_cast<std::uint8_t>(e.length - 4);
        }
      }
      at += e.length;
    }
    l4_at = at;
    pseudo = sum16(b, ip + 8, ip + 40) + f.l4.protocol + static_cast<std::uint32_t>(l4_size);
  }
  b.resize(l4_at + l4_size, 0);
  put16(b, l4_at, f.l4.source_port);
  put16(b, l4_at + 2, f.l4.dest_port);
  for (std::size_t i = l4_at + l4_header; i < b.size(); ++i)
    b[i] = static_cast<std::uint8_t>(random.below(256));
  if (tcp) {
    put16(b, l4_at + 4, static_cast<std::uint16_t>(f.l4.sequence >> 16));
    put16(b, l4_at + 6, static_cast<std::uint16_t>(f.l4.sequence));
    b[l4_at + 12] = 0x50;
    b[l4_at + 13] = f.l4.tcp_flags;
    put16(b, l4_at + 14, 64240);
    put16(b, l4_at + 16, fold(sum16(b, l4_at, b.size(), pseudo)));
  } else {
    put16(b, l4_at + 4, static_cast<std::uint16_t>(l4_size));
    std::uint16_t check = fold(sum16(b, l4_at, b.size(), pseudo));
    put16(b, l4_at + 6, check == 0 ? 0xffff : check);
  }
  if (b.size() < 60) b.resize(60, 0);  // Ethernet's minimum frame (without the FCS)
  return b;
}

Bytes arp(Random& random) {
  Bytes b(60, 0);
  std::memset(b.data(), 0xff, 6);
  const std::uint8_t rest[] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, 0x06,
                               0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
  std::memcpy(&b[6], rest, sizeof rest);
  b[28] = 10;
  b[31] = static_cast<std::uint8_t>(1 + random.below(250));
  b[38] = 10;
  b[41] = 1;
  return b;
}

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : random_(seed) {
    for (std::uint32_t i = 0; i < 240; ++i)
      clients_.push_back(
          ipv4(10, 1, static_cast<std::uint8_t>(i / 200), static_cast<std::uint8_t>(1 + i % 200)));
    for (std::uint32_t i = 0; i < 60; ++i)
      clients_.push_back(ipv6(0x2001, 0xdb8, 0x1, static_cast<std::uint16_t>(0x100 + i)));
    // Spread the IPv6 clients among the IPv4 ones, so that both are among the busiest.
    for (std::size_t i = 0; i < 60; ++i) std::swap(clients_[i * 5 + 2], clients_[240 + i]);
  }

  Bytes next() {
    const std::uint32_t pick = random_.below(1000);
    Bytes frame;
    if (pick < 620) {
      frame = normal(client(), false);
    } else if (pick < 740) {
      frame = syn_flood();
    } else if (pick < 770) {
      frame = normal(ipv4(203, 0, 113, static_cast<std::uint8_t>(1 + random_.below(254))), false);
    } else if (pick < 790) {
      frame = normal(
          ipv6(0x2001, 0xdb8, 0xbad, static_cast<std::uint16_t>(1 + random_.below(4096))), false);
    } else if (pick < 850) {
      frame = normal(
          ipv6(0x2001, 0xdb8, 0x1, static_cast<std::uint16_t>(0x100 + random_.below(60))), true);
    } else if (pick < 950) {
      Frame f = session_frame(client());
      if (random_.below(4) == 0) {
        f.vlans = {0x88a8, 0x8100};  // 802.1ad outside, 802.1Q inside
      } else {
        f.vlans = {0x8100};
      }
      frame = build(f, random_);
    } else if (pick < 970) {
      Frame f = session_frame(ipv4(10, 1, 0, static_cast<std::uint8_t>(1 + random_.below(200))));
      if (random_.below(2) == 0) {
        f.ip_options = 4 * (1 + random_.below(3));
      } else {
        f.ipv4_fragment = true;
      }
      frame = build(f, random_);
    } else if (pick < 980) {
      frame = arp(random_);
    } else {
      frame = malformed();
    }
    return frame;
  }

  // Microseconds between packets: about 10,000 packets a second.
  std::uint64_t gap_ns() { return 1000 + random_.below(199) * 1000; }

 private:
  // Zipf-like: a few clients send much more than the rest.
  Address client() {
    const double u = random_.unit();
    return clients_[static_cast<std::size_t>(u * u * u * static_cast<double>(clients_.size()))];
  }

  Frame session_frame(const Address& source) {
    Frame f;
    f.source = source;
    f.destination = source.v6 ? ipv6(0x2001, 0xdb8, 0xfe, 0x80) : ipv4(192, 0, 2, 80);
    f.ip_id = static_cast<std::uint16_t>(random_.below(65536));
    const bool udp = random_.below(10) < 3;
    f.l4.protocol = udp ? 17 : 6;
    f.l4.source_port = static_cast<std::uint16_t>(32768 + random_.below(28000));
    f.l4.dest_port = udp ? 53 : (random_.below(2) ? 443 : 80);
    f.l4.sequence = static_cast<std::uint32_t>(random_.next());
    // A session: SYN (1 in 12), then ACKs with data, a FIN now and then.
    if (!udp) {
      const std::uint32_t kind = random_.below(12);
      f.l4.tcp_flags = kind == 0 ? 0x02 : kind == 1 ? 0x11 : 0x18;
    }
    f.l4.payload = f.l4.tcp_flags == 0x02 ? 0 : random_.below(udp ? 200 : 1400);
    return f;
  }

  Bytes normal(const Address& source, bool extensions) {
    Frame f = session_frame(source);
    if (extensions) {
      // One to three extension headers among hop-by-hop (0), routing (43), destination
      // options (60) and fragment (44).
      const std::uint8_t kinds[4] = {0, 43, 60, 44};
      const std::uint32_t count = 1 + random_.below(3);
      for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint8_t type = kinds[random_.below(4)];
        Extension e{type, type == 44 ? std::size_t{8} : 8 * (1 + random_.below(2))};
        if (type == 44) e.later_fragment = random_.below(2) == 0;
        f.extensions.push_back(e);
      }
    }
    return build(f, random_);
  }

  Bytes syn_flood() {
    Frame f;
    f.source = ipv4(198, 51, 100, 66);
    f.destination = ipv4(192, 0, 2, 80);
    f.l4.protocol = 6;
    f.l4.source_port = static_cast<std::uint16_t>(1024 + random_.below(60000));
    f.l4.dest_port = 80;
    f.l4.tcp_flags = 0x02;
    f.l4.sequence = static_cast<std::uint32_t>(random_.next());
    f.ip_id = static_cast<std::uint16_t>(random_.below(65536));
    return build(f, random_);
  }

  Bytes malformed() {
    Frame f = session_frame(client());
    Bytes b;
    switch (random_.below(7)) {
      case 0:  // a runt: shorter than an Ethernet header
        b = build(f, random_);
        b.resize(6 + random_.below(8));
        return b;
      case 1:  // cut inside the IP header
        if (f.source.v6) f.source = ipv4(10, 1, 0, 9);
        b = build(f, random_);
        b.resize(14 + random_.below(20));
        return b;
      case 2:  // IHL below 5
        if (f.source.v6) f.source = ipv4(10, 1, 0, 9);
        b = build(f, random_);
        b[14] = static_cast<std::uint8_t>(0x40 | random_.below(5));
        return b;
      case 3:  // total length past the end of the frame
        if (f.source.v6) f.source = ipv4(10, 1, 0, 9);
        b = build(f, random_);
        put16(b, 16, static_cast<std::uint16_t>(b.size() + 100));
        return b;
      case 4:  // three VLAN tags
        f.vlans = {0x88a8, 0x8100, 0x8100};
        return build(f, random_);
      case 5: {  // an IPv6 routing header running off the end
        f.source = ipv6(0x2001, 0xdb8, 0x1, 0x1ff);
        f.extensions.push_back({43, 16});
        f.l4.payload = 0;
        b = build(f, random_);
        b.resize(14 + 40 + 1);  // the extension header's first byte only
        put16(b, 18, 1);
        return b;
      }
      default:  // an IPv4 TCP header cut short (10 of its 20 bytes)
        if (f.source.v6) f.source = ipv4(10, 1, 0, 9);
        f.l4.protocol = 6;
        f.l4.payload = 0;
        b = build(f, random_);
        b.resize(14 + 20 + 10);
        put16(b, 16, 30);
        put16(b, 24, 0);
        put16(b, 24, fold(sum16(b, 14, 34)));
        return b;
    }
  }

  Random random_;
  std::vector<Address> clients_;
};

int usage() {
  std::fputs("Usage: traffic-gen [--seed N] [--packets N] [--out FILE | --send IFACE]\n", stderr);
  return 2;
}

// --send IFACE: the frames out of an interface, as fast as it takes them (frames shorter than
// an Ethernet header are left out: the kernel refuses them). For the live datapath's benchmark
// (bench/run_live_bench.sh). Prints the frames sent and the rate.
int send_frames(const std::string& interface, std::uint64_t seed, std::uint64_t packets) {
  xbpf::Result<std::unique_ptr<xbpf::platform::PacketPort>> port =
      xbpf::platform::PacketPort::open(interface, false);
  if (!port.ok()) {
    std::fprintf(stderr, "traffic-gen: %s\n", port.error().to_string().c_str());
    return 1;
  }
  Generator generator(seed);
  std::vector<Bytes> frames;
  for (std::uint64_t i = 0; i < packets; ++i) {
    Bytes frame = generator.next();
    if (frame.size() >= 14) frames.push_back(std::move(frame));
  }
  const std::uint64_t start = xbpf::platform::monotonic_ns();
  for (const Bytes& frame : frames) {
    const xbpf::Status sent = (*port)->send(frame);
    if (!sent.ok()) {
      std::fprintf(stderr, "traffic-gen: %s\n", sent.error().to_string().c_str());
      return 1;
    }
  }
  const double seconds = double(xbpf::platform::monotonic_ns() - start) / 1e9;
  std::printf("sent %zu frames in %.3f s: %.0f frames/s\n", frames.size(), seconds,
              double(frames.size()) / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 1, packets = 100000;
  std::string out = "traffic.pcap", send;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::puts(
          "Usage: traffic-gen [--seed N] [--packets N] [--out FILE | --send IFACE]\n"
          "Writes a deterministic pcap of mixed traffic for the XDP demo (docs/xdp.md),\n"
          "or sends the frames out of an interface (Linux).");
      return 0;
    }
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    char* end = nullptr;
    if (arg == "--seed") {
      seed = std::strtoull(value.c_str(), &end, 0);
    } else if (arg == "--packets") {
      packets = std::strtoull(value.c_str(), &end, 0);
    } else if (arg == "--out") {
      out = value;
      continue;
    } else if (arg == "--send") {
      send = value;
      continue;
    } else {
      return usage();
    }
    if (end == nullptr || *end != '\0') return usage();
  }
  if (!send.empty()) return send_frames(send, seed, packets);
  std::ofstream file(out, std::ios::binary | std::ios::trunc);
  if (!file) {
    std::fprintf(stderr, "traffic-gen: cannot create %s\n", out.c_str());
    return 1;
  }
  using namespace xbpf::hooks::xdp;
  const std::unique_ptr<CaptureWriter> writer =
      CaptureWriter::create(file, CaptureFormat::pcap, out);
  xbpf::Status status = writer->add_interface(CaptureInterface{});
  Generator generator(seed);
  // 2023-11-14 22:13:20 UTC: a fixed start, so that the bytes depend on the seed only.
  std::uint64_t time_ns = 1'700'000'000'000'000'000ull;
  for (std::uint64_t i = 0; i < packets && status.ok(); ++i) {
    const Bytes frame = generator.next();
    OutputPacket packet;
    packet.timestamp_ns = time_ns;
    packet.data = frame;
    status = writer->write(packet);
    time_ns += generator.gap_ns();
  }
  if (status.ok()) status = writer->finish();
  if (!status.ok()) {
    std::fprintf(stderr, "traffic-gen: %s\n", status.error().to_string().c_str());
    return 1;
  }
  return 0;
}
