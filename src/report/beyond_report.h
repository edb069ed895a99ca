// Private: the "Beyond the paper" part of `prrt study`'s output — its JSON object and its report sections.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "prrt/report/report.h"
#include "prrt/study/beyond.h"

namespace prrt::report {

nlohmann::json BeyondJson(const study::BeyondResults& results);

//! The sections with their plain-language reasons, tables and figures.
std::vector<Section> BeyondSections(const study::BeyondResults& results, bool ci_bands);

}  // namespace prrt::report
