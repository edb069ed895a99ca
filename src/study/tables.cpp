#include "prrt/study/tables.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <future>

#include "default_published.h"
#include "prrt/stats/contingency.h"
#include "prrt/stats/correlation.h"
#include "prrt/stats/descriptives.h"
#include "prrt/stats/logrank.h"
#include "prrt/study/headline.h"

namespace prrt::study {
namespace {

using Subjects = std::vector<const SubjectEndpoints*>;
const char* const kSites[] = {"foregut", "midgut", "hindgut", "pancreatic", "bronchial", "unknown"};

// ---- Formatting, as the paper prints numbers ----

std::string Percent(int64_t k, int64_t n) {
  return n == 0 ? "–" : fmt::format("{} ({:.1f})", k, 100.0 * k / n);
}
std::string P(std::optional<double> p) {
  if (!p) return "";
  return *p < 0.01 ? "<0.01" : fmt::format("{:.2f}", *p);
}
std::string MedianText(const stats::QuantileEstimate& q) {
  if (!q.estimate) return "NR";
  if (!q.lower || !q.upper) return fmt::format("{:.1f} (N/A)", *q.estimate);
  return fmt::format("{:.1f} ({:.1f}–{:.1f})", *q.estimate, std::max(0.0, *q.lower), *q.upper);
}
std::string MedianRange(std::vector<double> values) {
  if (values.empty()) return "–";
  std::sort(values.begin(), values.end());
  return fmt::format("{:.0f} ({:.0f}–{:.0f})", stats::Quantile(values, 0.5), values.front(), values.back());
}
std::string MedianQuartiles(std::vector<double> values) {
  if (values.empty()) return "–";
  std::sort(values.begin(), values.end());
  return fmt::format("{:.0f} ({:.0f}–{:.0f})", stats::Quantile(values, 0.5), stats::Quantile(values, 0.25),
                     stats::Quantile(values, 0.75));
}

// Fisher's exact p of a 2×2 table (a, b; c, d); none when a margin is empty.
std::optional<double> Fisher(int64_t a, int64_t b, int64_t c, int64_t d) {
  if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) return std::nullopt;
  Result<double> p = stats::FisherExactP({2, 2, {double(a), double(b), double(c), double(d)}});
  return p.ok() ? std::optional<double>(*p) : std::nullopt;
}

// The published rows (data/study/published.toml): table → row label → cells after the label.
const toml::table& Published() {
  static const toml::table table =
      toml::parse(std::string_view(detail::kPublishedToml), std::string_view("published.toml"));
  return table;
}

class TableBuilder {
 public:
  TableBuilder(std::string id, std::string title, std::vector<std::string> columns, bool show_published)
      : show_published_(show_published) {
    table_.id = std::move(id);
    table_.title = std::move(title);
    table_.columns = std::move(columns);
  }
  // Our row, then the paper's row of the same label when there is one.
  void Row(std::vector<std::string> cells) {
    cells.resize(table_.columns.size());
    const std::string label = cells.front();
    table_.rows.push_back({std::move(cells), false});
    if (!show_published_) return;
    const toml::array* published = Published()[table_.id][label].as_array();
    if (published == nullptr) return;
    std::vector<std::string> paper{label + " — published"};
    for (const toml::node& cell : *published)
      paper.push_back(cell.value_or(std::string()));
    paper.resize(table_.columns.size());
    table_.rows.push_back({std::move(paper), true});
  }
  void Note(std::string note) { table_.notes.push_back(std::move(note)); }
  StudyTable Take() { return std::move(table_); }

 private:
  StudyTable table_;
  bool show_published_;
};

Subjects Select(const std::vector<SubjectEndpoints>& all,
                const std::function<bool(const SubjectEndpoints&)>& keep) {
  Subjects out;
  for (const SubjectEndpoints& s : all) {
    if (keep(s)) out.push_back(&s);
  }
  return out;
}

int64_t Count(const Subjects& group, const std::function<bool(const SubjectEndpoints&)>& is) {
  return std::count_if(group.begin(), group.end(), [&](const SubjectEndpoints* s) { return is(*s); });
}

// ---- Tables 1 and 4: baseline characteristics of groups (columns), each a phase's baseline ----

struct Column {
  Subjects subjects;
  int phase;  // whose baseline: 0 I, 1 R, 2 RR
};

void BaselineRows(TableBuilder& t, const std::vector<Column>& columns, size_t a, size_t b, bool with_history,
                  bool with_i_response) {
  // A yes/no characteristic: n (%) per column (of those known) and Fisher's p between columns a and b.
  // before_i_only: a history known only before I-PRRT (prior treatments, Ki-67), "–" for later baselines.
  auto binary =
      [&](const std::string& label,
          const std::function<std::optional<bool>(const SubjectEndpoints&, const PhaseEndpoints&)>& value,
          bool with_p = true, bool before_i_only = false) {
        std::vector<std::string> cells{label};
        std::vector<std::pair<int64_t, int64_t>> yes_no;
        for (const Column& c : columns) {
          if (before_i_only && c.phase != 0) {
            cells.push_back("–");
            yes_no.emplace_back(0, 0);
            continue;
          }
          int64_t yes = 0, known = 0;
          for (const SubjectEndpoints* s : c.subjects) {
            std::optional<bool> v = value(*s, s->phases[c.phase]);
            known += v.has_value();
            yes += v.value_or(false);
          }
          cells.push_back(Percent(yes, known));
          yes_no.emplace_back(yes, known - yes);
        }
        if (with_p && !(before_i_only && columns[b].phase != 0))
          cells.push_back(P(Fisher(yes_no[a].first, yes_no[a].second, yes_no[b].first, yes_no[b].second)));
        t.Row(cells);
      };
  auto numbers =
      [&](const std::string& label,
          const std::function<std::optional<double>(const SubjectEndpoints&, const PhaseEndpoints&)>& value,
          std::string (*format)(std::vector<double>)) {
        std::vector<std::string> cells{label};
        for (const Column& c : columns) {
          std::vector<double> values;
          for (const SubjectEndpoints* s : c.subjects) {
            if (std::optional<double> v = value(*s, s->phases[c.phase])) values.push_back(*v);
          }
          cells.push_back(format(values));
        }
        t.Row(cells);
      };
  binary(
      "Male", [](const SubjectEndpoints& s, const PhaseEndpoints&) { return s.sex == "m"; }, false);
  numbers(
      "Age (years), median (range)",
      [](const SubjectEndpoints&, const PhaseEndpoints& p) { return p.age_years; }, MedianRange);
  for (const char* site : kSites) {
    binary(
        std::string("Tumour type: ") + site,
        [site](const SubjectEndpoints& s, const PhaseEndpoints&) { return s.primary_site == site; }, false);
  }
  for (const auto& [code, label] :
       std::vector<std::pair<std::string, std::string>>{{"recist", "Baseline progression: RECIST 1.1"},
                                                        {"octreoscan", "Baseline progression: OctreoScan"},
                                                        {"clinical", "Baseline progression: clinical"},
                                                        {"none", "Baseline progression: none"}}) {
    binary(label, [code = code](const SubjectEndpoints&, const PhaseEndpoints& p) -> std::optional<bool> {
      if (!p.progression || *p.progression == "unknown") return std::nullopt;
      return *p.progression == code;
    });
  }
  if (with_history) {
    for (const char* prior : {"surgery", "chemotherapy", "radiotherapy", "ssa"}) {
      binary(
          std::string("Prior ") + (std::string(prior) == "ssa" ? "somatostatin analogues" : prior),
          [prior](const SubjectEndpoints& s, const PhaseEndpoints&) -> std::optional<bool> {
            const std::string& v = s.prior.at(prior);
            if (v == "unknown") return std::nullopt;
            return v == "yes";
          },
          true, true);
    }
  }
  for (const char* extent : {"limited", "moderate", "extensive"}) {
    binary(std::string("Extent of disease: ") + extent,
           [extent](const SubjectEndpoints&, const PhaseEndpoints& p) -> std::optional<bool> {
             if (!p.extent) return std::nullopt;
             return *p.extent == extent;
           });
  }
  for (int score = 2; score <= 4; ++score) {
    binary(fmt::format("Krenning score {}", score),
           [score](const SubjectEndpoints&, const PhaseEndpoints& p) -> std::optional<bool> {
             if (!p.krenning_score) return std::nullopt;
             return *p.krenning_score == score;
           });
  }
  binary("Liver lesions", [](const SubjectEndpoints&, const PhaseEndpoints& p) { return p.liver_lesions; });
  binary("Bone lesions", [](const SubjectEndpoints&, const PhaseEndpoints& p) { return p.bone_lesions; });
  auto above_2uln = [](std::optional<double> value, std::optional<double> uln) -> std::optional<bool> {
    if (!value || !uln) return std::nullopt;
    return *value > 2 * *uln;
  };
  binary("Chromogranin A > 2 × ULN",
         [&](const SubjectEndpoints&, const PhaseEndpoints& p) { return above_2uln(p.cga_ug_l, p.cga_uln); });
  numbers(
      "Chromogranin A (μg/L), median (Q1–Q3)",
      [](const SubjectEndpoints&, const PhaseEndpoints& p) { return p.cga_ug_l; }, MedianQuartiles);
  binary("Alkaline phosphatase > 2 × ULN",
         [&](const SubjectEndpoints&, const PhaseEndpoints& p) { return above_2uln(p.alp_u_l, p.alp_uln); });
  numbers(
      "Alkaline phosphatase (U/L), median (Q1–Q3)",
      [](const SubjectEndpoints&, const PhaseEndpoints& p) { return p.alp_u_l; }, MedianQuartiles);
  if (with_history) {
    // WHO 2010 grade from Ki-67: G1 < 3%, G2 3–20%, G3 > 20% (of the patients with a Ki-67).
    const std::pair<const char*, std::pair<double, double>> grades[] = {
        {"WHO grade I", {0, 3}}, {"WHO grade II", {3, 20.0000001}}, {"WHO grade III", {20.0000001, 101}}};
    for (const auto& [label, range] : grades) {
      binary(
          label,
          [range = range](const SubjectEndpoints& s, const PhaseEndpoints&) -> std::optional<bool> {
            if (!s.ki67_percent) return std::nullopt;
            return *s.ki67_percent >= range.first && *s.ki67_percent < range.second;
          },
          true, true);
    }
  }
  if (with_i_response) {
    for (const char* response : {"cr", "pr", "sd"}) {
      binary(fmt::format("Tumour response after I-PRRT: {}", response),
             [response](const SubjectEndpoints& s, const PhaseEndpoints&) -> std::optional<bool> {
               const std::optional<std::string>& best = s.phases[0].best_response;
               if (!best || *best == "ne") return std::nullopt;
               return *best == response;
             });
    }
  }
}

StudyTable Table1(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  const Subjects retreated =
      Select(all, [](const SubjectEndpoints& s) { return s.group == Group::kRetreatment; });
  const Subjects rr = Select(all, [](const SubjectEndpoints& s) { return s.phases[2].given; });
  TableBuilder t("table1", "Baseline characteristics before I-PRRT, R-PRRT and RR-PRRT",
                 {"Characteristic", fmt::format("Before I-PRRT (n = {})", retreated.size()),
                  fmt::format("Before R-PRRT (n = {})", retreated.size()),
                  fmt::format("Before RR-PRRT (n = {})", rr.size()), "p (I vs R)"},
                 o.show_published);
  BaselineRows(t, {{retreated, 0}, {retreated, 1}, {rr, 2}}, 0, 1, true, false);
  t.Note(
      "n (%) of the patients with the characteristic known; p: Fisher's exact test, before I-PRRT vs before "
      "R-PRRT (the same patients, compared as the paper did, as independent groups).");
  return t.Take();
}

StudyTable Table4(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  const Subjects control = Select(all, [](const SubjectEndpoints& s) { return s.group == Group::kControl; });
  const Subjects retreated =
      Select(all, [](const SubjectEndpoints& s) { return s.group == Group::kRetreatment; });
  TableBuilder t("table4", "Control group vs retreatment group before any PRRT",
                 {"Characteristic", fmt::format("Control group (n = {})", control.size()),
                  fmt::format("Retreatment group (n = {})", retreated.size()), "p"},
                 o.show_published);
  BaselineRows(t, {{control, 0}, {retreated, 0}}, 0, 1, true, true);
  t.Note("n (%) of the patients with the characteristic known; p: Fisher's exact test.");
  return t.Take();
}

// ---- Table 2: why R-PRRT stopped short of its intended two cycles ----

StudyTable Table2(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  TableBuilder t("table2",
                 "Reasons for not achieving the intended cumulative activity of 14.8 GBq during R-PRRT",
                 {"Reason", "Number of patients"}, o.show_published);
  std::map<std::string, int64_t> reasons;
  int64_t total = 0;
  for (const SubjectEndpoints& s : all) {
    const PhaseEndpoints& r = s.phases[1];
    if (!r.given || r.cycles >= 2) continue;
    ++total;
    const double within_days = 70;  // the latest the next cycle was due (10 weeks)
    const bool died = s.death_date && r.os_months_from_start * 30.4375 <= within_days;
    const bool pd = r.pfs_event_kind == "progression" && r.pfs_months * 30.4375 <= within_days;
    const bool myelo = r.worst_grade.count("platelets") && r.worst_grade.at("platelets") >= 2;
    const bool other_haem = r.worst_haematological_grade.value_or(0) >= 3;
    reasons[died                  ? "Death after the first cycle"
            : myelo || other_haem ? "Persistent myelosuppression"
            : pd && r.clinical_pd ? "Clinical deterioration"
            : pd                  ? "Objective progressive disease"
                                  : "Other or not recorded"]++;
  }
  for (const char* reason :
       {"Persistent myelosuppression", "Clinical deterioration", "Objective progressive disease",
        "Death after the first cycle", "Other or not recorded"}) {
    t.Row({reason, std::to_string(reasons[reason])});
  }
  t.Row({"Total", std::to_string(total)});
  t.Note(
      "Derived from the registry: death within 10 weeks of the first cycle; a thrombocytopenia of grade ≥ 2 "
      "or "
      "another haematological toxicity of grade ≥ 3 during R-PRRT; a progression (clinical, or objective) "
      "within 10 weeks; otherwise not recorded. The paper's other reasons (breast cancer, bleeding ulcer, "
      "diffuse bone metastases) are not in the interchange format.");
  return t.Take();
}

// ---- Table 3: responses ----

StudyTable Table3(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  TableBuilder t(
      "table3", "Radiological tumour response (best response, and response at 3 months)",
      {"Group", "n", "CR", "PR", "SD", "PD", "NE", "Clinical PD", "ORR", "DCR", "3 months: PR",
       "3 months: SD", "3 months: PD", "3 months: NE", "3 months: clinical PD", "Died before follow-up"},
      o.show_published);
  int64_t assessed = 0, computed = 0;  // best responses, and those computed from lesion measurements
  auto row = [&](const std::string& label, const Subjects& group, int phase) {
    const int64_t n = static_cast<int64_t>(group.size());
    assessed +=
        Count(group, [&](const SubjectEndpoints& s) { return s.phases[phase].best_response.has_value(); });
    computed +=
        Count(group, [&](const SubjectEndpoints& s) { return s.phases[phase].best_response_computed; });
    auto best = [&](const char* r, bool clinical = false) {
      return Count(group, [&](const SubjectEndpoints& s) {
        const PhaseEndpoints& p = s.phases[phase];
        return p.best_response == r && p.clinical_pd == clinical;
      });
    };
    auto at3 = [&](const char* r) {
      return Percent(
          Count(group, [&](const SubjectEndpoints& s) { return s.phases[phase].response_3_months == r; }), n);
    };
    const int64_t cr = best("cr"), pr = best("pr"), sd = best("sd");
    t.Row({label, std::to_string(n), Percent(cr, n), Percent(pr, n), Percent(sd, n), Percent(best("pd"), n),
           Percent(best("ne"), n), Percent(best("pd", true), n), Percent(cr + pr, n),
           Percent(cr + pr + sd, n), at3("pr"), at3("sd"), at3("pd"), at3("ne"), at3("clinical_pd"),
           at3("died")});
  };
  row("After I-PRRT: control group", Select(all, [](const auto& s) { return s.group == Group::kControl; }),
      0);
  row("After I-PRRT: salvage group",
      Select(all, [](const auto& s) { return s.group == Group::kRetreatment; }), 0);
  row("R-PRRT", Select(all, [](const auto& s) { return s.phases[1].given; }), 1);
  row("RR-PRRT", Select(all, [](const auto& s) { return s.phases[2].given; }), 2);
  t.Note(
      "n (%). ORR = CR + PR, DCR = CR + PR + SD. Best response from the phase's first cycle up to its first "
      "progression; clinical PD: a clinical progression with no imaging before it. Response at 3 months: the "
      "assessment nearest to 3 months after the last cycle (± 6 weeks).");
  if (computed > 0) {
    t.Note(
        fmt::format("Best responses computed by RECIST 1.1 from lesion measurements (lesions.csv): {} of the "
                    "{} above; the others as recorded (responses.csv, or a clinical progression).",
                    computed, assessed));
  }
  return t.Take();
}

// ---- Table 5: PFS, OS and follow-up ----

StudyTable Table5(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  const bool spss = o.median_ci == stats::QuantileRule::kSpss;
  TableBuilder t("table5",
                 std::string("PFS, OS and median follow-up (months), median (95% CI") +
                     (spss ? ", SPSS's symmetric interval)" : ", R's print.survfit with the log interval)"),
                 {"Endpoint and tumour type", "I-PRRT/R-PRRT: n", "from I-PRRT", "from R-PRRT", "RR-PRRT: n",
                  "from RR-PRRT", "Control: n", "Control", "p"},
                 o.show_published);
  auto median = [&](const Series& s) {
    return s.months.empty() ? "–" : MedianText(MedianMonths(s.months, s.events, o.median_ci));
  };
  // kind: 0 PFS, 1 OS, 2 follow-up (reverse Kaplan–Meier: the event is being alive at the last contact).
  auto series = [](const Subjects& group, int phase, int kind) {
    Series s;
    for (const SubjectEndpoints* p : group) {
      const PhaseEndpoints& e = p->phases[phase];
      if (!e.given) continue;
      s.Add(kind == 0 ? e.pfs_months : e.os_months_from_start, kind == 0   ? e.pfs_event
                                                               : kind == 1 ? p->os_event
                                                                           : !p->os_event);
    }
    return s;
  };
  const char* kinds[] = {"PFS", "OS", "Follow-up"};
  for (int kind : {2, 0, 1}) {
    std::vector<std::string> sites{"all"};
    if (kind != 2) sites.insert(sites.end(), std::begin(kSites), std::end(kSites));
    for (const std::string& site : sites) {
      auto in_site = [&](const SubjectEndpoints& s) { return site == "all" || s.primary_site == site; };
      const Subjects retreated =
          Select(all, [&](const auto& s) { return s.group == Group::kRetreatment && in_site(s); });
      const Subjects rr = Select(all, [&](const auto& s) { return s.phases[2].given && in_site(s); });
      const Subjects control =
          Select(all, [&](const auto& s) { return s.group == Group::kControl && in_site(s); });
      const Series from_i = series(retreated, 0, kind), from_r = series(retreated, 1, kind),
                   from_rr = series(rr, 2, kind), ctrl = series(control, 0, kind);
      t.Row({fmt::format("{}: {}", kinds[kind], site == "all" ? "all tumours" : site + " NET"),
             std::to_string(retreated.size()), median(from_i), median(from_r), std::to_string(rr.size()),
             median(from_rr), std::to_string(control.size()), median(ctrl),
             kind == 2 ? "" : P(LogRankP(ctrl, from_i))});
    }
  }
  t.Note(
      "From the first cycle of the phase. p: log-rank test, control vs retreatment from I-PRRT (PFS after "
      "I-PRRT; OS from I-PRRT including everything after it). Follow-up by the reverse Kaplan–Meier method. "
      "NR: "
      "median not reached; N/A: a limit not reached.");
  return t.Take();
}

// ---- Tables 6 and 7: toxicity and AML/MDS ----

StudyTable Table6(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  const Subjects control = Select(all, [](const auto& s) { return s.group == Group::kControl; });
  const Subjects retreated = Select(all, [](const auto& s) { return s.group == Group::kRetreatment; });
  const Subjects rr = Select(all, [](const auto& s) { return s.phases[2].given; });
  struct Col {
    const Subjects* group;
    int phase;
    std::string name;
  };
  const Col cols[] = {
      {&control, 0, "Control"}, {&retreated, 0, "I-PRRT"}, {&retreated, 1, "R-PRRT"}, {&rr, 2, "RR-PRRT"}};
  std::vector<std::string> header{"Toxicity (CTCAE v3.0)"};
  for (const Col& c : cols) {
    header.push_back(fmt::format("{} (n = {}): grade III", c.name, c.group->size()));
    header.push_back(fmt::format("{}: grade IV", c.name));
  }
  header.push_back("p control vs I-PRRT");
  header.push_back("p I-PRRT vs R-PRRT");
  TableBuilder t("table6", "Subacute haematological and renal toxicity, grade III/IV, per phase", header,
                 o.show_published);
  auto grade_of = [](const PhaseEndpoints& p, const std::string& test) {
    if (test == "any") return p.worst_haematological_grade.value_or(0);
    if (test == "leucocytes")
      return std::max(p.worst_grade.count("wbc") ? p.worst_grade.at("wbc") : 0,
                      p.worst_grade.count("neutrophils") ? p.worst_grade.at("neutrophils") : 0);
    return p.worst_grade.count(test) ? p.worst_grade.at(test) : 0;
  };
  const std::vector<std::pair<std::string, std::string>> tests{{"any", "Any (haematological)"},
                                                               {"hb", "Haemoglobin"},
                                                               {"leucocytes", "Leucocytes"},
                                                               {"platelets", "Platelets"},
                                                               {"creatinine", "Creatinine"}};
  // Patients with grade III and with grade IV, per column and test: one pass over each column's patients.
  std::vector<std::vector<std::array<int64_t, 2>>> graded(std::size(cols),
                                                          std::vector<std::array<int64_t, 2>>(tests.size()));
  for (size_t c = 0; c < std::size(cols); ++c) {
    for (const SubjectEndpoints* s : *cols[c].group) {
      for (size_t k = 0; k < tests.size(); ++k) {
        const int grade = grade_of(s->phases[cols[c].phase], tests[k].first);
        if (grade == 3 || grade == 4) ++graded[c][k][grade - 3];
      }
    }
  }
  for (size_t k = 0; k < tests.size(); ++k) {
    std::vector<std::string> cells{tests[k].second};
    std::vector<std::pair<int64_t, int64_t>> severe;  // (grade >= 3, others) per column
    for (size_t c = 0; c < std::size(cols); ++c) {
      const int64_t n = static_cast<int64_t>(cols[c].group->size());
      const auto [g3, g4] = graded[c][k];
      cells.push_back(Percent(g3, n));
      cells.push_back(Percent(g4, n));
      severe.emplace_back(g3 + g4, n - g3 - g4);
    }
    cells.push_back(P(Fisher(severe[0].first, severe[0].second, severe[1].first, severe[1].second)));
    cells.push_back(P(Fisher(severe[1].first, severe[1].second, severe[2].first, severe[2].second)));
    t.Row(cells);
  }
  t.Note(
      "n (%) of patients by their worst grade from the phase's first cycle to the day before the next phase "
      "(or the end of follow-up); p: Fisher's exact test of grade III/IV vs not.");
  return t.Take();
}

StudyTable Table7(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  const Subjects control = Select(all, [](const auto& s) { return s.group == Group::kControl; });
  const Subjects retreated = Select(all, [](const auto& s) { return s.group == Group::kRetreatment; });
  TableBuilder t("table7", "Myeloproliferative toxicity (AML, MDS)",
                 {"", fmt::format("Control group (n = {})", control.size()),
                  fmt::format("Retreatment group (n = {})", retreated.size()), "p"},
                 o.show_published);
  auto count = [](const Subjects& g, const char* kind) {
    return Count(
        g, [&](const auto& s) { return s.aml_mds && (std::string(kind) == "any" || *s.aml_mds == kind); });
  };
  const int64_t c_any = count(control, "any"), r_any = count(retreated, "any");
  const int64_t nc = static_cast<int64_t>(control.size()), nr = static_cast<int64_t>(retreated.size());
  t.Row({"Any", Percent(c_any, nc), Percent(r_any, nr), P(Fisher(c_any, nc - c_any, r_any, nr - r_any))});
  t.Row({"AML", std::to_string(count(control, "aml")), std::to_string(count(retreated, "aml")), ""});
  t.Row({"MDS", std::to_string(count(control, "mds")), std::to_string(count(retreated, "mds")), ""});
  auto times = [&](const Subjects& g, bool from_r) {
    std::vector<double> time;
    for (const SubjectEndpoints* s : g) {
      const std::optional<double>& m = from_r ? s->aml_mds_months_from_r : s->aml_mds_months_from_i;
      if (m) time.push_back(*m);
    }
    return time.empty() ? std::string("–")
                        : MedianText(MedianMonths(time, std::vector<int8_t>(time.size(), 1), o.median_ci));
  };
  t.Row({"Time to diagnosis from the start of I-PRRT (months), median (95% CI)", times(control, false),
         times(retreated, false), ""});
  t.Row({"Time to diagnosis from the start of R-PRRT (months), median (95% CI)", "–", times(retreated, true),
         ""});
  t.Note("p: Fisher's exact test. Times among the patients diagnosed (Kaplan–Meier, all events).");
  return t.Take();
}

// ---- The statistics in the text ----

StudyTable TextStatistics(const std::vector<SubjectEndpoints>& all, const TableOptions& o) {
  TableBuilder t("text", "Statistics in the text", {"Test", "n", "Statistic", "p"}, o.show_published);
  const Subjects retreated = Select(all, [](const auto& s) { return s.group == Group::kRetreatment; });
  auto code = [](const std::optional<std::string>& r) -> std::optional<double> {
    if (!r) return std::nullopt;
    if (*r == "cr") return 1;
    if (*r == "pr") return 2;
    if (*r == "sd") return 3;
    if (*r == "pd") return 4;
    return std::nullopt;
  };
  auto spearman =
      [&](const std::string& label,
          const std::function<std::optional<std::pair<double, double>>(const SubjectEndpoints&)>& pair) {
        std::vector<double> x, y;
        for (const SubjectEndpoints* s : retreated) {
          if (auto p = pair(*s)) {
            x.push_back(p->first);
            y.push_back(p->second);
          }
        }
        Result<stats::SpearmanResult> r = stats::Spearman(x, y);
        t.Row({label, std::to_string(x.size()), r.ok() ? fmt::format("rS = {:.3f}", r->rho) : "–",
               r.ok() ? P(r->p) : ""});
      };
  spearman("Spearman: best response after I-PRRT vs after R-PRRT",
           [&](const SubjectEndpoints& s) -> std::optional<std::pair<double, double>> {
             auto a = code(s.phases[0].best_response), b = code(s.phases[1].best_response);
             if (!a || !b) return std::nullopt;
             return std::pair{*a, *b};
           });
  spearman("Spearman: PFS after I-PRRT vs PFS after R-PRRT",
           [](const SubjectEndpoints& s) -> std::optional<std::pair<double, double>> {
             return std::pair{s.phases[0].pfs_months, s.phases[1].pfs_months};
           });
  // Krenning score change (I to R baseline: lower, same, higher) against the best response after R-PRRT.
  const char* responses[] = {"cr", "pr", "sd", "pd"};
  std::vector<double> counts(3 * 4, 0);
  int64_t n = 0;
  for (const SubjectEndpoints* s : retreated) {
    const auto& ki = s->phases[0].krenning_score;
    const auto& kr = s->phases[1].krenning_score;
    const auto& best = s->phases[1].best_response;
    const auto col =
        std::find(std::begin(responses), std::end(responses), best.value_or("")) - std::begin(responses);
    if (!ki || !kr || col == 4) continue;
    counts[(*kr < *ki ? 0 : *kr == *ki ? 1 : 2) * 4 + col] += 1;
    ++n;
  }
  // Empty response columns are left out, as a cross-table of the observed categories would.
  std::vector<int> kept;
  for (int c = 0; c < 4; ++c) {
    if (counts[c] + counts[4 + c] + counts[8 + c] > 0) kept.push_back(c);
  }
  stats::ContingencyTable table{3, static_cast<int>(kept.size()), {}};
  for (int r = 0; r < 3; ++r) {
    for (int c : kept)
      table.counts.push_back(counts[r * 4 + c]);
  }
  Result<stats::ChiSquareResult> chi = stats::PearsonChiSquare(table, false);
  t.Row({"Chi-squared: Krenning score change vs best response after R-PRRT", std::to_string(n),
         chi.ok() ? fmt::format("χ² = {:.2f} (df {})", chi->statistic, chi->df) : "–",
         chi.ok() ? P(chi->p) : ""});
  t.Note(
      "Responses coded CR 1, PR 2, SD 3, PD 4 (NE left out); Spearman's p by R's cor.test rules; "
      "chi-squared without continuity correction.");
  return t.Take();
}

}  // namespace

std::vector<StudyTable> BuildTables(const std::vector<SubjectEndpoints>& subjects,
                                    const TableOptions& options) {
  // Each table reads the subjects and nothing else: on a registry of a million patients they are built at
  // once, on every core.
  std::vector<std::future<StudyTable>> built;
  for (auto* table : {Table1, Table2, Table3, Table4, Table5, Table6, Table7, TextStatistics})
    built.push_back(std::async(std::launch::async, table, std::cref(subjects), std::cref(options)));
  std::vector<StudyTable> tables;
  for (std::future<StudyTable>& t : built)
    tables.push_back(t.get());
  return tables;
}

}  // namespace prrt::study
