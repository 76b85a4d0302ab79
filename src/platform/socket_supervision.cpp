// Selects the implementation for the target OS (platform/socket_supervision.h).
#include "platform/socket_supervision.h"

#if defined(_WIN32)
#include "platform/windows/socket_supervision_windows.inc"
#else
#include "platform/linux/socket_supervision_linux.inc"
#endif
