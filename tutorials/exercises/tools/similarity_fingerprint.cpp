// tutorials/exercises/tools/similarity_fingerprint.cpp: the three steps of
// similarity_fingerprint.h.
#include "tutorials/exercises/tools/similarity_fingerprint.h"

#include <cctype>
#include <set>

namespace similarity {

namespace {

// Kept as themselves: they are the shape of the code, not a name a student chose.
const std::set<std::string>& keywords() {
  static const std::set<std::string> words = {"alignas",
                                              "alignof",
                                              "auto",
                                              "bool",
                                              "break",
                                              "case",
                                              "catch",
                                              "char",
                                              "class",
                                              "const",
                                              "constexpr",
                                              "const_cast",
                                              "continue",
                                              "decltype",
                                              "default",
                                              "delete",
                                              "do",
                                              "double",
                                              "dynamic_cast",
                                              "else",
                                              "enum",
                                              "explicit",
                                              "extern",
                                              "false",
                                              "float",
                                              "for",
                                              "friend",
                                              "goto",
                                              "if",
                                              "inline",
                                              "int",
                                              "long",
                                              "mutable",
                                              "namespace",
                                              "new",
                                              "noexcept",
                                              "nullptr",
                                              "operator",
                                              "private",
                                              "protected",
                                              "public",
                                              "register",
                                              "reinterpret_cast",
                                              "return",
                                              "short",
                                              "signed",
                                              "sizeof",
                                              "static",
                                              "static_assert",
                                              "static_cast",
                                              "struct",
                                              "switch",
                                              "template",
                                              "this",
                                              "throw",
                                              "true",
                                              "try",
                                              "typedef",
                                              "typename",
                                              "union",
                                              "unsigned",
                                              "using",
                                              "virtual",
                                              "void",
                                              "volatile",
                                              "while"};
  return words;
}

// Longest first: "<<=" before "<<" before "<".
const char* const kOperators[] = {"<<=", ">>=", "...", "->*", "<=>", "::", "->", "++", "--",
                                  "<<",  ">>",  "<=",  ">=",  "==",  "!=", "&&", "||", "+=",
                                  "-=",  "*=",  "/=",  "%=",  "&=",  "|=", "^=", "##", ".*"};

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> tokens;
  int line = 1;
  size_t i = 0;
  const size_t n = s.size();
  auto count_lines = [&](size_t from, size_t to) {
    for (size_t j = from; j < to && j < n; ++j) line += s[j] == '\n';
  };
  while (i < n) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.compare(i, 2, "//") == 0) {  // to the end of the line
      while (i < n && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const size_t end = s.find("*/", i + 2);
      const size_t stop = end == std::string::npos ? n : end + 2;
      count_lines(i, stop);
      i = stop;
    } else if (c == '"' || c == '\'') {  // a string or character literal, escapes skipped
      const int start_line = line;
      size_t j = i + 1;
      while (j < n && s[j] != c && s[j] != '\n') j += s[j] == '\\' ? 2 : 1;
      tokens.push_back({"S", start_line});
      i = j < n ? j + 1 : n;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < n && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      // 12, 0x1f, 1.5e-3f, 1'000: digits, letters, dots, digit separators, an exponent's sign.
      size_t j = i + 1;
      while (j < n && (is_identifier_char(s[j]) || s[j] == '.' || s[j] == '\'' ||
                       ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
        ++j;
      tokens.push_back({"N", line});
      i = j;
    } else if (is_identifier_char(c)) {
      size_t j = i;
      while (j < n && is_identifier_char(s[j])) ++j;
      const std::string word = s.substr(i, j - i);
      // A raw string R"(...)" (or u8R"...): one literal up to its own closing ")delimiter"".
      if (j < n && s[j] == '"' && !word.empty() && word.back() == 'R') {
        const size_t open = s.find('(', j);
        const std::string close = ")" + s.substr(j + 1, open - j - 1) + "\"";
        const size_t end = open == std::string::npos ? n : s.find(close, open);
        const size_t stop = end == std::string::npos ? n : end + close.size();
        tokens.push_back({"S", line});
        count_lines(i, stop);
        i = stop;
        continue;
      }
      tokens.push_back({keywords().count(word) ? word : "I", line});
      i = j;
    } else {
      std::string op(1, c);
      for (const char* candidate : kOperators)
        if (s.compare(i, std::char_traits<char>::length(candidate), candidate) == 0) {
          op = candidate;
          break;
        }
      tokens.push_back({op, line});
      i += op.size();
    }
  }
  return tokens;
}

std::vector<uint64_t> kgram_hashes(const std::vector<Token>& tokens, int k) {
  std::vector<uint64_t> hashes;
  if (k <= 0 || tokens.size() < size_t(k)) return hashes;
  // FNV-1a over the k token kinds, each followed by a separator byte (so
  // "a" "bc" and "ab" "c" differ). Written out, not std::hash: the report
  // must be the same on every machine and every run.
  for (size_t start = 0; start + size_t(k) <= tokens.size(); ++start) {
    uint64_t h = 1469598103934665603ull;
    for (size_t t = start; t < start + size_t(k); ++t) {
      for (unsigned char byte : tokens[t].kind) h = (h ^ byte) * 1099511628211ull;
      h = (h ^ 0xff) * 1099511628211ull;
    }
    hashes.push_back(h);
  }
  return hashes;
}

std::vector<Fingerprint> fingerprints(const std::vector<Token>& tokens, const Settings& settings) {
  const std::vector<uint64_t> h = kgram_hashes(tokens, settings.k);
  std::vector<Fingerprint> kept;
  if (h.empty()) return kept;
  // A file shorter than one window still gets its smallest hash.
  const size_t w = std::min(size_t(settings.w > 0 ? settings.w : 1), h.size());
  size_t last_kept = h.size();  // none yet
  for (size_t start = 0; start + w <= h.size(); ++start) {
    size_t smallest = start;
    for (size_t j = start; j < start + w; ++j)
      if (h[j] <= h[smallest]) smallest = j;  // <=: the rightmost of equal minima
    if (smallest != last_kept) {
      kept.push_back({h[smallest], int(smallest)});
      last_kept = smallest;
    }
  }
  return kept;
}

}  // namespace similarity
