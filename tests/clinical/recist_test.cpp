#include "prrt/clinical/recist.h"

#include <gtest/gtest.h>

namespace prrt::clinical {
namespace {

using R = Response;

struct OverallCase {
  std::optional<R> target, non_target;
  bool new_lesions;
  R overall;
};

// Eisenhauer 2009, Table 1 (target disease) and Table 2 (non-target disease only), every row.
TEST(RecistOverall, EveryRowOfTables1And2) {
  const OverallCase rows[] = {
      {R::kCr, R::kCr, false, R::kCr},
      {R::kCr, std::nullopt, false, R::kCr},
      {R::kCr, R::kNonCrNonPd, false, R::kPr},
      {R::kCr, R::kNe, false, R::kPr},
      {R::kPr, R::kNonCrNonPd, false, R::kPr},
      {R::kPr, R::kNe, false, R::kPr},
      {R::kPr, R::kCr, false, R::kPr},
      {R::kSd, R::kNonCrNonPd, false, R::kSd},
      {R::kSd, R::kNe, false, R::kSd},
      {R::kNe, R::kNonCrNonPd, false, R::kNe},
      {R::kPd, R::kCr, false, R::kPd},
      {R::kPd, R::kNonCrNonPd, true, R::kPd},
      {R::kCr, R::kPd, false, R::kPd},
      {R::kSd, R::kPd, false, R::kPd},
      {R::kCr, R::kCr, true, R::kPd},
      {R::kSd, std::nullopt, true, R::kPd},
      // Table 2
      {std::nullopt, R::kCr, false, R::kCr},
      {std::nullopt, R::kNonCrNonPd, false, R::kNonCrNonPd},
      {std::nullopt, R::kNe, false, R::kNe},
      {std::nullopt, R::kPd, false, R::kPd},
      {std::nullopt, R::kCr, true, R::kPd},
  };
  for (const OverallCase& c : rows) {
    EXPECT_EQ(OverallResponse(c.target, c.non_target, c.new_lesions), c.overall)
        << (c.target ? ToString(*c.target) : "none") << " / "
        << (c.non_target ? ToString(*c.non_target) : "none") << " / new " << c.new_lesions;
  }
}

LesionMeasurement Target(std::string id, double mm, bool node = false) {
  return {std::move(id), LesionRole::kTarget, node, mm, ""};
}
LesionMeasurement NonTarget(std::string id, std::string status) {
  return {std::move(id), LesionRole::kNonTarget, false, std::nullopt, std::move(status)};
}
LesionMeasurement New(std::string id) {
  return {std::move(id), LesionRole::kNew, false, 5.0, ""};
}

// Baseline: two targets summing to `sum` (split 60/40) at day 0, then one assessment.
R TargetResponse(double baseline_sum, std::vector<double> later_sums) {
  std::vector<Assessment> a{{0, {Target("a", baseline_sum * 0.6), Target("b", baseline_sum * 0.4)}}};
  int64_t day = 0;
  for (double s : later_sums)
    a.push_back({day += 50, {Target("a", s * 0.6), Target("b", s * 0.4)}});
  Result<RecistResult> r = EvaluateRecist(a);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return *r->time_points.back().target;
}

TEST(RecistTarget, ThresholdsAgainstBaselineAndNadir) {
  EXPECT_EQ(TargetResponse(100, {70}), R::kPr);     // exactly -30%
  EXPECT_EQ(TargetResponse(100, {70.1}), R::kSd);   // just short of it
  EXPECT_EQ(TargetResponse(100, {120}), R::kPd);    // +20% and +20 mm
  EXPECT_EQ(TargetResponse(100, {119.9}), R::kSd);  // +19.9%
  EXPECT_EQ(TargetResponse(20, {24}), R::kSd);      // +20% but only +4 mm: the 5 mm rule
  EXPECT_EQ(TargetResponse(25, {30}), R::kPd);      // +20% and +5 mm
  EXPECT_EQ(TargetResponse(100, {50, 60}),
            R::kPd);  // +20% and +10 mm against the nadir 50, still -40% of baseline
  EXPECT_EQ(TargetResponse(100, {0}), R::kCr);
}

TEST(RecistTarget, CompleteResponseAllowsNodesBelowTenMillimetres) {
  std::vector<Assessment> a{{0, {Target("liver", 30), Target("node", 18, true)}},
                            {60, {Target("liver", 0), Target("node", 9.9, true)}},
                            {120, {Target("liver", 0), Target("node", 10, true)}}};
  Result<RecistResult> r = EvaluateRecist(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_points[0].target, R::kCr);
  EXPECT_DOUBLE_EQ(*r->time_points[0].target_sum_mm, 9.9);  // the sum may be > 0 at CR
  EXPECT_EQ(r->time_points[1].target, R::kPr);              // node back at 10 mm: not CR; 10/48 of baseline
}

TEST(RecistBest, CompleteResponseConfirmedAsPartialWhenANodeRegrowsToTenMillimetres) {
  // Baseline 90 + node 18 = 108. Day 60: 0 + 9 (CR, sum 9). Day 100: node 10: +11% on the nadir (not PD),
  // not CR (node >= 10), 10 <= 0.7 x 108: PR. The CR is confirmed as PR.
  std::vector<Assessment> a{{0, {Target("a", 90), Target("n", 18, true)}},
                            {60, {Target("a", 0), Target("n", 9, true)}},
                            {100, {Target("a", 0), Target("n", 10, true)}}};
  Result<RecistResult> r = EvaluateRecist(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_points[1].overall, R::kPr);
  EXPECT_EQ(r->best_response, R::kCr);
  EXPECT_EQ(r->best_response_confirmed, R::kPr);
}

TEST(RecistTarget, MissingTargetMeasurementIsNotEvaluable) {
  std::vector<Assessment> a{{0, {Target("a", 30), Target("b", 20)}}, {60, {Target("a", 10)}}};
  Result<RecistResult> r = EvaluateRecist(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_points[0].target, R::kNe);
  EXPECT_FALSE(r->time_points[0].target_sum_mm.has_value());
}

TEST(RecistBest, SdNeedsTheMinimumIntervalAndConfirmationNeeds28Days) {
  // SD only at day 30 (< 42) then PD: best PD. SD at day 42: best SD.
  auto best = [](std::vector<std::pair<int64_t, double>> points, bool confirmed) {
    std::vector<Assessment> a{{0, {Target("a", 100)}}};
    for (auto [day, sum] : points)
      a.push_back({day, {Target("a", sum)}});
    Result<RecistResult> r = EvaluateRecist(a);
    EXPECT_TRUE(r.ok());
    return confirmed ? r->best_response_confirmed : r->best_response;
  };
  EXPECT_EQ(best({{30, 95}, {90, 130}}, false), R::kPd);
  EXPECT_EQ(best({{42, 95}}, false), R::kSd);
  EXPECT_EQ(best({{30, 95}}, false), R::kNe);
  // PR at 60, PR again at 88 (28 days): confirmed PR. At 87: unconfirmed, falls back to SD.
  EXPECT_EQ(best({{60, 60}, {88, 65}}, true), R::kPr);
  EXPECT_EQ(best({{60, 60}, {87, 65}}, true), R::kSd);
  EXPECT_EQ(best({{60, 60}, {87, 65}}, false), R::kPr);
  // CR then CR 28 days later: confirmed CR. CR then a regrowth of 40 mm: PD against the nadir 0, so the
  // CR is unconfirmed and the best confirmed response is SD (day 60 is past the SD minimum).
  EXPECT_EQ(best({{60, 0}, {100, 0}}, true), R::kCr);
  EXPECT_EQ(best({{60, 0}, {100, 40}}, true), R::kSd);
  // Time points after the first PD do not count.
  EXPECT_EQ(best({{60, 130}, {120, 50}}, false), R::kPd);
}

TEST(RecistNonTarget, NonTargetOnlyDiseaseAndNewLesions) {
  std::vector<Assessment> a{{0, {NonTarget("bone", "present")}},
                            {60, {NonTarget("bone", "present")}},
                            {120, {NonTarget("bone", "absent")}},
                            {180, {NonTarget("bone", "absent"), New("liver2")}}};
  Result<RecistResult> r = EvaluateRecist(a);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->time_points[0].overall, R::kNonCrNonPd);
  EXPECT_EQ(r->time_points[1].overall, R::kCr);
  EXPECT_EQ(r->time_points[2].overall, R::kPd);
  EXPECT_FALSE(r->time_points[0].target.has_value());
  EXPECT_EQ(r->best_response, R::kCr);
  // The CR at day 120 has no later CR before the PD: unconfirmed, so non-CR/non-PD (day >= 42).
  EXPECT_EQ(r->best_response_confirmed, R::kNonCrNonPd);
}

TEST(RecistErrors, BadAssessmentsAreReported) {
  EXPECT_FALSE(EvaluateRecist({}).ok());
  EXPECT_FALSE(EvaluateRecist({{0, {New("x")}}}).ok());
  EXPECT_FALSE(EvaluateRecist({{10, {Target("a", 10)}}, {5, {Target("a", 10)}}}).ok());
  EXPECT_FALSE(EvaluateRecist({{0, {Target("a", 10)}}, {50, {Target("b", 10)}}}).ok());
}

}  // namespace
}  // namespace prrt::clinical
