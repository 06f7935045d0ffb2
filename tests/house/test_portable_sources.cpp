// tests/house/test_portable_sources.cpp: what keeps the sources and scripts
// free of what a student's Mac lacks (README.md, "Platforms"), by reading
// them: the makefiles use nothing newer than GNU make 3.81 (macOS's) and no
// GNU-only tool; the tests' and tutorials' commands no GNU-only tool, and
// Linux's process files only through tests/helpers/platform.h; and every
// C++ file names Linux's own calls, flags and headers only behind
// #ifdef __linux__. (test_platform.cpp runs the platform's probes themselves.)
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/helpers/house_test_util.h"

namespace fs = std::filesystem;

namespace {

using house_test::repo_root;

// The files under `rooms` with one of `extensions`, as paths from the
// repository's root, but those that start with one of `exempt`.
std::vector<std::string> sources(const std::vector<std::string>& rooms,
                                 const std::vector<std::string>& extensions,
                                 const std::vector<std::string>& exempt) {
  std::vector<std::string> names;
  for (const std::string& room : rooms)
    for (const auto& entry : fs::recursive_directory_iterator(repo_root() / room)) {
      const std::string ext = entry.path().extension().string();
      if (!entry.is_regular_file() ||
          std::find(extensions.begin(), extensions.end(), ext) == extensions.end())
        continue;
      const std::string name = entry.path().lexically_relative(repo_root()).generic_string();
      bool skip = false;
      for (const std::string& prefix : exempt) skip = skip || name.rfind(prefix, 0) == 0;
      if (!skip) names.push_back(name);
    }
  return names;
}

}  // namespace

TEST_SUITE("house.platform") {

// What macOS's BSD tools lack, as a makefile, a script or a test's shell
// command would spell it, and Linux's process files.
using Rules = std::vector<std::pair<std::regex, std::string>>;
const Rules& gnu_only_rules() {
  static const Rules rules = {
      {std::regex(R"(\bnproc\b)"), "nproc (GNU): getconf _NPROCESSORS_ONLN"},
      {std::regex(R"(\bsed\s+-i\b|readlink\s+-f|\s-printf\b|\bstat\s+-c\b)"), "a GNU-only option"},
      {std::regex(R"(\bxargs\s+(-\w+\s+)*-r\b|\bcp\s+-a\b|\bgrep\s+(-\w+\s+)*-\w*P)"),
       "a GNU-only option (xargs -r, cp -a, grep -P)"},
      {std::regex(R"(\bmktemp\s+--|\binstall\s+(-\w+\s+)*-D\b)"), "a GNU-only option"},
      {std::regex(R"(\btimeout\s+(-\S+\s+)*\d|\bdate\s+\+\S*%N)"),
       "timeout / date +%N (GNU coreutils)"},
      // (spelled in two pieces: the helper is the one file of tests/ that names it)
      {std::regex(std::string("/pro") + "c/"), "Linux's process files (tests/helpers/platform.h)"}};
  return rules;
}

// What `rules` find in one line, as "<what>: <line>".
std::vector<std::string> findings(const std::string& text, const Rules& rules) {
  std::vector<std::string> found;
  if (text.empty()) return found;
  for (const auto& rule : rules)
    if (std::regex_search(text, rule.first)) found.push_back(rule.second + ": " + text);
  return found;
}

// The string literals of a line of C++ (where a test keeps its shell commands
// and paths), joined by spaces; "" for a comment line.
std::string string_literals(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string::npos || line.compare(first, 2, "//") == 0 || line[first] == '*')
    return "";
  std::string joined;
  bool inside = false;
  for (size_t i = first; i < line.size(); ++i) {
    if (line[i] == '"') {
      inside = !inside;
      if (!inside) joined += ' ';
    } else if (inside) {
      if (line[i] == '\\' && i + 1 < line.size()) ++i;  // an escape: \" stays inside
      joined += line[i];
    }
  }
  return joined;
}

TEST_CASE("the makefiles: nothing newer than GNU make 3.81, no GNU-only tool, no Linux-only path") {
  // What macOS's make 3.81 lacks, and the tools' rules, in the makefiles' lines (not comments).
  Rules banned = {{std::regex(R"(:\s*private\s)"), "`private` (make 3.82)"},
                  {std::regex(R"(\$\(file\s)"), "$(file ...) (make 4.0)"},
                  {std::regex(R"(^\s*[A-Za-z_][A-Za-z0-9_]*\s*(!=|::=))"), "!= or ::= (make 4.0)"},
                  {std::regex(R"(\.ONESHELL|\.SHELLSTATUS|^\s*undefine\s|\$\((let|intcmp)\s)"),
                   "make >= 3.82"}};
  banned.insert(banned.end(), gnu_only_rules().begin(), gnu_only_rules().end());
  std::vector<fs::path> files = {repo_root() / "Makefile", repo_root() / ".ci/run"};
  for (const auto& entry : fs::directory_iterator(repo_root() / "mk"))
    if (entry.path().extension() == ".mk" || entry.path().extension() == ".sh")
      files.push_back(entry.path());
  CHECK(files.size() >= 9);
  for (const fs::path& file : files) {
    std::ifstream in(file);
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      const size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos || line[first] == '#') continue;
      for (const std::string& found : findings(line, banned))
        FAIL_CHECK(file.filename().string() << ":" << number << ": " << found);
    }
  }
}

TEST_CASE("tests/ and tutorials/: no GNU-only tool in their commands, /proc only in the helper") {
  // The scan finds what it must: a path in a literal, a command, not a comment.
  const std::string proc = std::string("/pro") + "c/self/exe";
  const auto found = [](const std::string& cpp_line) {
    return findings(string_literals(cpp_line), gnu_only_rules()).size();
  };
  CHECK(found("  p = read_symlink(\"" + proc + "\");") == 1);
  CHECK(found("run(\"ls | xargs -r rm\");") == 1);
  CHECK(found("run(\"timeout 5 ./x\");") == 1);
  CHECK(found("run(\"date +%s.%N\");") == 1);
  CHECK(found("fail(\"a timeout: \" + what);") == 0);  // a word, not the command
  CHECK(string_literals("  // read_symlink(\"" + proc + "\")").empty());
  // Files that may name /proc, and why: the helper; the grading sandbox, Linux
  // only (#ifdef __linux__; tutorials/exercises/sandbox/README.md says what
  // is left elsewhere), with its own attacks and the hand-ins that try /proc
  // on purpose, and the judge's test that a runner cannot read its memory
  // through /proc/<judge>/mem (fake_runner's "peek", Linux only too); and this
  // file, whose rules name it all.
  const std::vector<std::string> exempt = {
      "tests/helpers/platform.",           "tests/house/test_portable_sources.cpp",
      "tutorials/exercises/sandbox/",      "tests/exercises/test_sandbox.cpp",
      "tests/exercises/sandbox_probe.cpp", "tests/exercise_handins/",
      "tests/exercises/fake_runner.cpp",   "tests/exercises/test_judge.cpp"};
  const std::vector<std::string> files =
      sources({"tests", "tutorials"}, {".cpp", ".h", ".sh"}, exempt);
  for (const std::string& name : files) {
    const bool shell = fs::path(name).extension() == ".sh";
    std::ifstream in(repo_root() / name);
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      const size_t first = line.find_first_not_of(" \t");
      if (first == std::string::npos || (shell && line[first] == '#')) continue;
      // (std::regex is slow: only the C++ lines that hold a literal are searched)
      if (!shell && line.find('"') == std::string::npos) continue;
      for (const std::string& found :
           findings(shell ? line : string_literals(line), gnu_only_rules()))
        FAIL_CHECK(name << ":" << number << ": " << found);
    }
  }
  CHECK(files.size() > 250);
}

// What Linux has and macOS's headers lack: calls, flags and headers a
// portable file may name only behind a Linux fence (below). On a Mac each
// would be a compile error, or, for syscall(), a deprecation warning.
const Rules& linux_only_rules() {
  static const Rules rules = {
      {std::regex(R"(\b(pipe2|execveat|close_range|prctl|memfd_create|accept4|epoll_\w+|)"
                  R"(sched_[sg]etaffinity|getauxval|malloc_trim|mallopt|syscall)\s*\()"),
       "a Linux-only call"},
      {std::regex(R"(\b(O_PATH|MADV_HUGEPAGE|MAP_POPULATE|PR_SET_\w+|SYS_\w+|__NR_\w+)\b)"),
       "a Linux-only constant"},
      {std::regex(R"(#\s*include\s*<(linux/|sys/prctl\.h|sys/sysinfo\.h|malloc\.h|sys/epoll\.h|)"
                  R"(sys/auxv\.h|sys/syscall\.h))"),
       "a Linux-only header"},
      {std::regex(R"(section\s*\(\s*"\.preinit_array")"),
       "ELF's .preinit_array (Mach-O has none)"}};
  return rules;
}

// A quick look before the rules' slow regexes: whether a line holds any of their words.
bool may_be_linux_only(const std::string& code) {
  for (const char* word : {"pipe2", "execveat", "close_range", "prctl", "memfd", "accept4", "epoll",
                           "affinity", "getauxval", "malloc", "syscall", "O_PATH", "MADV_",
                           "MAP_POPULATE", "PR_SET_", "SYS_", "__NR_", "include", "preinit"})
    if (code.find(word) != std::string::npos) return true;
  return false;
}

// Reads a C++ file line by line and knows whether the current line is behind
// a Linux fence: inside an #if, #ifdef or #elif whose condition says
// __linux__ (and no ||, which would let another system in), or in the #else
// of an #ifndef __linux__ / #if !defined(__linux__). Comments are dropped
// from the code it hands back; directives hand back "".
class LinuxFence {
 public:
  std::string code_of(const std::string& line) {
    std::string code;
    for (size_t i = 0; i < line.size(); ++i) {
      if (in_block_comment_) {
        if (line.compare(i, 2, "*/") == 0) in_block_comment_ = false, ++i;
      } else if (line.compare(i, 2, "/*") == 0) {
        in_block_comment_ = true, ++i;
      } else if (line.compare(i, 2, "//") == 0) {
        break;
      } else {
        code += line[i];
      }
    }
    // (std::regex is slow: it reads only the lines that may be directives)
    static const std::regex directive(R"(^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*))");
    std::smatch m;
    if (code.find('#') == std::string::npos || !std::regex_search(code, m, directive)) return code;
    const std::string word = m[1], condition = m[2];
    if (word == "if" || word == "ifdef" || word == "ifndef") frames_.push_back(Frame{});
    if (frames_.empty()) return "";  // an #endif too many: not ours to judge
    Frame& frame = frames_.back();
    if (word == "endif") {
      frames_.pop_back();
    } else if (word == "else") {
      frame.linux_here = frame.else_is_linux;
    } else {
      // The condition's top level: `defined(X)` read as `defined X`, then
      // what lies inside parentheses dropped, so that in
      // `defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))`
      // the || binds only the processors.
      static const std::regex defined_call(R"(defined\s*\(\s*(\w+)\s*\))");
      const std::string plain = std::regex_replace(condition, defined_call, "defined $1");
      std::string top;
      int depth = 0;
      for (char c : plain) {
        depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        if (depth == 0 && c != ')') top += c;
      }
      static const std::regex negated(R"(!\s*(defined\s+)?__linux__)");
      const bool names = top.find("__linux__") != std::string::npos;
      const bool is_negated = word == "ifndef" || std::regex_search(top, negated);
      const bool alone = top.find("||") == std::string::npos;
      frame.linux_here = names && !is_negated && alone;
      frame.else_is_linux = names && is_negated && alone;
    }
    return "";
  }
  bool fenced() const {
    for (const Frame& frame : frames_)
      if (frame.linux_here) return true;
    return false;
  }

 private:
  struct Frame {
    bool linux_here = false, else_is_linux = false;
  };
  std::vector<Frame> frames_;
  bool in_block_comment_ = false;
};

TEST_CASE("the sources: Linux-only calls, flags and headers only behind #ifdef __linux__") {
  // The fence is read as the preprocessor would: checked first on lines whose answer is known.
  {
    LinuxFence fence;
    const auto fenced_after = [&](const std::vector<std::string>& lines) {
      for (const std::string& line : lines) fence.code_of(line);
      return fence.fenced();
    };
    CHECK(fenced_after({"#ifdef __linux__"}));
    CHECK_FALSE(fenced_after({"#else"}));
    CHECK(fenced_after({"#if defined(FOO)", "#elif defined(__linux__) && defined(SYS_x)"}));
    CHECK_FALSE(fenced_after({"#endif", "#endif"}));
    CHECK_FALSE(fenced_after({"#if defined(__linux__) || defined(__APPLE__)"}));
    CHECK(fenced_after({"#elif defined(__linux__) && (defined(__x86_64__) || defined(X))"}));
    CHECK_FALSE(fenced_after({"#elif (defined(__linux__) || defined(X))"}));
    CHECK_FALSE(fenced_after({"#endif", "#ifndef __linux__"}));
    CHECK(fenced_after({"#else  // Linux"}));
    CHECK_FALSE(fenced_after({"#endif", "  #  if !defined(__linux__)"}));
    CHECK(fenced_after({"#else"}));
    CHECK(fence.code_of("  x = pipe2(fds, 0);  // pipe2( again") == "  x = pipe2(fds, 0);  ");
    CHECK(fence.code_of("a /* prctl( */ b") == "a  b");
    CHECK_FALSE(fenced_after({"#endif"}));
    const auto found = [](const std::string& code) {
      return findings(code, linux_only_rules()).size();
    };
    CHECK(found("if (pipe2(fds, O_CLOEXEC) != 0)") == 1);
    CHECK(found("open(path, O_PATH | O_CLOEXEC)") == 1);
    CHECK(found("#include <linux/seccomp.h>") == 1);
    CHECK(found("__attribute__((section(\".preinit_array\"), used))") == 1);
    CHECK(found("syscall (SYS_fork)") == 2);
    CHECK(found("make_pipe(fds)") == 0);
  }
  // Files that may name them unfenced, and why: the seccomp rules, included
  // only by seccomp_filter.cpp's Linux branch; the hand-ins, student code
  // that attacks the sandbox on purpose (their tests skip where the runner is
  // not confined); and this file, whose rules name it all.
  const std::vector<std::string> exempt = {"tutorials/exercises/sandbox/seccomp_rules.h",
                                           "tests/exercise_handins/",
                                           "tests/house/test_portable_sources.cpp"};
  const std::vector<std::string> files =
      sources({"core", "nn", "optim", "data", "tests", "tutorials"}, {".cpp", ".h"}, exempt);
  for (const std::string& name : files) {
    std::ifstream in(repo_root() / name);
    LinuxFence fence;
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      const std::string code = fence.code_of(line);
      if (code.empty() || fence.fenced() || !may_be_linux_only(code)) continue;
      for (const std::string& found : findings(code, linux_only_rules()))
        FAIL_CHECK(name << ":" << number << ": " << found);
    }
  }
  CHECK(files.size() > 400);
}

}  // TEST_SUITE("house.platform")
