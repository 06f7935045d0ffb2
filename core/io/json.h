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
// pass through a double. Every other number is a double (Kind::Number). The
// writer keeps the two apart: a double is always written with a '.' or an
// exponent (1.0, -0.0, 1e+30), so it reads back as the same double, and an
// integer never has one.
//
// Hostile input: the text is already in memory, but the tree built from it
// can be far larger (about 100 bytes per value: "0," is 2 bytes of text), so
// parse_json counts values against JsonLimits::max_values, limits nesting
// (the parser recurses), and can run a caller's check on each value before
// its contents are read (the safetensors reader refuses an unknown key
// before parsing the 10 million numbers behind it).
//
// Errors throw ag::Error with the byte offset where parsing stopped, e.g.
//     json: expected ':' after object key at byte 7
#pragma once

#include <cstdint>
#include <functional>
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
  bool boolean = false;            // Kind::Bool
  int64_t integer = 0;             // Kind::Int
  double number = 0.0;             // Kind::Number
  std::string string;              // Kind::String (UTF-8)
  std::vector<JsonValue> array;    // Kind::Array
  std::vector<JsonMember> object;  // Kind::Object, in the order of the text

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
  static JsonValue make_object();                    // add members with add()
  JsonValue& add(std::string key, JsonValue value);  // appends to an object; returns *this
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

// "null", "bool", "integer", "number", "string", "array", "object": for messages.
const char* json_kind_name(JsonValue::Kind kind);

// Where a value sits in the document: one step per enclosing container, the
// member's key inside an object or the element's index inside an array.
struct JsonStep {
  std::string_view key;  // inside an object
  int64_t index = -1;    // inside an array (then key is empty)
};
using JsonPath = std::vector<JsonStep>;

// Called for every value, with its path from the root and its kind: for an
// array or object before its contents are read, for a scalar just after. It
// refuses a value by throwing (its message is passed on, with the byte offset).
using JsonCheck = std::function<void(const JsonPath& path, JsonValue::Kind kind)>;

struct JsonLimits {
  int max_depth = 64;            // arrays and objects nested deeper are refused
  int64_t max_values = 1 << 20;  // every value counts, containers included (~100 MB of tree)
  JsonCheck check;               // optional
  // Optional: receives each member of the root object as soon as its value is
  // parsed, instead of the tree keeping it (the root comes back with no
  // members). A reader that turns each member into something small (the
  // safetensors header: one entry per tensor) then never holds the whole tree.
  std::function<void(std::string key, JsonValue value)> take_root_member;
};

// Parse exactly one JSON value; only whitespace may surround it. Arrays and
// objects nested deeper than max_depth are rejected (a hostile file cannot
// blow the stack of this recursive-descent parser), and so is a document of
// more than limits.max_values values.
JsonValue parse_json(std::string_view text, const JsonLimits& limits);
JsonValue parse_json(std::string_view text, int max_depth = 64);

// Compact JSON (no spaces), members in their stored order. Non-ASCII text is
// written as raw UTF-8; control characters and quotes are escaped. Doubles use
// the shortest text that reads back to the same value, with ".0" added when
// that text would look like an integer ("-0" becomes "-0.0"); NaN/inf throw.
std::string write_json(const JsonValue& value);

namespace detail {
// Length of the well-formed UTF-8 sequence that starts at s[pos] (a byte >=
// 0x80), or 0 if it is malformed. Shared by the parser and the writer.
size_t utf8_sequence_length(std::string_view s, size_t pos);
}  // namespace detail

}  // namespace ag::io
