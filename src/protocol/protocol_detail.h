// What eligibility and the plan both read from a patient's rows (private to src/protocol).
#pragma once

#include <optional>
#include <string>

#include "prrt/protocol/protocol.h"
#include "prrt/registry/timeline.h"

namespace prrt::protocol::detail {

//! The rows dated on or before `as_of` (undated rows, such as patients.csv, are all kept): `data` itself when
//! none is later, else a copy of the earlier ones made in `storage`.
const registry::Interchange& RowsUpTo(const registry::Interchange& data, registry::Day as_of,
                                      registry::Interchange& storage);

//! AML or MDS, or a cytopenia of CTCAE grade >= 2 unrecovered for more than the protocol's months: what was
//! found, in words; none otherwise.
std::optional<std::string> PersistentMyelosuppression(const registry::Timeline& timeline, registry::Day as_of,
                                                      const Protocol& protocol);

}  // namespace prrt::protocol::detail
