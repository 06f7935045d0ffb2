// core/ops/pad.h: pad, PyTorch's F.pad: grow (or, with negative pads, crop)
// the trailing dims of a tensor, filling the new cells by one of four modes.
//
// pads is PyTorch's flat list, last dim first: {left, right} pads the last
// dim, {left, right, top, bottom} the last two, and so on. With x = [a b c d]
// and pads {2, 2} (core/kernels/pad.h draws the rules):
//   PadMode::Constant   "constant"   v v a b c d v v   (value, 0 by default)
//   PadMode::Reflect    "reflect"    c b a b c d c b
//   PadMode::Replicate  "replicate"  a a a b c d d d
//   PadMode::Circular   "circular"   c d a b c d a b
//
// Which inputs each mode takes, as PyTorch 1.13:
//   constant   any number of trailing dims, up to all of them; a negative
//              pad crops (the crops of a dim may not add up to more than its
//              size); each padded size must stay >= 0.
//   reflect, replicate, circular: the last 1, 2 or 3 dims of a 2-D/3-D,
//              3-D/4-D or 4-D/5-D input, (C, W) or (N, C, W) and so on, with
//              the padded dims non-empty and no `value` (or value 0).
//     reflect:   each pad < the size of its dim (the edge cell is the mirror),
//                and each padded size >= 1;
//     replicate: each padded size >= 1;
//     circular:  each pad <= the size of its dim (it wraps around once),
//                each padded size >= 0.
// Two differences from 1.13, both towards later PyTorch: circular takes the
// unbatched (C, W) forms too (1.13 wants (N, C, ...), so its own
// Conv1d/Conv2d(padding_mode="circular") failed on unbatched input), and
// constant may leave a padded size of 0 (1.13 refuses that when any pad is
// positive, though its message speaks of a negative size).
//
// Backward: each output cell's gradient goes back to the cell it copied; the
// constant fill came from no cell, so the cropped and padded parts add nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/kernels/pad.h"  // PadMode
#include "core/tensor.h"

namespace ag {

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::Constant,
           std::optional<float> value = std::nullopt);
// pad(x, {1, 1}, "reflect"), with PyTorch's spelling of the mode.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode,
           std::optional<float> value = std::nullopt);

// "constant", "reflect", "replicate", "circular"; anything else throws ag::Error.
PadMode parse_pad_mode(const std::string& mode);
const char* pad_mode_name(PadMode mode);

}  // namespace ag
