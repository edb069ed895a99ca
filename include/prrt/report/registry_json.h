// prrt/report/registry_json.h — a patient's timeline, eligibility and plan, and the audit trail's entries,
// as JSON: the objects of `prrt patient --json`, `prrt eligibility --json`, `prrt plan --json` and
// `prrt audit --json`, which the server's API returns too; and the registry's CSV format itself.
#pragma once

#include <nlohmann/json.hpp>

#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"
#include "prrt/registry/store.h"
#include "prrt/registry/timeline.h"

namespace prrt::report {

//! `prrt patient --json`; each phase's `best_response_source` says where its best response comes from:
//! responses.csv (an assessment recorded), lesions.csv (computed from measurements), events.csv (a clinical
//! progression with no assessment before it), null without a best response.
nlohmann::json TimelineJson(const registry::Timeline& timeline);
nlohmann::json EligibilityJson(const protocol::Eligibility& eligibility);
nlohmann::json PlanJson(const protocol::Plan& plan, const protocol::Protocol& protocol);
nlohmann::json AuditEntryJson(const registry::AuditEntry& entry);

//! The registry CSV interchange format (registry::InterchangeSpecs): {"version", "free_text_prefix", "files":
//! [{"file", "required", "key", "columns": [{"name", "type" (text|date|number|integer|enum), "required",
//! "values" (enum), "min", "max", "min_exclusive" (numbers, where bounded), "values_by" (labs.csv's unit:
//! {"column": "test", "values": {test: [units]}})}]}]}. The clinic builds its forms from it.
nlohmann::json InterchangeFormatJson();

}  // namespace prrt::report
