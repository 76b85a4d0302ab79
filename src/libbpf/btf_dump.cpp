// btf_dump: C declarations from BTF, as libbpf 1.1's btf_dump.c writes them (bpftool's
// skeletons are made of them, so the text must be the same to the byte): a type's declaration
// with a field name (btf_dump__emit_type_decl), anonymous structs, unions and enums inline,
// names made unique with ___N as libbpf does.
#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "libbpf/btf_internal.h"
#include "libbpf/library.h"

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

struct btf_dump {
  const struct btf* btf = nullptr;
  btf_dump_printf_fn_t print = nullptr;
  void* context = nullptr;
  std::size_t pointer_size = 8;
  bool strip_mods = false;
  std::map<std::string, std::size_t> type_names;   // how many types had each name
  std::map<std::string, std::size_t> ident_names;  // typedefs and enumerators
  std::map<std::uint32_t, std::string> resolved;   // names given, by id and namespace
  std::map<std::uint32_t, std::string> resolved_idents;
};

namespace {

const char* name_of(const btf_dump& d, std::uint32_t offset) {
  const char* name = d.btf->string(offset);
  return name != nullptr ? name : "";
}

void out(const btf_dump& d, const char* format, ...) {
  va_list args;
  va_start(args, format);
  d.print(d.context, format, args);
  va_end(args);
}

void out(const btf_dump& d, const std::string& text) { out(d, "%s", text.c_str()); }

std::string prefix(int level) {
  return std::string(static_cast<std::size_t>(std::min(level, 13)), '\t');
}

bool is_modifier(std::uint32_t kind) {
  return kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT ||
         kind == BTF_KIND_TYPE_TAG;
}

// btf_dump_name_dups: the number of times `name` has now been seen in `names`.
std::size_t count_name(std::map<std::string, std::size_t>& names, const std::string& name) {
  return ++names[name];
}

std::string resolve_name(btf_dump& d, std::uint32_t id, bool ident) {
  const btf_type* type = d.btf->type(id);
  if (type->name_off == 0) return "";
  auto& cache = ident ? d.resolved_idents : d.resolved;
  if (auto found = cache.find(id); found != cache.end()) return found->second;
  std::string name = name_of(d, type->name_off);
  const std::uint32_t kind = btf_kind_of(*type);
  if (kind == BTF_KIND_FWD || (kind == BTF_KIND_ENUM && btf_vlen_of(*type) == 0)) {
    cache[id] = name;
    return name;
  }
  const std::size_t count = count_name(ident ? d.ident_names : d.type_names, name);
  if (count > 1) name += "___" + std::to_string(count);
  cache[id] = name;
  return name;
}

std::string type_name(btf_dump& d, std::uint32_t id) { return resolve_name(d, id, false); }
std::string ident_name(btf_dump& d, std::uint32_t id) { return resolve_name(d, id, true); }

bool struct_packed(const struct btf* btf, const btf_type& type) {
  const auto* members = reinterpret_cast<const btf_member*>(&type + 1);
  const bool bitfields = (type.info >> 31) != 0;
  int widest = 1;
  for (std::uint32_t i = 0; i < btf_vlen_of(type); ++i) {
    const int align = btf__align_of(btf, members[i].type);
    const std::uint32_t bit_size = bitfields ? members[i].offset >> 24 : 0;
    if (align != 0 && bit_size == 0 &&
        members[i].offset % (8 * static_cast<std::uint32_t>(align)) != 0) {
      return true;
    }
    widest = std::max(widest, align);
  }
  return type.size % static_cast<std::uint32_t>(widest) != 0;
}

std::uint32_t round_up(std::uint32_t value, std::uint32_t to) { return (value + to - 1) / to * to; }

// btf_dump_emit_bit_padding: `long: N;`-style fields for the gap between two members.
void emit_padding(const btf_dump& d, int current, int next, int next_align, bool in_bitfield,
                  int level) {
  const struct {
    const char* name;
    int bits;
  } pads[] = {
      {"long", static_cast<int>(d.pointer_size) * 8}, {"int", 32}, {"short", 16}, {"char", 8}};
  if (current >= next) return;
  int new_offset = 0;
  int pad_bits = 0;
  const char* pad_type = "char";
  for (const auto& pad : pads) {
    pad_bits = pad.bits;
    pad_type = pad.name;
    new_offset = static_cast<int>(
        round_up(static_cast<std::uint32_t>(current), static_cast<std::uint32_t>(pad_bits)));
    if (new_offset <= next) break;
  }
  if (new_offset > current && new_offset <= next) {
    const bool mark =
        in_bitfield ||
        (new_offset == next &&
         static_cast<int>(round_up(static_cast<std::uint32_t>(current),
                                   static_cast<std::uint32_t>(next_align * 8))) != new_offset) ||
        (new_offset != next && next - new_offset <= new_offset - current);
    if (mark) {
      out(d, "\n" + prefix(level) + pad_type + ": " +
                 std::to_string(in_bitfield ? new_offset - current : 0) + ";");
    }
    current = new_offset;
  }
  while (current != next) {
    const int bits = std::min(next - current, pad_bits);
    if (bits == pad_bits) {
      out(d, "\n" + prefix(level) + pad_type + ": " + std::to_string(pad_bits) + ";");
      current += bits;
      continue;
    }
    for (int i = 3; i >= 0; --i) {
      if (pads[i].bits < bits) continue;
      pad_type = pads[i].name;
      pad_bits = pads[i].bits;
      out(d, "\n" + prefix(level) + pad_type + ": " + std::to_string(bits) + ";");
      current += bits;
      break;
    }
  }
}

void emit_decl(btf_dump& d, std::uint32_t id, const std::string& field, int level);

void emit_struct_def(btf_dump& d, std::uint32_t id, const btf_type& type, int level) {
  const bool is_struct = btf_kind_of(type) == BTF_KIND_STRUCT;
  const auto* members = reinterpret_cast<const btf_member*>(&type + 1);
  const bool bitfields = (type.info >> 31) != 0;
  const int align = btf__align_of(d.btf, id);
  const bool packed = is_struct && struct_packed(d.btf, type);
  out(d, std::string(is_struct ? "struct" : "union") + (type.name_off != 0 ? " " : "") +
             type_name(d, id) + " {");
  int offset = 0;
  bool previous_bitfield = false;
  for (std::uint32_t i = 0; i < btf_vlen_of(type); ++i) {
    const std::string field = name_of(d, members[i].name_off);
    int size = bitfields ? static_cast<int>(members[i].offset >> 24) : 0;
    const int member_offset =
        static_cast<int>(bitfields ? members[i].offset & 0xffffff : members[i].offset);
    const int member_align = packed ? 1 : btf__align_of(d.btf, members[i].type);
    emit_padding(d, offset, member_offset, member_align, previous_bitfield && size != 0, level + 1);
    out(d, "\n" + prefix(level + 1));
    emit_decl(d, members[i].type, field, level + 1);
    if (size != 0) {
      out(d, ": " + std::to_string(size));
      offset = member_offset + size;
      previous_bitfield = true;
    } else {
      size = static_cast<int>(std::max<__s64>(0, btf__resolve_size(d.btf, members[i].type)));
      offset = member_offset + size * 8;
      previous_bitfield = false;
    }
    out(d, ";");
  }
  if (is_struct) emit_padding(d, offset, static_cast<int>(type.size * 8), align, false, level + 1);
  if (btf_vlen_of(type) != 0 || type.size != 0) {
    out(d, "\n" + prefix(level) + "}");
  } else {
    out(d, "}");
  }
  if (packed) out(d, " __attribute__((packed))");
}

void emit_enum_def(btf_dump& d, std::uint32_t id, const btf_type& type, int level) {
  const std::uint32_t count = btf_vlen_of(type);
  out(d, std::string("enum") + (type.name_off != 0 ? " " : "") + type_name(d, id));
  if (count == 0) return;
  out(d, " {");
  const bool is_signed = (type.info >> 31) != 0;
  const bool wide = btf_kind_of(type) == BTF_KIND_ENUM64;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::string name;
    std::string value;
    if (wide) {
      const struct btf_enum64& entry = reinterpret_cast<const struct btf_enum64*>(&type + 1)[i];
      name = name_of(d, entry.name_off);
      const std::uint64_t raw = (std::uint64_t{entry.val_hi32} << 32) | entry.val_lo32;
      value = is_signed ? std::to_string(static_cast<long long>(raw)) + "LL"
                        : std::to_string(static_cast<unsigned long long>(raw)) + "ULL";
    } else {
      const struct btf_enum& entry = reinterpret_cast<const struct btf_enum*>(&type + 1)[i];
      name = name_of(d, entry.name_off);
      value = is_signed ? std::to_string(entry.val)
                        : std::to_string(static_cast<std::uint32_t>(entry.val));
    }
    // Enumerators share a namespace with typedefs.
    const std::size_t count_seen = count_name(d.ident_names, name);
    if (count_seen > 1) name += "___" + std::to_string(count_seen);
    out(d, "\n" + prefix(level + 1) + name + " = " + value + ",");
  }
  out(d, "\n" + prefix(level) + "}");
  if (type.size == 1) {
    out(d, " __attribute__((mode(byte)))");
  } else if (type.size == 8 && d.pointer_size == 8) {
    bool word_mode = true;
    if (wide) {
      for (std::uint32_t i = 0; i < count; ++i) {
        if (reinterpret_cast<const struct btf_enum64*>(&type + 1)[i].val_hi32 != 0)
          word_mode = false;
      }
    }
    if (word_mode) out(d, " __attribute__((mode(word)))");
  }
}

void emit_name(const btf_dump& d, const std::string& name, bool last_was_pointer) {
  out(d, (!name.empty() && !last_was_pointer ? " " : "") + name);
}

void emit_mods(const btf_dump& d, std::vector<std::uint32_t>& stack) {
  while (!stack.empty()) {
    switch (btf_kind_of(*d.btf->type(stack.back()))) {
      case BTF_KIND_VOLATILE: out(d, "volatile "); break;
      case BTF_KIND_CONST: out(d, "const "); break;
      case BTF_KIND_RESTRICT: out(d, "restrict "); break;
      default: return;
    }
    stack.pop_back();
  }
}

void drop_mods(const btf_dump& d, std::vector<std::uint32_t>& stack) {
  while (!stack.empty() && stack.back() != 0 &&
         is_modifier(btf_kind_of(*d.btf->type(stack.back())))) {
    stack.pop_back();
  }
}

// btf_dump_emit_type_chain: the declaration, from the innermost type out, with the field.
void emit_chain(btf_dump& d, std::vector<std::uint32_t>& stack, const std::string& field,
                int level) {
  bool last_was_pointer = true;
  while (!stack.empty()) {
    const std::uint32_t id = stack.back();
    stack.pop_back();
    if (id == 0) {
      emit_mods(d, stack);
      out(d, "void");
      last_was_pointer = false;
      continue;
    }
    const btf_type& type = *d.btf->type(id);
    const std::uint32_t kind = btf_kind_of(type);
    switch (kind) {
      case BTF_KIND_INT:
      case BTF_KIND_FLOAT:
        emit_mods(d, stack);
        out(d, name_of(d, type.name_off));
        break;
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        emit_mods(d, stack);
        if (type.name_off == 0) {
          emit_struct_def(d, id, type, level);
        } else {
          out(d, std::string(kind == BTF_KIND_STRUCT ? "struct " : "union ") + type_name(d, id));
        }
        break;
      case BTF_KIND_ENUM:
      case BTF_KIND_ENUM64:
        emit_mods(d, stack);
        if (type.name_off == 0) {
          emit_enum_def(d, id, type, level);
        } else {
          out(d, "enum " + type_name(d, id));
        }
        break;
      case BTF_KIND_FWD:
        emit_mods(d, stack);
        out(d, std::string((type.info >> 31) != 0 ? "union " : "struct ") + type_name(d, id));
        break;
      case BTF_KIND_TYPEDEF:
        emit_mods(d, stack);
        out(d, ident_name(d, id));
        break;
      case BTF_KIND_PTR: out(d, last_was_pointer ? "*" : " *"); break;
      case BTF_KIND_VOLATILE: out(d, " volatile"); break;
      case BTF_KIND_CONST: out(d, " const"); break;
      case BTF_KIND_RESTRICT: out(d, " restrict"); break;
      case BTF_KIND_TYPE_TAG:
        emit_mods(d, stack);
        out(d,
            std::string(" __attribute__((btf_type_tag(\"") + name_of(d, type.name_off) + "\")))");
        break;
      case BTF_KIND_ARRAY: {
        const auto& array = *reinterpret_cast<const struct btf_array*>(&type + 1);
        drop_mods(d, stack);
        if (stack.empty()) {
          emit_name(d, field, last_was_pointer);
          out(d, "[" + std::to_string(array.nelems) + "]");
          return;
        }
        const std::uint32_t next = stack.back();
        const bool multidimensional =
            next != 0 && btf_kind_of(*d.btf->type(next)) == BTF_KIND_ARRAY;
        if (!field.empty() && !last_was_pointer) out(d, " ");
        if (!multidimensional) out(d, "(");
        emit_chain(d, stack, field, level);
        if (!multidimensional) out(d, ")");
        out(d, "[" + std::to_string(array.nelems) + "]");
        return;
      }
      case BTF_KIND_FUNC_PROTO: {
        const auto* params = reinterpret_cast<const btf_param*>(&type + 1);
        const std::uint32_t count = btf_vlen_of(type);
        drop_mods(d, stack);
        if (!stack.empty()) {
          out(d, " (");
          emit_chain(d, stack, field, level);
          out(d, ")");
        } else {
          emit_name(d, field, last_was_pointer);
        }
        out(d, "(");
        if (count == 1 && params[0].type == 0) {
          out(d, ")");
          return;
        }
        for (std::uint32_t i = 0; i < count; ++i) {
          if (i > 0) out(d, ", ");
          if (i == count - 1 && params[i].type == 0) {
            out(d, "...");
            break;
          }
          emit_decl(d, params[i].type, name_of(d, params[i].name_off), level);
        }
        out(d, ")");
        return;
      }
      default:
        warn("unexpected type in decl chain, kind:" + std::to_string(kind) + ", id:[" +
             std::to_string(id) + "]");
        return;
    }
    last_was_pointer = kind == BTF_KIND_PTR;
  }
  emit_name(d, field, last_was_pointer);
}

// btf_dump_emit_type_decl: the chain of types from `id` to a named or basic type.
void emit_decl(btf_dump& d, std::uint32_t id, const std::string& field, int level) {
  std::vector<std::uint32_t> stack;
  for (;;) {
    const btf_type* type = d.btf->type(id);
    if (type == nullptr) break;
    const std::uint32_t kind = id == 0 ? 0 : btf_kind_of(*type);
    if (!(d.strip_mods && id != 0 && is_modifier(kind))) stack.push_back(id);
    if (id == 0) break;
    if (kind == BTF_KIND_PTR || is_modifier(kind) || kind == BTF_KIND_FUNC_PROTO) {
      id = type->type;
    } else if (kind == BTF_KIND_ARRAY) {
      id = reinterpret_cast<const struct btf_array*>(type + 1)->type;
    } else {
      if (kind != BTF_KIND_INT && kind != BTF_KIND_ENUM && kind != BTF_KIND_ENUM64 &&
          kind != BTF_KIND_FWD && kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION &&
          kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_FLOAT) {
        warn("unexpected type in decl chain, kind:" + std::to_string(kind) + ", id:[" +
             std::to_string(id) + "]");
      }
      break;
    }
  }
  emit_chain(d, stack, field, level);
}

}  // namespace

struct btf_dump* btf_dump__new(const struct btf* btf, btf_dump_printf_fn_t printf_fn, void* ctx,
                               const struct btf_dump_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, btf_dump_opts)) return fail_null<struct btf_dump>(EINVAL);
  if (printf_fn == nullptr || btf == nullptr) return fail_null<struct btf_dump>(EINVAL);
  auto* dump = new btf_dump();
  dump->btf = btf;
  dump->print = printf_fn;
  dump->context = ctx;
  const std::size_t pointer_size = btf__pointer_size(btf);
  dump->pointer_size = pointer_size != 0 ? pointer_size : sizeof(void*);
  return dump;
}

void btf_dump__free(struct btf_dump* d) { delete d; }

int btf_dump__emit_type_decl(struct btf_dump* d, __u32 id,
                             const struct btf_dump_emit_type_decl_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, btf_dump_emit_type_decl_opts)) return fail(EINVAL);
  if (d->btf->type(id) == nullptr) return fail(EINVAL);
  const char* field = XBPF_OPTS_GET(opts, field_name, nullptr);
  d->strip_mods = XBPF_OPTS_GET(opts, strip_mods, false);
  emit_decl(*d, id, field != nullptr ? field : "", XBPF_OPTS_GET(opts, indent_level, 0));
  d->strip_mods = false;
  return 0;
}
