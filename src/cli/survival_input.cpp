#include "cli/survival_input.h"

#include <fmt/format.h>

#include <iterator>

namespace prrt::cli {

Result<io::ColumnSet> ReadCompleteColumns(const std::string& path, const std::vector<io::ColumnSpec>& specs) {
  Result<io::CsvReader> reader = io::CsvReader::Open(path);
  if (!reader.ok()) return reader.status();
  Result<io::ColumnSet> read = io::ReadColumns(*reader, specs);
  if (!read.ok()) return read.status();
  if (read->rows_read == read->rows_dropped) {
    return InvalidArgument(fmt::format("{}: no complete data rows ({} read, {} with a missing value)",
                                       reader->name(), read->rows_read, read->rows_dropped));
  }
  return read;
}

void SurvivalInput::ReleaseRows() {
  SurvivalInput kept;
  kept.group_names = std::move(group_names);
  kept.strata_names = std::move(strata_names);
  kept.rows_dropped = rows_dropped;
  *this = std::move(kept);
}

Result<SurvivalInput> LoadSurvivalInput(const std::string& path, const SurvivalColumns& names) {
  std::vector<io::ColumnSpec> specs{{names.time, io::ColumnType::kNumber, 0.0},
                                    {names.event, io::ColumnType::kEvent}};
  if (!names.start.empty()) {
    specs[0].exceeds = static_cast<int>(specs.size());  // a stop time after its start
    specs.push_back({names.start, io::ColumnType::kNumber, 0.0});
  }
  if (!names.group.empty()) specs.push_back({names.group, io::ColumnType::kLabel});
  if (!names.strata.empty()) specs.push_back({names.strata, io::ColumnType::kLabel});
  if (!names.cluster.empty()) specs.push_back({names.cluster, io::ColumnType::kLabel});
  if (!names.weights.empty())
    specs.push_back({names.weights, io::ColumnType::kNumber, 0.0, /*above_min=*/true});
  for (const std::string& covariate : names.covariates)
    specs.push_back({covariate, io::ColumnType::kAuto});
  Result<io::ColumnSet> read = ReadCompleteColumns(path, specs);
  if (!read.ok()) return read.status();
  io::ColumnSet& set = *read;
  SurvivalInput input;
  input.rows_dropped = set.rows_dropped;
  input.time = std::move(set.columns[0].numbers);
  input.event = std::move(set.columns[1].events);
  size_t next = 2;
  if (!names.start.empty()) input.start = std::move(set.columns[next++].numbers);
  if (!names.group.empty()) {
    input.group = std::move(set.columns[next].codes);
    input.group_names = std::move(set.columns[next].levels);
    ++next;
  }
  if (!names.strata.empty()) {
    input.strata = std::move(set.columns[next].codes);
    input.strata_names = std::move(set.columns[next].levels);
    ++next;
  }
  if (!names.cluster.empty()) input.cluster = std::move(set.columns[next++].codes);
  if (!names.weights.empty()) input.weights = std::move(set.columns[next++].numbers);
  input.covariates.assign(std::make_move_iterator(set.columns.begin() + static_cast<std::ptrdiff_t>(next)),
                          std::make_move_iterator(set.columns.end()));
  return input;
}

}  // namespace prrt::cli
