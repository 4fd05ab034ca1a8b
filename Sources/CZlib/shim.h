// zlib (Debian package zlib1g-dev): its crc32, the block checksum of the binary record form.
#include <zlib.h>
