// The simulator: deterministic for a seed, registries that pass import validation, a model file whose errors
// are named, and the calibration: at large N the study's headline figures lie within 5% of the published
// ones.
#include "prrt/sim/simulator.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "prrt/registry/store.h"
#include "prrt/registry/timeline.h"
#include "prrt/study/headline.h"
#include "support/json_match.h"
#include "support/scenario.h"
#include "support/scoped_env.h"

namespace prrt::sim {
namespace {

namespace fs = std::filesystem;
using testing::Slurp;
using testing::TempDir;

registry::Interchange Read(const fs::path& folder) {
  registry::Problems problems;
  Result<registry::Interchange> data =
      registry::ReadInterchange(folder.string(), *registry::ParseDay("2026-11-27"), problems);
  EXPECT_TRUE(data.ok()) << data.status().message().substr(0, 2000);
  return data.ok() ? *data : registry::Interchange{};
}

TEST(Simulator, TheSameSeedGivesTheSameRegistry) {
  TempDir a("sim_a"), b("sim_b"), c("sim_c");
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 500, 11, a.path.string()).ok());
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 500, 11, b.path.string()).ok());
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 500, 12, c.path.string()).ok());
  for (const char* file : {"patients.csv", "cycles.csv", "labs.csv", "responses.csv", "events.csv"}) {
    EXPECT_EQ(Slurp(a.path / file), Slurp(b.path / file)) << file;
    EXPECT_NE(Slurp(a.path / file), Slurp(c.path / file)) << file;
  }
  // A patient's course depends on the seed and its number only: the first 500 of 1000 are the same 500.
  TempDir more("sim_more");
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 1000, 11, more.path.string()).ok());
  const std::string first = Slurp(a.path / "cycles.csv");
  EXPECT_NE(first.find("S001,I,"), std::string::npos);
  EXPECT_NE(Slurp(more.path / "cycles.csv").find("S0001,I,"), std::string::npos);
}

// `prrt simulate --db` writes the cohort into a folder of its own in TMPDIR and imports it from there: the
// folder is removed whether the import is done or fails.
TEST(Simulator, TheCommandsFolderIsRemovedWhetherTheImportIsDoneOrNot) {
  TempDir dir("sim_command"), temp("sim_command_tmp");
  const testing::ScopedEnv tmpdir("TMPDIR", temp.path.string());
  const std::string db = (dir.path / "r.db").string();
  std::string out, err;
  ASSERT_EQ(testing::RunPrrt({"simulate", "--patients", "20", "--seed", "3", "--db", db}, out, err), 0)
      << err;
  Result<registry::Store> store = registry::Store::Open(db);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*store->PatientCount(), 20);
  EXPECT_TRUE(std::filesystem::is_empty(temp.path));
  const std::string nowhere = (dir.path / "no-such-folder" / "r.db").string();
  EXPECT_EQ(testing::RunPrrt({"simulate", "--patients", "20", "--seed", "3", "--db", nowhere}, out, err), 2);
  EXPECT_NE(err.find("no-such-folder"), std::string::npos) << err;
  EXPECT_TRUE(std::filesystem::is_empty(temp.path));
}

TEST(Simulator, TheRegistryPassesImportValidationAndFollowsTheProtocol) {
  TempDir dir("sim_valid");
  Result<SimulationCounts> counts = SimulateRegistry(CalibratedModel(), 3000, 5, dir.path.string());
  ASSERT_TRUE(counts.ok()) << counts.status().message();
  EXPECT_EQ(counts->patients, 3000);
  const registry::Interchange data = Read(dir.path);
  EXPECT_EQ(data.files.at("patients.csv").size(), 3000u);
  EXPECT_EQ(static_cast<int64_t>(data.files.at("labs.csv").size()), counts->rows.at("labs.csv"));
  int64_t retreated = 0;
  for (const study::SubjectEndpoints& s : study::DeriveEndpoints(data)) {
    // Every patient starts I-PRRT inside the calendar window; salvage only after >= 18 months of PFS with
    // disease control; never more than 2 salvage cycles a phase.
    ASSERT_TRUE(s.phases[0].given) << s.patient_id;
    EXPECT_GE(s.first_cycle_date, "2000-01-01");
    EXPECT_LE(s.first_cycle_date, "2013-12-31");
    EXPECT_LE(s.last_contact_date, "2016-12-31");
    if (s.group != study::Group::kRetreatment) continue;
    ++retreated;
    EXPECT_GE(s.phases[0].pfs_months, 18.0) << s.patient_id;
    EXPECT_TRUE(s.phases[0].best_response == "cr" || s.phases[0].best_response == "pr" ||
                s.phases[0].best_response == "sd")
        << s.patient_id;
    EXPECT_LE(s.phases[1].cycles, 2);
  }
  EXPECT_GT(retreated, 500);
}

// A model file may set a median of a billion months (or a shape of 0, which makes every draw infinite or
// undefined): the time drawn is then at most 100,000 days, past any follow-up, not an int overflowed into a
// short or negative time (a median of 1e9 months is some 3e10 days). No patient with disease control after
// I-PRRT progresses, and the registry is valid.
TEST(Simulator, AnExtremeModelFileGivesDatesThatAreDates) {
  const std::string calibrated = testing::ReadSourceFile("data/sim/rotterdam-calibrated.toml");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"pfs_median = 31.0", "pfs_median = 1e9"},
                                 {"survival_shape = 1.3", "survival_shape = 0"}}) {
    std::string changed = calibrated;
    ASSERT_NE(changed.find(from), std::string::npos) << from;
    changed.replace(changed.find(from), from.size(), to);
    Result<Model> model = ParseModel(changed, "m.toml");
    ASSERT_TRUE(model.ok()) << model.status().message();
    TempDir dir("sim_extreme");
    ASSERT_TRUE(SimulateRegistry(*model, 300, 5, dir.path.string()).ok());
    const registry::Interchange data = Read(dir.path);
    int with_control = 0;
    for (const study::SubjectEndpoints& s : study::DeriveEndpoints(data)) {
      EXPECT_LE(s.last_contact_date, "2016-12-31") << s.patient_id;
      const std::string best = s.phases[0].best_response.value_or("");
      if (to != "pfs_median = 1e9" || (best != "cr" && best != "pr" && best != "sd")) continue;
      ++with_control;
      EXPECT_NE(s.phases[0].pfs_event_kind, "progression") << s.patient_id;
    }
    if (to == "pfs_median = 1e9") {
      EXPECT_GT(with_control, 100);
    }
  }
}

// With lesion measurements the CT/MRI assessments are lesions.csv rows, and the registry's responses,
// computed from them by RECIST 1.1, are the ones the simulator would have written (everything else is the
// same registry): the study's endpoints do not change.
TEST(Simulator, LesionMeasurementsGiveTheSimulatedResponses) {
  TempDir rows("sim_responses"), measured("sim_lesions");
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 3000, 5, rows.path.string()).ok());
  Result<SimulationCounts> counts =
      SimulateRegistry(CalibratedModel(), 3000, 5, measured.path.string(), {.lesion_measurements = true});
  ASSERT_TRUE(counts.ok());
  for (const char* file : {"patients.csv", "baselines.csv", "cycles.csv", "labs.csv", "events.csv"})
    EXPECT_EQ(Slurp(rows.path / file), Slurp(measured.path / file)) << file;
  EXPECT_EQ(Slurp(rows.path / "lesions.csv"),
            "patient_id,date,lesion_id,organ,role,lymph_node,diameter_mm,status\n");
  const registry::Interchange a = Read(rows.path), b = Read(measured.path);
  EXPECT_EQ(counts->rows.at("lesions.csv"), static_cast<int64_t>(b.files.at("lesions.csv").size()));
  // Only the responses no scan measures stay rows: NE, and progression seen on OctreoScan.
  for (const registry::Row& row : b.files.at("responses.csv")) {
    const bool kept = *row.get("response") == "ne" || *row.get("method") == "octreoscan";
    EXPECT_TRUE(kept) << row.line;
  }
  std::map<std::string, int> computed;  // by response
  int new_lesion_pd = 0, re_designated = 0;
  std::map<std::string, registry::Interchange> by_patient_a = registry::SplitByPatient(a),
                                               by_patient_b = registry::SplitByPatient(b);
  for (const auto& [id, patient_a] : by_patient_a) {
    Result<registry::Timeline> with_rows = registry::BuildTimeline(patient_a, id);
    Result<registry::Timeline> with_lesions = registry::BuildTimeline(by_patient_b.at(id), id);
    ASSERT_TRUE(with_rows.ok() && with_lesions.ok()) << id;
    ASSERT_EQ(with_rows->responses.size(), with_lesions->responses.size()) << id;
    for (size_t i = 0; i < with_rows->responses.size(); ++i) {
      const registry::Row& simulated = *with_rows->responses[i];
      const registry::Row& from_lesions = *with_lesions->responses[i];
      for (const char* column : {"date", "response", "method"})
        ASSERT_EQ(*simulated.get(column), *from_lesions.get(column)) << id << " " << column;
      if (from_lesions.get("x_note")) ++computed[*from_lesions.get("response")];
    }
    for (const registry::Row* lesion : with_lesions->lesions) {
      new_lesion_pd += *lesion->get("role") == "new";
      re_designated += *lesion->get("role") == "non_target" && *lesion->get("organ") == "liver";
    }
  }
  // Every kind of response is computed, PD both from growth and from a new lesion (a non-target at the
  // next phase's baseline).
  for (const char* response : {"cr", "pr", "sd", "pd"})
    EXPECT_GT(computed[response], 0) << response;
  EXPECT_GT(computed["pd"], new_lesion_pd);
  EXPECT_GT(new_lesion_pd, 0);
  EXPECT_GT(re_designated, 0);
  std::vector<study::SubjectEndpoints> ea = study::DeriveEndpoints(a), eb = study::DeriveEndpoints(b);
  ASSERT_EQ(ea.size(), eb.size());
  for (size_t i = 0; i < ea.size(); ++i) {
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(ea[i].phases[k].best_response, eb[i].phases[k].best_response) << ea[i].patient_id;
      EXPECT_EQ(ea[i].phases[k].pfs_months, eb[i].phases[k].pfs_months) << ea[i].patient_id;
    }
  }
}

TEST(Simulator, ModelFileErrorsNameTheKey) {
  EXPECT_EQ(ParseModel("[calendar]\nfirst_start = \"2000-13-01\"\n", "m.toml").status().message(),
            "m.toml: [calendar] first_start: expected a date \"YYYY-MM-DD\"");
  EXPECT_EQ(ParseModel("[model]\nname = [\n", "m.toml").status().message().substr(0, 9), "m.toml:2:");
  // Days that would overflow the dates they are added to (an int64 once cut to an int).
  const std::string calibrated = testing::ReadSourceFile("data/sim/rotterdam-calibrated.toml");
  const std::string delay = "start_delay_days = [30, 120]";
  ASSERT_NE(calibrated.find(delay), std::string::npos);
  auto with_delay = [&](const std::string& range) {
    std::string changed = calibrated;
    changed.replace(changed.find(delay), delay.size(), "start_delay_days = " + range);
    return ParseModel(changed, "m.toml");
  };
  for (const char* range : {"[30, 4294967416]", "[30, 100001]", "[120, 30]", "[-1, 30]"}) {
    EXPECT_EQ(with_delay(range).status().message(),
              "m.toml: [salvage] start_delay_days: expected 0 <= min <= max <= 100000")
        << range;
  }
  EXPECT_TRUE(with_delay("[0, 100000]").ok());
  TempDir dir("sim_bad");
  EXPECT_EQ(SimulateRegistry(CalibratedModel(), 0, 1, dir.path.string()).status().message(),
            "--patients: 0 is not a number of patients >= 1");
}

// The calibration: 200,000 simulated patients (about 73,000 retreated) with a seed other than the one the
// parameters were tuned with; each headline figure within 5% of the published value.
TEST(SimulatorCalibration, HeadlineFiguresWithin5PercentOfThePublishedOnes) {
  TempDir dir("sim_calibration");
  ASSERT_TRUE(SimulateRegistry(CalibratedModel(), 200000, 2026, dir.path.string()).ok());
  const study::Headline h = study::ComputeHeadline(study::DeriveEndpoints(Read(dir.path)));
  struct Published {
    const char* name;
    std::optional<double> ours;
    double paper;
  };
  for (const Published& p : {
           Published{"pfs_r_median_months", h.pfs_r_median_months, 14.6},
           Published{"pfs_rr_median_months", h.pfs_rr_median_months, 14.2},
           Published{"os_retreatment_median_months", h.os_retreatment_median_months, 80.8},
           Published{"os_control_median_months", h.os_control_median_months, 51.4},
           Published{"orr_r_percent", h.orr_r_percent, 15.5},
           Published{"sd_r_percent", h.sd_r_percent, 59.5},
           Published{"haem_grade34_r_percent", h.haem_grade34_r_percent, 6.6},
           Published{"aml_mds_percent", h.aml_mds_percent, 2.2},
       }) {
    ASSERT_TRUE(p.ours.has_value()) << p.name;
    EXPECT_NEAR(*p.ours, p.paper, 0.05 * p.paper) << p.name;
  }
  // The groups' proportions follow the paper's: 13 RR-PRRT of 168 R-PRRT, 168 retreated to 99 controls.
  EXPECT_NEAR(static_cast<double>(h.n_rr) / h.n_retreatment, 13.0 / 168, 0.05 * 13 / 168);
  EXPECT_NEAR(static_cast<double>(h.n_retreatment) / h.n_control, 168.0 / 99, 0.05 * 168 / 99);
}

}  // namespace
}  // namespace prrt::sim
