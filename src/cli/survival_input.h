// Reading the survival columns of a CSV file for the `prrt stats` commands.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prrt/common/big_vector.h"
#include "prrt/common/result.h"
#include "prrt/io/csv.h"
#include "prrt/stats/survival.h"

namespace prrt::cli {

struct SurvivalColumns {
  std::string time;
  std::string start;  //!< empty: right-censored data; else counting-process intervals (start, time]
  std::string event;
  std::string group;                    //!< empty: one group called "all"
  std::string strata;                   //!< empty: no strata
  std::string cluster;                  //!< empty: no clusters (rows of one patient, say)
  std::string weights;                  //!< empty: no case weights
  std::vector<std::string> covariates;  //!< numeric columns, or text columns used as factors
};

struct SurvivalInput {
  BigVector<double> time;
  BigVector<double> start;  //!< empty without a start column
  BigVector<int8_t> event;
  BigVector<int32_t> group;    //!< empty without a group column
  BigVector<int32_t> strata;   //!< empty without a strata column
  BigVector<int32_t> cluster;  //!< empty without a cluster column
  BigVector<double> weights;   //!< empty without a weights column
  std::vector<std::string> group_names{"all"};
  std::vector<std::string> strata_names;
  std::vector<io::Column> covariates;  //!< kNumber or kLabel, in the order asked for
  int64_t rows_dropped = 0;            //!< rows with a missing value in a used column

  stats::SurvivalData data() const { return {time, event, group, start, weights}; }
  bool weighted() const { return !weights.empty(); }
  //! Lets the rows' columns go (the names and rows_dropped stay; data() and weighted() then describe none),
  //! once what was made of them holds what it needs: a 10^7-row Kaplan–Meier table is printed from its
  //! sorted copy alone, and the columns were half the memory meanwhile.
  void ReleaseRows();
  int32_t n_groups() const { return static_cast<int32_t>(group_names.size()); }
};

//! Reads the columns of a CSV file; an error when no row has all of them.
Result<io::ColumnSet> ReadCompleteColumns(const std::string& path, const std::vector<io::ColumnSpec>& specs);

//! Reads time (a number >= 0), event (0/1, true/false) and the optional start, group, strata, cluster and
//! weights columns.
Result<SurvivalInput> LoadSurvivalInput(const std::string& path, const SurvivalColumns& names);

}  // namespace prrt::cli
