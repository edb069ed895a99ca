// The cohort simulator: one patient at a time from the model, written straight to the interchange files.
#include "prrt/sim/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include "prrt/common/dates.h"
#include "prrt/registry/interchange.h"

namespace prrt::sim {
namespace {

using registry::Day;
constexpr double kDaysPerMonth = 30.4375;

// Random numbers from std::mt19937_64, whose output the standard fixes, through our own transforms (the
// standard library's distributions differ between implementations), one generator per patient so that a
// patient's course depends only on the seed and its number.
class Random {
 public:
  Random(uint64_t seed, uint64_t patient)
      : engine_(SplitMix(seed ^ SplitMix(patient + 0x9E3779B97F4A7C15ULL))) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Uniform() < p; }
  int Between(int min, int max) { return min + static_cast<int>(Uniform() * (max - min + 1)); }
  double Normal(double mean, double sd) {  // Box-Muller
    const double u = 1.0 - Uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u)) * std::cos(2 * M_PI * Uniform());
  }
  double LogNormal(double median, double sdlog) { return median * std::exp(Normal(0, sdlog)); }
  // Weibull with the given median (months) and shape, in days: from 1 to kMaxDaysAdded whatever a model
  // file's median or shape (a shape of 0 makes the draw infinite, or NaN).
  int WeibullDays(double median_months, double shape) {
    const double scale = median_months / std::pow(std::log(2.0), 1.0 / shape);
    const double days = std::round(scale * std::pow(-std::log(1.0 - Uniform()), 1.0 / shape) * kDaysPerMonth);
    return std::isnan(days) ? kMaxDaysAdded : static_cast<int>(std::clamp(days, 1.0, double{kMaxDaysAdded}));
  }
  const std::string& Pick(const std::map<std::string, double>& weights) {
    double u = Uniform();
    for (const auto& [name, w] : weights) {
      if (u < w) return name;
      u -= w;
    }
    return weights.rbegin()->first;
  }

 private:
  static uint64_t SplitMix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }
  std::mt19937_64 engine_;
};

// One interchange file written through a large buffer.
class CsvOut {
 public:
  CsvOut(const std::filesystem::path& path, const char* header) : file_(std::fopen(path.c_str(), "wb")) {
    if (file_) buffer_.append(std::string_view(header));
  }
  ~CsvOut() { Close(); }
  bool ok() const { return file_ != nullptr && !failed_; }
  template <typename... Args>
  void Row(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(buffer_), format, std::forward<Args>(args)...);
    buffer_.push_back('\n');
    ++rows_;
    if (buffer_.size() > (1 << 20)) Flush();
  }
  int64_t rows() const { return rows_; }
  bool Close() {
    if (file_ == nullptr) return false;
    Flush();
    failed_ |= std::fclose(file_) != 0;
    file_ = nullptr;
    return !failed_;
  }

 private:
  void Flush() {
    if (!buffer_.size()) return;
    failed_ |= std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size();
    buffer_.clear();
  }
  std::FILE* file_;
  fmt::memory_buffer buffer_;
  int64_t rows_ = 0;
  bool failed_ = false;
};

struct Files {
  CsvOut patients, baselines, cycles, labs, responses, lesions, events;
  explicit Files(const std::filesystem::path& dir)
      : patients(dir / "patients.csv",
                 "patient_id,sex,birth_date,primary_site,ki67_percent,prior_surgery,prior_chemotherapy,"
                 "prior_radiotherapy,prior_ssa,last_contact_date,death_date,no_salvage_reason\n"),
        baselines(dir / "baselines.csv",
                  "patient_id,phase,date,krenning_score,extent,liver_lesions,bone_lesions,progression,"
                  "karnofsky\n"),
        cycles(dir / "cycles.csv", "patient_id,phase,date,activity_gbq\n"),
        labs(dir / "labs.csv", "patient_id,date,test,value,unit,lln,uln\n"),
        responses(dir / "responses.csv", "patient_id,date,response,method\n"),
        lesions(dir / "lesions.csv", "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n"),
        events(dir / "events.csv", "patient_id,date,event,method\n") {}
  std::vector<CsvOut*> all() {
    return {&patients, &baselines, &cycles, &labs, &responses, &lesions, &events};
  }
};

// A course is generated first, then written up to the end of follow-up.
struct Lab {
  Day date;
  const char* test;
  double value;
};
struct Dated {
  Day date;
  std::string what, method;
};
struct Baseline {
  const char* phase;
  Day date;
  int krenning;
  std::string extent;
  bool liver, bone;
  std::string progression;
  int karnofsky;
};

struct Course {
  std::vector<Baseline> baselines;
  std::vector<std::pair<const char*, std::pair<Day, double>>> cycles;  // phase, (date, GBq)
  std::vector<Lab> labs;
  std::vector<Dated> responses, events;
};

// Reference ranges of the simulated laboratory (lln, uln) and units.
struct LabTest {
  const char* test;
  const char* unit;
  double lln, uln;
};
constexpr LabTest kLabTests[] = {{"hb", "mmol/l", 7.5, 10.0},       {"wbc", "10^9/l", 4.0, 10.0},
                                 {"platelets", "10^9/l", 150, 400}, {"creatinine", "umol/l", 60, 110},
                                 {"alp", "u/l", 40, 120},           {"cga", "ug/l", 0, 100}};
const LabTest& TestInfo(const char* test) {
  for (const LabTest& t : kLabTests) {
    if (std::string_view(t.test) == test) return t;
  }
  return kLabTests[0];
}

// Blood counts without dose-limiting toxicity (kept above the CTCAE v3.0 grade 2 cut-offs).
void NormalCounts(Random& r, Course& c, Day date, bool creatinine) {
  c.labs.push_back({date, "hb", std::max(6.3, r.Normal(8.0, 0.6))});
  c.labs.push_back({date, "wbc", std::max(3.1, r.Normal(6.0, 1.4))});
  c.labs.push_back({date, "platelets", std::max(80.0, r.Normal(230, 55))});
  if (creatinine) c.labs.push_back({date, "creatinine", std::clamp(r.Normal(82, 15), 45.0, 140.0)});
}

// A grade 3 (or, one in ten, 4) haematological toxicity on `date` in one of the counts (Table 6's mix), with
// recovery four weeks later.
void Toxicity(Random& r, Course& c, Day date) {
  const double u = r.Uniform();
  const bool grade4 = r.Chance(0.1);
  // Ranges inside the grade's band after rounding to the written precision (platelets whole, others 0.1).
  Lab lab{date, "platelets", grade4 ? std::clamp(r.Normal(18, 4), 5.0, 24.0) : 25.5 + 23 * r.Uniform()};
  if (u < 0.45) {
    lab = {date, "wbc", grade4 ? 0.5 + 0.4 * r.Uniform() : 1.05 + 0.8 * r.Uniform()};
  } else if (u < 0.6) {
    lab = {date, "hb", grade4 ? 3.6 + 0.3 * r.Uniform() : 4.05 + 0.7 * r.Uniform()};
  }
  for (Lab& existing : c.labs) {
    if (existing.date == date && std::string_view(existing.test) == lab.test) existing.value = lab.value;
  }
  NormalCounts(r, c, date + 28, false);
}

// Cycles of one phase from `start`, 6-10 weeks apart, with blood tests 4-6 weeks after each.
Day GiveCycles(Random& r, Course& c, const char* phase, Day start, int count, double haem_grade34) {
  Day day = start;
  const int toxic_cycle = r.Chance(haem_grade34) ? r.Between(0, count - 1) : -1;
  for (int k = 0; k < count; ++k) {
    if (k > 0) day += r.Between(42, 70);
    c.cycles.push_back({phase, {day, std::round((7.4 + r.Normal(0.03, 0.08)) * 100) / 100}});
    const Day lab_day = day + r.Between(28, 40);
    NormalCounts(r, c, lab_day, k + 1 == count);
    if (k == toxic_cycle) Toxicity(r, c, lab_day);
  }
  return day;
}

// Imaging after a phase's last cycle (42, 91, 183 days, then every 183) up to `until`: the first scan SD,
// later ones the phase's best response; `first` overrides the first scan's response.
void Scans(Random& r, Course& c, Day last_cycle, Day until, const std::string& best,
           const std::string& first = "") {
  const int offsets[] = {42, 91, 183};
  for (int k = 0;; ++k) {
    const Day day = last_cycle + (k < 3 ? offsets[k] : 183 * (k - 1)) + r.Between(-5, 5);
    if (day >= until) return;
    std::string response =
        k == 0 ? (first.empty() ? (best == "cr" || best == "pr" ? "sd" : best) : first) : best;
    if (k == 0 && (best == "cr" || best == "pr") && r.Chance(0.3)) response = best;
    c.responses.push_back({day, response, "recist"});
  }
}

// Progression on `day`, found on CT/MRI (with a PD assessment), on OctreoScan, or clinically.
void Progression(Random& r, Course& c, Day day) {
  const double u = r.Uniform();
  const std::string method = u < 0.91 ? "recist" : u < 0.99 ? "octreoscan" : "clinical";
  if (method != "clinical") c.responses.push_back({day, "pd", method});
  c.events.push_back({day, "progression", method});
}

// The baseline work-up before a phase; later phases show the disease's progress (Table 1).
Baseline Workup(Random& r, const Model& m, const char* phase, Day date, const Baseline* before) {
  Baseline b{phase,
             date,
             std::stoi(r.Pick(m.krenning)),
             r.Pick(m.extent),
             r.Chance(m.liver_lesions),
             r.Chance(m.bone_lesions),
             r.Pick(m.progression),
             10 * r.Between(7, 10)};
  if (before != nullptr) {
    const double u = r.Uniform();
    b.krenning = std::clamp(before->krenning + (u < 0.16 ? 1 : u < 0.36 ? -1 : 0), 2, 4);
    b.extent = before->extent == "limited" ? "limited" : r.Chance(0.4) ? "extensive" : before->extent;
    b.liver = before->liver || r.Chance(0.6);
    b.bone = before->bone || r.Chance(0.25);
    b.progression = r.Chance(0.92) ? "recist" : "octreoscan";
    b.karnofsky = std::max(60, before->karnofsky - 10 * r.Between(0, 1));
  }
  return b;
}

struct Outcome {
  Day death;  // the day of death (may lie after the end of follow-up)
  std::optional<Day> aml_mds_window_start;
  double aml_mds = 0;
  std::string no_salvage_reason;
};

// A salvage parameter for the model's number of salvage cycles: `value` itself with the calibrated 2 cycles
// (bit for bit, so that the calibrated cohort does not change), else scale(value, cycles / 2).
template <typename Scale>
double ForCycles(const Model& m, double value, Scale&& scale) {
  return m.salvage_cycles == 2 ? value : scale(value, m.salvage_cycles / 2.0);
}

// A salvage phase (R or RR) starting on `start`: cycles, response, PFS; returns the day of progression, or
// none when the phase ends in death (set in `death`).
std::optional<Day> SalvagePhase(Random& r, const Model& m, Course& c, const char* phase, Day start,
                                const std::map<std::string, double>& response, double pfs_median_dc,
                                double pfs_shape, double haem_grade34, bool may_stop_early, Day& death,
                                std::string& best) {
  best = r.Pick(response);
  const bool one_cycle = best == "died" || (may_stop_early && r.Chance(m.r_incomplete));
  const Day last = GiveCycles(
      r, c, phase, start, one_cycle ? 1 : m.salvage_cycles,
      ForCycles(m, haem_grade34, [](double p, double pairs) { return 1 - std::pow(1 - p, pairs); }));
  if (best == "died") {
    death = last + r.Between(14, 40);
    return std::nullopt;
  }
  Day progression = 0;
  if (best == "clinical_pd") {
    progression = last + r.Between(20, 40);
    c.events.push_back({progression, "progression", "clinical"});
    return progression;
  }
  if (best == "pd") {
    progression = last + 42 + r.Between(-5, 5);
  } else if (best == "ne") {
    c.responses.push_back({last + 42, "ne", "recist"});
    progression = last + r.Between(60, 85);
  } else {
    const double median = ForCycles(m, pfs_median_dc, [&m](double value, double pairs) {
      return value * std::pow(pairs, m.pfs_cycle_exponent);
    });
    progression = std::max(start + r.WeibullDays(median, pfs_shape), last + 50 + r.Between(0, 30));
    Scans(r, c, last, progression, best);
  }
  Progression(r, c, progression);
  return progression;
}

// ---- CT/MRI assessments as RECIST 1.1 lesion measurements (SimulationOptions::lesion_measurements) ----
// A patient's 1-3 target lesions (and, for 70%, a non-target bone lesion) are measured at each phase's
// work-up, the phase's baseline, with fresh sizes (targets 12-60 mm, lymph nodes 15-35 mm short axis), and at
// each of its CT/MRI assessments, sized so that RECIST 1.1 gives the simulated response: SD 85-100% of the
// baseline (the first SD; later ones unchanged), PR at most 60% of it (rounded down; nodes kept at 10 mm or
// more, at most 67% of theirs), CR every non-nodal target gone, nodes below 10 mm and the non-target absent,
// PD 35% above the nadir (rounded up) where the nadir is at least 20 mm, else a new lesion (a non-target at
// the next phase's baseline). Sizes shrink until PD, so the nadir is always the last sum. A phase whose
// work-up does not follow the previous phase's last assessment keeps its responses as rows.
struct Target {
  const char* organ;
  int baseline_mm = 0, mm = 0;
  bool node() const { return std::string_view(organ) == "lymph node"; }
};

// Writes the lesion measurements of `c`'s phases; `measured[i]` is set for each response of `c.responses`
// measured (written as lesions instead).
void MeasureLesions(Random& r, const Course& c, Day last_contact, const std::string& id, Files& out,
                    std::vector<bool>& measured) {
  static constexpr const char* kOrgans[] = {"liver", "liver", "pancreas", "mesentery", "lung", "lymph node"};
  std::vector<Target> targets(static_cast<size_t>(r.Between(1, 3)));
  for (Target& t : targets)
    t.organ = kOrgans[r.Between(0, 5)];
  const bool bone = r.Chance(0.7);
  std::vector<int> news;  // the ids of new lesions seen (non-targets at the next baseline)
  int next_id = static_cast<int>(targets.size()) + 2;
  auto row = [&](Day day, int lesion, const char* organ, const char* role, bool node, std::optional<int> mm,
                 const char* status) {
    if (day > last_contact) return;
    out.lesions.Row("{},{},L{},{},{},{},{},{}", id, FormatDate(day), lesion, organ, role, node ? "yes" : "no",
                    mm ? std::to_string(*mm) : "", status);
  };
  Day last_measured = std::numeric_limits<Day>::min();
  for (size_t p = 0; p < c.baselines.size(); ++p) {
    const Baseline& b = c.baselines[p];
    const auto first = std::find_if(c.cycles.begin(), c.cycles.end(), [&b](const auto& cycle) {
      return std::string_view(cycle.first) == b.phase;
    });
    if (first == c.cycles.end() || b.date <= last_measured || b.date > first->second.first) continue;
    const Day until = p + 1 < c.baselines.size() ? c.baselines[p + 1].date : std::numeric_limits<Day>::max();
    for (Target& t : targets)
      t.baseline_mm = t.mm = t.node() ? r.Between(15, 35) : r.Between(12, 60);
    // The phase's lesions on `day`: the targets, the bone lesion and the new lesions of earlier phases (now
    // non-targets), these `status` (absent after a complete response).
    auto measure = [&](Day day, const char* status) {
      for (size_t k = 0; k < targets.size(); ++k)
        row(day, static_cast<int>(k) + 1, targets[k].organ, "target", targets[k].node(), targets[k].mm, "");
      if (bone) row(day, static_cast<int>(targets.size()) + 1, "bone", "non_target", false, {}, status);
      for (int n : news)
        row(day, n, "liver", "non_target", false, {}, status);
    };
    measure(b.date, "present");
    last_measured = b.date;
    std::string state = "baseline";  // the last response measured
    for (size_t i = 0; i < c.responses.size(); ++i) {
      const Dated& d = c.responses[i];
      if (d.method != "recist" || d.what == "ne" || d.date <= first->second.first || d.date >= until)
        continue;
      std::optional<int> new_lesion;
      if (d.what == "sd" && state == "baseline") {
        const double f = 0.85 + 0.15 * r.Uniform();
        for (Target& t : targets)
          t.mm = static_cast<int>(std::lround(t.baseline_mm * f));
      } else if (d.what == "pr" && state != "pr") {
        const double f = 0.35 + 0.25 * r.Uniform();
        for (Target& t : targets)
          t.mm = std::max(t.node() ? 10 : 0,
                          static_cast<int>(std::floor(t.baseline_mm * f)));  // a node < 10 mm is CR
      } else if (d.what == "cr") {
        for (Target& t : targets)
          t.mm = t.node() ? std::min(t.mm, r.Between(4, 9)) : 0;
      } else if (d.what == "pd") {
        int nadir = 0;
        for (const Target& t : targets)
          nadir += t.mm;
        if (nadir >= 20) {
          for (Target& t : targets)
            t.mm = static_cast<int>(std::ceil(t.mm * 1.35));
        } else {
          new_lesion = next_id++;
        }
      }
      state = d.what;
      measure(d.date, state == "cr" ? "absent" : "present");
      if (new_lesion) {
        row(d.date, *new_lesion, "liver", "new", false, r.Between(8, 20), "");
        news.push_back(*new_lesion);
      }
      measured[i] = true;
      last_measured = d.date;
    }
  }
}

// One patient's whole course, written up to the end of follow-up; `lesions` (a stream of its own, so that
// the rest of the course is the same without it) measures the CT/MRI assessments as lesions.
void SimulatePatient(const Model& m, Random& r, const std::string& id, Files& out, Random* lesions) {
  Course c;
  const Day t0 = r.Between(m.first_start, m.last_start);
  const double age = std::clamp(r.Normal(m.age_mean, m.age_sd), 25.0, 88.0);
  const Day birth = t0 - static_cast<Day>(age * 365.25);
  const std::string& site = r.Pick(m.site);
  Day end = m.cutoff - 1 - r.Between(0, 90);  // the last visit before the cut-off
  if (r.Chance(m.lost_to_follow_up)) end = t0 + static_cast<Day>(r.Uniform() * (end - t0));

  // I-PRRT.
  c.baselines.push_back(Workup(r, m, "I", t0 - r.Between(7, 28), nullptr));
  const Day workup = c.baselines.back().date;
  NormalCounts(r, c, workup, true);
  c.labs.push_back({workup, "alp", r.LogNormal(m.alp_median, m.alp_sdlog)});
  c.labs.push_back({workup, "cga", r.LogNormal(m.cga_median, m.cga_sdlog)});
  const Day last_i = GiveCycles(r, c, "I", t0, 4, m.initial_haem_grade34);
  const std::string best_i = r.Pick(m.initial_response);
  const bool control_i = best_i != "pd";
  Outcome o{0, std::nullopt, 0, ""};
  Day relapse = 0;
  if (!control_i) {
    relapse = last_i + 42 + r.Between(-5, 5);
  } else {
    relapse = std::max(t0 + r.WeibullDays(m.initial_pfs_median, m.initial_pfs_shape), last_i + 60);
    Scans(r, c, last_i, relapse, best_i);
  }
  const bool dies_first = control_i && r.Chance(m.death_without_progression);
  if (dies_first) {
    o.death = relapse;
  } else {
    Progression(r, c, relapse);
  }
  // Salvage for disease control, PFS >= the threshold (18 months) and relapse during follow-up.
  const bool qualifies =
      !dies_first && control_i && (relapse - t0) / kDaysPerMonth >= m.salvage_min_pfs_months && relapse < end;
  const Day r_start = relapse + r.Between(m.salvage_delay_min_days, m.salvage_delay_max_days);
  if (qualifies && r.Chance(m.retreated) && r_start < end) {
    c.baselines.push_back(Workup(r, m, "R", r_start - r.Between(7, 21), &c.baselines.front()));
    NormalCounts(r, c, c.baselines.back().date, true);
    std::string best_r;
    std::optional<Day> progression_r = SalvagePhase(r, m, c, "R", r_start, m.r_response, m.r_pfs_median_dc,
                                                    m.r_pfs_shape, m.r_haem_grade34, true, o.death, best_r);
    o.aml_mds_window_start = r_start + 30;
    o.aml_mds = ForCycles(m, m.r_aml_mds, [](double p, double pairs) { return std::min(1.0, p * pairs); });
    if (progression_r) {
      const bool control_r = best_r == "pr" || best_r == "sd";
      const Day rr_start = *progression_r + r.Between(m.salvage_delay_min_days, m.salvage_delay_max_days);
      if (control_r && (*progression_r - r_start) / kDaysPerMonth >= 14.0 && rr_start < end &&
          r.Chance(m.rr_given)) {
        c.baselines.push_back(Workup(r, m, "RR", rr_start - r.Between(7, 21), &c.baselines.back()));
        NormalCounts(r, c, c.baselines.back().date, true);
        std::string best_rr;
        std::optional<Day> progression_rr =
            SalvagePhase(r, m, c, "RR", rr_start, m.rr_response, m.rr_pfs_median_dc, m.rr_pfs_shape,
                         m.r_haem_grade34, false, o.death, best_rr);
        if (progression_rr) {
          o.death = *progression_rr + r.WeibullDays(m.rr_survival_after_progression_median, m.survival_shape);
        }
      } else {
        o.death = *progression_r + r.WeibullDays(m.r_survival_after_progression_median, m.survival_shape);
      }
    }
  } else if (!dies_first) {
    int survival = r.WeibullDays(m.survival_after_relapse_median, m.survival_shape);
    if (qualifies) {
      o.no_salvage_reason = r.Pick(m.no_salvage_reason);
      if (o.no_salvage_reason == "death") survival = r.Between(7, 90);
      if (o.no_salvage_reason == "clinical_deterioration") survival = std::max(7, survival / 3);
      if (o.no_salvage_reason == "lost_to_follow_up") end = std::min(end, relapse + r.Between(0, 30));
      if (o.no_salvage_reason == "renal_haematological_limits") {
        c.labs.push_back({relapse + 7, "platelets", 55 + 15 * r.Uniform()});
      }
      o.aml_mds_window_start = t0 + 180;
      o.aml_mds = m.control_aml_mds;
    }
    o.death = relapse + survival;
  }
  const bool died = o.death <= end;
  const Day last_contact = died ? o.death : end;
  if (o.aml_mds_window_start && r.Chance(o.aml_mds) && *o.aml_mds_window_start < last_contact) {
    const Day day =
        *o.aml_mds_window_start + static_cast<Day>(r.Uniform() * (last_contact - *o.aml_mds_window_start));
    c.events.push_back({day, r.Chance(0.5) ? "aml" : "mds", ""});
  }

  // Write what was known by the end of follow-up.
  const bool ki67_known = t0 >= m.ki67_from;
  std::string ki67;
  if (ki67_known) {
    const std::string& grade = r.Pick(m.who_grade);
    const double value = grade == "1"   ? 0.5 + 2.4 * r.Uniform()
                         : grade == "2" ? 3 + 17 * r.Uniform()
                                        : 21 + 9 * r.Uniform();
    ki67 = fmt::format("{:.1f}", value);
  }
  auto yes_no = [](bool b) { return b ? "yes" : "no"; };
  // Drawn one by one: the order in which a function's arguments are evaluated is the compiler's choice.
  const bool male = r.Chance(m.male);
  bool prior[4];
  for (int k = 0; k < 4; ++k)
    prior[k] = r.Chance(k == 0   ? m.prior_surgery
                        : k == 1 ? m.prior_chemotherapy
                        : k == 2 ? m.prior_radiotherapy
                                 : m.prior_ssa);
  out.patients.Row("{},{},{},{},{},{},{},{},{},{},{},{}", id, male ? "m" : "f", FormatDate(birth), site, ki67,
                   yes_no(prior[0]), yes_no(prior[1]), yes_no(prior[2]), yes_no(prior[3]),
                   FormatDate(last_contact), died ? FormatDate(o.death) : "",
                   relapse <= last_contact ? o.no_salvage_reason : "");
  // CgA and ALP at the later baselines (Table 1), drawn last so that they change nothing else.
  for (const Baseline& b : c.baselines) {
    if (std::string_view(b.phase) == "I") continue;
    c.labs.push_back({b.date, "alp", r.LogNormal(m.alp_median, m.alp_sdlog)});
    c.labs.push_back({b.date, "cga", r.LogNormal(m.cga_median, m.cga_sdlog)});
  }
  for (const Baseline& b : c.baselines) {
    if (b.date <= last_contact) {
      out.baselines.Row("{},{},{},{},{},{},{},{},{}", id, b.phase, FormatDate(b.date), b.krenning, b.extent,
                        yes_no(b.liver), yes_no(b.bone), b.progression, b.karnofsky);
    }
  }
  for (const auto& [phase, cycle] : c.cycles) {
    if (cycle.first <= last_contact)
      out.cycles.Row("{},{},{},{:.2f}", id, phase, FormatDate(cycle.first), cycle.second);
  }
  std::stable_sort(c.labs.begin(), c.labs.end(), [](const Lab& a, const Lab& b) { return a.date < b.date; });
  for (size_t i = 0; i < c.labs.size(); ++i) {
    const Lab& lab = c.labs[i];
    if (lab.date > last_contact) continue;
    // One result per test and day: a later row of the same day and test replaces an earlier one.
    bool replaced = false;
    for (size_t j = i + 1; j < c.labs.size() && c.labs[j].date == lab.date; ++j)
      replaced |= std::string_view(c.labs[j].test) == lab.test;
    if (replaced) continue;
    const LabTest& info = TestInfo(lab.test);
    out.labs.Row("{},{},{},{:.{}f},{},{:g},{:g}", id, FormatDate(lab.date), lab.test, lab.value,
                 std::string_view(lab.test) == "hb" || std::string_view(lab.test) == "wbc" ? 1 : 0, info.unit,
                 info.lln, info.uln);
  }
  std::vector<bool> measured(c.responses.size(), false);
  if (lesions != nullptr) MeasureLesions(*lesions, c, last_contact, id, out, measured);
  for (size_t i = 0; i < c.responses.size(); ++i) {
    const Dated& d = c.responses[i];
    if (d.date <= last_contact && !measured[i])
      out.responses.Row("{},{},{},{}", id, FormatDate(d.date), d.what, d.method);
  }
  for (const Dated& d : c.events) {
    if (d.date <= last_contact) out.events.Row("{},{},{},{}", id, FormatDate(d.date), d.what, d.method);
  }
}

}  // namespace

Result<SimulationCounts> SimulateRegistry(const Model& model, int64_t patients, uint64_t seed,
                                          const std::string& folder, const SimulationOptions& options,
                                          const std::function<void(int64_t)>& progress) {
  if (patients < 1)
    return InvalidArgument(fmt::format("--patients: {} is not a number of patients >= 1", patients));
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) return IoError(fmt::format("{}: cannot create the folder: {}", folder, error.message()));
  Files out(folder);
  for (CsvOut* file : out.all()) {
    if (!file->ok()) return IoError(fmt::format("{}: cannot write the registry files", folder));
  }
  const int width = static_cast<int>(std::to_string(patients).size());
  for (int64_t i = 0; i < patients; ++i) {
    Random random(seed, static_cast<uint64_t>(i));
    std::optional<Random> lesions;
    if (options.lesion_measurements) lesions.emplace(seed ^ 0x6C6573696F6E73ULL, static_cast<uint64_t>(i));
    SimulatePatient(model, random, fmt::format("S{:0{}d}", i + 1, width), out, lesions ? &*lesions : nullptr);
    if (progress && (i + 1) % 100000 == 0) progress(i + 1);
  }
  SimulationCounts counts;
  counts.patients = patients;
  const char* names[] = {"patients.csv",  "baselines.csv", "cycles.csv", "labs.csv",
                         "responses.csv", "lesions.csv",   "events.csv"};
  std::vector<CsvOut*> files = out.all();
  for (size_t i = 0; i < files.size(); ++i) {
    counts.rows[names[i]] = files[i]->rows();
    if (!files[i]->Close()) return IoError(fmt::format("{}/{}: write failed", folder, names[i]));
  }
  return counts;
}

}  // namespace prrt::sim
