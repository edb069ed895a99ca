// libFuzzer target: the CSV reader and typed column extraction must never crash, hang or read out of
// bounds, whatever the bytes; bad input must come back as a Status.
#include <cstddef>
#include <cstdint>
#include <string>

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
  (void)columns;
  return 0;
}
