// What other commands use from the study commands (study_commands.cpp defines these).
#pragma once

#include <string>

#include "cli/app.h"

namespace prrt::report {
struct WhatIfReport;
}

namespace prrt::cli {

//! `prrt export --adtte`: the registry's endpoints as an ADaM ADTTE CSV file; returns the exit code.
int ExportAdtte(CommandContext& context, const std::string& db, const std::string& path);

//! `prrt study --db DB --out FOLDER` with the default options, and the policy what-ifs when given; returns
//! the exit code.
int WriteStudy(CommandContext& context, const std::string& db, const std::string& folder,
               const report::WhatIfReport* whatif = nullptr);

}  // namespace prrt::cli
