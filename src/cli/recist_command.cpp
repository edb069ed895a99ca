// `prrt recist --lesions FILE.csv`: RECIST 1.1 responses from the lesion measurements of lesions.csv.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <map>
#include <memory>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "prrt/clinical/recist.h"
#include "prrt/common/dates.h"
#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"
#include "prrt/report/json.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

// patient -> day -> lesions, in file order within a day
using LesionTable = std::map<std::string, std::map<int64_t, std::vector<clinical::LesionMeasurement>>>;

Result<LesionTable> ReadLesions(const std::string& path) {
  Result<io::CsvReader> reader = io::CsvReader::Open(path);
  if (!reader.ok()) return reader.status();
  const std::vector<std::string> columns{"patient_id", "date",       "lesion_id",   "organ",
                                         "role",       "lymph_node", "diameter_mm", "status"};
  std::vector<size_t> at;
  for (const std::string& c : columns) {
    Result<size_t> index = reader->ColumnIndex(c);
    if (!index.ok()) return index.status();
    at.push_back(*index);
  }
  LesionTable table;
  std::vector<std::string> f;
  while (true) {
    Result<bool> got = reader->Next(f);
    if (!got.ok()) return got.status();
    if (!*got) break;
    auto bad = [&](size_t k, std::string_view expected) {
      return InvalidArgument(fmt::format("{}:{}: {}: found '{}'; expected {}", reader->name(), reader->line(),
                                         columns[k], ShowUtf8(f[at[k]]), expected));
    };
    for (size_t k = 0; k < columns.size(); ++k) {
      if (!IsUtf8Text(f[at[k]])) return bad(k, kExpectedUtf8);
    }
    if (f[at[0]].empty()) return bad(0, "a patient identifier");
    Result<int64_t> seconds = ParseDateTimeSeconds(f[at[1]]);
    if (!seconds.ok() || f[at[1]].size() != 10) return bad(1, ExpectedIsoDay(f[at[1]]));
    if (f[at[2]].empty()) return bad(2, "a lesion identifier");
    if (f[at[3]].empty()) return bad(3, "an organ");
    clinical::LesionMeasurement m;
    m.lesion_id = f[at[2]];
    const std::optional<clinical::LesionRole> role = clinical::ParseLesionRole(f[at[4]]);
    if (!role) return bad(4, "target, non_target or new");
    m.role = *role;
    if (f[at[5]] != "yes" && f[at[5]] != "no") return bad(5, "yes or no");
    m.lymph_node = f[at[5]] == "yes";
    if (!f[at[6]].empty()) {
      size_t used = 0;
      double d = -1;
      try {
        d = std::stod(f[at[6]], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != f[at[6]].size() || !(d >= 0) || !std::isfinite(d)) return bad(6, "a diameter in mm >= 0");
      m.diameter_mm = d;
    } else if (m.role == clinical::LesionRole::kTarget) {
      return bad(6, "a diameter in mm (required for target lesions; 0 when gone)");
    }
    m.status = f[at[7]];
    if (m.role == clinical::LesionRole::kNonTarget && m.status != "present" && m.status != "absent" &&
        m.status != "unequivocal_progression") {
      return bad(7, "present, absent or unequivocal_progression (required for non-target lesions)");
    }
    table[f[at[0]]][*seconds / 86400].push_back(std::move(m));
  }
  return table;
}

json OptionalResponse(const std::optional<clinical::Response>& r) {
  return r ? json(std::string(clinical::ToString(*r))) : json(nullptr);
}

}  // namespace

void AddRecistCommand(CLI::App& app, CommandContext& context) {
  auto path = std::make_shared<std::string>();
  auto options = std::make_shared<clinical::RecistOptions>();
  auto as_json = std::make_shared<bool>(false);
  auto* command =
      app.add_subcommand("recist", "RECIST 1.1 time-point and best overall responses from lesions.csv");
  command->add_option("--lesions", *path, "lesions.csv of the registry interchange format")->required();
  command
      ->add_option("--min-sd-days", options->min_sd_days,
                   "SD counts for the best response from this day (42)")
      ->transform(WholeNumber(0, 3650, "a whole number of days from 0 to 3650"));
  command->add_option("--confirm-days", options->confirm_days, "CR/PR confirmed this many days later (28)")
      ->transform(WholeNumber(0, 3650, "a whole number of days from 0 to 3650"));
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, path, options, as_json]() -> int {
    Result<LesionTable> table = ReadLesions(*path);
    if (!table.ok()) return ReportError(context, table.status());
    json patients = json::array();
    for (const auto& [patient, by_day] : *table) {
      std::vector<clinical::Assessment> assessments;
      for (const auto& [day, lesions] : by_day)
        assessments.push_back({day, lesions});
      Result<clinical::RecistResult> r = clinical::EvaluateRecist(assessments, *options);
      if (!r.ok())
        return ReportError(context, InvalidArgument(fmt::format("{}: patient {}: {}", *path, patient,
                                                                r.status().message())));
      json points = json::array();
      for (const clinical::TimePoint& tp : r->time_points) {
        points.push_back({{"date", FormatDate(tp.day)},
                          {"target_sum_mm", JsonNumber(tp.target_sum_mm)},
                          {"target", OptionalResponse(tp.target)},
                          {"non_target", OptionalResponse(tp.non_target)},
                          {"new_lesions", tp.new_lesions},
                          {"overall", std::string(clinical::ToString(tp.overall))}});
      }
      patients.push_back(
          {{"patient_id", patient},
           {"baseline",
            {{"date", FormatDate(r->baseline_day)}, {"target_sum_mm", JsonNumber(r->baseline_sum_mm)}}},
           {"assessments", points},
           {"best_response", std::string(clinical::ToString(r->best_response))},
           {"best_response_confirmed", std::string(clinical::ToString(r->best_response_confirmed))}});
      if (!*as_json) {
        context.out << fmt::format("{}: best response {} (confirmed: {})\n", patient,
                                   clinical::ToString(r->best_response),
                                   clinical::ToString(r->best_response_confirmed));
        for (const clinical::TimePoint& tp : r->time_points) {
          context.out << fmt::format("  {}  sum {} mm  target {}  non-target {}  new {}  overall {}\n",
                                     FormatDate(tp.day), FormatNumber(tp.target_sum_mm),
                                     tp.target ? clinical::ToString(*tp.target) : "-",
                                     tp.non_target ? clinical::ToString(*tp.non_target) : "-",
                                     tp.new_lesions ? "yes" : "no", clinical::ToString(tp.overall));
        }
      }
    }
    if (*as_json) context.out << report::JsonText(patients, 2) << '\n';
    return kExitOk;
  });
}

}  // namespace prrt::cli
