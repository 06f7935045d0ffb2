// tutorials/exercises/tools/grading/handin_checks.cpp: see handin_checks.h.
#include "tutorials/exercises/tools/grading/handin_checks.h"

#include <filesystem>
#include <regex>
#include <sstream>

#include "tutorials/exercises/tools/grading/process.h"

namespace fs = std::filesystem;

namespace grading {

namespace {

std::string canonical_or_self(const std::string& path) {
  std::error_code error;
  const fs::path made = fs::weakly_canonical(path, error);
  return error ? path : made.string();
}

bool under(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

bool is_public_header(const std::string& relative, const std::string& assignment) {
  const bool header = relative.size() > 2 && relative.substr(relative.size() - 2) == ".h";
  if (!header) return false;
  for (const char* room : {"core/", "nn/", "optim/", "data/"})
    if (relative.rfind(room, 0) == 0) return true;
  return relative == "tutorials/exercises/" + assignment + ".h" ||
         relative == "tutorials/exercises/exercise.h";
}

std::string refusal(const std::string& file) {
  return "your file includes " + file +
         ", which is not one of the headers this assignment gives you";
}

}  // namespace

std::vector<std::string> system_include_dirs(const std::vector<std::string>& cxx) {
  std::vector<std::string> argv = cxx;
  for (const char* arg : {"-std=c++20", "-x", "c++", "-E", "-v", "/dev/null"}) argv.push_back(arg);
  const Finished listed = run_command(argv, 60);
  std::istringstream in(listed.output);
  std::vector<std::string> dirs;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#include <...> search starts here:", 0) == 0) {
      inside = true;
    } else if (line.rfind("End of search list.", 0) == 0) {
      inside = false;
    } else if (inside && line.size() > 1 && line[0] == ' ') {
      std::string dir = line.substr(1);
      const size_t framework = dir.find(" (framework directory)");  // macOS's clang
      if (framework != std::string::npos) dir.resize(framework);
      dirs.push_back(canonical_or_self(dir));
    }
  }
  return dirs;
}

std::vector<std::string> dependencies(const std::string& text) {
  // "target.o: a.cpp b.h \<newline> c.h"; a space inside a name is "\ ".
  std::vector<std::string> files;
  std::string name;
  bool after_target = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == ' ')) {
      if (text[i + 1] == ' ') name += ' ';
      ++i;
      if (text[i] == ' ') continue;
    } else if (c == ':' && !after_target && (i + 1 == text.size() || text[i + 1] != '\\')) {
      after_target = true;
      name.clear();
      continue;
    } else if (c != ' ' && c != '\n' && c != '\t') {
      name += c;
      continue;
    }
    if (after_target && !name.empty()) files.push_back(name);
    name.clear();
  }
  if (after_target && !name.empty()) files.push_back(name);
  return files;
}

std::string check_includes(const std::vector<std::string>& deps, const std::string& source,
                           const std::string& handout, const std::string& assignment,
                           const std::vector<std::string>& system_dirs) {
  const std::string root = canonical_or_self(handout), self = canonical_or_self(source);
  for (const std::string& dep : deps) {
    // A relative name is relative to the compiler's folder, the source's (ccache with
    // CCACHE_BASEDIR writes them so), not to this process's.
    const fs::path named(dep);
    const std::string file = canonical_or_self(
        (named.is_relative() ? fs::path(source).parent_path() / named : named).string());
    if (file == self) continue;
    if (under(file, root)) {
      const std::string relative = file.substr(root.size() + 1);
      if (!is_public_header(relative, assignment)) return refusal(relative);
      continue;
    }
    bool system = false;
    for (const std::string& dir : system_dirs) system = system || under(file, dir);
    if (!system) return refusal(file);
  }
  return "";
}

std::string missing_include_refusal(const std::string& output, const std::string& teacher_root) {
  // g++: "x.cpp:3:10: fatal error: tests/a.cpp: No such file or directory";
  // clang: "x.cpp:3:10: fatal error: 'tests/a.cpp' file not found".
  static const std::regex gcc(R"(fatal error: ([^:\n]+): No such file or directory)");
  static const std::regex clang(R"(fatal error: '([^'\n]+)' file not found)");
  std::smatch found;
  if (!std::regex_search(output, found, gcc) && !std::regex_search(output, found, clang)) return "";
  const std::string wanted = found[1];
  // Outside the hand-out by its very path (absolute, "..", a .cpp), or a file the teacher has.
  std::error_code error;
  const bool outside =
      wanted.front() == '/' || wanted.find("..") != std::string::npos || wanted.ends_with(".cpp");
  if (!outside && !fs::exists(fs::path(teacher_root) / wanted, error)) return "";
  return refusal(wanted);
}

// The functions a hand-in's object defines are linked into the runner before
// the C and C++ libraries, so a definition of a library's own function stands
// in for it everywhere in the program: an `extern "C" int prctl(...)` would
// switch off the sandbox (confine_runner calls prctl and syscall), an
// `operator new` would run before it. A hand-in may define only C++ functions
// of its own (mangled names, _Z...): no C-named function, no replacement of
// operator new or delete, no strong definition inside std:: or __gnu_cxx::
// (the weak copies of templates it instantiates are the headers' own code).
std::string check_defined_symbols(const std::string& readelf_symbols) {
  std::string found;
  std::istringstream lines(readelf_symbols);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string num, value, size, type, bind, vis, ndx, name;
    if (!(fields >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
    if (type != "FUNC" || ndx == "UND" || (bind != "GLOBAL" && bind != "WEAK")) continue;
    // clang's own helper for a throw out of a noexcept call: put by the
    // compiler into any object that needs it (hidden, weak), not the student's.
    if (name == "__clang_call_terminate") continue;
    const bool cxx = name.rfind("_Z", 0) == 0;
    const bool new_or_delete = name.rfind("_Znw", 0) == 0 || name.rfind("_Zna", 0) == 0 ||
                               name.rfind("_Zdl", 0) == 0 || name.rfind("_Zda", 0) == 0;
    const bool in_std = name.rfind("_ZNSt", 0) == 0 || name.rfind("_ZNKSt", 0) == 0 ||
                        name.rfind("_ZSt", 0) == 0 || name.rfind("_ZN9__gnu_cxx", 0) == 0 ||
                        name.rfind("_ZNK9__gnu_cxx", 0) == 0;
    if (!cxx)
      found += "your object file defines the C function " + name +
               ": it would replace the system's own (write C++ functions, in a namespace)\n";
    else if (new_or_delete)
      found += "your object file replaces operator new or delete (" + name + ")\n";
    else if (bind == "GLOBAL" && in_std)
      found += "your object file defines a function of the standard library (" + name + ")\n";
  }
  return found;
}

// Inline assembly is refused: the assembler reads files (.incbin) while the
// hand-in compiles, unconfined, and asm can make system calls that no object
// check can find. Read in the preprocessed source (where a macro that pastes
// "as" and "m" together has already been expanded), on the lines that come
// from the hand-in's own file, outside string and character literals.
std::string check_no_asm(const std::string& preprocessed, const std::string& source) {
  std::istringstream lines(preprocessed);
  std::string current;  // the file the line markers say the lines come from
  int line_number = 0;
  const std::string own = fs::path(source).filename().string();
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) {  // # 12 "file" flags
      const size_t open = line.find('"'), close = line.rfind('"');
      if (open != std::string::npos && close > open) {
        current = line.substr(open + 1, close - open - 1);
        line_number = std::atoi(line.c_str() + 2) - 1;
      }
      continue;
    }
    ++line_number;
    if (fs::path(current).filename().string() != own) continue;
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote) {
        if (c == '\\')
          ++i;
        else if (c == quote)
          quote = 0;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        continue;
      }
      if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_')) continue;
      size_t end = i;
      while (end < line.size() &&
             (std::isalnum(static_cast<unsigned char>(line[end])) || line[end] == '_'))
        ++end;
      const std::string word = line.substr(i, end - i);
      if (word == "asm" || word == "__asm" || word == "__asm__")
        return "your file uses inline assembly (" + word + ", line " + std::to_string(line_number) +
               "): it is not allowed in a hand-in\n";
      i = end - 1;
    }
  }
  return "";
}

std::string check_object(const std::string& object) {
  std::string found;
  const Finished sections = run_command({"readelf", "-S", "-W", object}, 60);
  static const std::regex preinit(R"(\.preinit_array\b)");
  static const std::regex prioritised(R"(\.(init_array|ctors|fini_array|dtors)\.[0-9]+)");
  if (std::regex_search(sections.output, preinit))
    found += "your object file has a .preinit_array section (code that runs before the sandbox)\n";
  if (std::regex_search(sections.output, prioritised))
    found +=
        "your object file has a prioritised constructor or destructor (init_priority, "
        "constructor(N)): it would run before the sandbox\n";
  const Finished symbols = run_command({"readelf", "-s", "-W", object}, 60);
  // (readelf names the type IFUNC only in an object marked for GNU/Linux, as
  // g++ marks it; clang's objects are not, and readelf says "<OS specific>: 10".)
  if (symbols.output.find(" IFUNC ") != std::string::npos ||
      symbols.output.find("<OS specific>: 10 ") != std::string::npos)
    found += "your object file has an IFUNC symbol (its resolver runs inside the loader)\n";
  const Finished code = run_command({"objdump", "-d", "--no-show-raw-insn", object}, 60);
  static const std::regex system_call(
      R"(\t(syscall|sysenter|int\s+\$0x80|svc\s+#?0x0|svc\s+#0)\b)");
  if (std::regex_search(code.output, system_call))
    found += "your object file makes a system call itself (an inline syscall instruction)\n";
  found += check_defined_symbols(symbols.output);
  if (sections.status != 0 || symbols.status != 0)
    found += "your object file could not be read (readelf: " +
             first_lines(sections.output + symbols.output, 1, "") + ")\n";
  return found;
}

}  // namespace grading
