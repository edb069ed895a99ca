#include "prrt/report/json.h"

#include <cmath>

namespace prrt::report {

nlohmann::json JsonNumber(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json JsonNumber(const std::optional<double>& value) {
  return value ? JsonNumber(*value) : nlohmann::json(nullptr);
}

}  // namespace prrt::report
