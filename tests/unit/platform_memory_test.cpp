// Low memory (src/platform/platform.h): packets live there because xdp_md and __sk_buff hold
// 32-bit packet pointers. allocate_low_huge() is the block for a ring of packet frames.
#include <gtest/gtest.h>

#include <cstdint>

#include "platform/platform.h"

namespace xbpf::platform {
namespace {

TEST(PlatformMemory, LowHugeBlocksAreBelow4GiBZeroedAndWritable) {
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{3} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    auto* block = static_cast<std::uint8_t*>(allocate_low_huge(size));
    ASSERT_NE(block, nullptr);
    const std::size_t used = size == 0 ? 1 : size;
    EXPECT_LE(reinterpret_cast<std::uintptr_t>(block) + used, std::uintptr_t{1} << 32);
    EXPECT_EQ(block[0], 0);
    EXPECT_EQ(block[used - 1], 0);
    block[used - 1] = 0x5a;
    EXPECT_EQ(block[used - 1], 0x5a);
    free_low_huge(block, size);
  }
}

}  // namespace
}  // namespace xbpf::platform
