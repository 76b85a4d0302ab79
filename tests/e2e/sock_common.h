// What the socket hooks' test programs (sock_app.c, sock_udp_app.c) share: errno names,
// addresses from text and as text, the races' port flipper.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

// Built with the sanitizers (the asan preset), these programs run without LeakSanitizer: its
// exit-time check clones a tracer thread sharing the descriptor table (CLONE_FILES without
// CLONE_THREAD), which the supervision's seccomp filter refuses, so the check would abort a
// supervised process (exit 134) however clean it is. AddressSanitizer itself keeps working.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SOCK_APP_WITH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(SOCK_APP_WITH_ASAN)
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return 1; }
#endif

static inline const char* error_name(int error) {
  switch (error) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EINTR: return "EINTR";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETUNREACH: return "ENETUNREACH";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOSYS: return "ENOSYS";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EAGAIN: return "EAGAIN";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    default: return "OTHER";
  }
}

static inline void die(const char* what) {
  printf("fatal %s %s\n", what, error_name(errno));
  exit(2);
}

// ADDR PORT as a sockaddr: IPv4 or IPv6 text; with `inet6`, IPv4 as ::ffff:a.b.c.d.
static inline socklen_t parse_address(const char* text, const char* port, int inet6,
                                      struct sockaddr_storage* out) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in* in4 = (struct sockaddr_in*)out;
  struct sockaddr_in6* in6 = (struct sockaddr_in6*)out;
  struct in_addr v4;
  if (inet_pton(AF_INET, text, &v4) == 1 && !inet6) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)atoi(port));
    in4->sin_addr = v4;
    return sizeof *in4;
  }
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons((uint16_t)atoi(port));
  if (inet_pton(AF_INET, text, &v4) == 1) {
    in6->sin6_addr.s6_addr[10] = 0xff;
    in6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&in6->sin6_addr.s6_addr[12], &v4, 4);
  } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) != 1) {
    fprintf(stderr, "not an address: %s\n", text);
    exit(2);
  }
  return sizeof *in6;
}

static inline const char* address_text(const struct sockaddr_storage* address, char* out,
                                       size_t size) {
  char ip[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (address->ss_family == AF_INET) {
    const struct sockaddr_in* in4 = (const struct sockaddr_in*)address;
    inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof ip);
    port = ntohs(in4->sin_port);
    snprintf(out, size, "%s:%u", ip, port);
  } else {
    const struct sockaddr_in6* in6 = (const struct sockaddr_in6*)address;
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
    port = ntohs(in6->sin6_port);
    snprintf(out, size, "[%s]:%u", ip, port);
  }
  return out;
}

static inline double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

// How long a race goes on for want of both outcomes: on a loaded machine the flipping thread
// may get no processor for a whole round of calls, so a race is rounds of calls until each
// outcome was seen, not a count.
#define RACE_SECONDS 60.0

// A thread flipping `address->sin_port` between `ports` (network order) until stopped.
struct port_flipper {
  struct sockaddr_in* address;
  uint16_t ports[2];
  atomic_int started, stop;
  pthread_t thread;
};

static void* flip_ports(void* argument) {
  struct port_flipper* flipper = argument;
  atomic_store(&flipper->started, 1);
  while (!atomic_load_explicit(&flipper->stop, memory_order_relaxed)) {
    // Volatile stores, so that each value sits in memory for some time.
    *(volatile uint16_t*)&flipper->address->sin_port = flipper->ports[0];
    for (int i = 0; i < 50; ++i) __asm__ volatile("" ::: "memory");
    *(volatile uint16_t*)&flipper->address->sin_port = flipper->ports[1];
    for (int i = 0; i < 50; ++i) __asm__ volatile("" ::: "memory");
  }
  return NULL;
}

// Starts the flipper, and returns once it runs.
static inline void start_flipper(struct port_flipper* flipper) {
  if (pthread_create(&flipper->thread, NULL, flip_ports, flipper) != 0) die("pthread_create");
  while (!atomic_load(&flipper->started)) sched_yield();
}

static inline void stop_flipper(struct port_flipper* flipper) {
  atomic_store(&flipper->stop, 1);
  pthread_join(flipper->thread, NULL);
}
