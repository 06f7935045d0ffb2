// tutorials/common/heatmap.h: attention weights as pictures.
//
// Two views of one matrix of weights in [0, 1] (rows: queries, columns: keys):
//   shade_heatmap  a few lines of text with one shaded block per cell, ░▒▓█,
//                  darker = more weight, for a glance in the terminal;
//   heatmap_svg    an SVG document with the tokens on both axes, a title on
//                  each axis, the value written in each cell and a colour
//                  legend, to open in a browser.
// The SVG's colours run from pale yellow (0) through green and blue to dark
// violet (the largest weight): the viridis scale of tutorials/common/palette.h
// (the attention page's, reversed), which reads the same to
// colour-blind eyes and in greyscale. Each number is drawn in black or white,
// whichever contrasts more with its cell's luminance.
// The SVG is plain text we build by hand: no library, nothing to install.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace tut {

// Rows are labelled on the left, columns on top. Shades are relative to the
// largest weight in the matrix (near-uniform weights would otherwise all look
// alike); negative values clamp to the lightest shade.
std::string shade_heatmap(const ag::Tensor& weights, const std::vector<std::string>& rows,
                          const std::vector<std::string>& cols);
// The legend printed under a shaded heatmap of these weights.
std::string shade_legend(const ag::Tensor& weights);
// The largest finite value of t, or 1 when there is none above 0 (the shading scale).
float shade_scale(const ag::Tensor& t);

// A compact picture of an (H, W) grid of weights, such as the attention of one
// pixel over a 16×16 feature map: two shaded characters per pixel, row
// numbers on the left, column numbers (mod 10) on top, shades as above. The
// pixel (mark_row, mark_col), when given, is drawn as "[]".
std::string shade_grid(const ag::Tensor& weights, int64_t mark_row = -1, int64_t mark_col = -1);

// The cell (mark_row, mark_col), when given, gets a red frame (class="mark"):
// tutorial 08 marks the query pixel whose attention the map shows. row_title
// and col_title name the axes (what the rows and the columns are).
std::string heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                        const std::vector<std::string>& cols, const std::string& title,
                        int64_t mark_row = -1, int64_t mark_col = -1,
                        const std::string& row_title = "queries",
                        const std::string& col_title = "keys");
// The colour of a weight at `share` (0..1) of the largest, as "rgb(r,g,b)", and
// the text colour ("black" or "white") that reads best on it.
std::string heat_colour(float share);
const char* text_colour_on(float share);

// Where SVG files go: $AG_TUTORIAL_OUT if set, else build/tutorial_out.
std::string output_dir();
// Writes <output_dir()>/<file_stem>.svg atomically (creating the directory) and returns its path.
// Throws ag::Error if the file cannot be written.
std::string write_heatmap_svg(const ag::Tensor& weights, const std::vector<std::string>& rows,
                              const std::vector<std::string>& cols, const std::string& title,
                              const std::string& file_stem, int64_t mark_row = -1,
                              int64_t mark_col = -1, const std::string& row_title = "queries",
                              const std::string& col_title = "keys");

}  // namespace tut
