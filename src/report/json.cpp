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

nlohmann::json KmTableJson(const stats::KmCurve& curve) {
  nlohmann::json table = nlohmann::json::array();
  for (const stats::KmRow& row : curve.rows)
    table.push_back(KmRowJson(row));
  return table;
}

nlohmann::json KmRowJson(const stats::KmRow& row) {
  return {{"time", row.time},
          {"n_risk", row.n_risk},
          {"n_event", row.n_event},
          {"n_censor", row.n_censor},
          {"surv", row.surv},
          {"std_err", JsonNumber(row.std_err)},
          {"lower", JsonNumber(row.lower)},
          {"upper", JsonNumber(row.upper)}};
}

}  // namespace prrt::report
