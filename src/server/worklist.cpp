#include "worklist.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <nlohmann/json.hpp>

#include "prrt/common/utf8.h"
#include "prrt/report/json.h"
#include "prrt/report/registry_json.h"
#include "query.h"

namespace prrt::server {

namespace {

const std::vector<std::string> kFilters = {"due", "overdue", "eligible", "blocked"};
const std::vector<std::string> kSortKeys = {"urgency", "patient", "phase",      "status",
                                            "cycles",  "next",    "eligibility"};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

Result<size_t> Count(const std::map<std::string, std::string>& parameters, const std::string& name) {
  const std::string& text = parameters.at(name);
  if (text.empty() || text.size() > 9 || !std::all_of(text.begin(), text.end(), ::isdigit))
    return InvalidArgument(
        fmt::format("{}: found '{}'; expected a whole number 0 or more", name, ShowUtf8(text)));
  return static_cast<size_t>(std::stoul(text));
}

}  // namespace

Result<WorklistQuery> ParseWorklistQuery(const std::map<std::string, std::string>& parameters) {
  if (Status known = KnownParameters(parameters, {"filter", "q", "sort", "order", "offset", "limit"});
      !known.ok())
    return known;
  WorklistQuery query;
  auto given = [&](const char* name) { return parameters.count(name) > 0 && !parameters.at(name).empty(); };
  auto one_of = [&](const char* name, const std::vector<std::string>& allowed) -> Status {
    if (std::find(allowed.begin(), allowed.end(), parameters.at(name)) != allowed.end()) return Status();
    return InvalidArgument(fmt::format("{}: found '{}'; expected one of {}", name,
                                       ShowUtf8(parameters.at(name)), fmt::join(allowed, ", ")));
  };
  if (given("filter")) {
    if (Status s = one_of("filter", kFilters); !s.ok()) return s;
    query.filter = parameters.at("filter");
  }
  if (given("q")) query.text = Lower(parameters.at("q"));
  if (given("sort")) {
    if (Status s = one_of("sort", kSortKeys); !s.ok()) return s;
    const auto key = std::find(kSortKeys.begin(), kSortKeys.end(), parameters.at("sort"));
    query.sort = static_cast<WorklistSort>(key - kSortKeys.begin());  // kSortKeys is in the enum's order
  }
  if (given("order")) {
    if (Status s = one_of("order", {"asc", "desc"}); !s.ok()) return s;
    query.descending = parameters.at("order") == "desc";
  }
  if (given("offset")) {
    Result<size_t> offset = Count(parameters, "offset");
    if (!offset.ok()) return offset.status();
    query.offset = *offset;
  }
  if (given("limit")) {
    Result<size_t> limit = Count(parameters, "limit");
    if (!limit.ok()) return limit.status();
    query.limit = *limit;
  }
  return query;
}

void Worklist::Put(const protocol::Plan& plan, const protocol::Protocol& protocol) {
  nlohmann::json element = report::PlanJson(plan, protocol);
  nlohmann::json due = nlohmann::json::array();
  Entry entry;
  entry.patient_id = plan.patient_id;
  const protocol::PlannedAction* next = plan.actions.empty() ? nullptr : &plan.actions.front();
  for (size_t a = 0; a < plan.actions.size(); ++a) {
    const protocol::PlannedAction& action = plan.actions[a];
    if (action.status != "due" && action.status != "overdue") continue;
    if (due.empty()) next = &action;
    entry.urgency = std::min(entry.urgency, action.status == "overdue" ? 0 : 1);
    due.push_back(element["actions"][a]);
  }
  element["due"] = std::move(due);
  entry.phase = plan.phase.value_or("");
  entry.status = plan.phase_status;
  entry.cycles_given = plan.cycles_given;
  // After RR-PRRT there is no further phase: such a patient is neither eligible nor blocked.
  if (plan.eligibility && plan.eligibility->next_phase) {
    const protocol::Eligibility& e = *plan.eligibility;
    entry.eligible = e.eligible;
    entry.eligibility = e.eligible
                            ? fmt::format("eligible for {}-PRRT", *e.next_phase)
                            : fmt::format("{}-PRRT blocked: {}", *e.next_phase, protocol::UnmetText(e));
  } else if (plan.eligibility) {
    entry.eligibility = "no further PRRT phase";
  }
  // The worklist's words for it, as sorted and searched: the page shows these rather than composing its own.
  element["eligibility_summary"] =
      entry.eligibility.empty() ? nlohmann::json() : nlohmann::json(entry.eligibility);
  entry.json = report::JsonText(element);
  std::string next_text;
  if (next != nullptr) {
    entry.next_date = next->window_start;
    next_text = fmt::format("{} {} {} {}", next->action, next->phase, next->status, next->reason);
  }
  entry.search_text = Lower(fmt::format("{}\t{}-prrt\t{}\t{}\t{}", entry.patient_id, entry.phase,
                                        entry.status, next_text, entry.eligibility));
  to_correct_.erase(plan.patient_id);
  const auto [at, added] = entries_.try_emplace(plan.patient_id);
  if (!added) Unorder(at->second);
  at->second = std::move(entry);
  if (ordered_) {
    by_urgency_.insert(std::lower_bound(by_urgency_.begin(), by_urgency_.end(), &at->second, ByUrgency),
                       &at->second);
  }
}

bool Worklist::ByUrgency(const Entry* a, const Entry* b) {
  return Before(*a, *b, WorklistSort::kUrgency);
}

void Worklist::Unorder(const Entry& entry) {
  if (!ordered_) return;
  // Entries differ at least by id, so the entry's place is where it would be inserted.
  const auto at = std::lower_bound(by_urgency_.begin(), by_urgency_.end(), &entry, ByUrgency);
  assert(at != by_urgency_.end() && *at == &entry);
  by_urgency_.erase(at);
}

void Worklist::Order() {
  if (ordered_) return;
  by_urgency_.clear();
  by_urgency_.reserve(entries_.size());
  for (const auto& [id, entry] : entries_)
    by_urgency_.push_back(&entry);
  std::sort(by_urgency_.begin(), by_urgency_.end(), ByUrgency);
  ordered_ = true;
}

void Worklist::Remove(const std::string& patient_id) {
  to_correct_.erase(patient_id);
  const auto at = entries_.find(patient_id);
  if (at == entries_.end()) return;
  Unorder(at->second);
  entries_.erase(at);
}

nlohmann::json ToCorrectId(const std::string& patient_id) {
  return patient_id.empty() ? nlohmann::json() : nlohmann::json(patient_id);
}

void Worklist::PutToCorrect(const std::string& patient_id, const std::vector<std::string>& problems) {
  Remove(patient_id);
  to_correct_[patient_id] =
      report::JsonText({{"patient_id", ToCorrectId(patient_id)}, {"problems", problems}});
}

std::vector<std::string> Worklist::ToCorrect() const {
  std::vector<std::string> ids;
  for (const auto& [id, element] : to_correct_)
    ids.push_back(id);
  return ids;
}

void Worklist::Clear() {
  to_correct_.clear();
  entries_.clear();
  by_urgency_.clear();
  ordered_ = false;
}

bool Worklist::Before(const Entry& a, const Entry& b, WorklistSort key) {
  // An action's date orders before no action at all.
  auto next = [](const Entry& e) { return std::pair(e.next_date.empty(), std::string_view(e.next_date)); };
  auto id = [](const Entry& e) { return std::string_view(e.patient_id); };
  auto by = [&](std::string Entry::*field) {
    return std::pair(std::string_view(a.*field), id(a)) < std::pair(std::string_view(b.*field), id(b));
  };
  switch (key) {
    case WorklistSort::kUrgency:
      return std::tuple(a.urgency, next(a), id(a)) < std::tuple(b.urgency, next(b), id(b));
    case WorklistSort::kPhase:
      return by(&Entry::phase);
    case WorklistSort::kStatus:
      return by(&Entry::status);
    case WorklistSort::kCycles:
      return std::pair(a.cycles_given, id(a)) < std::pair(b.cycles_given, id(b));
    case WorklistSort::kNext:
      return std::pair(next(a), id(a)) < std::pair(next(b), id(b));
    case WorklistSort::kEligibility:
      return by(&Entry::eligibility);
    case WorklistSort::kPatient:
      break;
  }
  return id(a) < id(b);
}

std::string Worklist::Answer(const WorklistQuery& query, const std::string& as_of) const {
  assert(ordered_ && by_urgency_.size() == entries_.size() && "Order() after Clear()");
  std::vector<const Entry*> matched;
  for (const Entry* e : by_urgency_) {
    const bool kept = query.filter.empty() || (query.filter == "due" && e->urgency <= 1) ||
                      (query.filter == "overdue" && e->urgency == 0) ||
                      (query.filter == "eligible" && e->eligible == true) ||
                      (query.filter == "blocked" && e->eligible == false);
    if (kept && (query.text.empty() || e->search_text.find(query.text) != std::string::npos))
      matched.push_back(e);
  }
  const size_t begin = std::min(query.offset, matched.size());
  const size_t end = query.limit ? std::min(matched.size(), begin + *query.limit) : matched.size();
  if (query.sort != WorklistSort::kUrgency || query.descending) {
    auto before = [&](const Entry* a, const Entry* b) {
      return query.descending ? Before(*b, *a, query.sort) : Before(*a, *b, query.sort);
    };
    // Only the page asked for needs its place: the rest stays unsorted.
    std::partial_sort(matched.begin(), matched.begin() + static_cast<std::ptrdiff_t>(end), matched.end(),
                      before);
  }
  std::string out = fmt::format(
      R"({{"as_of":"{}","total":{},"matched":{},"offset":{},"limit":{},"patients":[)", as_of, entries_.size(),
      matched.size(), query.offset, query.limit ? std::to_string(*query.limit) : "null");
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out += ',';
    out += matched[i]->json;
  }
  out += R"(],"patients_to_correct":[)";
  for (auto element = to_correct_.begin(); element != to_correct_.end(); ++element)
    out += (element == to_correct_.begin() ? "" : ",") + element->second;
  out += "]}";
  return out;
}

}  // namespace prrt::server
