// Selects the implementation for the target OS.
#if defined(_WIN32)
#include "platform/windows/platform_windows.inc"
#else
#include "platform/linux/platform_linux.inc"
#endif
