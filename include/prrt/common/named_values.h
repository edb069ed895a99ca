// prrt/common/named_values.h — an enum's values and their names for the command line and JSON, as a table.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace prrt {

template <class E>
struct NamedValue {
  E value;
  std::string_view name;
};

//! The value whose name is `name`, if any.
template <class E, size_t N>
constexpr std::optional<E> ValueNamed(const NamedValue<E> (&table)[N], std::string_view name) {
  for (const NamedValue<E>& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

//! The name of `value`; "?" for a value not in the table (a programming error).
template <class E, size_t N>
constexpr std::string_view NameOf(const NamedValue<E> (&table)[N], E value) {
  for (const NamedValue<E>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

}  // namespace prrt
