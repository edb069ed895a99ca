#include "beyond_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "prrt/report/figures.h"
#include "prrt/report/json.h"

namespace prrt::report {
namespace {

using nlohmann::json;

json TestJson(const stats::ChiSquareTest& test) {
  return {{"chisq", JsonNumber(test.chisq)}, {"df", test.df}, {"p", JsonNumber(test.p)}};
}

json CoxJson(const study::CoxSummary& cox) {
  json out = {{"rows", cox.rows},
              {"subjects", cox.subjects},
              {"events", cox.events},
              {"subjects_dropped", cox.subjects_dropped}};
  if (!cox.error.empty()) {
    out["error"] = cox.error;
    return out;
  }
  json terms = json::array();
  for (const study::HazardRatio& hr : cox.terms) {
    terms.push_back({{"term", hr.term},
                     {"coef", JsonNumber(hr.coef)},
                     {"se", JsonNumber(hr.se)},
                     {"hr", JsonNumber(hr.hr)},
                     {"hr_lower", JsonNumber(hr.lower)},
                     {"hr_upper", JsonNumber(hr.upper)},
                     {"p", JsonNumber(hr.p)},
                     {"may_be_infinite", hr.may_be_infinite},
                     {"aliased", hr.aliased}});
  }
  out["terms"] = std::move(terms);
  out["lr_test"] = TestJson(cox.lr_test);
  if (cox.zph) {
    json zph_terms = json::array();
    for (size_t t = 0; t < cox.zph->terms.size(); ++t) {
      json row = TestJson(cox.zph->terms[t]);
      row["term"] = cox.zph_terms[t];
      zph_terms.push_back(std::move(row));
    }
    out["zph"] = {
        {"transform", "km"}, {"terms", std::move(zph_terms)}, {"global", TestJson(cox.zph->global)}};
  }
  return out;
}

json MediansJson(const std::vector<study::GroupMedian>& medians) {
  json groups = json::array();
  for (const study::GroupMedian& m : medians) {
    groups.push_back({{"group", m.group},
                      {"n", m.n},
                      {"events", m.events},
                      {"median", JsonNumber(m.median.estimate)},
                      {"median_lower", JsonNumber(m.median.lower)},
                      {"median_upper", JsonNumber(m.median.upper)}});
  }
  return groups;
}

std::string Months(const std::optional<double>& v) {
  return v ? fmt::format("{:.1f}", *v) : "not reached";
}

std::string PValue(double p) {
  if (!std::isfinite(p)) return "–";
  return p < 0.001 ? "< 0.001" : fmt::format("{:.3f}", p);
}

// A test statistic to two decimals; "–" where there is no test (an aliased term, a singular information).
std::string Statistic(double chisq) {
  return std::isfinite(chisq) ? fmt::format("{:.2f}", chisq) : "–";
}

study::StudyTable HazardTable(std::string id, std::string title, const study::CoxSummary& cox) {
  study::StudyTable table{std::move(id), std::move(title), {"Term", "HR", "95% CI", "p"}, {}, {}};
  if (!cox.error.empty()) {
    table.notes.push_back("Not estimable: " + cox.error);
    return table;
  }
  for (const study::HazardRatio& hr : cox.terms) {
    if (hr.aliased) {
      table.rows.push_back({{hr.term, "–", "–", "–"}});
      table.notes.push_back(fmt::format(
          "{}: not estimated — a linear combination of the terms before it, or without variation among the "
          "patients at risk at the deaths (R's coxph gives NA).",
          hr.term));
      continue;
    }
    table.rows.push_back({{hr.term, fmt::format("{:.2f}", hr.hr),
                           fmt::format("{:.2f}–{:.2f}", hr.lower, hr.upper), PValue(hr.p)}});
    if (hr.may_be_infinite) {
      table.notes.push_back(fmt::format(
          "{}: the hazard ratio may be infinite (the log-likelihood converged before it did, as when the "
          "term separates the deaths); its estimate and CI are not to be read as numbers.",
          hr.term));
    }
  }
  table.notes.push_back(fmt::format(
      "{} patients ({} rows), {} deaths{}.", cox.subjects, cox.rows, cox.events,
      cox.subjects_dropped > 0 ? fmt::format("; {} left out for a missing covariate", cox.subjects_dropped)
                               : ""));
  return table;
}

study::StudyTable MedianTable(std::string id, std::string title,
                              const std::vector<study::GroupMedian>& medians, const std::string& note) {
  study::StudyTable table{
      std::move(id), std::move(title), {"Group", "n", "Deaths", "Median (months)", "95% CI"}, {}, {}};
  for (const study::GroupMedian& m : medians) {
    // A group without patients has no curve: its median is none, not one not reached.
    table.rows.push_back(
        {{m.group, std::to_string(m.n), std::to_string(m.events), m.n == 0 ? "–" : Months(m.median.estimate),
          m.n == 0 ? "–" : fmt::format("{}–{}", Months(m.median.lower), Months(m.median.upper))}});
  }
  if (!note.empty()) table.notes.push_back(note);
  return table;
}

// A cumulative-incidence curve drawn with the Kaplan–Meier plot (rows after each step; `surv` holds F).
stats::KmCurve IncidenceCurve(const stats::CumincCurve& curve, int64_t n) {
  stats::KmCurve km;
  km.n = n;
  for (size_t i = 1; i < curve.time.size(); ++i) {
    stats::KmRow row;
    row.time = curve.time[i];
    row.surv = curve.estimate[i];
    row.lower = curve.lower[i];
    row.upper = curve.upper[i];
    km.rows.push_back(row);
  }
  return km;
}

}  // namespace

json BeyondJson(const study::BeyondResults& r) {
  json incidence = json::array();
  for (const study::IncidenceAt& at : r.incidence) {
    incidence.push_back({{"cause", at.cause},
                         {"group", at.group},
                         {"months", at.months},
                         {"estimate", JsonNumber(at.estimate)},
                         {"lower", JsonNumber(at.lower)},
                         {"upper", JsonNumber(at.upper)}});
  }
  json gray = json::array();
  static const char* kCauses[] = {"aml_mds", "death"};
  for (size_t c = 0; c < r.gray.size(); ++c) {
    json test = TestJson(r.gray[c]);
    test["cause"] = kCauses[c];
    gray.push_back(std::move(test));
  }
  return {{"subjects", r.subjects},
          {"naive_cox", CoxJson(r.naive)},
          {"landmark_relapse",
           {{"groups", MediansJson(r.landmark)},
            {"logrank_p", JsonNumber(r.landmark_logrank_p)},
            {"cox", CoxJson(r.landmark_cox)}}},
          {"time_dependent_cox", CoxJson(r.time_dependent)},
          {"simon_makuch", {{"groups", MediansJson(r.simon_makuch)}}},
          {"adjusted_cox", CoxJson(r.adjusted)},
          {"stratified_cox", CoxJson(r.stratified)},
          {"competing_risks", {{"incidence", std::move(incidence)}, {"gray", std::move(gray)}}}};
}

std::vector<Section> BeyondSections(const study::BeyondResults& r, bool ci_bands) {
  std::vector<Section> sections;
  {
    Section s{"beyond-immortal-time", "Retreatment vs control without immortal-time bias", {}, {}, {}};
    s.paragraphs = {
        "The paper compares overall survival from the start of I-PRRT. But a patient could only join the "
        "retreatment group by staying progression-free for 18 months and then living until R-PRRT: that time "
        "is 'immortal' for the retreated group and flatters it. The analyses below remove that advantage.",
        "Landmark: survival counted from the relapse after I-PRRT, when both groups were alive and could be "
        "salvaged; the groups are still fixed by what happened later, so the weeks from relapse to R-PRRT "
        "remain immortal for the retreated. Time-dependent Cox, also from the relapse: every patient counts "
        "as "
        "not salvaged until the first R-PRRT cycle and as salvaged afterwards, so no one is credited with "
        "survival before salvage. The Simon–Makuch curves show the same split as Kaplan–Meier curves."};
    s.tables.push_back(
        HazardTable("beyond_naive", "As the paper: OS from I-PRRT, retreatment vs control", r.naive));
    s.tables.push_back(
        MedianTable("beyond_landmark", "Landmark at the relapse after I-PRRT: OS from the relapse",
                    r.landmark, r.landmark_logrank_p ? "Log-rank p = " + PValue(*r.landmark_logrank_p) : ""));
    s.tables.push_back(HazardTable("beyond_landmark_cox",
                                   "Landmark at the relapse: Cox, retreatment vs control", r.landmark_cox));
    s.tables.push_back(HazardTable("beyond_time_dependent",
                                   "OS from the relapse with salvage as a time-dependent covariate",
                                   r.time_dependent));
    s.tables.push_back(MedianTable(
        "beyond_simon_makuch", "Simon–Makuch: OS from the relapse by current salvage status", r.simon_makuch,
        "n counts intervals: a retreated patient counts as 'not salvaged' until R-PRRT."));
    if (r.simon_makuch_curves.size() == 2) {
      KmPlot plot;
      plot.title = "Simon–Makuch: OS from the relapse by salvage status";
      plot.ci_bands = ci_bands;
      plot.series = {{"Not salvaged", "#c0392b", r.simon_makuch_curves[0]},
                     {"Salvaged", "#1f5fa8", r.simon_makuch_curves[1]}};
      s.figures.push_back(
          {"figure-simon-makuch",
           "Simon–Makuch curves: patients move from 'not salvaged' to 'salvaged' at their first "
           "R-PRRT cycle",
           KaplanMeierSvg(plot)});
    }
    sections.push_back(std::move(s));
  }
  {
    Section s{"beyond-adjusted", "Adjusted comparison and the proportional-hazards check", {}, {}, {}};
    s.paragraphs = {
        "The groups differed before any PRRT (Table 4). The adjusted model estimates the effect of salvage "
        "(time-dependent) with age, sex, tumour type, Krenning score, liver and bone lesions and WHO grade "
        "held "
        "equal; the stratified model lets each tumour type have its own baseline hazard instead. A hazard "
        "ratio "
        "assumes the effect is constant over time; the test below (R's cox.zph) checks that assumption for "
        "each "
        "covariate: a small p means the hazard ratio changes with time."};
    s.tables.push_back(
        HazardTable("beyond_adjusted", "Cox adjusted for the baseline of Table 4", r.adjusted));
    s.tables.push_back(HazardTable(
        "beyond_stratified", "Cox stratified by tumour type (midgut, pancreatic, other)", r.stratified));
    if (r.adjusted.zph) {
      study::StudyTable zph{"beyond_zph",
                            "Proportional hazards of the adjusted model (cox.zph, KM transform)",
                            {"Term", "Chi-square", "df", "p"},
                            {},
                            {}};
      for (size_t t = 0; t < r.adjusted.zph->terms.size(); ++t) {
        const stats::ChiSquareTest& test = r.adjusted.zph->terms[t];
        zph.rows.push_back(
            {{r.adjusted.zph_terms[t], Statistic(test.chisq), std::to_string(test.df), PValue(test.p)}});
      }
      zph.rows.push_back({{"GLOBAL", Statistic(r.adjusted.zph->global.chisq),
                           std::to_string(r.adjusted.zph->global.df), PValue(r.adjusted.zph->global.p)}});
      if (std::isnan(r.adjusted.zph->global.chisq)) {
        zph.notes.push_back(
            "–: not computed, its information being singular (a time-varying effect needs more than one "
            "death time that carries information; R's cox.zph stops with an error).");
      }
      s.tables.push_back(std::move(zph));
    }
    sections.push_back(std::move(s));
  }
  {
    Section s{"beyond-competing", "AML/MDS as a competing risk of death", {}, {}, {}};
    s.paragraphs = {
        "A patient who dies cannot develop AML or MDS later. Counting deaths as censored (1 − Kaplan–Meier) "
        "overstates the risk; the cumulative incidence (Aalen–Johansen) treats death as a competing event, "
        "and "
        "Gray's test compares the groups."};
    study::StudyTable table{"beyond_cuminc",
                            "Cumulative incidence from the start of I-PRRT",
                            {"Event", "Group", "Months", "Incidence", "95% CI"},
                            {},
                            {}};
    for (const study::IncidenceAt& at : r.incidence) {
      table.rows.push_back(
          {{at.cause == "aml_mds" ? "AML/MDS" : "Death without AML/MDS", at.group,
            fmt::format("{:g}", at.months), fmt::format("{:.1f}%", 100 * at.estimate),
            std::isfinite(at.lower) ? fmt::format("{:.1f}–{:.1f}%", 100 * at.lower, 100 * at.upper) : "–"}});
    }
    static const char* kCauses[] = {"AML/MDS", "death without AML/MDS"};
    for (size_t c = 0; c < r.gray.size(); ++c) {
      table.notes.push_back(fmt::format("Gray's test, {}: chi-square {:.2f} on {} df, p {}", kCauses[c],
                                        r.gray[c].chisq, r.gray[c].df, PValue(r.gray[c].p)));
    }
    table.notes.push_back("95% CIs on the log(−log) scale.");
    s.tables.push_back(std::move(table));
    KmPlot plot;
    plot.title = "AML/MDS: cumulative incidence from I-PRRT";
    plot.incidence = true;
    // The axis ends a little above the highest curve (in steps of 5%), as AML/MDS is rare.
    double highest = 0;
    for (const stats::CumincCurve& curve : r.incidence_curves) {
      if (curve.cause == 1 && !curve.estimate.empty()) highest = std::max(highest, curve.estimate.back());
    }
    plot.y_max = std::min(1.0, std::max(0.05, std::ceil(highest * 1.2 / 0.05) * 0.05));
    plot.ci_bands = ci_bands;
    static const char* kColours[] = {"#c0392b", "#1f5fa8"};
    for (const stats::CumincCurve& curve : r.incidence_curves) {
      if (curve.cause != 1) continue;
      plot.series.push_back({r.incidence_groups[curve.group], kColours[curve.group % 2],
                             IncidenceCurve(curve, r.incidence_group_n[curve.group])});
    }
    if (!plot.series.empty()) {
      s.figures.push_back({"figure-aml-mds", "Cumulative incidence of AML/MDS, death as the competing event",
                           KaplanMeierSvg(plot)});
    }
    sections.push_back(std::move(s));
  }
  return sections;
}

}  // namespace prrt::report
