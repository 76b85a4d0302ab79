// The context of cgroup_sock_addr programs, byte for byte as <linux/bpf.h> has it (struct
// bpf_sock_addr and the struct bpf_sock its `sk` points to), filled from a call's address and
// socket, and the program's rewrites put back into the address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "platform/socket_supervision.h"

namespace xbpf::hooks::sock {

// Linux's numbers (the platform reports them as Linux has them).
inline constexpr int kAfUnspec = 0;
inline constexpr int kAfInet = 2;
inline constexpr int kAfInet6 = 10;
inline constexpr int kSockStream = 1;
inline constexpr int kSockDgram = 2;
inline constexpr int kIpprotoIcmp = 1;
inline constexpr int kIpprotoTcp = 6;
inline constexpr int kIpprotoUdp = 17;
inline constexpr int kIpprotoIcmpv6 = 58;
inline constexpr int kIpprotoUdplite = 136;
inline constexpr int kIpprotoMptcp = 262;
inline constexpr int kMsgOob = 1;  // MSG_OOB
// sizeof(struct sockaddr_in); SIN6_LEN_RFC2133, the shortest struct sockaddr_in6 Linux takes.
inline constexpr std::uint32_t kSockaddrInLength = 16;
inline constexpr std::uint32_t kSockaddrIn6MinLength = 24;

// struct bpf_sock (80 bytes).
struct BpfSock {
  std::uint32_t bound_dev_if;
  std::uint32_t family;
  std::uint32_t type;
  std::uint32_t protocol;
  std::uint32_t mark;
  std::uint32_t priority;
  std::uint32_t src_ip4;     // network byte order
  std::uint32_t src_ip6[4];  // network byte order
  std::uint32_t src_port;    // host byte order
  std::uint16_t dst_port;    // network byte order
  std::uint16_t zero_padding;
  std::uint32_t dst_ip4;
  std::uint32_t dst_ip6[4];
  std::uint32_t state;
  std::int32_t rx_queue_mapping;
};
static_assert(sizeof(BpfSock) == 80);
static_assert(offsetof(BpfSock, src_port) == 44 && offsetof(BpfSock, dst_port) == 48);
static_assert(offsetof(BpfSock, dst_ip4) == 52 && offsetof(BpfSock, state) == 72);

// struct bpf_sock_addr (72 bytes).
struct BpfSockAddr {
  std::uint32_t user_family;
  std::uint32_t user_ip4;     // network byte order
  std::uint32_t user_ip6[4];  // network byte order
  std::uint32_t user_port;    // network byte order, in the first two bytes
  std::uint32_t family;
  std::uint32_t type;
  std::uint32_t protocol;
  std::uint32_t msg_src_ip4;
  std::uint32_t msg_src_ip6[4];
  std::uint32_t padding;  // __bpf_md_ptr aligns sk to 8
  std::uint64_t sk;       // struct bpf_sock *
};
static_assert(sizeof(BpfSockAddr) == 72);
static_assert(offsetof(BpfSockAddr, user_port) == 24 && offsetof(BpfSockAddr, family) == 28);
static_assert(offsetof(BpfSockAddr, msg_src_ip4) == 40 && offsetof(BpfSockAddr, sk) == 64);

// The fields of `context` that come from `address` (the bytes of a struct sockaddr_in or _in6,
// read where the kernel's context accessors read them, whatever the family says) and from the
// socket; the rest zero. `sk` is left to the caller.
void fill_context(BpfSockAddr& context, const platform::SocketAddress& address,
                  const platform::SocketKind& kind);

// The program's rewrites back into `address`: the port, and user_ip4 (IPv4 hooks) or user_ip6
// (IPv6 hooks). Returns true when the address changed.
bool apply_context(const BpfSockAddr& context, bool ipv6_hook, platform::SocketAddress& address);

// struct bpf_sock as it shows a socket.
BpfSock socket_view(const platform::SocketKind& kind, const platform::SocketState& state);

inline bool is_inet(const platform::SocketKind& kind) {
  return kind.family == kAfInet || kind.family == kAfInet6;
}

// The family a struct sockaddr says it is (AF_UNSPEC when too short to say).
int family_of(const platform::SocketAddress& address);
// A struct sockaddr_in6 holding an IPv4-mapped address (::ffff:a.b.c.d).
bool is_v4_mapped(const platform::SocketAddress& address);
// The struct sockaddr_in of such an address (its IPv4 part and port), and back: the port and
// IPv4 address of `ipv4` put into `ipv6` as a mapped address.
platform::SocketAddress ipv4_of_mapped(const platform::SocketAddress& ipv6);
void put_mapped(const platform::SocketAddress& ipv4, platform::SocketAddress& ipv6);

// "10.0.0.1:80", "[::1]:443" (for messages).
std::string address_text(const platform::SocketAddress& address);

}  // namespace xbpf::hooks::sock
