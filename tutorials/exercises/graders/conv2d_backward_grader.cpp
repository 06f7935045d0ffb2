// Grader of assignment A3, conv2d backward via col2im (tutorials/exercises/conv2d_backward.cpp).
//
// Sources of truth: attograd's own col2im kernel (core/kernels/conv.h),
// ag::conv2d with gradients from backward(), the adjoint identity
// <im2col(x), c> = <x, col2im(c)>, and central differences of a
// double-precision convolution written here. The student's code runs in the
// runner (conv2d_backward_runner.cpp: entries "col2im" and "backward").
#include <cmath>
#include <string>

#include "core/ag.h"
#include "core/kernels/conv.h"
#include "tutorials/exercises/conv2d_backward.h"
#include "tutorials/exercises/graders/judge.h"

namespace {

using ex::ConvShape;
using judge::Got;

// "C=2 H=5 W=7 kernel 3x3 stride 2 pad 1", with N and O when the check uses them.
std::string describe(const ConvShape& s, bool batch_and_outputs = true) {
  std::string text = "C=" + std::to_string(s.C) + " H=" + std::to_string(s.H) +
                     " W=" + std::to_string(s.W) + " kernel " + std::to_string(s.kh) + "x" +
                     std::to_string(s.kw) + " stride " + std::to_string(s.stride) + " pad " +
                     std::to_string(s.pad);
  if (!batch_and_outputs) return text;
  return "N=" + std::to_string(s.N) + " " + text + " O=" + std::to_string(s.O);
}

ag::ConvGeometry geometry(const ConvShape& s) {
  ag::ConvGeometry g;
  g.N = s.N, g.C = s.C, g.H = s.H, g.W = s.W, g.O = s.O, g.kh = s.kh, g.kw = s.kw;
  g.stride_h = g.stride_w = s.stride;
  g.pad_h = g.pad_w = s.pad;
  ag::conv_fill_output_size(g);
  return g;
}

int64_t col_size(const ConvShape& s) { return s.K() * s.OH() * s.OW(); }

// A record of inputs for the runner's `entry`: the shape as integers.
wire::Record conv_inputs(const std::string& entry, const ConvShape& s) {
  wire::Record r = judge::call(entry);
  for (auto [name, value] : {std::pair<const char*, int64_t>{"N", s.N},
                             {"C", s.C},
                             {"H", s.H},
                             {"W", s.W},
                             {"O", s.O},
                             {"kh", s.kh},
                             {"kw", s.kw},
                             {"stride", s.stride},
                             {"pad", s.pad}})
    r.put_int(name, value);
  return r;
}

// The student's col2im of `col`: entry "col2im" sends back img (C, H, W).
wire::Record col2im_inputs(const ConvShape& s, const std::vector<float>& col) {
  wire::Record r = conv_inputs("col2im", s);
  r.put_floats("col", {s.K(), s.OH() * s.OW()}, col);
  return r;
}

// The student's col2im of a random col against attograd's kernel.
judge::Check col2im_check(const std::string& name, int points, const ConvShape& s, uint64_t seed) {
  std::vector<float> col = grade::random_floats(col_size(s), seed);
  std::vector<float> expected(static_cast<size_t>(s.C * s.H * s.W));
  ag::col2im(geometry(s), col.data(), expected.data());
  return {name, points, col2im_inputs(s, col),
          [=](const wire::Record&, const wire::Record& outputs) {
            Got(outputs, "img", {s.C, s.H, s.W}).expect_close(expected, 1e-5, 1e-4);
          }};
}

// <im2col(x), c> == <x, col2im(c)> with the given im2col: what "adjoint" means.
judge::Check adjoint_check(const std::string& name, int points, const ConvShape& s, uint64_t seed) {
  std::vector<float> x = grade::random_floats(s.C * s.H * s.W, seed),
                     c = grade::random_floats(col_size(s), seed + 1);
  std::vector<float> col(static_cast<size_t>(col_size(s)));
  ex::im2col(s, x.data(), col.data());  // the hand-out's own (given) im2col, in the header
  double left = 0;
  for (size_t i = 0; i < col.size(); ++i) left += static_cast<double>(col[i]) * c[i];
  return {name, points, col2im_inputs(s, c), [=](const wire::Record&, const wire::Record& outputs) {
            Got img(outputs, "img", {s.C, s.H, s.W}, "col2im(c)");
            img.expect_written();
            double right = 0;
            for (size_t i = 0; i < x.size(); ++i)
              right += static_cast<double>(x[i]) * img.data()[i];
            grade::expect(std::fabs(left - right) <= 1e-4 * (1 + std::fabs(left)),
                          "<im2col(x), c> = " + std::to_string(left) + " but <x, col2im(c)> = " +
                              std::to_string(right) + ": col2im is not im2col's adjoint");
          }};
}

struct Reference {
  std::vector<float> x, weight, dout, dx, dweight;
};

Reference attograd_reference(const ConvShape& s, uint64_t seed) {
  Reference r;
  r.x = grade::random_floats(s.N * s.C * s.H * s.W, seed);
  r.weight = grade::random_floats(s.O * s.K(), seed + 1, 0.5f);
  r.dout = grade::random_floats(s.N * s.O * s.OH() * s.OW(), seed + 2);
  ag::Tensor x = ag::from_vector(r.x, {s.N, s.C, s.H, s.W}, true);
  ag::Tensor w = ag::from_vector(r.weight, {s.O, s.C, s.kh, s.kw}, true);
  ag::Tensor out =
      ag::conv2d(x, w, ag::Tensor(), ag::Conv2dOptions().stride(s.stride).padding(s.pad));
  out.backward(ag::from_vector(r.dout, out.shape()));
  r.dx = x.grad().to_vector();
  r.dweight = w.grad().to_vector();
  return r;
}

// The backward's inputs: x, weight and dout; entry "backward" sends back dx and dweight.
wire::Record backward_inputs(const ConvShape& s, const Reference& r) {
  wire::Record in = conv_inputs("backward", s);
  in.put_floats("x", {s.N, s.C, s.H, s.W}, r.x);
  in.put_floats("weight", {s.O, s.C, s.kh, s.kw}, r.weight);
  in.put_floats("dout", {s.N, s.O, s.OH(), s.OW()}, r.dout);
  return in;
}

// which: "dx" or "dweight", against attograd's conv2d backward.
judge::Check gradient_check(const std::string& name, int points, const ConvShape& s, uint64_t seed,
                            const std::string& which) {
  Reference r = attograd_reference(s, seed);
  const ag::Shape shape =
      which == "dx" ? ag::Shape{s.N, s.C, s.H, s.W} : ag::Shape{s.O, s.C, s.kh, s.kw};
  return {name, points, backward_inputs(s, r),
          [=](const wire::Record&, const wire::Record& outputs) {
            Got(outputs, which, shape).expect_close(which == "dx" ? r.dx : r.dweight, 1e-4, 1e-3);
          }};
}

// L = sum(conv2d(x, weight) * dout), in double.
double conv_loss(const ConvShape& s, const std::vector<double>& x, const std::vector<double>& w,
                 const std::vector<float>& dout) {
  const int64_t OH = s.OH(), OW = s.OW();
  double loss = 0;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = 0;
          for (int64_t c = 0; c < s.C; ++c)
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                int64_t h = oh * s.stride - s.pad + i, wi = ow * s.stride - s.pad + j;
                if (h < 0 || h >= s.H || wi < 0 || wi >= s.W) continue;
                acc += w[((o * s.C + c) * s.kh + i) * s.kw + j] *
                       x[((n * s.C + c) * s.H + h) * s.W + wi];
              }
          loss += acc * dout[((n * s.O + o) * OH + oh) * OW + ow];
        }
  return loss;
}

judge::Check finite_differences_check(const std::string& name, int points, const ConvShape& s,
                                      uint64_t seed) {
  Reference r = attograd_reference(s, seed);  // only its inputs are used
  std::vector<double> x = grade::to_doubles(r.x), w = grade::to_doubles(r.weight);
  auto dx = grade::to_floats(grade::numeric_gradient(
      [&](const std::vector<double>& v) { return conv_loss(s, v, w, r.dout); }, x));
  auto dw = grade::to_floats(grade::numeric_gradient(
      [&](const std::vector<double>& v) { return conv_loss(s, x, v, r.dout); }, w));
  return {name, points, backward_inputs(s, r),
          [=](const wire::Record&, const wire::Record& outputs) {
            Got(outputs, "dx", {s.N, s.C, s.H, s.W}).expect_close(dx, 1e-4, 1e-3);
            Got(outputs, "dweight", {s.O, s.C, s.kh, s.kw}).expect_close(dw, 1e-4, 1e-3);
          }};
}

const ConvShape plain{1, 1, 4, 4, 1, 3, 3, 1, 0};
const ConvShape strided{1, 2, 5, 7, 1, 3, 3, 2, 1};
const ConvShape gaps{1, 2, 7, 7, 1, 2, 2, 3, 0};  // stride > kernel: some pixels unseen
const ConvShape wide{1, 3, 6, 5, 1, 2, 3, 1, 1};
const ConvShape same{2, 3, 5, 5, 4, 3, 3, 1, 1};
const ConvShape odd{1, 2, 7, 9, 3, 3, 3, 2, 0};  // batch 1
const ConvShape pointwise{3, 4, 4, 4, 2, 1, 1, 1, 0};
const ConvShape batch{3, 2, 6, 5, 3, 2, 3, 2, 1};
const ConvShape tiny{2, 2, 4, 5, 2, 3, 3, 1, 1};

// The visible checks, worth 100: they ship in a hand-out, for self-testing.
std::vector<judge::Check> visible_checks() {
  return {
      col2im_check("col2im vs attograd's col2im, " + describe(plain, false), 10, plain, 1),
      col2im_check(
          "col2im vs attograd's col2im, " + describe(strided, false) + " (overlaps, padding)", 10,
          strided, 2),
      col2im_check(
          "col2im vs attograd's col2im, " + describe(gaps, false) + " (uncovered pixels are 0)", 5,
          gaps, 3),
      adjoint_check(
          "col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)>, " + describe(wide, false),
          10, wide, 4),
      gradient_check("dx vs attograd's conv2d backward, " + describe(same), 10, same, 5, "dx"),
      gradient_check("dx vs attograd's conv2d backward, " + describe(odd) + " (batch 1, odd sizes)",
                     10, odd, 6, "dx"),
      gradient_check("dx vs attograd's conv2d backward, " + describe(pointwise) + " (1x1 kernel)",
                     5, pointwise, 7, "dx"),
      gradient_check("dweight vs attograd's conv2d backward, " + describe(same), 10, same, 8,
                     "dweight"),
      gradient_check(
          "dweight vs attograd's conv2d backward, " + describe(batch) + " (summed over the batch)",
          10, batch, 9, "dweight"),
      finite_differences_check(
          "dx and dweight vs finite differences of sum(conv2d(x, w) * dout), " + describe(tiny), 20,
          tiny, 10),
  };
}

}  // namespace

// The hidden checks (tests/exercise_hidden/, never in a hand-out) continue this
// file; mk/exercises.mk defines AG_HIDDEN_CHECKS where they exist.
#ifdef AG_HIDDEN_CHECKS
#include "tests/exercise_hidden/conv2d_backward_hidden.h"
#define HIDDEN_CHECKS hidden_checks
#else
#define HIDDEN_CHECKS nullptr
#endif

int main(int argc, char** argv) {
  return judge::main(argc, argv,
                     {"Assignment A3: conv2d backward via col2im",
                      "tutorials/exercises/conv2d_backward.cpp", visible_checks(), HIDDEN_CHECKS});
}
