// The registry commands: validate, import, export, patient, and the protocol's eligibility and plan.
#include <fmt/format.h>

#include <pwd.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "cli/app.h"
#include "cli/command_support.h"
#include "cli/output.h"
#include "cli/registry_support.h"
#include "cli/study_support.h"
#include "prrt/clinical/ctcae.h"
#include "prrt/common/dates.h"
#include "prrt/common/parallel.h"
#include "prrt/common/utf8.h"
#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"
#include "prrt/registry/interchange.h"
#include "prrt/registry/store.h"
#include "prrt/registry/timeline.h"
#include "prrt/report/json.h"
#include "prrt/report/registry_json.h"

namespace prrt::cli {
namespace {

using nlohmann::json;

// The user for the audit trail: --user, else the operating-system account.
std::string AuditUser(const std::string& given) {
  if (!given.empty()) return given;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  if (const char* user = std::getenv("USER")) return user;
  return "unknown";
}

}  // namespace

Result<registry::Day> DateOption(const std::optional<std::string>& text, const char* option) {
  if (!text) return registry::Today();
  std::optional<registry::Day> day = registry::ParseDay(*text);
  if (!day) {
    return InvalidArgument(fmt::format("{}: '{}' is not {}", option, ShowUtf8(*text), ExpectedIsoDay(*text)));
  }
  return *day;
}

Result<registry::Store> OpenRegistry(const std::string& db) {
  if (!std::filesystem::exists(db)) return IoError(fmt::format("{}: no such registry file", db));
  return registry::Store::Open(db);
}

int RegistryParts() {
  return static_cast<int>(ThreadCount());
}

bool ReadsByPatient(const std::string& folder, bool by_patient) {
  // From this size on a folder's rows are not held at once (read whole, a folder takes 11 to 12 times its
  // size in memory).
  constexpr std::uintmax_t kByPatientFromBytes = 64u << 20;
  std::uintmax_t bytes = 0;
  for (const std::string& file : registry::InterchangeFiles()) {
    std::error_code ignored;
    const std::uintmax_t size = std::filesystem::file_size(std::filesystem::path(folder) / file, ignored);
    if (!ignored) bytes += size;
  }
  return by_patient || bytes >= kByPatientFromBytes;
}

Result<registry::Interchange> ReadFolder(const std::string& folder) {
  registry::Problems problems;
  return registry::ReadInterchange(folder, registry::Today(), problems);
}

namespace {

// Patients stored at a time by a streamed import.
constexpr int64_t kPatientsAPart = 5000;

// The rows of each file of a folder.
using RowCounts = std::map<std::string, size_t>;

// Checks a folder as an import does (holding one patient at a time where ReadByPatientOrWhole says so): the
// rows of each file.
Result<RowCounts> CheckFolder(CommandContext& context, const std::string& folder, registry::Day today,
                              bool by_patient) {
  return ReadByPatientOrWhole<RowCounts>(
      context, folder, by_patient,
      [&]() -> Result<RowCounts> {
        RowCounts rows;
        registry::Problems problems;
        Status read = registry::ReadInterchangeByPatient(
            folder, today, problems, [&rows](const std::string&, registry::Interchange& patient) {
              for (const auto& [file, patient_rows] : patient.files)
                rows[file] += patient_rows.size();
              return Status();
            });
        if (!read.ok()) return read;
        return rows;
      },
      [&]() -> Result<RowCounts> {
        registry::Problems problems;
        Result<registry::Interchange> data = registry::ReadInterchange(folder, today, problems);
        if (!data.ok()) return data.status();
        RowCounts rows;
        for (const auto& [file, file_rows] : data->files)
          rows[file] = file_rows.size();
        return rows;
      });
}

// Reads the folder patient by patient and stores it in parts, in one transaction. An OutOfOrder when its rows
// are not together by patient.
Result<registry::ImportCounts> ImportByPatient(const std::string& folder, const std::string& db,
                                               const std::string& user, registry::Day today,
                                               registry::ImportMode mode) {
  Result<registry::Store> store = registry::Store::Open(db);
  if (!store.ok()) return store.status();
  return store->ImportParts(
      [&](const std::function<Status(const registry::Interchange&)>& store_part) -> Status {
        registry::Interchange part;
        int64_t patients = 0;
        registry::Problems problems;
        Status read = registry::ReadInterchangeByPatient(
            folder, today, problems, [&](const std::string&, registry::Interchange& rows) -> Status {
              for (auto& [file, from] : rows.files)
                std::move(from.begin(), from.end(), std::back_inserter(part.files[file]));
              if (++patients < kPatientsAPart) return Status();
              Status stored = store_part(part);
              part = {};
              patients = 0;
              return stored;
            });
        if (!read.ok()) return read;
        return patients > 0 ? store_part(part) : Status();
      },
      user, mode);
}

// Reads the whole folder and stores it, in one transaction.
Result<registry::ImportCounts> ImportWhole(const std::string& folder, const std::string& db,
                                           const std::string& user, registry::Day today,
                                           registry::ImportMode mode) {
  registry::Problems problems;
  Result<registry::Interchange> data = registry::ReadInterchange(folder, today, problems);
  if (!data.ok()) return data.status();
  Result<registry::Store> store = registry::Store::Open(db);
  if (!store.ok()) return store.status();
  return store->Import(*data, user, {}, mode);
}

// The patients of the folder who lose rows by it, the most first (ten of them named): each is taken whole, so
// that a folder holding part of a patient's rows deletes the rest, which an import of a few rows did not
// mean.
std::string DeletedRows(const registry::ImportCounts& counts, bool dry_run) {
  std::vector<std::pair<std::string, int64_t>> patients(counts.deleted_by_patient.begin(),
                                                        counts.deleted_by_patient.end());
  std::stable_sort(patients.begin(), patients.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  constexpr size_t kNamed = 10;
  std::string named;
  int64_t others = 0;
  for (size_t i = 0; i < patients.size(); ++i) {
    if (i < kNamed) {
      named += fmt::format("{}{}{} of {}", i ? ", " : "", patients[i].second, i ? "" : " rows",
                           ShowUtf8(patients[i].first));
    } else {
      others += patients[i].second;
    }
  }
  if (patients.size() > kNamed)
    named += fmt::format(" and {} of {} more patients", others, patients.size() - kNamed);
  return fmt::format("{}: {} (the folder lacks them, and a patient in a folder is taken whole)\n",
                     dry_run ? "would delete" : "deleted", named);
}

}  // namespace

int ImportFolder(CommandContext& context, const std::string& folder, const std::string& db,
                 const std::string& user, registry::Day today, bool dry_run, bool by_patient) {
  constexpr std::string_view kDryRun = "no problems found; nothing stored (--dry-run)";
  if (dry_run && !std::filesystem::exists(db)) {  // a dry run creates no registry
    Result<RowCounts> checked = CheckFolder(context, folder, today, by_patient);
    if (!checked.ok()) return ReportError(context, checked.status());
    size_t rows = 0;
    for (const auto& [file, file_rows] : *checked)
      rows += file_rows;
    context.out << fmt::format(
        "{}: {}; {} does not exist: importing would create it with the folder's {} rows\n", folder, kDryRun,
        db, rows);
    return kExitOk;
  }
  const std::string audit_user = AuditUser(user);
  const registry::ImportMode mode = dry_run ? registry::ImportMode::kDryRun : registry::ImportMode::kStore;
  Result<registry::ImportCounts> counts = ReadByPatientOrWhole<registry::ImportCounts>(
      context, folder, by_patient, [&] { return ImportByPatient(folder, db, audit_user, today, mode); },
      [&] { return ImportWhole(folder, db, audit_user, today, mode); });
  if (!counts.ok()) return ReportError(context, counts.status());
  if (dry_run) {
    context.out << fmt::format("{}: {}; importing it into {} would {}\n", folder, kDryRun, db,
                               counts->changed()
                                   ? fmt::format("insert {} rows, update {} and delete {}", counts->inserted,
                                                 counts->updated, counts->deleted)
                                   : std::string("change nothing: the registry already holds this folder"));
  } else if (!counts->changed()) {
    context.out << fmt::format("{}: nothing changed; the registry already holds this folder\n", db);
  } else {
    context.out << fmt::format("{}: {} rows inserted, {} updated, {} deleted ({} audit entries)\n", db,
                               counts->inserted, counts->updated, counts->deleted, counts->audit_entries);
  }
  if (counts->deleted > 0) context.out << DeletedRows(*counts, dry_run);
  return kExitOk;
}

namespace {

struct ImportArgs {
  std::string db = "prrt.db";
  std::string folder;
  std::string user;
  std::optional<std::string> today;
  bool dry_run = false;
  bool by_patient = false;
};

void AddImport(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ImportArgs>();
  auto* command =
      app.add_subcommand("import", "bring a folder of registry CSV files into the registry, all or nothing");
  command->add_option("--db", args->db, "the registry file (default prrt.db)");
  command->add_option("--from", args->folder, "the folder of interchange CSV files")->required();
  command->add_option("--user", args->user, "who is importing, for the audit trail (default: the OS account)")
      ->check(NotEmpty("who, for the audit trail"));
  command->add_option("--today", args->today,
                      "the date after which dates count as in the future (default: today)");
  command->add_flag(
      "--dry-run", args->dry_run,
      "check the folder and say what importing it would insert, update and delete; store nothing");
  command->add_flag(
      "--by-patient", args->by_patient,
      "read the folder patient by patient, holding one at a time (the default from 64 MB on; "
      "needs each file's rows together by patient, in the order of patients.csv, as prrt export "
      "writes them, and reads the folder whole otherwise)");
  OnRun(command, context, [&context, args]() -> int {
    Result<registry::Day> today = DateOption(args->today);
    if (!today.ok()) return ReportError(context, today.status());
    return ImportFolder(context, args->folder, args->db, args->user, *today, args->dry_run, args->by_patient);
  });
}

void AddBackup(CLI::App& app, CommandContext& context) {
  auto db = std::make_shared<std::string>("prrt.db");
  auto to = std::make_shared<std::string>();
  auto* command = app.add_subcommand(
      "backup", "copy the registry into a new file, as it is at one moment, while it is in use (the server)");
  command->add_option("--db", *db, "the registry file (default prrt.db)");
  command->add_option("--to", *to, "the new file (an existing file is not overwritten)")->required();
  OnRun(command, context, [&context, db, to]() -> int {
    Result<registry::Store> store = OpenRegistry(*db);
    if (!store.ok()) return ReportError(context, store.status());
    if (Status copied = store->Backup(*to); !copied.ok()) return ReportError(context, copied);
    // The copy opened and counted: a backup that cannot be read back is said now, not on the day it is
    // needed.
    Result<registry::Store> copy = registry::Store::Open(*to);
    if (!copy.ok()) return ReportError(context, copy.status());
    Result<int64_t> patients = copy->PatientCount();
    if (!patients.ok()) return ReportError(context, patients.status());
    Result<int64_t> audit = copy->AuditCount();
    if (!audit.ok()) return ReportError(context, audit.status());
    context.out << fmt::format("{}: a copy of {} ({} patients, {} audit entries)\n", *to, *db, *patients,
                               *audit);
    return kExitOk;
  });
}

void AddExport(CLI::App& app, CommandContext& context) {
  auto db = std::make_shared<std::string>("prrt.db");
  auto to = std::make_shared<std::string>();
  auto adtte = std::make_shared<bool>(false);
  auto patients = std::make_shared<std::vector<std::string>>();
  auto* command = app.add_subcommand(
      "export", "write the registry as a folder of interchange CSV files, or its endpoints as ADaM ADTTE");
  command->add_option("--db", *db, "the registry file (default prrt.db)");
  command->add_option("--to", *to, "the folder to write (with --adtte: the CSV file)")->required();
  auto* adtte_flag = command->add_flag(
      "--adtte", *adtte,
      "write the derived time-to-event endpoints (OS, PFS of each phase) as a CDISC ADaM ADTTE "
      "CSV file instead");
  command
      ->add_option(
          "--patient", *patients,
          "only these patients' rows (--patient P001 P002, or the option again): a folder to edit and "
          "import back, each patient in it taken whole")
      ->excludes(adtte_flag);
  OnRun(command, context, [&context, db, to, adtte, patients]() -> int {
    if (*adtte) return ExportAdtte(context, *db, *to);
    Result<registry::Store> store = OpenRegistry(*db);
    if (!store.ok()) return ReportError(context, store.status());
    std::vector<std::string> distinct;  // a patient given twice is exported once
    for (const std::string& id : *patients)
      if (std::find(distinct.begin(), distinct.end(), id) == distinct.end()) distinct.push_back(id);
    *patients = std::move(distinct);
    Status written = store->Export(*to, *patients);
    if (!written.ok()) return ReportError(context, written);
    context.out << fmt::format(
        "{}: written{}\n", *to,
        patients->empty() ? "" : fmt::format(" ({} patients' rows)", patients->size()));
    return kExitOk;
  });
}

// A patient's timeline as text: the phases (with their work-ups, cycles and progression), OS, then the
// responses, events, lesion measurements and labs, each in date order. Months with one decimal, as the study
// reports them. The values as ShowUtf8 shows them: a note typed over several lines stays on its row's line.
void PrintTimeline(std::ostream& out, const registry::Timeline& t) {
  const registry::Row& patient = *t.patient;
  auto column = [](const registry::Row& row, const char* name) -> std::string {
    const std::string* value = row.get(name);
    return value ? ShowUtf8(*value) : "";
  };
  out << fmt::format("{} ({}, born {}, {} NET)\n", column(patient, "patient_id"), column(patient, "sex"),
                     column(patient, "birth_date"), column(patient, "primary_site"));
  for (const registry::TimelinePhase& p : t.phases) {
    out << fmt::format(
        "  {}-PRRT from {}: {} cycles, {} GBq; best response {}; PFS {:.1f} months{}\n", p.phase, p.start,
        p.cycles.size(), FormatNumber(p.activity_gbq),
        p.best_response.value_or("none") + (p.best_response_computed ? " (from lesion measurements)"
                                            : p.clinical_pd          ? " (a clinical progression)"
                                                                     : ""),
        p.pfs_months,
        p.progression_date ? fmt::format(" (progression {}, {})", *p.progression_date, *p.progression_method)
        : p.pfs_event      ? " (death)"
                           : " (censored)");
    std::vector<std::string> cycles;
    for (const registry::TimelineCycle& c : p.cycles)
      cycles.push_back(fmt::format("{} {} GBq", c.date, FormatNumber(c.activity_gbq)));
    out << fmt::format("    cycles: {}\n", fmt::join(cycles, ", "));
  }
  const std::string* death = patient.get("death_date");
  out << fmt::format("  cumulative activity {} GBq; OS {}\n", FormatNumber(t.cumulative_activity_gbq),
                     !t.os_months ? std::string("none (no cycle)")
                     : death      ? fmt::format("{:.1f} months (died {})", *t.os_months, *death)
                             : fmt::format("{:.1f} months (censored at the last contact {})", *t.os_months,
                                           column(patient, "last_contact_date")));
  // Each section: its heading and a line a row, or nothing when there is no row.
  auto section = [&out](const char* heading, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    out << "  " << heading << ":\n";
    for (const std::string& line : lines)
      out << "    " << line << '\n';
  };
  auto with_note = [&](const registry::Row& row, std::string text) {
    const std::string note = column(row, "x_note");
    return note.empty() ? text : fmt::format("{} — {}", text, note);
  };
  std::vector<std::string> lines;
  for (const registry::Row* w : t.work_ups) {
    std::vector<std::string> found;
    for (const auto& [name, label] : {std::pair{"krenning_score", "Krenning score"},
                                      {"karnofsky", "Karnofsky"},
                                      {"extent", "extent"},
                                      {"progression", "progression by"}}) {
      if (w->get(name)) found.push_back(fmt::format("{} {}", label, *w->get(name)));
    }
    lines.push_back(
        fmt::format("{}-PRRT {}: {}", column(*w, "phase"), column(*w, "date"), fmt::join(found, ", ")));
  }
  section("work-ups", lines);
  lines.clear();
  for (const registry::Row* r : t.responses)
    lines.push_back(with_note(
        *r, fmt::format("{} {} ({})", column(*r, "date"), column(*r, "response"), column(*r, "method"))));
  section("responses", lines);
  lines.clear();
  for (const registry::Row* e : t.events) {
    const std::string method = column(*e, "method");
    lines.push_back(with_note(*e, fmt::format("{} {}{}", column(*e, "date"), column(*e, "event"),
                                              method.empty() ? "" : " (" + method + ")")));
  }
  section("events", lines);
  lines.clear();
  for (const registry::Row* l : t.lesions) {
    const std::string diameter = column(*l, "diameter_mm"), status = column(*l, "status");
    lines.push_back(fmt::format("{} {} ({}{}) {}{}{}", column(*l, "date"), column(*l, "lesion_id"),
                                column(*l, "organ"), column(*l, "lymph_node") == "yes" ? ", nodal" : "",
                                column(*l, "role"), diameter.empty() ? "" : " " + diameter + " mm",
                                status.empty() ? "" : " " + status));
  }
  section("lesion measurements", lines);
  lines.clear();
  for (const registry::TimelineLab& l : t.labs) {
    lines.push_back(fmt::format("{} {} {} {}: CTCAE grade {}", l.date, l.test, FormatNumber(l.value),
                                ShowUtf8(l.unit),
                                l.ctcae_grade ? std::to_string(*l.ctcae_grade) : "- (" + l.ctcae_note + ")"));
  }
  section("labs", lines);
}

// Calls `visit` with the rows of the patient `patient_id` (read by their id, not the whole registry);
// NotFound when there is none.
Status WithPatient(const registry::Store& store, const std::string& patient_id,
                   const std::function<Status(const registry::Interchange&)>& visit) {
  bool found = false;
  Status s = store.ForEachPatient(
      [&](const std::string&, const registry::Interchange& rows) {
        found = true;
        return visit(rows);
      },
      patient_id);
  if (!s.ok()) return s;
  if (!found) return registry::NoSuchPatient(patient_id);
  return Status();
}

void AddPatient(CLI::App& app, CommandContext& context) {
  auto db = std::make_shared<std::string>("prrt.db");
  auto id = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto* command =
      app.add_subcommand("patient",
                         "one patient's timeline: phases, cycles, progression, PFS of each "
                         "phase, OS; work-ups, responses, events, lesions, labs with CTCAE grades");
  command->add_option("--db", *db, "the registry file (default prrt.db)");
  command->add_option("id", *id, "the patient_id")->required();
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, db, id, as_json]() -> int {
    Result<registry::Store> store = OpenRegistry(*db);
    if (!store.ok()) return ReportError(context, store.status());
    Status shown = WithPatient(*store, *id, [&](const registry::Interchange& rows) {
      Result<registry::Timeline> t = registry::BuildTimeline(rows, *id);
      if (!t.ok()) return t.status();
      if (*as_json) {
        context.out << report::JsonText(report::TimelineJson(*t), 2) << '\n';
      } else {
        PrintTimeline(context.out, *t);
      }
      return Status();
    });
    if (!shown.ok()) return ReportError(context, shown);
    return kExitOk;
  });
}

Result<protocol::Protocol> LoadProtocol(const std::string& path) {
  if (path.empty()) return protocol::DefaultProtocol();
  Result<std::string> text = ReadTextFile(path, "protocol file");
  if (!text.ok()) return text.status();
  return protocol::ParseProtocol(*text, path);
}

// The options every protocol command has.
struct ProtocolArgs {
  std::string db = "prrt.db";
  std::optional<std::string> patient;  // given, even as '', means that patient alone
  std::optional<std::string> as_of;
  std::string protocol_file;
  bool as_json = false;
};

// Adds the options; returns --patient, which some commands require.
CLI::Option* AddProtocolOptions(CLI::App* command, ProtocolArgs& args, const char* patient_help) {
  command->add_option("--db", args.db, "the registry file (default prrt.db)");
  CLI::Option* patient = command->add_option("--patient", args.patient, patient_help);
  command->add_option("--as-of", args.as_of,
                      "assess on this date, ignoring everything dated after it (default: today)");
  command
      ->add_option("--protocol", args.protocol_file,
                   "a protocol TOML file over the built-in reference profile")
      ->check(NotEmpty("a protocol TOML file"));
  command->add_flag("--json", args.as_json, "print JSON");
  return patient;
}

// What the protocol commands read: the date, the protocol and the registry.
struct ProtocolInputs {
  registry::Day as_of = 0;
  protocol::Protocol protocol;
  registry::Store store;
};

Result<ProtocolInputs> LoadProtocolInputs(const ProtocolArgs& args) {
  Result<registry::Day> day = DateOption(args.as_of, "--as-of");
  if (!day.ok()) return day.status();
  Result<protocol::Protocol> rules = LoadProtocol(args.protocol_file);
  if (!rules.ok()) return rules.status();
  Result<registry::Store> store = OpenRegistry(args.db);
  if (!store.ok()) return store.status();
  return ProtocolInputs{*day, std::move(*rules), std::move(*store)};
}

// Writes `text` of each patient (or of the one asked for) to `out` in patient_id order, `open` before the
// first and `separator` between them; returns how many. All patients are worked on in parts, one a core: the
// first part's texts are written as they come, the others' once every part is done.
Result<int64_t> WriteEachPatient(
    ProtocolInputs& in, const ProtocolArgs& args, std::ostream& out, const std::string& open,
    const std::string& separator,
    const std::function<std::string(const std::string&, const registry::Interchange&)>& text) {
  if (args.patient) {
    int64_t written = 0;
    Status s = WithPatient(in.store, *args.patient, [&](const registry::Interchange& rows) {
      out << open << text(*args.patient, rows);
      ++written;
      return Status();
    });
    if (!s.ok()) return s;
    return written;
  }
  const int parts = RegistryParts();
  std::vector<std::string> later(static_cast<size_t>(parts));
  std::vector<int64_t> written(static_cast<size_t>(parts), 0);
  Status s = registry::Store::ForEachPatientInParallel(
      args.db, parts,
      [&](const registry::PatientPart& part, const std::string& id, const registry::Interchange& rows) {
        const size_t k = static_cast<size_t>(part.number);
        const std::string& before = part.first_index + written[k]++ == 0 ? open : separator;
        if (k == 0) {
          out << before << text(id, rows);
        } else {
          later[k] += before;
          later[k] += text(id, rows);
        }
        return Status();
      });
  if (!s.ok()) return s;
  for (const std::string& part : later)
    out << part;
  int64_t total = 0;
  for (int64_t n : written)
    total += n;
  return total;
}

void AddPlan(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ProtocolArgs>();
  auto* command = app.add_subcommand(
      "plan",
      "a patient's next actions: the next cycle and its activity, blood tests and scans due or overdue");
  AddProtocolOptions(command, *args, "the patient")->required();
  OnRun(command, context, [&context, args]() -> int {
    Result<ProtocolInputs> in = LoadProtocolInputs(*args);
    if (!in.ok()) return ReportError(context, in.status());
    Result<protocol::Plan> plan = NotFound("");
    Status read = WithPatient(in->store, *args->patient, [&](const registry::Interchange& rows) {
      plan = protocol::PlanNextActions(rows, *args->patient, in->as_of, in->protocol);
      return plan.status();
    });
    if (!read.ok()) return ReportError(context, read);
    const json result = report::PlanJson(*plan, in->protocol);
    if (args->as_json) {
      context.out << report::JsonText(result, 2) << '\n';
      return kExitOk;
    }
    context.out << fmt::format("{} on {}: {}{}\n", ShowUtf8(plan->patient_id), plan->as_of,
                               plan->phase ? fmt::format("{}-PRRT {} ({} of {} cycles, {:g} GBq in all)",
                                                         *plan->phase, plan->phase_status, plan->cycles_given,
                                                         plan->cycles_intended, plan->cumulative_activity_gbq)
                                           : "no PRRT yet",
                               plan->stop_reason ? ": " + *plan->stop_reason : "");
    if (plan->actions.empty()) context.out << "  nothing planned\n";
    for (const protocol::PlannedAction& a : plan->actions) {
      const std::string window =
          a.window_start == a.window_end ? a.window_start : a.window_start + " to " + a.window_end;
      context.out << fmt::format("  {:<8} {} {} #{} {}{}: {}\n", a.status, a.phase, a.action, a.number,
                                 window, a.activity_gbq ? fmt::format(", {:g} GBq", *a.activity_gbq) : "",
                                 a.reason);
    }
    return kExitOk;
  });
}

void AddEligibility(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ProtocolArgs>();
  auto* command = app.add_subcommand("eligibility", "who may have the next phase (I, R or RR), and why not");
  AddProtocolOptions(command, *args, "one patient (default: all)");
  OnRun(command, context, [&context, args]() -> int {
    Result<ProtocolInputs> in = LoadProtocolInputs(*args);
    if (!in.ok()) return ReportError(context, in.status());
    // Patient by patient (a registry of 100,000 patients need not be one document in memory), on every core.
    auto text = [&](const std::string& id, const registry::Interchange& rows) {
      protocol::Eligibility e = protocol::AssessEligibility(rows, id, in->as_of, in->protocol);
      if (args->as_json) return report::JsonText(report::EligibilityJson(e));
      const std::string unmet = protocol::UnmetText(e);
      return fmt::format("{}: next {}: {}{}", ShowUtf8(id), e.next_phase.value_or("none"),
                         e.eligible ? "eligible" : "not eligible", unmet.empty() ? "" : ": " + unmet);
    };
    Result<int64_t> written = WriteEachPatient(*in, *args, context.out, args->as_json ? "[\n" : "",
                                               args->as_json ? ",\n" : "\n", text);
    if (!written.ok()) return ReportError(context, written.status());
    if (args->as_json) context.out << (*written == 0 ? "[]\n" : "\n]\n");
    if (!args->as_json && *written > 0) context.out << '\n';
    return kExitOk;
  });
}

// An entry of the audit trail as a line: when, who, what, which row, and for a change from what to what (a
// value's newlines and other control characters escaped: an entry is one line).
std::string AuditLine(const registry::AuditEntry& e) {
  std::string line =
      fmt::format("{} {} {} {} {}", e.time, ShowUtf8(e.user), e.action, e.table, ShowUtf8(e.row_key));
  if (e.column) {
    auto shown = [](const std::optional<std::string>& v) {
      return v ? fmt::format("'{}'", ShowUtf8(*v)) : "(none)";
    };
    line += fmt::format(" {}: {} -> {}", *e.column, shown(e.old_value), shown(e.new_value));
  }
  return line;
}

void AddAudit(CLI::App& app, CommandContext& context) {
  auto db = std::make_shared<std::string>("prrt.db");
  auto patient = std::make_shared<std::optional<std::string>>();
  auto since = std::make_shared<std::optional<std::string>>();
  auto as_json = std::make_shared<bool>(false);
  auto* command = app.add_subcommand(
      "audit", "the audit trail: every change to the registry, who made it and when (oldest first)");
  command->add_option("--db", *db, "the registry file (default prrt.db)");
  command->add_option("--patient", *patient, "one patient's changes only");
  command->add_option("--since", *since, "changes on or after this date (YYYY-MM-DD, UTC) only");
  command->add_flag("--json", *as_json, "print JSON");
  OnRun(command, context, [&context, db, patient, since, as_json]() -> int {
    registry::AuditQuery query;
    if (*since) {
      if (Result<registry::Day> day = DateOption(*since, "--since"); !day.ok())
        return ReportError(context, day.status());
      query.since = **since;
    }
    Result<registry::Store> store = OpenRegistry(*db);
    if (!store.ok()) return ReportError(context, store.status());
    // One patient's trail (small) is kept until it is known whether there is such a patient: one registered
    // now, or one removed, whose trail stays. The whole trail is written as it is read.
    bool registered = true;
    std::ostringstream patients_trail;
    std::ostream& out = *patient ? patients_trail : context.out;
    if (*patient) {
      Result<bool> found = store->HasPatient(**patient);
      if (!found.ok()) return ReportError(context, found.status());
      registered = *found;
      query.patient_id = *patient;
    }
    int64_t written = 0;
    if (*as_json) out << "[";
    Status walked = store->ForEachAuditEntry(query, [&](const registry::AuditEntry& entry) {
      if (*as_json) {
        out << (written == 0 ? "\n" : ",\n") << report::JsonText(report::AuditEntryJson(entry));
      } else {
        out << AuditLine(entry) << '\n';
      }
      ++written;
      return Status();
    });
    if (!walked.ok()) return ReportError(context, walked);
    if (!registered && written == 0) return ReportError(context, registry::NoSuchPatient(**patient));
    if (*as_json) out << (written == 0 ? "]\n" : "\n]\n");
    if (*patient) context.out << patients_trail.str();
    return kExitOk;
  });
}

// A patient registered under a mistyped id given the right one, every row of theirs with it.
void AddRenamePatient(CLI::App& app, CommandContext& context) {
  struct Args {
    std::string db = "prrt.db";
    std::string old_id, new_id, user;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand(
      "rename-patient", "give a patient registered under a mistyped id the right one (every row of theirs)");
  command->add_option("--db", args->db, "the registry file (default prrt.db)");
  command->add_option("patient", args->old_id, "the patient's id now")->required();
  command->add_option("new_id", args->new_id, "the id they should have")->required();
  command->add_option("--user", args->user, "who is renaming, for the audit trail (default: the OS account)")
      ->check(NotEmpty("who, for the audit trail"));
  OnRun(command, context, [&context, args]() -> int {
    Result<registry::Store> store = OpenRegistry(args->db);
    if (!store.ok()) return ReportError(context, store.status());
    Result<int64_t> rows = store->RenamePatient(args->old_id, args->new_id, AuditUser(args->user));
    if (!rows.ok()) return ReportError(context, rows.status());
    context.out << fmt::format("{}: patient '{}' is now '{}' ({} rows)\n", args->db, ShowUtf8(args->old_id),
                               args->new_id, *rows);
    return kExitOk;
  });
}

// A folder's problems, as `prrt validate --json` gives them: each line of the report ("file:line: column:
// message", the line and the column where the problem has them) split into its parts, for a program to show
// each beside its field; the report's last line when it stopped at its limit as "more_problems".
json ProblemsJson(const std::string& report) {
  // A column is a name as the format writes them; "column 1: found a name that is not UTF-8" keeps its
  // words in the message.
  static const std::regex kProblem(R"(^(.+?\.csv)(?::([0-9]+))?: (?:([A-Za-z0-9_]+): )?(.*)$)");
  json problems = json::array();
  bool more = false;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    std::smatch parts;
    if (line.starts_with("(more problems not shown")) {
      more = true;
    } else if (std::regex_match(line, parts, kProblem)) {
      problems.push_back({{"file", parts[1].str()},
                          {"line", parts[2].matched ? json(std::stoll(parts[2].str())) : json()},
                          {"column", parts[3].matched ? json(parts[3].str()) : json()},
                          {"message", parts[4].str()}});
    } else {
      problems.push_back({{"file", nullptr}, {"line", nullptr}, {"column", nullptr}, {"message", line}});
    }
  }
  return {{"valid", false}, {"problems", problems}, {"more_problems", more}};
}

// The problems of a registry's patients: each with its patient's id, the first kLimit of them.
struct PatientProblems {
  static constexpr size_t kLimit = 100;
  std::vector<std::pair<std::string, std::string>> found;  // patient_id, problem
  bool more = false;
};

// The rows of each file of a registry whose every patient passes the checks an import makes; otherwise a
// FailedPrecondition naming every patient that does not, a line for each problem ("patient 'ID': problem"),
// which are in `problems` too.
Result<RowCounts> CheckRegistry(const std::string& db, PatientProblems& problems) {
  Result<registry::Store> store = OpenRegistry(db);
  if (!store.ok()) return store.status();
  RowCounts rows;
  size_t patients = 0, to_correct = 0;
  Status walked = store->ForEachPatient(
      [&](const std::string&, const registry::Interchange& one) {
        ++patients;
        for (const auto& [file, file_rows] : one.files)
          rows[file] += file_rows.size();
        return Status();
      },
      std::nullopt,
      [&](const std::string& id, const registry::Interchange& one, const std::vector<std::string>& found) {
        patients += one.files.at("patients.csv").size();  // none for rows whose patient is not registered
        ++to_correct;
        for (const std::string& line : found) {
          if (problems.found.size() == PatientProblems::kLimit) {
            problems.more = true;
            break;
          }
          problems.found.emplace_back(id, line);
        }
        return Status();
      });
  if (!walked.ok()) return walked;
  if (to_correct == 0) return rows;
  std::string message = fmt::format(
      "{}: rows prrt would not import under {} patient_id{} ({} patients registered; changed outside prrt? "
      "`prrt audit --patient` says):",
      db, to_correct, to_correct == 1 ? "" : "s", patients);
  for (const auto& [id, problem] : problems.found)
    message += id.empty() ? fmt::format("\nno patient_id: {}", problem)
                          : fmt::format("\npatient '{}': {}", ShowUtf8(id), problem);
  if (problems.more)
    message += fmt::format("\n(more problems not shown; the first {} are above)", PatientProblems::kLimit);
  return FailedPrecondition(message);
}

void AddValidate(CLI::App& app, CommandContext& context) {
  struct ValidateArgs {
    std::string folder, db;
    std::optional<std::string> today;
    bool as_json = false, by_patient = false;
  };
  auto args = std::make_shared<ValidateArgs>();
  auto* command = app.add_subcommand("validate",
                                     "check a folder of registry CSV files (the interchange format), or a "
                                     "registry, and report every problem");
  auto* from = command->add_option("--from", args->folder,
                                   "the folder: patients.csv, cycles.csv, events.csv and the optional files");
  command
      ->add_option(
          "--db", args->db,
          "a registry instead: every patient's rows as stored, checked as an import checks them (rows "
          "changed with SQL outside prrt)")
      ->excludes(from);
  command->add_option("--today", args->today,
                      "the date after which dates count as in the future (default: today)");
  command->add_flag("--json", args->as_json,
                    "print JSON: {\"valid\", \"rows\"} of each file, or {\"valid\": false, \"problems\": "
                    "[{\"file\", \"line\", \"column\", \"message\"}], \"more_problems\"}");
  command->add_flag("--by-patient", args->by_patient,
                    "read the folder patient by patient, as prrt import does (the default from 64 MB on)");
  OnRun(command, context, [&context, args]() -> int {
    if (args->folder.empty() && args->db.empty())
      return ReportError(context,
                         InvalidArgument("give --from FOLDER (CSV files) or --db FILE (a registry)"));
    Result<registry::Day> today = DateOption(args->today);
    if (!today.ok()) return ReportError(context, today.status());
    PatientProblems registry_problems;
    Result<RowCounts> rows = args->db.empty() ? CheckFolder(context, args->folder, *today, args->by_patient)
                                              : CheckRegistry(args->db, registry_problems);
    if (!rows.ok() && args->as_json && rows.status().code() == StatusCode::kInvalidArgument)
      context.out << report::JsonText(ProblemsJson(rows.status().message()), 2) << '\n';
    if (!rows.ok() && args->as_json && !registry_problems.found.empty()) {
      json problems = json::array();
      for (const auto& [id, problem] : registry_problems.found)
        problems.push_back({{"patient_id", id.empty() ? json() : json(id)}, {"message", problem}});
      context.out << report::JsonText(json({{"valid", false},
                                            {"problems", std::move(problems)},
                                            {"more_problems", registry_problems.more}}),
                                      2)
                  << '\n';
    }
    if (!rows.ok()) return ReportError(context, rows.status());
    json counts = json::object();
    for (const std::string& file : registry::InterchangeFiles())
      counts[file] = (*rows)[file];
    if (args->as_json) {
      context.out << report::JsonText(json({{"valid", true}, {"rows", counts}}), 2) << '\n';
    } else {
      context.out << fmt::format("{}: no problems found", args->db.empty() ? args->folder : args->db);
      for (const auto& [file, n] : counts.items())
        context.out << fmt::format("; {} {}", file, n.get<size_t>());
      context.out << '\n';
    }
    return kExitOk;
  });
}

}  // namespace

void AddRegistryCommands(CLI::App& app, CommandContext& context) {
  AddEligibility(app, context);
  AddAudit(app, context);
  AddPlan(app, context);
  AddPatient(app, context);
  AddImport(app, context);
  AddRenamePatient(app, context);
  AddExport(app, context);
  AddBackup(app, context);
  AddValidate(app, context);
}

}  // namespace prrt::cli
