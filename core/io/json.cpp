// core/io/json.cpp: recursive-descent JSON parser and a compact writer.
//
// The parser is a cursor over the text (pos_) with one function per grammar
// rule: parse_value dispatches on the first byte, parse_object/parse_array
// recurse (counting depth), parse_string decodes escapes and checks UTF-8,
// parse_number checks the grammar first and only then converts. path_ follows
// the recursion (the key or index of each enclosing container) for the
// caller's check. JsonValue itself is in json_value.cpp, the writer in
// json_writer.cpp.
#include "core/io/json.h"

#include <charconv>
#include <cmath>
#include <unordered_set>

#include "core/error.h"
#include "core/io/from_chars_double.h"

namespace ag::io {

// ---------------------------------------------------------------- parser
namespace {

// Append code point cp (already checked to be <= 0x10FFFF and not a
// surrogate) to out as 1 to 4 UTF-8 bytes.
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

// Malformed: a bad lead or continuation byte, truncated, an overlong form
// (e.g. 0xC0 0x80 for NUL), a surrogate, or above U+10FFFF.
size_t detail::utf8_sequence_length(std::string_view s, size_t pos) {
  auto lead = static_cast<unsigned char>(s[pos]);
  size_t length;
  uint32_t cp;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = 2, cp = lead & 0x1F;
  else if (lead >= 0xE0 && lead <= 0xEF)
    length = 3, cp = lead & 0x0F;
  else if (lead >= 0xF0 && lead <= 0xF4)
    length = 4, cp = lead & 0x07;
  else
    return 0;
  if (s.size() - pos < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    auto c = static_cast<unsigned char>(s[pos + i]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

namespace {
using detail::utf8_sequence_length;

class Parser {
 public:
  Parser(std::string_view text, const JsonLimits& limits) : text_(text), limits_(limits) {}

  JsonValue parse_document() {
    skip_whitespace();
    JsonValue v = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) error("unexpected text after the JSON value");
    return v;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  const JsonLimits& limits_;
  int64_t values_ = 0;  // parsed so far, against limits_.max_values
  JsonPath path_;       // of the value being parsed

  [[noreturn]] void error(const std::string& what) const {
    fail("json: ", what, " at byte ", pos_);
  }

  // Every value passes here before (containers) or after (scalars) its text
  // is read: the value budget first, then the caller's check.
  void admit(JsonValue::Kind kind, size_t value_pos) {
    if (++values_ > limits_.max_values) {
      pos_ = value_pos;
      error("more than " + std::to_string(limits_.max_values) + " values");
    }
    if (!limits_.check) return;
    try {
      limits_.check(path_, kind);
    } catch (const Error& e) {
      pos_ = value_pos;
      error(e.what());
    }
  }

  bool at_end() const { return pos_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void skip_whitespace() {  // JSON whitespace is exactly these four bytes
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  void expect(char c, const char* context) {
    if (at_end() || peek() != static_cast<unsigned char>(c))
      error(std::string("expected '") + c + "' " + context);
    ++pos_;
  }

  JsonValue parse_value(int depth) {
    if (at_end()) error("unexpected end of input, expected a value");
    const size_t start = pos_;
    JsonValue v;
    switch (peek()) {
      case '{':
        return parse_object(depth + 1);
      case '[':
        return parse_array(depth + 1);
      case '"':
        v = JsonValue::make_string(parse_string());
        break;
      case 't':
        parse_keyword("true");
        v = JsonValue::make_bool(true);
        break;
      case 'f':
        parse_keyword("false");
        v = JsonValue::make_bool(false);
        break;
      case 'n':
        parse_keyword("null");
        break;
      default:
        if (peek() != '-' && !(peek() >= '0' && peek() <= '9'))
          error(std::string("unexpected character '") + static_cast<char>(peek()) + "'");
        v = parse_number();
    }
    admit(v.kind, start);
    return v;
  }

  void parse_keyword(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      error("invalid literal (expected " + std::string(word) + ")");
    pos_ += word.size();
  }

  void check_depth(int depth) {
    if (depth > limits_.max_depth)
      error("nesting deeper than " + std::to_string(limits_.max_depth));
  }

  JsonValue parse_object(int depth) {
    check_depth(depth);
    admit(JsonValue::Kind::Object, pos_);
    ++pos_;  // '{'
    JsonValue obj = JsonValue::make_object();
    // Keys seen so far, for the duplicate check: a set, because a linear
    // search per key makes an object of n keys cost n^2 (minutes for 300k).
    std::unordered_set<std::string> keys;
    skip_whitespace();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return obj;
    }
    while (true) {
      skip_whitespace();
      if (at_end() || peek() != '"') error("expected a string key in object");
      size_t key_pos = pos_;
      std::string key = parse_string();
      if (!keys.insert(key).second) {
        pos_ = key_pos;  // report the offset of the repeated key
        error("duplicate key \"" + key + "\"");
      }
      skip_whitespace();
      expect(':', "after object key");
      skip_whitespace();
      path_.push_back(JsonStep{key, -1});
      JsonValue value = parse_value(depth);
      path_.pop_back();
      if (depth == 1 && limits_.take_root_member)
        limits_.take_root_member(std::move(key), std::move(value));
      else
        obj.object.push_back(JsonMember{std::move(key), std::move(value)});
      skip_whitespace();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      expect('}', "or ',' after object member");
      return obj;
    }
  }

  JsonValue parse_array(int depth) {
    check_depth(depth);
    admit(JsonValue::Kind::Array, pos_);
    ++pos_;  // '['
    JsonValue arr = JsonValue::make_array();
    skip_whitespace();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return arr;
    }
    while (true) {
      skip_whitespace();
      path_.push_back(JsonStep{{}, static_cast<int64_t>(arr.array.size())});
      arr.array.push_back(parse_value(depth));
      path_.pop_back();
      skip_whitespace();
      if (!at_end() && peek() == ',') {
        ++pos_;
        continue;
      }
      expect(']', "or ',' after array element");
      return arr;
    }
  }

  uint32_t parse_hex4() {
    if (text_.size() - pos_ < 4) error("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      unsigned char c = peek();
      uint32_t digit;
      if (c >= '0' && c <= '9')
        digit = c - '0';
      else if (c >= 'a' && c <= 'f')
        digit = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        digit = c - 'A' + 10;
      else
        error("invalid hex digit in \\u escape");
      value = value * 16 + digit;
    }
    return value;
  }

  std::string parse_string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (at_end()) error("unterminated string");
      unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) error("raw control character in string (must be escaped)");
      if (c >= 0x80) {
        size_t n = utf8_sequence_length(text_, pos_);
        if (n == 0) error("invalid UTF-8 in string");
        out.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;  // backslash
      if (at_end()) error("unterminated escape in string");
      char e = static_cast<char>(peek());
      ++pos_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = parse_hex4();
          // Code points above U+FFFF arrive as a high + low surrogate pair.
          if (cp >= 0xDC00 && cp <= 0xDFFF) error("unpaired low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u")
              error("high surrogate not followed by a \\u low surrogate");
            pos_ += 2;
            uint32_t low = parse_hex4();
            if (low < 0xDC00 || low > 0xDFFF)
              error("high surrogate not followed by a low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          error(std::string("invalid escape '\\") + e + "' in string");
      }
    }
  }

  JsonValue parse_number() {
    const size_t start = pos_;
    auto digits = [&] {
      size_t n = 0;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_, ++n;
      return n;
    };
    bool is_integer = true;
    if (peek() == '-') ++pos_;
    if (at_end() || !(peek() >= '0' && peek() <= '9')) error("expected a digit in number");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') error("leading zero in number");
    } else {
      digits();
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      is_integer = false;
      if (digits() == 0) error("expected a digit after '.' in number");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      is_integer = false;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) error("expected a digit in exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (is_integer) {
      int64_t i = 0;
      auto [end, ec] = std::from_chars(first, last, i);
      if (ec == std::errc() && end == last) return JsonValue::make_int(i);
      // Too large for int64: fall through and keep it as a double.
    }
    double d = 0.0;
    auto [end, ec] = from_chars_double(first, last, d);
    if (ec != std::errc() || end != last || !std::isfinite(d)) {
      pos_ = start;
      error("number out of range");
    }
    return JsonValue::make_number(d);
  }
};

}  // namespace

JsonValue parse_json(std::string_view text, const JsonLimits& limits) {
  return Parser(text, limits).parse_document();
}

JsonValue parse_json(std::string_view text, int max_depth) {
  JsonLimits limits;
  limits.max_depth = max_depth;
  return parse_json(text, limits);
}

}  // namespace ag::io
