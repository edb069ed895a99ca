#include <gtest/gtest.h>

#include <cmath>

#include "prrt/clinical/ctcae.h"
#include "prrt/clinical/decay.h"
#include "prrt/clinical/tumour.h"
#include "prrt/common/dates.h"

namespace prrt::clinical {
namespace {

struct LabCase {
  std::string test, unit;
  double value;
  std::optional<double> lln, uln;
  int grade;
};

void PrintTo(const LabCase& c, std::ostream* os) {
  *os << c.test << " " << c.value << " " << c.unit;
}

class CtcaeBoundaries : public ::testing::TestWithParam<LabCase> {};

TEST_P(CtcaeBoundaries, GradeAsPrintedInCtcaeV3) {
  const LabCase& c = GetParam();
  Result<CtcaeGrade> g = GradeLab(c.test, c.value, c.unit, c.lln, c.uln);
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->grade, c.grade);
  EXPECT_EQ(g->ctcae_version, "3.0");
}

// Written out from ../shared/reference/clinical-rules.md §1: "<A – B" is B <= x < A for counts;
// ">A – B×ULN" is A·ULN < x <= B·ULN for the ULN-based tests.
INSTANTIATE_TEST_SUITE_P(
    Printed, CtcaeBoundaries,
    ::testing::Values(
        // Hb mmol/L (LLN 7.5): G1 <LLN–6.2, G2 <6.2–4.9, G3 <4.9–4.0, G4 <4.0
        LabCase{"hb", "mmol/l", 7.6, 7.5, {}, 0}, LabCase{"hb", "mmol/l", 7.5, 7.5, {}, 0},
        LabCase{"hb", "mmol/l", 7.49, 7.5, {}, 1}, LabCase{"hb", "mmol/l", 6.2, 7.5, {}, 1},
        LabCase{"hb", "mmol/l", 6.19, {}, {}, 2}, LabCase{"hb", "mmol/l", 4.9, {}, {}, 2},
        LabCase{"hb", "mmol/l", 4.89, {}, {}, 3}, LabCase{"hb", "mmol/l", 4.0, {}, {}, 3},
        LabCase{"hb", "mmol/l", 3.99, {}, {}, 4}, LabCase{"hb", "mmol/l", 4.5, {}, {}, 3},
        // Hb g/dL: 10.0, 8.0, 6.5
        LabCase{"hb", "g/dl", 10.0, 12.0, {}, 1}, LabCase{"hb", "g/dl", 9.99, {}, {}, 2},
        LabCase{"hb", "g/dl", 8.0, {}, {}, 2}, LabCase{"hb", "g/dl", 7.99, {}, {}, 3},
        LabCase{"hb", "g/dl", 6.5, {}, {}, 3}, LabCase{"hb", "g/dl", 6.49, {}, {}, 4},
        LabCase{"hb", "g/dL", 6.49, {}, {}, 4},
        // Hb g/L: 100, 80, 65
        LabCase{"hb", "g/l", 100, 120, {}, 1}, LabCase{"hb", "g/l", 99.9, {}, {}, 2},
        LabCase{"hb", "g/l", 80, {}, {}, 2}, LabCase{"hb", "g/l", 79.9, {}, {}, 3},
        LabCase{"hb", "g/l", 65, {}, {}, 3}, LabCase{"hb", "g/l", 64.9, {}, {}, 4},
        // WBC 10^9/L: 3.0, 2.0, 1.0; and /mm3
        LabCase{"wbc", "10^9/l", 3.0, 4.0, {}, 1}, LabCase{"wbc", "10^9/l", 2.99, {}, {}, 2},
        LabCase{"wbc", "10^9/l", 2.0, {}, {}, 2}, LabCase{"wbc", "10^9/l", 1.99, {}, {}, 3},
        LabCase{"wbc", "10^9/l", 1.0, {}, {}, 3}, LabCase{"wbc", "10^9/l", 0.99, {}, {}, 4},
        LabCase{"wbc", "x10^9/L", 0.99, {}, {}, 4}, LabCase{"wbc", "/mm3", 1999, {}, {}, 3},
        // Neutrophils 1.5, 1.0, 0.5
        LabCase{"neutrophils", "10^9/l", 1.5, 2.0, {}, 1}, LabCase{"neutrophils", "10^9/l", 1.49, {}, {}, 2},
        LabCase{"neutrophils", "10^9/l", 0.99, {}, {}, 3}, LabCase{"neutrophils", "10^9/l", 0.49, {}, {}, 4},
        // Lymphocytes 0.8, 0.5, 0.2
        LabCase{"lymphocytes", "10^9/l", 0.8, 1.0, {}, 1}, LabCase{"lymphocytes", "10^9/l", 0.79, {}, {}, 2},
        LabCase{"lymphocytes", "10^9/l", 0.5, {}, {}, 2}, LabCase{"lymphocytes", "10^9/l", 0.19, {}, {}, 4},
        // Platelets 75, 50, 25
        LabCase{"platelets", "10^9/l", 150, 150, {}, 0}, LabCase{"platelets", "10^9/l", 75, 150, {}, 1},
        LabCase{"platelets", "10^9/l", 74.9, {}, {}, 2}, LabCase{"platelets", "10^9/l", 50, {}, {}, 2},
        LabCase{"platelets", "10^9/l", 49.9, {}, {}, 3}, LabCase{"platelets", "10^9/l", 25, {}, {}, 3},
        LabCase{"platelets", "10^9/l", 24.9, {}, {}, 4}, LabCase{"platelets", "/mm3", 74999, {}, {}, 2},
        // Creatinine (ULN 100 umol/L): >ULN–1.5, >1.5–3.0, >3.0–6.0, >6.0
        LabCase{"creatinine", "umol/l", 100, {}, 100, 0}, LabCase{"creatinine", "umol/l", 100.1, {}, 100, 1},
        LabCase{"creatinine", "umol/l", 150, {}, 100, 1}, LabCase{"creatinine", "umol/l", 150.1, {}, 100, 2},
        LabCase{"creatinine", "umol/l", 300, {}, 100, 2}, LabCase{"creatinine", "umol/l", 300.1, {}, 100, 3},
        LabCase{"creatinine", "umol/l", 600, {}, 100, 3}, LabCase{"creatinine", "umol/l", 600.1, {}, 100, 4},
        LabCase{"creatinine", "\xC2\xB5mol/L", 600.1, {}, 100, 4},
        LabCase{"creatinine", "mg/dl", 2.0, {}, 1.2, 2},
        // ALT/AST (ULN 40): >ULN–2.5, >2.5–5.0, >5.0–20, >20
        LabCase{"alt", "u/l", 100, {}, 40, 1}, LabCase{"alt", "u/l", 100.1, {}, 40, 2},
        LabCase{"alt", "u/l", 200, {}, 40, 2}, LabCase{"alt", "U/L", 200.1, {}, 40, 3},
        LabCase{"ast", "u/l", 800, {}, 40, 3}, LabCase{"ast", "IU/L", 800.1, {}, 40, 4},
        // Bilirubin (ULN 17): 1.5, 3.0, 10.0; ALP (ULN 120): 2.5, 5.0, 20.0
        LabCase{"bilirubin", "umol/l", 25.5, {}, 17, 1}, LabCase{"bilirubin", "umol/l", 25.6, {}, 17, 2},
        LabCase{"bilirubin", "umol/l", 170, {}, 17, 3}, LabCase{"bilirubin", "umol/l", 170.1, {}, 17, 4},
        LabCase{"alp", "u/l", 300, {}, 120, 1}, LabCase{"alp", "u/l", 600.1, {}, 120, 3},
        LabCase{"alp", "u/l", 2400.1, {}, 120, 4}));

TEST(CtcaeTable, EveryRowGradesJustBelowAtAndJustAboveEachCutOff) {
  for (const CtcaeRule& rule : CtcaeV3Rules()) {
    for (int g = 2; g <= 4; ++g) {
      const double cut = rule.cutoff[g - 2];
      if (rule.decreasing) {
        // B <= x < A: the cut-off itself belongs to the milder grade, anything below it to grade g (or
        // worse).
        EXPECT_GE(GradeLab(rule.test, cut * (1 - 1e-9), rule.unit, 1e9, {})->grade, g)
            << rule.test << rule.unit;
        EXPECT_LT(GradeLab(rule.test, cut, rule.unit, 1e9, {})->grade, g) << rule.test << rule.unit;
      } else {
        // A·ULN < x <= B·ULN: the cut-off belongs to the milder grade.
        EXPECT_LT(GradeLab(rule.test, cut * 10, rule.unit, {}, 10)->grade, g) << rule.test << rule.unit;
        EXPECT_GE(GradeLab(rule.test, cut * 10 * (1 + 1e-9), rule.unit, {}, 10)->grade, g) << rule.test;
      }
    }
  }
}

TEST(CtcaeErrors, UnitsTestsAndMissingLimitsAreReported) {
  auto message = [](Result<CtcaeGrade> r) { return r.ok() ? std::string("ok") : r.status().message(); };
  EXPECT_EQ(message(GradeLab("hb", 4.5, "mg/dl", {}, {})),
            "hb cannot be measured in 'mg/dl'; expected one of: g/dl, "
            "mmol/l, g/l");
  EXPECT_EQ(message(GradeLab("alt", 100, "u/l", {}, {})),
            "alt is graded in multiples of the upper limit of normal: give it (--uln, in u/l)");
  EXPECT_NE(message(GradeLab("hb", 7.0, "mmol/l", {}, {})).find("give it (--lln)"), std::string::npos);
  EXPECT_NE(message(GradeLab("sodium", 140, "mmol/l", {}, {})).find("unknown test 'sodium'"),
            std::string::npos);
  EXPECT_NE(message(GradeLab("hb", -1, "mmol/l", {}, {})).find("not a finite number >= 0"),
            std::string::npos);
  EXPECT_NE(message(GradeLab("alt", 50, "u/l", {}, 0)).find("ULN 0 is not a number > 0"), std::string::npos);
}

TEST(Decay, ActivityAfterAndBeforeByHand) {
  // One half-life halves the activity; 26.5 h: 7.4 · exp(-ln 2 / 6.647 · 1.1041667) = 7.4 · 0.891238
  // = 6.59517.
  EXPECT_DOUBLE_EQ(DecayedActivity(7.4, 6.647), 3.7);
  EXPECT_NEAR(DecayedActivity(7.4, 26.5 / 24), 6.59517, 1e-5);
  // Ordering for 7.4 GBq at administration one day after calibration: 7.4 · 2^(1/6.647)
  // = 7.4 · exp(0.104280) = 7.4 · 1.109911 = 8.21334.
  EXPECT_NEAR(DecayedActivity(7.4, -1), 8.21334, 1e-5);
  Result<int64_t> a = ParseDateTimeSeconds("2026-01-05T08:00");
  Result<int64_t> b = ParseDateTimeSeconds("2026-01-06T10:30");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*b - *a, 26 * 3600 + 30 * 60);
  EXPECT_EQ(*ParseDateTimeSeconds("1970-01-02"), 86400);
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(*ParseDateTimeSeconds("2024-02-29") / 86400), "2024-02-29");
  EXPECT_EQ(*ParseDateTimeSeconds("2024-03-01") - *ParseDateTimeSeconds("2024-02-28"),
            2 * 86400);  // leap year
}

TEST(Decay, BadDatesAreReported) {
  for (const char* bad :
       {"2026-02-30T08:00", "2026-13-01", "2026-1-5", "2026-01-05T25:00", "yesterday", "2025-02-29"}) {
    Result<int64_t> r = ParseDateTimeSeconds(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected YYYY-MM-DDTHH:MM"), std::string::npos)
        << r.status().message();
  }
}

TEST(Dates, IsoDaysAgreeWithTheFullParser) {
  // The fast day parser accepts exactly the dates the full parser accepts, with the same day number.
  for (const char* text :
       {"1970-01-01", "2024-02-29", "2000-02-29", "1900-02-28", "2016-12-31", "0001-01-01"}) {
    ASSERT_TRUE(ParseIsoDay(text).has_value()) << text;
    EXPECT_EQ(*ParseIsoDay(text) * 86400, *ParseDateTimeSeconds(text)) << text;
  }
  for (const char* bad : {"1900-02-29", "2025-02-29", "2026-02-30", "2026-13-01", "2026-00-10", "2026-01-00",
                          "2026-1-05", "2026-01-5", "2026/01/05", "2026-01-05T08:00", "yesterday", ""}) {
    EXPECT_FALSE(ParseIsoDay(bad).has_value()) << bad;
  }
}

// What a message says a text should have been, by hand for each way a date is written otherwise: the year
// last (14 > 12 can only be a day; 03/02 is 3 February read day first, 2 March month first; 31-02 is no
// date either way; a two-digit year's century is not known), one-digit parts, a day past its month's end
// (2004 a leap year, 1900 not), a time of day; nothing more for what does not look like a date.
TEST(Dates, SayWhatADateWrittenAnotherWayShouldHaveBeen) {
  const std::string kYearLast =
      "a date YYYY-MM-DD (the year comes last here, as a spreadsheet's local date "
      "format writes it";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"14-02-2005", kYearLast + ": 2005-02-14)"},
      {"2/14/2005", kYearLast + ": 2005-02-14)"},
      {"03/02/2005", kYearLast + ": 2005-02-03 read day first, 2005-03-02 month first)"},
      {"03.03.2005", kYearLast + ": 2005-03-03)"},
      {"31-02-2005", kYearLast + ", and is no date read day or month first)"},
      {"14.02.05", kYearLast + ", and its century is not known)"},
      {"2005-4-8", "a date YYYY-MM-DD (two digits for the month and the day: 2005-04-08)"},
      {"2005-04-31", "a date YYYY-MM-DD (2005-04 has 30 days)"},
      {"2004-02-30", "a date YYYY-MM-DD (2004-02 has 29 days)"},
      {"1900-02-29", "a date YYYY-MM-DD (1900-02 has 28 days)"},
      {"2005-13-01", "a date YYYY-MM-DD (month 13 is not 1 to 12)"},
      {"2005-02-14 00:00:00", "a date YYYY-MM-DD (a date without a time of day)"},
      {"2005-02-14T10:00", "a date YYYY-MM-DD (a date without a time of day)"},
      {"20050214", "a date YYYY-MM-DD"},
      {"14-02-2005-1", "a date YYYY-MM-DD"},
      {"14/02-2005", "a date YYYY-MM-DD"},
      {"2005--02", "a date YYYY-MM-DD"},
      {"yesterday", "a date YYYY-MM-DD"},
      {"", "a date YYYY-MM-DD"}};
  for (const auto& [text, expected] : cases)
    EXPECT_EQ(ExpectedIsoDay(text), expected) << text;
}

TEST(Krenning, ScaleOfFiveGrades) {
  ASSERT_EQ(KrenningScale().size(), 5u);
  EXPECT_EQ(Krenning(2)->uptake, "equal to normal liver");
  EXPECT_EQ(Krenning(4)->uptake, "greater than normal spleen or kidneys");
  EXPECT_FALSE(Krenning(5).ok());
}

struct WhoCase {
  WhoEdition edition;
  std::optional<double> ki67, mitoses;
  std::string grade;
};

TEST(WhoGrade, EditionsAndTheHigherOfTheTwoIndices) {
  const WhoCase cases[] = {
      // 2010: Ki-67 <= 2 G1, 3–20 G2, > 20 G3; 2–3 undefined.
      {WhoEdition::k2010, 2.0, {}, "G1"},
      {WhoEdition::k2010, 2.5, {}, "undefined"},
      {WhoEdition::k2010, 3.0, {}, "G2"},
      {WhoEdition::k2010, 20.0, {}, "G2"},
      {WhoEdition::k2010, 20.1, {}, "G3"},
      {WhoEdition::k2010, 2.5, 5.0, "G2"},
      // 2019: Ki-67 < 3 G1, 3–20 G2, > 20 G3; mitoses < 2 G1, 2–20 G2, > 20 G3; the higher counts.
      {WhoEdition::k2019, 2.9, {}, "G1"},
      {WhoEdition::k2019, 3.0, {}, "G2"},
      {WhoEdition::k2019, 21.0, {}, "G3"},
      {WhoEdition::k2019, 1.0, 3.0, "G2"},
      {WhoEdition::k2019, 25.0, 1.0, "G3"},
      {WhoEdition::k2019, {}, 1.9, "G1"},
      {WhoEdition::k2019, {}, 21.0, "G3"},
  };
  for (const WhoCase& c : cases) {
    Result<WhoGrade> g = GradeNet(c.edition, c.ki67, c.mitoses);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->grade, c.grade) << (c.ki67 ? *c.ki67 : -1) << " " << (c.mitoses ? *c.mitoses : -1);
  }
  EXPECT_FALSE(GradeNet(WhoEdition::k2019, {}, {}).ok());
  EXPECT_FALSE(GradeNet(WhoEdition::k2019, 120.0, {}).ok());
}

}  // namespace
}  // namespace prrt::clinical
