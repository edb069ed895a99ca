#include <fmt/format.h>

#include <cmath>

#include "prrt/clinical/tumour.h"

namespace prrt::clinical {

namespace {

const std::vector<KrenningGrade> kKrenning = {
    {0, "none"},
    {1, "lower than normal liver"},
    {2, "equal to normal liver"},
    {3, "greater than normal liver"},
    {4, "greater than normal spleen or kidneys"},
};

// Upper limits (inclusive) of G1 and G2 for each index, and whether the G1 limit is strict.
// WHO 2010 (digestive system, 4th ed.): Ki-67 <= 2% G1, 3–20% G2, > 20% G3; mitoses < 2, 2–20, > 20 /10 HPF.
// WHO 2019 (5th ed.): Ki-67 < 3% G1, 3–20% G2, > 20% G3; mitoses < 2, 2–20, > 20 /2 mm².
struct WhoCutoffs {
  WhoEdition edition;
  double ki67_g1_max;  // G1 when Ki-67 <= this (2010) or < 3 (2019)
  bool ki67_g1_strict;
  double ki67_g2_min;  // G2 from this
  double ki67_g2_max;  // G2 up to this; above: G3
  double mitoses_g1_below;
  double mitoses_g2_max;
};
constexpr WhoCutoffs kWho[] = {
    {WhoEdition::k2010, 2, false, 3, 20, 2, 20},
    {WhoEdition::k2019, 3, true, 3, 20, 2, 20},
};

int GradeNumber(const std::string& g) {
  return g == "G1" ? 1 : g == "G2" ? 2 : g == "G3" ? 3 : 0;
}

}  // namespace

const std::vector<KrenningGrade>& KrenningScale() {
  return kKrenning;
}

Result<KrenningGrade> Krenning(int score) {
  if (score < 0 || score > 4) return InvalidArgument(fmt::format("Krenning score {} is not 0–4", score));
  return kKrenning[score];
}

std::optional<WhoEdition> ParseWhoEdition(std::string_view text) {
  if (text == "2010") return WhoEdition::k2010;
  if (text == "2019") return WhoEdition::k2019;
  return std::nullopt;
}

Result<WhoGrade> GradeNet(WhoEdition edition, std::optional<double> ki67_percent,
                          std::optional<double> mitoses) {
  if (!ki67_percent && !mitoses) return InvalidArgument("a WHO grade needs Ki-67 or a mitotic count");
  if (ki67_percent && !(std::isfinite(*ki67_percent) && *ki67_percent >= 0 && *ki67_percent <= 100)) {
    return InvalidArgument(fmt::format("Ki-67 {} is not a percentage 0–100", *ki67_percent));
  }
  if (mitoses && !(std::isfinite(*mitoses) && *mitoses >= 0)) {
    return InvalidArgument(fmt::format("mitotic count {} is not a number >= 0", *mitoses));
  }
  const WhoCutoffs& c = edition == WhoEdition::k2010 ? kWho[0] : kWho[1];
  WhoGrade result{"undefined", ""};
  if (ki67_percent) {
    const double k = *ki67_percent;
    const bool g1 = c.ki67_g1_strict ? k < c.ki67_g1_max : k <= c.ki67_g1_max;
    if (g1) {
      result = {"G1", "Ki-67"};
    } else if (k >= c.ki67_g2_min && k <= c.ki67_g2_max) {
      result = {"G2", "Ki-67"};
    } else if (k > c.ki67_g2_max) {
      result = {"G3", "Ki-67"};
    } else {
      result = {"undefined", "Ki-67 between 2% and 3% is not graded by WHO 2010"};
    }
  }
  if (mitoses) {
    const double m = *mitoses;
    const std::string by_mitoses = m < c.mitoses_g1_below ? "G1" : m <= c.mitoses_g2_max ? "G2" : "G3";
    if (GradeNumber(by_mitoses) > GradeNumber(result.grade) || !ki67_percent) {
      result = {by_mitoses, "mitotic count"};
    }
  }
  return result;
}

}  // namespace prrt::clinical
