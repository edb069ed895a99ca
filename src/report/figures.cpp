#include "prrt/report/figures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "prrt/report/report.h"
#include "prrt/study/headline.h"

namespace prrt::report {
namespace {

// Panel geometry (SVG user units). The left margin holds the numbers-at-risk labels (up to 12 characters at
// 10 units, about 75 wide) clear of the numbers centred under time 0.
constexpr double kWidth = 480, kLeft = 92, kRight = 16, kTop = 34, kPlotHeight = 230;
constexpr double kRiskRow = 16;

std::string Num(double x) {
  return fmt::format("{:.2f}", x);
}

// A panel's title, from the left edge (as the numbers at risk) rather than the plot's: titles run to 51
// characters.
std::string TitleSvg(const std::string& title) {
  return fmt::format("<text x=\"4\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>", Escape(title));
}

}  // namespace

std::string KaplanMeierSvg(const KmPlot& plot) {
  double x_max = plot.x_step;
  for (const KmSeries& s : plot.series) {
    if (!s.curve.rows.empty()) x_max = std::max(x_max, s.curve.rows.back().time);
  }
  x_max = std::ceil(x_max / plot.x_step) * plot.x_step;
  const double plot_width = kWidth - kLeft - kRight;
  const double height =
      kTop + kPlotHeight + 44 + (plot.incidence ? 0 : kRiskRow * static_cast<double>(plot.series.size() + 1));
  const double origin = plot.incidence ? 0 : 1;  // where the curves start
  auto x = [&](double t) { return kLeft + plot_width * t / x_max; };
  auto y = [&](double s) { return kTop + kPlotHeight * (1 - s / plot.y_max); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"km\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} "
      "{}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\" role=\"img\" "
      "aria-label=\"{}\">",
      kWidth, Num(height), kWidth, Num(height), Escape(plot.title));
  svg += TitleSvg(plot.title);
  // Axes, grid and ticks.
  for (double s = 0; s <= plot.y_max * 1.0001; s += plot.y_max / 4) {
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#e4e6ea\"/>", kLeft,
                       Num(kLeft + plot_width), Num(y(s)), Num(y(s)));
    svg +=
        fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.2f}</text>", kLeft - 6, Num(y(s) + 4), s);
  }
  for (double t = 0; t <= x_max + 1e-9; t += plot.x_step) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#444\"/>", Num(x(t)),
                       Num(y(0)), Num(y(0) + 4));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>", Num(x(t)),
                       Num(y(0) + 16), t);
  }
  svg += fmt::format("<path d=\"M{} {}V{}H{}\" fill=\"none\" stroke=\"#444\"/>", kLeft, Num(y(plot.y_max)),
                     Num(y(0)), Num(kLeft + plot_width));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", Num(kLeft + plot_width / 2),
                     Num(y(0) + 30), Escape(plot.x_label));
  svg +=
      fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
                  Num(y(plot.y_max / 2)), plot.incidence ? "Cumulative incidence" : "Survival probability");
  // Curves: CI band, step line, censor marks.
  for (const KmSeries& s : plot.series) {
    const auto& rows = s.curve.rows;
    if (plot.ci_bands) {
      std::string upper = fmt::format("M{} {}", Num(x(0)), Num(y(origin))), lower;
      double last_upper = origin, last_lower = origin;
      for (const stats::KmRow& r : rows) {
        const double u = std::isnan(r.upper) ? last_upper : r.upper,
                     l = std::isnan(r.lower) ? last_lower : r.lower;
        upper += fmt::format("H{}V{}", Num(x(r.time)), Num(y(u)));
        lower = fmt::format("H{}V{}", Num(x(r.time)), Num(y(last_lower))) + lower;
        last_upper = u;
        last_lower = l;
      }
      if (!rows.empty()) {
        upper += fmt::format("H{}V{}", Num(x(rows.back().time)), Num(y(last_lower)));
        svg += fmt::format("<path d=\"{}{}H{}Z\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"none\"/>", upper,
                           lower, Num(x(0)), s.colour);
      }
    }
    std::string path = fmt::format("M{} {}", Num(x(0)), Num(y(origin)));
    std::string marks;
    for (const stats::KmRow& r : rows) {
      path += fmt::format("H{}V{}", Num(x(r.time)), Num(y(r.surv)));
      if (r.n_censor > 0) {
        marks += fmt::format("M{} {}v7", Num(x(r.time)), Num(y(r.surv) - 3.5));
      }
    }
    svg += fmt::format("<path class=\"curve\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.8\"/>",
                       path, s.colour);
    if (!marks.empty())
      svg += fmt::format("<path class=\"censor\" d=\"{}\" stroke=\"{}\" stroke-width=\"1.2\"/>", marks,
                         s.colour);
  }
  // Legend and the log-rank p.
  double legend_y = kTop + 8;
  for (const KmSeries& s : plot.series) {
    svg +=
        fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>",
                    Num(kWidth - kRight - 150), Num(kWidth - kRight - 132), Num(legend_y), s.colour);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{} (n = {})</text>", Num(kWidth - kRight - 127),
                       Num(legend_y + 4), Escape(s.label), s.curve.n);
    legend_y += 15;
  }
  if (plot.logrank_p) {
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\">log-rank p {}</text>", Num(kWidth - kRight - 150), Num(legend_y + 4),
        Escape(*plot.logrank_p < 0.001 ? "< 0.001" : fmt::format("= {:.3f}", *plot.logrank_p)));
  }
  // Numbers at risk under the plot, at each tick.
  if (plot.incidence) return svg + "</svg>";
  double row_y = y(0) + 50;
  svg += fmt::format("<text x=\"4\" y=\"{}\" font-weight=\"bold\">At risk</text>", Num(row_y));
  for (const KmSeries& s : plot.series) {
    row_y += kRiskRow;
    svg += fmt::format("<text x=\"4\" y=\"{}\" fill=\"{}\" font-size=\"10\">{}</text>", Num(row_y), s.colour,
                       Escape(s.label.substr(0, 12)));
    for (double t = 0; t <= x_max + 1e-9; t += plot.x_step) {
      // At risk at t: the n at risk of the first time >= t, or 0 after the last.
      double at_risk = 0;
      for (const stats::KmRow& r : s.curve.rows) {
        if (r.time >= t) {
          at_risk = r.n_risk;
          break;
        }
      }
      svg += fmt::format("<text class=\"at-risk\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>",
                         Num(x(t)), Num(row_y), at_risk);
    }
  }
  svg += "</svg>";
  return svg;
}

std::string ScenarioPlotSvg(const ScenarioPlot& plot) {
  constexpr double kHeight = 300, kBottom = 56, kPlotTop = 40;
  std::vector<double> xs;
  double y_high = 0;
  for (const ScenarioSeries& s : plot.series) {
    for (const ScenarioPoint& p : s.points) {
      xs.push_back(p.x);
      if (std::isfinite(p.upper)) y_high = std::max(y_high, p.upper);
    }
  }
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  // y from 0 to a round number above the highest upper value, in 4 steps.
  const double raw_step = std::max(y_high, 1e-9) * 1.1 / 4;
  const double magnitude = std::pow(10, std::floor(std::log10(raw_step)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw_step) {
      step = m * magnitude;
      break;
    }
  }
  const double y_max = 4 * step;
  const double plot_width = kWidth - kLeft - kRight, plot_height = kHeight - kPlotTop - kBottom;
  auto x_of = [&](double x) {
    const size_t i = static_cast<size_t>(std::lower_bound(xs.begin(), xs.end(), x) - xs.begin());
    return kLeft + plot_width * (static_cast<double>(i) + 0.5) / static_cast<double>(xs.size());
  };
  auto y_of = [&](double y) { return kPlotTop + plot_height * (1 - y / y_max); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"scenarios\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\" "
      "role=\"img\" aria-label=\"{2}\">",
      kWidth, kHeight, Escape(plot.title));
  svg += TitleSvg(plot.title);
  for (int k = 0; k <= 4; ++k) {
    const double y = k * step;
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#e4e6ea\"/>", kLeft,
                       Num(kLeft + plot_width), Num(y_of(y)), Num(y_of(y)));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:g}</text>", kLeft - 6, Num(y_of(y) + 4),
                       y);
  }
  for (double x : xs) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>", Num(x_of(x)),
                       Num(y_of(0) + 16), x);
  }
  svg += fmt::format("<path d=\"M{} {}V{}H{}\" fill=\"none\" stroke=\"#444\"/>", kLeft, Num(y_of(y_max)),
                     Num(y_of(0)), Num(kLeft + plot_width));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", Num(kLeft + plot_width / 2),
                     Num(y_of(0) + 34), Escape(plot.x_label));
  svg += fmt::format("<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
                     Num(y_of(y_max / 2)), Escape(plot.y_label));
  for (size_t k = 0; k < plot.series.size(); ++k) {
    const ScenarioSeries& s = plot.series[k];
    // Series side by side around each x, so that their bars do not hide each other.
    const double shift = (static_cast<double>(k) - (static_cast<double>(plot.series.size()) - 1) / 2) * 8;
    std::string line;
    for (const ScenarioPoint& p : s.points) {
      if (!std::isfinite(p.mean)) continue;
      const double x = x_of(p.x) + shift;
      line += fmt::format("{}{} {}", line.empty() ? "M" : "L", Num(x), Num(y_of(p.mean)));
      svg += fmt::format(
          "<path d=\"M{0} {1}V{2}M{3} {1}h6M{3} {2}h6\" stroke=\"{4}\" stroke-width=\"1.2\"/>"
          "<circle cx=\"{0}\" cy=\"{5}\" r=\"3\" fill=\"{4}\"/>",
          Num(x), Num(y_of(p.lower)), Num(y_of(p.upper)), Num(x - 3), s.colour, Num(y_of(p.mean)));
    }
    svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"/>", line, s.colour);
    const double legend_y = kPlotTop + 4 + 15 * static_cast<double>(k);
    svg +=
        fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>",
                    Num(kWidth - kRight - 110), Num(kWidth - kRight - 92), Num(legend_y), s.colour);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", Num(kWidth - kRight - 87), Num(legend_y + 4),
                       Escape(s.label));
  }
  return svg + "</svg>";
}

std::vector<Panel> Figure3Panels(const std::vector<study::SubjectEndpoints>& subjects, bool ci_bands) {
  std::vector<Panel> out;
  for (const char* site : {"all", "midgut", "pancreatic"}) {
    for (int kind : {0, 1}) {   // PFS after I-PRRT, OS from I-PRRT
      study::Series series[2];  // retreatment, control
      for (const study::SubjectEndpoints& s : subjects) {
        if (s.group == study::Group::kNeither || (std::string(site) != "all" && s.primary_site != site))
          continue;
        series[s.group == study::Group::kRetreatment ? 0 : 1].Add(
            kind == 0 ? s.phases[0].pfs_months : s.os_months.value_or(0),
            kind == 0 ? s.phases[0].pfs_event : s.os_event);
      }
      KmPlot plot;
      plot.title =
          fmt::format("{} — {}", kind == 0 ? "PFS after I-PRRT" : "OS from I-PRRT",
                      std::string(site) == "all" ? "bronchial NET and GEP-NET" : std::string(site) + " NET");
      plot.ci_bands = ci_bands;
      plot.series = {{"Retreatment", "#1f5fa8", study::Curve(series[0])},
                     {"Control", "#c0392b", study::Curve(series[1])}};
      plot.logrank_p = study::LogRankP(series[0], series[1]);
      out.push_back({fmt::format("figure3-{}-{}", site, kind == 0 ? "pfs" : "os"), KaplanMeierSvg(plot)});
    }
  }
  return out;
}

std::string Figure1Svg(const std::vector<study::SubjectEndpoints>& subjects) {
  int64_t treated = 0, retreated = 0, rr = 0, control = 0;
  std::map<std::string, int64_t, std::less<>> reasons;
  for (const study::SubjectEndpoints& s : subjects) {
    if (!s.phases[0].given) continue;
    ++treated;
    retreated += s.group == study::Group::kRetreatment;
    rr += s.phases[2].given;
    if (s.group == study::Group::kControl) {
      ++control;
      ++reasons[s.no_salvage_reason.value_or("unclear")];
    }
  }
  const int64_t neither = treated - retreated - control;
  const double height = std::max(410.0, 250 + 24 + 15.0 * (reasons.size() + 1) + 10);
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flow\" width=\"760\" height=\"{0}\" viewBox=\"0 0 "
      "760 {0}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" role=\"img\" "
      "aria-label=\"Flow chart\">",
      height);
  svg +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" "
      "orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"#444\"/></marker></defs>";
  auto box = [&](double x, double y, double w, double h, const std::vector<std::string>& lines, bool bold,
                 bool dashed) {
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#fff\" stroke=\"#333\" "
        "stroke-width=\"{}\"{}/>",
        x, y, w, h, bold ? 2.2 : 1, dashed ? " stroke-dasharray=\"5 3\"" : "");
    for (size_t i = 0; i < lines.size(); ++i) {
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"{}>{}</text>", x + w / 2,
                         y + 18 + 15 * i, i == 0 && bold ? " font-weight=\"bold\"" : "", Escape(lines[i]));
    }
  };
  auto arrow = [&](double x1, double y1, double x2, double y2) {
    svg += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\" marker-end=\"url(#arrow)\"/>", x1, y1,
        x2, y2);
  };
  box(250, 10, 260, 44, {fmt::format("Treated with I-PRRT: {}", treated), "[177Lu-DOTA,Tyr3]octreotate"},
      true, false);
  box(500, 80, 250, 62,
      {fmt::format("Not qualifying for salvage: {}", neither), "PD as best response, PFS < 18 months,",
       "no relapse, or died before it"},
      false, true);
  arrow(380, 54, 380, 160);
  arrow(380, 111, 500, 111);
  box(220, 160, 320, 44,
      {fmt::format("Qualified for salvage PRRT: {}", retreated + control),
       "disease control, PFS ≥ 18 months, relapse-PD"},
      false, false);
  arrow(330, 204, 150, 250);
  arrow(430, 204, 580, 250);
  box(30, 250, 240, 60, {fmt::format("Retreatment (R-PRRT): {}", retreated), "safety and efficacy analysis"},
      true, false);
  arrow(150, 310, 150, 350);
  box(30, 350, 240, 44, {fmt::format("Re-retreatment (RR-PRRT): {}", rr)}, true, false);
  // The registry's reasons (registry-csv.md's no_salvage_reason), in the paper's words and order (Methods).
  static constexpr std::pair<std::string_view, std::string_view> kReasonTexts[] = {
      {"insufficient_uptake", "insufficient uptake on OctreoScan"},
      {"renal_haematological_limits", "renal/haematological parameters"},
      {"clinical_deterioration", "worsening clinical condition"},
      {"other_treatment", "other local or systemic treatment"},
      {"lost_to_follow_up", "lost to follow-up"},
      {"death", "death"},
      {"investigator_choice", "SD not considered favourable"},
      {"wait_and_see", "wait-and-see strategy"},
      {"second_primary", "second primary tumour"},
      {"unclear", "unclear"}};
  std::vector<std::string> lines{fmt::format("Control group (no salvage): {}", control)};
  for (const auto& [reason, text] : kReasonTexts) {
    if (auto it = reasons.find(reason); it != reasons.end()) {
      lines.push_back(fmt::format("{}: {}", text, it->second));
      reasons.erase(it);
    }
  }
  for (const auto& [reason, n] : reasons)  // a reason the list above lacks, as the registry spells it
    lines.push_back(fmt::format("{}: {}", reason, n));
  box(440, 250, 300, 24 + 15 * static_cast<double>(lines.size()), lines, true, false);
  return svg + "</svg>";
}

}  // namespace prrt::report
