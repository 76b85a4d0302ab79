// bpf_link: the application's handle on a link, and the fd-level link calls.
#include "libbpf/links.h"

#include <cerrno>

#include "libbpf/bpf_object.h"
#include "libbpf/library.h"
#include "libbpf/map_access.h"
#include "libbpf/pins.h"

namespace xbpf::libbpf {

Status Attachment::replace(std::shared_ptr<ProgramResource> /*program*/) {
  Error error = make_error("this attachment cannot replace its program");
  error.linux_errno = EOPNOTSUPP;
  return error;
}

AttachmentLink::AttachmentLink(std::uint32_t link_type, std::shared_ptr<ProgramResource> attached,
                               std::unique_ptr<Attachment> attachment)
    : attachment_(std::move(attachment)) {
  type = link_type;
  program = std::move(attached);
}

void AttachmentLink::detach() {
  std::unique_ptr<Attachment> stopped;  // stops outside the lock
  std::lock_guard lock(mutex_);
  stopped = std::move(attachment_);
}

void AttachmentLink::describe(bpf_link_info& info) const {
  std::lock_guard lock(mutex_);
  if (attachment_ != nullptr) attachment_->describe(info);
}

Status AttachmentLink::replace(std::shared_ptr<ProgramResource> replacement) {
  std::lock_guard lock(mutex_);
  if (attachment_ == nullptr) {
    Error error = make_error("the link is detached");
    error.linux_errno = ENOLINK;
    return error;
  }
  XBPF_TRY(attachment_->replace(replacement));
  program = std::move(replacement);
  return {};
}

bpf_link* make_link(std::uint32_t link_type, std::shared_ptr<ProgramResource> program,
                    std::unique_ptr<Attachment> attachment) {
  auto resource =
      std::make_shared<AttachmentLink>(link_type, std::move(program), std::move(attachment));
  resource->id = Registry::instance().new_id(ResourceKind::link);
  Registry::instance().add(ResourceKind::link, resource->id, resource);
  const int fd = Descriptors::instance().open(resource);
  if (fd < 0) return fail_null<bpf_link>(-fd);
  auto* link = new bpf_link();
  link->resource = std::move(resource);
  link->fd = fd;
  return link;
}

bpf_link* unsupported_attach(const bpf_program* program, const std::string& what) {
  warn("prog '" + std::string(program != nullptr ? program->name : "") + "': " + what +
       " cannot be attached in user mode (xbpf runs programs in the application's process, "
       "not in the kernel)");
  return fail_null<bpf_link>(EOPNOTSUPP);
}

}  // namespace xbpf::libbpf

using namespace xbpf::libbpf;  // NOLINT(google-build-using-namespace)

namespace {

std::shared_ptr<AttachmentLink> attachment_link_of(int fd, int* error) {
  auto link = Descriptors::instance().find<LinkResource>(fd, ResourceKind::link);
  if (link == nullptr) {
    *error = bad_descriptor_errno(fd);
    return nullptr;
  }
  return std::static_pointer_cast<AttachmentLink>(link);
}

}  // namespace

int bpf_link__fd(const struct bpf_link* link) { return link->fd; }

const char* bpf_link__pin_path(const struct bpf_link* link) {
  return link->pin_path ? link->pin_path->c_str() : nullptr;
}

int bpf_link__pin(struct bpf_link* link, const char* path) {
  if (link->pin_path) return fail(EBUSY);
  if (path == nullptr) return fail(EINVAL);
  const int result = pin(path, link->resource);
  if (result != 0) return fail(-result);
  link->pin_path = path;
  debug("link fd=" + std::to_string(link->fd) + ": pinned at " + path);
  return 0;
}

int bpf_link__unpin(struct bpf_link* link) {
  if (!link->pin_path) return fail(EINVAL);
  const int result = unpin(*link->pin_path);
  if (result != 0) return fail(-result);
  debug("link fd=" + std::to_string(link->fd) + ": unpinned from " + *link->pin_path);
  link->pin_path.reset();
  return 0;
}

struct bpf_link* bpf_link__open(const char* path) {
  const int fd = bpf_obj_get(path);
  if (fd < 0) {
    warn(std::string("failed to open link at ") + path + ": " + std::to_string(fd));
    return nullptr;
  }
  auto resource = Descriptors::instance().find<LinkResource>(fd, ResourceKind::link);
  if (resource == nullptr) {
    Descriptors::instance().close(fd);
    return fail_null<bpf_link>(EINVAL);
  }
  auto* link = new bpf_link();
  link->resource = std::move(resource);
  link->fd = fd;
  link->pin_path = path;
  return link;
}

void bpf_link__disconnect(struct bpf_link* link) { link->disconnected = true; }

int bpf_link__detach(struct bpf_link* link) { return bpf_link_detach(link->fd); }

int bpf_link__update_program(struct bpf_link* link, struct bpf_program* prog) {
  return bpf_link_update(link->fd, bpf_program__fd(prog), nullptr);
}

int bpf_link__destroy(struct bpf_link* link) {
  if (link == nullptr) return 0;
  // The link goes with its last holder (a descriptor, a pin); disconnected, its descriptor
  // stays open and keeps it.
  if (!link->disconnected && link->fd >= 0) Descriptors::instance().close(link->fd);
  delete link;
  return 0;
}

int bpf_link_detach(int link_fd) {
  int error = 0;
  std::shared_ptr<AttachmentLink> link = attachment_link_of(link_fd, &error);
  if (link == nullptr) return fail(error);
  link->detach();
  return 0;
}

int bpf_link_update(int link_fd, int new_prog_fd, const struct bpf_link_update_opts* opts) {
  if (!XBPF_OPTS_VALID(opts, bpf_link_update_opts)) return fail(EINVAL);
  int error = 0;
  std::shared_ptr<AttachmentLink> link = attachment_link_of(link_fd, &error);
  if (link == nullptr) return fail(error);
  std::shared_ptr<ProgramResource> program = program_of(new_prog_fd, &error);
  if (program == nullptr) return fail(error);
  if (const __u32 old_fd = XBPF_OPTS_GET(opts, old_prog_fd, 0U); old_fd != 0) {
    std::shared_ptr<ProgramResource> old = program_of(static_cast<int>(old_fd), &error);
    if (old == nullptr) return fail(error);
    if (old != link->program) return fail(EPERM);
  }
  xbpf::Status replaced = link->replace(std::move(program));
  if (!replaced) {
    debug(replaced.error().message);
    return fail(errno_of(replaced.error(), EINVAL));
  }
  return 0;
}
