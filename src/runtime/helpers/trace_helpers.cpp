// bpf_trace_printk and bpf_trace_vprintk: printf-style formatting as the kernel's
// bpf_bprintf_prepare accepts it, written to the runtime's trace pipe.
#include <cstdio>
#include <cstring>

#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"
#include "runtime/runtime.h"

namespace xbpf::runtime::helpers {
namespace {

constexpr std::size_t kMaxStringArgument = 1024;  // bytes read for a %s argument

// The conversion specs passed to snprintf are assembled from the program's format string,
// character by character from the accepted set only (flags, width, precision, conversion).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

// Formats `format` with `args`; false on a format Linux refuses (or a failed memory check).
bool format_message(RunState& state, std::string_view helper, const char* format,
                    std::size_t format_size, const u64* args, std::size_t arg_count,
                    std::string& out) {
  std::size_t next_arg = 0;
  for (std::size_t i = 0; i < format_size && format[i] != 0; ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    std::string spec = "%";
    ++i;
    if (i < format_size && format[i] == '%') {
      out += '%';
      continue;
    }
    while (i < format_size && std::strchr("-+ 0#", format[i]) != nullptr && format[i] != 0)
      spec += format[i++];
    while (i < format_size && format[i] >= '0' && format[i] <= '9') spec += format[i++];
    if (i < format_size && format[i] == '.') {
      spec += format[i++];
      while (i < format_size && format[i] >= '0' && format[i] <= '9') spec += format[i++];
    }
    int longs = 0;
    bool size_t_arg = false;
    while (i < format_size && (format[i] == 'l' || format[i] == 'h' || format[i] == 'z')) {
      if (format[i] == 'l') ++longs;
      if (format[i] == 'z') size_t_arg = true;
      ++i;
    }
    if (i >= format_size || format[i] == 0) return false;
    const char conversion = format[i];
    if (next_arg >= arg_count) return false;  // more conversions than arguments
    const u64 value = args[next_arg++];
    const bool wide = longs > 0 || size_t_arg;
    char buf[1200];
    switch (conversion) {
      case 'd':
      case 'i':
        spec += "lld";
        std::snprintf(buf, sizeof buf, spec.c_str(),
                      wide ? static_cast<long long>(value)
                           : static_cast<long long>(static_cast<std::int32_t>(value)));
        break;
      case 'u':
      case 'x':
      case 'X':
      case 'o':
        spec += std::string("ll") + conversion;
        std::snprintf(
            buf, sizeof buf, spec.c_str(),
            static_cast<unsigned long long>(wide ? value : static_cast<std::uint32_t>(value)));
        break;
      case 'c':
        spec += 'c';
        std::snprintf(buf, sizeof buf, spec.c_str(),
                      static_cast<int>(static_cast<unsigned char>(value)));
        break;
      case 'p': {
        // %p, %pK, %px print the pointer; %pI4 / %pi4 an IPv4 address it points to.
        std::string suffix;
        while (i + 1 < format_size && format[i + 1] != 0 &&
               std::strchr("KxsSBIi46", format[i + 1]) != nullptr) {
          suffix += format[++i];
        }
        if (suffix == "I4" || suffix == "i4") {
          if (!check_memory(state, helper, "%pI4 argument", value, 4, false)) return false;
          const auto* a = pointer<const std::uint8_t>(value);
          std::snprintf(buf, sizeof buf, suffix == "I4" ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u",
                        a[0], a[1], a[2], a[3]);
        } else if (suffix == "I6" || suffix == "i6") {
          if (!check_memory(state, helper, "%pI6 argument", value, 16, false)) return false;
          const auto* a = pointer<const std::uint8_t>(value);
          std::string text;
          for (int g = 0; g < 8; ++g) {
            char group[8];
            std::snprintf(group, sizeof group, "%02x%02x", a[2 * g], a[2 * g + 1]);
            text += (g != 0 && suffix == "I6" ? ":" : "") + std::string(group);
          }
          std::snprintf(buf, sizeof buf, "%s", text.c_str());
        } else {
          std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
        }
        break;
      }
      case 's': {
        std::string text;
        for (std::size_t k = 0; k < kMaxStringArgument; ++k) {
          if (!check_memory(state, helper, "%s argument", value + k, 1, false)) return false;
          const char c = *pointer<const char>(value + k);
          if (c == 0) break;
          text += c;
        }
        spec += 's';
        std::snprintf(buf, sizeof buf, spec.c_str(), text.c_str());
        break;
      }
      default: return false;
    }
    out += buf;
  }
  return true;
}

#pragma GCC diagnostic pop

u64 printk(RunState& state, std::string_view helper, u64 format_address, u64 format_size,
           const u64* args, std::size_t arg_count) {
  if (!check_memory(state, helper, "fmt", format_address, format_size, false)) return 0;
  const char* format = pointer<const char>(format_address);
  if (format_size == 0 || format[format_size - 1] != 0) return error_code(-linux_abi::kEINVAL);
  std::string message;
  if (!format_message(state, helper, format, format_size, args, arg_count, message)) {
    if (state.failure) return 0;
    return error_code(-linux_abi::kEINVAL);
  }
  run_context(state).runtime->trace_pipe().write(message, state.cpu);
  return message.size();
}

XBPF_DEFINE_HELPER(trace_printk) {
  const u64 args[3] = {r3, r4, r5};
  return printk(state, "trace_printk", r1, r2, args, 3);
}

// bpf_trace_vprintk(fmt, fmt_size, data, data_len): up to 12 u64 arguments in an array.
XBPF_DEFINE_HELPER(trace_vprintk) {
  const u64 data_len = r4;
  if (data_len % 8 != 0 || data_len > 12 * 8 || (data_len != 0 && r3 == 0))
    return error_code(-linux_abi::kEINVAL);
  if (!check_memory(state, "trace_vprintk", "data", r3, data_len, false)) return 0;
  u64 args[12] = {};
  if (data_len != 0) std::memcpy(args, pointer<const void>(r3), data_len);
  return printk(state, "trace_vprintk", r1, r2, args, data_len / 8);
}

}  // namespace

void register_trace_helpers(HelperTable& table) {
  table.add(6, trace_printk);
  table.add(177, trace_vprintk);
}

}  // namespace xbpf::runtime::helpers
