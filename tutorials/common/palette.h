// tutorials/common/palette.h: the colours of attograd's pages, chosen by
// arithmetic: the attention page (tutorials/page/) and a training run's
// report.html (report_html.h) paint their numbers with these, and their CSS
// colour bars and scripts get the same stops from here (css_gradient,
// stops_json), so a colour is written once.
//
// Cells are coloured with viridis (van der Walt and Smith, matplotlib 2015):
// dark purple -> blue -> green -> yellow, perceptually even, readable in
// grey and by the common kinds of colour blindness. It is written here as a
// small table of stops (kViridisStops) and interpolated linearly in sRGB.
//
// The number printed on a cell must stay readable: its colour is black or
// white, whichever contrasts more with the cell, by WCAG 2's contrast ratio
//   ratio = (L_light + 0.05) / (L_dark + 0.05),  L = relative luminance,
// which is at least 4.5 for normal text (level AA). Since black and white
// give ratios whose product is 21, the better one is always >= √21 ≈ 4.58.
#pragma once

#include <array>
#include <string>

namespace palette {

struct Rgb {
  int r = 0, g = 0, b = 0;  // 0..255
};

// Stops of viridis at t = 0, 1/8, ..., 1 (matplotlib's table, every 32nd entry).
constexpr std::array<Rgb, 9> kViridisStops = {{{68, 1, 84},
                                               {71, 45, 123},
                                               {59, 82, 139},
                                               {44, 114, 142},
                                               {33, 145, 140},
                                               {40, 174, 128},
                                               {94, 201, 98},
                                               {173, 220, 48},
                                               {253, 231, 37}}};

// The colour at t in [0, 1] (clamped): linear between the two nearest stops.
Rgb viridis(double t);
// WCAG relative luminance of an sRGB colour, in [0, 1].
double relative_luminance(Rgb c);
// WCAG contrast ratio of two colours, in [1, 21].
double contrast_ratio(Rgb a, Rgb b);
// Black or white, whichever reads better on `background`.
Rgb text_colour_on(Rgb background);
// "#rrggbb".
std::string hex(Rgb c);
// The stops as a CSS background, dark on the left: a legend's colour bar.
std::string css_gradient();
// The stops as a JSON array of [r, g, b], for a page's script to interpolate
// as viridis() does.
std::string stops_json();

}  // namespace palette
