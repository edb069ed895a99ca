#include "prrt/stats/design.h"

#include <fmt/format.h>

namespace prrt::stats {

Result<Design> BuildDesign(const std::vector<io::Column>& covariates, size_t n) {
  Design design;
  for (const io::Column& column : covariates) {
    if (column.type == io::ColumnType::kNumber) {
      design.term_columns.push_back({static_cast<int32_t>(design.names.size())});
      design.names.push_back(column.name);
      design.values.insert(design.values.end(), column.numbers.begin(), column.numbers.end());
      continue;
    }
    if (column.levels.size() < 2) {
      return InvalidArgument(
          fmt::format("covariate '{}' has a single value ('{}'); it cannot enter the model", column.name,
                      column.levels.empty() ? "" : column.levels[0]));
    }
    design.term_columns.emplace_back();
    for (size_t level = 1; level < column.levels.size(); ++level) {
      design.term_columns.back().push_back(static_cast<int32_t>(design.names.size()));
      design.names.push_back(column.name + column.levels[level]);
      for (size_t r = 0; r < n; ++r)
        design.values.push_back(column.codes[r] == static_cast<int32_t>(level) ? 1 : 0);
    }
  }
  return design;
}

}  // namespace prrt::stats
