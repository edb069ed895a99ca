#include "prrt/server/server.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <thread>

#include "answer_cache.h"
#include "prrt/clinical/tumour.h"
#include "prrt/common/dates.h"
#include "prrt/common/temporary_folder.h"
#include "prrt/common/utf8.h"
#include "prrt/protocol/plan.h"
#include "prrt/registry/store.h"
#include "prrt/registry/timeline.h"
#include "prrt/report/json.h"
#include "prrt/report/registry_json.h"
#include "prrt/report/study_report.h"
#include "prrt/server/auth.h"
#include "prrt/stats/logrank.h"
#include "prrt/study/adtte.h"
#include "prrt/study/endpoints.h"
#include "query.h"
#include "web_assets.h"
#include "worklist.h"

namespace prrt::server {

namespace {

using nlohmann::json;

constexpr const char* kCookie = "prrt_session";
// Each open connection holds a thread of the pool while it is kept alive (up to 5 s idle, httplib's
// keep-alive timeout), and a browser keeps up to 6: with 64 threads ten browsers that had just loaded a page
// held them all, and the next request waited seconds. A waiting thread costs its stack's few touched pages.
constexpr size_t kThreads = 512;
// The largest request body read: a row, a patient's change or a log-in is a few hundred bytes. httplib reads
// any body whole, so without a bound a client that had not even logged in could make the server hold
// gigabytes (a body of 1.4 GB held 2.5 GB).
constexpr size_t kMaxBodyBytes = size_t{1} << 20;

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(report::JsonText(body), "application/json");
}

void Error(httplib::Response& res, int status, const std::string& message) {
  Reply(res, status, {{"error", message}});
}

// An expected failure as its HTTP status: bad parameters 400, nothing found 404, the registry not as asked
// for 409 (patients' rows to correct first), the registry busy with another process's write 503 (try again
// in a few seconds), anything else 500.
void Fail(httplib::Response& res, const Status& status) {
  const int code = status.code() == StatusCode::kInvalidArgument      ? 400
                   : status.code() == StatusCode::kNotFound           ? 404
                   : status.code() == StatusCode::kFailedPrecondition ? 409
                   : status.code() == StatusCode::kUnavailable        ? 503
                                                                      : 500;
  if (code == 503) res.set_header("Retry-After", "5");
  Error(res, code, status.message());
}

bool AcceptsGzip(const httplib::Request& req) {
  const std::string accepted = req.get_header_value("Accept-Encoding");
  for (size_t at = 0; at < accepted.size();) {
    size_t end = accepted.find(',', at);
    if (end == std::string::npos) end = accepted.size();
    std::string coding = accepted.substr(at, end - at);
    coding.erase(0, coding.find_first_not_of(' '));
    if (coding.rfind("gzip", 0) == 0 && coding.find("q=0") == std::string::npos &&
        (coding.size() == 4 || coding[4] == ';' || coding[4] == ' '))
      return true;
    at = end + 1;
  }
  return false;
}

// GET /api/patients/{id} of a patient whose rows fail the checks an import makes (changed with SQL outside
// prrt), answered 409: the problems, a line each, and the rows as stored, file by file (`{"cycles.csv":
// [{"patient_id": ..., "date": ...}, ...], ...}`), for the forms that correct them.
json ToCorrectJson(const std::string& id, const registry::Interchange& rows,
                   const std::vector<std::string>& problems) {
  json files = json::object();
  for (const auto& [file, file_rows] : rows.files) {
    json& listed = files[file] = json::array();
    for (const registry::Row& row : file_rows) {
      json values = json::object();
      for (const auto& [column, value] : row.values)
        values[column] = value;
      listed.push_back(std::move(values));
    }
  }
  return {{"error", fmt::format("patient '{}' has rows prrt would not import (changed outside prrt? the "
                                "changes say): correct them",
                                ShowUtf8(id))},
          {"patient_id", id},
          {"problems", problems},
          {"rows", std::move(files)}};
}

// A kept answer, compressed once. Debian's cpp-httplib compresses every "application/json" body itself at
// each request (brotli or gzip, whatever the client accepts); with the charset named it leaves the body
// alone, so the body compressed beforehand goes out as it is. The answer is written straight from where it is
// kept (no copy of a 2 MB body per request); the pointer keeps it alive while it is sent, even if a write
// clears the cache meanwhile.
void Send(const httplib::Request& req, httplib::Response& res, std::shared_ptr<const CachedAnswer> answer) {
  res.status = 200;
  res.set_header("Vary", "Accept-Encoding");
  const bool gzip = !answer->gzip.empty() && AcceptsGzip(req);
  if (gzip) res.set_header("Content-Encoding", "gzip");
  const std::string& bytes = gzip ? answer->gzip : answer->body;
  res.set_content_provider(bytes.size(), "application/json; charset=utf-8",
                           [answer, &bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                             sink.write(bytes.data() + offset, length);
                             return true;
                           });
}

// The route and its parameters in a fixed order: the key of the answer kept for it.
std::string CacheKey(const httplib::Request& req) {
  std::string key = req.path;
  for (const auto& [name, value] : req.params)
    key += fmt::format("\n{}={}", name, value);
  return key;
}

std::map<std::string, std::string> Parameters(const httplib::Request& req) {
  std::map<std::string, std::string> parameters;
  for (const auto& [name, value] : req.params)
    parameters.emplace(name, value);
  return parameters;
}

std::string SessionToken(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kCookie) + "=";
  for (size_t at = 0; at < cookies.size();) {
    size_t end = cookies.find(';', at);
    if (end == std::string::npos) end = cookies.size();
    std::string part = cookies.substr(at, end - at);
    part.erase(0, part.find_first_not_of(' '));
    if (part.rfind(key, 0) == 0) return part.substr(key.size());
    at = end + 1;
  }
  return "";
}

// A row recorded for a living patient after their last contact (a blood test, a cycle, a scan) is a contact:
// the last contact moves to its date, as the clinic would record it (the registry's rules refuse a row after
// the last contact). A date that is not one is left for those rules to name.
void AdvanceLastContact(registry::Interchange& rows, const registry::RowValues& values) {
  auto date = values.find("date");
  std::vector<registry::Row>& patients = rows.files["patients.csv"];
  if (date == values.end() || patients.size() != 1 || patients[0].get("death_date")) return;
  registry::RowValues& patient = patients[0].values;
  const std::optional<registry::Day> day = registry::ParseDay(date->second);
  const std::string* last = patients[0].get("last_contact_date");
  if (day && last && registry::ParseDay(*last) && *day > *registry::ParseDay(*last))
    patient["last_contact_date"] = date->second;
}

// The registry file and the rows file each API write goes to.
const std::map<std::string, std::string>& WritableFiles() {
  static const std::map<std::string, std::string> files = {
      {"baselines", "baselines.csv"}, {"cycles", "cycles.csv"},   {"labs", "labs.csv"},
      {"responses", "responses.csv"}, {"lesions", "lesions.csv"}, {"events", "events.csv"}};
  return files;
}

// A problem of a posted row as {"field", "message"}: those of the row given ("FILE (row given): column: ...",
// its own fields and the cross-file rules about it) beside their field; anything else (a rule broken by a
// recorded row, "FILE (recorded): column: ...") with field null.
json FieldError(const std::string& problem, const std::string& file) {
  const std::string own = file + " (row given): ";
  if (problem.rfind(own, 0) == 0) {
    const std::string rest = problem.substr(own.size());
    const size_t colon = rest.find(": ");
    if (colon != std::string::npos)
      return {{"field", rest.substr(0, colon)}, {"message", rest.substr(colon + 2)}};
  }
  return {{"field", nullptr}, {"message", problem}};
}

// The endpoints and attributes of the cohort explorer (GET /api/km's endpoint= and group=, filters).
const std::array<std::string, 4> kEndpoints = {"os", "pfs_i", "pfs_r", "pfs_rr"};
const std::array<std::string, 3> kAttributes = {"cohort", "tumour", "grade"};

// One patient as the cohort explorer sees it, in a flat vector so that a query over 100,000 patients scans
// memory in order: the time to each endpoint (NaN when the patient has none) and the attributes.
struct CohortRow {
  std::array<double, 4> months;  // in the order of kEndpoints
  std::array<int8_t, 4> event;
  std::array<std::string, 3> attributes;  // in the order of kAttributes
};

CohortRow MakeCohortRow(const study::SubjectEndpoints& s) {
  CohortRow row;
  row.months[0] = s.os_months.value_or(std::numeric_limits<double>::quiet_NaN());
  row.event[0] = s.os_event ? 1 : 0;
  for (size_t p = 0; p < 3; ++p) {
    row.months[p + 1] = s.phases[p].given ? s.phases[p].pfs_months : std::numeric_limits<double>::quiet_NaN();
    row.event[p + 1] = s.phases[p].pfs_event ? 1 : 0;
  }
  Result<clinical::WhoGrade> grade = clinical::GradeNet(clinical::WhoEdition::k2010, s.ki67_percent, {});
  row.attributes = {study::ToString(s.group), s.primary_site,
                    grade.ok() && grade->grade != "undefined" ? grade->grade : "unknown"};
  return row;
}

// A patient as the server keeps them: their endpoints and their plan as of the worklist's day.
struct KeptPatient {
  study::SubjectEndpoints endpoints;
  protocol::Plan plan;
};

// What the server keeps of the registry in memory: every patient's endpoints and row of the cohort explorer,
// and the worklist of their plans as of `worklist_day`.
struct Kept {
  std::map<std::string, study::SubjectEndpoints> endpoints;
  std::vector<CohortRow> cohort;
  std::vector<std::string> cohort_ids;       // the patient of each row of `cohort`
  std::map<std::string, size_t> cohort_row;  // by patient id: the row in `cohort`
  Worklist worklist;
  registry::Day worklist_day = 0;  // the plans hold as of this day: built again on the next

  void Put(const std::string& id, KeptPatient patient, const protocol::Protocol& protocol) {
    const auto [at, added] = cohort_row.emplace(id, cohort.size());
    if (added) {
      cohort.push_back(MakeCohortRow(patient.endpoints));
      cohort_ids.push_back(id);
    } else {
      cohort[at->second] = MakeCohortRow(patient.endpoints);
    }
    endpoints[id] = std::move(patient.endpoints);
    worklist.Put(patient.plan, protocol);
  }

  // Forgets a removed patient: their endpoints, their row of the cohort explorer (the last row takes its
  // place) and their worklist entry.
  void Forget(const std::string& id) {
    endpoints.erase(id);
    if (auto at = cohort_row.find(id); at != cohort_row.end()) {
      const size_t row = at->second;
      cohort_row.erase(at);
      if (row + 1 != cohort.size()) {
        cohort[row] = std::move(cohort.back());
        cohort_ids[row] = std::move(cohort_ids.back());
        cohort_row[cohort_ids[row]] = row;
      }
      cohort.pop_back();
      cohort_ids.pop_back();
    }
    worklist.Remove(id);
  }

  // A patient whose rows fail the checks an import makes (changed with SQL outside prrt): nothing can be
  // derived of them until corrected, so they are in no answer but the worklist's list of patients to correct.
  void PutToCorrect(const std::string& id, const std::vector<std::string>& problems) {
    Forget(id);
    worklist.PutToCorrect(id, problems);
  }
};

// The position of `value` in `values`, or -1.
template <typename Values>
int IndexOf(const Values& values, const std::string& value) {
  auto found = std::find(values.begin(), values.end(), value);
  return found == values.end() ? -1 : static_cast<int>(found - values.begin());
}

// The values a filter parameter allows (comma-separated); empty: no filter.
std::vector<std::string> Allowed(const httplib::Request& req, const std::string& attribute) {
  std::vector<std::string> values;
  const std::string text = req.get_param_value(attribute.c_str());
  for (size_t at = 0; !text.empty() && at <= text.size();) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    values.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return values;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  registry::Store store;
  protocol::Protocol protocol;
  Sessions sessions;
  LoginThrottle throttle;
  // A second connection for the pages that only read the registry (a patient's timeline, their trail) and
  // for logging in: they are not kept waiting while a write waits for another process's (an import's) write
  // to end.
  registry::Store reader;
  std::mutex reader_mutex;
  std::unique_ptr<httplib::Server> http_server;  // an httplib::SSLServer when the options give a certificate
  httplib::Server& http;
  // Requests that use the connection that writes (`store`) take turns. While one waits for another process's
  // write, what is kept in memory is still served: a look for other processes' changes is put off then.
  // Taken before registry_mutex, never after.
  std::mutex store_mutex;
  // What is kept in memory changes with both store_mutex and registry_mutex (exclusive) held, so either
  // suffices to read it; requests that only read it share registry_mutex. What is read from the registry is
  // derived before registry_mutex is taken: while every patient is read again (seconds at 100,000 patients),
  // the other requests are answered from what was kept.
  std::shared_mutex registry_mutex;
  Kept kept;
  // What is kept follows the registry as of `data_version` (Store::DataVersion) and audit entry
  // `audit_followed`; the server's own writes are followed as they are made (AfterOwnWrite).
  int64_t data_version = 0;
  int64_t audit_followed = 0;
  std::atomic<int64_t> next_external_check{0};  // steady-clock milliseconds
  AnswerCache answers;
  std::mutex compute_mutex;
  int64_t writes = 0;  // stored rows since start: the study is written again when it changed
  // The study of the registry (`prrt study`'s files and the ADTTE export: data of each patient), written on
  // demand into a folder only the server's user may open, made at the first request for the study and removed
  // when the server ends; requests for it take turns.
  std::mutex study_mutex;
  std::optional<TemporaryFolder> study_root;  // none until the study is first asked for
  int64_t study_written_at = -1;
  size_t study_patients = 0;
  std::vector<std::string> study_files;

  Impl(ServerOptions o, registry::Store s, registry::Store r, protocol::Protocol p,
       std::unique_ptr<httplib::Server> h)
      : options(std::move(o)),
        store(std::move(s)),
        protocol(std::move(p)),
        sessions(options.session_idle),
        reader(std::move(r)),
        http_server(std::move(h)),
        http(*http_server) {}

  // FailedPrecondition naming the patients whose rows are to be corrected, when there are any: the study is
  // of every patient or none. Needs the lock (shared).
  Status EveryPatientDerived() const {
    const std::vector<std::string> to_correct = kept.worklist.ToCorrect();
    if (to_correct.empty()) return Status();
    // Rows without a patient_id are no patient's; listed under the empty id, they come first.
    const bool no_id = to_correct.front().empty();
    const size_t patients = to_correct.size() - (no_id ? 1 : 0);
    constexpr size_t kNamed = 10;
    std::vector<std::string> named;
    for (size_t k = no_id ? 1 : 0; k < to_correct.size() && named.size() < kNamed; ++k)
      named.push_back(ShowUtf8(to_correct[k]));
    std::vector<std::string> whose;
    if (patients > 0)
      whose.push_back(fmt::format("the rows of {} {}", patients, patients == 1 ? "patient" : "patients"));
    if (no_id) whose.push_back("rows without a patient_id");
    std::string which = fmt::format("{}", fmt::join(named, ", "));
    if (patients > kNamed) which += ", ...";
    if (!which.empty()) which += "; ";
    return FailedPrecondition(
        fmt::format("the study is of every patient: {} must be corrected first ({}changed outside prrt, the "
                    "worklist lists them)",
                    fmt::join(whose, " and "), which));
  }

  // Where the study's files are, in study_root (written again, whole, when the registry changed). Needs
  // study_mutex, and the study written once.
  std::filesystem::path StudyFolder() const { return study_root->path() / "study"; }

  // Writes the study of the registry as it is now, unless nothing changed since the last time. The
  // endpoints are copied under the shared lock and the files written without it (a second at 100,000
  // patients), so that no other request waits for them. Needs study_mutex.
  Status WriteStudyFiles() {
    std::vector<study::SubjectEndpoints> subjects;
    int64_t written_at = 0;
    {
      std::shared_lock lock(registry_mutex);
      if (Status every = EveryPatientDerived(); !every.ok()) return every;
      if (study_written_at == writes) return Status();
      written_at = writes;
      subjects.reserve(kept.endpoints.size());
      for (const auto& [id, s] : kept.endpoints)
        subjects.push_back(s);
    }
    if (!study_root) {
      Result<TemporaryFolder> root = TemporaryFolder::Make("prrt_serve_");
      if (!root.ok()) return IoError("cannot write the study: " + root.status().message());
      study_root = std::move(*root);
    }
    std::error_code ignored;
    const std::filesystem::path study_folder = StudyFolder();
    std::filesystem::remove_all(study_folder, ignored);
    report::StudyReportOptions options;
    options.source = "the served registry";
    Result<std::vector<std::string>> written =
        report::WriteStudyReport(subjects, options, study_folder.string());
    if (!written.ok()) return written.status();
    const std::string adtte = (study_folder / "adtte.csv").string();
    if (Status s = study::WriteAdtte(subjects, adtte); !s.ok()) return s;
    written->push_back(adtte);
    study_files.clear();
    for (const std::string& path : *written)
      study_files.push_back(std::filesystem::path(path).filename().string());
    std::sort(study_files.begin(), study_files.end());
    study_patients = subjects.size();
    study_written_at = written_at;
    return Status();
  }

  void StudyList(httplib::Response& res) {
    if (Status s = KeepCurrent(); !s.ok()) return Fail(res, s);
    std::lock_guard studying(study_mutex);
    if (Status s = WriteStudyFiles(); !s.ok()) return Fail(res, s);
    json files = json::array();
    for (const std::string& name : study_files)
      files.push_back({{"name", name}, {"bytes", std::filesystem::file_size(StudyFolder() / name)}});
    Reply(res, 200, {{"patients", study_patients}, {"files", std::move(files)}});
  }

  void StudyFile(const std::string& name, httplib::Response& res) {
    if (Status s = KeepCurrent(); !s.ok()) return Fail(res, s);
    std::lock_guard studying(study_mutex);
    if (Status s = WriteStudyFiles(); !s.ok()) return Fail(res, s);
    // Only the files the study wrote, by name: nothing else on the disk can be asked for.
    if (std::find(study_files.begin(), study_files.end(), name) == study_files.end())
      return Error(res, 404, "no such file in the study");
    std::ifstream in(StudyFolder() / name, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    static const std::map<std::string, std::string> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".json", "application/json"},
        {".csv", "text/csv; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
    const std::string extension = std::filesystem::path(name).extension().string();
    // The report is self-contained: inline CSS and SVG, no script at all.
    if (extension == ".html")
      res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    if (extension != ".html")
      res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
    res.set_content(content.str(), kTypes.at(extension));
  }

  // What is kept of a patient, from their rows: their endpoints and their plan as of `day`.
  Result<KeptPatient> Derive(const registry::Interchange& rows, const std::string& id,
                             registry::Day day) const {
    Result<study::SubjectEndpoints> endpoints = study::DeriveSubject(rows, id);
    if (!endpoints.ok()) return endpoints.status();
    Result<protocol::Plan> plan = protocol::PlanNextActions(rows, id, day, protocol);
    if (!plan.ok()) return plan.status();
    return KeptPatient{std::move(*endpoints), std::move(*plan)};
  }

  // Reads every patient again (endpoints, cohort, plans as of `today`), noting the registry's data version
  // and last audit entry first: a change committed meanwhile is followed again at the next look. What was
  // kept is replaced when every patient is read, and kept when the read fails. Needs store_mutex.
  Status Reload(registry::Day today) {
    Result<int64_t> version = store.DataVersion();
    if (!version.ok()) return version.status();
    Result<int64_t> last_audit = store.LastAuditId();
    if (!last_audit.ok()) return last_audit.status();
    Kept read;
    read.worklist_day = today;
    Status walked = store.ForEachPatient(
        [&](const std::string& id, const registry::Interchange& rows) -> Status {
          Result<KeptPatient> patient = Derive(rows, id, today);
          if (!patient.ok()) return patient.status();
          read.Put(id, std::move(*patient), protocol);
          return Status();
        },
        std::nullopt,
        [&](const std::string& id, const registry::Interchange&, const std::vector<std::string>& problems) {
          read.PutToCorrect(id, problems);
          return Status();
        });
    if (!walked.ok()) return walked;
    read.worklist.Order();  // the order Put and Remove keep from now on
    std::unique_lock lock(registry_mutex);
    std::swap(kept, read);  // what was kept is freed once the lock is let go
    answers.Clear();
    ++writes;  // the study is written again
    data_version = *version;
    audit_followed = *last_audit;
    return Status();
  }

  // A new day: every patient's plan as of `today` (the endpoints do not change with the date), replacing the
  // worklist when all are read. Needs store_mutex.
  Status ReadPlans(registry::Day today) {
    Worklist plans;
    std::vector<std::pair<std::string, std::vector<std::string>>> to_correct;
    Status walked = store.ForEachPatient(
        [&](const std::string& id, const registry::Interchange& rows) -> Status {
          Result<protocol::Plan> plan = protocol::PlanNextActions(rows, id, today, protocol);
          if (!plan.ok()) return plan.status();
          plans.Put(*plan, protocol);
          return Status();
        },
        std::nullopt,
        [&](const std::string& id, const registry::Interchange&, const std::vector<std::string>& problems) {
          to_correct.emplace_back(id, problems);
          return Status();
        });
    if (!walked.ok()) return walked;
    plans.Order();
    std::unique_lock lock(registry_mutex);
    std::swap(kept.worklist, plans);
    // Rows broken by an edit the trail does not name (SQLite's triggers off): their endpoints go too.
    for (const auto& [id, problems] : to_correct)
      kept.PutToCorrect(id, problems);
    kept.worklist_day = today;
    answers.Clear();
    return Status();
  }

  // A patient as they are now: derived, or their problems when their rows are to be corrected, or neither
  // when no longer registered.
  struct PatientRead {
    std::optional<KeptPatient> derived;
    std::optional<std::vector<std::string>> problems;
  };

  // Needs store_mutex.
  Result<PatientRead> ReadPatient(const std::string& id) {
    PatientRead read;
    Status walked = store.ForEachPatient(
        [&](const std::string&, const registry::Interchange& rows) -> Status {
          Result<KeptPatient> derived = Derive(rows, id, kept.worklist_day);
          if (!derived.ok()) return derived.status();
          read.derived = std::move(*derived);
          return Status();
        },
        id,
        [&](const std::string&, const registry::Interchange&, const std::vector<std::string>& problems) {
          read.problems = problems;
          return Status();
        });
    if (!walked.ok()) return walked;
    return read;
  }

  // Puts the patient read in what is kept. Needs store_mutex and the exclusive lock.
  void Keep(const std::string& id, PatientRead read) {
    if (read.derived) {
      kept.Put(id, std::move(*read.derived), protocol);
    } else if (read.problems) {
      kept.PutToCorrect(id, *read.problems);
    } else {
      kept.Forget(id);
    }
  }

  // Follows what another process committed (prrt import, rename-patient, user add): the patients the audit
  // trail names since it was last followed are read again, or forgotten when no longer registered. Every
  // patient is read again when they are many (then one walk is faster), or when the trail names nothing
  // though the registry changed (an edit with SQLite's triggers off, a migration). Needs store_mutex.
  Status FollowExternalChanges(registry::Day today, int64_t version) {
    // A patient read alone takes some three times their share of a walk over all (docs/performance-server.md:
    // 1,000 patients read alone, against every patient read again).
    const size_t most = std::max<size_t>(100, kept.endpoints.size() / 10);
    Result<registry::AuditedChanges> changed = store.PatientsChangedAfter(audit_followed, most);
    if (!changed.ok()) return changed.status();
    if (!changed->patient_ids || changed->last_audit_id == audit_followed) return Reload(today);
    // Each patient named, as they are now.
    std::vector<std::pair<std::string, PatientRead>> read;
    for (const std::string& id : *changed->patient_ids) {
      Result<PatientRead> patient = ReadPatient(id);
      if (!patient.ok()) return patient.status();  // looked for again next time
      read.emplace_back(id, std::move(*patient));
    }
    std::unique_lock lock(registry_mutex);
    if (!read.empty()) {  // else the users' entries alone
      for (auto& [id, patient] : read)
        Keep(id, std::move(patient));
      answers.Clear();
      ++writes;
    }
    data_version = version;
    audit_followed = changed->last_audit_id;
    return Status();
  }

  // After a write of the server's own, already put in what is kept: the answers kept and the study written
  // are stale. Its audit entries are passed over when nobody else committed since the trail was last
  // followed (the data version, read after the last entry's id, unchanged), so that the next change of
  // another process names its own patients alone rather than every patient written here since (past a tenth
  // of the registry, all would be read again). Otherwise they are followed with the other process's change.
  // Needs store_mutex and the exclusive lock.
  void AfterOwnWrite() {
    answers.Clear();
    ++writes;
    Result<int64_t> last_audit = store.LastAuditId();
    Result<int64_t> version = store.DataVersion();
    if (last_audit.ok() && version.ok() && *version == data_version) audit_followed = *last_audit;
  }

  // What is kept in memory follows the registry: what is due changes with the date (the first request of a
  // new day builds the worklist again), and a change another process committed is followed
  // (FollowExternalChanges); that is looked for at most every options.external_changes_check.
  Status KeepCurrent() {
    const registry::Day today = options.today();
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch())
                            .count();
    const bool look = now >= next_external_check.load();
    {
      std::shared_lock lock(registry_mutex);
      if (kept.worklist_day == today && !look) return Status();
    }
    std::unique_lock writing(store_mutex, std::defer_lock);
    if (!writing.try_lock()) {  // busy: a write, or another request reading what changed; look next time
      {
        std::shared_lock lock(registry_mutex);
        if (kept.worklist_day == today) return Status();
      }
      writing.lock();  // a new day's worklist waits for it
    }
    if (look) {
      next_external_check = now + options.external_changes_check.count();
      Result<int64_t> version = store.DataVersion();
      if (!version.ok()) return version.status();
      if (*version != data_version) {
        if (Status s = FollowExternalChanges(today, *version); !s.ok()) return s;
      }
    }
    return kept.worklist_day == today ? Status() : ReadPlans(today);
  }

  // Sends the answer kept for this request, or computes it (sharing the lock with other readers), keeps it
  // and sends it. A write clears what is kept while it holds the lock exclusively, so nothing kept is older
  // than the registry.
  void SendCached(const httplib::Request& req, httplib::Response& res,
                  const std::function<Result<std::string>()>& compute) {
    const std::string key = CacheKey(req);
    std::shared_ptr<const CachedAnswer> answer = answers.Find(key);
    if (!answer) {
      // One answer is computed at a time: when 50 clients ask the same new question at once, one computes
      // it and the others then find it, rather than all computing it side by side.
      std::lock_guard computing(compute_mutex);
      answer = answers.Find(key);
      if (!answer) {
        std::shared_lock lock(registry_mutex);
        Result<std::string> body = compute();
        if (!body.ok()) return Fail(res, body.status());
        answer = answers.Put(key, std::move(*body));
      }
    }
    Send(req, res, std::move(answer));
  }

  // Over HTTPS the session cookie is marked Secure: a browser never sends it over plain HTTP.
  const char* CookieSecure() const { return options.tls_cert.empty() ? "" : "; Secure"; }

  // Runs `handler(req, res, session)` for a logged-in user; 401 otherwise. Writes also need a role that may
  // write (403) and the session's token against cross-site request forgery in X-CSRF-Token (403).
  template <typename Handler>
  httplib::Server::Handler Authed(bool write, Handler handler) {
    return [this, write, handler](const httplib::Request& req, httplib::Response& res) {
      std::optional<Session> session = sessions.Find(SessionToken(req));
      if (!session) return Error(res, 401, "log in first");
      if (write) {
        if (!MayWrite(session->role))
          return Error(res, 403, fmt::format("a {} may not record data", ToString(session->role)));
        if (req.get_header_value("X-CSRF-Token") != session->csrf_token)
          return Error(res, 403, "missing or wrong X-CSRF-Token");
      }
      handler(req, res, *session);
    };
  }

  void Routes() {
    http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    // A client keeps its connection (httplib closes it after 5 requests by default, and the reconnections of
    // busy clients overflow the listen backlog: a dropped SYN costs a second).
    http.set_keep_alive_max_count(1000000);
    http.set_payload_max_length(kMaxBodyBytes);  // 413 beyond
    // Answers go out at once: without it, Nagle and delayed ACKs hold a response's last segment ~40 ms.
    http.set_tcp_nodelay(true);
    // The pages: the shell holds no patient data (that comes from the API after log-in). Scripts only from
    // this server and no inline script, so that text from the registry can never run as code.
    http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.has_header("Content-Security-Policy"))
        res.set_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "no-store");
    });
    auto asset = [this](const char* path, const char* content, const char* type) {
      http.Get(path, [content, type](const httplib::Request&, httplib::Response& res) {
        res.set_content(content, type);
      });
    };
    asset("/", detail::kIndexHtml, "text/html; charset=utf-8");
    asset("/app.js", detail::kAppJs, "application/javascript; charset=utf-8");
    asset("/app.css", detail::kAppCss, "text/css; charset=utf-8");
    http.Get("/api/health", [this](const httplib::Request&, httplib::Response& res) {
      if (Status current = KeepCurrent(); !current.ok()) return Fail(res, current);
      int schema_version = 0;
      {
        std::lock_guard lock(reader_mutex);
        schema_version = reader.SchemaVersion();
      }
      std::shared_lock lock(registry_mutex);
      Reply(res, 200,
            {{"status", "ok"},
             {"schema_version", schema_version},
             {"patients", kept.endpoints.size()},
             {"patients_to_correct", kept.worklist.ToCorrect().size()}});
    });
    http.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) { Login(req, res); });
    http.Post("/api/logout",
              Authed(false, [this](const httplib::Request& req, httplib::Response& res, const Session&) {
                sessions.Remove(SessionToken(req));
                res.set_header("Set-Cookie",
                               fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", kCookie,
                                           CookieSecure()));
                Reply(res, 200, {{"logged_out", true}});
              }));
    http.Get("/api/session",
             Authed(false, [](const httplib::Request&, httplib::Response& res, const Session& s) {
               Reply(res, 200, {{"user", s.user}, {"role", ToString(s.role)}, {"csrf_token", s.csrf_token}});
             }));
    // The registry's format, for the forms: every kind of row, its columns and what they may hold.
    http.Get("/api/format",
             Authed(false, [](const httplib::Request&, httplib::Response& res, const Session&) {
               Reply(res, 200, report::InterchangeFormatJson());
             }));
    http.Get("/api/worklist", Authed(false, [this](const httplib::Request& req, httplib::Response& res,
                                                   const Session&) { WorklistPage(req, res); }));
    http.Get(R"(/api/patients/([^/]+))",
             Authed(false, [this](const httplib::Request& req, httplib::Response& res, const Session&) {
               Patient(req.matches[1], res);
             }));
    http.Get(R"(/api/patients/([^/]+)/audit)",
             Authed(false, [this](const httplib::Request& req, httplib::Response& res, const Session&) {
               PatientAudit(req.matches[1], res);
             }));
    const std::string rows_path = R"(/api/patients/([^/]+)/(baselines|cycles|labs|responses|lesions|events))";
    http.Post(rows_path,
              Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                Write(std::string(req.matches[1]), WritableFiles().at(req.matches[2]), Change::kAdd, req, s,
                      res);
              }));
    http.Put(rows_path,
             Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
               Write(std::string(req.matches[1]), WritableFiles().at(req.matches[2]), Change::kReplace, req,
                     s, res);
             }));
    http.Patch(rows_path,
               Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                 Write(std::string(req.matches[1]), WritableFiles().at(req.matches[2]), Change::kChangeRows,
                       req, s, res);
               }));
    http.Delete(rows_path,
                Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                  Write(std::string(req.matches[1]), WritableFiles().at(req.matches[2]), Change::kRemove, req,
                        s, res);
                }));
    http.Post("/api/patients",
              Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                Write(std::nullopt, "patients.csv", Change::kNewPatient, req, s, res);
              }));
    http.Patch(R"(/api/patients/([^/]+))",
               Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                 Write(std::string(req.matches[1]), "patients.csv", Change::kPatchPatient, req, s, res);
               }));
    http.Delete(R"(/api/patients/([^/]+))",
                Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                  RemovePatient(req.matches[1], s, res);
                }));
    http.Post(R"(/api/patients/([^/]+)/rename)",
              Authed(true, [this](const httplib::Request& req, httplib::Response& res, const Session& s) {
                RenamePatient(req.matches[1], req, s, res);
              }));
    http.Get("/api/km",
             Authed(false, [this](const httplib::Request& req, httplib::Response& res, const Session&) {
               if (Status current = KeepCurrent(); !current.ok()) return Fail(res, current);
               SendCached(req, res, [&] { return KaplanMeier(req); });
             }));
    http.Get("/api/study", Authed(false, [this](const httplib::Request&, httplib::Response& res,
                                                const Session&) { StudyList(res); }));
    http.Get(R"(/api/study/([^/]+))",
             Authed(false, [this](const httplib::Request& req, httplib::Response& res, const Session&) {
               StudyFile(req.matches[1], res);
             }));
    // Every other /api/ path: 401 before log-in (nothing is revealed about which paths exist), 404 after.
    auto unknown = Authed(false, [](const httplib::Request&, httplib::Response& res, const Session&) {
      Error(res, 404, "no such API path");
    });
    http.Get(R"(/api/.*)", unknown);
    http.Post(R"(/api/.*)", unknown);
    http.Put(R"(/api/.*)", unknown);
    http.Patch(R"(/api/.*)", unknown);
    http.Delete(R"(/api/.*)", unknown);
  }

  void Login(const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("user") || !body.contains("password") ||
        !body["user"].is_string() || !body["password"].is_string()) {
      return Error(res, 400, "expected {\"user\": ..., \"password\": ...}");
    }
    const std::string user = body["user"], password = body["password"];
    // Wrong passwords slow the next attempts down (the Argon2id hash is slow as well).
    std::this_thread::sleep_for(throttle.DelayFor(user));
    std::optional<registry::UserRecord> record;
    {
      std::lock_guard lock(reader_mutex);
      Result<std::optional<registry::UserRecord>> found = reader.FindUser(user);
      if (!found.ok()) return Error(res, 500, found.status().message());
      record = *found;
    }
    const std::optional<Role> role = record ? ParseRole(record->role) : std::nullopt;
    if (!record || !role || !VerifyPassword(record->password_hash, password)) {
      throttle.Failed(user);
      return Error(res, 401, "wrong user name or password");
    }
    throttle.Succeeded(user);
    const std::string token = sessions.Create(user, *role);
    const std::optional<Session> session = sessions.Find(token);
    res.set_header("Set-Cookie",
                   fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict{}", kCookie, token, CookieSecure()));
    Reply(res, 200, {{"user", user}, {"role", ToString(*role)}, {"csrf_token", session->csrf_token}});
  }

  // GET /api/worklist[?filter=&q=&sort=&order=&offset=&limit=] (worklist.h).
  void WorklistPage(const httplib::Request& req, httplib::Response& res) {
    Result<WorklistQuery> query = ParseWorklistQuery(Parameters(req));
    if (!query.ok()) return Fail(res, query.status());
    if (Status s = KeepCurrent(); !s.ok()) return Fail(res, s);
    SendCached(req, res, [&]() -> Result<std::string> {
      return kept.worklist.Answer(*query, FormatDate(kept.worklist_day));
    });
  }

  void Patient(const std::string& id, httplib::Response& res) {
    std::lock_guard lock(reader_mutex);
    std::optional<json> timeline;
    std::optional<json> to_correct;
    Status read = reader.ForEachPatient(
        [&](const std::string&, const registry::Interchange& rows) -> Status {
          Result<registry::Timeline> t = registry::BuildTimeline(rows, id);
          if (!t.ok()) return t.status();
          timeline = report::TimelineJson(*t);
          Result<protocol::Plan> plan = protocol::PlanNextActions(rows, id, options.today(), protocol);
          if (plan.ok()) (*timeline)["plan"] = report::PlanJson(*plan, protocol);
          return Status();
        },
        id,
        [&](const std::string&, const registry::Interchange& rows, const std::vector<std::string>& problems) {
          to_correct = ToCorrectJson(id, rows, problems);
          return Status();
        });
    if (!read.ok()) return Error(res, 500, read.message());
    if (to_correct) return Reply(res, 409, *to_correct);
    if (!timeline) return Error(res, 404, registry::NoSuchPatient(id).message());
    Reply(res, 200, *timeline);
  }

  // GET /api/patients/{id}/audit: the patient's changes, oldest first (as `prrt audit --patient`).
  void PatientAudit(const std::string& id, httplib::Response& res) {
    std::lock_guard lock(reader_mutex);
    Result<bool> found = reader.HasPatient(id);
    if (!found.ok()) return Error(res, 500, found.status().message());
    if (!*found) return Error(res, 404, registry::NoSuchPatient(id).message());
    json entries = json::array();
    Status walked = reader.ForEachAuditEntry({id, std::nullopt}, [&entries](const registry::AuditEntry& e) {
      entries.push_back(report::AuditEntryJson(e));
      return Status();
    });
    if (!walked.ok()) return Error(res, 500, walked.message());
    Reply(res, 200, {{"patient_id", id}, {"entries", std::move(entries)}});
  }

  // How a write changes a patient's rows: a new row (POST), the row with the same key replaced (PUT), the
  // patient's own row changed field by field (PATCH, a JSON merge patch: a field given null or "" is
  // removed), the columns given set in the rows the query names (PATCH of a kind of rows: a scan's lesions
  // re-dated), the row of a key removed (DELETE), or a new patient registered (POST /api/patients).
  enum class Change { kAdd, kReplace, kPatchPatient, kChangeRows, kRemove, kNewPatient };

  // The columns a write gives, each with its value (nullopt: null or "", which a patch removes); values that
  // cannot be one are in `errors`.
  struct GivenColumns {
    std::map<std::string, std::optional<std::string>> values;
    std::optional<registry::RowValues> key;  // a correction's: the row it replaces, named in the query
    json errors = json::array();
  };

  // The body's columns (a JSON object; a number is taken as its text), or for a removal the query's (the key
  // of the row); a correction may name the row it replaces in the query (?date=...), its key then being
  // the body's, and a change of rows names them there. nullopt when the body is not a JSON object.
  static std::optional<GivenColumns> ReadGivenColumns(const httplib::Request& req, Change change) {
    GivenColumns given;
    auto give = [&](const std::string& column, std::string value) {
      given.values[column] = value.empty() ? std::nullopt : std::optional(std::move(value));
    };
    auto read_query = [&](const auto& take) {
      for (const auto& [column, value] : req.params) {
        if (IsUtf8Text(column) && IsUtf8Text(value)) {
          take(column, value);
        } else {
          given.errors.push_back(
              {{"field", nullptr},
               {"message", fmt::format("{}={}: expected UTF-8 text", ShowUtf8(column), ShowUtf8(value))}});
        }
      }
    };
    if (change == Change::kRemove) {
      read_query(give);
      return given;
    }
    if ((change == Change::kReplace || change == Change::kChangeRows) && !req.params.empty()) {
      given.key.emplace();
      read_query([&](const std::string& column, const std::string& value) { (*given.key)[column] = value; });
    }
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return std::nullopt;
    for (const auto& [column, value] : body.items()) {
      if (!value.is_null() && !value.is_string() && !value.is_number()) {
        given.errors.push_back({{"field", column}, {"message", "expected text or a number"}});
        continue;
      }
      give(column, value.is_null()     ? ""
                   : value.is_string() ? value.get<std::string>()
                                       : report::JsonText(value));
    }
    return given;
  }

  // The patient's rows a write changes: those stored (even when they fail the checks an import makes: the
  // write may correct them, and is refused otherwise); for a new patient none, or the rows stored under their
  // id without them (changed outside prrt), which registering them mends. kNotFound when there is no such
  // patient, kAlreadyExists when a new patient's id is registered already. Needs store_mutex.
  Result<registry::Interchange> RowsToChange(const std::string& id, Change change) {
    Result<std::optional<registry::Interchange>> rows = store.PatientRows(id);
    if (!rows.ok()) return rows.status();
    const bool registered = *rows && !(**rows).files.at("patients.csv").empty();
    if (change == Change::kNewPatient && registered)
      return AlreadyExists(fmt::format("found '{}'; it is the id of a patient registered already", id));
    // Rows stored under an id no patient has (changed with SQL outside prrt) may be removed.
    if (change != Change::kNewPatient && !registered && !(change == Change::kRemove && *rows))
      return registry::NoSuchPatient(id);
    return rows->value_or(registry::Interchange());
  }

  // A write: the row (or the patient's changes) is the request's body as a JSON object, column by column; the
  // key of a row to remove, or of the row a correction replaces when it changes the key, is in the query
  // (?date=...&test=...). The patient is the address's, or for a new patient the row's patient_id. Checked as
  // an import checks it, with the patient's other rows; stored with the user in the audit trail. 422 with
  // {"errors": [{"field", "message"}]} when anything is wrong, and nothing stored.
  void Write(const std::optional<std::string>& address_id, const std::string& file, Change change,
             const httplib::Request& req, const Session& session, httplib::Response& res) {
    if (address_id && !IsUtf8Text(*address_id))
      return Error(res, 404, registry::NoSuchPatient(*address_id).message());
    std::optional<GivenColumns> given = ReadGivenColumns(req, change);
    if (!given) return Error(res, 400, "expected a JSON object: one row, column by column");
    json& errors = given->errors;
    const auto named = given->values.find("patient_id");
    const std::optional<std::string> row_id = named == given->values.end() ? std::nullopt : named->second;
    if (!address_id && !row_id)
      errors.push_back({{"field", "patient_id"}, {"message", "missing; it is required"}});
    auto same_patient = [&](const std::optional<std::string>& given_id) {
      if (address_id && given_id && *given_id != *address_id) {
        errors.push_back({{"field", "patient_id"},
                          {"message", fmt::format("found '{}'; expected '{}' (the patient of the address)",
                                                  *given_id, *address_id)}});
      }
    };
    same_patient(row_id);
    if (given->key && given->key->count("patient_id")) same_patient(given->key->at("patient_id"));
    if (change == Change::kChangeRows) {
      if (!given->key || given->key->size() == given->key->count("patient_id")) {
        errors.push_back({{"field", nullptr},
                          {"message", "the query names no rows: give the values they hold (?date=...)"}});
      }
      for (const auto& [column, value] : given->values) {
        if (!value) errors.push_back({{"field", column}, {"message", "expected a value to set"}});
      }
    }
    if (!errors.empty()) return Reply(res, 422, {{"errors", errors}});
    const std::string id = address_id ? *address_id : *row_id;
    given->values["patient_id"] = id;
    if (given->key) (*given->key)["patient_id"] = id;

    std::unique_lock writing(store_mutex);
    Result<registry::Interchange> rows = RowsToChange(id, change);
    if (rows.status().code() == StatusCode::kAlreadyExists) {
      errors.push_back({{"field", "patient_id"}, {"message", rows.status().message()}});
      return Reply(res, 422, {{"errors", errors}});
    }
    if (!rows.ok()) return Fail(res, rows.status());
    registry::RowValues values;
    if (change == Change::kPatchPatient) {
      values = rows->files["patients.csv"].at(0).values;
      // The last contact of a patient who died is the date of death (the format's rule): a death recorded
      // without a last contact moves it there.
      const auto death = given->values.find("death_date");
      if (death != given->values.end() && death->second && registry::ParseDay(*death->second) &&
          !given->values.count("last_contact_date"))
        given->values["last_contact_date"] = death->second;
    }
    for (auto& [column, value] : given->values) {
      if (value) {
        values[column] = std::move(*value);
      } else {
        values.erase(column);
      }
    }
    if (change == Change::kAdd || change == Change::kReplace || change == Change::kChangeRows)
      AdvanceLastContact(*rows, values);
    registry::Problems problems;
    const bool adds = change == Change::kAdd || change == Change::kNewPatient;
    // A correction changes rows in place and says whose key it changed: the import updates those rows.
    std::vector<registry::KeyChange> key_changes;
    auto corrected = [&key_changes](Result<std::vector<registry::KeyChange>> made) {
      if (made.ok()) key_changes = std::move(*made);
      return made.status();
    };
    Status changed;
    if (adds) {
      changed = registry::AddRow(*rows, file, values, options.today(), problems);
    } else if (change == Change::kRemove) {
      changed = registry::RemoveRow(*rows, file, values, problems);
    } else if (change == Change::kChangeRows) {
      values.erase("patient_id");
      changed = corrected(registry::ChangeRows(*rows, file, *given->key, values, options.today(), problems));
    } else {
      changed = corrected(registry::ReplaceRow(*rows, file, values, options.today(), problems, given->key));
    }
    if (changed.code() == StatusCode::kNotFound) return Error(res, 404, changed.message());
    if (!changed.ok()) {
      for (const std::string& p : problems.messages)
        errors.push_back(FieldError(p, file));
      return Reply(res, 422, {{"errors", errors}});
    }
    Result<registry::ImportCounts> stored = store.ReplacePatientRows(id, *rows, session.user, key_changes);
    if (!stored.ok()) return Fail(res, stored.status());
    // The row is stored: what is kept in memory follows it as far as it can be derived (a patient corrected
    // a row at a time is to be corrected until the last).
    Result<PatientRead> patient = ReadPatient(id);
    std::unique_lock lock(registry_mutex);
    if (patient.ok()) Keep(id, std::move(*patient));
    AfterOwnWrite();
    Reply(res, adds ? 201 : 200,
          {{"patient_id", id},
           {"file", file},
           {"inserted", stored->inserted},
           {"updated", stored->updated},
           {"deleted", stored->deleted}});
  }

  // DELETE /api/patients/{id}: a patient registered by mistake, with nothing recorded but their own row
  // (Store::RemovePatient); 422 naming what is recorded otherwise.
  void RemovePatient(const std::string& id, const Session& session, httplib::Response& res) {
    if (!IsUtf8Text(id)) return Error(res, 404, registry::NoSuchPatient(id).message());
    std::unique_lock writing(store_mutex);
    const Status removed = store.RemovePatient(id, session.user);
    if (removed.code() == StatusCode::kFailedPrecondition) {
      return Reply(res, 422,
                   {{"errors", json::array({{{"field", nullptr}, {"message", removed.message()}}})}});
    }
    if (!removed.ok()) return Fail(res, removed);
    std::unique_lock lock(registry_mutex);
    kept.Forget(id);
    AfterOwnWrite();
    Reply(res, 200, {{"patient_id", id}, {"file", "patients.csv"}, {"deleted", 1}});
  }

  // POST /api/patients/{id}/rename {"patient_id": "..."}: a patient registered under a mistyped id given the
  // right one, every row of theirs (Store::RenamePatient); 422 with the error beside patient_id when the id
  // is empty, missing, not text or another patient's; 400 when the body is no JSON object.
  void RenamePatient(const std::string& id, const httplib::Request& req, const Session& session,
                     httplib::Response& res) {
    if (!IsUtf8Text(id)) return Error(res, 404, registry::NoSuchPatient(id).message());
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return Error(res, 400, R"(expected a JSON object: {"patient_id": the new id})");
    auto refuse = [&](const std::string& message) {
      Reply(res, 422, {{"errors", json::array({{{"field", "patient_id"}, {"message", message}}})}});
    };
    const auto given = body.find("patient_id");
    if (given == body.end() || given->is_null()) return refuse("missing; it is required");
    if (!given->is_string()) return refuse("expected text");
    const std::string new_id = given->get<std::string>();  // UTF-8, perhaps with a NUL the store refuses
    std::unique_lock writing(store_mutex);
    Result<int64_t> renamed = store.RenamePatient(id, new_id, session.user);
    if (renamed.status().code() == StatusCode::kNotFound) return Error(res, 404, renamed.status().message());
    if (renamed.status().code() == StatusCode::kAlreadyExists ||
        renamed.status().code() == StatusCode::kInvalidArgument)
      return refuse(renamed.status().message());
    if (!renamed.ok()) return Fail(res, renamed.status());
    // What is kept in memory follows: the patient forgotten under the old id, read again under the new.
    Result<PatientRead> patient = ReadPatient(new_id);
    std::unique_lock lock(registry_mutex);
    kept.Forget(id);
    if (patient.ok()) Keep(new_id, std::move(*patient));
    AfterOwnWrite();
    Reply(res, 200, {{"patient_id", new_id}, {"renamed_from", id}, {"rows", *renamed}});
  }

  // GET /api/km?endpoint=...&group=...[&cohort=a,b][&tumour=...][&grade=...]: the filters keep the patients
  // whose attribute is one of the values given. Needs the lock (shared).
  Result<std::string> KaplanMeier(const httplib::Request& req) const {
    std::vector<std::string> known = {"endpoint", "group"};
    known.insert(known.end(), kAttributes.begin(), kAttributes.end());
    if (Status s = KnownParameters(Parameters(req), known); !s.ok()) return s;
    const std::string endpoint = req.get_param_value("endpoint"), group_by = req.get_param_value("group");
    const int e = IndexOf(kEndpoints, endpoint), g = IndexOf(kAttributes, group_by);
    if (e < 0) return InvalidArgument("endpoint: expected os, pfs_i, pfs_r or pfs_rr");
    if (g < 0) return InvalidArgument("group: expected cohort, tumour or grade");
    std::vector<std::pair<size_t, std::vector<std::string>>> filters;
    json echo = json::object();
    for (size_t a = 0; a < kAttributes.size(); ++a) {
      std::vector<std::string> allowed = Allowed(req, kAttributes[a]);
      if (allowed.empty()) continue;
      for (const std::string& value : allowed) {
        if (!IsUtf8Text(value))
          return InvalidArgument(
              fmt::format("{}: found '{}'; expected UTF-8 text", kAttributes[a], ShowUtf8(value)));
      }
      echo[kAttributes[a]] = allowed;
      filters.emplace_back(a, std::move(allowed));
    }
    std::vector<double> months;
    std::vector<int8_t> events;
    std::vector<int32_t> group;
    std::vector<std::string> names;  // in the order first met; sorted below
    for (const CohortRow& row : kept.cohort) {
      if (std::isnan(row.months[e])) continue;
      const bool kept = std::all_of(filters.begin(), filters.end(), [&](const auto& filter) {
        return IndexOf(filter.second, row.attributes[filter.first]) >= 0;
      });
      if (!kept) continue;
      months.push_back(row.months[e]);
      events.push_back(row.event[e]);
      int label = IndexOf(names, row.attributes[g]);
      if (label < 0) {
        label = static_cast<int>(names.size());
        names.push_back(row.attributes[g]);
      }
      group.push_back(label);
    }
    if (months.empty()) return NotFound("no patient has this endpoint (with these filters)");
    // Groups in the order of their names.
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int32_t> rank(names.size());
    for (size_t n = 0; n < names.size(); ++n)
      rank[n] = IndexOf(sorted, names[n]);
    for (int32_t& label : group)
      label = rank[label];
    names = std::move(sorted);
    const stats::SurvivalData data{months, events, group};
    Result<std::vector<stats::KmCurve>> curves =
        stats::KaplanMeier(data, static_cast<int32_t>(names.size()), stats::KmOptions{});
    if (!curves.ok()) return curves.status();
    json groups = json::array();
    for (size_t g = 0; g < curves->size(); ++g) {
      const stats::KmCurve& c = (*curves)[g];
      const stats::QuantileEstimate median =
          stats::SurvivalQuantile(c, 0.5, stats::QuantileRule::kPrint, 0.95);
      groups.push_back({{"group", names[g]},
                        {"n", c.n},
                        {"events", c.events},
                        {"median", report::JsonNumber(median.estimate)},
                        {"median_lower", report::JsonNumber(median.lower)},
                        {"median_upper", report::JsonNumber(median.upper)},
                        {"table", report::KmTableJson(c)}});
    }
    json result = {{"endpoint", endpoint},       {"group", group_by},  {"filters", std::move(echo)},
                   {"conf_type", "log"},         {"conf_level", 0.95}, {"median_ci", "band"},
                   {"groups", std::move(groups)}};
    // Left out: nothing is derived of them until their rows are corrected.
    json& to_correct = result["patients_to_correct"] = json::array();
    for (const std::string& id : kept.worklist.ToCorrect())
      to_correct.push_back(ToCorrectId(id));
    if (names.size() >= 2) {
      Result<stats::LogrankResult> test =
          stats::LogRank(data, static_cast<int32_t>(names.size()), {}, 0, stats::LogrankOptions{});
      result["logrank"] =
          test.ok() ? json{{"chisq", test->chisq}, {"df", test->df}, {"p", report::JsonNumber(test->p)}}
                    : json(nullptr);
    }
    return report::JsonText(result);
  }
};

bool IsLoopbackAddress(const std::string& host) {
  return host.starts_with("127.") || host == "::1" || host == "localhost";
}

namespace {

// Plain HTTP, or HTTPS with the options' certificate (PEM, the chain after the server's own) and key.
Result<std::unique_ptr<httplib::Server>> HttpServer(const ServerOptions& options) {
  if (options.tls_cert.empty() != options.tls_key.empty())
    return InvalidArgument(
        "a TLS certificate needs its key, and a key its certificate: give both, or neither");
  if (options.tls_cert.empty()) return std::unique_ptr<httplib::Server>(std::make_unique<httplib::Server>());
  for (const std::string* file : {&options.tls_cert, &options.tls_key}) {
    if (!std::ifstream(*file)) return IoError(fmt::format("{}: cannot read the file", *file));
  }
  auto https = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
  if (!https->is_valid()) {
    return InvalidArgument(
        fmt::format("{} and {}: expected a PEM certificate and the PEM private key that belongs to it",
                    options.tls_cert, options.tls_key));
  }
  return std::unique_ptr<httplib::Server>(std::move(https));
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  const int busy_ms = static_cast<int>(options.registry_busy_wait.count());
  Result<registry::Store> store = registry::Store::Open(options.db, busy_ms);
  if (!store.ok()) return store.status();
  Result<registry::Store> reader = registry::Store::Open(options.db, busy_ms);
  if (!reader.ok()) return reader.status();
  Result<protocol::Protocol> protocol = protocol::DefaultProtocol();
  if (!protocol.ok()) return protocol.status();
  Result<std::unique_ptr<httplib::Server>> http = HttpServer(options);
  if (!http.ok()) return http.status();
  auto impl = std::make_unique<Impl>(options, std::move(*store), std::move(*reader), std::move(*protocol),
                                     std::move(*http));
  if (Status s = impl->Reload(options.today()); !s.ok()) return s;
  impl->Routes();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

std::vector<std::string> Server::Warnings() const {
  std::vector<std::string> warnings;
  if (impl_->options.tls_cert.empty() && !IsLoopbackAddress(impl_->options.host)) {
    warnings.push_back(
        "passwords and patient data cross the network unencrypted; serve HTTPS (--tls-cert and --tls-key) or "
        "behind a TLS proxy (docs/server.md)");
  }
  std::lock_guard lock(impl_->store_mutex);
  Result<std::vector<registry::UserRecord>> users = impl_->store.ListUsers();
  if (users.ok() && users->empty()) {
    warnings.push_back(
        fmt::format("nobody can log in yet: add a user, prrt user add --db {} --name NAME --role admin",
                    impl_->options.db));
  }
  return warnings;
}

Result<int> Server::Bind() {
  // httplib listens with a backlog of 5 (fixed in Debian's build): 50 clients connecting at once overflow it,
  // and each dropped connection waits a second for its retry. The socket is listened on again with the
  // system's limit once bound, before any connection is accepted.
  socket_t listening = -1;
  impl_->http.set_socket_options([&listening](socket_t sock) {
    // SO_REUSEADDR: a server restarted binds its port while the last one's connections wait out TIME_WAIT.
    // Not httplib's default SO_REUSEPORT, with which a second prrt serve on the port (another registry, say)
    // shared it, the system dealing the connections between the two: sessions lost, writes to either.
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listening = sock;
  });
  const int port =
      impl_->options.port == 0
          ? impl_->http.bind_to_any_port(impl_->options.host)
          : (impl_->http.bind_to_port(impl_->options.host, impl_->options.port) ? impl_->options.port : -1);
  if (port <= 0) {
    return IoError(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                               impl_->options.host, impl_->options.port));
  }
  ::listen(listening, SOMAXCONN);
  impl_->http.set_socket_options(httplib::default_socket_options);
  return port;
}

void Server::Listen() {
  impl_->http.listen_after_bind();
}

void Server::Stop() {
  impl_->http.stop();
}

}  // namespace prrt::server
