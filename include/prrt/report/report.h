// prrt/report/report.h — the study's report as a self-contained HTML page (inline CSS and SVG, nothing
// fetched), an XLSX workbook with a sheet per table, and a CSV file per table.
#pragma once

#include <string>
#include <vector>

#include "prrt/common/result.h"
#include "prrt/study/tables.h"

namespace prrt::report {

struct Figure {
  std::string id, title;
  std::string svg;  //!< a complete <svg> element
};

//! A part of the report after the paper's tables ("Beyond the paper"): why it matters in plain words, then
//! its tables and figures.
struct Section {
  std::string id, title;
  std::vector<std::string> paragraphs;
  std::vector<study::StudyTable> tables;
  std::vector<Figure> figures;
};

struct Document {
  std::string title;
  std::vector<std::string> preamble;                          //!< paragraphs before the tables
  std::vector<std::pair<std::string, std::string>> headline;  //!< label, value
  std::vector<study::StudyTable> tables;
  std::vector<Figure> figures;
  std::string sections_title;  //!< the heading over the sections
  std::vector<std::string> sections_intro;
  std::vector<Section> sections;
};

Status WriteHtml(const Document& document, const std::string& path);
Status WriteXlsx(const Document& document, const std::string& path);
//! One table as CSV (RFC 4180), its published rows marked in a first column "source" (ours | published).
Status WriteCsv(const study::StudyTable& table, const std::string& path);

//! Text made safe inside HTML or SVG elements and attributes.
std::string Escape(const std::string& text);

}  // namespace prrt::report
