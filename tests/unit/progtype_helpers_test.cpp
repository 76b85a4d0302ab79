// The helper table (helpers.def): every Linux helper once, named as libbpf names it, with the
// prototypes Linux's bpf_func_proto declares.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <set>
#include <string>

#include "progtype/progtype.h"

namespace xbpf::progtype {
namespace {

using A = ArgType;
using R = ReturnType;

constexpr std::int32_t kLinuxHelperCount = 211;  // ids 1..211 in bpf_helper_defs.h

TEST(ProgtypeHelpers, EveryIdOnceInOrder) {
  ASSERT_EQ(all_helpers().size(), static_cast<std::size_t>(kLinuxHelperCount));
  std::set<std::int32_t> ids;
  std::set<std::string_view> names;
  for (const HelperPrototype& row : all_helpers()) {
    EXPECT_TRUE(ids.insert(row.id).second) << row.id;
    EXPECT_TRUE(names.insert(row.name).second) << row.name;
    EXPECT_EQ(helper(row.id), &row);
    EXPECT_EQ(helper_named(row.name), &row);
    EXPECT_FALSE(row.name.starts_with("bpf_")) << row.name;
  }
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), kLinuxHelperCount);
  EXPECT_EQ(helper(0), nullptr);
  EXPECT_EQ(helper(-1), nullptr);
  EXPECT_EQ(helper(kLinuxHelperCount + 1), nullptr);
  EXPECT_EQ(helper_named("bpf_map_lookup_elem"), nullptr);
  EXPECT_EQ(helper_named(""), nullptr);
}

TEST(ProgtypeHelpers, IdEnumFollowsTheTable) {
  EXPECT_EQ(static_cast<std::int32_t>(HelperId::map_lookup_elem), 1);
  EXPECT_EQ(static_cast<std::int32_t>(HelperId::tail_call), 12);
  EXPECT_EQ(static_cast<std::int32_t>(HelperId::ringbuf_reserve), 131);
  EXPECT_EQ(static_cast<std::int32_t>(HelperId::loop), 181);
  EXPECT_EQ(static_cast<std::int32_t>(HelperId::cgrp_storage_delete), 211);
}

TEST(ProgtypeHelpers, SampleNames) {
  const std::pair<std::int32_t, std::string_view> samples[] = {
      {1, "map_lookup_elem"},     {6, "trace_printk"},
      {12, "tail_call"},          {23, "redirect"},
      {44, "xdp_adjust_head"},    {51, "redirect_map"},
      {93, "spin_lock"},          {130, "ringbuf_output"},
      {164, "for_each_map_elem"}, {177, "trace_vprintk"},
      {182, "strncmp"},           {190, "xdp_store_bytes"},
      {208, "ktime_get_tai_ns"},  {211, "cgrp_storage_delete"},
  };
  for (const auto& [id, name] : samples) {
    ASSERT_NE(helper(id), nullptr) << id;
    EXPECT_EQ(helper(id)->name, name) << id;
  }
}

// Arguments are a prefix (no `none` between used ones), and every memory argument is followed
// by its size and every size preceded by memory, as the kernel's check_func_proto requires.
TEST(ProgtypeHelpers, ArgumentsAreWellFormed) {
  auto is_memory = [](A a) {
    return a == A::mem || a == A::mem_or_null || a == A::uninit_mem || a == A::uninit_mem_or_null;
  };
  auto is_size = [](A a) { return a == A::const_size || a == A::const_size_or_zero; };
  for (const HelperPrototype& row : all_helpers()) {
    bool ended = false;
    for (std::size_t i = 0; i < row.args.size(); ++i) {
      const A arg = row.args[i];
      if (arg == A::none) {
        ended = true;
        continue;
      }
      EXPECT_FALSE(ended) << row.name << ": argument " << i + 1 << " follows an unused one";
      if (is_memory(arg)) {
        ASSERT_LT(i + 1, row.args.size()) << row.name;
        EXPECT_TRUE(is_size(row.args[i + 1])) << row.name << ": argument " << i + 1;
      }
      if (is_size(arg)) {
        ASSERT_GT(i, 0U) << row.name;
        EXPECT_TRUE(is_memory(row.args[i - 1])) << row.name << ": argument " << i + 1;
      }
    }
  }
}

void expect_prototype(std::string_view name, R ret, std::initializer_list<A> args) {
  const HelperPrototype* row = helper_named(name);
  ASSERT_NE(row, nullptr) << name;
  EXPECT_EQ(return_type_name(row->ret), return_type_name(ret)) << name;
  std::array<A, 5> expected{};
  std::copy(args.begin(), args.end(), expected.begin());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(arg_type_name(row->args[i]), arg_type_name(expected[i]))
        << name << ": argument " << i + 1;
  }
}

TEST(ProgtypeHelpers, PrototypesAsLinuxDeclaresThem) {
  expect_prototype("map_lookup_elem", R::map_value_or_null, {A::const_map_ptr, A::map_key});
  expect_prototype("map_update_elem", R::integer,
                   {A::const_map_ptr, A::map_key, A::map_value, A::anything});
  expect_prototype("map_delete_elem", R::integer, {A::const_map_ptr, A::map_key});
  expect_prototype("probe_read", R::integer, {A::uninit_mem, A::const_size_or_zero, A::anything});
  expect_prototype("ktime_get_ns", R::integer, {});
  expect_prototype("trace_printk", R::integer,
                   {A::mem, A::const_size, A::anything, A::anything, A::anything});
  expect_prototype("get_prandom_u32", R::integer, {});
  expect_prototype("get_smp_processor_id", R::integer, {});
  expect_prototype("tail_call", R::void_, {A::ctx, A::const_map_ptr, A::anything});
  expect_prototype("get_current_pid_tgid", R::integer, {});
  expect_prototype("get_current_comm", R::integer, {A::uninit_mem, A::const_size});
  expect_prototype("redirect", R::integer, {A::anything, A::anything});
  expect_prototype("perf_event_output", R::integer,
                   {A::ctx, A::const_map_ptr, A::anything, A::mem, A::const_size_or_zero});
  expect_prototype(
      "csum_diff", R::integer,
      {A::mem_or_null, A::const_size_or_zero, A::mem_or_null, A::const_size_or_zero, A::anything});
  expect_prototype("xdp_adjust_head", R::integer, {A::ctx, A::anything});
  expect_prototype("redirect_map", R::integer, {A::const_map_ptr, A::anything, A::anything});
  expect_prototype("xdp_adjust_meta", R::integer, {A::ctx, A::anything});
  expect_prototype("xdp_adjust_tail", R::integer, {A::ctx, A::anything});
  expect_prototype("map_push_elem", R::integer, {A::const_map_ptr, A::map_value, A::anything});
  expect_prototype("map_pop_elem", R::integer, {A::const_map_ptr, A::uninit_map_value});
  expect_prototype("map_peek_elem", R::integer, {A::const_map_ptr, A::uninit_map_value});
  expect_prototype("spin_lock", R::void_, {A::spin_lock});
  expect_prototype("spin_unlock", R::void_, {A::spin_lock});
  expect_prototype("ktime_get_boot_ns", R::integer, {});
  expect_prototype("ringbuf_output", R::integer,
                   {A::const_map_ptr, A::mem, A::const_size_or_zero, A::anything});
  expect_prototype("ringbuf_reserve", R::ringbuf_mem_or_null,
                   {A::const_map_ptr, A::const_alloc_size_or_zero, A::anything});
  expect_prototype("ringbuf_submit", R::void_, {A::ringbuf_mem, A::anything});
  expect_prototype("ringbuf_discard", R::void_, {A::ringbuf_mem, A::anything});
  expect_prototype("ringbuf_query", R::integer, {A::const_map_ptr, A::anything});
  expect_prototype("ktime_get_coarse_ns", R::integer, {});
  expect_prototype("for_each_map_elem", R::integer,
                   {A::const_map_ptr, A::func, A::stack_or_null, A::anything});
  expect_prototype("trace_vprintk", R::integer,
                   {A::mem, A::const_size, A::mem_or_null, A::const_size_or_zero});
  expect_prototype("loop", R::integer, {A::anything, A::func, A::stack_or_null, A::anything});
  expect_prototype("strncmp", R::integer, {A::mem, A::const_size, A::const_str});
  expect_prototype("xdp_get_buff_len", R::integer, {A::ctx});
  expect_prototype("xdp_load_bytes", R::integer,
                   {A::ctx, A::anything, A::uninit_mem, A::const_size});
  expect_prototype("xdp_store_bytes", R::integer, {A::ctx, A::anything, A::mem, A::const_size});
  // A few beyond the list: sockets, local storage, callbacks.
  expect_prototype("sk_lookup_tcp", R::socket_or_null,
                   {A::ctx, A::mem, A::const_size, A::anything, A::anything});
  expect_prototype("sk_release", R::integer, {A::btf_id_sock_common});
  expect_prototype("sk_fullsock", R::socket_or_null, {A::sock_common});
  expect_prototype("tcp_sock", R::tcp_sock_or_null, {A::sock_common});
  expect_prototype("get_local_storage", R::map_value, {A::const_map_ptr, A::anything});
  expect_prototype("sk_storage_get", R::map_value_or_null,
                   {A::const_map_ptr, A::btf_id_sock_common, A::map_value_or_null, A::anything});
  expect_prototype("skb_load_bytes", R::integer,
                   {A::ctx, A::anything, A::uninit_mem, A::const_size});
  expect_prototype("strtol", R::integer, {A::mem, A::const_size, A::anything, A::long_ptr});
  expect_prototype("check_mtu", R::integer,
                   {A::ctx, A::anything, A::int_ptr, A::anything, A::anything});
  expect_prototype("timer_init", R::integer, {A::other, A::const_map_ptr, A::anything});
}

// The names, ids and arities of libbpf's bpf_helper_defs.h, where it is installed.
TEST(ProgtypeHelpers, MatchLibbpfHelperDefs) {
  const std::filesystem::path path = "/usr/include/bpf/bpf_helper_defs.h";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path.string() << " is not installed";
  const std::regex declaration(R"(^static (.+)\(\*bpf_(\w+)\)\((.*)\) = \(void \*\) (\d+);$)");
  int seen = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, declaration)) continue;
    ++seen;
    const std::int32_t id = std::stoi(m[4].str());
    const std::string name = m[2].str();
    const std::string c_return = m[1].str();
    const std::string params = m[3].str();
    const HelperPrototype* row = helper(id);
    ASSERT_NE(row, nullptr) << "helper " << id << " (" << name << ") is missing";
    EXPECT_EQ(row->name, name) << "helper " << id;
    // Arity: the C parameters are the kernel's arguments (trace_printk's "..." stands for 3).
    if (params.find("...") == std::string::npos) {
      std::size_t c_arity = 0;
      if (params != "void")
        c_arity = 1 + static_cast<std::size_t>(std::count(params.begin(), params.end(), ','));
      std::size_t arity = 0;
      for (A arg : row->args) arity += arg != A::none ? 1 : 0;
      EXPECT_EQ(arity, c_arity) << name << ": " << params;
    }
    // A C function returning void is RET_VOID; one returning a pointer returns a pointer kind.
    if (c_return == "void ") {
      EXPECT_EQ(row->ret, R::void_) << name;
    }
    if (c_return.find('*') != std::string::npos) {
      EXPECT_NE(row->ret, R::integer) << name;
      EXPECT_NE(row->ret, R::void_) << name;
    }
  }
  EXPECT_EQ(seen, kLinuxHelperCount) << "bpf_helper_defs.h declares a different number";
}

TEST(ProgtypeHelpers, KindNames) {
  EXPECT_EQ(arg_type_name(A::const_map_ptr), "const_map_ptr");
  EXPECT_EQ(arg_type_name(A::other), "other");
  EXPECT_EQ(return_type_name(R::void_), "void");
  EXPECT_EQ(return_type_name(R::map_value_or_null), "map_value_or_null");
}

}  // namespace
}  // namespace xbpf::progtype
