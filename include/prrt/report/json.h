// prrt/report/json.h — JSON numbers as every output of prrt writes them: null for NaN, infinity and absent
// values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

namespace prrt::report {

nlohmann::json JsonNumber(double value);
nlohmann::json JsonNumber(const std::optional<double>& value);

}  // namespace prrt::report
