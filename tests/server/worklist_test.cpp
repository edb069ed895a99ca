// The worklist's default order (most urgent first) kept by Put and Remove once ordered, against the order a
// sort of the same entries gives.
#include "server/worklist.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "prrt/registry/interchange.h"
#include "prrt/sim/simulator.h"
#include "support/scenario.h"

namespace prrt::server {
namespace {

// 300 simulated patients' plans as of two days (their urgency differs: due, overdue or neither): after 600
// random puts (of either day's plan, new or replacing) and removals on an ordered worklist, every answer
// (the default order, and a page of it) is that of a worklist of the same plans put anew and sorted once.
TEST(Worklist, PutAndRemoveKeepTheOrderASortGives) {
  testing::TempDir dir("worklist_order");
  ASSERT_TRUE(sim::SimulateRegistry(sim::CalibratedModel(), 300, 3, dir.path.string()).ok());
  registry::Problems problems;
  const registry::Day today = *registry::ParseDay("2026-11-27");
  Result<registry::Interchange> data = registry::ReadInterchange(dir.path.string(), today, problems);
  ASSERT_TRUE(data.ok()) << data.status().message();
  Result<protocol::Protocol> protocol = protocol::DefaultProtocol();
  ASSERT_TRUE(protocol.ok());
  std::vector<std::string> ids;
  std::map<std::string, std::array<protocol::Plan, 2>> plans;  // as of each day
  std::set<int> urgencies_seen;
  for (const auto& [id, rows] : registry::SplitByPatient(*data)) {
    ids.push_back(id);
    for (int d = 0; d < 2; ++d) {
      Result<protocol::Plan> plan = protocol::PlanNextActions(
          rows, id, *registry::ParseDay(d == 0 ? "2008-03-01" : "2012-09-15"), *protocol);
      ASSERT_TRUE(plan.ok()) << plan.status().message();
      plans[id][d] = *plan;
      for (const protocol::PlannedAction& action : plan->actions)
        urgencies_seen.insert(action.status == "overdue" ? 0 : action.status == "due" ? 1 : 2);
    }
  }
  ASSERT_EQ(ids.size(), 300u);
  ASSERT_EQ(urgencies_seen, (std::set<int>{0, 1, 2}));  // the order has something to keep

  Worklist kept;
  std::map<std::string, int> now;  // each patient's plan in `kept`: the day's index
  for (const std::string& id : ids) {
    kept.Put(plans[id][0], *protocol);
    now[id] = 0;
  }
  kept.Order();
  std::mt19937 random(20261206);
  for (int change = 0; change < 600; ++change) {
    const std::string& id = ids[random() % ids.size()];
    if (random() % 3 == 0) {
      kept.Remove(id);
      now.erase(id);
    } else {
      const int d = static_cast<int>(random() % 2);
      kept.Put(plans[id][d], *protocol);
      now[id] = d;
    }
  }
  Worklist sorted;
  for (const auto& [id, d] : now)
    sorted.Put(plans[id][d], *protocol);
  sorted.Order();
  ASSERT_EQ(kept.size(), now.size());
  WorklistQuery all, page;
  page.offset = 40;
  page.limit = 25;
  page.filter = "due";
  EXPECT_EQ(kept.Answer(all, "2026-11-27"), sorted.Answer(all, "2026-11-27"));
  EXPECT_EQ(kept.Answer(page, "2026-11-27"), sorted.Answer(page, "2026-11-27"));
}

// A patient to correct takes the place of their entry, is listed in every answer whatever the query, and
// is no longer once their plan is put again (or they are removed).
TEST(Worklist, APatientToCorrectIsListedInPlaceOfTheirEntryUntilTheirPlanIsPut) {
  registry::Problems problems;
  const registry::Day today = *registry::ParseDay("2026-11-27");
  Result<registry::Interchange> data =
      registry::ReadInterchange("tests/data/registry_example", today, problems);
  ASSERT_TRUE(data.ok()) << data.status().message();
  Result<protocol::Protocol> protocol = protocol::DefaultProtocol();
  ASSERT_TRUE(protocol.ok());
  Worklist worklist;
  std::map<std::string, protocol::Plan> plans;
  for (const auto& [id, rows] : registry::SplitByPatient(*data)) {
    Result<protocol::Plan> plan = protocol::PlanNextActions(rows, id, today, *protocol);
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plans[id] = *plan;
    worklist.Put(*plan, *protocol);
  }
  worklist.Order();
  worklist.PutToCorrect("P002", {"patients.csv (recorded) P002: sex: found 'x'; expected one of: m, f"});
  EXPECT_EQ(worklist.ToCorrect(), std::vector<std::string>{"P002"});
  EXPECT_EQ(worklist.size(), 2u);
  WorklistQuery query;
  query.filter = "overdue";
  query.text = "no such text";
  const nlohmann::json answer = nlohmann::json::parse(worklist.Answer(query, "2026-11-27"));
  EXPECT_EQ(answer["total"], 2);
  EXPECT_EQ(answer["matched"], 0);
  EXPECT_EQ(
      answer["patients_to_correct"],
      nlohmann::json::parse(R"([{"patient_id": "P002", "problems": ["patients.csv (recorded) P002: sex: )"
                            R"(found 'x'; expected one of: m, f"]}])"));
  worklist.Put(plans.at("P002"), *protocol);
  EXPECT_TRUE(worklist.ToCorrect().empty());
  EXPECT_EQ(worklist.size(), 3u);
  worklist.PutToCorrect("P003", {"a problem"});
  worklist.Remove("P003");
  EXPECT_TRUE(worklist.ToCorrect().empty());
  EXPECT_EQ(nlohmann::json::parse(worklist.Answer({}, "2026-11-27"))["patients_to_correct"],
            nlohmann::json::array());
}

}  // namespace
}  // namespace prrt::server
