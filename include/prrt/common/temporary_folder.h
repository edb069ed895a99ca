// prrt/common/temporary_folder.h — a folder of the process's own in the temporary directory, removed with it.
#pragma once

#include <filesystem>
#include <string>

#include "prrt/common/result.h"

namespace prrt {

//! A new folder in the temporary directory (TMPDIR, else /tmp) that only this user may open (mode 700), named
//! by `prefix` and six random characters. Made with mkdtemp: nobody can have made it, or put a link under its
//! name, before. Removed, with what it holds, when the object is destroyed.
class TemporaryFolder {
 public:
  //! IoError saying what is wrong when the temporary directory cannot be used.
  static Result<TemporaryFolder> Make(const std::string& prefix);
  TemporaryFolder(TemporaryFolder&& other) noexcept;
  TemporaryFolder& operator=(TemporaryFolder&& other) noexcept;
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  ~TemporaryFolder();

  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TemporaryFolder(std::filesystem::path path) : path_(std::move(path)) {}
  void Remove();
  std::filesystem::path path_;  // empty once moved from
};

}  // namespace prrt
