#include "skeleton_gen.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <memory>

namespace xbpf::cli {
namespace {

std::string identifier(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  }
  return name;
}

// get_obj_name: the base name without ".o".
std::string object_name(const std::string& file) {
  std::string name = file.substr(file.find_last_of('/') + 1);
  if (name.size() >= 2 && name.compare(name.size() - 2, 2, ".o") == 0) name.resize(name.size() - 2);
  return identifier(name.substr(0, 63));
}

constexpr const char* kDataPrefixes[] = {".data", ".rodata", ".bss", ".kconfig"};

// get_map_ident: a map's field name; for global data, what follows the section's dot.
bool map_ident(const bpf_map* map, std::string& ident) {
  const std::string name = bpf_map__name(map);
  if (!bpf_map__is_internal(map)) {
    ident = name;
    return true;
  }
  for (const char* suffix : kDataPrefixes) {
    const std::size_t at = name.find(suffix);
    if (at != std::string::npos) {
      ident = identifier(name.substr(at + 1));
      return true;
    }
  }
  return false;
}

// get_datasec_ident: a DATASEC's field name.
bool datasec_ident(const std::string& section, std::string& ident) {
  for (const char* prefix : kDataPrefixes) {
    if (section.compare(0, std::strlen(prefix), prefix) == 0) {
      ident = identifier(section.substr(1));
      return true;
    }
  }
  return false;
}

bool mmapable_global(const bpf_map* map, std::string& ident) {
  return bpf_map__is_internal(map) && (bpf_map__map_flags(map) & BPF_F_MMAPABLE) != 0 &&
         map_ident(map, ident);
}

const btf_type* datasec_for(const btf* types, const std::string& ident) {
  for (std::uint32_t id = 1; id < btf__type_cnt(types); ++id) {
    const btf_type* type = btf__type_by_id(types, id);
    if (!btf_is_datasec(type)) continue;
    std::string section_ident;
    if (datasec_ident(btf__name_by_offset(types, type->name_off), section_ident) &&
        section_ident == ident) {
      return type;
    }
  }
  return nullptr;
}

__attribute__((format(printf, 2, 0))) void append_dump(void* context, const char* format,
                                                       va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int length = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (length <= 0) return;
  std::string text(static_cast<std::size_t>(length) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.pop_back();
  *static_cast<std::string*>(context) += text;
}

struct Generator {
  bpf_object* object;
  btf* types;
  std::string name;
  std::string out;

  // codegen_datasec_def: the struct of one section's variables, padded to their offsets.
  Status datasec(btf_dump* dump, const btf_type* section) {
    const std::string section_name = btf__name_by_offset(types, section->name_off);
    std::string section_ident;
    if (!datasec_ident(section_name, section_ident)) return {};
    const bool strip_mods = section_name != ".kconfig";
    out += "\tstruct " + name + "__" + section_ident + " {\n";
    const btf_var_secinfo* variables = btf_var_secinfos(section);
    int offset = 0;
    int pads = 0;
    for (int i = 0; i < btf_vlen(section); ++i) {
      const btf_type* variable = btf__type_by_id(types, variables[i].type);
      if (btf_var(variable)->linkage == BTF_VAR_STATIC) continue;
      const std::string variable_name = btf__name_by_offset(types, variable->name_off);
      const int needed = static_cast<int>(variables[i].offset);
      if (offset > needed) {
        return make_error("something is wrong for " + section_name + "'s variable #" +
                          std::to_string(i) + ": need offset " + std::to_string(needed) +
                          ", already at " + std::to_string(offset));
      }
      int align = btf__align_of(types, variable->type);
      if (align <= 0) {
        return make_error("failed to determine alignment of variable '" + variable_name + "'");
      }
      align = std::min(align, 4);  // as bpftool: a 32-bit host's layout, padded explicitly
      if ((offset + align - 1) / align * align != needed) {
        out += "\t\tchar __pad" + std::to_string(pads++) + "[" + std::to_string(needed - offset) +
               "];\n";
      }
      const std::string field = identifier(variable_name);
      btf_dump_emit_type_decl_opts opts{};
      opts.sz = sizeof opts;
      opts.field_name = field.c_str();
      opts.indent_level = 2;
      opts.strip_mods = strip_mods;
      out += "\t\t";
      if (btf_dump__emit_type_decl(dump, variable->type, &opts) != 0) {
        return make_error("cannot write the declaration of '" + variable_name + "'");
      }
      out += ";\n";
      offset = static_cast<int>(variables[i].offset + variables[i].size);
    }
    out += "\t} *" + section_ident + ";\n";
    return {};
  }

  Status datasecs() {
    std::string text;
    btf_dump* dump = btf_dump__new(types, append_dump, &out, nullptr);
    if (dump == nullptr) return make_error("cannot dump the object's BTF");
    Status result;
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, object) {
      std::string ident;
      if (!mmapable_global(map, ident)) continue;
      const btf_type* section = datasec_for(types, ident);
      if (section == nullptr) {
        out += "\tstruct " + name + "__" + ident + " {\n\t} *" + ident + ";\n";
        continue;
      }
      result = datasec(dump, section);
      if (!result) break;
    }
    btf_dump__free(dump);
    return result;
  }

  void asserts() {
    out += "__attribute__((unused)) static void\n" + name + "__assert(struct " + name +
           " *s __attribute__((unused)))\n{\n#ifdef __cplusplus\n#define _Static_assert "
           "static_assert\n#endif\n";
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, object) {
      std::string ident;
      if (!mmapable_global(map, ident)) continue;
      const btf_type* section = datasec_for(types, ident);
      if (section == nullptr) continue;
      const btf_var_secinfo* variables = btf_var_secinfos(section);
      for (int i = 0; i < btf_vlen(section); ++i) {
        const btf_type* variable = btf__type_by_id(types, variables[i].type);
        if (btf_var(variable)->linkage == BTF_VAR_STATIC) continue;
        const long long size = btf__resolve_size(types, variable->type);
        if (size < 0) continue;
        const std::string field = identifier(btf__name_by_offset(types, variable->name_off));
        out += "\t_Static_assert(sizeof(s->" + ident + "->" + field +
               ") == " + std::to_string(size) + ", \"unexpected size of '" + field + "'\");\n";
      }
    }
    out += "#ifdef __cplusplus\n#undef _Static_assert\n#endif\n}\n";
  }
};

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

// The functions between the struct and the skeleton's creation, as bpftool writes them.
constexpr const char* kFunctions = R"(
#ifdef __cplusplus
	static inline struct @ *open(const struct bpf_object_open_opts *opts = nullptr);
	static inline struct @ *open_and_load();
	static inline int load(struct @ *skel);
	static inline int attach(struct @ *skel);
	static inline void detach(struct @ *skel);
	static inline void destroy(struct @ *skel);
	static inline const void *elf_bytes(size_t *sz);
#endif /* __cplusplus */
};

static void
@__destroy(struct @ *obj)
{
	if (!obj)
		return;
	if (obj->skeleton)
		bpf_object__destroy_skeleton(obj->skeleton);
	free(obj);
}

static inline int
@__create_skeleton(struct @ *obj);

static inline struct @ *
@__open_opts(const struct bpf_object_open_opts *opts)
{
	struct @ *obj;
	int err;

	obj = (struct @ *)calloc(1, sizeof(*obj));
	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}

	err = @__create_skeleton(obj);
	if (err)
		goto err_out;

	err = bpf_object__open_skeleton(obj->skeleton, opts);
	if (err)
		goto err_out;

	return obj;
err_out:
	@__destroy(obj);
	errno = -err;
	return NULL;
}

static inline struct @ *
@__open(void)
{
	return @__open_opts(NULL);
}

static inline int
@__load(struct @ *obj)
{
	return bpf_object__load_skeleton(obj->skeleton);
}

static inline struct @ *
@__open_and_load(void)
{
	struct @ *obj;
	int err;

	obj = @__open();
	if (!obj)
		return NULL;
	err = @__load(obj);
	if (err) {
		@__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static inline int
@__attach(struct @ *obj)
{
	return bpf_object__attach_skeleton(obj->skeleton);
}

static inline void
@__detach(struct @ *obj)
{
	bpf_object__detach_skeleton(obj->skeleton);
}

static inline const void *@__elf_bytes(size_t *sz);

static inline int
@__create_skeleton(struct @ *obj)
{
	struct bpf_object_skeleton *s;
	int err;

	s = (struct bpf_object_skeleton *)calloc(1, sizeof(*s));
	if (!s)	{
		err = -ENOMEM;
		goto err;
	}

	s->sz = sizeof(*s);
	s->name = "@";
	s->obj = &obj->obj;
)";

constexpr const char* kCplusplus = R"(
#ifdef __cplusplus
struct @ *@::open(const struct bpf_object_open_opts *opts) { return @__open_opts(opts); }
struct @ *@::open_and_load() { return @__open_and_load(); }
int @::load(struct @ *skel) { return @__load(skel); }
int @::attach(struct @ *skel) { return @__attach(skel); }
void @::detach(struct @ *skel) { @__detach(skel); }
void @::destroy(struct @ *skel) { @__destroy(skel); }
const void *@::elf_bytes(size_t *sz) { return @__elf_bytes(sz); }
#endif /* __cplusplus */

)";

// print_hex: the object's bytes as a C string, lines of at most 78 characters.
void append_hex(std::string& out, const std::vector<std::uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::size_t length = 0;
  for (const std::uint8_t byte : bytes) {
    const std::size_t width = byte != 0 ? 4 : 2;
    length += width;
    if (length > 78) {
      out += "\\\n";
      length = width;
    }
    if (byte == 0) {
      out += "\\0";
    } else {
      out += "\\x";
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xf];
    }
  }
}

}  // namespace

Result<std::string> generate_skeleton(const std::vector<std::uint8_t>& bytes,
                                      const std::string& file, const std::string& name_option) {
  const std::string name = name_option.empty() ? object_name(file) : name_option.substr(0, 63);
  bpf_object_open_opts opts{};
  opts.sz = sizeof opts;
  opts.object_name = name.c_str();
  std::unique_ptr<bpf_object, void (*)(bpf_object*)> object(
      bpf_object__open_mem(bytes.data(), bytes.size(), &opts), bpf_object__close);
  if (object == nullptr) {
    char text[256];
    libbpf_strerror(-errno, text, sizeof text);
    return make_error(file + ": failed to open BPF object file: " + text);
  }
  Generator gen{object.get(), bpf_object__btf(object.get()), name, ""};
  std::string guard = "__" + name + "_SKEL_H__";
  for (char& c : guard) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string& out = gen.out;
  out +=
      "/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */\n\n"
      "/* THIS FILE IS AUTOGENERATED BY BPFTOOL! */\n#ifndef " +
      guard + "\n#define " + guard +
      "\n\n#include <errno.h>\n#include <stdlib.h>\n#include <bpf/libbpf.h>\n\nstruct " + name +
      " {\n\tstruct bpf_object_skeleton *skeleton;\n\tstruct bpf_object *obj;\n";
  std::vector<std::pair<std::string, const bpf_map*>> maps;
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, object.get()) {
    std::string ident;
    if (!map_ident(map, ident)) {
      std::fprintf(stderr, "Error: ignoring unrecognized internal map '%s'...\n",
                   bpf_map__name(map));
      continue;
    }
    maps.emplace_back(ident, map);
  }
  std::vector<std::string> programs;
  bpf_program* program = nullptr;
  // bpftool 7.1's own libbpf counts a function of .text as a subprogram even when it is the
  // object's only one (libbpf 1.1.2 makes it a program of unknown type): not in the skeleton.
  bpf_object__for_each_program(program, object.get()) {
    if (std::strcmp(bpf_program__section_name(program), ".text") != 0) {
      programs.emplace_back(bpf_program__name(program));
    }
  }
  if (!maps.empty()) {
    out += "\tstruct {\n";
    for (const auto& [ident, unused] : maps) out += "\t\tstruct bpf_map *" + ident + ";\n";
    out += "\t} maps;\n";
  }
  if (!programs.empty()) {
    out += "\tstruct {\n";
    for (const std::string& prog : programs) out += "\t\tstruct bpf_program *" + prog + ";\n";
    out += "\t} progs;\n\tstruct {\n";
    for (const std::string& prog : programs) out += "\t\tstruct bpf_link *" + prog + ";\n";
    out += "\t} links;\n";
  }
  if (gen.types != nullptr) XBPF_TRY(gen.datasecs());
  out += replace_all(kFunctions, "@", name);
  if (!maps.empty()) {
    out += "\n\t/* maps */\n\ts->map_cnt = " + std::to_string(maps.size()) +
           ";\n\ts->map_skel_sz = sizeof(*s->maps);\n\ts->maps = (struct bpf_map_skeleton "
           "*)calloc(s->map_cnt, s->map_skel_sz);\n\tif (!s->maps) {\n\t\terr = -ENOMEM;\n\t\tgoto "
           "err;\n\t}\n";
    for (std::size_t i = 0; i < maps.size(); ++i) {
      const std::string index = std::to_string(i);
      out += "\n\ts->maps[" + index + "].name = \"" + bpf_map__name(maps[i].second) +
             "\";\n\ts->maps[" + index + "].map = &obj->maps." + maps[i].first + ";\n";
      std::string ident;
      if (mmapable_global(maps[i].second, ident)) {
        out += "\ts->maps[" + index + "].mmaped = (void **)&obj->" + ident + ";\n";
      }
    }
  }
  if (!programs.empty()) {
    out +=
        "\n\t/* programs */\n\ts->prog_cnt = " + std::to_string(programs.size()) +
        ";\n\ts->prog_skel_sz = sizeof(*s->progs);\n\ts->progs = (struct bpf_prog_skeleton "
        "*)calloc(s->prog_cnt, s->prog_skel_sz);\n\tif (!s->progs) {\n\t\terr = -ENOMEM;\n\t\tgoto "
        "err;\n\t}\n";
    for (std::size_t i = 0; i < programs.size(); ++i) {
      const std::string index = std::to_string(i);
      out += "\n\ts->progs[" + index + "].name = \"" + programs[i] + "\";\n\ts->progs[" + index +
             "].prog = &obj->progs." + programs[i] + ";\n\ts->progs[" + index +
             "].link = &obj->links." + programs[i] + ";\n";
    }
  }
  out += "\n\ts->data = (void *)" + name +
         "__elf_bytes(&s->data_sz);\n\n\tobj->skeleton = s;\n"
         "\treturn 0;\nerr:\n\tbpf_object__destroy_skeleton(s);\n\treturn err;\n}\n\n"
         "static inline const void *" +
         name + "__elf_bytes(size_t *sz)\n{\n\t*sz = " + std::to_string(bytes.size()) +
         ";\n\treturn (const void *)\"\\\n";
  append_hex(out, bytes);
  out += "\";\n}\n";
  out += replace_all(kCplusplus, "@", name);
  if (gen.types != nullptr) gen.asserts();
  out += "\n#endif /* " + guard + " */\n";
  return std::move(out);
}

}  // namespace xbpf::cli
