#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>

#include "prrt/report/report.h"

namespace prrt::report {

Status WriteXlsx(const Document& d, const std::string& path) {
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) return IoError(fmt::format("{}: cannot write the workbook", path));
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  lxw_format* published = workbook_add_format(book);
  format_set_italic(published);
  format_set_font_color(published, 0x6A6F78);
  auto text = [](lxw_worksheet* sheet, int row, int col, const std::string& value, lxw_format* format) {
    worksheet_write_string(sheet, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), value.c_str(),
                           format);
  };
  lxw_worksheet* headline = workbook_add_worksheet(book, "Headline");
  text(headline, 0, 0, d.title, bold);
  int r = 2;
  for (const auto& [label, value] : d.headline) {
    text(headline, r, 0, label, bold);
    text(headline, r++, 1, value, nullptr);
  }
  worksheet_set_column(headline, 0, 0, 48, nullptr);
  worksheet_set_column(headline, 1, 1, 40, nullptr);
  auto write_sheet = [&](const study::StudyTable& t) {
    lxw_worksheet* sheet = workbook_add_worksheet(book, t.id.substr(0, 31).c_str());
    text(sheet, 0, 0, t.title, bold);
    for (size_t c = 0; c < t.columns.size(); ++c)
      text(sheet, 2, static_cast<int>(c), t.columns[c], bold);
    int row = 3;
    for (const study::StudyTable::Row& tr : t.rows) {
      for (size_t c = 0; c < tr.cells.size(); ++c)
        text(sheet, row, static_cast<int>(c), tr.cells[c], tr.published ? published : nullptr);
      ++row;
    }
    for (const std::string& note : t.notes)
      text(sheet, ++row, 0, note, nullptr);
    worksheet_set_column(sheet, 0, 0, 55, nullptr);
    worksheet_set_column(sheet, 1, static_cast<lxw_col_t>(std::max<size_t>(1, t.columns.size())), 18,
                         nullptr);
  };
  for (const study::StudyTable& t : d.tables)
    write_sheet(t);
  for (const Section& section : d.sections) {
    for (const study::StudyTable& t : section.tables)
      write_sheet(t);
  }
  if (workbook_close(book) != LXW_NO_ERROR)
    return IoError(fmt::format("{}: writing the workbook failed", path));
  return Status();
}

}  // namespace prrt::report
