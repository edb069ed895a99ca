// prrt/report/json.h — JSON numbers as every output of prrt writes them: null for NaN, infinity and absent
// values.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "prrt/stats/survival.h"

namespace prrt::report {

nlohmann::json JsonNumber(double value);
nlohmann::json JsonNumber(const std::optional<double>& value);

//! A Kaplan–Meier table as `prrt stats km --json` gives it: time, n_risk, n_event, n_censor, surv, std_err,
//! lower, upper per row (KmRowJson).
nlohmann::json KmTableJson(const stats::KmCurve& curve);
nlohmann::json KmRowJson(const stats::KmRow& row);

}  // namespace prrt::report
