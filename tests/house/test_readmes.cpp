// tests/house/test_readmes.cpp: every file a README names exists.
//
// A README that names a file that is gone sends a student looking for it, so
// each path written in `backticks` in a README.md that git tracks must resolve:
//   - relative to the repository root, to the README's own folder, or to one
//     of the folders above it (core/ops/README.md may say `kernels/norm.h`);
//   - a bare file name (`test_gemm.cpp`) may also live anywhere below the
//     README's folder, since a room's README lists its own files by name;
//   - `x.h/.cpp` names both x.h and x.cpp; a `*` matches any characters in
//     the last part of the path, and at least one file must match.
// Placeholders are skipped: paths with <...> or an upper-case NAME/OUT part,
// and what is made by running something (build/, runs/).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Files a README asks the reader to create themselves, so they do not exist.
const std::set<std::string> kReaderMadeFiles = {"first.cpp"};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every README.md git tracks (a student's own notes are none of our
// business); outside a git checkout, every README.md below the root but in
// build output.
std::vector<fs::path> readmes() {
  std::vector<fs::path> found;
  if (FILE* git = popen("git ls-files '*README.md' 2>/dev/null", "r")) {
    char line[4096];
    while (std::fgets(line, sizeof line, git)) {
      std::string path = line;
      while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
      if (!path.empty() && fs::exists(path)) found.push_back(fs::path(path).lexically_normal());
    }
    pclose(git);
  }
  if (!found.empty()) return found;
  for (auto it = fs::recursive_directory_iterator("."); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string path = it->path().generic_string();
    if (it->is_directory() && (path == "./build" || path == "./.git" || path == "./runs")) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->path().filename() == "README.md") found.push_back(it->path().lexically_normal());
  }
  return found;
}

bool is_placeholder(const std::string& token) {
  if (token.find('<') != std::string::npos || token.rfind("build/", 0) == 0 ||
      token.rfind("runs/", 0) == 0 || token.rfind("/", 0) == 0 || token.rfind(".", 0) == 0)
    return true;
  // NAME.cpp, OUT/NAME.txt, skeletons/NAME.txt: an upper-case word stands for a name.
  static const std::regex upper_word("(^|/)[A-Z][A-Z_]+([._/]|$)");
  return std::regex_search(token, upper_word);
}

// Does `pattern` (the last part may hold '*') name an existing file in dir?
bool matches_in(const fs::path& dir, const std::string& pattern) {
  const fs::path p = dir / pattern;
  const std::string name = p.filename().string();
  if (name.find('*') == std::string::npos) return fs::exists(p);
  if (!fs::is_directory(p.parent_path())) return false;
  std::string re;
  // Only ECMAScript's special characters are escaped: libc++ refuses an
  // escaped ordinary one such as "\\_" (libstdc++ lets it through).
  for (char c : name)
    re += c == '*'
              ? std::string(".*")
              : (std::string("^$\\.+?()[]{}|").find(c) != std::string::npos ? std::string("\\") + c
                                                                            : std::string(1, c));
  const std::regex glob(re);
  for (const auto& entry : fs::directory_iterator(p.parent_path()))
    if (std::regex_match(entry.path().filename().string(), glob)) return true;
  return false;
}

bool found_below(const fs::path& dir, const std::string& name) {
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().filename() == name) return true;
  return false;
}

bool resolves(const fs::path& readme, const std::string& path) {
  for (fs::path dir = readme.parent_path();; dir = dir.parent_path()) {
    if (matches_in(dir.empty() ? fs::path(".") : dir, path)) return true;
    if (dir.empty() || dir == ".") break;
  }
  if (path.find('/') == std::string::npos && path.find('*') == std::string::npos) {
    const fs::path dir = readme.parent_path().empty() ? fs::path(".") : readme.parent_path();
    return found_below(dir, path);
  }
  return false;
}

// `core/kernels/gemm.h/.cpp` -> core/kernels/gemm.h and core/kernels/gemm.cpp.
std::vector<std::string> expand_pair(const std::string& token) {
  const auto slash_dot = token.rfind("/.");
  if (slash_dot == std::string::npos) return {token};
  const std::string first = token.substr(0, slash_dot);
  const std::string stem = first.substr(0, first.rfind('.'));
  return {first, stem + token.substr(slash_dot + 1)};
}

}  // namespace

TEST_SUITE("house.readmes") {
TEST_CASE("every file a README names in backticks exists") {
  const std::regex file_token("`([A-Za-z0-9_./*<>-]+\\.(cpp|h|md|txt|awk|sh|mk|py|allow))`");
  int checked = 0;
  for (const fs::path& readme : readmes()) {
    const std::string text = read_text(readme);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), file_token);
         it != std::sregex_iterator(); ++it) {
      const std::string token = (*it)[1];
      if (is_placeholder(token) || kReaderMadeFiles.count(token)) continue;
      for (const std::string& path : expand_pair(token)) {
        ++checked;
        CAPTURE(readme.generic_string());
        CAPTURE(path);
        CHECK(resolves(readme, path));
      }
    }
  }
  // The READMEs name well over a hundred files: a regex that matched nothing would pass vacuously.
  CHECK(checked > 100);
}

TEST_CASE("the rules themselves: pairs, globs and placeholders") {
  CHECK(expand_pair("core/kernels/gemm.h/.cpp") ==
        std::vector<std::string>{"core/kernels/gemm.h", "core/kernels/gemm.cpp"});
  CHECK(is_placeholder("tutorials/exercises/NAME.cpp"));
  CHECK(is_placeholder("skeletons/NAME.txt"));
  CHECK(!is_placeholder("core/ops/softmax.cpp"));
  CHECK(resolves("core/ops/README.md", "kernels/norm.h"));         // a folder above
  CHECK(resolves("core/README.md", "ops/*.cpp"));                  // a glob
  CHECK(!resolves("core/README.md", "ops/no_such_family_*.cpp"));  // a glob that matches nothing
  CHECK(!resolves("core/ops/README.md", "softmax_gone.cpp"));
}
}  // TEST_SUITE("house.readmes")
