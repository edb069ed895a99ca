// The registry's format as the program holds it (registry::InterchangeSpecs, served as JSON by GET
// /api/format for the clinic's forms) against the format's own description: docs/registry-csv.md is a
// verbatim copy of the contract (../shared/formats/registry-csv.md in the project's workspace). Each file's
// columns, in the description's order, with their types, ranges, allowed values and whether they are
// required; the units of each lab test.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "prrt/registry/interchange.h"
#include "prrt/report/registry_json.h"

namespace prrt::testing {
namespace {

using nlohmann::json;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  const size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> Split(const std::string& s, const std::string& by) {
  std::vector<std::string> parts;
  for (size_t from = 0;;) {
    const size_t at = s.find(by, from);
    parts.push_back(Trim(s.substr(from, at - from)));
    if (at == std::string::npos) return parts;
    from = at + by.size();
  }
}

// The `quoted` values of a cell, in order.
std::vector<std::string> Quoted(const std::string& cell) {
  std::vector<std::string> values;
  const std::regex quoted("`([^`]*)`");
  for (auto it = std::sregex_iterator(cell.begin(), cell.end(), quoted); it != std::sregex_iterator(); ++it)
    values.push_back((*it)[1]);
  return values;
}

// A column as the description's table gives it, in the JSON's terms. Its type cell is one of: text, date,
// `a` | `b` (an enumeration), "number" or "integer" with a range ("0–100", "≥ 0", "> 0 and ≤ 10"), or "see
// below" (labs.csv's unit, given in the paragraph after the table).
json ColumnFromCell(const std::string& name, const std::string& type, const std::string& required) {
  json column = {{"name", name}, {"required", required == "yes"}};
  // A column required of some rows: "for targets" (lesions.csv's role), "for non-targets", "for progression"
  // (events.csv's event).
  const std::map<std::string, json> required_of = {
      {"for targets", {{"column", "role"}, {"values", {"target"}}}},
      {"for non-targets", {{"column", "role"}, {"values", {"non_target"}}}},
      {"for progression", {{"column", "event"}, {"values", {"progression"}}}}};
  if (required != "yes" && !required.starts_with("no")) {  // "no", "no (default `unknown`)"
    auto of = required_of.find(required);
    if (of != required_of.end()) {
      column["required_when"] = of->second;
    } else {
      ADD_FAILURE() << "a required cell the test does not read: " << required;
    }
  }
  std::smatch m;
  if (type == "text" || type == "see below") {
    column["type"] = "text";
  } else if (type == "date") {
    column["type"] = "date";
  } else if (type.front() == '`') {
    column["type"] = "enum";
    column["values"] = Quoted(type);
  } else if (std::regex_match(
                 type, m, std::regex(R"((number|integer)(?: (\d+)–(\d+)| ≥ (\d+)| > (\d+) and ≤ (\d+))?)"))) {
    column["type"] = m[1].str();
    if (m[2].matched) column.update({{"min", std::stod(m[2])}, {"max", std::stod(m[3])}});
    if (m[4].matched) column["min"] = std::stod(m[4]);
    if (m[5].matched)
      column.update({{"min", std::stod(m[5])}, {"min_exclusive", true}, {"max", std::stod(m[6])}});
  } else {
    ADD_FAILURE() << "a type the test does not read: " << type;
  }
  return column;
}

// The description's files ("## name.csv (required|optional, ...)" and its table) and the lab units.
struct Described {
  json files = json::array();
  json units = json::object();
};

Described ReadDescription(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  Described d;
  const std::regex heading(R"(## (\w+\.csv) \((required|optional)\b.*)");
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, heading)) {
      d.files.push_back({{"file", m[1]}, {"required", m[2] == "required"}, {"columns", json::array()}});
    } else if (line.rfind("| ", 0) == 0 && !d.files.empty() && line.find("| column |") == std::string::npos &&
               line.rfind("|---", 0) != 0) {
      const std::vector<std::string> cells = Split(line.substr(2, line.size() - 3), " | ");
      // A type cell's alternatives are separated by " \| ": joined again, the cells are column, type,
      // required, meaning.
      std::vector<std::string> joined;
      for (const std::string& cell : cells) {
        if (!joined.empty() && joined.back().back() == '\\') {
          joined.back() += " | " + cell;
        } else {
          joined.push_back(cell);
        }
      }
      EXPECT_GE(joined.size(), 3u) << line;
      for (const std::string& name : Split(joined[0], ", "))
        d.files.back()["columns"].push_back(ColumnFromCell(name, joined[1], joined[2]));
    } else if (line.rfind("Units: ", 0) == 0) {
      // "Units: hb `g/dl`, `g/l`; wbc, neutrophils `10^9/l`; ..." over several lines, to "A unit outside".
      std::string text = line.substr(7);
      while (text.find("A unit outside") == std::string::npos && std::getline(in, line))
        text += " " + line;
      text.resize(text.find("A unit outside"));
      for (std::string part : Split(Trim(text), ";")) {
        if (!part.empty() && part.back() == '.') part.pop_back();
        const std::vector<std::string> units = Quoted(part);
        for (const std::string& test : Split(part.substr(0, part.find('`')), ","))
          d.units[test] = units;
      }
    }
  }
  return d;
}

TEST(RegistryFormat, EveryFileAndColumnIsAsTheFormatDescribesIt) {
  const Described described = ReadDescription("docs/registry-csv.md");
  const json format = report::InterchangeFormatJson();
  ASSERT_EQ(format["files"].size(), described.files.size());
  ASSERT_EQ(described.files.size(), 7u);  // patients, baselines, cycles, labs, responses, lesions, events
  for (size_t f = 0; f < described.files.size(); ++f) {
    const json& ours = format["files"][f];
    const json& theirs = described.files[f];
    SCOPED_TRACE(theirs["file"].get<std::string>());
    EXPECT_EQ(ours["file"], theirs["file"]);
    EXPECT_EQ(ours["required"], theirs["required"]);
    ASSERT_EQ(ours["columns"].size(), theirs["columns"].size());
    for (size_t c = 0; c < theirs["columns"].size(); ++c) {
      json column = ours["columns"][c];
      column.erase("values_by");  // labs.csv's unit: compared with the units paragraph below
      json described_column = theirs["columns"][c];
      // Where the reader asks more than the description: a laboratory's limit of normal is never negative
      // (the description says "number"; docs/server.md says so too).
      if (theirs["file"] == "labs.csv" &&
          (described_column["name"] == "lln" || described_column["name"] == "uln"))
        described_column["min"] = 0.0;
      EXPECT_EQ(column, described_column);
    }
  }
  EXPECT_EQ(described.units.size(), 13u);  // every test of labs.csv
  const json& unit = format["files"][3]["columns"][4];
  ASSERT_EQ(unit["name"], "unit");
  EXPECT_EQ(unit["values_by"]["column"], "test");
  EXPECT_EQ(unit["values_by"]["values"], described.units);
  EXPECT_EQ(format["free_text_prefix"], "x_");
  // Of every file, the columns required of some rows only: three.
  int required_when = 0;
  for (const json& file : format["files"])
    for (const json& column : file["columns"])
      required_when += column.contains("required_when");
  EXPECT_EQ(required_when, 3);
}

// The columns that identify a row, as the description's "one row per ..." and its rules say (a patient's
// baseline per phase, a cycle per day, a lab result per date and test, a response per date and method, a
// lesion per date, an event per date and kind).
TEST(RegistryFormat, EachFileNamesTheColumnsThatIdentifyARow) {
  const std::map<std::string, std::vector<std::string>> keys = {
      {"patients.csv", {"patient_id"}},
      {"baselines.csv", {"patient_id", "phase"}},
      {"cycles.csv", {"patient_id", "date"}},
      {"labs.csv", {"patient_id", "date", "test"}},
      {"responses.csv", {"patient_id", "date", "method"}},
      {"lesions.csv", {"patient_id", "date", "lesion_id"}},
      {"events.csv", {"patient_id", "date", "event"}}};
  const json format = report::InterchangeFormatJson();
  for (const json& file : format["files"])
    EXPECT_EQ(file["key"], json(keys.at(file["file"].get<std::string>()))) << file["file"];
  EXPECT_THROW(registry::InterchangeSpec("notes.csv"), std::out_of_range);
}

}  // namespace
}  // namespace prrt::testing
