// prrt/report/figures.h — the study's figures as standalone SVG: Kaplan–Meier curves with censor marks,
// optional CI bands, the numbers at risk and the log-rank p (Fig. 3), and the selection flow chart (Fig. 1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "prrt/stats/survival.h"
#include "prrt/study/endpoints.h"

namespace prrt::report {

struct KmSeries {
  std::string label;
  std::string colour;  //!< CSS colour
  stats::KmCurve curve;
};

struct KmPlot {
  std::string title;
  std::string x_label = "Months";
  std::vector<KmSeries> series;
  std::optional<double> logrank_p;
  bool ci_bands = false;
  double x_step = 24;  //!< months between ticks (and numbers-at-risk columns)
  // Cumulative incidence instead of survival: curves rise from 0 (the rows' `surv` holds the incidence), on
  // an axis up to y_max, without numbers at risk.
  bool incidence = false;
  double y_max = 1;
};

//! One Kaplan–Meier panel as an <svg> element.
std::string KaplanMeierSvg(const KmPlot& plot);

//! A model outcome across scenarios: each series a line through the replicate means with error bars from
//! the lower to the upper value.
struct ScenarioPoint {
  double x = 0, mean = 0, lower = 0, upper = 0;
};
struct ScenarioSeries {
  std::string label;
  std::string colour;
  std::vector<ScenarioPoint> points;
};
struct ScenarioPlot {
  std::string title, x_label, y_label;
  std::vector<ScenarioSeries> series;
};
std::string ScenarioPlotSvg(const ScenarioPlot& plot);

struct Panel {
  std::string name;  //!< file name stem, e.g. figure3-midgut-os
  std::string svg;
};

//! Fig. 3: PFS after I-PRRT and OS from I-PRRT, retreatment vs control, for all tumours, midgut and
//! pancreatic NET (six panels).
std::vector<Panel> Figure3Panels(const std::vector<study::SubjectEndpoints>& subjects, bool ci_bands);

//! Fig. 1: how the patients treated with I-PRRT came to be retreated, controls, or neither.
std::string Figure1Svg(const std::vector<study::SubjectEndpoints>& subjects);

}  // namespace prrt::report
