// Test support: a small registry written as interchange CSV files and read back, as `prrt import` reads it.
#pragma once

#include <map>
#include <string>

#include "prrt/registry/interchange.h"

namespace prrt::testing {

//! Writes `files` (name → content, header included) to a fresh folder and reads it with the day of the test
//! suite (2026-11-27) as today; a read error fails the calling test.
registry::Interchange ReadScenario(const std::string& name, const std::map<std::string, std::string>& files);

}  // namespace prrt::testing
