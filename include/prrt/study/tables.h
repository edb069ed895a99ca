// prrt/study/tables.h — the paper's Tables 1–7 and the statistics quoted in its text, computed from the
// endpoints, each row followed by the published row where the paper has one (data/study/published.toml).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prrt/stats/survival.h"
#include "prrt/study/endpoints.h"

namespace prrt::study {

struct StudyTable {
  std::string id;  //!< table1 ... table7, text_statistics
  std::string title;
  std::vector<std::string> columns;
  struct Row {
    std::vector<std::string> cells;  //!< one per column
    bool published = false;          //!< the paper's row, shown under ours
  };
  std::vector<Row> rows;
  std::vector<std::string> notes;
};

struct TableOptions {
  //! Table 5's medians: SPSS's symmetric CI as the paper (default), or R's print.survfit with the log CI.
  stats::QuantileRule median_ci = stats::QuantileRule::kSpss;
  bool show_published = true;
};

//! Tables 1–7 and the text's statistics (Spearman correlations, the chi-squared test of Krenning change).
std::vector<StudyTable> BuildTables(const std::vector<SubjectEndpoints>& subjects,
                                    const TableOptions& options);

}  // namespace prrt::study
