// An ordinary UDP program for the socket hooks' end-to-end tests (tests/e2e/sock_e2e.sh): it
// knows nothing of xbpf, and is run with and without `xbpf cgroup run`. Each subcommand
// prints what happened, one fact a line.
//
//   serve ADDR PORT                  print "listening", then for each datagram "received FROM
//                                    TEXT", answered with "echo TEXT"
//   send ADDR PORT TEXT MODE [inet6] send TEXT (MODE sendto, sendmsg or sendmmsg: the
//                                    latter sends TEXT-1 and TEXT-2; mixed: sendmmsg of TEXT
//                                    and of TEXT to port 7), then receive the answers the
//                                    same way (recvfrom, recvmsg, recvmmsg): "sent N" or
//                                    "error NAME", then "reply FROM TEXT" for each (inet6: an
//                                    AF_INET6 socket even for an IPv4 address)
//   race ALLOWED DENIED COUNT        rounds of COUNT sendmsg to 127.0.0.1 while another
//                                    thread flips the port in the message between ALLOWED
//                                    and DENIED, both received here, until one was sent and
//                                    one to DENIED was refused or received (60 s at most):
//                                    "sent S refused R denied_received D"
// And the other sends a supervisor of sends carries out (TCP, AF_UNIX), from two threads:
//   stream BYTES                     BYTES through a TCP connection in one sendmsg of three
//                                    buffers: "stream sent N received N same yes"
//   rights                           a descriptor through an AF_UNIX socket (SCM_RIGHTS):
//                                    "rights ok"
//   pipe                             a send to a connection its peer closed: "pipe EPIPE
//                                    sigpipe 1" (the signal, as without supervision)
//   zerocopy                         setsockopt SO_ZEROCOPY: "zerocopy 0" or "zerocopy NAME"
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/time.h>
#include <unistd.h>

#include "sock_common.h"

static int udp_socket(int family) {
  const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  struct timeval wait = {30, 0};  // a reply that does not come ends the test, not a hang
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  return fd;
}

static int bound(const char* addr, const char* port) {
  struct sockaddr_storage address;
  const socklen_t length = parse_address(addr, port, 0, &address);
  const int fd = udp_socket(address.ss_family);
  const int size = 4 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (bind(fd, (struct sockaddr*)&address, length) != 0) die("bind");
  return fd;
}

static int serve(int argc, char** argv) {
  if (argc < 4) return 2;
  const int fd = bound(argv[2], argv[3]);
  struct timeval forever = {0, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof forever);
  printf("listening\n");
  for (;;) {
    char text[512], reply[600], from[80];
    struct sockaddr_storage peer;
    socklen_t length = sizeof peer;
    const ssize_t n = recvfrom(fd, text, sizeof text - 1, 0, (struct sockaddr*)&peer, &length);
    if (n < 0) die("recvfrom");
    text[n] = 0;
    printf("received %s %s\n", address_text(&peer, from, sizeof from), text);
    const int size = snprintf(reply, sizeof reply, "echo %s", text);
    sendto(fd, reply, (size_t)size, 0, (struct sockaddr*)&peer, length);
  }
}

static void print_reply(const struct sockaddr_storage* from, const char* data, ssize_t n) {
  char text[80];
  printf("reply %s %.*s\n", address_text(from, text, sizeof text), (int)n, data);
}

// The answers to `count` datagrams, received as `mode` says.
static void receive_replies(int fd, const char* mode, int count) {
  if (strcmp(mode, "sendmmsg") == 0) {
    for (int got = 0; got < count;) {
      char data[2][512];
      struct sockaddr_storage from[2];
      struct iovec parts[2] = {{data[0], sizeof data[0]}, {data[1], sizeof data[1]}};
      struct mmsghdr messages[2];
      memset(messages, 0, sizeof messages);
      for (int i = 0; i < 2; ++i) {
        messages[i].msg_hdr.msg_name = &from[i];
        messages[i].msg_hdr.msg_namelen = sizeof from[i];
        messages[i].msg_hdr.msg_iov = &parts[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      const int n = recvmmsg(fd, messages, (unsigned)(count - got), MSG_WAITFORONE, NULL);
      if (n <= 0) {
        printf("receive error %s\n", error_name(errno));
        return;
      }
      for (int i = 0; i < n; ++i) print_reply(&from[i], data[i], messages[i].msg_len);
      got += n;
    }
    return;
  }
  for (int i = 0; i < count; ++i) {
    char data[512], control[256];
    struct sockaddr_storage from;
    socklen_t length = sizeof from;
    ssize_t n;
    if (strcmp(mode, "sendmsg") == 0) {
      // Two buffers, and room for control messages: the data is scattered as the kernel does.
      struct iovec parts[2] = {{data, 3}, {data + 3, sizeof data - 3}};
      struct msghdr message = {&from, sizeof from, parts, 2, control, sizeof control, 0};
      n = recvmsg(fd, &message, 0);
    } else {
      n = recvfrom(fd, data, sizeof data, 0, (struct sockaddr*)&from, &length);
    }
    if (n < 0) {
      printf("receive error %s\n", error_name(errno));
      return;
    }
    print_reply(&from, data, n);
  }
}

static int send_command(int argc, char** argv) {
  if (argc < 6) return 2;
  struct sockaddr_storage address, denied;
  const socklen_t length = parse_address(argv[2], argv[3], argc > 6, &address);
  parse_address(argv[2], "7", argc > 6, &denied);
  char* text = argv[4];
  const char* mode = argv[5];
  const int fd = udp_socket(address.ss_family);
  const size_t size = strlen(text);
  int sent = 0, expected = 1;
  if (strcmp(mode, "sendto") == 0) {
    sent = sendto(fd, text, size, 0, (struct sockaddr*)&address, length) >= 0;
  } else if (strcmp(mode, "sendmsg") == 0) {
    struct iovec parts[2] = {{text, size / 2}, {text + size / 2, size - size / 2}};
    struct msghdr message = {&address, length, parts, 2, NULL, 0, 0};
    sent = sendmsg(fd, &message, 0) == (ssize_t)size;
  } else {
    char texts[2][256];
    struct iovec parts[2];
    struct mmsghdr messages[2];
    memset(messages, 0, sizeof messages);
    const int mixed = strcmp(mode, "mixed") == 0;
    for (int i = 0; i < 2; ++i) {
      snprintf(texts[i], sizeof texts[i], mixed ? "%s" : "%s-%d", text, i + 1);
      parts[i] = (struct iovec){texts[i], strlen(texts[i])};
      messages[i].msg_hdr.msg_name = mixed && i == 1 ? &denied : &address;
      messages[i].msg_hdr.msg_namelen = length;
      messages[i].msg_hdr.msg_iov = &parts[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    sent = sendmmsg(fd, messages, 2, 0);
    expected = sent;
    if (sent > 0) printf("sent %d\n", sent);
  }
  if (sent <= 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  if (strcmp(mode, "sendto") == 0 || strcmp(mode, "sendmsg") == 0) printf("sent %zu\n", size);
  receive_replies(fd, strcmp(mode, "mixed") == 0 ? "sendto" : mode, expected);
  return 0;
}

// ---- race: a thread flipping the destination while another sends ----

// The datagrams waiting at `fd`; the one that says "end" ends the wait when `until_end`.
static int drain(int fd, int until_end) {
  int count = 0;
  for (;;) {
    char data[8];
    const ssize_t n = recv(fd, data, sizeof data, until_end ? 0 : MSG_DONTWAIT);
    if (n < 0 && !until_end && (errno == EAGAIN || errno == EWOULDBLOCK)) return count;
    if (n < 0) die("recv");
    if (until_end && n == 3 && memcmp(data, "end", 3) == 0) return count;
    ++count;
  }
}

static int race(int argc, char** argv) {
  if (argc < 5) return 2;
  const int count = atoi(argv[4]);
  const int allowed = bound("127.0.0.1", argv[2]), denied = bound("127.0.0.1", argv[3]);
  const int fd = udp_socket(AF_INET);
  static struct sockaddr_in target;
  target.sin_family = AF_INET;
  target.sin_addr.s_addr = htonl(0x7f000001);
  struct port_flipper flipper = {
      .address = &target,
      .ports = {htons((uint16_t)atoi(argv[2])), htons((uint16_t)atoi(argv[3]))}};
  target.sin_port = flipper.ports[0];
  start_flipper(&flipper);
  int sent = 0, refused = 0, denied_received = 0;
  // Until one was sent and one to DENIED was either refused or received; the queues are
  // emptied after each round so that they never overflow.
  const double deadline = seconds_now() + RACE_SECONDS;
  do {
    for (int i = 0; i < count; ++i) {
      char byte = 'x';
      struct iovec part = {&byte, 1};
      struct msghdr message = {&target, sizeof target, &part, 1, NULL, 0, 0};
      if (sendmsg(fd, &message, 0) == 1) {
        ++sent;
      } else if (errno == EPERM) {
        ++refused;
      }
    }
    drain(allowed, 0);
    denied_received += drain(denied, 0);
  } while (!(sent > 0 && (refused > 0 || denied_received > 0)) && seconds_now() < deadline);
  stop_flipper(&flipper);
  // An end mark to the allowed port; what reached the denied one before it is there too
  // (loopback delivers in order), or in its queue.
  struct sockaddr_in end = target;
  end.sin_port = flipper.ports[0];
  sendto(fd, "end", 3, 0, (struct sockaddr*)&end, sizeof end);
  drain(allowed, 1);
  denied_received += drain(denied, 0);
  printf("sent %d refused %d denied_received %d\n", sent, refused, denied_received);
  return 0;
}

// ---- other sockets' sends, from a process with a second thread ----

static void* idle(void* unused) {
  for (;;) pause();
  return unused;
}

static void second_thread(void) {
  pthread_t thread;
  pthread_create(&thread, NULL, idle, NULL);
}

static int tcp_pair(int* client) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in address = {AF_INET, 0, {htonl(0x7f000001)}, {0}};
  socklen_t length = sizeof address;
  if (bind(listener, (struct sockaddr*)&address, length) != 0 || listen(listener, 1) != 0)
    die("listen");
  getsockname(listener, (struct sockaddr*)&address, &length);
  *client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(*client, (struct sockaddr*)&address, length) != 0) die("connect");
  const int server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  close(listener);
  return server;
}

static size_t stream_bytes;
static void* stream_reader(void* server) {
  static char buffer[65536];
  size_t total = 0, mismatches = 0;
  for (;;) {
    const ssize_t n = read((int)(intptr_t)server, buffer, sizeof buffer);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i) mismatches += buffer[i] != (char)((total + (size_t)i) % 251);
    total += (size_t)n;
  }
  printf("stream sent %zu received %zu same %s\n", stream_bytes, total, mismatches ? "no" : "yes");
  return NULL;
}

static int stream(int argc, char** argv) {
  if (argc < 3) return 2;
  const size_t size = (size_t)atol(argv[2]);
  char* data = malloc(size);
  for (size_t i = 0; i < size; ++i) data[i] = (char)(i % 251);
  int client = -1;
  const int server = tcp_pair(&client);
  pthread_t reader;
  pthread_create(&reader, NULL, stream_reader, (void*)(intptr_t)server);
  struct iovec parts[3] = {{data, size / 3},
                           {data + size / 3, size / 3},
                           {data + 2 * (size / 3), size - 2 * (size / 3)}};
  struct msghdr message = {NULL, 0, parts, 3, NULL, 0, 0};
  for (size_t done = 0; done < size;) {
    const ssize_t n = sendmsg(client, &message, 0);
    if (n < 0) die("sendmsg");
    done += (size_t)n;
    for (size_t skip = (size_t)n; skip > 0 && message.msg_iovlen > 0;) {  // a short send
      const size_t step = skip < message.msg_iov->iov_len ? skip : message.msg_iov->iov_len;
      message.msg_iov->iov_base = (char*)message.msg_iov->iov_base + step;
      message.msg_iov->iov_len -= step;
      skip -= step;
      if (message.msg_iov->iov_len == 0) {
        ++message.msg_iov;
        --message.msg_iovlen;
      }
    }
  }
  stream_bytes = size;
  shutdown(client, SHUT_WR);
  pthread_join(reader, NULL);
  return 0;
}

static int rights(void) {
  second_thread();
  int pair[2], pipe_ends[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0 || pipe(pipe_ends) != 0)
    die("socketpair");
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  char byte = 'r';
  struct iovec part = {&byte, 1};
  struct msghdr message = {NULL, 0, &part, 1, control, sizeof control, 0};
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &pipe_ends[1], sizeof(int));
  if (sendmsg(pair[0], &message, 0) != 1) die("sendmsg");
  close(pipe_ends[1]);
  memset(control, 0, sizeof control);
  message.msg_controllen = sizeof control;
  if (recvmsg(pair[1], &message, 0) != 1) die("recvmsg");
  header = CMSG_FIRSTHDR(&message);
  int passed = -1;
  if (header && header->cmsg_type == SCM_RIGHTS) memcpy(&passed, CMSG_DATA(header), sizeof passed);
  if (passed < 0 || write(passed, "ok", 2) != 2) die("the passed descriptor");
  close(passed);
  char text[3] = {0};
  printf("rights %s\n", read(pipe_ends[0], text, 2) == 2 ? text : "lost");
  return 0;
}

static atomic_int sigpipes;
static void on_sigpipe(int signal_number) {
  (void)signal_number;
  atomic_fetch_add(&sigpipes, 1);
}

static int broken_pipe(void) {
  second_thread();
  signal(SIGPIPE, on_sigpipe);
  int client = -1;
  const int server = tcp_pair(&client);
  close(server);
  int error = 0;
  for (int i = 0; i < 100 && error == 0; ++i) {  // the first send may still be accepted
    char byte = 'p';
    struct iovec part = {&byte, 1};
    struct msghdr message = {NULL, 0, &part, 1, NULL, 0, 0};
    if (sendmsg(client, &message, 0) < 0) error = errno;
    if (error == 0) usleep(10000);
  }
  printf("pipe %s sigpipe %d\n", error_name(error), atomic_load(&sigpipes));
  return 0;
}

static int zerocopy(void) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  printf("zerocopy %s\n", setsockopt(fd, SOL_SOCKET, 60 /* SO_ZEROCOPY */, &on, sizeof on) == 0
                              ? "0"
                              : error_name(errno));
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fprintf(stderr, "usage: sock_udp_app COMMAND ... (see the source)\n");
    return 2;
  }
  if (strcmp(argv[1], "serve") == 0) return serve(argc, argv);
  if (strcmp(argv[1], "send") == 0) return send_command(argc, argv);
  if (strcmp(argv[1], "race") == 0) return race(argc, argv);
  if (strcmp(argv[1], "stream") == 0) return stream(argc, argv);
  if (strcmp(argv[1], "rights") == 0) return rights();
  if (strcmp(argv[1], "pipe") == 0) return broken_pipe();
  if (strcmp(argv[1], "zerocopy") == 0) return zerocopy();
  fprintf(stderr, "unknown command %s\n", argv[1]);
  return 2;
}
