// The worklist kept in memory (GET /api/worklist): each patient's plan as of today, in the order a research
// nurse works through it, answered page by page with filters, a search text and a sort order, so that a
// registry of 100,000 patients is read once at start, not at every request.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prrt/common/result.h"
#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"

namespace prrt::server {

//! The orders of the worklist (`sort=`): urgency, patient, phase, status, cycles, next, eligibility.
enum class WorklistSort { kUrgency, kPatient, kPhase, kStatus, kCycles, kNext, kEligibility };

//! What GET /api/worklist was asked: `?filter=due|overdue|eligible|blocked&q=TEXT&sort=KEY&order=asc|desc
//! &offset=N&limit=N`. Without a limit every matching patient is returned.
struct WorklistQuery {
  //! empty: all; due (due or overdue), overdue, eligible or blocked (for the next phase, when there is one)
  std::string filter;
  std::string text;  //!< lower case; kept when found in the id, phase, status, next action or eligibility
  WorklistSort sort = WorklistSort::kUrgency;
  bool descending = false;
  size_t offset = 0;
  std::optional<size_t> limit;
};

//! The query from the request's parameters; an unknown filter, sort key or order, or a count that is not a
//! non-negative integer, is an invalid-argument error naming the parameter and what it may be.
Result<WorklistQuery> ParseWorklistQuery(const std::map<std::string, std::string>& parameters);

//! A patient to correct as the answers name them: by their id, or null for rows that have none (a NULL or
//! empty patient_id, changed with SQL outside prrt; the store reads them as one group, under "").
nlohmann::json ToCorrectId(const std::string& patient_id);

class Worklist {
 public:
  //! Adds or replaces the patient's entry, in its place in the default order once the entries are ordered.
  void Put(const protocol::Plan& plan, const protocol::Protocol& protocol);
  //! Takes the patient's entry out, if there is one, or their place among those to correct.
  void Remove(const std::string& patient_id);
  //! Lists the patient among those whose rows must be corrected before a plan can be made for them (they fail
  //! the checks an import makes: changed with SQL outside prrt), with the problems, in place of an entry. Put
  //! and Remove end it.
  void PutToCorrect(const std::string& patient_id, const std::vector<std::string>& problems);
  //! The patients to correct, in patient_id order.
  std::vector<std::string> ToCorrect() const;
  //! Puts the entries in the default order (most urgent first), which Answer() needs; once after Clear(), so
  //! that loading 100,000 patients sorts once. Put and Remove then keep the order, each moving one pointer
  //! (sorting 100,000 again after each write took some 50 ms).
  void Order();
  void Clear();
  size_t size() const { return entries_.size(); }

  //! `{"as_of", "total", "matched", "offset", "limit", "patients": [...], "patients_to_correct": [...]}`,
  //! each patient's plan as `prrt plan --json` with `due` (its due and overdue actions); every patient to
  //! correct as `{"patient_id", "problems": [...]}`, whatever the query (patient_id null for rows that have
  //! none).
  std::string Answer(const WorklistQuery& query, const std::string& as_of) const;

 private:
  struct Entry {
    std::string patient_id;
    std::string json;              // the patient's element of "patients", written once
    std::string search_text;       // lower case
    int urgency = 2;               // 0 overdue, 1 due, 2 neither
    std::optional<bool> eligible;  // for the next phase, when there is one
    std::string next_date;         // window start of the next action; empty: none
    std::string phase, status, eligibility;
    int cycles_given = 0;
  };
  static bool Before(const Entry& a, const Entry& b, WorklistSort key);
  static bool ByUrgency(const Entry* a, const Entry* b);
  void Unorder(const Entry& entry);  // takes the entry out of the order

  std::map<std::string, Entry> entries_;           // by patient id
  std::map<std::string, std::string> to_correct_;  // by patient id: the element of "patients_to_correct"
  std::vector<const Entry*> by_urgency_;           // the default order when ordered_
  bool ordered_ = false;
};

}  // namespace prrt::server
