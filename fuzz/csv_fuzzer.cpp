// libFuzzer target: the CSV reader and typed column extraction must never crash, hang or read out of
// bounds, whatever the bytes; bad input must come back as a Status.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "prrt/common/utf8.h"
#include "prrt/io/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  prrt::Result<prrt::io::CsvReader> reader = prrt::io::CsvReader::FromString(text, "fuzz.csv");
  if (!reader.ok() || reader->header().empty()) return 0;
  std::vector<prrt::io::ColumnSpec> specs;
  const auto& header = reader->header();
  const prrt::io::ColumnType types[] = {prrt::io::ColumnType::kNumber, prrt::io::ColumnType::kEvent,
                                        prrt::io::ColumnType::kLabel, prrt::io::ColumnType::kAuto};
  for (size_t i = 0; i < header.size() && i < 4; ++i) {
    bool seen = false;
    for (const auto& s : specs)
      seen = seen || s.name == header[i];
    if (!seen) specs.push_back({header[i], types[i], 0});
  }
  prrt::Result<prrt::io::ColumnSet> columns = prrt::io::ReadColumns(*reader, specs);
  if (!columns.ok()) return 0;
  // What a read gives goes into the output (JSON) as it is: UTF-8 only.
  for (const prrt::io::Column& column : columns->columns) {
    if (!prrt::IsUtf8Text(column.name)) __builtin_trap();
    for (const std::string& level : column.levels) {
      if (!prrt::IsUtf8Text(level)) __builtin_trap();
    }
  }
  // An automatic column that is labels (read as numbers until a text turned up, the numbers' texts kept) is
  // the column read as labels throughout.
  if (specs.size() == 4 && columns->columns[3].type == prrt::io::ColumnType::kLabel) {
    std::vector<prrt::io::ColumnSpec> as_labels = specs;
    as_labels[3].type = prrt::io::ColumnType::kLabel;
    prrt::Result<prrt::io::CsvReader> labels_reader = prrt::io::CsvReader::FromString(text, "fuzz.csv");
    prrt::Result<prrt::io::ColumnSet> labels = prrt::io::ReadColumns(*labels_reader, as_labels);
    if (!labels.ok() || labels->columns[3].levels != columns->columns[3].levels ||
        labels->columns[3].codes != columns->columns[3].codes)
      __builtin_trap();
  }
  // The same records with every field quoted are read one record at a time (ReadColumns splits runs of
  // lines without quotes itself, on several threads): the columns must be the same.
  prrt::Result<prrt::io::CsvReader> records = prrt::io::CsvReader::FromString(text, "fuzz.csv");
  std::string quoted;
  auto append = [&quoted](const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      quoted += i == 0 ? "\"" : ",\"";
      for (char c : fields[i])
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += '"';
    }
    quoted += '\n';
  };
  append(records->header());
  std::vector<std::string> fields;
  while (true) {
    prrt::Result<bool> got = records->Next(fields);
    if (!got.ok()) __builtin_trap();  // ReadColumns read these records
    if (!*got) break;
    append(fields);
  }
  prrt::Result<prrt::io::CsvReader> requoted = prrt::io::CsvReader::FromString(quoted, "fuzz.csv");
  prrt::Result<prrt::io::ColumnSet> again = prrt::io::ReadColumns(*requoted, specs);
  if (!again.ok() || again->rows_read != columns->rows_read || again->rows_dropped != columns->rows_dropped)
    __builtin_trap();
  for (size_t c = 0; c < specs.size(); ++c) {
    const prrt::io::Column &a = columns->columns[c], &b = again->columns[c];
    if (a.type != b.type || a.numbers != b.numbers || a.events != b.events || a.codes != b.codes ||
        a.levels != b.levels)
      __builtin_trap();
  }
  return 0;
}
