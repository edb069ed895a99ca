#include "prrt/common/output_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace prrt {

Result<std::ofstream> OpenOutputFile(const std::string& path) {
  errno = 0;
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    const int reason = errno;
    return IoError(fmt::format("{}: cannot write the file{}", path,
                               reason != 0 ? std::string(": ") + std::strerror(reason) : std::string()));
  }
  return out;
}

}  // namespace prrt
