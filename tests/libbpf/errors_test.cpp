// libbpf 1.0's conventions: texts, error returns, the print callback, opts sizes.
#include "libbpf_test_util.h"

namespace xbpf::libbpf_test {
namespace {

TEST(LibbpfErrors, StrerrorGivesLibbpfTextsAndTheCLibrarysOthers) {
  char buffer[128];
  EXPECT_EQ(libbpf_strerror(-LIBBPF_ERRNO__VERIFY, buffer, sizeof buffer), 0);
  EXPECT_STREQ(buffer, "Kernel verifier blocks program loading");
  EXPECT_EQ(libbpf_strerror(LIBBPF_ERRNO__FORMAT, buffer, sizeof buffer), 0);
  EXPECT_STREQ(buffer, "BPF object format invalid");
  EXPECT_EQ(libbpf_strerror(LIBBPF_ERRNO__PROG2BIG, buffer, sizeof buffer), 0);
  EXPECT_STREQ(buffer, "Program too big");
  EXPECT_EQ(libbpf_strerror(-ENOENT, buffer, sizeof buffer), 0);
  EXPECT_STREQ(buffer, "No such file or directory");
  // Past libbpf's codes: "Unknown libbpf error N" and -ENOENT.
  EXPECT_EQ(libbpf_strerror(4100, buffer, sizeof buffer), -ENOENT);
  EXPECT_STREQ(buffer, "Unknown libbpf error 4100");
  // Too small a buffer for a libbpf text: truncated, -ERANGE.
  char small[8];
  EXPECT_EQ(libbpf_strerror(LIBBPF_ERRNO__RELOC, small, sizeof small), -ERANGE);
  EXPECT_EQ(errno, ERANGE);
  EXPECT_STREQ(small, "Relocat");
  EXPECT_EQ(libbpf_strerror(1, nullptr, 0), -EINVAL);
  EXPECT_EQ(errno, EINVAL);
}

TEST(LibbpfErrors, GetErrorReadsErrnoForNull) {
  errno = ENOENT;
  EXPECT_EQ(libbpf_get_error(nullptr), -ENOENT);
  int value = 0;
  EXPECT_EQ(libbpf_get_error(&value), 0);
  // An ERR_PTR-style pointer (libbpf 0.x) still gives its code.
  EXPECT_EQ(libbpf_get_error(reinterpret_cast<void*>(static_cast<std::intptr_t>(-EPERM))), -EPERM);
  EXPECT_EQ(errno, EPERM);
}

TEST(LibbpfErrors, FailuresReturnMinusErrnoAndSetErrno) {
  errno = 0;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_HASH, "bad", 0, 8, 1, nullptr), -EINVAL);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(bpf_object__open("/nonexistent/object.o"), nullptr);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(libbpf_get_error(nullptr), -ENOENT);
}

TEST(LibbpfErrors, VersionIsLibbpfs) {
  EXPECT_EQ(libbpf_major_version(), 1U);
  EXPECT_EQ(libbpf_minor_version(), 1U);
  EXPECT_STREQ(libbpf_version_string(), "v1.1");
  EXPECT_EQ(libbpf_set_strict_mode(LIBBPF_STRICT_ALL), 0);
  EXPECT_EQ(libbpf_set_memlock_rlim(1 << 20), 0);
}

TEST(LibbpfErrors, PrintCallbackGetsLevelsAndSetPrintReturnsThePrevious) {
  PrintCapture capture;
  EXPECT_EQ(bpf_object__open("/nonexistent/object.o"), nullptr);
  EXPECT_NE(capture.warnings().find("libbpf: elf: failed to open /nonexistent/object.o"),
            std::string::npos)
      << capture.all();
  EXPECT_NE(capture.all().find("libbpf: loading object from /nonexistent/object.o"),
            std::string::npos);
  EXPECT_EQ(capture.warnings().find("loading"), std::string::npos);  // DEBUG, not WARN
  // NULL silences it; setting it back returns what was set.
  libbpf_print_fn_t ours = libbpf_set_print(nullptr);
  EXPECT_NE(ours, nullptr);
  EXPECT_EQ(libbpf_set_print(ours), nullptr);
}

TEST(LibbpfErrors, OptsMayBeSmallerOrLargerWithAZeroTail) {
  struct {
    bpf_map_create_opts opts;
    char tail[16];
  } larger{};
  larger.opts.sz = sizeof larger;
  int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "larger", 4, 4, 1, &larger.opts);
  EXPECT_GE(fd, 0) << "errno " << errno;
  close(fd);
  larger.tail[3] = 1;
  PrintCapture capture;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_ARRAY, "larger", 4, 4, 1, &larger.opts), -EINVAL);
  EXPECT_NE(capture.warnings().find("bpf_map_create_opts has non-zero extra bytes"),
            std::string::npos);
  // An older caller's struct ends before map_flags: the flags are not read.
  bpf_map_create_opts older{};
  older.map_flags = 0xdead;  // past sz: ignored
  older.sz = offsetof(bpf_map_create_opts, inner_map_fd);
  fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "older", 4, 4, 1, &older);
  EXPECT_GE(fd, 0) << "errno " << errno;
  close(fd);
  bpf_map_create_opts tiny{};
  tiny.sz = 4;
  EXPECT_EQ(bpf_map_create(BPF_MAP_TYPE_ARRAY, "tiny", 4, 4, 1, &tiny), -EINVAL);
  EXPECT_NE(capture.warnings().find("bpf_map_create_opts size (4) is too small"),
            std::string::npos);
}

}  // namespace
}  // namespace xbpf::libbpf_test
