// Shared by the commands that read or fill a registry (registry_commands.cpp defines these).
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "cli/app.h"
#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"
#include "prrt/registry/store.h"

namespace prrt::cli {

//! A date option, or today when it is not given (given empty, it is no date).
Result<registry::Day> DateOption(const std::optional<std::string>& text, const char* option = "--today");

//! An existing registry file (a missing file is an error, not a new empty registry).
Result<registry::Store> OpenRegistry(const std::string& db);

//! How many parts a registry is read in at once: the machine's cores.
int RegistryParts();

//! A folder of interchange files, validated as `prrt import` does (today as the limit for dates).
Result<registry::Interchange> ReadFolder(const std::string& folder);

//! Whether a folder is read patient by patient, holding one patient's rows at a time: when asked
//! (`by_patient`), and from 64 MB on.
bool ReadsByPatient(const std::string& folder, bool by_patient);

//! `read_by_patient()` where ReadsByPatient says so; `read_whole()` otherwise, and when `read_by_patient`
//! finds the folder's rows not together by patient (its OutOfOrder, said on stderr; it has done nothing
//! then). Any other failure is returned as it is.
template <typename T>
Result<T> ReadByPatientOrWhole(CommandContext& context, const std::string& folder, bool by_patient,
                               const std::function<Result<T>()>& read_by_patient,
                               const std::function<Result<T>()>& read_whole) {
  if (ReadsByPatient(folder, by_patient)) {
    Result<T> read = read_by_patient();
    if (read.status().code() != StatusCode::kOutOfOrder) return read;
    context.err << read.status().message() << "\n";
  }
  return read_whole();
}

//! Validates a folder of interchange files and stores it in `db`, all or nothing, reporting as `prrt import`
//! does; returns the exit code. Large folders (or any, `by_patient`) are read patient by patient when their
//! rows are together by patient, so that memory does not grow with the folder.
int ImportFolder(CommandContext& context, const std::string& folder, const std::string& db,
                 const std::string& user, registry::Day today, bool dry_run, bool by_patient = false);

}  // namespace prrt::cli
