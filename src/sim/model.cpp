// Reading the simulator's model file (data/sim/*.toml).
#include <fmt/format.h>

#include <toml++/toml.h>
#include <cmath>

#include "default_model.h"
#include "prrt/common/dates.h"
#include "prrt/registry/interchange.h"
#include "prrt/sim/simulator.h"

namespace prrt::sim {
namespace {

class Reader {
 public:
  Reader(const toml::table& table, std::string source) : table_(table), source_(std::move(source)) {}

  void Probability(const char* section, const char* key, double& out) { Number(section, key, out, 1.0); }
  void Positive(const char* section, const char* key, double& out) { Number(section, key, out, 1e9); }
  void Date(const char* section, const char* key, int32_t& out) {
    std::optional<std::string> text = table_[section][key].value<std::string>();
    std::optional<registry::Day> day = text ? registry::ParseDay(*text) : std::nullopt;
    if (!day) return Fail(section, key, "a date \"YYYY-MM-DD\"");
    out = *day;
  }
  void DayRange(const char* section, const char* key, int& min_days, int& max_days) {
    const toml::array* array = table_[section][key].as_array();
    if (array == nullptr || array->size() != 2 || !array->get(0)->is_integer() ||
        !array->get(1)->is_integer())
      return Fail(section, key, "[min, max] in days");
    const int64_t min = *array->get(0)->value<int64_t>(), max = *array->get(1)->value<int64_t>();
    static const std::string kExpected = fmt::format("0 <= min <= max <= {}", kMaxDaysAdded);
    if (min < 0 || min > max || max > kMaxDaysAdded) return Fail(section, key, kExpected.c_str());
    min_days = static_cast<int>(min);
    max_days = static_cast<int>(max);
  }
  // A categorical distribution: a table of weights >= 0 (normalised here).
  void Weights(const char* section, const char* key, std::map<std::string, double>& out) {
    const toml::table* weights = table_[section][key].as_table();
    if (weights == nullptr || weights->empty()) return Fail(section, key, "a table of weights");
    out.clear();
    double total = 0;
    for (const auto& [name, node] : *weights) {
      std::optional<double> w = node.value<double>();
      if (!w || !std::isfinite(*w) || *w < 0) return Fail(section, key, "weights >= 0");
      out[std::string(name.str())] = *w;
      total += *w;
    }
    if (total <= 0) return Fail(section, key, "a positive total weight");
    for (auto& [name, w] : out)
      w /= total;
  }
  Status status() const { return error_.empty() ? Status() : InvalidArgument(error_); }

 private:
  void Number(const char* section, const char* key, double& out, double max) {
    std::optional<double> value = table_[section][key].value<double>();
    if (!value || !std::isfinite(*value) || *value < 0 || *value > max)
      return Fail(section, key, max == 1.0 ? "a probability 0-1" : "a number >= 0");
    out = *value;
  }
  void Fail(const char* section, const char* key, const char* expected) {
    if (error_.empty()) error_ = fmt::format("{}: [{}] {}: expected {}", source_, section, key, expected);
  }
  const toml::table& table_;
  std::string source_;
  std::string error_;
};

}  // namespace

Result<Model> ParseModel(const std::string& toml_text, const std::string& source_name) {
  toml::table table;
  try {
    table = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line,
                                       e.source().begin.column, e.description()));
  }
  Model m;
  Reader r(table, source_name);
  m.name = table["model"]["name"].value_or(std::string("unnamed"));
  m.version = table["model"]["version"].value_or(std::string("?"));
  r.Date("calendar", "first_start", m.first_start);
  r.Date("calendar", "last_start", m.last_start);
  r.Date("calendar", "cutoff", m.cutoff);
  r.Probability("calendar", "lost_to_follow_up", m.lost_to_follow_up);
  r.Weights("baseline", "site", m.site);
  r.Probability("baseline", "male", m.male);
  r.Positive("baseline", "age_mean", m.age_mean);
  r.Positive("baseline", "age_sd", m.age_sd);
  r.Weights("baseline", "krenning", m.krenning);
  r.Weights("baseline", "extent", m.extent);
  r.Probability("baseline", "liver_lesions", m.liver_lesions);
  r.Probability("baseline", "bone_lesions", m.bone_lesions);
  r.Weights("baseline", "progression", m.progression);
  r.Probability("baseline", "prior_surgery", m.prior_surgery);
  r.Probability("baseline", "prior_chemotherapy", m.prior_chemotherapy);
  r.Probability("baseline", "prior_radiotherapy", m.prior_radiotherapy);
  r.Probability("baseline", "prior_ssa", m.prior_ssa);
  r.Date("baseline", "ki67_from", m.ki67_from);
  r.Weights("baseline", "who_grade", m.who_grade);
  r.Positive("baseline", "cga_median_ug_l", m.cga_median);
  r.Positive("baseline", "cga_sdlog", m.cga_sdlog);
  r.Positive("baseline", "alp_median_u_l", m.alp_median);
  r.Positive("baseline", "alp_sdlog", m.alp_sdlog);
  r.Weights("initial", "best_response", m.initial_response);
  r.Positive("initial", "pfs_median", m.initial_pfs_median);
  r.Positive("initial", "pfs_shape", m.initial_pfs_shape);
  r.Probability("initial", "death_without_progression", m.death_without_progression);
  r.Probability("initial", "haem_grade34", m.initial_haem_grade34);
  r.Positive("salvage", "min_pfs_months", m.salvage_min_pfs_months);
  double cycles = 0;
  r.Positive("salvage", "cycles", cycles);
  m.salvage_cycles = static_cast<int>(cycles);
  r.Probability("salvage", "retreated", m.retreated);
  r.DayRange("salvage", "start_delay_days", m.salvage_delay_min_days, m.salvage_delay_max_days);
  r.Weights("salvage", "no_salvage_reason", m.no_salvage_reason);
  r.Positive("salvage", "survival_after_relapse_median", m.survival_after_relapse_median);
  r.Positive("salvage", "survival_shape", m.survival_shape);
  r.Probability("salvage", "control_aml_mds", m.control_aml_mds);
  r.Weights("retreatment", "best_response", m.r_response);
  r.Positive("retreatment", "pfs_median_disease_control", m.r_pfs_median_dc);
  r.Positive("retreatment", "pfs_shape", m.r_pfs_shape);
  r.Probability("retreatment", "incomplete", m.r_incomplete);
  r.Probability("retreatment", "haem_grade34", m.r_haem_grade34);
  r.Probability("retreatment", "aml_mds", m.r_aml_mds);
  r.Positive("retreatment", "survival_after_progression_median", m.r_survival_after_progression_median);
  r.Probability("retreatment", "rr_given", m.rr_given);
  r.Weights("re_retreatment", "best_response", m.rr_response);
  r.Positive("re_retreatment", "pfs_median_disease_control", m.rr_pfs_median_dc);
  r.Positive("re_retreatment", "pfs_shape", m.rr_pfs_shape);
  r.Positive("re_retreatment", "survival_after_progression_median", m.rr_survival_after_progression_median);
  r.Positive("assumptions", "pfs_cycle_exponent", m.pfs_cycle_exponent);
  if (Status s = r.status(); !s.ok()) return s;
  if (m.salvage_cycles < 1 || m.salvage_cycles != cycles || m.salvage_cycles > 8)
    return InvalidArgument(
        fmt::format("{}: [salvage] cycles: expected a whole number from 1 to 8", source_name));
  if (m.first_start > m.last_start || m.last_start >= m.cutoff)
    return InvalidArgument(
        fmt::format("{}: [calendar]: expected first_start <= last_start < cutoff", source_name));
  return m;
}

const Model& CalibratedModel() {
  static const Model model = [] {
    Result<Model> m = ParseModel(detail::kCalibratedModelToml, "rotterdam-calibrated.toml");
    if (!m.ok()) throw std::logic_error(m.status().message());  // the built-in file is tested
    return *m;
  }();
  return model;
}

}  // namespace prrt::sim
