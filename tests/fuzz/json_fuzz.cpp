// tests/fuzz/json_fuzz.cpp: the JSON parser and writer (see fuzz_harness.h).
// Promise checked: a document that parses is written as text that parses to
// the same document (written again: the same text), kinds included.
#include <string_view>

#include "core/error.h"
#include "core/io/json.h"
#include "tests/fuzz/fuzz_harness.h"

bool ag_fuzz_json(const uint8_t* data, size_t size) {
  using namespace ag::io;
  JsonValue value;
  try {
    value = parse_json(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ag::Error&) {
    return false;
  }
  const std::string text = write_json(value);
  const std::string again = write_json(parse_json(text));
  ag_fuzz::require(again == text, "write(parse(write(v))) != write(v): " + text + " vs " + again);
  return true;
}

AG_FUZZ_ENTRY(ag_fuzz_json)
