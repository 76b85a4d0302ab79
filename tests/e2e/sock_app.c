// An ordinary Linux network program for the socket hooks' end-to-end tests
// (tests/e2e/sock_e2e.sh) and benchmark (bench/run_sock_bench.sh): it knows nothing of xbpf,
// and is run with and without `xbpf cgroup run`. Each subcommand prints what happened, one
// fact a line, for the scripts to check.
//
//   serve ADDR PORT [COUNT]          listen, print "listening", then for each of COUNT (0: no
//                                    end) connections print "accepted PEER" and send
//                                    "hello from PORT"
//   connect ADDR PORT [inet6]        connect (inet6: an AF_INET6 socket even for an IPv4
//                                    address, which becomes ::ffff:a.b.c.d), print "connected
//                                    PEER" (getpeername) and the line the server sends, or
//                                    "error NAME"
//   bind ADDR PORT                   bind, print "bound LOCAL" (getsockname) or "error NAME"
//   race ALLOWED DENIED COUNT        rounds of COUNT connects to 127.0.0.1 while another
//                                    thread flips the port in the address between ALLOWED
//                                    and DENIED, until one connected and one to DENIED was
//                                    refused or accepted (60 s at most); print what connected
//                                    where ("denied_accepts N" must be 0 under a policy
//                                    refusing DENIED)
//   forkserver PORT COUNT            serve COUNT connections, each in a child (half of them
//                                    exec'd again as "probe") that tries connect 127.0.0.1:7
//                                    and bind 127.0.0.1:9 and sends the results to the client
//   probe                            those two calls; prints "probe connect=E bind=E"
//   nonblock ADDR PORT [nowait]      a non-blocking connect: "started NAME", then (unless
//                                    nowait), after poll(), "so_error NAME"
//   interrupt ADDR PORT              a blocking connect interrupted by SIGALRM after 200 ms
//                                    (no SA_RESTART): "error EINTR"
//   exit-mid-connect ADDR PORT       a thread blocks in connect; once it is in the call, the
//                                    process exits
//   flood ADDR PORT THREADS EACH     THREADS threads, EACH blocking connects each, reading
//                                    the greeting: "ok N failed M"
//   burst ADDR PORT COUNT            COUNT non-blocking connects in flight at once: "ok N
//                                    failed M"
//   bench connect|bind ADDR PORT COUNT THREADS
//                                    COUNT calls per thread: "median_ns N p90_ns N
//                                    calls_per_s N" (connect: thread i to a listener of its
//                                    own at PORT + i, in this process; bind: to port 0)
//   sockopts ADDR PORT               connect, then print SO_MARK, SO_COOKIE and
//                                    SO_NETNS_COOKIE of the socket and its local address
//   io_uring                         io_uring_setup: "io_uring ok" or "error NAME"
//   fastopen ADDR PORT               a TCP Fast Open send (sendto with MSG_FASTOPEN, which
//                                    connects): "sent" or "error NAME"
//   unix DIR single|threads          in DIR, a listener at the relative path "s.sock" and a
//                                    connect to it, from one thread or with another thread
//                                    running: "unix ok PEER_UID" (SO_PEERCRED)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sock_common.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static int listen_on(const char* addr, const char* port) {
  struct sockaddr_storage address;
  const socklen_t length = parse_address(addr, port, 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, length) != 0) die("bind");
  if (listen(fd, 4096) != 0) die("listen");
  return fd;
}

static int serve(int argc, char** argv) {
  if (argc < 4) return 2;
  const int count = argc > 4 ? atoi(argv[4]) : 0;
  const int fd = listen_on(argv[2], argv[3]);
  printf("listening\n");
  fflush(stdout);
  char greeting[64];
  const int size = snprintf(greeting, sizeof greeting, "hello from %s\n", argv[3]);
  for (int served = 0; count == 0 || served < count; ++served) {
    struct sockaddr_storage peer;
    socklen_t length = sizeof peer;
    const int client = accept4(fd, (struct sockaddr*)&peer, &length, SOCK_CLOEXEC);
    if (client < 0) die("accept");
    char text[80];
    printf("accepted %s\n", address_text(&peer, text, sizeof text));
    fflush(stdout);
    (void)!write(client, greeting, (size_t)size);
    close(client);
  }
  return 0;
}

// The first line the peer sends (up to 255 bytes).
static void read_line(int fd, char* out, size_t size) {
  size_t used = 0;
  while (used + 1 < size) {
    const ssize_t n = read(fd, out + used, 1);
    if (n <= 0 || out[used] == '\n') break;
    ++used;
  }
  out[used] = 0;
}

static int connect_command(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], argc > 4, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (connect(fd, (struct sockaddr*)&address, length) != 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  struct sockaddr_storage peer;
  socklen_t peer_length = sizeof peer;
  getpeername(fd, (struct sockaddr*)&peer, &peer_length);
  char text[80], line[256];
  printf("connected %s\n", address_text(&peer, text, sizeof text));
  read_line(fd, line, sizeof line);
  printf("greeting %s\n", line);
  return 0;
}

static int bind_command(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (bind(fd, (struct sockaddr*)&address, length) != 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  struct sockaddr_storage local;
  socklen_t local_length = sizeof local;
  getsockname(fd, (struct sockaddr*)&local, &local_length);
  char text[80];
  printf("bound %s\n", address_text(&local, text, sizeof text));
  return 0;
}

// ---- race: a thread rewrites the address while connects use it ----

static atomic_int accepted[2];
static int race_listeners[2];

static void* count_accepts(void* which) {
  const int index = (int)(intptr_t)which;
  for (;;) {
    const int client = accept4(race_listeners[index], NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) return NULL;
    atomic_fetch_add(&accepted[index], 1);
    close(client);
  }
}

static int race(int argc, char** argv) {
  if (argc < 5) return 2;
  const int count = atoi(argv[4]);
  race_listeners[0] = listen_on("127.0.0.1", argv[2]);
  race_listeners[1] = listen_on("127.0.0.1", argv[3]);
  static struct sockaddr_in address;
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct port_flipper flipper = {
      .address = &address,
      .ports = {htons((uint16_t)atoi(argv[2])), htons((uint16_t)atoi(argv[3]))}};
  address.sin_port = flipper.ports[1];
  pthread_t threads[2];
  pthread_create(&threads[0], NULL, count_accepts, (void*)0);
  pthread_create(&threads[1], NULL, count_accepts, (void*)1);
  start_flipper(&flipper);
  int connected = 0, refused = 0, other = 0;
  // Until a connect succeeded and one to DENIED was either refused or accepted.
  const double deadline = seconds_now() + RACE_SECONDS;
  do {
    for (int i = 0; i < count; ++i) {
      const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect(fd, (struct sockaddr*)&address, sizeof address) == 0) {
        ++connected;
      } else if (errno == EPERM) {
        ++refused;
      } else {
        ++other;
      }
      close(fd);
    }
  } while (!(connected > 0 && (refused > 0 || atomic_load(&accepted[1]) > 0)) &&
           seconds_now() < deadline);
  stop_flipper(&flipper);
  // Every accepted connection is counted once its connect returned: wait for the counts.
  const double counted = seconds_now() + RACE_SECONDS;
  while (atomic_load(&accepted[0]) + atomic_load(&accepted[1]) < connected &&
         seconds_now() < counted)
    usleep(1000);
  printf("connected %d refused %d other %d\n", connected, refused, other);
  printf("allowed_accepts %d denied_accepts %d\n", atomic_load(&accepted[0]),
         atomic_load(&accepted[1]));
  return 0;
}

// ---- forkserver, probe: children stay supervised ----

static int probe(void) {
  struct sockaddr_storage address;
  socklen_t length = parse_address("127.0.0.1", "7", 0, &address);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int connected = connect(fd, (struct sockaddr*)&address, length) == 0 ? 0 : errno;
  close(fd);
  length = parse_address("127.0.0.1", "9", 0, &address);
  fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int bound = bind(fd, (struct sockaddr*)&address, length) == 0 ? 0 : errno;
  close(fd);
  printf("probe pid %d connect=%s bind=%s\n", (int)getpid(), error_name(connected),
         error_name(bound));
  fflush(stdout);
  return 0;
}

static int forkserver(int argc, char** argv) {
  if (argc < 4) return 2;
  const int count = atoi(argv[3]);
  const int fd = listen_on("127.0.0.1", argv[2]);
  printf("listening\n");
  fflush(stdout);
  for (int served = 0; served < count; ++served) {
    const int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) die("accept");
    const pid_t child = fork();
    if (child == 0) {
      dup2(client, STDOUT_FILENO);
      if (served % 2 == 1) execl("/proc/self/exe", "sock_app", "probe", (char*)NULL);
      _exit(probe());
    }
    close(client);
    waitpid(child, NULL, 0);
  }
  return 0;
}

// ---- nonblock, interrupt, exit-mid-connect ----

static int nonblock(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int started = connect(fd, (struct sockaddr*)&address, length) == 0 ? 0 : errno;
  printf("started %s\n", error_name(started));
  if (argc > 4) return 0;
  if (started == EINPROGRESS) {
    struct pollfd waiting = {fd, POLLOUT, 0};
    poll(&waiting, 1, 30000);
  }
  int error = 0;
  socklen_t size = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  printf("so_error %s\n", error_name(error));
  return 0;
}

static void on_alarm(int signal) { (void)signal; }

static int interrupt(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;  // no SA_RESTART: the call ends with EINTR
  sigaction(SIGALRM, &action, NULL);
  struct itimerval timer = {{0, 0}, {0, 200000}};
  setitimer(ITIMER_REAL, &timer, NULL);
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, (struct sockaddr*)&address, length) == 0) {
    printf("connected\n");
    return 1;
  }
  printf("error %s\n", error_name(errno));
  return 0;
}

static struct sockaddr_storage blocked_address;
static socklen_t blocked_length;
static atomic_int blocked_tid;

static void* connect_and_block(void* unused) {
  (void)unused;
  atomic_store(&blocked_tid, (int)syscall(SYS_gettid));
  const int fd = socket(blocked_address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  connect(fd, (struct sockaddr*)&blocked_address, blocked_length);
  return NULL;
}

// True once thread `tid` of this process waits in connect (42 on x86-64, 203 on arm64).
static int in_connect(int tid) {
  char path[64], text[64] = {0};
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
  FILE* file = fopen(path, "r");
  if (!file) return 0;
  const int read = fgets(text, sizeof text, file) != NULL;
  fclose(file);
  return read && (atoi(text) == SYS_connect);
}

static int exit_mid_connect(int argc, char** argv) {
  if (argc < 4) return 2;
  blocked_length = parse_address(argv[2], argv[3], 0, &blocked_address);
  pthread_t thread;
  pthread_create(&thread, NULL, connect_and_block, NULL);
  for (int spins = 0; spins < 10000000; ++spins) {
    const int tid = atomic_load(&blocked_tid);
    if (tid != 0 && in_connect(tid)) {
      printf("exiting while thread %d waits in connect\n", tid);
      fflush(stdout);
      _exit(0);
    }
    sched_yield();
  }
  printf("the thread never reached connect\n");
  return 1;
}

// ---- flood, burst: many connects at once ----

static struct sockaddr_storage target;
static socklen_t target_length;
static atomic_int flood_ok, flood_failed;
static int flood_each;

static void* flood_thread(void* unused) {
  (void)unused;
  for (int i = 0; i < flood_each; ++i) {
    const int fd = socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char line[64];
    if (connect(fd, (struct sockaddr*)&target, target_length) == 0) {
      read_line(fd, line, sizeof line);
      atomic_fetch_add(strncmp(line, "hello", 5) == 0 ? &flood_ok : &flood_failed, 1);
    } else {
      atomic_fetch_add(&flood_failed, 1);
    }
    close(fd);
  }
  return NULL;
}

static int flood(int argc, char** argv) {
  if (argc < 6) return 2;
  target_length = parse_address(argv[2], argv[3], 0, &target);
  const int threads = atoi(argv[4]);
  flood_each = atoi(argv[5]);
  pthread_t* ids = calloc((size_t)threads, sizeof *ids);
  for (int i = 0; i < threads; ++i) pthread_create(&ids[i], NULL, flood_thread, NULL);
  for (int i = 0; i < threads; ++i) pthread_join(ids[i], NULL);
  printf("ok %d failed %d\n", atomic_load(&flood_ok), atomic_load(&flood_failed));
  free(ids);
  return 0;
}

static int burst(int argc, char** argv) {
  if (argc < 5) return 2;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &target);
  const int count = atoi(argv[4]);
  struct pollfd* fds = calloc((size_t)count, sizeof *fds);
  int ok = 0, failed = 0;
  for (int i = 0; i < count; ++i) {
    fds[i].fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    fds[i].events = POLLOUT;
    if (fds[i].fd < 0) die("socket");
    if (connect(fds[i].fd, (struct sockaddr*)&target, length) != 0 && errno != EINPROGRESS) {
      ++failed;
      close(fds[i].fd);
      fds[i].fd = -1;
    }
  }
  for (int left = count - failed; left > 0;) {
    if (poll(fds, (nfds_t)count, 30000) <= 0) break;
    for (int i = 0; i < count; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      int error = 0;
      socklen_t size = sizeof error;
      getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &size);
      if (error == 0)
        ++ok;
      else
        ++failed;
      close(fds[i].fd);
      fds[i].fd = -1;
      --left;
    }
  }
  printf("ok %d failed %d\n", ok, failed);
  free(fds);
  return 0;
}

// ---- bench: latency of connect or bind, from THREADS threads ----

static int bench_bind;
static int bench_count;
static uint64_t* bench_samples;  // per call, ns
static atomic_int bench_ready;
static atomic_int bench_go;

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// Each thread connects to a listener of its own (PORT + thread) and accepts the connection
// itself, so that no acceptor thread competes with the connecting ones for the CPUs.
static void* bench_thread(void* which) {
  const int index = (int)(intptr_t)which;
  uint64_t* samples = bench_samples + (size_t)index * (size_t)bench_count;
  struct sockaddr_storage address = target;
  int listener = -1;
  if (bench_bind) {
    ((struct sockaddr_in*)&address)->sin_port = 0;
  } else {
    const uint16_t port = (uint16_t)(ntohs(((struct sockaddr_in*)&target)->sin_port) + index);
    ((struct sockaddr_in*)&address)->sin_port = htons(port);
    char text[16];
    snprintf(text, sizeof text, "%u", port);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in*)&target)->sin_addr, ip, sizeof ip);
    listener = listen_on(ip, text);
  }
  atomic_fetch_add(&bench_ready, 1);
  while (!atomic_load(&bench_go)) sched_yield();
  for (int i = 0; i < bench_count; ++i) {
    const int fd = socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const uint64_t start = now_ns();
    const int done = bench_bind ? bind(fd, (struct sockaddr*)&address, target_length)
                                : connect(fd, (struct sockaddr*)&address, target_length);
    samples[i] = now_ns() - start;
    if (done != 0) die(bench_bind ? "bind" : "connect");
    if (listener >= 0) {
      const int peer = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
      if (peer >= 0) close(peer);
    }
    close(fd);
  }
  return NULL;
}

static int compare_u64(const void* a, const void* b) {
  const uint64_t x = *(const uint64_t*)a, y = *(const uint64_t*)b;
  return x < y ? -1 : x > y;
}

static int bench(int argc, char** argv) {
  if (argc < 7) return 2;
  bench_bind = strcmp(argv[2], "bind") == 0;
  target_length = parse_address(argv[3], argv[4], 0, &target);
  bench_count = atoi(argv[5]);
  const int threads = atoi(argv[6]);
  bench_samples = calloc((size_t)threads * (size_t)bench_count, sizeof *bench_samples);
  pthread_t* ids = calloc((size_t)threads, sizeof *ids);
  for (int i = 0; i < threads; ++i) pthread_create(&ids[i], NULL, bench_thread, (void*)(intptr_t)i);
  while (atomic_load(&bench_ready) < threads) sched_yield();
  const uint64_t start = now_ns();
  atomic_store(&bench_go, 1);
  for (int i = 0; i < threads; ++i) pthread_join(ids[i], NULL);
  const uint64_t elapsed = now_ns() - start;
  const size_t total = (size_t)threads * (size_t)bench_count;
  qsort(bench_samples, total, sizeof *bench_samples, compare_u64);
  printf("median_ns %llu p90_ns %llu calls_per_s %llu\n",
         (unsigned long long)bench_samples[total / 2],
         (unsigned long long)bench_samples[total * 9 / 10],
         (unsigned long long)(total * 1000000000ull / (elapsed ? elapsed : 1)));
  return 0;
}

// ---- sockopts: what a connect program set on the socket ----

static int sockopts(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, (struct sockaddr*)&address, length) != 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  int mark = 0;
  uint64_t cookie = 0, netns = 0;
  socklen_t size = sizeof mark;
  getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &size);
  size = sizeof cookie;
  getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &size);
  size = sizeof netns;
  getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &netns, &size);
  struct sockaddr_storage local;
  socklen_t local_length = sizeof local;
  getsockname(fd, (struct sockaddr*)&local, &local_length);
  char text[80];
  printf("mark %d\ncookie %llu\nnetns_cookie %llu\nlocal %s\nuid %u\n", mark,
         (unsigned long long)cookie, (unsigned long long)netns,
         address_text(&local, text, sizeof text), (unsigned)getuid());
  return 0;
}

// ---- io_uring, fastopen: what would get around the hook is refused ----

static int io_uring(void) {
  uint32_t params[30];  // struct io_uring_params (120 bytes)
  memset(params, 0, sizeof params);
  const long fd = syscall(425 /* io_uring_setup */, 4, params);
  if (fd < 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  printf("io_uring ok\n");
  close((int)fd);
  return 0;
}

static int fastopen(int argc, char** argv) {
  if (argc < 4) return 2;
  struct sockaddr_storage address;
  const socklen_t length = parse_address(argv[2], argv[3], 0, &address);
  const int fd = socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sendto(fd, "x", 1, MSG_FASTOPEN, (struct sockaddr*)&address, length) < 0) {
    printf("error %s\n", error_name(errno));
    return 1;
  }
  printf("sent\n");
  return 0;
}

// ---- unix: AF_UNIX sockets keep working, relative paths included ----

static void* idle_thread(void* unused) {
  (void)unused;
  pause();
  return NULL;
}

static int unix_command(int argc, char** argv) {
  if (argc < 4) return 2;
  if (chdir(argv[2]) != 0) die("chdir");
  if (strcmp(argv[3], "threads") == 0) {
    pthread_t thread;
    pthread_create(&thread, NULL, idle_thread, NULL);
  }
  struct sockaddr_un address;
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  strcpy(address.sun_path, "s.sock");
  unlink("s.sock");
  const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (bind(listener, (struct sockaddr*)&address, sizeof address) != 0) die("unix bind");
  if (listen(listener, 1) != 0) die("unix listen");
  const int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(client, (struct sockaddr*)&address, sizeof address) != 0) die("unix connect");
  const int server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  struct ucred peer;
  socklen_t size = sizeof peer;
  if (server < 0 || getsockopt(server, SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0)
    die("unix accept");
  printf("unix ok %u\n", (unsigned)peer.uid);
  unlink("s.sock");
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fprintf(stderr, "usage: sock_app COMMAND ... (see the source)\n");
    return 2;
  }
  const char* command = argv[1];
  if (strcmp(command, "serve") == 0) return serve(argc, argv);
  if (strcmp(command, "connect") == 0) return connect_command(argc, argv);
  if (strcmp(command, "bind") == 0) return bind_command(argc, argv);
  if (strcmp(command, "race") == 0) return race(argc, argv);
  if (strcmp(command, "forkserver") == 0) return forkserver(argc, argv);
  if (strcmp(command, "probe") == 0) return probe();
  if (strcmp(command, "nonblock") == 0) return nonblock(argc, argv);
  if (strcmp(command, "interrupt") == 0) return interrupt(argc, argv);
  if (strcmp(command, "exit-mid-connect") == 0) return exit_mid_connect(argc, argv);
  if (strcmp(command, "flood") == 0) return flood(argc, argv);
  if (strcmp(command, "burst") == 0) return burst(argc, argv);
  if (strcmp(command, "bench") == 0) return bench(argc, argv);
  if (strcmp(command, "sockopts") == 0) return sockopts(argc, argv);
  if (strcmp(command, "io_uring") == 0) return io_uring();
  if (strcmp(command, "fastopen") == 0) return fastopen(argc, argv);
  if (strcmp(command, "unix") == 0) return unix_command(argc, argv);
  fprintf(stderr, "unknown command %s\n", command);
  return 2;
}
