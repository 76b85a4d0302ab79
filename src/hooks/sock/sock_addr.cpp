#include "hooks/sock/sock_addr.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

namespace xbpf::hooks::sock {
namespace {

// Offsets in struct sockaddr_in and sockaddr_in6 (the port is at 2 in both).
constexpr std::size_t kPortOffset = 2;
constexpr std::size_t kIp4Offset = 4;
constexpr std::size_t kIp6Offset = 8;

// `size` bytes of the address at `offset`, zero where the address is shorter.
void copy_out(const platform::SocketAddress& address, std::size_t offset, void* out,
              std::size_t size) {
  std::memset(out, 0, size);
  if (address.length > offset)
    std::memcpy(out, address.bytes.data() + offset,
                std::min<std::size_t>(size, address.length - offset));
}

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const std::uint8_t* ip6) {
  return std::memcmp(ip6, kMappedPrefix, sizeof kMappedPrefix) == 0;
}

}  // namespace

int family_of(const platform::SocketAddress& address) {
  return address.length >= 2 ? address.bytes[0] | address.bytes[1] << 8 : kAfUnspec;
}

bool is_v4_mapped(const platform::SocketAddress& address) {
  return family_of(address) == kAfInet6 && address.length >= kSockaddrIn6MinLength &&
         is_v4_mapped(address.bytes.data() + kIp6Offset);
}

platform::SocketAddress ipv4_of_mapped(const platform::SocketAddress& ipv6) {
  platform::SocketAddress ipv4;
  ipv4.length = kSockaddrInLength;
  ipv4.bytes[0] = kAfInet;
  std::memcpy(ipv4.bytes.data() + kPortOffset, ipv6.bytes.data() + kPortOffset, 2);
  std::memcpy(ipv4.bytes.data() + kIp4Offset, ipv6.bytes.data() + kIp6Offset + 12, 4);
  return ipv4;
}

void put_mapped(const platform::SocketAddress& ipv4, platform::SocketAddress& ipv6) {
  if (ipv6.length < kSockaddrIn6MinLength) {
    ipv6 = {};
    ipv6.length = kSockaddrIn6MinLength;
    ipv6.bytes[0] = kAfInet6;
  }
  std::memcpy(ipv6.bytes.data() + kPortOffset, ipv4.bytes.data() + kPortOffset, 2);
  std::memcpy(ipv6.bytes.data() + kIp6Offset, kMappedPrefix, sizeof kMappedPrefix);
  std::memcpy(ipv6.bytes.data() + kIp6Offset + 12, ipv4.bytes.data() + kIp4Offset, 4);
}

void fill_context(BpfSockAddr& context, const platform::SocketAddress& address,
                  const platform::SocketKind& kind) {
  context = {};
  context.user_family = static_cast<std::uint32_t>(family_of(address));
  copy_out(address, kIp4Offset, &context.user_ip4, 4);
  copy_out(address, kIp6Offset, context.user_ip6, 16);
  copy_out(address, kPortOffset, &context.user_port, 2);
  context.family = static_cast<std::uint32_t>(kind.family);
  context.type = static_cast<std::uint32_t>(kind.type);
  context.protocol = static_cast<std::uint32_t>(kind.protocol);
}

bool apply_context(const BpfSockAddr& context, bool ipv6_hook, platform::SocketAddress& address) {
  const platform::SocketAddress before = address;
  auto put = [&address](std::size_t offset, const void* data, std::size_t size) {
    if (address.length < offset + size) return;  // the kernel checked the length before
    std::memcpy(address.bytes.data() + offset, data, size);
  };
  put(kPortOffset, &context.user_port, 2);
  if (ipv6_hook) {
    put(kIp6Offset, context.user_ip6, 16);
  } else {
    put(kIp4Offset, &context.user_ip4, 4);
  }
  return before.bytes != address.bytes;
}

BpfSock socket_view(const platform::SocketKind& kind, const platform::SocketState& state) {
  BpfSock sock{};
  sock.bound_dev_if = state.bound_dev_if;
  sock.family = static_cast<std::uint32_t>(kind.family);
  sock.type = static_cast<std::uint32_t>(kind.type);
  sock.protocol = static_cast<std::uint32_t>(kind.protocol);
  sock.mark = state.mark;
  sock.priority = state.priority;
  sock.state = state.state;
  sock.rx_queue_mapping = -1;
  // An IPv6 socket's IPv4 fields hold the IPv4 part of a v4-mapped address (skc_rcv_saddr,
  // skc_daddr), as in the kernel.
  auto addresses = [&kind](const platform::SocketAddress& address, std::uint32_t* ip4,
                           std::uint32_t* ip6) {
    if (address.length == 0) return;
    if (kind.family == kAfInet) {
      copy_out(address, kIp4Offset, ip4, 4);
      return;
    }
    copy_out(address, kIp6Offset, ip6, 16);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(ip6);
    if (is_v4_mapped(bytes)) std::memcpy(ip4, bytes + 12, 4);
  };
  addresses(state.local, &sock.src_ip4, sock.src_ip6);
  addresses(state.peer, &sock.dst_ip4, sock.dst_ip6);
  if (state.local.length >= 4)
    sock.src_port = static_cast<std::uint32_t>(state.local.bytes[2]) << 8 | state.local.bytes[3];
  if (state.peer.length >= 4) copy_out(state.peer, kPortOffset, &sock.dst_port, 2);
  return sock;
}

std::string address_text(const platform::SocketAddress& address) {
  const int family = family_of(address);
  const unsigned port =
      address.length >= 4 ? unsigned{address.bytes[2]} << 8 | address.bytes[3] : 0;
  char text[64];
  if (family == kAfInet && address.length >= kSockaddrInLength) {
    const std::uint8_t* ip = address.bytes.data() + kIp4Offset;
    std::snprintf(text, sizeof text, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], port);
    return text;
  }
  if (family == kAfInet6 && address.length >= kSockaddrIn6MinLength) {
    std::string out = "[";
    for (int i = 0; i < 8; ++i) {
      std::snprintf(
          text, sizeof text, "%s%x", i == 0 ? "" : ":",
          unsigned{address.bytes[kIp6Offset + 2 * i]} << 8 | address.bytes[kIp6Offset + 2 * i + 1]);
      out += text;
    }
    return out + "]:" + std::to_string(port);
  }
  return "an address of family " + std::to_string(family);
}

}  // namespace xbpf::hooks::sock
