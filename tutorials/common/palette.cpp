// tutorials/common/palette.cpp: viridis, luminance, contrast (palette.h says why).
#include "tutorials/common/palette.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace palette {

Rgb viridis(double t) {
  if (!(t > 0)) t = 0;  // also catches NaN
  if (t > 1) t = 1;
  const double position = t * static_cast<double>(kViridisStops.size() - 1);
  const size_t below = std::min(static_cast<size_t>(position), kViridisStops.size() - 2);
  const double f = position - static_cast<double>(below);
  const Rgb a = kViridisStops[below], b = kViridisStops[below + 1];
  auto mix = [f](int x, int y) { return static_cast<int>(std::lround(x + f * (y - x))); };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

double relative_luminance(Rgb c) {
  // sRGB channel -> linear light, then the eye's weights for red, green, blue.
  auto linear = [](int channel) {
    const double s = channel / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
}

double contrast_ratio(Rgb a, Rgb b) {
  const double la = relative_luminance(a), lb = relative_luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

Rgb text_colour_on(Rgb background) {
  const Rgb black{0, 0, 0}, white{255, 255, 255};
  return contrast_ratio(background, black) >= contrast_ratio(background, white) ? black : white;
}

std::string hex(Rgb c) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
  return text;
}

std::string css_gradient() {
  std::string stops;
  for (size_t k = 0; k < kViridisStops.size(); ++k)
    stops += std::string(k ? "," : "") + hex(kViridisStops[k]);
  return "linear-gradient(to right," + stops + ")";
}

std::string stops_json() {
  std::string json = "[";
  for (size_t k = 0; k < kViridisStops.size(); ++k) {
    const Rgb c = kViridisStops[k];
    json += (k ? ",[" : "[") + std::to_string(c.r) + "," + std::to_string(c.g) + "," +
            std::to_string(c.b) + "]";
  }
  return json + "]";
}

}  // namespace palette
