// prrt/common/output_file.h — a file prrt writes (a report, an export), opened with the system's reason when
// it cannot be.
#pragma once

#include <fstream>
#include <string>

#include "prrt/common/result.h"

namespace prrt {

//! `path` opened for writing (binary; an existing file is replaced). IoError "PATH: cannot write the file:
//! REASON" otherwise, with the system's reason (Is a directory, Permission denied, No such file or
//! directory).
Result<std::ofstream> OpenOutputFile(const std::string& path);

}  // namespace prrt
