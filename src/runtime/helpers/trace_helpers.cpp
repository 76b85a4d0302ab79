// bpf_trace_printk and bpf_trace_vprintk: printf-style formatting as the kernel's
// bpf_bprintf_prepare accepts it and bstr_printf prints it, written to the runtime's trace
// pipe; the return value is the formatted length, as Linux's.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "runtime/helpers/helper_support.h"
#include "runtime/helpers/table.h"
#include "runtime/runtime.h"

namespace xbpf::runtime::helpers {
namespace {

constexpr std::size_t kMaxBinArgs = 512;   // MAX_BPRINTF_BIN_ARGS: the arguments' buffer
constexpr std::size_t kMaxMessage = 1024;  // MAX_BPRINTF_BUF: the printed message's buffer

bool ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool ascii_punct(char c) {
  return c > ' ' && c < 0x7f && std::isalnum(static_cast<unsigned char>(c)) == 0;
}
// What may follow %s and a bare %p: the end, a space or punctuation.
bool ends_conversion(char c) { return c == 0 || ascii_space(c) || ascii_punct(c); }

// The conversion specs passed to snprintf are assembled from the program's format string,
// character by character from the accepted set only (flags, width, conversion).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

// Appends snprintf(spec, value) to `out`, every byte of it (a %c of 0 prints a NUL).
template <class T>
void append(std::string& out, const std::string& spec, T value) {
  const int length = std::snprintf(nullptr, 0, spec.c_str(), value);
  if (length <= 0) return;
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  std::snprintf(text.data(), text.size(), spec.c_str(), value);
  out.append(text.data(), static_cast<std::size_t>(length));
}

// Reads the NUL-terminated string at `address`, at most `limit - 1` bytes, as the kernel's
// strncpy_from_kernel_nofault does into its arguments' buffer; nullopt when the memory is not
// the program's (Linux: a fault, printed as an empty string).
std::optional<std::string> read_string(const RunState& state, u64 address, std::size_t limit) {
  std::string text;
  for (std::size_t k = 0; k + 1 < limit; ++k) {
    if (!vm::accessible(state, address + k, 1, false)) return std::nullopt;
    const char c = *pointer<const char>(address + k);
    if (c == 0) break;
    text += c;
  }
  return text;
}

// Formats `format` (its first `format_size` bytes, up to a NUL) with `args` as Linux's
// bpf_bprintf_prepare validates and stores them and bstr_printf prints them: the flags
// "0+- ", a width, the conversions d i u x X (with l or ll), c, s, %p (%pK, %px, %ps, %pS,
// %pB: pointers; %pks, %pus: strings; %pI4, %pi4, %pI6, %pi6: addresses), %%. Returns 0 or
// Linux's error: -EINVAL for anything else (precision, '#', h, z, o, n, a character that is
// neither printable nor a space, more conversions than arguments, %s followed by a letter),
// -ENOSPC when the arguments' 512-byte buffer overflows (long strings are cut there). Memory
// that is not the program's reads as a fault does in Linux: an empty string, a zero address.
long format_message(const RunState& state, const char* format, std::size_t format_size,
                    const u64* args, std::size_t arg_count, std::string& out) {
  const void* nul = std::memchr(format, 0, format_size);
  if (nul == nullptr) return -linux_abi::kEINVAL;
  const auto size = static_cast<std::size_t>(static_cast<const char*>(nul) - format);
  std::size_t used = 0;  // bytes of the arguments' buffer
  const auto reserve = [&used](std::size_t bytes, std::size_t align) {
    used = (used + align - 1) / align * align;
    if (kMaxBinArgs - std::min(used, kMaxBinArgs) < bytes) return false;
    used += bytes;
    return true;
  };
  std::size_t next_arg = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = format[i];
    if (!((c >= 0x20 && c < 0x7f) || ascii_space(c))) return -linux_abi::kEINVAL;
    if (c != '%') {
      out += c;
      continue;
    }
    if (format[i + 1] == '%') {
      out += '%';
      ++i;
      continue;
    }
    if (next_arg >= arg_count) return -linux_abi::kEINVAL;
    const u64 value = args[next_arg++];
    std::string spec = "%";
    ++i;
    while (format[i] == '0' || format[i] == '+' || format[i] == '-' || format[i] == ' ')
      spec += format[i++];
    const bool width = format[i] >= '1' && format[i] <= '9';
    while (format[i] >= '0' && format[i] <= '9') spec += format[i++];
    const char conversion = format[i];
    if (conversion == 'p') {
      const char kind = format[i + 1];
      if (ends_conversion(kind) || kind == 'K' || kind == 'x' || kind == 's' || kind == 'S' ||
          kind == 'B') {
        if (!ends_conversion(kind)) ++i;
        if (!reserve(8, 4)) return -linux_abi::kENOSPC;
        if (kind == 's' || kind == 'S' || kind == 'B') {
          append(out, "0x%llx", static_cast<unsigned long long>(value));  // no symbol
        } else {
          // %p hashes, %pK may hide, %px shows: 16 hex digits either way.
          const u64 shown = kind == 'K' ? 0 : value;
          append(out, width ? spec + "llx" : std::string("%016llx"),
                 static_cast<unsigned long long>(shown));
        }
        continue;
      }
      if ((kind == 'k' || kind == 'u') && format[i + 2] == 's') {
        i += 2;  // a kernel or user string: both are the program's memory here
      } else if ((kind == 'i' || kind == 'I') && (format[i + 2] == '4' || format[i + 2] == '6')) {
        i += 2;
        const std::size_t bytes = format[i] == '4' ? 4 : 16;
        if (kMaxBinArgs - std::min(used, kMaxBinArgs) < bytes) return -linux_abi::kENOSPC;
        std::uint8_t a[16] = {};
        if (vm::accessible(state, value, bytes, false))
          std::memcpy(a, pointer<const void>(value), bytes);
        std::string text;
        if (bytes == 4) {
          char buf[32];
          std::snprintf(buf, sizeof buf, kind == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", a[0],
                        a[1], a[2], a[3]);
          text = buf;
        } else {
          for (int g = 0; g < 8; ++g) {
            char group[8];
            std::snprintf(group, sizeof group, "%02x%02x", a[2 * g], a[2 * g + 1]);
            text += (g != 0 && kind == 'I' ? ":" : "") + std::string(group);
          }
        }
        used += text.size() + 1;
        append(out, spec + "s", text.c_str());
        continue;
      } else {
        return -linux_abi::kEINVAL;
      }
    }
    if (conversion == 's' || conversion == 'p') {  // %s, %pks, %pus
      if (!ends_conversion(format[i + 1])) return -linux_abi::kEINVAL;
      if (used >= kMaxBinArgs) return -linux_abi::kENOSPC;
      std::optional<std::string> text = read_string(state, value, kMaxBinArgs - used);
      if (!text) text = "";
      used += text->size() + 1;
      append(out, spec + "s", text->c_str());
      continue;
    }
    if (conversion == 'c') {
      if (used >= kMaxBinArgs) return -linux_abi::kENOSPC;
      ++used;
      append(out, spec + "c", static_cast<int>(static_cast<unsigned char>(value)));
      continue;
    }
    bool wide = false;
    if (format[i] == 'l') {
      wide = true;
      ++i;
    }
    if (format[i] == 'l') ++i;
    const char integer = format[i];
    if (integer != 'd' && integer != 'i' && integer != 'u' && integer != 'x' && integer != 'X') {
      return -linux_abi::kEINVAL;
    }
    if (!reserve(wide ? 8 : 4, 4)) return -linux_abi::kENOSPC;
    if (integer == 'd' || integer == 'i') {
      append(out, spec + "lld",
             wide ? static_cast<long long>(value)
                  : static_cast<long long>(static_cast<std::int32_t>(value)));
    } else {
      append(out, spec + "ll" + integer,
             static_cast<unsigned long long>(wide ? value : static_cast<std::uint32_t>(value)));
    }
  }
  return 0;
}

#pragma GCC diagnostic pop

u64 printk(RunState& state, std::string_view helper, u64 format_address, u64 format_size,
           const u64* args, std::size_t arg_count) {
  if (!check_memory(state, helper, "fmt", format_address, format_size, false)) return 0;
  if (format_size == 0) return error_code(-linux_abi::kEINVAL);
  std::string message;
  const long error = format_message(state, pointer<const char>(format_address), format_size, args,
                                    arg_count, message);
  if (error != 0) return error_code(error);
  // The return value is the whole length; the trace shows what fits Linux's buffer.
  const std::size_t length = message.size();
  if (message.size() >= kMaxMessage) message.resize(kMaxMessage - 1);
  run_context(state).runtime->trace_pipe().write(message, state.cpu);
  return length;
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
