// Shared by the commands that read or fill a registry (registry_commands.cpp defines these).
#pragma once

#include <string>

#include "cli/app.h"
#include "prrt/common/result.h"
#include "prrt/registry/interchange.h"
#include "prrt/registry/store.h"

namespace prrt::cli {

//! A date option, or today when it is empty.
Result<registry::Day> DateOption(const std::string& text, const char* option = "--today");

//! An existing registry file (a missing file is an error, not a new empty registry).
Result<registry::Store> OpenRegistry(const std::string& db);

//! How many parts a registry is read in at once: the machine's cores.
int RegistryParts();

//! A folder of interchange files, validated as `prrt import` does (today as the limit for dates).
Result<registry::Interchange> ReadFolder(const std::string& folder);

//! Validates a folder of interchange files and stores it in `db`, all or nothing, reporting as `prrt import`
//! does; returns the exit code. Large folders (or any, `by_patient`) are read patient by patient when their
//! rows are together by patient, so that memory does not grow with the folder.
int ImportFolder(CommandContext& context, const std::string& folder, const std::string& db,
                 const std::string& user, registry::Day today, bool dry_run, bool by_patient = false);

}  // namespace prrt::cli
