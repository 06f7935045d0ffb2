// tutorials/common/present.h: how the tutorials talk to the terminal.
//
// A tutorial prints like a lecture: a heading per step, a short paragraph, a
// labelled matrix (tokens on rows and columns, 4 decimals), then the next step.
// Attention weights are also drawn twice: a shaded block picture in the
// terminal (░▒▓█) and an SVG file with the numbers in the cells, written to
// the output directory (env AG_TUTORIAL_OUT, default build/tutorial_out).
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace tut {

using Labels = std::vector<std::string>;

// "Step 2: scores" underlined, with a blank line before it.
void heading(const std::string& title);
// A paragraph, wrapped at 78 columns (UTF-8 aware, so "étudiant" counts as 8).
void say(const std::string& text);
// The same with every wrapped line after the first indented by `hang` spaces (lists).
void say_hanging(const std::string& text, size_t hang);
// A name line, then ag::format_matrix: row and column labels, 4 decimals.
void show_matrix(const std::string& name, const ag::Tensor& m, const Labels& rows,
                 const Labels& cols);
// A 1-D tensor as one labelled row.
void show_vector(const std::string& name, const ag::Tensor& v, const Labels& cols);
// The terminal heatmap, then the SVG file (its path is printed too).
// file_stem names the file: "02_plain_weights" -> <out dir>/02_plain_weights.svg.
// The SVG's axes are titled "queries" (rows) and "keys" (columns) unless told otherwise.
void show_heatmap(const std::string& name, const ag::Tensor& weights, const Labels& rows,
                  const Labels& cols, const std::string& file_stem,
                  const std::string& row_title = "queries", const std::string& col_title = "keys");
// The program's last section: what to change and rerun.
void what_to_try(const std::vector<std::string>& ideas);

// ---- the command line: --save DIR and each tutorial's own options ----
// Every tutorial accepts `--save DIR`: from then on each labelled matrix it
// shows (show_matrix, show_vector, save_tensor) is also written, at full float
// precision, to DIR/NNN_<label>.npy (NNN counts up from 001), and
// DIR/steps.json lists them in order: file, label, the heading it was shown
// under, shape, row and column labels. Files are written atomically.
// A tutorial also declares options of its own (`--heads N`): the constants its
// "what to try" suggests changing, so a student (and a test) can try them
// without editing and recompiling. Anything else on the command line prints
// the usage and exits with status 2.
struct TutorialOption {
  std::string flag;        // "--heads"
  std::string value_name;  // "N", shown in the usage
  std::string help;        // one line
};
void parse_tutorial_args(int argc, char** argv, const std::vector<TutorialOption>& options = {});
// The value given to an option, or `fallback` when it was not given. A value
// that is not a number is an ag::Error naming the option.
bool option_given(const std::string& flag);
std::string option_text(const std::string& flag, const std::string& fallback);
int64_t option_int(const std::string& flag, int64_t fallback);
float option_float(const std::string& flag, float fallback);
// A tutorial's whole run: parses the options, calls `body`, and when body
// throws an ag::Error prints the message and `advice` (what to do instead) and
// returns 1: never an uncaught exception, never an abort. Under --save it ends
// with "saved N files to DIR" (N counted). Use it as main's only line.
int run_tutorial(int argc, char** argv, const std::vector<TutorialOption>& options,
                 const std::string& advice, void (*body)());
// How many files --save has written so far (the .npy files and steps.json).
size_t saved_file_count();
// The directory given to --save ("" when not saving), and setting it directly.
const std::string& save_dir();
void set_save_dir(const std::string& dir);
// Saves t under `label` when --save is on (for tensors shown as pictures or curves).
void save_tensor(const std::string& label, const ag::Tensor& t, const Labels& rows = {},
                 const Labels& cols = {});
// The file name a label gets: "scaled = scores / 2" -> "scaled_scores_2".
std::string label_slug(const std::string& label);

// Display width of a UTF-8 string: code points (every label here is one column each).
size_t display_width(const std::string& s);
// One number with `decimals` decimals, as the matrices print it ("-inf" for -∞).
std::string fmt(float value, int decimals = 4);

}  // namespace tut
