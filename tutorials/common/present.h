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
void show_heatmap(const std::string& name, const ag::Tensor& weights, const Labels& rows,
                  const Labels& cols, const std::string& file_stem);
// The program's last section: what to change and rerun.
void what_to_try(const std::vector<std::string>& ideas);

// Display width of a UTF-8 string: code points (every label here is one column each).
size_t display_width(const std::string& s);
// One number with `decimals` decimals, as the matrices print it ("-inf" for -∞).
std::string fmt(float value, int decimals = 4);

}  // namespace tut
