// prrt/stats/design.h — the design matrix of a regression model from data columns, as R's model.matrix with
// treatment contrasts: numeric columns as they are, a text column (a factor, levels in R's order) as one 0/1
// column per level after the first, named column + level.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/io/csv.h"

namespace prrt::stats {

struct Design {
  std::vector<double> values;  //!< n x p, column-major
  std::vector<std::string> names;
  std::vector<std::vector<int32_t>> term_columns;  //!< the design columns of each input column
};

//! Errors on a factor with a single level (it cannot enter a model).
Result<Design> BuildDesign(const std::vector<io::Column>& covariates, size_t n);

}  // namespace prrt::stats
