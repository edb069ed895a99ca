#include <fmt/format.h>

#include <fstream>

#include "prrt/common/output_file.h"
#include "prrt/report/report.h"

namespace prrt::report {

std::string Escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

constexpr const char* kStyle = R"css(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 80em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f2f4f7; }
tr.published td { color: #6a6f78; font-style: italic; background: #fafafa; }
p.note { font-size: 0.8em; color: #555; }
dl.headline { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.5em; }
dl.headline dt { font-weight: bold; } dl.headline dd { margin: 0; }
figure { margin: 1em 1em 1em 0; } section figure { display: inline-block; vertical-align: top; max-width: 480px; }
figcaption { font-size: 0.9em; color: #444; }
nav a { margin-right: 1em; }
h3 { font-size: 1.1em; margin-top: 1.5em; } h4 { font-size: 0.95em; margin-bottom: 0.2em; }
p.why { max-width: 60em; }
)css";

}  // namespace

Status WriteHtml(const Document& d, const std::string& path) {
  Result<std::ofstream> opened = OpenOutputFile(path);
  if (!opened.ok()) return opened.status();
  std::ofstream& out = *opened;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << Escape(d.title)
      << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>" << Escape(d.title) << "</h1>\n";
  for (const std::string& p : d.preamble)
    out << "<p>" << Escape(p) << "</p>\n";
  out << "<nav>";
  for (const Figure& f : d.figures)
    out << "<a href=\"#" << Escape(f.id) << "\">" << Escape(f.id) << "</a>";
  for (const study::StudyTable& t : d.tables)
    out << "<a href=\"#" << Escape(t.id) << "\">" << Escape(t.id) << "</a>";
  if (!d.sections_title.empty()) out << "<a href=\"#beyond\">" << Escape(d.sections_title) << "</a>";
  out << "</nav>\n";
  if (!d.headline.empty()) {
    out << "<h2 id=\"headline\">Headline</h2>\n<dl class=\"headline\">\n";
    for (const auto& [label, value] : d.headline)
      out << "<dt>" << Escape(label) << "</dt><dd>" << Escape(value) << "</dd>\n";
    out << "</dl>\n";
  }
  for (const Figure& f : d.figures) {
    out << "<h2 id=\"" << Escape(f.id) << "\">" << Escape(f.title) << "</h2>\n<figure>" << f.svg
        << "</figure>\n";
  }
  auto write_table = [&out](const study::StudyTable& t, const char* heading) {
    out << "<" << heading << " id=\"" << Escape(t.id) << "\">" << Escape(t.title) << "</" << heading
        << ">\n<table>\n<thead><tr>";
    for (const std::string& c : t.columns)
      out << "<th>" << Escape(c) << "</th>";
    out << "</tr></thead>\n<tbody>\n";
    for (const study::StudyTable::Row& row : t.rows) {
      out << (row.published ? "<tr class=\"published\">" : "<tr>");
      for (const std::string& cell : row.cells)
        out << "<td>" << Escape(cell) << "</td>";
      out << "</tr>\n";
    }
    out << "</tbody>\n</table>\n";
    for (const std::string& note : t.notes)
      out << "<p class=\"note\">" << Escape(note) << "</p>\n";
  };
  for (const study::StudyTable& t : d.tables)
    write_table(t, "h2");
  if (!d.sections_title.empty()) {
    out << "<h2 id=\"beyond\">" << Escape(d.sections_title) << "</h2>\n";
    for (const std::string& p : d.sections_intro)
      out << "<p>" << Escape(p) << "</p>\n";
  }
  for (const Section& section : d.sections) {
    out << "<section id=\"" << Escape(section.id) << "\">\n<h3>" << Escape(section.title) << "</h3>\n";
    for (const std::string& p : section.paragraphs)
      out << "<p class=\"why\">" << Escape(p) << "</p>\n";
    for (const study::StudyTable& t : section.tables)
      write_table(t, "h4");
    for (const Figure& f : section.figures)
      out << "<figure id=\"" << Escape(f.id) << "\">" << f.svg << "<figcaption>" << Escape(f.title)
          << "</figcaption></figure>\n";
    out << "</section>\n";
  }
  out << "</body>\n</html>\n";
  if (!out) return IoError(fmt::format("{}: writing failed", path));
  return Status();
}

Status WriteCsv(const study::StudyTable& table, const std::string& path) {
  Result<std::ofstream> opened = OpenOutputFile(path);
  if (!opened.ok()) return opened.status();
  std::ofstream& out = *opened;
  auto field = [](const std::string& value) {
    if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value)
      quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  out << "source";
  for (const std::string& c : table.columns)
    out << ',' << field(c);
  out << '\n';
  for (const study::StudyTable::Row& row : table.rows) {
    out << (row.published ? "published" : "ours");
    for (const std::string& cell : row.cells)
      out << ',' << field(cell);
    out << '\n';
  }
  if (!out) return IoError(fmt::format("{}: writing failed", path));
  return Status();
}

}  // namespace prrt::report
