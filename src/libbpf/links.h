// Attachments and the bpf_link API. A LinkResource is the kernel's bpf_link: it holds the
// running attachment (a hook's, which stops when destroyed) for as long as a descriptor, a pin
// or the application's struct bpf_link holds it, or until bpf_link_detach.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "libbpf/abi.h"
#include "libbpf/resources.h"
#include "support/error.h"

namespace xbpf::libbpf {

// A program running on a hook: attached while the object lives.
class Attachment {
 public:
  virtual ~Attachment() = default;
  // Replaces the program (bpf_link_update); EOPNOTSUPP where the hook cannot.
  virtual Status replace(std::shared_ptr<ProgramResource> program);
  // The type-specific part of bpf_link_info.
  virtual void describe(bpf_link_info& /*info*/) const {}
};

class AttachmentLink final : public LinkResource {
 public:
  AttachmentLink(std::uint32_t link_type, std::shared_ptr<ProgramResource> attached,
                 std::unique_ptr<Attachment> attachment);
  void detach() override;
  void describe(bpf_link_info& info) const override;
  Status replace(std::shared_ptr<ProgramResource> program);

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<Attachment> attachment_;
};

// A new link (id registered, descriptor made) around `attachment`; the bpf_link handed to the
// application, or NULL and errno.
bpf_link* make_link(std::uint32_t link_type, std::shared_ptr<ProgramResource> program,
                    std::unique_ptr<Attachment> attachment);

// What cannot be attached in user mode: a message and EOPNOTSUPP (NULL for the bpf_link).
bpf_link* unsupported_attach(const bpf_program* program, const std::string& what);

}  // namespace xbpf::libbpf

struct bpf_link {
  std::shared_ptr<xbpf::libbpf::LinkResource> resource;
  int fd = -1;
  std::optional<std::string> pin_path;
  bool disconnected = false;
};
