// libFuzzer target: a registry folder, whatever its bytes, is read whole and patient by patient without a
// crash, a hang or a failed assert (built without NDEBUG); every problem is said in UTF-8 (validate --json
// prints them); the two reads agree on whether the folder is valid, on its problems and, when it is valid, on
// every row; a valid folder gives every patient endpoints (times not negative) and the study's tables no NaN
// or infinity; and a valid folder written back (WriteInterchange), or imported into a registry and exported,
// reads again to the same rows.
//
// The input is the files' texts in the order the format reads them (patients.csv, baselines.csv, ...),
// separated by NUL bytes; an empty text, or one past the input's end, is a file left out.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <vector>

#include "prrt/common/utf8.h"
#include "prrt/registry/interchange.h"
#include "prrt/registry/store.h"
#include "prrt/study/endpoints.h"
#include "prrt/study/tables.h"

namespace {

namespace fs = std::filesystem;
using prrt::Result;
using prrt::Status;
using prrt::StatusCode;
using prrt::registry::Interchange;
using prrt::registry::Problems;

// A folder of this process's own (libFuzzer may run several processes), made once and rewritten each run;
// removed, with the others, when the process ends without a finding (a finding leaves them as they were).
fs::path Folder(std::string_view name) {
  struct Root {
    fs::path path = fs::temp_directory_path() / ("prrt_registry_fuzzer_" + std::to_string(getpid()));
    ~Root() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  };
  static const Root root;
  fs::path folder = root.path / name;
  fs::create_directories(folder);
  return folder;
}

// The rows of each file, in order, by their values (lines are where they were read, not what they are).
using FileRows = std::vector<std::tuple<std::string, std::vector<prrt::registry::RowValues>>>;
FileRows ValuesOf(const Interchange& data) {
  FileRows rows;
  for (const auto& [file, list] : data.files) {
    std::vector<prrt::registry::RowValues> values;
    for (const prrt::registry::Row& row : list)
      values.push_back(row.values);
    if (!values.empty()) rows.emplace_back(file, std::move(values));
  }
  return rows;
}

// Whether a text shows a NaN or an infinity as fmt writes them ("nan", "inf", "-inf"), a word of its own.
bool SaysANumberThatIsNot(std::string_view text) {
  for (std::string_view word : {"nan", "inf"}) {
    for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
      const size_t end = at + word.size();
      if ((at == 0 || !std::isalpha(static_cast<unsigned char>(text[at - 1]))) &&
          (end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end]))))
        return true;
    }
  }
  return false;
}

void Check(bool holds) {
  if (!holds) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path folder = Folder("in"), written = Folder("out");
  static const prrt::registry::Day today = *prrt::registry::ParseDay("2026-11-27");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t at = 0;
  for (const std::string& file : prrt::registry::InterchangeFiles()) {
    const size_t end = std::min(input.find('\0', at), input.size());
    const std::string_view text = at < input.size() ? input.substr(at, end - at) : std::string_view();
    at = end + 1;
    fs::remove(folder / file);
    if (!text.empty()) std::ofstream(folder / file, std::ios::binary) << text;
  }

  Problems whole_problems;
  const Result<Interchange> whole = prrt::registry::ReadInterchange(folder.string(), today, whole_problems);
  Problems by_patient_problems;
  std::vector<Interchange> patients;
  const Status by_patient = prrt::registry::ReadInterchangeByPatient(
      folder.string(), today, by_patient_problems, [&](const std::string&, Interchange& rows) {
        patients.push_back(rows);
        return Status();
      });
  for (const Problems* problems : {&whole_problems, &by_patient_problems})
    for (const std::string& message : problems->messages)
      Check(prrt::IsUtf8Text(message));
  Check(whole.ok() == whole_problems.empty());
  if (by_patient.code() != StatusCode::kOutOfOrder) {
    Check(by_patient.ok() == whole.ok());
    Check(by_patient.ok() == by_patient_problems.empty());
    // The same problems, but for their order (read by patient, a patient's come together), while all are
    // kept.
    if (!whole_problems.truncated && !by_patient_problems.truncated) {
      std::vector<std::string> a = whole_problems.messages, b = by_patient_problems.messages;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      Check(a == b);
    }
  }
  if (!whole.ok()) return 0;
  const std::map<std::string, Interchange> split = prrt::registry::SplitByPatient(*whole);
  if (by_patient.ok()) {
    // Patient by patient, in patients.csv's order, the rows of the whole read.
    Check(patients.size() == split.size());
    const std::vector<prrt::registry::Row>& listed = whole->files.at("patients.csv");
    for (size_t i = 0; i < patients.size(); ++i)
      Check(ValuesOf(patients[i]) == ValuesOf(split.at(*listed[i].get("patient_id"))));
  }
  // Every patient of a valid folder has endpoints: times that are not negative, the retreatment group given
  // R-PRRT; and the study's tables say no NaN or infinity.
  std::vector<prrt::study::SubjectEndpoints> subjects;
  for (const prrt::registry::Row& patient : whole->files.at("patients.csv")) {
    const std::string& id = *patient.get("patient_id");
    Result<prrt::study::SubjectEndpoints> subject = prrt::study::DeriveSubject(split.at(id), id);
    Check(subject.ok());
    for (const prrt::study::PhaseEndpoints& phase : subject->phases)
      Check(!phase.given || (phase.pfs_months >= 0 && phase.os_months_from_start >= 0));
    Check(subject->os_months.value_or(0) >= 0 && subject->follow_up_months.value_or(0) >= 0);
    Check(subject->group != prrt::study::Group::kRetreatment || subject->phases[1].given);
    subjects.push_back(std::move(*subject));
  }
  for (const prrt::study::StudyTable& table : prrt::study::BuildTables(subjects, {}))
    for (const prrt::study::StudyTable::Row& row : table.rows)
      for (const std::string& cell : row.cells)
        Check(!SaysANumberThatIsNot(cell));
  fs::remove_all(written);
  Check(prrt::registry::WriteInterchange(*whole, written.string()).ok());
  Problems again_problems;
  const Result<Interchange> again = prrt::registry::ReadInterchange(written.string(), today, again_problems);
  Check(again.ok());
  Check(ValuesOf(*again) == ValuesOf(*whole));
  // Imported into a registry and exported, each patient's rows again (a file's rows come by patient then).
  static const fs::path db = Folder("db") / "r.db", exported = Folder("exported");
  for (const char* suffix : {"", "-wal", "-shm"})
    fs::remove(db.string() + suffix);
  Result<prrt::registry::Store> store = prrt::registry::Store::Open(db.string());
  Check(store.ok() && store->Import(*whole, "fuzz").ok());
  fs::remove_all(exported);
  Check(store->Export(exported.string()).ok());
  Problems exported_problems;
  const Result<Interchange> back =
      prrt::registry::ReadInterchange(exported.string(), today, exported_problems);
  Check(back.ok());
  const std::map<std::string, Interchange> after = prrt::registry::SplitByPatient(*back);
  Check(split.size() == after.size());
  for (const auto& [id, rows] : split)
    Check(after.count(id) > 0 && ValuesOf(after.at(id)) == ValuesOf(rows));
  return 0;
}
