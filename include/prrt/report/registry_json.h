// prrt/report/registry_json.h — a patient's timeline, eligibility and plan, and the audit trail's entries,
// as JSON: the objects of `prrt patient --json`, `prrt eligibility --json`, `prrt plan --json` and
// `prrt audit --json`, which the server's API returns too.
#pragma once

#include <nlohmann/json.hpp>

#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"
#include "prrt/registry/store.h"
#include "prrt/registry/timeline.h"

namespace prrt::report {

nlohmann::json TimelineJson(const registry::Timeline& timeline);
nlohmann::json EligibilityJson(const protocol::Eligibility& eligibility);
nlohmann::json PlanJson(const protocol::Plan& plan, const protocol::Protocol& protocol);
nlohmann::json AuditEntryJson(const registry::AuditEntry& entry);

}  // namespace prrt::report
