// tests/tutorials/test_tutorials_suggestions_edits.cpp: the tutorials'
// suggestions that are code edits ("replace -inf by -1e9", "break
// Swish::backward"), and the slow ones (training runs): each edit is applied
// to a copy of the file, which is compiled and linked against this build's
// other objects, and the program is run. Minutes, not seconds: skipped by
// `make test`, run by `make test-suggestions` (CI runs it: .ci/run).
// test_tutorials_suggestions.cpp has the quick ones, run by every `make test`.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/io/atomic_file.h"
#include "tests/helpers/platform.h"
#include "tests/helpers/tutorial_run_util.h"

using namespace tut_test;
namespace fs = std::filesystem;

namespace {

// Tutorial NN built with `file` (under tutorials/) edited: `from` replaced by `to`.
fs::path edited_program(const std::string& number, const std::string& file, const std::string& from,
                        const std::string& to, const fs::path& dir) {
  const fs::path root = repo_root();
  std::string text = ag::io::read_file((root / "tutorials" / file).string());
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, file << " no longer contains: " << from);
  text.replace(at, from.size(), to);
  const fs::path copy = dir / fs::path(file).filename();
  ag::io::write_file_atomic(copy.string(), text);
  const fs::path edited_object = dir / "edited.o", binary = dir / ("tutorial_" + number);
  const fs::path main_object =
      root / "build/obj/tutorials" / (program(number).stem().string() + ".o");
  const std::string replaced =
      (root / "build/obj/tutorials" / fs::path(file).replace_extension(".o")).string();
  std::string objects = main_object.string() == replaced ? "" : "'" + main_object.string() + "' ";
  // Every lesson object, but the trainer's (train*.o, report_html*.o: build/train's own).
  for (const auto& e : fs::directory_iterator(root / "build/obj/tutorials/common")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".o" && name.rfind("train", 0) != 0 &&
        name.rfind("report_html", 0) != 0 &&
        e.path().string() != replaced)
      objects += "'" + e.path().string() + "' ";
  }
  const Run build = shell(
      "g++ -std=c++20 -O0 -pthread -I'" + root.string() + "' -c '" + copy.string() + "' -o '" +
      edited_object.string() + "' && g++ " + objects + "'" + edited_object.string() + "' '" +
      (root / "build/libattograd.a").string() + "' -pthread -o '" + binary.string() + "'");
  INFO(build.out);
  REQUIRE(build.status == 0);
  return binary;
}

// Run in `out` itself: an edit may write files where the program runs (write_graph_svg).
Run run_edited(const fs::path& binary, const fs::path& out, const std::string& args = "") {
  return shell("cd '" + out.string() + "' && AG_TUTORIAL_OUT='" + out.string() + "' '" +
               binary.string() + "' " + args);
}

}  // namespace

TEST_SUITE("tutorials.suggestions.edits") {

TEST_CASE("10: Swish::backward broken another way: the report is the student's own" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("10edit");
  const Run r = run_edited(
      edited_program("10", "common/lesson10.cpp", "ag::Tensor dydx = s + x * s * (1.0f - s);",
                     "ag::Tensor dydx = x * s;", dir.path),
      dir.path);
  check_ends(r, 0);
  const size_t failed = r.out.find("Swish:                  FAILED");
  const size_t own = r.out.find("Your Swish::backward disagrees");
  const size_t builtin = r.out.find("SwishForgotProductRule: FAILED");
  REQUIRE(failed != std::string::npos);
  REQUIRE(own != std::string::npos);
  REQUIRE(builtin != std::string::npos);
  CHECK(failed < own);
  CHECK(own < builtin);
  // The student's report sits between the two verdicts and differs from the built-in one's.
  const std::string student = r.out.substr(own, builtin - own);
  const std::string example = r.out.substr(builtin);
  const auto first_line = [](const std::string& text) {
    const size_t at = text.find("gradcheck: input 0");
    REQUIRE(at != std::string::npos);
    return text.substr(at, text.find('\n', at) - at);
  };
  CHECK(first_line(student).find("analytic") != std::string::npos);
  CHECK(first_line(student) != first_line(example));
}

TEST_CASE("03: -1e9 instead of -inf, and one word of look-ahead" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("03edit");
  const Run big =
      run_edited(edited_program("03", "common/attention_steps.cpp",
                                "-std::numeric_limits<float>::infinity()", "-1e9f", dir.path),
                 dir.path);
  check_ends(big, 0);
  CHECK(matrix_row(big.out, "weights = row softmax: e^-inf = 0", "Je") ==
        std::vector<double>{1.0, 0.0, 0.0});
  const Run ahead = run_edited(
      edited_program("03", "common/attention_steps.cpp", "for (int64_t j = i + 1; j < T; ++j)",
                     "for (int64_t j = i + 2; j < T; ++j)", dir.path),
      dir.path);
  check_ends(ahead, 0);
  CHECK(matrix_row(ahead.out, "with mask:    change of each row", "")[1] > 0.0);  // suis peeks
}

TEST_CASE("04: softmax of the claimed products; W_Q = W_K = identity" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("04edit");
  const Run claimed = run_edited(
      edited_program("04", "common/lesson04.cpp", "step_softmax(step_scale(D.correct, kWidth))",
                     "step_softmax(step_scale(D.claimed, kWidth))", dir.path),
      dir.path);
  check_ends(claimed, 0);
  const std::vector<double> w = matrix_row(claimed.out, "weights = softmax(correct / √4)", "");
  REQUIRE(w.size() == 4);
  CHECK(w[0] > w[1]);  // the order I > am > a > student survives
  CHECK(w[1] > w[2]);
  CHECK(w[2] > w[3]);
  const Run identity = run_edited(
      edited_program(
          "04", "common/lesson04.cpp",
          "C.W_Q = seeded_matrix(kWidth, kWidth, kCrossSeed, kCrossWeightScale);\n"
          "  C.W_K = seeded_matrix(kWidth, kWidth, kCrossSeed + 1, kCrossWeightScale);",
          "C.W_Q = ag::tensor({{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}});\n"
          "  C.W_K = C.W_Q.clone();",
          dir.path),
      dir.path);
  check_ends(identity, 0);
  CHECK(matrix_row(identity.out, "W_Q (cross)", "d0") == std::vector<double>{1.0, 0.0, 0.0, 0.0});
}

TEST_CASE("02: no scaling (divide by 1 in step_scale)" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("02edit");
  const Run base = tutorial("02", "", dir.path);
  const Run r = run_edited(edited_program("02", "common/attention_steps.cpp",
                                          "std::sqrt(static_cast<float>(d_k))", "1.0f", dir.path),
                           dir.path);
  check_ends(r, 0);
  const std::string title = "weights = softmax of each row (rows sum to 1)";
  const auto peak = [&](const Run& run) {
    const std::vector<double> row = matrix_row(run.out.substr(run.out.find("Step 2b")), title, "I");
    return *std::max_element(row.begin(), row.end());
  };
  CHECK(peak(r) > peak(base));  // unscaled scores are twice as large: a peakier softmax
}

TEST_CASE("02: 10 added to every score of one row before the softmax" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("02plus10");
  const Run base = tutorial("02", "", dir.path);
  const Run r = run_edited(
      edited_program("02", "common/attention_steps.cpp",
                     "ag::Tensor weights = ag::softmax(scaled, -1);",
                     "ag::Tensor ten = ag::zeros(scaled.shape());  // 10 on row 0\n"
                     "  for (int64_t j = 0; j < scaled.size(-1); ++j) ten.data()[j] = 10.0f;\n"
                     "  ag::Tensor weights = ag::softmax(scaled + ten, -1);",
                     dir.path),
      dir.path);
  check_ends(r, 0);
  // No weight changes: softmax ignores a constant added to its row (J's rows sum to 0).
  const std::string title = "weights = softmax of each row (rows sum to 1)";
  for (const char* row : {"I", "am", "a", "student"}) {
    CAPTURE(row);
    CHECK(matrix_row(r.out, title, row) == matrix_row(base.out, title, row));
  }
}

TEST_CASE("06: --steps 100, --layers 2, --d-model 16, and a pair added to the corpus" *
          doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("06");
  const Run hundred = tutorial("06", "--steps 100", dir.path);
  check_ends(hundred, 0);
  CHECK(has(hundred, "loss, step 1 to 100:"));
  for (const char* option : {"--layers 2", "--d-model 16"}) {
    CAPTURE(option);
    const Run r = tutorial("06", option, dir.path);
    check_ends(r, 0);
    CHECK(has(r, "Parameters: "));
  }
  const Run added = run_edited(
      edited_program(
          "06", "common/corpus.cpp",
          "{\"I am a student\", \"Je suis étudiant\"},  // the document's example, pair 0",
          "{\"I am a student\", \"Je suis étudiant\"},  // the document's example, pair 0\n"
          "      {\"I am a cat\", \"Je suis un chat\"},",
          dir.path),
      dir.path);
  check_ends(added, 0);
  CHECK(has(added, "41 pairs written for this tutorial"));
  CHECK(has(added, "of 41 pairs"));
}

TEST_CASE("09: the printed shortcut on 16×16 images, with --save" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("09");  // one run: it trains for half a minute or more
  const Run r =
      run_edited(edited_program("09", "common/lesson09.cpp", "  F.fixed_16 = try_attention_net(o);",
                                "  o.printed_shortcut = true;\n"
                                "  F.fixed_16 = try_attention_net(o);",
                                dir.path),
                 dir.path, "--save '" + (dir.path / "s").string() + "'");
  check_ends(r, 0);
  CHECK(has(r, "That network is not the corrected one"));
  CHECK(has(r, "16×16: add: shapes [2, 128, 16, 16] and [2, 64, 16, 16]"));  // fault 1
  check_saved(r, dir.path / "s");
}

TEST_CASE("10: both graphs drawn with their numbers" * doctest::skip()) {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir dir("10graph");
  const Run r =
      run_edited(edited_program("10", "common/lesson10.cpp", "  ag::sum(L.y).backward();\n",
                                "  ag::sum(L.y).backward();\n"
                                "  ag::write_graph_svg(L.y, \"swish\", {.values = true});\n",
                                dir.path),
                 dir.path);
  CHECK(fs::exists(dir.path / "swish.dot"));
  if (r.status == 0) {
    CHECK(fs::exists(dir.path / "swish.svg"));
  } else {  // no Graphviz here: the program says how to get it, as the suggestion warns
    check_ends(r, 1);
    CHECK(has(r, "graphviz"));
  }
}

}  // TEST_SUITE("tutorials.suggestions.edits")
