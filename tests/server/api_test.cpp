// The server's JSON API against a registry of three patients (tests/data/registry_example), in-process on a
// free loopback port: log-in, roles, the CSRF token, the timeline and plan, recording rows with the import's
// checks, Kaplan–Meier, and hostile input.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <fmt/format.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "prrt/common/dates.h"
#include "prrt/registry/store.h"
#include "prrt/report/registry_json.h"
#include "prrt/server/auth.h"
#include "prrt/server/server.h"
#include "support/json_match.h"
#include "support/scenario.h"
#include "support/scoped_env.h"

namespace prrt::server {
namespace {

using nlohmann::json;

class Api : public ::testing::Test {
 protected:
  // The registry the server opens: the three patients of tests/data/registry_example.
  virtual std::vector<std::string> Populate() {
    return {"import", "--db", db_, "--from", "tests/data/registry_example"};
  }

  // SQL run on the registry after Populate, before the server opens it: what another tool wrote.
  virtual std::string Edit() { return ""; }

  // HTTPS with the test certificate (tests/data/tls: self-signed for localhost and 127.0.0.1).
  virtual bool Https() { return false; }

  void SetUp() override {
    db_ = (dir_.path / "r.db").string();
    std::string out, err;
    ASSERT_EQ(testing::RunPrrt(Populate(), out, err), 0) << err;
    if (const std::string sql = Edit(); !sql.empty()) {
      ASSERT_TRUE(testing::ExecSql(db_, sql));
    }
    {
      Result<registry::Store> store = registry::Store::Open(db_);
      ASSERT_TRUE(store.ok());
      for (const auto& [name, role] : {std::pair{"ana", "clinician"}, std::pair{"vic", "viewer"}}) {
        ASSERT_TRUE(store->PutUser({name, role, *HashPassword("correct horse"), "", ""}, true, "test").ok());
      }
    }
    ServerOptions options;
    options.db = db_;
    options.port = 0;
    options.external_changes_check = std::chrono::milliseconds(0);  // at every request
    options.registry_busy_wait = std::chrono::milliseconds(3000);
    options.today = [this] { return today_.load(); };
    if (Https()) {
      options.tls_cert = "tests/data/tls/cert.pem";
      options.tls_key = "tests/data/tls/key.pem";
    }
    Result<std::unique_ptr<Server>> server = Server::Create(options);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(*server);
    Result<int> port = server_->Bind();
    ASSERT_TRUE(port.ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->Listen(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  // A client of the server; over HTTPS it trusts the test certificate alone, and checks the address in it.
  httplib::Client Client() {
    httplib::Client client(fmt::format("{}://127.0.0.1:{}", Https() ? "https" : "http", port_));
    if (Https()) {
      client.set_ca_cert_path("tests/data/tls/cert.pem");
      client.enable_server_certificate_verification(true);
    }
    return client;
  }

  // Logs in; returns the session cookie and CSRF token.
  std::pair<std::string, std::string> Login(const std::string& user) {
    httplib::Client client = Client();
    auto res = client.Post("/api/login", json{{"user", user}, {"password", "correct horse"}}.dump(),
                           "application/json");
    EXPECT_TRUE(res && res->status == 200);
    if (!res) return {};
    const std::string cookie = res->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), json::parse(res->body)["csrf_token"]};
  }

  httplib::Result Post(const std::string& path, const json& body,
                       const std::pair<std::string, std::string>& session) {
    httplib::Client client = Client();
    httplib::Headers headers{{"Cookie", session.first}, {"X-CSRF-Token", session.second}};
    return client.Post(path.c_str(), headers, body.dump(), "application/json");
  }
  // PUT or PATCH, as Post; DELETE without a body.
  httplib::Result Send(const std::string& method, const std::string& path, const json& body,
                       const std::pair<std::string, std::string>& session) {
    httplib::Client client = Client();
    httplib::Headers headers{{"Cookie", session.first}, {"X-CSRF-Token", session.second}};
    if (method == "DELETE") return client.Delete(path, headers);
    return method == "PUT" ? client.Put(path, headers, body.dump(), "application/json")
                           : client.Patch(path, headers, body.dump(), "application/json");
  }
  // The field errors of a 422, by field ("" for none).
  static std::map<std::string, std::string> FieldErrors(const httplib::Result& res) {
    std::map<std::string, std::string> errors;
    const json body = json::parse(res->body);
    for (const json& e : body["errors"])
      errors[e["field"].is_null() ? "" : e["field"].get<std::string>()] += e["message"].get<std::string>();
    return errors;
  }
  std::string ExportedFile(const std::string& file) {
    std::string out, err;
    EXPECT_EQ(testing::RunPrrt({"export", "--db", db_, "--to", (dir_.path / "out").string()}, out, err), 0)
        << err;
    return testing::Slurp(dir_.path / "out" / file);
  }
  httplib::Result Get(const std::string& path, const std::pair<std::string, std::string>& session) {
    httplib::Client client = Client();
    return client.Get(path.c_str(), httplib::Headers{{"Cookie", session.first}});
  }
  // The ids of the patients on the worklist, of those the query (e.g. "?q=p0") keeps.
  std::set<std::string> WorklistIds(const std::pair<std::string, std::string>& session,
                                    const std::string& query = "") {
    const json worklist = json::parse(Get("/api/worklist" + query, session)->body);
    std::set<std::string> ids;
    for (const json& p : worklist["patients"])
      ids.insert(p["patient_id"].get<std::string>());
    return ids;
  }
  // The patients the worklist lists to correct, each with their problems.
  std::map<std::string, json> ToCorrect(const std::pair<std::string, std::string>& session) {
    const json worklist = json::parse(Get("/api/worklist", session)->body);
    std::map<std::string, json> listed;
    for (const json& p : worklist["patients_to_correct"])
      listed[p["patient_id"].get<std::string>()] = p["problems"];
    return listed;
  }
  // Registers patient N000, N001, ... (the number given) from the clinic: midgut, nothing recorded yet.
  httplib::Result RegisterNewPatient(int number, const std::pair<std::string, std::string>& session) {
    const json patient = {{"patient_id", fmt::format("N{:03}", number)},
                          {"sex", "f"},
                          {"birth_date", "1961-05-02"},
                          {"primary_site", "midgut"},
                          {"last_contact_date", "2026-11-02"}};
    return Post("/api/patients", patient, session);
  }
  // The patients in the Kaplan–Meier curve of OS of pancreatic NETs.
  int PancreaticOsPatients(const std::pair<std::string, std::string>& session) {
    const json km = json::parse(Get("/api/km?endpoint=os&group=tumour&tumour=pancreatic", session)->body);
    return km["groups"][0]["n"].get<int>();
  }
  // What another process does: `prrt import` of P004 (pancreatic), with the cycles.csv rows given.
  void ImportP004(const std::string& cycles) {
    const std::filesystem::path folder = dir_.path / "p004";
    std::filesystem::create_directories(folder);
    std::ofstream(folder / "patients.csv") << "patient_id,sex,birth_date,primary_site,last_contact_date\n"
                                              "P004,m,1955-05-05,pancreatic,2012-06-01\n";
    std::ofstream(folder / "cycles.csv") << "patient_id,phase,date,activity_gbq\n" << cycles;
    std::ofstream(folder / "events.csv") << "patient_id,date,event,method\n";
    std::string out, err;
    ASSERT_EQ(testing::RunPrrt({"import", "--db", db_, "--from", folder.string()}, out, err), 0) << err;
  }
  int64_t AuditCount() {
    Result<registry::Store> store = registry::Store::Open(db_);
    return *store->AuditCount();
  }

  testing::TempDir dir_{"api"};
  std::string db_;
  std::atomic<registry::Day> today_{registry::Today()};  // the server's date
  std::unique_ptr<Server> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(Api, HealthNeedsNoLogInAndEveryOtherRouteDoes) {
  httplib::Client client = Client();
  auto health = client.Get("/api/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["patients"], 3);
  for (const char* path : {"/api/worklist", "/api/patients/P001", "/api/patients/P001/audit", "/api/session",
                           "/api/km?endpoint=os&group=cohort", "/api/format", "/api/no-such-route"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->body.find("P001"), std::string::npos) << path;
  }
  for (const char* path : {"/api/logout", "/api/patients/P001/cycles", "/api/patients/P001/labs",
                           "/api/patients/P001/responses", "/api/patients/P001/events"}) {
    auto res = client.Post(path, "{}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;
  }
  for (const char* path : {"/api/patients/P001", "/api/patients/P001/cycles"}) {
    httplib::Headers none;
    EXPECT_EQ(client.Put(path, none, "{}", "application/json")->status, 401) << path;
    EXPECT_EQ(client.Patch(path, none, "{}", "application/json")->status, 401) << path;
    EXPECT_EQ(client.Delete(path)->status, 401) << path;
  }
  // A made-up session token is no session.
  auto forged =
      client.Get("/api/worklist", httplib::Headers{{"Cookie", "prrt_session=" + std::string(64, 'a')}});
  EXPECT_EQ(forged->status, 401);
}

TEST_F(Api, PagesAreServedWithoutPatientDataUnderAStrictContentSecurityPolicy) {
  httplib::Client client = Client();
  for (const char* path : {"/", "/app.js", "/app.css"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->body.find("P00"), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), "default-src 'self'; frame-ancestors 'none'");
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  }
  const std::string html = client.Get("/")->body;
  EXPECT_EQ(html.find("<script>"), std::string::npos);  // no inline script: the policy would refuse it
  EXPECT_NE(html.find("<script src=\"/app.js\">"), std::string::npos);
  // The page's script puts registry text into the page as text only.
  EXPECT_EQ(client.Get("/app.js")->body.find("innerHTML"), std::string::npos);
}

// A body past 1 MiB is refused (413) without being held: the server read any body whole, so a client that had
// not logged in could make it hold gigabytes.
TEST_F(Api, ABodyPastAMebibyteIsRefused) {
  httplib::Client client = Client();
  const std::string big = "{\"user\": \"" + std::string(size_t{1} << 20, 'a') + "\"}";
  auto refused = client.Post("/api/login", big, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 413);
  auto login = client.Post("/api/login", json{{"user", "ana"}, {"password", "correct horse"}}.dump(),
                           "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
}

TEST_F(Api, LogInSetsAnHttpOnlyCookieAndWrongPasswordsAreSlowedDown) {
  httplib::Client client = Client();
  auto wrong = client.Post("/api/login", R"({"user":"ana","password":"wrong horse"})", "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_TRUE(wrong->get_header_value("Set-Cookie").empty());
  // The second attempt after one wrong password waits at least 250 ms before it is even checked.
  const auto start = std::chrono::steady_clock::now();
  auto right = client.Post("/api/login", R"({"user":"ana","password":"correct horse"})", "application/json");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  const std::string cookie = right->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // over plain HTTP a Secure cookie would be dropped
  const json body = json::parse(right->body);
  EXPECT_EQ(body["user"], "ana");
  EXPECT_EQ(body["role"], "clinician");
  EXPECT_EQ(client.Post("/api/login", R"({"user":"nobody","password":"correct horse"})", "application/json")
                ->status,
            401);
  EXPECT_EQ(client.Post("/api/login", "not json", "application/json")->status, 400);
}

// The forms of the clinic are built from the registry's format (checked against its description in
// tests/registry/format_test.cpp), which any user may read.
TEST_F(Api, TheFormatOfEachKindOfRowIsServedForTheForms) {
  auto res = Get("/api/format", Login("vic"));
  ASSERT_EQ(res->status, 200);
  const json format = json::parse(res->body);
  EXPECT_EQ(format, report::InterchangeFormatJson());
  const json& cycles = format["files"][2];
  EXPECT_EQ(cycles["file"], "cycles.csv");
  EXPECT_EQ(cycles["key"], json({"patient_id", "date"}));
  EXPECT_EQ(cycles["columns"][3], json({{"name", "activity_gbq"},
                                        {"type", "number"},
                                        {"required", true},
                                        {"min", 0.0},
                                        {"min_exclusive", true},
                                        {"max", 10.0}}));
  EXPECT_EQ(format["files"][3]["columns"][4]["values_by"]["values"]["creatinine"], json({"umol/l", "mg/dl"}));
}

TEST_F(Api, PatientIsTheTimelineOfPrrtPatientWithThePlan) {
  const auto session = Login("vic");
  auto res = Get("/api/patients/P001", session);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json api = json::parse(res->body);
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"patient", "--db", db_, "P001", "--json"}, out, err), 0);
  EXPECT_TRUE(api.contains("plan"));
  EXPECT_EQ(api["plan"]["patient_id"], "P001");
  api.erase("plan");
  EXPECT_EQ(api, json::parse(out));
  // The CTCAE v3.0 grade bands of its platelets (printed cut-offs: < LLN, < 75, < 50, < 25 x 10^9/l; the LLN
  // is the laboratory's 150 in tests/data/registry_example/labs.csv).
  bool platelets = false;
  for (const json& band : api["ctcae_bands"]) {
    if (band["test"] != "platelets") continue;
    platelets = true;
    EXPECT_EQ(band["unit"], "10^9/l");
    EXPECT_EQ(band["decreasing"], true);
    EXPECT_EQ(band["limits"], (json{150.0, 75.0, 50.0, 25.0}));
  }
  EXPECT_TRUE(platelets);
  EXPECT_EQ(Get("/api/patients/NOPE", session)->status, 404);
  // An identifier that is not UTF-8 (Latin-1's e-acute, %E9) is named with its byte shown: the reply is JSON,
  // which carries UTF-8 only (it was a 500 from the JSON library's exception).
  auto latin1 = Get("/api/patients/P%E9", session);
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->status, 404);
  EXPECT_EQ(json::parse(latin1->body)["error"], "no patient 'P\\xE9' in the registry");
}

TEST_F(Api, AViewerMayNotWriteAndAWriteNeedsTheCsrfToken) {
  const json cycle = {{"phase", "I"}, {"date", "2010-05-17"}, {"activity_gbq", "7.4"}};
  const int64_t audit = AuditCount();
  auto viewer = Post("/api/patients/P003/cycles", cycle, Login("vic"));
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->status, 403);
  auto session = Login("ana");
  auto no_token = Post("/api/patients/P003/cycles", cycle, {session.first, ""});
  EXPECT_EQ(no_token->status, 403);
  auto wrong_token = Post("/api/patients/P003/cycles", cycle, {session.first, std::string(64, '0')});
  EXPECT_EQ(wrong_token->status, 403);
  EXPECT_EQ(AuditCount(), audit);  // nothing written
}

TEST_F(Api, RecordingACycleChangesThePlanAndIsAuditedWithTheUser) {
  const auto session = Login("ana");
  const json before = json::parse(Get("/api/patients/P003", session)->body);
  const int64_t audit = AuditCount();
  auto res = Post("/api/patients/P003/cycles",
                  {{"phase", "I"}, {"date", "2010-05-17"}, {"activity_gbq", 7.4}}, session);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(json::parse(res->body)["inserted"], 1);
  const json after = json::parse(Get("/api/patients/P003", session)->body);
  EXPECT_EQ(after["plan"]["cycles_given"], before["plan"]["cycles_given"].get<int>() + 1);
  EXPECT_EQ(after["phases"][0]["cycles"].size(), before["phases"][0]["cycles"].size() + 1);
  EXPECT_GT(AuditCount(), audit);
  // The export has the new row, so the write is in the registry itself.
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"export", "--db", db_, "--to", (dir_.path / "out").string()}, out, err), 0);
  EXPECT_NE(testing::Slurp(dir_.path / "out" / "cycles.csv").find("P003,I,2010-05-17,7.4"),
            std::string::npos);
}

// A blood draw's results in the order recorded (hb and platelets on 2005-03-15, creatinine added), on the
// page as on the command line: not in the order of the tests' names.
TEST_F(Api, APatientsRowsOfADayAreInTheOrderRecordedAsOnTheCommandLine) {
  const auto session = Login("ana");
  auto lab =
      Post("/api/patients/P001/labs",
           {{"date", "2005-03-15"}, {"test", "creatinine"}, {"value", 70}, {"unit", "umol/l"}}, session);
  ASSERT_TRUE(lab);
  ASSERT_EQ(lab->status, 201) << lab->body;
  auto res = Get("/api/patients/P001", session);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json api = json::parse(res->body);
  std::vector<std::string> tests;
  for (const json& result : api["labs"])
    if (result["date"] == "2005-03-15") tests.push_back(result["test"]);
  EXPECT_EQ(tests, (std::vector<std::string>{"hb", "platelets", "creatinine"}));
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"patient", "--db", db_, "P001", "--json"}, out, err), 0);
  api.erase("plan");
  EXPECT_EQ(api, json::parse(out));
}

TEST_F(Api, ARowAfterTheLastContactOfALivingPatientMovesTheLastContact) {
  // P003 was last seen on 2015-09-01 and is alive; P002 died on 2014-05-20.
  const auto session = Login("ana");
  auto lab = Post("/api/patients/P003/labs",
                  {{"date", "2016-01-12"}, {"test", "hb"}, {"value", 7.9}, {"unit", "mmol/l"}}, session);
  ASSERT_TRUE(lab);
  ASSERT_EQ(lab->status, 201) << lab->body;
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"export", "--db", db_, "--to", (dir_.path / "out").string()}, out, err), 0);
  const std::string patients = testing::Slurp(dir_.path / "out" / "patients.csv");
  EXPECT_NE(patients.find("P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2016-01-12,"),
            std::string::npos)
      << patients;
  // An earlier date leaves it; after death there is no contact (the row is refused, nothing changes).
  const int64_t audit = AuditCount();
  ASSERT_EQ(Post("/api/patients/P003/labs",
                 {{"date", "2015-12-01"}, {"test", "hb"}, {"value", 7.7}, {"unit", "mmol/l"}}, session)
                ->status,
            201);
  EXPECT_EQ(AuditCount(), audit + 1);
  auto after_death =
      Post("/api/patients/P002/labs",
           {{"date", "2014-06-02"}, {"test", "hb"}, {"value", 7.7}, {"unit", "mmol/l"}}, session);
  EXPECT_EQ(after_death->status, 422) << after_death->body;
  EXPECT_EQ(AuditCount(), audit + 1);
}

TEST_F(Api, BadRowsGetFieldErrorsAndChangeNothing) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  auto res = Post("/api/patients/P003/cycles",
                  {{"phase", "X"}, {"date", "2010-13-01"}, {"activity_gbq", "70"}}, session);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 422);
  std::map<std::string, std::string> errors;
  const json body = json::parse(res->body);
  for (const json& e : body["errors"])
    errors[e["field"].is_null() ? "" : e["field"].get<std::string>()] = e["message"].get<std::string>();
  EXPECT_EQ(errors["phase"], "found 'X'; expected one of: I, R, RR");
  EXPECT_EQ(errors["date"], "found '2010-13-01'; expected a date YYYY-MM-DD (month 13 is not 1 to 12)");
  EXPECT_EQ(errors["activity_gbq"], "found '70'; expected a number > 0 and <= 10");
  // A cross-file rule: the same date as an existing cycle is a duplicate key, said beside the date.
  auto duplicate = Post("/api/patients/P003/cycles",
                        {{"phase", "I"}, {"date", "2010-03-15"}, {"activity_gbq", "7.4"}}, session);
  EXPECT_EQ(duplicate->status, 422);
  EXPECT_EQ(
      FieldErrors(duplicate),
      (std::map<std::string, std::string>{
          {"date",
           "found '2010-03-15'; cycles.csv has a row of patient_id P003, date 2010-03-15 already (correct "
           "that one, or remove it first)"}}));
  // A rule the new row makes a recorded row break (P001's first R cycle, 2008-06-23, would no longer follow
  // the last I cycle): said of the recorded row, with no line of any file.
  auto late_i_cycle = Post("/api/patients/P001/cycles",
                           {{"phase", "I"}, {"date", "2008-07-01"}, {"activity_gbq", "7.4"}}, session);
  EXPECT_EQ(late_i_cycle->status, 422);
  EXPECT_EQ(FieldErrors(late_i_cycle),
            (std::map<std::string, std::string>{
                {"",
                 "cycles.csv (recorded): phase: this R cycle on 2008-06-23 is not after the last I cycle; "
                 "phases follow each other in time"}}));
  auto missing = Post("/api/patients/P003/labs", {{"date", "2010-04-01"}}, session);
  EXPECT_EQ(missing->status, 422);
  EXPECT_NE(missing->body.find("missing; it is required"), std::string::npos);
  auto other_patient =
      Post("/api/patients/P003/events", {{"patient_id", "P001"}, {"date", "2010-04-01"}}, session);
  EXPECT_EQ(other_patient->status, 422);
  EXPECT_EQ(Post("/api/patients/NOPE/events", {{"date", "2010-04-01"}, {"event", "mds"}}, session)->status,
            404);
  // The rules between a row's columns, beside the field they concern: a unit the test is not reported in; a
  // progression without its method; a target lesion without its diameter.
  auto unit = Post("/api/patients/P003/labs",
                   {{"date", "2010-04-01"}, {"test", "hb"}, {"value", "12"}, {"unit", "mg/dl"}}, session);
  ASSERT_EQ(unit->status, 422);
  EXPECT_EQ(
      FieldErrors(unit),
      (std::map<std::string, std::string>{{"unit", "found 'mg/dl'; hb is reported in g/dl, g/l, mmol/l"}}));
  auto method =
      Post("/api/patients/P003/events", {{"date", "2010-04-01"}, {"event", "progression"}}, session);
  ASSERT_EQ(method->status, 422);
  EXPECT_EQ(FieldErrors(method),
            (std::map<std::string, std::string>{{"method", "missing; it is required for a progression"}}));
  auto diameter = Post("/api/patients/P003/lesions",
                       {{"date", "2010-01-05"},
                        {"lesion_id", "L1"},
                        {"organ", "liver"},
                        {"role", "target"},
                        {"lymph_node", "no"}},
                       session);
  ASSERT_EQ(diameter->status, 422);
  EXPECT_EQ(FieldErrors(diameter),
            (std::map<std::string, std::string>{
                {"diameter_mm", "missing; it is required for a target lesion (0 when gone)"}}));
  // JSON's \u0000: a NUL is no character of a text (the note was stored cut short at it, and reading it back
  // never ended), in a value or in a column's name.
  auto nul = Post(
      "/api/patients/P003/cycles",
      {{"phase", "I"}, {"date", "2010-05-10"}, {"activity_gbq", "7.4"}, {"x_note", std::string("a\0b", 3)}},
      session);
  ASSERT_EQ(nul->status, 422);
  EXPECT_EQ(FieldErrors(nul),
            (std::map<std::string, std::string>{{"x_note", "found 'a\\x00b'; expected UTF-8 text"}}));
  auto tab = Post("/api/patients/P003/lesions",
                  {{"date", "2010-01-05"},
                   {"lesion_id", "L\t1"},
                   {"organ", "liver"},
                   {"role", "non_target"},
                   {"lymph_node", "no"},
                   {"status", "present"}},
                  session);
  ASSERT_EQ(tab->status, 422);
  EXPECT_EQ(
      FieldErrors(tab),
      (std::map<std::string, std::string>{
          {"lesion_id", "found 'L\\t1'; expected text without control characters (tab, newline, ...)"}}));
  auto nul_column =
      Post("/api/patients/P003/cycles",
           {{"phase", "I"}, {"date", "2010-05-10"}, {"activity_gbq", "7.4"}, {std::string("x_\0", 3), "b"}},
           session);
  ASSERT_EQ(nul_column->status, 422);
  EXPECT_EQ(FieldErrors(nul_column),
            (std::map<std::string, std::string>{
                {"x_\\x00", "found a column name that is not UTF-8 text; expected UTF-8 text"}}));
  EXPECT_EQ(AuditCount(), audit);
}

// The clinic records a death (and corrects a patient's data) on the patient's own row: PATCH with the fields
// that change. P003 (example registry) is alive, last seen 2015-09-01, cycles on 2010-01-11 and 2010-03-15.
TEST_F(Api, RecordingADeathChangesThePatientRowAndIsAudited) {
  const auto session = Login("ana");
  int64_t audit = AuditCount();
  auto died = Send("PATCH", "/api/patients/P003", {{"death_date", "2016-02-10"}}, session);
  ASSERT_TRUE(died);
  ASSERT_EQ(died->status, 200) << died->body;
  EXPECT_EQ(json::parse(died->body)["updated"], 1);
  // The last contact of a patient who died is the date of death (the format's rule): two columns audited,
  // shown in the patient's trail with the user.
  EXPECT_EQ(AuditCount(), audit + 2);
  auto trail = Get("/api/patients/P003/audit", session);
  ASSERT_EQ(trail->status, 200) << trail->body;
  const json entries = json::parse(trail->body)["entries"];
  ASSERT_GE(entries.size(), 2u);
  std::set<std::tuple<std::string, std::string, json, json>> changes;
  for (size_t i = entries.size() - 2; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i]["user"], "ana");
    EXPECT_EQ(entries[i]["action"], "update");
    EXPECT_EQ(entries[i]["row_key"], "P003");
    changes.emplace(entries[i]["table"], entries[i]["column"], entries[i]["old_value"],
                    entries[i]["new_value"]);
  }
  EXPECT_EQ(changes, (std::set<std::tuple<std::string, std::string, json, json>>{
                         {"patients", "death_date", nullptr, "2016-02-10"},
                         {"patients", "last_contact_date", "2015-09-01", "2016-02-10"}}));
  EXPECT_EQ(Get("/api/patients/NOPE/audit", session)->status, 404);
  EXPECT_NE(ExportedFile("patients.csv")
                .find("P003,f,1962-11-23,bronchial,,unknown,unknown,unknown,unknown,2016-02-10,2016-02-10,"
                      "wait_and_see,"),
            std::string::npos);
  const json patient = json::parse(Get("/api/patients/P003", session)->body);
  EXPECT_EQ(patient["death_date"], "2016-02-10");
  EXPECT_EQ(patient["os_event"], true);
  // OS from the first I cycle (2010-01-11) to death: 2221 days of 30.4375.
  EXPECT_NEAR(patient["os_months"].get<double>(), 2221 / 30.4375, 1e-9);
  EXPECT_EQ(patient["plan"]["phase_status"], "deceased");
  // A death recorded by mistake is taken back (null removes a field); the last contact stays.
  audit = AuditCount();
  auto undone = Send("PATCH", "/api/patients/P003", {{"death_date", nullptr}}, session);
  ASSERT_EQ(undone->status, 200) << undone->body;
  EXPECT_EQ(AuditCount(), audit + 1);
  EXPECT_TRUE(json::parse(Get("/api/patients/P003", session)->body)["death_date"].is_null());
  EXPECT_EQ(json::parse(Get("/api/patients/P003", session)->body)["last_contact_date"], "2016-02-10");
  // A change of another field leaves the rest as it was (P002 died on 2014-05-20).
  ASSERT_EQ(Send("PATCH", "/api/patients/P002", {{"ki67_percent", 9}}, session)->status, 200);
  EXPECT_NE(
      ExportedFile("patients.csv")
          .find("P002,m,1948-07-02,pancreatic,9,no,yes,no,yes,2014-05-20,2014-05-20,,referred from Zürich"),
      std::string::npos);
}

TEST_F(Api, BadPatientChangesGetFieldErrorsAndChangeNothing) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  const std::string before = ExportedFile("patients.csv");
  for (const auto& [change, field, message] : std::vector<std::tuple<json, std::string, std::string>>{
           {{{"sex", "x"}}, "sex", "found 'x'; expected one of: m, f"},
           {{{"death_date", "2016-02-30"}},
            "death_date",
            "found '2016-02-30'; expected a date YYYY-MM-DD (2016-02 has 29 days)"},
           {{{"birth_date", nullptr}}, "birth_date", "missing; it is required"},
           {{{"favourite_colour", "blue"}}, "favourite_colour", "unknown column"},
           {{{"patient_id", "P001"}},
            "patient_id",
            "found 'P001'; expected 'P003' (the patient of the address)"},
           {{{"death_date", "2016-02-10"}, {"last_contact_date", "2016-01-01"}},
            "death_date",
            "2016-02-10 is after last_contact_date 2016-01-01; the last contact of a patient who died is the "
            "date of death"},
           {{{"ki67_percent", json::array({1, 2})}}, "ki67_percent", "expected text or a number"}}) {
    auto res = Send("PATCH", "/api/patients/P003", change, session);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << change.dump() << res->body;
    EXPECT_EQ(FieldErrors(res)[field], message) << change.dump() << res->body;
  }
  // A death before the patient's last cycle: the cycle's rule names it.
  auto too_early = Send("PATCH", "/api/patients/P003", {{"death_date", "2010-02-01"}}, session);
  EXPECT_EQ(too_early->status, 422);
  EXPECT_NE(too_early->body.find("a cycle on 2010-03-15 is after the patient's death_date"),
            std::string::npos)
      << too_early->body;
  EXPECT_EQ(Send("PATCH", "/api/patients/NOPE", {{"death_date", "2016-02-10"}}, session)->status, 404);
  EXPECT_EQ(Send("PATCH", "/api/patients/P003", {{"death_date", "2016-02-10"}}, Login("vic"))->status, 403);
  EXPECT_EQ(AuditCount(), audit);
  EXPECT_EQ(ExportedFile("patients.csv"), before);
}

// A row is corrected by PUT: the row with the same key (a cycle's date, a lab result's date and test, ...)
// is replaced.
TEST_F(Api, AReplacedRowCorrectsTheRowOfItsKey) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  auto corrected = Send("PUT", "/api/patients/P003/cycles",
                        {{"phase", "I"}, {"date", "2010-03-15"}, {"activity_gbq", 3.7}}, session);
  ASSERT_TRUE(corrected);
  ASSERT_EQ(corrected->status, 200) << corrected->body;
  EXPECT_EQ(json::parse(corrected->body)["updated"], 1);
  EXPECT_EQ(json::parse(corrected->body)["inserted"], 0);
  EXPECT_EQ(AuditCount(), audit + 1);
  const std::string cycles = ExportedFile("cycles.csv");
  EXPECT_NE(cycles.find("P003,I,2010-03-15,3.7\n"), std::string::npos) << cycles;
  EXPECT_EQ(cycles.find("P003,I,2010-03-15,7.4"), std::string::npos) << cycles;
  const json patient = json::parse(Get("/api/patients/P003", session)->body);
  EXPECT_NEAR(patient["cumulative_activity_gbq"].get<double>(), 7.4 + 3.7, 1e-12);
  // No row of that key: 404, naming it; a bad value: 422; nothing changes.
  auto none = Send("PUT", "/api/patients/P003/cycles",
                   {{"phase", "I"}, {"date", "2010-03-16"}, {"activity_gbq", 3.7}}, session);
  EXPECT_EQ(none->status, 404);
  EXPECT_EQ(json::parse(none->body)["error"],
            "cycles.csv has no row of patient_id P003, date 2010-03-16 to replace");
  auto bad = Send("PUT", "/api/patients/P003/events",
                  {{"date", "2011-04-02"}, {"event", "aml"}, {"method", "x"}}, session);
  EXPECT_EQ(bad->status, 422);
  EXPECT_EQ(FieldErrors(bad)["method"], "found 'x'; expected one of: recist, octreoscan, clinical");
  EXPECT_EQ(AuditCount(), audit + 1);
}

// A correction may name the row it replaces in the query, and change its key: a cycle recorded on a mistyped
// date is re-dated in one write (the audit trail: the old row deleted with its values, the new one inserted).
TEST_F(Api, ACorrectionNamingItsRowMayChangeTheKey) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  const std::string before = ExportedFile("cycles.csv");
  const json redated = {{"phase", "I"}, {"date", "2010-03-17"}, {"activity_gbq", 7.4}};
  // Refused, with nothing stored: another cycle's date; no row of the key named; the key of another patient.
  auto clash = Send("PUT", "/api/patients/P003/cycles?date=2010-03-15",
                    {{"phase", "I"}, {"date", "2010-01-11"}, {"activity_gbq", 7.4}}, session);
  EXPECT_EQ(clash->status, 422);
  EXPECT_EQ(
      FieldErrors(clash)["date"],
      "found '2010-01-11'; cycles.csv has a row of patient_id P003, date 2010-01-11 already (correct that "
      "one, or remove it first)");
  auto none = Send("PUT", "/api/patients/P003/cycles?date=2010-03-16", redated, session);
  EXPECT_EQ(none->status, 404);
  EXPECT_EQ(json::parse(none->body)["error"],
            "cycles.csv has no row of patient_id P003, date 2010-03-16 to replace");
  auto other = Send("PUT", "/api/patients/P003/cycles?patient_id=P001&date=2005-02-14", redated, session);
  EXPECT_EQ(other->status, 422);
  EXPECT_EQ(FieldErrors(other)["patient_id"], "found 'P001'; expected 'P003' (the patient of the address)");
  EXPECT_EQ(AuditCount(), audit);
  EXPECT_EQ(ExportedFile("cycles.csv"), before);

  // The row is corrected in its place (the export's order kept), one update of its date audited under the key
  // it had.
  auto corrected = Send("PUT", "/api/patients/P003/cycles?date=2010-03-15", redated, session);
  ASSERT_EQ(corrected->status, 200) << corrected->body;
  EXPECT_EQ(json::parse(corrected->body)["updated"], 1);
  EXPECT_EQ(json::parse(corrected->body)["deleted"], 0);
  EXPECT_EQ(json::parse(corrected->body)["inserted"], 0);
  std::string expected = before;
  expected.replace(expected.find("P003,I,2010-03-15,7.4\n"), 21, "P003,I,2010-03-17,7.4");
  EXPECT_EQ(ExportedFile("cycles.csv"), expected);
  const json patient = json::parse(Get("/api/patients/P003", session)->body);
  EXPECT_EQ(patient["phases"][0]["cycles"][1]["date"], "2010-03-17");
  const json trail = json::parse(Get("/api/patients/P003/audit", session)->body);
  std::vector<std::string> changes;
  for (const json& e : trail["entries"])
    if (e["audit_id"].get<int64_t>() > audit)
      changes.push_back(fmt::format("{} {} {}: {} -> {}", e["action"].get<std::string>(),
                                    e["row_key"].get<std::string>(), e["column"].get<std::string>(),
                                    e["old_value"].get<std::string>(), e["new_value"].get<std::string>()));
  EXPECT_EQ(changes, std::vector<std::string>{"update P003|2010-03-15 date: 2010-03-15 -> 2010-03-17"});
}

// The rows the query names get the columns given (PATCH of a kind of rows): a blood draw recorded on a
// mistyped date is re-dated at once, both its results.
TEST_F(Api, RowsNamedInTheQueryAreReDatedAtOnce) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  const std::string before = ExportedFile("labs.csv");
  const json redate = {{"date", "2005-03-16"}};
  auto unnamed = Send("PATCH", "/api/patients/P001/labs", redate, session);
  EXPECT_EQ(unnamed->status, 422);
  EXPECT_EQ(FieldErrors(unnamed)[""], "the query names no rows: give the values they hold (?date=...)");
  auto emptied = Send("PATCH", "/api/patients/P001/labs?date=2005-03-15", {{"date", nullptr}}, session);
  EXPECT_EQ(emptied->status, 422);
  EXPECT_EQ(FieldErrors(emptied)["date"], "expected a value to set");
  auto none = Send("PATCH", "/api/patients/P001/labs?date=2005-03-14", redate, session);
  EXPECT_EQ(none->status, 404);
  EXPECT_EQ(json::parse(none->body)["error"],
            "labs.csv has no row of patient_id P001, date 2005-03-14 to change");
  auto clash = Send("PATCH", "/api/patients/P001/labs?date=2005-03-15", {{"date", "2008-07-21"}}, session);
  EXPECT_EQ(clash->status, 422);
  EXPECT_EQ(
      FieldErrors(clash)["date"],
      "found '2008-07-21'; labs.csv has a row of patient_id P001, date 2008-07-21, test platelets already "
      "(correct that one, or remove it first)");
  EXPECT_EQ(Send("PATCH", "/api/patients/P001/labs?date=2005-03-15", redate, Login("vic"))->status, 403);
  EXPECT_EQ(AuditCount(), audit);
  EXPECT_EQ(ExportedFile("labs.csv"), before);

  // Both rows corrected in their places, each date's change audited under the row's former key.
  auto redated = Send("PATCH", "/api/patients/P001/labs?date=2005-03-15", redate, session);
  ASSERT_EQ(redated->status, 200) << redated->body;
  EXPECT_EQ(json::parse(redated->body)["updated"], 2);
  EXPECT_EQ(json::parse(redated->body)["deleted"], 0);
  EXPECT_EQ(json::parse(redated->body)["inserted"], 0);
  EXPECT_EQ(ExportedFile("labs.csv"),
            "patient_id,date,test,value,unit,lln,uln\n"
            "P001,2005-03-16,hb,7.4,mmol/l,7.5,10.0\n"
            "P001,2005-03-16,platelets,140,10^9/l,150,400\n"
            "P001,2008-07-21,platelets,48,10^9/l,150,400\n"
            "P002,2006-05-08,creatinine,95,umol/l,60,110\n");
  const json trail = json::parse(Get("/api/patients/P001/audit", session)->body);
  std::vector<std::string> changes;
  for (const json& e : trail["entries"])
    if (e["audit_id"].get<int64_t>() > audit)
      changes.push_back(fmt::format("{} {} {}", e["action"].get<std::string>(),
                                    e["row_key"].get<std::string>(), e["column"].get<std::string>()));
  EXPECT_EQ(changes, (std::vector<std::string>{"update P001|2005-03-15|hb date",
                                               "update P001|2005-03-15|platelets date"}));
}

// A new patient is registered from the clinic (POST /api/patients, a patients.csv row) and appears in the
// worklist, due a work-up for I-PRRT; an id already registered, and a row with problems, are refused.
TEST_F(Api, RegisteringANewPatient) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  const json patient = {{"patient_id", "N001"},       {"sex", "f"},
                        {"birth_date", "1961-05-02"}, {"primary_site", "pancreatic"},
                        {"ki67_percent", 4},          {"last_contact_date", "2026-11-02"}};
  EXPECT_EQ(Post("/api/patients", patient, Login("vic"))->status, 403);
  auto registered = Post("/api/patients", patient, session);
  ASSERT_TRUE(registered);
  ASSERT_EQ(registered->status, 201) << registered->body;
  EXPECT_EQ(json::parse(registered->body)["inserted"], 1);
  EXPECT_EQ(AuditCount(), audit + 1);
  const json page = json::parse(Get("/api/patients/N001", session)->body);
  EXPECT_EQ(page["primary_site"], "pancreatic");
  EXPECT_EQ(page["plan"]["phase_status"], "none");
  EXPECT_EQ(page["plan"]["eligibility"]["next_phase"], "I");
  const json worklist = json::parse(Get("/api/worklist", session)->body);
  EXPECT_EQ(worklist["total"], 4);
  EXPECT_NE(ExportedFile("patients.csv").find("N001,f,1961-05-02,pancreatic,4,,,,,2026-11-02,"),
            std::string::npos);
  // Refused, with nothing stored: the same id again; a row missing its sex; no id at all.
  auto again = Post("/api/patients", patient, session);
  EXPECT_EQ(again->status, 422);
  EXPECT_EQ(FieldErrors(again)["patient_id"], "found 'N001'; it is the id of a patient registered already");
  json no_sex = patient;
  no_sex["patient_id"] = "N002";
  no_sex.erase("sex");
  auto missing = Post("/api/patients", no_sex, session);
  EXPECT_EQ(missing->status, 422);
  EXPECT_EQ(FieldErrors(missing)["sex"], "missing; it is required");
  json no_id = patient;
  no_id.erase("patient_id");
  auto unnamed = Post("/api/patients", no_id, session);
  EXPECT_EQ(unnamed->status, 422);
  EXPECT_EQ(FieldErrors(unnamed)["patient_id"], "missing; it is required");
  // Every problem of the body at once: no id and a field that is neither text nor a number.
  no_id["sex"] = json::array({"f"});
  auto twice_wrong = Post("/api/patients", no_id, session);
  EXPECT_EQ(twice_wrong->status, 422);
  EXPECT_EQ(FieldErrors(twice_wrong)["patient_id"], "missing; it is required");
  EXPECT_EQ(FieldErrors(twice_wrong)["sex"], "expected text or a number");
  EXPECT_EQ(Post("/api/patients", json::array({1}), session)->status, 400);
  EXPECT_EQ(AuditCount(), audit + 1);
  EXPECT_EQ(Get("/api/patients/N002", session)->status, 404);
  // A number is taken as its text, for the id as for any column (the registry's ids are text).
  json numbered = patient;
  numbered["patient_id"] = 1002;
  auto by_number = Post("/api/patients", numbered, session);
  ASSERT_EQ(by_number->status, 201) << by_number->body;
  EXPECT_EQ(json::parse(by_number->body)["patient_id"], "1002");
  EXPECT_EQ(Get("/api/patients/1002", session)->status, 200);
}

// Lesion measurements are recorded from the clinic, and the response of their date is computed from them
// (RECIST 1.1) against the phase's baseline. P001 (example registry): I-PRRT from 2005-02-14, R-PRRT from
// 2008-06-23; a recorded PR on 2005-11-20. L1 40 mm at the I baseline (2005-02-01); 25 mm on 2005-11-20 is
// <= 0.7 x 40 = 28: PR; corrected to 35 mm: SD (not <= 28, not >= 1.2 x 40). 2008-06-10 is R-PRRT's baseline.
TEST_F(Api, LesionMeasurementsGiveTheResponseOfTheirDate) {
  const auto session = Login("ana");
  auto lesion = [](const char* date, const char* id, double mm) {
    return json{{"date", date},     {"lesion_id", id},    {"organ", "liver"},
                {"role", "target"}, {"lymph_node", "no"}, {"diameter_mm", mm}};
  };
  ASSERT_EQ(Post("/api/patients/P001/lesions", lesion("2005-02-01", "L1", 40), session)->status, 201);
  ASSERT_EQ(Post("/api/patients/P001/lesions", lesion("2008-06-10", "L1", 50), session)->status, 201);
  const int64_t audit = AuditCount();
  // A target on 2005-11-20 that was not one at the I baseline: refused, naming the rule.
  auto refused = Post("/api/patients/P001/lesions", lesion("2005-11-20", "L2", 12), session);
  EXPECT_EQ(refused->status, 422);
  EXPECT_EQ(
      FieldErrors(refused)["role"],
      "lesion L2 is a target after baseline but not at baseline (measured against the I-PRRT baseline of "
      "2005-02-01)");
  EXPECT_EQ(AuditCount(), audit);
  ASSERT_EQ(Post("/api/patients/P001/lesions", lesion("2005-11-20", "L1", 25), session)->status, 201);
  json page = json::parse(Get("/api/patients/P001", session)->body);
  EXPECT_EQ(page["lesions"].size(), 3u);
  EXPECT_EQ(page["responses"][0]["date"], "2005-11-20");
  EXPECT_EQ(page["responses"][0]["response"], "pr");
  EXPECT_EQ(
      page["responses"][0]["x_note"],
      "RECIST 1.1 from lesions.csv against the I-PRRT baseline of 2005-02-01: target sum 25 mm, 40 mm at "
      "baseline");
  // Marked as derived (the page offers no correction of it); the recorded responses are not.
  for (const json& r : page["responses"])
    EXPECT_EQ(r.value("computed_from", ""), r["date"] == "2005-11-20" ? "lesions.csv" : "") << r;
  ASSERT_EQ(Send("PUT", "/api/patients/P001/lesions", lesion("2005-11-20", "L1", 35), session)->status, 200);
  page = json::parse(Get("/api/patients/P001", session)->body);
  EXPECT_EQ(page["responses"][0]["response"], "sd");
  EXPECT_EQ(page["phases"][0]["best_response"], "sd");
  // The recorded responses are kept as they were.
  EXPECT_NE(ExportedFile("responses.csv").find("P001,2005-11-20,pr,recist"), std::string::npos);
}

// A patient registered by mistake is removed (DELETE /api/patients/{id}) when nothing else is recorded of
// them; what the server keeps in memory forgets them, and the patient registered after them still counts.
TEST_F(Api, APatientRegisteredByMistakeIsRemoved) {
  const auto session = Login("ana");
  for (const char* id : {"N001", "N002"}) {
    const json patient = {{"patient_id", id},
                          {"sex", "m"},
                          {"birth_date", "1955-01-01"},
                          {"primary_site", "pancreatic"},
                          {"last_contact_date", "2026-11-02"}};
    ASSERT_EQ(Post("/api/patients", patient, session)->status, 201);
  }
  EXPECT_EQ(json::parse(Get("/api/worklist", session)->body)["total"], 5);
  int64_t audit = AuditCount();
  EXPECT_EQ(Send("DELETE", "/api/patients/N001", nullptr, Login("vic"))->status, 403);
  // P003 has two cycles and an MDS in the example registry.
  auto recorded = Send("DELETE", "/api/patients/P003", nullptr, session);
  EXPECT_EQ(recorded->status, 422);
  EXPECT_EQ(
      FieldErrors(recorded)[""],
      "patient 'P003' has rows recorded (2 in cycles.csv, 1 in events.csv); only a patient with nothing "
      "recorded is removed: remove those rows first");
  EXPECT_EQ(Send("DELETE", "/api/patients/N009", nullptr, session)->status, 404);
  EXPECT_EQ(AuditCount(), audit);

  auto removed = Send("DELETE", "/api/patients/N001", nullptr, session);
  ASSERT_EQ(removed->status, 200) << removed->body;
  EXPECT_EQ(json::parse(removed->body)["deleted"], 1);
  EXPECT_EQ(AuditCount(), audit + 4);  // its sex, birth date, site and last contact, each kept
  EXPECT_EQ(Get("/api/patients/N001", session)->status, 404);
  EXPECT_EQ(Send("DELETE", "/api/patients/N001", nullptr, session)->status, 404);
  EXPECT_EQ(ExportedFile("patients.csv").find("N001,"), std::string::npos);
  const json worklist = json::parse(Get("/api/worklist", session)->body);
  EXPECT_EQ(worklist["total"], 4);
  for (const json& p : worklist["patients"])
    EXPECT_NE(p["patient_id"], "N001");
  EXPECT_EQ(json::parse(Get("/api/study", session)->body)["patients"], 4);
  // N002, registered after N001, still counts: with a cycle, a second pancreatic patient in the OS curves.
  ASSERT_EQ(Post("/api/patients/N002/cycles", {{"phase", "I"}, {"date", "2026-10-05"}, {"activity_gbq", 7.4}},
                 session)
                ->status,
            201);
  const json km = json::parse(Get("/api/km?endpoint=os&group=tumour&tumour=pancreatic", session)->body);
  ASSERT_EQ(km["groups"].size(), 1u);
  EXPECT_EQ(km["groups"][0]["n"], 2);
}

// A patient registered under a mistyped id (P003: bronchial, 2 cycles and an MDS) is given the right one,
// P004, with every row of theirs (POST /api/patients/{id}/rename); what the server keeps follows (worklist,
// cohort), and the patient's trail under the new id has what was done under the old. Refused, with
// nothing changed: a viewer; another patient's id, their own, an empty one, none, not text; no such patient.
TEST_F(Api, APatientRegisteredUnderAMistypedIdIsRenamed) {
  const auto session = Login("ana");
  const int64_t audit = AuditCount();
  EXPECT_EQ(Post("/api/patients/P003/rename", {{"patient_id", "P004"}}, Login("vic"))->status, 403);
  for (const auto& [body, message] : std::vector<std::pair<json, std::string>>{
           {{{"patient_id", "P001"}}, "found 'P001'; it is the id of a patient registered already"},
           {{{"patient_id", "P003"}},
            "found 'P003'; it is the patient's id now; expected the id they should have"},
           {{{"patient_id", ""}}, "the new patient_id is empty; expected the patient's id"},
           {json::object(), "missing; it is required"},
           {{{"patient_id", 4}}, "expected text"},
           {{{"patient_id", std::string("P\0", 2)}}, "found 'P\\x00'; expected UTF-8 text"},
           {{{"patient_id", "P004\r\n"}},
            "found 'P004\\r\\n'; expected text without control characters (tab, newline, ...)"}}) {
    auto refused = Post("/api/patients/P003/rename", body, session);
    ASSERT_EQ(refused->status, 422) << body;
    EXPECT_EQ(FieldErrors(refused), (std::map<std::string, std::string>{{"patient_id", message}})) << body;
  }
  EXPECT_EQ(Post("/api/patients/P003/rename", json::array(), session)->status, 400);
  // An id that is not UTF-8 (Latin-1's e-acute) is no JSON: refused as the body (400).
  httplib::Client client = Client();
  auto latin1 = client.Post("/api/patients/P003/rename",
                            httplib::Headers{{"Cookie", session.first}, {"X-CSRF-Token", session.second}},
                            "{\"patient_id\": \"P\xE9\"}", "application/json");
  EXPECT_EQ(latin1->status, 400);
  EXPECT_EQ(Post("/api/patients/N009/rename", {{"patient_id", "P004"}}, session)->status, 404);
  EXPECT_EQ(AuditCount(), audit);

  auto renamed = Post("/api/patients/P003/rename", {{"patient_id", "P004"}}, session);
  ASSERT_EQ(renamed->status, 200) << renamed->body;
  EXPECT_EQ(json::parse(renamed->body),
            (json{{"patient_id", "P004"}, {"renamed_from", "P003"}, {"rows", 4}}));
  EXPECT_EQ(AuditCount(), audit + 4);
  EXPECT_EQ(Get("/api/patients/P003", session)->status, 404);
  auto p004 = Get("/api/patients/P004", session);
  ASSERT_EQ(p004->status, 200);
  EXPECT_EQ(json::parse(p004->body)["patient_id"], "P004");
  EXPECT_EQ(json::parse(p004->body)["phases"][0]["cycles"].size(), 2u);
  const json worklist = json::parse(Get("/api/worklist", session)->body);
  EXPECT_EQ(worklist["total"], 3);
  std::set<std::string> listed;
  for (const json& p : worklist["patients"])
    listed.insert(p["patient_id"]);
  EXPECT_EQ(listed, (std::set<std::string>{"P001", "P002", "P004"}));
  const json km = json::parse(Get("/api/km?endpoint=os&group=tumour&tumour=bronchial", session)->body);
  ASSERT_EQ(km["groups"].size(), 1u);
  EXPECT_EQ(km["groups"][0]["n"], 1);
  const json trail = json::parse(Get("/api/patients/P004/audit", session)->body)["entries"];
  ASSERT_EQ(trail.size(), 8u);
  EXPECT_EQ(trail[0]["row_key"], "P003");
  EXPECT_EQ(trail[0]["action"], "insert");
  EXPECT_EQ(trail[7]["row_key"], "P003");
  EXPECT_EQ(trail[7]["user"], "ana");
  EXPECT_EQ(trail[7]["column"], "patient_id");
  EXPECT_EQ(trail[7]["new_value"], "P004");
}

// A row entered in error is removed by DELETE with its key in the query; the rest must still keep the
// registry's rules. P001 (example registry): I cycles on 2005-02-14, -04-18, -06-20, -08-22, then R cycles.
TEST_F(Api, ARowEnteredInErrorIsRemovedByItsKey) {
  const auto session = Login("ana");
  int64_t audit = AuditCount();
  auto removed = Send("DELETE", "/api/patients/P003/events?date=2011-04-02&event=mds", nullptr, session);
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->status, 200) << removed->body;
  EXPECT_EQ(json::parse(removed->body)["deleted"], 1);
  EXPECT_EQ(AuditCount(), audit + 1);
  EXPECT_EQ(ExportedFile("events.csv").find("P003,2011-04-02,mds"), std::string::npos);
  EXPECT_TRUE(json::parse(Get("/api/patients/P003", session)->body)["events"].empty());
  // Not there (any more): 404 naming the key; a key column not given: 422 naming it; a viewer: 403.
  audit = AuditCount();
  auto again = Send("DELETE", "/api/patients/P003/events?date=2011-04-02&event=mds", nullptr, session);
  EXPECT_EQ(again->status, 404);
  EXPECT_EQ(json::parse(again->body)["error"],
            "events.csv has no row of patient_id P003, date 2011-04-02, event mds to remove");
  auto unnamed = Send("DELETE", "/api/patients/P001/labs?date=2005-03-15", nullptr, session);
  EXPECT_EQ(unnamed->status, 422);
  EXPECT_EQ(FieldErrors(unnamed)["test"], "missing; it names the row");
  EXPECT_EQ(Send("DELETE", "/api/patients/P001/cycles?date=2005-02-14", nullptr, Login("vic"))->status, 403);
  auto not_utf8 = Send("DELETE", "/api/patients/P001/cycles?date=2005-02-1%E9", nullptr, session);
  EXPECT_EQ(not_utf8->status, 422);
  EXPECT_EQ(FieldErrors(not_utf8)[""], "date=2005-02-1\\xE9: expected UTF-8 text");
  EXPECT_EQ(AuditCount(), audit);
  // P001's I cycles one by one: the last would leave R cycles without an I cycle before them — refused.
  for (const char* date : {"2005-02-14", "2005-04-18", "2005-06-20"}) {
    EXPECT_EQ(Send("DELETE", std::string("/api/patients/P001/cycles?date=") + date, nullptr, session)->status,
              200)
        << date;
  }
  audit = AuditCount();
  auto last = Send("DELETE", "/api/patients/P001/cycles?date=2005-08-22", nullptr, session);
  EXPECT_EQ(last->status, 422);
  EXPECT_NE(last->body.find("a R cycle without any I cycle before it"), std::string::npos) << last->body;
  EXPECT_EQ(AuditCount(), audit);
  EXPECT_NE(ExportedFile("cycles.csv").find("P001,I,2005-08-22,7.3"), std::string::npos);
}

// SQL and script injection in every field of a row: stored as text and returned as JSON strings, and the
// registry's tables are all still there.
TEST_F(Api, HostileTextIsStoredAndReturnedHarmlessly) {
  const auto session = Login("ana");
  const std::string sql = "'); DROP TABLE patients; --";
  const std::string script = "<script>alert('x')</script>";
  for (const std::string& hostile : {sql, script}) {
    auto res = Post("/api/patients/P003/events",
                    {{"date", "2010-04-0" + std::to_string(hostile == sql ? 1 : 2)},
                     {"event", "progression"},
                     {"method", "clinical"},
                     {"x_note", hostile}},
                    session);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
    auto bad = Post("/api/patients/P003/events", {{"date", hostile}, {"event", hostile}}, session);
    EXPECT_EQ(bad->status, 422);
    EXPECT_EQ(bad->get_header_value("Content-Type"), "application/json");
  }
  const json patient = json::parse(Get("/api/patients/P003", session)->body);
  std::vector<std::string> notes;
  for (const json& e : patient["events"]) {
    if (e.contains("x_note")) notes.push_back(e["x_note"]);
  }
  EXPECT_EQ(notes, (std::vector<std::string>{sql, script}));
  httplib::Client client = Client();
  EXPECT_EQ(json::parse(client.Get("/api/health")->body)["patients"], 3);
  auto worklist = Get("/api/worklist", session);
  ASSERT_EQ(worklist->status, 200);
  EXPECT_EQ(json::parse(worklist->body)["patients"].size(), 3u);
}

TEST_F(Api, KaplanMeierByGroupWithTheLogRankTest) {
  const auto session = Login("vic");
  auto res = Get("/api/km?endpoint=os&group=tumour", session);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const json km = json::parse(res->body);
  // Three patients with three primary sites: midgut, pancreatic, and the third's.
  EXPECT_EQ(km["groups"].size(), 3u);
  for (const json& g : km["groups"]) {
    EXPECT_EQ(g["n"], 1);
    EXPECT_TRUE(g.contains("table"));
  }
  EXPECT_TRUE(km.contains("logrank"));
  // Filters keep the patients whose attribute is one of the values given.
  const json filtered =
      json::parse(Get("/api/km?endpoint=os&group=tumour&tumour=midgut,pancreatic", session)->body);
  ASSERT_EQ(filtered["groups"].size(), 2u);
  EXPECT_EQ(filtered["groups"][0]["group"], "midgut");
  EXPECT_EQ(filtered["groups"][1]["group"], "pancreatic");
  EXPECT_EQ(filtered["filters"]["tumour"], (json{"midgut", "pancreatic"}));
  const json one = json::parse(Get("/api/km?endpoint=os&group=cohort&tumour=bronchial", session)->body);
  EXPECT_EQ(one["groups"].size(), 1u);
  EXPECT_FALSE(one.contains("logrank"));  // one group: nothing to compare
  EXPECT_EQ(Get("/api/km?endpoint=os&group=cohort&tumour=hindgut", session)->status, 404);
  EXPECT_EQ(Get("/api/km?endpoint=dfs&group=cohort", session)->status, 400);
  EXPECT_EQ(Get("/api/km?endpoint=os&group=age", session)->status, 400);
  auto latin1 = Get("/api/km?endpoint=os&group=cohort&tumour=midgut,caf%E9", session);
  ASSERT_TRUE(latin1);
  EXPECT_EQ(latin1->status, 400);
  EXPECT_EQ(json::parse(latin1->body)["error"], "tumour: found 'caf\\xE9'; expected UTF-8 text");
  // A mistyped filter would be ignored, and the curves of everyone taken for those of the tumours asked for.
  auto mistyped = Get("/api/km?endpoint=os&group=cohort&tumor=midgut", session);
  ASSERT_TRUE(mistyped);
  EXPECT_EQ(mistyped->status, 400);
  EXPECT_EQ(json::parse(mistyped->body)["error"],
            "tumor: unknown parameter; expected one of endpoint, group, cohort, tumour, grade");
}

TEST_F(Api, TheStudyOfTheRegistryWithItsDownloads) {
  httplib::Client client = Client();
  EXPECT_EQ(client.Get("/api/study")->status, 401);
  EXPECT_EQ(client.Get("/api/study/report.html")->status, 401);
  const auto session = Login("vic");
  auto list = Get("/api/study", session);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->status, 200);
  std::vector<std::string> names;
  const json listed = json::parse(list->body);
  for (const json& f : listed["files"])
    names.push_back(f["name"]);
  for (const char* expected :
       {"report.html", "study.xlsx", "study.json", "table1.csv", "adtte.csv", "beyond.csv"})
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  auto report = Get("/api/study/report.html", session);
  EXPECT_EQ(report->status, 200);
  EXPECT_NE(report->body.find("id=\"table1\""), std::string::npos);
  EXPECT_EQ(report->get_header_value("Content-Security-Policy"),
            "default-src 'none'; style-src 'unsafe-inline'");
  auto adtte = Get("/api/study/adtte.csv", session);
  EXPECT_EQ(adtte->status, 200);
  EXPECT_EQ(adtte->body.rfind("USUBJID,PARAMCD", 0), 0u);
  EXPECT_NE(adtte->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
  // Only the study's own files, by name.
  EXPECT_EQ(Get("/api/study/..%2F..%2Fetc%2Fpasswd", session)->status, 404);
  EXPECT_EQ(Get("/api/study/r.db", session)->status, 404);
  // A write makes the next study count it: an AML in the retreated patient.
  const json before = json::parse(Get("/api/study/study.json", session)->body);
  EXPECT_EQ(before["headline"]["aml_mds_percent"], 0.0);
  ASSERT_EQ(
      Post("/api/patients/P001/events", {{"date", "2015-01-05"}, {"event", "aml"}}, Login("ana"))->status,
      201);
  const json after = json::parse(Get("/api/study/study.json", session)->body);
  EXPECT_EQ(after["headline"]["aml_mds_percent"], 100.0);
}

// The study's files hold data of each patient (ADTTE): written in a folder of the temporary directory that
// only the server's user may open, made at the first request for the study, and removed with the server.
TEST_F(Api, TheStudysFilesAreWrittenWhereOnlyTheServersUserMayReadThemAndRemovedWithIt) {
  const std::filesystem::path temp = dir_.path / "tmp";
  std::filesystem::create_directory(temp);
  const testing::ScopedEnv tmpdir("TMPDIR", temp.string());
  const auto session = Login("vic");
  EXPECT_TRUE(std::filesystem::is_empty(temp));
  ASSERT_EQ(Get("/api/study", session)->status, 200);
  std::vector<std::filesystem::path> made(std::filesystem::directory_iterator(temp), {});
  ASSERT_EQ(made.size(), 1u);
  EXPECT_EQ(made[0].filename().string().rfind("prrt_serve_", 0), 0u) << made[0];
  EXPECT_EQ(std::filesystem::status(made[0]).permissions(), std::filesystem::perms::owner_all);
  // The files are in it: the ADTTE served is the one written there.
  std::vector<std::filesystem::path> adtte;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(made[0]))
    if (entry.path().filename() == "adtte.csv") adtte.push_back(entry.path());
  ASSERT_EQ(adtte.size(), 1u);
  EXPECT_EQ(testing::Slurp(adtte[0]), Get("/api/study/adtte.csv", session)->body);
  server_->Stop();
  thread_.join();
  server_.reset();
  EXPECT_TRUE(std::filesystem::is_empty(temp));
}

// A temporary directory that is not one: the study is answered 500 with what is wrong, and the rest served.
TEST_F(Api, NoTemporaryDirectoryForTheStudyIsSaidAndTheRestServed) {
  const std::filesystem::path file = dir_.path / "not-a-folder";
  std::ofstream(file) << "x";
  const testing::ScopedEnv tmpdir("TMPDIR", file.string());
  const auto session = Login("vic");
  auto list = Get("/api/study", session);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 500);
  EXPECT_EQ(json::parse(list->body)["error"],
            fmt::format("cannot write the study: no temporary directory (TMPDIR): {}",
                        std::make_error_code(std::errc::not_a_directory).message()));
  EXPECT_EQ(Get("/api/worklist", session)->status, 200);
}

TEST_F(Api, LogOutEndsTheSession) {
  const auto session = Login("vic");
  EXPECT_EQ(Get("/api/session", session)->status, 200);
  EXPECT_EQ(Post("/api/logout", json::object(), session)->status, 200);
  EXPECT_EQ(Get("/api/session", session)->status, 401);
}

TEST_F(Api, AWriteRenewsTheAnswersKeptForTheWorklistAndTheCohortQueries) {
  const auto session = Login("ana");
  auto events = [&] {
    int total = 0;
    const json km = json::parse(Get("/api/km?endpoint=pfs_i&group=tumour", session)->body);
    for (const json& g : km["groups"])
      total += g["events"].get<int>();
    return total;
  };
  auto cycles_of_p003 = [&] {
    const json worklist = json::parse(Get("/api/worklist", session)->body);
    for (const json& p : worklist["patients"])
      if (p["patient_id"] == "P003") return p["cycles_given"].get<int>();
    return -1;
  };
  const int events_before = events(), cycles_before = cycles_of_p003();
  ASSERT_EQ(events(), events_before);  // asked twice: the second answer is the kept one, the same
  // P003 has had two I cycles and no progression: one more cycle, then a progression after it.
  ASSERT_EQ(Post("/api/patients/P003/cycles", {{"phase", "I"}, {"date", "2010-05-17"}, {"activity_gbq", 7.4}},
                 session)
                ->status,
            201);
  EXPECT_EQ(cycles_of_p003(), cycles_before + 1);
  ASSERT_EQ(Post("/api/patients/P003/events",
                 {{"date", "2011-01-10"}, {"event", "progression"}, {"method", "recist"}}, session)
                ->status,
            201);
  EXPECT_EQ(events(), events_before + 1);
}

// A second server on the port in use is refused, not given a share of the port's connections (httplib's
// default SO_REUSEPORT let both listen: a second registry served on the same address took every other
// client).
TEST_F(Api, ASecondServerOnThePortInUseIsRefused) {
  ServerOptions options;
  options.db = db_;
  options.port = port_;
  Result<std::unique_ptr<Server>> second = Server::Create(options);
  ASSERT_TRUE(second.ok()) << second.status().message();
  Result<int> bound = (*second)->Bind();
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.status().message(),
            fmt::format("cannot listen on 127.0.0.1:{} (in use, or not an address of this machine)", port_));
  EXPECT_EQ(Get("/api/session", Login("ana"))->status, 200);  // the first still serves
}

class ApiOverHttps : public Api {
 protected:
  bool Https() override { return true; }
};

// What the server keeps in memory follows changes another process commits while it serves: a patient
// imported (P004, pancreatic, a cycle) is on the worklist, in the cohort's curves, the study and the health
// count; a patient renamed by prrt rename-patient (P003 to P030) is under the new id alone. Before, they
// waited for a restart.
TEST_F(Api, FollowsChangesAnotherProcessCommitsWhileItServes) {
  const auto session = Login("vic");
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001", "P002", "P003"}));
  EXPECT_EQ(PancreaticOsPatients(session), 1);  // P002
  EXPECT_EQ(json::parse(Get("/api/study", session)->body)["patients"], 3);

  ASSERT_NO_FATAL_FAILURE(ImportP004("P004,I,2011-03-01,7.4\n"));
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"rename-patient", "--db", db_, "P003", "P030"}, out, err), 0) << err;

  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001", "P002", "P030", "P004"}));
  EXPECT_EQ(PancreaticOsPatients(session), 2);
  EXPECT_EQ(json::parse(Get("/api/study", session)->body)["patients"], 4);
  httplib::Client client = Client();
  EXPECT_EQ(json::parse(client.Get("/api/health")->body)["patients"], 4);
}

// Another process's change has the patients the audit trail names since the last look read again, the
// others not: an edit made with SQL in the sqlite3 shell (in the trail, by the registry's triggers) to P001
// is seen beside P002's rename by prrt, while an edit to P003 by a tool that turns the triggers off (not in
// the trail) is not; such an edit alone, the trail naming nothing, has every patient read again. A patient
// another process registered (nothing recorded yet: in no curve) and removed is counted, then forgotten.
TEST_F(Api, ReadsAgainThePatientsTheAuditTrailNamesAfterAnotherProcesssChange) {
  const auto session = Login("vic");
  auto patients = [&] { return json::parse(Client().Get("/api/health")->body)["patients"].get<int>(); };
  EXPECT_EQ(PancreaticOsPatients(session), 1);  // P002
  ASSERT_TRUE(testing::ExecSql(db_,
                               "UPDATE patients SET primary_site = 'pancreatic' WHERE patient_id = 'P003'",
                               testing::SqlTriggers::kOff));
  ASSERT_TRUE(
      testing::ExecSql(db_, "UPDATE patients SET primary_site = 'pancreatic' WHERE patient_id = 'P001'"));
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"rename-patient", "--db", db_, "P002", "P020"}, out, err), 0) << err;
  EXPECT_EQ(PancreaticOsPatients(session), 2);  // P001 and P020: P003 was not read again
  ASSERT_TRUE(testing::ExecSql(db_, "UPDATE patients SET ki67_percent = '3' WHERE patient_id = 'P001'",
                               testing::SqlTriggers::kOff));
  EXPECT_EQ(PancreaticOsPatients(session), 3);  // every patient read again: P003 too

  ASSERT_NO_FATAL_FAILURE(ImportP004(""));
  EXPECT_EQ(patients(), 4);
  {
    Result<registry::Store> other = registry::Store::Open(db_);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(other->RemovePatient("P004", "ana").ok());
  }
  EXPECT_EQ(patients(), 3);
}

// The server's own writes, followed as they are made, are not read again with the next change of another
// process: after 101 patients registered from the clinic (past the 100 patients above which every patient is
// read again), a rename by prrt rename-patient has P002 alone read again, an edit to P003 that is not in the
// trail (SQLite's triggers off) unseen. A change of another process committed before a write of the server's
// own, and not yet looked at, is still followed: its patients read (P020 back to P002), not every patient
// (such an edit to P001 unseen).
TEST_F(Api, ItsOwnWritesAreNotReadAgainWithAnotherProcesssChange) {
  const auto session = Login("ana");
  EXPECT_EQ(PancreaticOsPatients(session), 1);  // P002
  for (int i = 0; i <= 100; ++i)
    ASSERT_EQ(RegisterNewPatient(i, session)->status, 201);
  ASSERT_TRUE(testing::ExecSql(db_,
                               "UPDATE patients SET primary_site = 'pancreatic' WHERE patient_id = 'P003'",
                               testing::SqlTriggers::kOff));
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"rename-patient", "--db", db_, "P002", "P020"}, out, err), 0) << err;
  EXPECT_EQ(PancreaticOsPatients(session), 1);  // P020

  ASSERT_TRUE(testing::ExecSql(db_,
                               "UPDATE patients SET primary_site = 'pancreatic' WHERE patient_id = 'P001'",
                               testing::SqlTriggers::kOff));
  ASSERT_EQ(testing::RunPrrt({"rename-patient", "--db", db_, "P020", "P002"}, out, err), 0) << err;
  const json lab = {{"date", "2026-11-02"}, {"test", "hb"}, {"value", 7.5}, {"unit", "mmol/l"}};
  ASSERT_EQ(Post("/api/patients/N000/labs", lab, session)->status, 201);
  const json km = json::parse(Get("/api/km?endpoint=os&group=tumour&tumour=pancreatic", session)->body);
  EXPECT_EQ(km["groups"][0]["n"], 1);
  EXPECT_EQ(WorklistIds(session, "?q=p0"), (std::set<std::string>{"P001", "P002", "P003"}));
}

// The first request of a new day has every patient's plan derived again as of it: the worklist as of
// 2005-03-01, between P001's first and second cycles, holds each patient's plan as `prrt plan --as-of
// 2005-03-01` gives it, and P001's as of today (phase I over) is no longer there. The endpoints, which do
// not change with the date, are kept.
TEST_F(Api, ANewDayHasEveryPlanDerivedAgainAsOfIt) {
  const auto session = Login("vic");
  auto worklist = [&] { return json::parse(Get("/api/worklist", session)->body); };
  auto plan_of = [&](const json& list, const std::string& id) {
    for (json p : list["patients"]) {
      if (p["patient_id"] == id) {
        p.erase("due");  // the worklist's own fields
        p.erase("eligibility_summary");
        return p;
      }
    }
    return json();
  };
  const json before = worklist();
  EXPECT_EQ(before["as_of"], FormatDate(registry::Today()));
  const json km_before = json::parse(Get("/api/km?endpoint=os&group=cohort", session)->body);

  today_ = *registry::ParseDay("2005-03-01");
  const json after = worklist();
  EXPECT_EQ(after["as_of"], "2005-03-01");
  EXPECT_EQ(after["total"], 3);
  for (const std::string id : {"P001", "P002", "P003"}) {
    std::string out, err;
    ASSERT_EQ(
        testing::RunPrrt({"plan", "--db", db_, "--patient", id, "--as-of", "2005-03-01", "--json"}, out, err),
        0)
        << err;
    EXPECT_EQ(plan_of(after, id), json::parse(out)) << id;
  }
  EXPECT_EQ(plan_of(after, "P001")["phase_status"], "in_progress");
  EXPECT_NE(plan_of(before, "P001"), plan_of(after, "P001"));
  EXPECT_EQ(json::parse(Get("/api/km?endpoint=os&group=cohort", session)->body), km_before);
}

// Requests that read, writes from the clinic and another process's changes, all at once: every request is
// answered, and what is kept ends as the registry is. Three clients ask the worklist, the curves, the health
// count and the study over and over; a fourth registers 20 patients; meanwhile the command line imports P004
// and renames P003 to P030, and then an edit that is not in the audit trail (SQLite's triggers off) makes
// P001 pancreatic (every patient read again while the clients ask). (Under ThreadSanitizer this is the test
// of the server's locks.)
TEST_F(Api, ReadsWritesAndAnotherProcesssChangesAtOnceLeaveWhatIsKeptAsTheRegistryIs) {
  const auto viewer = Login("vic");
  const auto clinician = Login("ana");
  std::atomic<bool> done{false};
  std::atomic<int> answered{0}, refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 3; ++c) {
    clients.emplace_back([&] {
      httplib::Client client = Client();
      const httplib::Headers cookie{{"Cookie", viewer.first}};
      while (!done) {
        for (const char* path :
             {"/api/worklist?limit=10", "/api/km?endpoint=os&group=tumour", "/api/health", "/api/study"}) {
          httplib::Result answer = client.Get(path, cookie);
          (answer && answer->status == 200 ? answered : refused)++;
        }
      }
    });
  }
  std::thread registering([&] {
    for (int i = 0; i < 20; ++i) {
      httplib::Result answer = RegisterNewPatient(i, clinician);
      (answer && answer->status == 201 ? answered : refused)++;
    }
  });
  ImportP004("P004,I,2011-03-01,7.4\n");
  std::string out, err;
  EXPECT_EQ(testing::RunPrrt({"rename-patient", "--db", db_, "P003", "P030"}, out, err), 0) << err;
  // The edit not in the trail once the rename and the clinic's writes are followed: else the look that
  // follows them too reads the patients the trail names alone, not seeing the edit (docs/server.md).
  for (int wait = 0; wait < 100 && !WorklistIds(viewer, "?q=p030").count("P030"); ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  registering.join();
  EXPECT_TRUE(testing::ExecSql(db_,
                               "UPDATE patients SET primary_site = 'pancreatic' WHERE patient_id = 'P001'",
                               testing::SqlTriggers::kOff));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  done = true;
  for (std::thread& t : clients)
    t.join();
  EXPECT_EQ(refused, 0);
  EXPECT_GT(answered, 20);

  std::set<std::string> expected = {"P001", "P002", "P030", "P004"};
  for (int i = 0; i < 20; ++i)
    expected.insert(fmt::format("N{:03}", i));
  EXPECT_EQ(WorklistIds(viewer), expected);
  EXPECT_EQ(PancreaticOsPatients(viewer), 3);  // P001, P002 and P004
  EXPECT_EQ(json::parse(Get("/api/study", viewer)->body)["patients"], 24);
}

// While another process holds the registry's write lock (an import), a write waits for it at most
// registry_busy_wait (here 3 s), then is answered 503 with Retry-After, nothing stored. Meanwhile the other
// requests do not wait for it (each answered within 1.5 s, while the write waits): a patient's page and trail
// and logging in, read on the server's second connection; the worklist, the Kaplan–Meier curves and the
// health count, served from memory (their look for other processes' changes put off). Before, all but the
// page and trail waited for the write. Once the lock is free, the same write is stored.
TEST_F(Api, AWriteWhileAnotherProcessWritesIsAnsweredBusyAndPagesStillLoad) {
  const auto session = Login("ana");
  const json lab = {{"date", "2016-01-05"}, {"test", "hb"}, {"value", 7.5}, {"unit", "mmol/l"}};
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  int busy_status = 0;
  std::string busy_retry_after, busy_body;
  std::thread write([&] {
    httplib::Result busy = Post("/api/patients/P001/labs", lab, session);
    if (!busy) return;
    busy_status = busy->status;
    busy_retry_after = busy->get_header_value("Retry-After");
    busy_body = busy->body;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the write waits for the lock
  // Asked all at once, each on its own connection.
  std::map<std::string, int> statuses, all_answered;
  for (const char* path : {"/api/patients/P002", "/api/patients/P002/audit", "/api/worklist",
                           "/api/km?endpoint=os&group=tumour", "/api/health", "/api/login"}) {
    statuses[path] = 0;
    all_answered[path] = 200;
  }
  std::vector<std::thread> asking;
  for (auto& [path, status] : statuses) {
    asking.emplace_back([&, path = path, status = &status] {
      httplib::Client client = Client();
      client.set_read_timeout(1, 500000);
      httplib::Result answer =
          path == "/api/login"
              ? client.Post(path, json{{"user", "vic"}, {"password", "correct horse"}}.dump(),
                            "application/json")
              : client.Get(path, {{"Cookie", session.first}});
      if (answer) *status = answer->status;
    });
  }
  for (std::thread& t : asking)
    t.join();
  EXPECT_EQ(statuses, all_answered);
  write.join();
  EXPECT_EQ(busy_status, 503);
  EXPECT_EQ(busy_retry_after, "5");
  EXPECT_EQ(busy_body, R"({"error":"database busy: another process is writing to it; try again"})");
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(ExportedFile("labs.csv").find("P001,2016-01-05,hb"), std::string::npos);
  auto stored = Post("/api/patients/P001/labs", lab, session);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, 201) << stored->body;
  EXPECT_NE(ExportedFile("labs.csv").find("P001,2016-01-05,hb,7.5,mmol/l"), std::string::npos);
}

// A hundred connections open and idle (a page's six from each of many browsers, or a client that never sends)
// do not keep a request waiting: each holds a thread of the server's pool for up to 5 s; with 64 threads the
// request waited that long. The bound, 3 s, is between the two.
TEST_F(Api, IdleConnectionsDoNotKeepARequestWaiting) {
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) {
    const int sock = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    idle.push_back(sock);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // each taken by a thread of the pool
  httplib::Client client = Client();
  client.set_connection_timeout(3);
  client.set_read_timeout(3);
  auto health = client.Get("/api/health");
  EXPECT_TRUE(health && health->status == 200) << (health ? "" : httplib::to_string(health.error()));
  for (int sock : idle)
    close(sock);
}

// Over HTTPS (the certificate given, which the client checks) the API works as over HTTP, and the session
// cookie, set and cleared, is Secure: a browser never sends it over plain HTTP. Plain HTTP to the port gets
// no answer.
TEST_F(ApiOverHttps, ServesTheApiWithASecureSessionCookie) {
  httplib::Client client = Client();
  auto login = client.Post("/api/login", R"({"user":"ana","password":"correct horse"})", "application/json");
  ASSERT_TRUE(login) << httplib::to_string(login.error());
  EXPECT_EQ(login->status, 200);
  const std::string cookie = login->get_header_value("Set-Cookie");
  EXPECT_TRUE(cookie.ends_with("; Path=/; HttpOnly; SameSite=Strict; Secure")) << cookie;
  const httplib::Headers session{{"Cookie", cookie.substr(0, cookie.find(';'))}};
  auto patient = client.Get("/api/patients/P001", session);
  ASSERT_TRUE(patient);
  EXPECT_EQ(patient->status, 200);
  EXPECT_EQ(json::parse(patient->body)["plan"]["patient_id"], "P001");
  auto logout = client.Post("/api/logout", session, "", "application/json");
  ASSERT_TRUE(logout);
  EXPECT_TRUE(logout->get_header_value("Set-Cookie").ends_with("; Max-Age=0; Secure"))
      << logout->get_header_value("Set-Cookie");

  httplib::Client plain("127.0.0.1", port_);
  plain.set_read_timeout(2);
  auto refused = plain.Get("/api/health");
  EXPECT_TRUE(!refused || refused->status != 200);
}

// A certificate without its key, a file that cannot be read, a key that is not the certificate's: refused
// before anything listens, each said.
TEST(ServerOptions, ACertificateNeedsItsReadableKey) {
  testing::TempDir dir("server_tls");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"import", "--db", db, "--from", "tests/data/registry_example"}, out, err), 0);
  auto refusal = [&](const std::string& cert, const std::string& key) {
    ServerOptions options;
    options.db = db;
    options.port = 0;
    options.tls_cert = cert;
    options.tls_key = key;
    Result<std::unique_ptr<Server>> server = Server::Create(options);
    return server.ok() ? std::string("created") : server.status().message();
  };
  EXPECT_EQ(refusal("tests/data/tls/cert.pem", ""),
            "a TLS certificate needs its key, and a key its certificate: give both, or neither");
  EXPECT_EQ(refusal("tests/data/tls/none.pem", "tests/data/tls/key.pem"),
            "tests/data/tls/none.pem: cannot read the file");
  EXPECT_EQ(
      refusal("tests/data/tls/key.pem", "tests/data/tls/cert.pem"),
      "tests/data/tls/key.pem and tests/data/tls/cert.pem: expected a PEM certificate and the PEM private "
      "key that belongs to it");
  EXPECT_EQ(refusal("tests/data/tls/cert.pem", "tests/data/tls/key.pem"), "created");
}

// prrt serve warns that passwords and patient data cross the network unencrypted when it listens on an
// address other machines reach, without TLS; and that nobody can log in to a registry without users. Neither
// on loopback with a user (the Api fixture), nor over HTTPS.
TEST(ServerOptions, WarnsOfDataInClearTextAndOfNoUsers) {
  testing::TempDir dir("server_warnings");
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"import", "--db", db, "--from", "tests/data/registry_example"}, out, err), 0);
  auto warnings = [&](const std::string& host, bool https) {
    ServerOptions options;
    options.db = db;
    options.host = host;
    if (https) {
      options.tls_cert = "tests/data/tls/cert.pem";
      options.tls_key = "tests/data/tls/key.pem";
    }
    Result<std::unique_ptr<Server>> server = Server::Create(options);
    EXPECT_TRUE(server.ok()) << server.status().message();
    return server.ok() ? (*server)->Warnings() : std::vector<std::string>{};
  };
  const std::string clear_text =
      "passwords and patient data cross the network unencrypted; serve HTTPS (--tls-cert and --tls-key) or "
      "behind "
      "a TLS proxy (docs/server.md)";
  const std::string no_users =
      "nobody can log in yet: add a user, prrt user add --db " + db + " --name NAME --role admin";
  EXPECT_EQ(warnings("0.0.0.0", false), (std::vector<std::string>{clear_text, no_users}));
  EXPECT_EQ(warnings("0.0.0.0", true), (std::vector<std::string>{no_users}));
  ASSERT_EQ(testing::RunPrrt({"user", "add", "--db", db, "--name", "ana", "--role", "admin", "--password",
                              "correct horse"},
                             out, err),
            0)
      << err;
  EXPECT_EQ(warnings("127.0.0.1", false), std::vector<std::string>{});
  EXPECT_EQ(warnings("192.168.1.20", false), std::vector<std::string>{clear_text});
}

TEST(ServerOptions, LoopbackAddressesAreThisMachinesAlone) {
  for (const char* host : {"127.0.0.1", "127.0.1.1", "::1", "localhost"})
    EXPECT_TRUE(IsLoopbackAddress(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "192.168.1.20", "10.0.0.127", "clinic.example.org", ""})
    EXPECT_FALSE(IsLoopbackAddress(host)) << host;
}

// The example registry edited by another tool (or filled by an earlier prrt): P003's note in Latin-1 ("café",
// its e-acute the byte E9) and a patient whose id has a newline.
class ApiOnAnEditedRegistry : public Api {
 protected:
  std::string Edit() override {
    return "UPDATE patients SET extra = 'x_note' || char(9) || CAST(X'636166E9' AS TEXT) || char(10) WHERE "
           "patient_id = 'P003'; INSERT INTO patients (patient_id, sex, birth_date, primary_site, "
           "last_contact_date) VALUES ('P9' || char(10) || '9', 'f', '1950-01-01', 'midgut', '2016-01-01')";
  }
};

// The server answers JSON for them all the same: a byte that is not UTF-8 as U+FFFD (the JSON library
// threw on it, and the server answered an empty 500), the id as it is stored, its address percent-encoded.
TEST_F(ApiOnAnEditedRegistry, AnswersJsonForTextThatIsNotUtf8OrHoldsANewline) {
  const auto session = Login("vic");
  auto p003 = Get("/api/patients/P003", session);
  ASSERT_EQ(p003->status, 200) << p003->body;
  EXPECT_EQ(json::parse(p003->body)["x_note"], "caf\xEF\xBF\xBD");
  auto worklist = Get("/api/worklist", session);
  ASSERT_EQ(worklist->status, 200) << worklist->body;
  const json patients = json::parse(worklist->body)["patients"];
  std::set<std::string> ids;
  for (const json& p : patients)
    ids.insert(p["patient_id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"P001", "P002", "P003", "P9\n9"}));
  auto odd = Get("/api/patients/P9%0A9", session);
  ASSERT_EQ(odd->status, 200) << odd->body;
  EXPECT_EQ(json::parse(odd->body)["patient_id"], "P9\n9");
}

// P001's dose of 18 April 2005 made 'abc' in the sqlite3 shell before the server started.
class ApiOnARegistryChangedOutsidePrrt : public Api {
 protected:
  std::string Edit() override {
    return "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id = 'P001' AND date = '2005-04-18'";
  }
};

// A patient whose rows fail the checks an import makes does not stop the clinic (the server would not start):
// the others are served, the worklist lists the patient to correct with the problems, their page answers
// 409 with the problems and the rows as stored, the study waits for them (it is of every patient), the
// curves leave them out and say so. A write that does not mend the rows is refused with the problem; the
// correction of the row is stored, and the patient is back everywhere. The same when a patient's rows are
// broken while the server runs: in the trail (P002, read alone), with SQLite's triggers off (P003, every
// patient read again), on a new day (every plan derived again), and under the id a rename gives.
TEST_F(ApiOnARegistryChangedOutsidePrrt, APatientWhoseRowsWereChangedOutsidePrrtIsListedToBeCorrected) {
  const auto session = Login("ana");
  const std::string problem =
      "cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number";
  auto to_correct = [&] { return ToCorrect(session); };
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P002", "P003"}));
  EXPECT_EQ(to_correct(), (std::map<std::string, json>{{"P001", json::array({problem})}}));
  const json health = json::parse(Client().Get("/api/health")->body);
  EXPECT_EQ(health["patients"], 2);
  EXPECT_EQ(health["patients_to_correct"], 1);

  auto page = Get("/api/patients/P001", session);
  ASSERT_EQ(page->status, 409) << page->body;
  const json p001 = json::parse(page->body);
  EXPECT_EQ(p001["error"],
            "patient 'P001' has rows prrt would not import (changed outside prrt? the changes say): correct "
            "them");
  EXPECT_EQ(p001["problems"], json::array({problem}));
  EXPECT_EQ(p001["rows"]["cycles.csv"].size(), 6u);
  EXPECT_EQ(p001["rows"]["cycles.csv"][1],
            (json{{"patient_id", "P001"}, {"phase", "I"}, {"date", "2005-04-18"}, {"activity_gbq", "abc"}}));
  EXPECT_EQ(p001["rows"]["patients.csv"][0]["sex"], "f");
  EXPECT_EQ(Get("/api/patients/P002", session)->status, 200);

  auto study = Get("/api/study", session);
  EXPECT_EQ(study->status, 409);
  EXPECT_EQ(json::parse(study->body)["error"],
            "the study is of every patient: the rows of 1 patient must be corrected first (P001; changed "
            "outside prrt, the worklist lists them)");
  EXPECT_EQ(Get("/api/study/table1.csv", session)->status, 409);
  const json km = json::parse(Get("/api/km?endpoint=os&group=tumour", session)->body);
  EXPECT_EQ(km["patients_to_correct"], json::array({"P001"}));
  int curve_patients = 0;
  for (const json& g : km["groups"])
    curve_patients += g["n"].get<int>();
  EXPECT_EQ(curve_patients, 2);

  // A lab result leaves the dose as it is: refused, nothing stored.
  const int64_t audited = AuditCount();
  const json lab = {{"date", "2005-04-11"}, {"test", "hb"}, {"value", 7.5}, {"unit", "mmol/l"}};
  auto refused = Post("/api/patients/P001/labs", lab, session);
  ASSERT_EQ(refused->status, 422) << refused->body;
  EXPECT_EQ(FieldErrors(refused), (std::map<std::string, std::string>{{"", problem}}));
  EXPECT_EQ(AuditCount(), audited);
  // The dose corrected.
  const json cycle = {{"phase", "I"}, {"date", "2005-04-18"}, {"activity_gbq", "7.4"}};
  auto corrected = Send("PUT", "/api/patients/P001/cycles", cycle, session);
  ASSERT_EQ(corrected->status, 200) << corrected->body;
  EXPECT_EQ(json::parse(corrected->body)["updated"], 1);
  EXPECT_TRUE(to_correct().empty());
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001", "P002", "P003"}));
  EXPECT_EQ(Get("/api/patients/P001", session)->status, 200);
  EXPECT_EQ(json::parse(Get("/api/study", session)->body)["patients"], 3);
  EXPECT_EQ(json::parse(Client().Get("/api/health")->body)["patients_to_correct"], 0);
  // The trail has the change made outside prrt and its correction.
  std::vector<std::pair<std::string, std::string>> changes;
  const json trail = json::parse(Get("/api/patients/P001/audit", session)->body);
  for (const json& e : trail["entries"]) {
    if (e["column"] == "activity_gbq")
      changes.emplace_back(e["user"].get<std::string>(), e["new_value"].get<std::string>());
  }
  EXPECT_EQ(changes,
            (std::vector<std::pair<std::string, std::string>>{{"(outside prrt)", "abc"}, {"ana", "7.4"}}));

  ASSERT_TRUE(testing::ExecSql(db_, "UPDATE patients SET sex = 'x' WHERE patient_id = 'P002'"));
  ASSERT_TRUE(testing::ExecSql(
      db_, "UPDATE cycles SET activity_gbq = '7,4' WHERE patient_id = 'P003' AND date = '2010-01-11'",
      testing::SqlTriggers::kOff));
  EXPECT_EQ(
      to_correct(),
      (std::map<std::string, json>{
          {"P002", json::array({"patients.csv (recorded) P002: sex: found 'x'; expected one of: m, f"})},
      }));
  ASSERT_TRUE(testing::ExecSql(db_, "UPDATE patients SET ki67_percent = '3' WHERE patient_id = 'P001'",
                               testing::SqlTriggers::kOff));
  const std::map<std::string, json> both = {
      {"P002", json::array({"patients.csv (recorded) P002: sex: found 'x'; expected one of: m, f"})},
      {"P003", json::array({"cycles.csv (recorded) P003|2010-01-11: activity_gbq: found '7,4'; expected a "
                            "number (with a decimal point: 7.4)"})}};
  EXPECT_EQ(to_correct(), both);
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001"}));
  today_ = today_ + 1;
  EXPECT_EQ(to_correct(), both);
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001"}));
  EXPECT_EQ(json::parse(Client().Get("/api/health")->body)["patients"], 1);

  auto renamed = Post("/api/patients/P002/rename", {{"patient_id", "P020"}}, session);
  ASSERT_EQ(renamed->status, 200) << renamed->body;
  EXPECT_EQ(
      to_correct(),
      (std::map<std::string, json>{
          {"P020", json::array({"patients.csv (recorded) P020: sex: found 'x'; expected one of: m, f"})},
          {"P003", both.at("P003")}}));
  // The patient's own row mended field by field.
  auto mended = Send("PATCH", "/api/patients/P020", {{"sex", "m"}}, session);
  ASSERT_EQ(mended->status, 200) << mended->body;
  EXPECT_EQ(to_correct(), (std::map<std::string, json>{{"P003", both.at("P003")}}));
}

// A cycle stored under an id no patient has (the sqlite3 shell does not enforce foreign keys) is listed to
// correct under that id; its page answers 409 with the row; registering the patient from the clinic makes the
// cycle theirs (it is kept, not deleted as the new patient's missing rows), and nothing is left to correct.
TEST_F(ApiOnARegistryChangedOutsidePrrt, RowsOfAnIdNoPatientHasAreMendedByRegisteringThePatient) {
  const auto session = Login("ana");
  ASSERT_EQ(Send("PUT", "/api/patients/P001/cycles",
                 {{"phase", "I"}, {"date", "2005-04-18"}, {"activity_gbq", "7.4"}}, session)
                ->status,
            200);
  ASSERT_TRUE(testing::ExecSql(db_,
                               "INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES "
                               "('P004', 'I', '2011-03-01', '7.4')"));
  const json worklist = json::parse(Get("/api/worklist", session)->body);
  EXPECT_EQ(
      worklist["patients_to_correct"],
      json::parse(R"([{"patient_id": "P004", "problems": ["cycles.csv (recorded): patient_id: 'P004' is )"
                  R"(not in patients.csv"]}])"));
  auto page = Get("/api/patients/P004", session);
  ASSERT_EQ(page->status, 409) << page->body;
  EXPECT_EQ(
      json::parse(page->body)["rows"]["cycles.csv"],
      json::parse(R"([{"patient_id": "P004", "phase": "I", "date": "2011-03-01", "activity_gbq": "7.4"}])"));
  EXPECT_TRUE(json::parse(page->body)["rows"]["patients.csv"].empty());
  // Rows of no patient are not added to or changed: the patient is registered first.
  EXPECT_EQ(Send("PUT", "/api/patients/P004/cycles",
                 {{"phase", "I"}, {"date", "2011-03-01"}, {"activity_gbq", "7.3"}}, session)
                ->status,
            404);
  const json patient = {{"patient_id", "P004"},
                        {"sex", "m"},
                        {"birth_date", "1955-05-05"},
                        {"primary_site", "pancreatic"},
                        {"last_contact_date", "2012-06-01"}};
  auto registered = Post("/api/patients", patient, session);
  ASSERT_EQ(registered->status, 201) << registered->body;
  EXPECT_EQ(json::parse(registered->body)["inserted"], 1);
  EXPECT_EQ(json::parse(registered->body)["deleted"], 0);
  auto p004 = Get("/api/patients/P004", session);
  ASSERT_EQ(p004->status, 200) << p004->body;
  EXPECT_EQ(json::parse(p004->body)["phases"][0]["start"], "2011-03-01");
  EXPECT_EQ(json::parse(Get("/api/worklist", session)->body)["patients_to_correct"], json::array());
}

// Rows given no patient_id while the server runs (NULL in the sqlite3 shell, or empty: the same to prrt, read
// as one group) are followed through the trail, whose key for them starts with '|': listed to correct under
// null (no page can show them), left out of the curves, the study waiting for them; once they are given
// their patient again, nothing is left to correct. Before, they were listed only after a full read, under
// "", and named in the study's message as a patient.
TEST_F(Api, RowsGivenNoPatientIdWhileServingAreListedUnderNull) {
  const auto session = Login("ana");
  ASSERT_EQ(Get("/api/study", session)->status, 200);
  ASSERT_TRUE(testing::ExecSql(
      db_,
      "UPDATE labs SET patient_id = NULL WHERE patient_id = 'P001' AND date = '2005-03-15' AND test = 'hb'; "
      "UPDATE cycles SET patient_id = '' WHERE patient_id = 'P003' AND date = '2010-01-11'"));
  const json worklist = json::parse(Get("/api/worklist", session)->body);
  EXPECT_EQ(worklist["patients_to_correct"], json::parse(R"([{"patient_id": null, "problems": [
                "cycles.csv (recorded) |2010-01-11: patient_id: missing; it is required",
                "labs.csv (recorded) |2005-03-15|hb: patient_id: missing; it is required"]}])"));
  // The patients keep their other rows.
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001", "P002", "P003"}));
  EXPECT_EQ(json::parse(Get("/api/km?endpoint=os&group=tumour", session)->body)["patients_to_correct"],
            json::array({nullptr}));
  auto study = Get("/api/study", session);
  EXPECT_EQ(study->status, 409);
  EXPECT_EQ(
      json::parse(study->body)["error"],
      "the study is of every patient: rows without a patient_id must be corrected first (changed outside "
      "prrt, the worklist lists them)");
  ASSERT_TRUE(
      testing::ExecSql(db_,
                       "UPDATE labs SET patient_id = 'P001' WHERE patient_id IS NULL; UPDATE cycles SET "
                       "patient_id = 'P003' WHERE patient_id = ''"));
  EXPECT_EQ(json::parse(Get("/api/worklist", session)->body)["patients_to_correct"], json::array());
  EXPECT_EQ(Get("/api/study", session)->status, 200);
}

// A row of P002's given its patient_id as a blob while the server runs (from a script's bytes, say) lists
// P002 to correct, with the SQL that makes it text; no write can correct it (a write stores text, and would
// have left the blob beside a text copy), so writes to P002 answer 409 until it is made text.
TEST_F(Api, ARowWhosePatientIdWasMadeABlobListsThePatientToCorrect) {
  const auto session = Login("ana");
  ASSERT_TRUE(testing::ExecSql(db_,
                               "UPDATE cycles SET patient_id = CAST(patient_id AS BLOB) WHERE patient_id = "
                               "'P002' AND date = '2006-06-12'"));
  const std::string problem =
      "cycles.csv (recorded): patient_id: found 'P002' stored as a blob (X'50303032') in 1 row; expected "
      "text "
      "(`UPDATE cycles SET patient_id = CAST(patient_id AS TEXT) WHERE typeof(patient_id) = 'blob'` makes it "
      "text)";
  EXPECT_EQ(ToCorrect(session), (std::map<std::string, json>{{"P002", json::array({problem})}}));
  auto page = Get("/api/patients/P002", session);
  EXPECT_EQ(page->status, 409);
  EXPECT_EQ(json::parse(page->body)["problems"], json::array({problem}));
  EXPECT_EQ(json::parse(page->body)["rows"]["cycles.csv"].size(), 4u);
  auto lab = Post("/api/patients/P002/labs",
                  {{"date", "2006-06-12"}, {"test", "hb"}, {"value", 7.5}, {"unit", "mmol/l"}}, session);
  EXPECT_EQ(lab->status, 409);
  EXPECT_EQ(json::parse(lab->body)["error"],
            fmt::format("{}: patient 'P002' has rows a write cannot correct:\n{}", db_, problem));
  ASSERT_TRUE(testing::ExecSql(
      db_, "UPDATE cycles SET patient_id = CAST(patient_id AS TEXT) WHERE typeof(patient_id) = 'blob'"));
  EXPECT_EQ(ToCorrect(session), (std::map<std::string, json>{}));
  EXPECT_EQ(Post("/api/patients/P002/labs",
                 {{"date", "2006-06-12"}, {"test", "hb"}, {"value", 7.5}, {"unit", "mmol/l"}}, session)
                ->status,
            201);
}

// The curves' rows are kept in a flat list, a patient leaving it giving their place to the last row: after
// P001 (first) leaves, P003 (last) is in P001's place, and a change to P003 must change that row, not the
// place it left (beyond the end of the list).
TEST_F(Api, TheCurvesFollowAPatientWhoseRowTookAnotherPlace) {
  const auto session = Login("ana");
  auto sites = [&] {
    std::map<std::string, int> n;
    const json km = json::parse(Get("/api/km?endpoint=os&group=tumour", session)->body);
    for (const json& g : km["groups"])
      n[g["group"].get<std::string>()] = g["n"].get<int>();
    return n;
  };
  EXPECT_EQ(sites(), (std::map<std::string, int>{{"bronchial", 1}, {"midgut", 1}, {"pancreatic", 1}}));
  ASSERT_TRUE(testing::ExecSql(db_, "UPDATE patients SET sex = 'x' WHERE patient_id = 'P001'"));
  EXPECT_EQ(sites(), (std::map<std::string, int>{{"bronchial", 1}, {"pancreatic", 1}}));
  auto changed = Send("PATCH", "/api/patients/P003", {{"primary_site", "hindgut"}}, session);
  ASSERT_EQ(changed->status, 200) << changed->body;
  EXPECT_EQ(sites(), (std::map<std::string, int>{{"hindgut", 1}, {"pancreatic", 1}}));
  ASSERT_EQ(Send("PATCH", "/api/patients/P001", {{"sex", "f"}}, session)->status, 200);
  EXPECT_EQ(sites(), (std::map<std::string, int>{{"hindgut", 1}, {"midgut", 1}, {"pancreatic", 1}}));
}

// A patient with two rows broken outside prrt is corrected in the clinic a row at a time: after the first
// correction (stored) they are still listed to correct, with the problem left, and in no plan or curve; after
// the second they are back. Rows of an id no patient has are removed from the clinic one by one. Before,
// the first correction was refused for the second problem, and rows of no patient could not be removed.
TEST_F(ApiOnARegistryChangedOutsidePrrt, RowsChangedOutsidePrrtAreCorrectedOrRemovedARowAWrite) {
  const auto session = Login("ana");
  ASSERT_TRUE(testing::ExecSql(
      db_,
      "UPDATE cycles SET activity_gbq = 'x' WHERE patient_id = 'P001' AND date = '2005-06-20'; INSERT INTO "
      "cycles (patient_id, phase, date, activity_gbq) VALUES ('P004', 'I', '2011-03-01', '7.4'), ('P004', "
      "'I', '2011-05-03', '7.4')"));
  auto listed = [&] { return ToCorrect(session); };
  const std::string p004 = "cycles.csv (recorded): patient_id: 'P004' is not in patients.csv";
  EXPECT_EQ(listed(),
            (std::map<std::string, json>{
                {"P001",
                 json::array(
                     {"cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number",
                      "cycles.csv (recorded) P001|2005-06-20: activity_gbq: found 'x'; expected a number"})},
                {"P004", json::array({p004, p004})}}));
  auto correct = [&](const std::string& date) {
    auto res = Send("PUT", "/api/patients/P001/cycles",
                    {{"phase", "I"}, {"date", date}, {"activity_gbq", "7.4"}}, session);
    EXPECT_EQ(res->status, 200) << date << ": " << res->body;
  };
  correct("2005-04-18");
  EXPECT_EQ(
      listed().at("P001"),
      json::array({"cycles.csv (recorded) P001|2005-06-20: activity_gbq: found 'x'; expected a number"}));
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P002", "P003"}));
  EXPECT_EQ(Get("/api/patients/P001", session)->status, 409);
  correct("2005-06-20");
  EXPECT_EQ(WorklistIds(session), (std::set<std::string>{"P001", "P002", "P003"}));

  auto removed = Send("DELETE", "/api/patients/P004/cycles?date=2011-03-01", json(), session);
  ASSERT_EQ(removed->status, 200) << removed->body;
  EXPECT_EQ(json::parse(removed->body)["deleted"], 1);
  EXPECT_EQ(listed(), (std::map<std::string, json>{{"P004", json::array({p004})}}));
  ASSERT_EQ(Send("DELETE", "/api/patients/P004/cycles?date=2011-05-03", json(), session)->status, 200);
  EXPECT_TRUE(listed().empty());
  EXPECT_EQ(Get("/api/patients/P004", session)->status, 404);
  EXPECT_EQ(Get("/api/study", session)->status, 200);
}

// A simulated registry of 80 patients: enough for every worklist filter to keep some and not others.
class ApiOnSimulatedRegistry : public Api {
 protected:
  std::vector<std::string> Populate() override {
    return {"simulate", "--patients", "80", "--seed", "11", "--db", db_};
  }
  json Worklist(const std::string& query, const std::pair<std::string, std::string>& session) {
    auto res = Get("/api/worklist" + query, session);
    EXPECT_TRUE(res && res->status == 200) << query << ": " << (res ? res->body : "no answer");
    return res ? json::parse(res->body) : json();
  }
};

std::vector<std::string> Ids(const json& patients) {
  std::vector<std::string> ids;
  for (const json& p : patients)
    ids.push_back(p["patient_id"]);
  return ids;
}

// How urgent a patient is, by the test's own reading of the plan: 0 something overdue, 1 something due, 2
// neither; and the date of the next action (the first due one, else the first planned; "" none).
int Urgency(const json& p) {
  int urgency = 2;
  for (const json& a : p["actions"]) {
    if (a["status"] == "overdue") urgency = 0;
    if (a["status"] == "due" && urgency == 2) urgency = 1;
  }
  return urgency;
}
std::string NextDate(const json& p) {
  if (!p["due"].empty()) return p["due"][0]["window_start"];
  return p["actions"].empty() ? "" : p["actions"][0]["window_start"].get<std::string>();
}

TEST_F(ApiOnSimulatedRegistry, WorklistFiltersSortsAndPagesOnTheServer) {
  const auto session = Login("vic");
  // The simulated cohort ends in 2017, so every blood test is older than the protocol's 42 days, and no one
  // who relapsed untreated has a salvage work-up: nobody is eligible today. A clinician records today's
  // work-up and blood tests for a few patients held back by these only.
  const std::string today = FormatDate(
      std::chrono::duration_cast<std::chrono::days>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  int recorded = 0;
  const json before = Worklist("", session);
  for (const json& p : before["patients"]) {
    const json& e = p["eligibility"];
    if (recorded == 3 || e.is_null() || e["unmet"] != json::array({"missing_data"}) ||
        e["details"]["missing"] !=
            "krenning_score, karnofsky, hb, wbc, platelets, creatinine or creatinine_clearance" ||
        !e["details"].contains("hb_too_old")) {
      continue;
    }
    const std::string id = p["patient_id"];
    auto work_up =
        Post("/api/patients/" + id + "/baselines",
             {{"phase", e["next_phase"]}, {"date", today}, {"krenning_score", 3}, {"karnofsky", 80}},
             Login("ana"));
    ASSERT_TRUE(work_up);
    ASSERT_EQ(work_up->status, 201) << work_up->body;
    for (const auto& [test, value, unit] :
         {std::tuple("hb", 8.1, "mmol/l"), std::tuple("wbc", 5.2, "10^9/l"),
          std::tuple("platelets", 210.0, "10^9/l"), std::tuple("creatinine", 82.0, "umol/l")}) {
      auto res = Post("/api/patients/" + id + "/labs",
                      {{"date", today}, {"test", test}, {"value", value}, {"unit", unit}}, Login("ana"));
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 201) << res->body;
    }
    ++recorded;
  }
  ASSERT_GT(recorded, 0);
  const json all = Worklist("", session);
  ASSERT_EQ(all["total"], 80);
  EXPECT_EQ(all["matched"], 80);
  EXPECT_TRUE(all["limit"].is_null());
  const std::vector<json> patients(all["patients"].begin(), all["patients"].end());
  ASSERT_EQ(patients.size(), 80u);

  // The default order: overdue first, then due, then the rest; within each, by the next action's date (none
  // last), then by id.
  auto urgency_key = [](const json& p) {
    const std::string next = NextDate(p);
    return std::tuple(Urgency(p), next.empty(), next, p["patient_id"].get<std::string>());
  };
  EXPECT_TRUE(std::is_sorted(patients.begin(), patients.end(),
                             [&](const json& a, const json& b) { return urgency_key(a) < urgency_key(b); }));

  // Each filter keeps exactly the patients the test's own rule keeps, in the same order.
  const std::map<std::string, std::function<bool(const json&)>> rules = {
      {"due", [](const json& p) { return Urgency(p) <= 1; }},
      {"overdue", [](const json& p) { return Urgency(p) == 0; }},
      {"eligible", [](const json& p) { return !p["eligibility"].is_null() && p["eligibility"]["eligible"]; }},
      // After RR-PRRT there is no next phase to be blocked from.
      {"blocked", [](const json& p) {
         return !p["eligibility"].is_null() && !p["eligibility"]["next_phase"].is_null() &&
                !p["eligibility"]["eligible"];
       }}};
  for (const auto& [filter, rule] : rules) {
    std::vector<std::string> expected;
    for (const json& p : patients)
      if (rule(p)) expected.push_back(p["patient_id"]);
    EXPECT_FALSE(expected.empty()) << filter;
    EXPECT_LT(expected.size(), patients.size()) << filter;
    const json kept = Worklist("?filter=" + filter, session);
    EXPECT_EQ(Ids(kept["patients"]), expected) << filter;
    EXPECT_EQ(kept["matched"], expected.size()) << filter;
    EXPECT_EQ(kept["total"], 80) << filter;
  }

  // Sorted by id, descending, one page of it.
  std::vector<std::string> ids = Ids(all["patients"]);
  std::sort(ids.rbegin(), ids.rend());
  const json page = Worklist("?sort=patient&order=desc&offset=10&limit=7", session);
  EXPECT_EQ(Ids(page["patients"]), std::vector<std::string>(ids.begin() + 10, ids.begin() + 17));
  EXPECT_EQ(page["offset"], 10);
  EXPECT_EQ(page["limit"], 7);
  EXPECT_EQ(page["matched"], 80);
  // By the number of cycles given, ties by id.
  std::vector<json> by_cycles = patients;
  std::sort(by_cycles.begin(), by_cycles.end(), [](const json& a, const json& b) {
    return std::pair(a["cycles_given"].get<int>(), a["patient_id"].get<std::string>()) <
           std::pair(b["cycles_given"].get<int>(), b["patient_id"].get<std::string>());
  });
  EXPECT_EQ(Ids(Worklist("?sort=cycles", session)["patients"]), Ids(json(by_cycles)));
  // Pages of the default order join up to the whole list; past the end there is nothing.
  std::vector<std::string> joined;
  for (int offset = 0; offset < 80; offset += 30) {
    const std::vector<std::string> part =
        Ids(Worklist(fmt::format("?limit=30&offset={}", offset), session)["patients"]);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, Ids(all["patients"]));
  EXPECT_TRUE(Worklist("?offset=200&limit=10", session)["patients"].empty());

  // The search text finds a patient by id, whatever the case.
  std::string id = patients[5]["patient_id"], lower = id;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const std::vector<std::string> found = Ids(Worklist("?q=" + lower, session)["patients"]);
  EXPECT_NE(std::find(found.begin(), found.end(), id), found.end());
  EXPECT_TRUE(Worklist("?q=no%20such%20patient", session)["patients"].empty());
  // It reads what eligibility misses too: who needs a work-up before salvage.
  std::vector<std::string> need_work_up;
  for (const json& p : patients) {
    const json& e = p["eligibility"];
    if (!e.is_null() &&
        e["details"].value("missing", std::string()).find("krenning_score") != std::string::npos)
      need_work_up.push_back(p["patient_id"]);
  }
  EXPECT_FALSE(need_work_up.empty());
  EXPECT_EQ(Ids(Worklist("?q=krenning_score", session)["patients"]), need_work_up);
  // Each patient's eligibility in the worklist's words (what the page shows), from the eligibility itself.
  for (const json& p : patients) {
    const json& e = p["eligibility"];
    std::string expected;
    if (e.is_null()) {
      EXPECT_TRUE(p["eligibility_summary"].is_null()) << p["patient_id"];
      continue;
    }
    if (e["next_phase"].is_null()) {
      expected = "no further PRRT phase";
    } else if (e["eligible"]) {
      expected = "eligible for " + e["next_phase"].get<std::string>() + "-PRRT";
    } else {
      std::string unmet;
      for (const json& u : e["unmet"])
        unmet += (unmet.empty() ? "" : ", ") + u.get<std::string>();
      expected = e["next_phase"].get<std::string>() + "-PRRT blocked: " + unmet;
      if (e["details"].contains("missing"))
        expected += " (missing: " + e["details"]["missing"].get<std::string>() + ")";
    }
    EXPECT_EQ(p["eligibility_summary"], expected) << p["patient_id"];
  }

  // Wrong parameters: 400, naming the parameter and what it may be.
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"?filter=soon", "filter: found 'soon'; expected one of due, overdue, eligible, blocked"},
           {"?sort=age", "sort: found 'age'; expected one of urgency, patient, phase"},
           {"?order=up", "order: found 'up'; expected one of asc, desc"},
           {"?limit=-1", "limit: found '-1'; expected a whole number 0 or more"},
           {"?offset=x", "offset: found 'x'; expected a whole number 0 or more"},
           // Not UTF-8 (Latin-1's e-acute): said, where the message failed to become JSON (500, no body).
           {"?sort=%E9", "sort: found '\\xE9'; expected one of urgency"},
           {"?offset=%E9", "offset: found '\\xE9'; expected a whole number 0 or more"},
           // A mistyped parameter would be ignored, and the whole worklist taken for the filtered one.
           {"?filtre=due",
            "filtre: unknown parameter; expected one of filter, q, sort, order, offset, limit"}}) {
    auto res = Get("/api/worklist" + query, session);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << query;
    EXPECT_NE(json::parse(res->body)["error"].get<std::string>().find(message), std::string::npos)
        << query << ": " << res->body;
  }
}

// The study's refusal names the first ten of many patients to correct, and rows without a patient_id beside
// them.
TEST_F(ApiOnSimulatedRegistry, TheStudyWaitingForManyPatientsNamesTheFirstTen) {
  const auto session = Login("vic");
  ASSERT_TRUE(testing::ExecSql(
      db_,
      "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id IN (SELECT patient_id FROM patients ORDER BY "
      "patient_id LIMIT 12); UPDATE labs SET patient_id = NULL WHERE row_id = (SELECT max(row_id) FROM "
      "labs)"));
  auto study = Get("/api/study", session);
  EXPECT_EQ(study->status, 409);
  EXPECT_EQ(
      json::parse(study->body)["error"],
      "the study is of every patient: the rows of 12 patients and rows without a patient_id must be "
      "corrected first (S01, S02, S03, S04, S05, S06, S07, S08, S09, S10, ...; changed outside prrt, the "
      "worklist lists them)");
}

TEST_F(ApiOnSimulatedRegistry, LargeAnswersGoCompressedToClientsThatAcceptGzip) {
  const auto session = Login("vic");
  const std::string path = "/api/km?endpoint=os&group=cohort";
  httplib::Client raw = Client();
  raw.set_decompress(false);
  auto plain =
      raw.Get(path.c_str(), httplib::Headers{{"Cookie", session.first}, {"Accept-Encoding", "identity"}});
  auto packed =
      raw.Get(path.c_str(), httplib::Headers{{"Cookie", session.first}, {"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(plain && packed);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->body.substr(0, 2), "\x1f\x8b");  // a gzip member (RFC 1952), compressed once
  EXPECT_LT(packed->body.size(), plain->body.size() / 2);
  EXPECT_TRUE(json::parse(plain->body).contains("groups"));
  // httplib's own decoder gives back the plain answer, byte for byte.
  httplib::Client decoding = Client();
  auto unpacked =
      decoding.Get(path.c_str(), httplib::Headers{{"Cookie", session.first}, {"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(unpacked);
  EXPECT_EQ(unpacked->body, plain->body);
}

}  // namespace
}  // namespace prrt::server
