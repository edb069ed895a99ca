#include "prrt/common/temporary_folder.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace prrt {

Result<TemporaryFolder> TemporaryFolder::Make(const std::string& prefix) {
  std::error_code error;
  const std::filesystem::path temp = std::filesystem::temp_directory_path(error);
  if (error) return IoError("no temporary directory (TMPDIR): " + error.message());
  std::string path = (temp / (prefix + "XXXXXX")).string();
  if (mkdtemp(path.data()) == nullptr)
    return IoError(fmt::format("cannot make a folder in '{}': {}", temp.string(), std::strerror(errno)));
  return TemporaryFolder(std::move(path));
}

TemporaryFolder::TemporaryFolder(TemporaryFolder&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TemporaryFolder& TemporaryFolder::operator=(TemporaryFolder&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

TemporaryFolder::~TemporaryFolder() {
  Remove();
}

void TemporaryFolder::Remove() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

}  // namespace prrt
