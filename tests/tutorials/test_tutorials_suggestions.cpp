// tests/tutorials/test_tutorials_suggestions.cpp: every "what to try" of every
// tutorial, followed literally, on the real programs (build/tutorials/NN_*).
//
// Suggestions that are constants are options the tutorial reads (--heads 4,
// --gamma 1, --sentence "..."): the test runs the program with them and
// checks that it ends normally (status 0, or 1 with the tutorial's own advice,
// never a signal) and that the prose follows the numbers; about 15 s in all.
// Suggestions that are code edits (replace -inf by -1e9, break
// Swish::backward) and the long training runs (06's options, 09) are in
// test_tutorials_suggestions_edits.cpp, run by `make test-suggestions` (CI
// runs it; .ci/run). Questions ("why should <pad> never receive attention?")
// have nothing to run. The programs are brought up to date by make on first
// use (tests/helpers/tutorial_run_util.h); `make test` builds them first.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/io/atomic_file.h"
#include "tests/helpers/platform.h"
#include "tests/helpers/tutorial_run_util.h"
#include "tutorials/common/heatmap.h"

using namespace tut_test;
namespace fs = std::filesystem;

namespace {

const std::string kFiveWords = "--sentence 'I am a good student' --vector 'good=0.3,0.1,-0.2,0.2'";

}  // namespace

TEST_SUITE("tutorials.suggestions") {

TEST_CASE("01: give \"a\" the vector of \"I\" (--vector), add a word (--sentence)") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("01");
  const Run same = tutorial("01", "--vector 'a=0.1,0.2,-0.3,0.4'", out.path);
  check_ends(same, 0);
  CHECK(matrix_row(same.out, "cosine similarity", "a") ==
        std::vector<double>{1.0, 0.9938, 1.0, 0.0502});
  const Run missing = tutorial("01", "--sentence 'I am a good student'", out.path);
  check_ends(missing, 0);  // the lesson: the lookup stops, and the text says how to go on
  CHECK(has(missing, "\"good\" (id 6) has no vector"));
  CHECK(has(missing, "--vector \"WORD=a,b,c,d\""));
  CHECK_FALSE(has(missing, "Step 5"));
  const Run five =
      tutorial("01", kFiveWords + " --save '" + (out.path / "s").string() + "'", out.path);
  check_ends(five, 0);
  CHECK(matrix_row(five.out, "cosine similarity", "good").size() == 5);
  check_saved(five, out.path / "s");
}

TEST_CASE("01's five words: 02, 04 and 05 follow them; without a vector they stop with advice") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  for (const char* t : {"02", "04", "05"}) {
    CAPTURE(t);
    TempDir out(std::string("five") + t);
    const Run r = tutorial(t, kFiveWords + " --save '" + (out.path / "s").string() + "'", out.path);
    check_ends(r, 0);
    CHECK(has(r, "What to try next"));
    check_saved(r, out.path / "s");
    const Run stop = tutorial(t, "--sentence 'I am a good student'", out.path);
    check_ends(stop, 1);
    CHECK(has(stop, "\"good\" (id 6) has no vector"));
    CHECK(has(stop, "give a new word one with --vector") + has(stop, "(--vector, tutorial 01)") ==
          1);
  }
  TempDir out("five");
  const Run r02 = tutorial("02", kFiveWords, out.path);
  CHECK(matrix_row(r02.out, "weights = softmax of each row (rows sum to 1)", "good").size() == 5);
  CHECK(has(r02, "(1/5 = 0.20)"));
  CHECK(matrix_row(r02.out, "document, step 2", "student").size() == 4);  // the document's own
  const Run r05 = tutorial("05", kFiveWords, out.path);
  CHECK(matrix_row(r05.out, "position table", "pos 5").size() == 4);
  CHECK(has(r05, "\"student am I a good\""));  // the last word first, then 1, 0, the rest
}

TEST_CASE("02: --weight-scale 5; 03 and 04 say that kWeightScale is theirs too") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("02");
  const Run r = tutorial("02", "--weight-scale 5", out.path);
  check_ends(r, 0);
  CHECK(has(r, "(std 5.0)"));
  CHECK(has(r, "tutorials 03, 04 and 05 use too"));
  // 5 is peakier than 1.5: row I's largest learned weight grows.
  const auto peak = [](const std::vector<double>& row) {
    return *std::max_element(row.begin(), row.end());
  };
  const Run base = tutorial("02", "", out.path);
  const std::string title = "weights = softmax of each row (rows sum to 1)";
  const size_t learned = base.out.find("Step 2b");
  CHECK(peak(matrix_row(r.out.substr(learned), title, "I")) >
        peak(matrix_row(base.out.substr(learned), title, "I")));
  for (const char* t : {"03", "04"}) {
    const Run other = tutorial(t, "", out.path);
    check_ends(other, 0);
    CHECK(has(other, "kWeightScale of tutorials/common/lesson02.h"));
  }
}

TEST_CASE("04: </s> added to the memory (--sentence), and a sentence without \"a\"") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("04");
  const Run end = tutorial("04", "--sentence 'I am a student </s>'", out.path);
  check_ends(end, 0);
  const std::vector<double> received = matrix_row(end.out, "received", "");
  REQUIRE(received.size() == 5);
  double sum = 0;
  for (double v : received) sum += v;
  CHECK(sum == doctest::Approx(3.0).epsilon(1e-3));  // three French rows of weight 1 each
  CHECK(has(end, "(softmax over 4 keys)"));
  const Run no_a = tutorial("04", "--sentence 'I am student'", out.path);
  check_ends(no_a, 0);
  CHECK(has(no_a, "Your sentence has no \"a\""));
}

TEST_CASE("05: --heads 1, 2, 4 (and 3 refused), --order 0,1,2,3; the prose follows") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("05");
  for (int heads : {1, 2, 4}) {
    CAPTURE(heads);
    const Run r = tutorial("05", "--heads " + std::to_string(heads), out.path);
    check_ends(r, 0);
    CHECK(has(r, "both heads") == (heads == 2));
    CHECK(has(r, "the one head") == (heads == 1));
    CHECK(has(r, "all 4 heads") == (heads == 4));
    CHECK(has(r, "Step 5b: head " + std::to_string(heads - 1) + " attends"));
    CHECK_FALSE(has(r, "Step 5b: head " + std::to_string(heads) + " attends"));
    CHECK(has(r, "scores by √" + std::to_string(4 / heads)));
  }
  const Run three = tutorial("05", "--heads 3", out.path);
  check_ends(three, 1);
  CHECK(has(three, "multi_head: 3 heads do not divide the model width 4"));
  const Run identity = tutorial("05", "--order 0,1,2,3", out.path);
  check_ends(identity, 0);
  CHECK(has(identity, "Every gap is zero here too"));
  CHECK_FALSE(has(identity, "the model can tell"));
  // Both gap rows, without and with positions, are 0 when no word moves.
  const std::string gaps = "largest difference per word, rows matched by word";
  const size_t second = identity.out.find("\n" + gaps + "\n") + 1;
  for (const std::string& text : {identity.out, identity.out.substr(second)})
    CHECK(matrix_row(text, gaps, "") == std::vector<double>{0.0, 0.0, 0.0, 0.0});
  check_ends(tutorial("05", "--order 0,1,1,3", out.path), 1);
}

TEST_CASE("08: --pixel 14,1, --noise 1.0, --gamma 1, --block-seed 86; the prose follows") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("08");
  const Run background = tutorial("08", "--pixel 14,1", out.path);
  check_ends(background, 0);
  CHECK(has(background, "column 1, on the background"));
  const std::string svg = ag::io::read_file((out.path / "08_pixel_attention.svg").string());
  CHECK(svg.find(">pixel row</text>") != std::string::npos);  // not "queries": a map of pixels
  check_ends(tutorial("08", "--noise 1.0", out.path), 0);
  check_ends(tutorial("08", "--pixel 16,0", out.path), 1);

  const Run one = tutorial("08", "--gamma 1", out.path);
  check_ends(one, 0);
  CHECK_FALSE(has(one, "Only gamma has a gradient"));
  CHECK_FALSE(has(one, "gamma = 0 -"));
  CHECK(has(one, "gamma = 1.0000 - 0.2 · ("));
  CHECK(has(one, "Step 8d: gamma = 1.00 at the start"));
  const Run zero = tutorial("08", "", out.path);
  CHECK(has(zero, "Only gamma has a gradient"));
  CHECK(has(zero, "gamma = 0.0000 - 0.2 · ("));

  // What the pixel looks at is computed from the two printed means, for each seed.
  for (const char* seed : {"82", "86"}) {
    CAPTURE(seed);
    const Run r = tutorial("08", std::string("--block-seed ") + seed, out.path);
    check_ends(r, 0);
    const size_t at = r.out.find("Mean weight on an object pixel: ");
    REQUIRE(at != std::string::npos);
    const double object = std::stod(r.out.substr(at + 32));
    const size_t bg = r.out.find("on a background pixel: ", at);
    const double background = std::stod(r.out.substr(bg + 23));
    const std::string expected = object > 2 * background   ? "looks mostly at the objects"
                                 : background > 2 * object ? "looks mostly at the background"
                                                           : "about alike";
    CHECK(has(r, std::string("with block seed ") + seed));
    CHECK(has(r, expected));
  }
}

TEST_CASE("--save in 03, 06-10's quick ones, and 10 untouched prints no student report") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  for (const char* t : {"03", "10"}) {
    CAPTURE(t);
    TempDir out(std::string("save") + t);
    const Run r = tutorial(t, "--save '" + (out.path / "s").string() + "'", out.path);
    check_ends(r, 0);
    check_saved(r, out.path / "s");
    if (std::string(t) == "03")
      for (const char* file : {"004_y_decoder_input_french_word_vectors.npy", "005_w_q_decoder.npy",
                               "007_w_v_decoder.npy"})
        CHECK(fs::exists(out.path / "s" / file));  // the decoder's input and W matrices too
  }
  TempDir out("10");
  const Run r = tutorial("10", "", out.path);
  CHECK(has(r, "Swish:                  passed"));
  CHECK_FALSE(has(r, "Your Swish::backward disagrees"));
}

TEST_CASE("heatmap SVG: axis titles, a legend, and text that contrasts with every cell") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("svg");
  check_ends(tutorial("03", "", out.path), 0);
  const std::string svg = ag::io::read_file((out.path / "03_masked_weights.svg").string());
  CHECK(svg.find(">queries</text>") != std::string::npos);
  CHECK(svg.find(">keys</text>") != std::string::npos);
  CHECK(svg.find("class=\"legend\"") != std::string::npos);
  CHECK(svg.find("fill=\"url(#legend)\"") != std::string::npos);
  // WCAG contrast of the chosen text colour on each cell colour, recomputed here from the
  // rgb() text: at least 4.5 (the AA level for normal text) everywhere on the scale.
  for (int k = 0; k <= 100; ++k) {
    const float share = k / 100.0f;
    int r = 0, g = 0, b = 0;
    REQUIRE(std::sscanf(tut::heat_colour(share).c_str(), "rgb(%d,%d,%d)", &r, &g, &b) == 3);
    auto lin = [](int c) {
      const double v = c / 255.0;
      return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    const double L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    const bool white = std::string(tut::text_colour_on(share)) == "white";
    const double contrast = white ? 1.05 / (L + 0.05) : (L + 0.05) / 0.05;
    CAPTURE(share);
    CHECK(contrast >= 4.5);
  }
  CHECK(tut::heat_colour(0.0f) == "rgb(253,231,37)");  // viridis' yellow end: no weight
  CHECK(tut::heat_colour(1.0f) == "rgb(68,1,84)");     // its violet end: the largest
}

}  // TEST_SUITE("tutorials.suggestions")

TEST_SUITE("tutorials.suggestions") {

TEST_CASE("07: decode your own sentence, with and without a reference; an unknown word") {
  if (ag_test::platform::skip_unless_host_builds_this_kind()) return;
  TempDir out("07");  // no saved weights here: 07 trains tutorial 06's model (about 3 s)
  const Run marked = tutorial(
      "07", "--sentence 'You are a good student' --reference 'Tu es un bon étudiant'", out.path);
  check_ends(marked, 0);
  CHECK(has(marked, "Step 7b: decoding \"You are a good student\""));
  CHECK(has(marked, "against your reference \"Tu es un bon étudiant\""));
  CHECK_FALSE(has(marked, "WRONG, the corpus teaches \"\""));
  const Run bare = tutorial("07", "--sentence 'I have a student'", out.path);
  check_ends(bare, 0);
  CHECK(has(bare, "No reference translation given for \"I have a student\""));
  CHECK_FALSE(has(bare, "the corpus teaches \"\""));
  // Its top 5 at every step of its own decoding: one table per "step k" heading.
  size_t steps = 0, tables = 0;
  const std::string own = bare.out.substr(0, bare.out.find("Step 7c"));
  for (size_t at = own.find("\nstep "); at != std::string::npos; at = own.find("\nstep ", at + 1))
    ++steps;
  for (size_t at = own.find("top 5 next tokens"); at != std::string::npos;
       at = own.find("top 5 next tokens", at + 1))
    ++tables;
  CHECK(steps >= 2);
  CHECK(tables == steps);
  const Run unknown = tutorial("07", "--sentence 'I am a pilot'", out.path);
  check_ends(unknown, 1);
  CHECK(has(unknown, "'pilot'"));
  CHECK(has(unknown, "corpus.cpp"));
}

}  // TEST_SUITE("tutorials.suggestions")
