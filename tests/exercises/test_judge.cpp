// The judge and its runner (tutorials/exercises/graders/judge.h, runner.h, wire.h):
//  - a wire::Record survives encode/decode, and a malformed or truncated one
//    (the runner's output is untrusted) is refused with its reason, never read
//    past its end;
//  - the judge scores what a hostile runner sends as it should: a truncated
//    record, no record, a crash, a forged "score:" line (fake_runner.cpp,
//    started through the sandbox like any runner);
//  - hidden checks: a hand-in that answers the visible checks from a table
//    fails the hidden ones, which differ from student to student;
//  - --result writes the machine-readable result; --save-inputs and a runner
//    run by hand (the students' gdb recipe in tutorials/exercises/README.md).
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/helpers/exercise_test_util.h"
#include "tutorials/exercises/graders/wire.h"

namespace {

namespace fs = std::filesystem;

wire::Record sample_record() {
  wire::Record r;
  r.put_text("entry", "dx");
  r.put_int("rows", 2);
  r.put_floats("y", {2, 3}, {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f});
  return r;
}

std::string malformed_reason(const std::string& bytes) {
  try {
    wire::Record::decode(bytes);
  } catch (const wire::Malformed& e) {
    return e.what();
  }
  return "";
}

// A runner that lies (tests/exercises/fake_runner.cpp, built under each name).
std::string fake_runner(const std::string& name) {
  return (ex_test::exercise_dir() / "fake_runners" / name).string();
}

std::string judge(const std::string& exercise) {
  return (ex_test::exercise_dir() / (exercise + "_judge")).string();
}

ex_test::Run grade_with(const std::string& runner, const std::string& args = "") {
  return ex_test::run("'" + judge("softmax_backward") + "' --runner '" + runner + "' " + args);
}

// The report's last line.
std::string last_line(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

}  // namespace

TEST_SUITE("exercises.judge") {
TEST_CASE("wire: a record survives encode and decode, field by field") {
  const wire::Record back = wire::Record::decode(sample_record().encode());
  CHECK(back.text("entry") == "dx");
  CHECK(back.integer("rows") == 2);
  CHECK(back.floats("y").shape == std::vector<int64_t>{2, 3});
  CHECK(back.floats("y").values[2] == 0.7f);
  CHECK(back.fields().size() == 3);
}

TEST_CASE("wire: every truncation of a record is refused with where it ended, never read past") {
  const std::string bytes = sample_record().encode();
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("the first " << n << " of " << bytes.size() << " bytes");
    const std::string reason = malformed_reason(bytes.substr(0, n));
    CHECK(!reason.empty());
    // Cut inside y's values, the shape says more than there is.
    if (n >= 8)
      CHECK((reason.find("it ends in the middle of") == 0 || reason.rfind("field 'y' ", 0) == 0));
  }
  // 8 bytes of header, 16 of "entry", then 5 of the next field: 1 byte of the name "rows".
  CHECK(malformed_reason(bytes.substr(0, 30)) ==
        "it ends in the middle of a field's name (1 bytes left, 4 needed)");
  CHECK(malformed_reason(bytes.substr(0, bytes.size() - 1)) ==
        "field 'y' holds fewer values than its shape says (5 of 6)");
}

TEST_CASE("wire: bad headers, lengths, kinds and names are refused by name") {
  const std::string good = sample_record().encode();
  CHECK(malformed_reason("score: 100/100\n") == "it does not start with a record header");
  std::string version = good;
  version[3] = 2;
  CHECK(malformed_reason(version) == "record version 2, expected 1");
  CHECK(malformed_reason(good + "x") == "1 bytes after the last field");
  std::string huge_count = good;
  huge_count[7] = 0x7f;  // the count's high byte: two billion fields
  CHECK(malformed_reason(huge_count) == "2130706435 fields");
  // A tensor whose shape claims more values than the record holds.
  wire::Record big;
  big.put_floats("dx", {1000, 1000}, {1.0f});
  CHECK(malformed_reason(big.encode()) == "field 'dx' has a shape that does not fit in the record");
  wire::Record twice;
  twice.put_int("a", 1);
  std::string doubled = twice.encode();
  doubled[4] = 2;  // the field count
  doubled += doubled.substr(8);
  CHECK(malformed_reason(doubled) == "field 'a' appears twice");
  const wire::Record r = wire::Record::decode(good);
  CHECK_THROWS_WITH_AS(r.floats("dx"), "it has no field 'dx'", wire::Malformed);
  CHECK_THROWS_WITH_AS(r.floats("rows"), "field 'rows' is not floats", wire::Malformed);
}

TEST_CASE("judge: a hostile runner's output is judged, not believed") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  // A truncated record: the first 9 bytes of a valid header and field.
  ex_test::Run truncated = grade_with(fake_runner("truncated"));
  INFO(truncated.output);
  CHECK(truncated.output.find("the runner's output is malformed: it ends in the middle of a "
                              "field's name length") != std::string::npos);
  CHECK(last_line(truncated.output) == "score: 0/100");
  // A valid, empty record: every output is missing.
  ex_test::Run empty = grade_with(fake_runner("empty"));
  CHECK(empty.output.find("the runner's output is malformed: it has no field 'dx'") !=
        std::string::npos);
  // Nothing at all, and a forged score line on stdout.
  ex_test::Run forged = grade_with(fake_runner("forged"));
  CHECK(forged.output.find("the check ended without a result (exit status 0)") !=
        std::string::npos);
  CHECK(forged.output.find("its last output:\n                score: 100/100") !=
        std::string::npos);
  CHECK(last_line(forged.output) == "score: 0/100");
  if (ex_test::build_mode() == "asan") return;  // ASan turns the SIGSEGV into a report and exit 1
  ex_test::Run crash = grade_with(fake_runner("crash"));
  CHECK(crash.output.find("your code crashed: Segmentation fault (an index out of bounds, or a "
                          "null pointer?)") != std::string::npos);
}

#ifdef __linux__  // /proc/<pid>/mem and setpriv are Linux's
TEST_CASE("judge: a runner cannot open the judge's memory (the judge is not dumpable)") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  // Run as root, the runner would run as nobody under a root judge, and the
  // different users alone would refuse it. So both run as one ordinary user
  // (nobody, when the suite is root): the judge's PR_SET_DUMPABLE 0 is then
  // all that stands between the runner and /proc/<judge>/mem.
  const std::string as_one_user =
      geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  const std::string peek = fake_runner("peek");
  // The same runner under a parent that is dumpable (a shell of the same user) opens it.
  const ex_test::Run shell = ex_test::run(as_one_user + "sh -c \"'" + peek + "'; true\"");
  INFO(shell.output);
  REQUIRE(shell.output.find("opened /proc/") != std::string::npos);
  const ex_test::Run judged =
      ex_test::run(as_one_user + "'" + judge("softmax_backward") + "' --runner '" + peek + "'");
  INFO(judged.output);
  CHECK(judged.output.find("refused: /proc/") != std::string::npos);
  CHECK(judged.output.find("opened /proc/") == std::string::npos);
  CHECK(last_line(judged.output) == "score: 0/100");
}
#endif

TEST_CASE("judge: after two timeouts in a row the remaining checks are 'not run', 0 points") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  // A runner that loops on every check: the first two (run side by side) are
  // stopped after 1 s; the other seven visible checks are not started.
  const auto start = std::chrono::steady_clock::now();
  const ex_test::Run looped = ex_test::run("AG_GRADE_TIMEOUT=1 '" + judge("softmax_backward") +
                                           "' --runner '" + fake_runner("loop") + "'");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(looped.output);
  auto count = [&](const std::string& part) {
    int n = 0;
    for (size_t at = looped.output.find(part); at != std::string::npos;
         at = looped.output.find(part, at + 1))
      ++n;
    return n;
  };
  CHECK(count("your code was stopped after 1 s (an endless loop?)") == 2);
  CHECK(count("not run: an earlier check was stopped after 1 s") == 7);
  CHECK(last_line(looped.output) == "score: 0/100");
  CHECK(seconds < 4);  // not nine checks of 1 s each, two at a time
}

TEST_CASE("judge: answers copied for the visible checks fail the hidden ones, seeded per student") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const fs::path cheat =
      ex_test::exercise_dir() / "fixtures/softmax_backward/hardcoded_answers_runner";
  if (!fs::exists(cheat)) {
    MESSAGE("no " << cheat.string() << " (a hand-out has no hand-ins)");
    return;
  }
  const fs::path result = ex_test::exercise_dir() / "judge_test/hardcoded.result";
  fs::create_directories(result.parent_path());
  ex_test::Run visible = grade_with(cheat.string());
  CHECK(last_line(visible.output) == "score: 10/100");  // the check whose answer it copied
  ex_test::Run visible_only = grade_with(cheat.string(), "--hidden --visible-only --student alice");
  CHECK(visible_only.output.find("hidden checks") == std::string::npos);
  CHECK(last_line(visible_only.output) == "score: 10/100");
  ex_test::Run hidden =
      grade_with(cheat.string(), "--hidden --student alice --result '" + result.string() + "'");
  INFO(hidden.output);
  CHECK(hidden.output.find("[ 10/ 10] pass  dx for one row") != std::string::npos);
  CHECK(hidden.output.find("hidden checks (inputs seeded from your name):") != std::string::npos);
  CHECK(hidden.output.find("visible checks: 10/100, hidden checks: 0/100") != std::string::npos);
  CHECK(last_line(hidden.output) == "score: 5/100");
  // The result file: one line per check, then the totals; the judge's own score.
  const std::string lines = ex_test::read_file(result);
  CHECK(lines.rfind(
            "check\tdx for one row, y = softmax([1, 2, 3]), dy = [1, 0, -1]\t10\t10\tpass\t\n",
            0) == 0);
  CHECK(lines.find("\t0\t30\twrong\tdx [") != std::string::npos);
  CHECK(lines.find("\nscore\t5\n") != std::string::npos);
  // Another student gets other inputs; the reference solution passes them all.
  const std::string solution =
      (ex_test::exercise_dir() / "softmax_backward_runner_solution").string();
  if (!fs::exists(solution)) return;
  ex_test::Run alice = grade_with(solution, "--hidden --student alice");
  ex_test::Run bob = grade_with(solution, "--hidden --student bob");
  CHECK(last_line(alice.output) == "score: 100/100");
  CHECK(last_line(bob.output) == "score: 100/100");
  const auto hidden_part = [](const std::string& report) {
    return report.substr(report.find("hidden checks (inputs"));
  };
  CHECK(hidden_part(alice.output) != hidden_part(bob.output));
}

TEST_CASE("judge: --save-inputs, then a runner run by hand prints its outputs (the gdb recipe)") {
  if (ag_test::platform::skip_unless_own_programs_start()) return;
  const fs::path dir = ex_test::exercise_dir() / "judge_test/inputs";
  fs::remove_all(dir);
  ex_test::Run saved =
      ex_test::run("'" + judge("softmax_backward") + "' --save-inputs '" + dir.string() + "'");
  INFO(saved.output);
  CHECK(saved.status == 0);
  CHECK(saved.output.find("01-dx.in  dx for one row, y = softmax([1, 2, 3]), dy = [1, 0, -1]") !=
        std::string::npos);
  CHECK(fs::exists(dir / "09-dx.in"));
  const std::string runner =
      (ex_test::exercise_dir() / "softmax_backward_runner_solution").string();
  if (!fs::exists(runner)) return;
  ex_test::Run by_hand = ex_test::run("'" + runner + "' '" + (dir / "01-dx.in").string() + "'");
  CHECK(by_hand.output == "dx = [1, 3]: 0.141817 0.14077 -0.282587\ndx.past_end = -1\n");
  // The old switch for stepping through a check says how it is done now.
  ex_test::Run old_way = ex_test::run("AG_GRADE_INLINE=1 '" + judge("softmax_backward") +
                                      "' --runner '" + runner + "'");
  CHECK(old_way.output.find("step through one with\n  gdb --args " + runner + " " + runner +
                            "-inputs/01-dx.in") != std::string::npos);
  CHECK(fs::exists(runner + "-inputs/09-dx.in"));
  ex_test::Run usage = ex_test::run("'" + judge("softmax_backward") + "' --hidden");
  CHECK(usage.status == 2);
  CHECK(usage.output.find("--runner PATH (or --save-inputs DIR) is required") != std::string::npos);
}
}  // TEST_SUITE("exercises.judge")
