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
  if (symbols.output.find(" IFUNC ") != std::string::npos)
    found += "your object file has an IFUNC symbol (its resolver runs inside the loader)\n";
  const Finished code = run_command({"objdump", "-d", "--no-show-raw-insn", object}, 60);
  static const std::regex system_call(
      R"(\t(syscall|sysenter|int\s+\$0x80|svc\s+#?0x0|svc\s+#0)\b)");
  if (std::regex_search(code.output, system_call))
    found += "your object file makes a system call itself (an inline syscall instruction)\n";
  if (sections.status != 0 || symbols.status != 0)
    found += "your object file could not be read (readelf: " +
             first_lines(sections.output + symbols.output, 1, "") + ")\n";
  return found;
}

}  // namespace grading
