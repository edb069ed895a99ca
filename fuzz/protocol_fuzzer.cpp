// libFuzzer target: a protocol file (`--protocol`, over the reference profile), whatever its text, is read or
// refused with one message in UTF-8; a protocol read is applied — each patient's eligibility and next actions
// in the example registry, on dates from before their first cycle to after their last — and its plans
// written as JSON, without a crash, a failed assert (built without NDEBUG) or undefined behaviour (a number
// of days or weeks too large for the day it is added to, say).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "prrt/common/utf8.h"
#include "prrt/protocol/plan.h"
#include "prrt/protocol/protocol.h"
#include "prrt/registry/interchange.h"
#include "prrt/report/registry_json.h"

namespace {

const prrt::registry::Interchange& Example() {
  static const prrt::registry::Interchange example = [] {
    prrt::registry::Problems problems;
    prrt::Result<prrt::registry::Interchange> data = prrt::registry::ReadInterchange(
        PRRT_SOURCE_DIR "/tests/data/registry_example", *prrt::registry::ParseDay("2026-11-27"), problems);
    if (!data.ok()) __builtin_trap();
    return *data;
  }();
  return example;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const prrt::registry::Interchange& example = Example();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const prrt::Result<prrt::protocol::Protocol> protocol = prrt::protocol::ParseProtocol(text, "fuzz.toml");
  if (!protocol.ok()) {
    if (!prrt::IsUtf8Text(protocol.status().message())) __builtin_trap();
    return 0;
  }
  for (const prrt::registry::Row& patient : example.files.at("patients.csv")) {
    for (const char* date :
         {"2004-01-01", "2005-05-01", "2006-09-01", "2008-06-15", "2009-01-01", "2012-01-01", "2026-11-27"}) {
      const prrt::registry::Day day = *prrt::registry::ParseDay(date);
      const std::string& id = *patient.get("patient_id");
      const prrt::protocol::Eligibility eligibility =
          prrt::protocol::AssessEligibility(example, id, day, *protocol);
      const prrt::Result<prrt::protocol::Plan> plan =
          prrt::protocol::PlanNextActions(example, id, day, *protocol);
      if (!plan.ok()) __builtin_trap();  // every patient is in the registry
      // Written as the command line and the server write them (text in UTF-8, or dump throws).
      (void)prrt::report::EligibilityJson(eligibility).dump();
      (void)prrt::report::PlanJson(*plan, *protocol).dump();
    }
  }
  return 0;
}
