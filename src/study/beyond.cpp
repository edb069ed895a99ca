#include "prrt/study/beyond.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <set>

#include "prrt/clinical/tumour.h"
#include "prrt/common/output_file.h"
#include "prrt/io/csv.h"
#include "prrt/registry/timeline.h"
#include "prrt/stats/design.h"
#include "prrt/stats/logrank.h"

namespace prrt::study {

namespace {

double MonthsFromStart(const SubjectEndpoints& s, const std::string& date) {
  return registry::MonthsBetween(*registry::ParseDay(s.first_cycle_date), *registry::ParseDay(date));
}

std::string TumourGroup(const std::string& primary_site) {
  return primary_site == "midgut" || primary_site == "pancreatic" ? primary_site : "other";
}

}  // namespace

std::vector<BeyondSubject> BeyondAnalysisSet(const std::vector<SubjectEndpoints>& subjects) {
  std::vector<BeyondSubject> set;
  for (const SubjectEndpoints& s : subjects) {
    if (s.group == Group::kNeither || !s.os_months) continue;
    BeyondSubject b;
    b.patient_id = s.patient_id;
    b.group = s.group;
    b.os_months = *s.os_months;
    b.death = s.os_event;
    const PhaseEndpoints& initial = s.phases[0];
    if (s.phases[1].given) b.salvage_months = MonthsFromStart(s, s.phases[1].start);
    b.relapse_months = initial.pfs_event_kind == "progression" ? MonthsFromStart(s, initial.pfs_end_date)
                                                               : b.salvage_months.value_or(b.os_months);
    b.age_years = s.age_at_start_years;
    b.sex = s.sex;
    b.tumour = TumourGroup(s.primary_site);
    b.krenning_score = initial.krenning_score;
    b.liver_lesions = initial.liver_lesions;
    b.bone_lesions = initial.bone_lesions;
    if (Result<clinical::WhoGrade> grade =
            clinical::GradeNet(clinical::WhoEdition::k2010, s.ki67_percent, {});
        grade.ok() && grade->grade != "undefined") {
      b.who_grade = grade->grade;
    }
    if (s.aml_mds_months_from_i) {
      b.competing_months = *s.aml_mds_months_from_i;
      b.competing_status = 1;
    } else {
      b.competing_months = b.os_months;
      b.competing_status = b.death ? 2 : 0;
    }
    set.push_back(std::move(b));
  }
  return set;
}

Status WriteBeyondAnalysisSet(const std::vector<BeyondSubject>& set, const std::string& path) {
  Result<std::ofstream> opened = OpenOutputFile(path);
  if (!opened.ok()) return opened.status();
  std::ofstream& out = *opened;
  out << "patient_id,cohort,os_months,death,salvage_months,relapse_months,age,sex,tumour,krenning,liver,bone,"
         "who_grade,competing_months,competing_status\n";
  auto number = [](const std::optional<double>& v) { return v ? fmt::format("{:.17g}", *v) : std::string(); };
  auto flag = [](const std::optional<bool>& v) { return v ? std::string(*v ? "1" : "0") : std::string(); };
  for (const BeyondSubject& b : set) {
    out << fmt::format(
        "{},{},{:.17g},{},{},{:.17g},{},{},{},{},{},{},{},{:.17g},{}\n", b.patient_id, ToString(b.group),
        b.os_months, b.death ? 1 : 0, number(b.salvage_months), b.relapse_months, number(b.age_years), b.sex,
        b.tumour, b.krenning_score ? std::to_string(*b.krenning_score) : "", flag(b.liver_lesions),
        flag(b.bone_lesions), b.who_grade.value_or(""), b.competing_months, b.competing_status);
  }
  if (!out) return IoError(fmt::format("{}: writing failed", path));
  return Status();
}

namespace {

// The rows of one Cox model: (start, stop] intervals (start empty: right-censored), the subject of each row
// and the covariates as data columns (factors coded as R codes them).
struct ModelRows {
  std::vector<double> start, stop;
  std::vector<int8_t> event;
  std::vector<size_t> subject;  // index into the analysis set
  std::vector<int32_t> strata;
};

// Overall survival from the relapse after I-PRRT with salvage as a time-dependent covariate: a retreated
// patient has (0, s] before and (s, os] after the first R-PRRT cycle (times from the relapse); salvage on the
// last day adds no interval, and an R-PRRT start recorded before the relapse counts as salvage from the
// relapse on. A patient with no follow-up after the relapse (death or last contact that day) has no interval.
ModelRows SalvageIntervals(const std::vector<BeyondSubject>& set, const std::vector<size_t>& members,
                           std::vector<double>& salvage) {
  ModelRows rows;
  auto add = [&](size_t i, double start, double stop, bool event, double salvaged) {
    rows.start.push_back(start);
    rows.stop.push_back(stop);
    rows.event.push_back(event ? 1 : 0);
    rows.subject.push_back(i);
    salvage.push_back(salvaged);
  };
  for (size_t i : members) {
    const BeyondSubject& b = set[i];
    const double os = b.os_months - b.relapse_months;
    const std::optional<double> s =
        b.salvage_months ? std::optional<double>(*b.salvage_months - b.relapse_months) : std::nullopt;
    if (!(os > 0)) continue;
    if (!s || *s >= os) {
      add(i, 0, os, b.death, 0);
    } else if (*s <= 0) {
      add(i, 0, os, b.death, 1);
    } else {
      add(i, 0, *s, false, 0);
      add(i, *s, os, b.death, 1);
    }
  }
  return rows;
}

CoxSummary Summarise(const ModelRows& rows, const std::vector<io::Column>& covariates, bool zph) {
  CoxSummary summary;
  summary.rows = static_cast<int64_t>(rows.stop.size());
  summary.subjects = static_cast<int64_t>(std::set<size_t>(rows.subject.begin(), rows.subject.end()).size());
  for (int8_t e : rows.event)
    summary.events += e;
  Result<stats::Design> design = stats::BuildDesign(covariates, rows.stop.size());
  if (!design.ok()) {
    summary.error = std::string(design.status().message());
    return summary;
  }
  const stats::CoxData data{rows.stop,      rows.event,
                            design->values, static_cast<int32_t>(design->names.size()),
                            rows.strata,    rows.start};
  const stats::CoxOptions options;
  Result<stats::CoxFit> fit = stats::FitCox(data, options);
  if (!fit.ok()) {
    summary.error = std::string(fit.status().message());
    return summary;
  }
  for (size_t j = 0; j < fit->coef.size(); ++j) {
    const stats::CoxCoefficient c = fit->Coefficient(j);  // an aliased covariate's is NaN (R's NA)
    summary.terms.push_back({design->names[j], c.coef, c.se, c.hr, c.hr_lower, c.hr_upper, c.p,
                             fit->may_be_infinite[j], fit->aliased[j]});
  }
  summary.lr_test = fit->lr_test;
  if (zph) {
    Result<stats::ZphResult> test =
        stats::TestProportionalHazards(data, *fit, options, stats::ZphTransform::kKm, design->term_columns);
    if (test.ok()) {
      summary.zph = std::move(*test);
      for (const io::Column& c : covariates)
        summary.zph_terms.push_back(c.name);
    }
  }
  return summary;
}

io::Column NumberColumn(std::string name, std::vector<double> values) {
  io::Column column;
  column.name = std::move(name);
  column.type = io::ColumnType::kNumber;
  column.numbers.assign(values.begin(), values.end());
  return column;
}

std::vector<GroupMedian> Medians(const std::vector<stats::KmCurve>& curves,
                                 const std::vector<std::string>& names) {
  std::vector<GroupMedian> medians;
  for (size_t g = 0; g < curves.size(); ++g) {
    medians.push_back({names[g], curves[g].n, curves[g].events,
                       stats::SurvivalQuantile(curves[g], 0.5, stats::QuantileRule::kPrint, 0.95)});
  }
  return medians;
}

// The value of a cumulative-incidence step function at t, with its CI.
IncidenceAt IncidenceAtMonths(const stats::CumincCurve& curve, double months) {
  IncidenceAt at;
  at.months = months;
  for (size_t i = 0; i < curve.time.size() && curve.time[i] <= months; ++i) {
    at.estimate = curve.estimate[i];
    at.lower = curve.lower[i];
    at.upper = curve.upper[i];
  }
  return at;
}

}  // namespace

BeyondResults AnalyseBeyond(const std::vector<BeyondSubject>& set) {
  BeyondResults r;
  r.subjects = static_cast<int64_t>(set.size());
  std::vector<size_t> everyone(set.size());
  for (size_t i = 0; i < set.size(); ++i)
    everyone[i] = i;
  auto is_retreated = [&](size_t i) { return set[i].group == Group::kRetreatment ? 1.0 : 0.0; };

  // The paper's comparison: OS from the start of I-PRRT by the group known only later.
  ModelRows naive;
  std::vector<double> retreatment;
  for (size_t i : everyone) {
    naive.stop.push_back(set[i].os_months);
    naive.event.push_back(set[i].death);
    naive.subject.push_back(i);
    retreatment.push_back(is_retreated(i));
  }
  r.naive = Summarise(naive, {NumberColumn("retreatment", retreatment)}, false);

  // Landmark at the relapse after I-PRRT, when both groups are alive and eligible for salvage.
  ModelRows landmark;
  std::vector<int32_t> landmark_group;
  for (size_t i : everyone) {
    landmark.stop.push_back(std::max(0.0, set[i].os_months - set[i].relapse_months));
    landmark.event.push_back(set[i].death);
    landmark.subject.push_back(i);
    landmark_group.push_back(set[i].group == Group::kRetreatment ? 1 : 0);
  }
  const std::vector<std::string> cohort_names{"control", "retreatment"};
  if (Result<std::vector<stats::KmCurve>> curves =
          stats::KaplanMeier({landmark.stop, landmark.event, landmark_group}, 2, stats::KmOptions{});
      curves.ok()) {
    r.landmark = Medians(*curves, cohort_names);
  }
  if (Result<stats::LogrankResult> test =
          stats::LogRank({landmark.stop, landmark.event, landmark_group}, 2, {}, 0, stats::LogrankOptions{});
      test.ok()) {
    r.landmark_logrank_p = test->p;
  }
  r.landmark_cox = Summarise(landmark, {NumberColumn("retreatment", retreatment)}, false);

  // Salvage as a time-dependent covariate, and the Simon–Makuch curves of the same intervals.
  std::vector<double> salvage;
  const ModelRows intervals = SalvageIntervals(set, everyone, salvage);
  r.time_dependent = Summarise(intervals, {NumberColumn("salvage", salvage)}, false);
  std::vector<int32_t> salvage_group(salvage.begin(), salvage.end());
  if (Result<std::vector<stats::KmCurve>> curves = stats::KaplanMeier(
          {intervals.stop, intervals.event, salvage_group, intervals.start}, 2, stats::KmOptions{});
      curves.ok()) {
    r.simon_makuch = Medians(*curves, {"not salvaged", "salvaged"});
    r.simon_makuch_curves = std::move(*curves);
  }

  // Adjusted for Table 4's covariates (patients with all of them), and stratified by tumour type instead.
  std::vector<size_t> complete;
  for (size_t i : everyone) {
    const BeyondSubject& b = set[i];
    if (b.age_years && b.krenning_score && b.liver_lesions && b.bone_lesions && b.who_grade)
      complete.push_back(i);
  }
  std::vector<double> adjusted_salvage;
  ModelRows adjusted = SalvageIntervals(set, complete, adjusted_salvage);
  std::vector<double> age, krenning, liver, bone;
  std::vector<std::string> sex, tumour, who;
  for (size_t i : adjusted.subject) {
    const BeyondSubject& b = set[i];
    age.push_back(*b.age_years);
    krenning.push_back(*b.krenning_score);
    liver.push_back(*b.liver_lesions ? 1 : 0);
    bone.push_back(*b.bone_lesions ? 1 : 0);
    sex.push_back(b.sex);
    tumour.push_back(b.tumour);
    who.push_back(*b.who_grade);
  }
  const io::Column tumour_column = io::LabelColumn("tumour", tumour);
  std::vector<io::Column> covariates{NumberColumn("salvage", adjusted_salvage),
                                     NumberColumn("age", age),
                                     io::LabelColumn("sex", sex),
                                     tumour_column,
                                     NumberColumn("krenning", krenning),
                                     NumberColumn("liver", liver),
                                     NumberColumn("bone", bone),
                                     io::LabelColumn("who_grade", who)};
  r.adjusted = Summarise(adjusted, covariates, true);
  r.adjusted.subjects_dropped = r.subjects - static_cast<int64_t>(complete.size());
  covariates.erase(covariates.begin() + 3);
  adjusted.strata.assign(tumour_column.codes.begin(), tumour_column.codes.end());
  r.stratified = Summarise(adjusted, covariates, false);
  r.stratified.subjects_dropped = r.adjusted.subjects_dropped;

  // AML/MDS with death as the competing event, control vs retreatment.
  std::vector<double> months;
  std::vector<int32_t> status, group;
  r.incidence_group_n.assign(2, 0);
  for (size_t i : everyone) {
    months.push_back(set[i].competing_months);
    status.push_back(set[i].competing_status);
    group.push_back(set[i].group == Group::kRetreatment ? 1 : 0);
    ++r.incidence_group_n[group.back()];
  }
  if (Result<stats::CumincResult> incidence =
          stats::CumulativeIncidence({months, status, group}, 2, 2, 1, stats::CumincOptions{});
      incidence.ok()) {
    static const char* kCauses[] = {"aml_mds", "death"};
    for (const stats::CumincCurve& curve : incidence->curves) {
      for (double at : {60.0, 120.0}) {
        IncidenceAt point = IncidenceAtMonths(curve, at);
        point.cause = kCauses[curve.cause - 1];
        point.group = cohort_names[curve.group];
        r.incidence.push_back(point);
      }
    }
    r.gray = incidence->gray;
    r.incidence_curves = std::move(incidence->curves);
    r.incidence_groups = cohort_names;
  }
  return r;
}

}  // namespace prrt::study
