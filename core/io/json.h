// core/io/json.h: a small, strict JSON reader and writer.
//
// Just enough JSON for file headers (safetensors keeps its table of contents
// in a JSON object). It follows RFC 8259 to the letter and rejects anything
// outside it, because a header that a lenient parser accepts but the reference
// implementation rejects would be a file nobody else can read:
//
//   value   = object | array | string | number | true | false | null
//   object  = { "key": value, ... }     keys must be unique (we reject repeats)
//   array   = [ value, ... ]            no trailing commas
//   string  = "..."  with escapes \" \\ \/ \b \f \n \r \t \uXXXX (surrogate
//             pairs combine into one code point); raw bytes must be valid UTF-8
//             and raw control characters (< 0x20) are not allowed
//   number  = -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?   no NaN, no +1, no 01
//
// A number written without fraction or exponent that fits in int64 is kept
// exactly as an integer (Kind::Int): byte offsets in a file header must not
// pass through a double. Every other number is a double (Kind::Number).
//
// Errors throw ag::Error with the byte offset where parsing stopped, e.g.
//     json: expected ':' after object key at byte 7
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ag::io {

struct JsonMember;

struct JsonValue {
  enum class Kind { Null, Bool, Int, Number, String, Array, Object };

  // Defined in json.cpp, where JsonMember is complete: an object holds a
  // vector of members that each hold a JsonValue, and the standard library
  // may only destroy or copy that vector once JsonMember is a complete type.
  JsonValue();
  ~JsonValue();
  JsonValue(const JsonValue&);
  JsonValue(JsonValue&&) noexcept;
  JsonValue& operator=(const JsonValue&);
  JsonValue& operator=(JsonValue&&) noexcept;

  Kind kind = Kind::Null;
  bool boolean = false;             // Kind::Bool
  int64_t integer = 0;              // Kind::Int
  double number = 0.0;              // Kind::Number
  std::string string;               // Kind::String (UTF-8)
  std::vector<JsonValue> array;     // Kind::Array
  std::vector<JsonMember> object;   // Kind::Object, in the order of the text

  bool is(Kind k) const { return kind == k; }
  // The member named key of an object, or nullptr (also for non-objects).
  const JsonValue* find(std::string_view key) const;

  static JsonValue make_null() { return JsonValue(); }
  static JsonValue make_bool(bool b);
  static JsonValue make_int(int64_t i);
  static JsonValue make_number(double d);
  static JsonValue make_string(std::string s);
  static JsonValue make_array();
  static JsonValue make_array(std::vector<JsonValue> items);
  static JsonValue make_object();  // add members with add()
  JsonValue& add(std::string key, JsonValue value);  // appends to an object; returns *this
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// "null", "bool", "integer", "number", "string", "array", "object": for messages.
const char* json_kind_name(JsonValue::Kind kind);

// Parse exactly one JSON value; only whitespace may surround it. Arrays and
// objects nested deeper than max_depth are rejected (a hostile file cannot
// blow the stack of this recursive-descent parser).
JsonValue parse_json(std::string_view text, int max_depth = 64);

// Compact JSON (no spaces), members in their stored order. Non-ASCII text is
// written as raw UTF-8; control characters and quotes are escaped. Doubles use
// the shortest text that reads back to the same value; NaN/inf throw.
std::string write_json(const JsonValue& value);

}  // namespace ag::io
