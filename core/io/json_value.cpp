// core/io/json_value.cpp: JsonValue's constructors and lookups (declared in
// core/io/json.h). The parser is in json.cpp, the writer in json_writer.cpp.
#include "core/io/json.h"

#include "core/error.h"

namespace ag::io {

// ---------------------------------------------------------------- JsonValue
JsonValue::JsonValue() = default;
JsonValue::~JsonValue() = default;
JsonValue::JsonValue(const JsonValue&) = default;
JsonValue::JsonValue(JsonValue&&) noexcept = default;
JsonValue& JsonValue::operator=(const JsonValue&) = default;
JsonValue& JsonValue::operator=(JsonValue&&) noexcept = default;

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const JsonMember& m : object)
    if (m.key == key) return &m.value;
  return nullptr;
}

JsonValue JsonValue::make_bool(bool b) {
  JsonValue v;
  v.kind = Kind::Bool;
  v.boolean = b;
  return v;
}
JsonValue JsonValue::make_int(int64_t i) {
  JsonValue v;
  v.kind = Kind::Int;
  v.integer = i;
  return v;
}
JsonValue JsonValue::make_number(double d) {
  JsonValue v;
  v.kind = Kind::Number;
  v.number = d;
  return v;
}
JsonValue JsonValue::make_string(std::string s) {
  JsonValue v;
  v.kind = Kind::String;
  v.string = std::move(s);
  return v;
}
JsonValue JsonValue::make_array() { return make_array({}); }
JsonValue JsonValue::make_array(std::vector<JsonValue> items) {
  JsonValue v;
  v.kind = Kind::Array;
  v.array = std::move(items);
  return v;
}
JsonValue JsonValue::make_object() {
  JsonValue v;
  v.kind = Kind::Object;
  return v;
}

JsonValue& JsonValue::add(std::string key, JsonValue value) {
  if (kind != Kind::Object)
    fail("json: add(\"", key, "\") on a value of kind ", json_kind_name(kind),
         " (needs an object)");
  object.push_back(JsonMember{std::move(key), std::move(value)});
  return *this;
}

const char* json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::Null:
      return "null";
    case JsonValue::Kind::Bool:
      return "bool";
    case JsonValue::Kind::Int:
      return "integer";
    case JsonValue::Kind::Number:
      return "number";
    case JsonValue::Kind::String:
      return "string";
    case JsonValue::Kind::Array:
      return "array";
    case JsonValue::Kind::Object:
      return "object";
  }
  return "?";
}

}  // namespace ag::io
