// tutorials/page/captions.h: the sentences under the page's matrices, computed
// from the numbers they describe, never written by hand: change an input and
// the caption changes with it (tests/tutorials/test_page.cpp checks that).
#pragma once

#include <string>

#include "tutorials/page/page_model.h"

namespace page {

// One number as the page prints it: 4 decimals, "−∞" for -inf.
std::string number(float value);

// Attention weights (rows: queries, columns: keys): which key each query
// weighs most, and which weights are exactly 0.
//   "I attends most to student (0.5012), am to am (0.6101). Exactly 0: none."
std::string weights_caption(const Matrix& weights);
// A matrix of scores or values: its largest and smallest entries, and how
// many are −∞ (a mask's work).
std::string values_caption(const Matrix& m);
// A gradient: the entry of largest size and how many entries are exactly 0.
std::string gradient_caption(const Matrix& gradient);
// The next-token probabilities of one decoding step (one row, the top 5).
std::string top5_caption(const Matrix& top5);

}  // namespace page
