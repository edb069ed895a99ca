// prrt/clinical/tumour.h — Krenning score of somatostatin-receptor uptake, and WHO grade of GEP-NET from
// Ki-67 and mitotic count (2010 and 2019 editions), as tables with their sources.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prrt/common/result.h"

namespace prrt::clinical {

struct KrenningGrade {
  int score;
  std::string_view uptake;  //!< tumour uptake on planar [111In-DTPA0]octreotide scintigraphy
};
//! Kwekkeboom & Krenning, Semin Nucl Med 2002;32:84–91. PRRT needs score >= 2 (uptake >= normal liver).
const std::vector<KrenningGrade>& KrenningScale();
Result<KrenningGrade> Krenning(int score);

enum class WhoEdition { k2010, k2019 };
std::optional<WhoEdition> ParseWhoEdition(std::string_view text);  // "2010" | "2019"

struct WhoGrade {
  std::string
      grade;  //!< "G1", "G2", "G3"; "undefined" for a Ki-67 the edition leaves out (2010: 2 < Ki-67 < 3)
  std::string basis;  //!< which index decided it
};

//! The grade from Ki-67 (%) and, if given, mitoses (per 10 HPF in 2010, per 2 mm² in 2019); with both, the
//! higher grade counts.
Result<WhoGrade> GradeNet(WhoEdition edition, std::optional<double> ki67_percent,
                          std::optional<double> mitoses);

}  // namespace prrt::clinical
