// core/io/json_writer.cpp: compact JSON text from a JsonValue (see json.h).
//
// Strings are checked to be UTF-8 and escaped; doubles are written in the
// shortest form that reads back to the same bits and always look like doubles
// (a '.' or an exponent), so that write then parse gives the same value of
// the same kind.
#include <charconv>
#include <cmath>

#include "core/error.h"
#include "core/io/json.h"

namespace ag::io {
namespace {

using detail::utf8_sequence_length;

void write_string(std::string& out, const std::string& s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // copy a multi-byte character whole, after checking it
      size_t n = utf8_sequence_length(s, i);
      if (n == 0)
        fail("json: cannot write a string that is not valid UTF-8 (byte ", i, " of \"", s, "\")");
      out.append(s, i, n);
      i += n - 1;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void write_value(std::string& out, const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Kind::Null:
      out += "null";
      return;
    case JsonValue::Kind::Bool:
      out += v.boolean ? "true" : "false";
      return;
    case JsonValue::Kind::Int:
      out += std::to_string(v.integer);
      return;
    case JsonValue::Kind::Number: {
      if (!std::isfinite(v.number))
        fail("json: cannot write ", v.number, " (JSON has no NaN or infinity)");
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.number);  // shortest round trip
      (void)ec;  // 32 bytes always suffice for a double
      out.append(buf, end);
      // "1", "-0" or "100" would read back as the integers 1, 0 and 100: keep
      // the kind (and the sign of -0.0) by writing "1.0", "-0.0", "100.0".
      // to_chars picks exponent form itself when that is shorter ("1e+30").
      if (std::string_view(buf, end - buf).find_first_of(".e") == std::string_view::npos)
        out += ".0";
      return;
    }
    case JsonValue::Kind::String:
      write_string(out, v.string);
      return;
    case JsonValue::Kind::Array:
      out += '[';
      for (size_t i = 0; i < v.array.size(); ++i) {
        if (i) out += ',';
        write_value(out, v.array[i]);
      }
      out += ']';
      return;
    case JsonValue::Kind::Object:
      out += '{';
      for (size_t i = 0; i < v.object.size(); ++i) {
        if (i) out += ',';
        write_string(out, v.object[i].key);
        out += ':';
        write_value(out, v.object[i].value);
      }
      out += '}';
      return;
  }
}

}  // namespace

std::string write_json(const JsonValue& value) {
  std::string out;
  write_value(out, value);
  return out;
}

}  // namespace ag::io
