// Selects the implementation for the target OS.
#if defined(_WIN32)
#include "platform/windows/packet_io_windows.inc"
#else
#include "platform/linux/packet_io_linux.inc"
#endif
