// Grader of assignment A3, conv2d backward via col2im (tutorials/exercises/conv2d_backward.cpp).
//
// Sources of truth: attograd's own col2im kernel (core/kernels/conv.h),
// ag::conv2d with gradients from backward(), the adjoint identity
// <im2col(x), c> = <x, col2im(c)>, and central differences of a
// double-precision convolution written here.
#include <cmath>
#include <string>

#include "core/ag.h"
#include "core/kernels/conv.h"
#include "tutorials/exercises/conv2d_backward.h"
#include "tutorials/exercises/graders/grader.h"

namespace {

using ex::ConvShape;
using grade::Output;

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

// The student's col2im of a random col against attograd's kernel.
void check_col2im(const ConvShape& s, uint64_t seed) {
  std::vector<float> col = grade::random_floats(col_size(s), seed);
  std::vector<float> expected(static_cast<size_t>(s.C * s.H * s.W));
  ag::col2im(geometry(s), col.data(), expected.data());
  Output img("img", {s.C, s.H, s.W});
  ex::col2im(s, col.data(), img.data());
  img.expect_close(expected, 1e-5, 1e-4);
}

// <im2col(x), c> == <x, col2im(c)> with the given im2col: what "adjoint" means.
void check_adjoint(const ConvShape& s, uint64_t seed) {
  std::vector<float> x = grade::random_floats(s.C * s.H * s.W, seed),
                     c = grade::random_floats(col_size(s), seed + 1);
  std::vector<float> col(static_cast<size_t>(col_size(s)));
  ex::im2col(s, x.data(), col.data());
  Output img("col2im(c)", {s.C, s.H, s.W});
  ex::col2im(s, c.data(), img.data());
  img.expect_written();
  double left = 0, right = 0;
  for (size_t i = 0; i < col.size(); ++i) left += static_cast<double>(col[i]) * c[i];
  for (size_t i = 0; i < x.size(); ++i) right += static_cast<double>(x[i]) * img.data()[i];
  grade::expect(std::fabs(left - right) <= 1e-4 * (1 + std::fabs(left)),
                "<im2col(x), c> = " + std::to_string(left) + " but <x, col2im(c)> = " +
                    std::to_string(right) + ": col2im is not im2col's adjoint");
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

struct Gradients {
  Output dx, dweight;
};

Gradients student_backward(const ConvShape& s, const Reference& r) {
  Gradients g{Output("dx", {s.N, s.C, s.H, s.W}), Output("dweight", {s.O, s.C, s.kh, s.kw})};
  ex::conv2d_backward(s, r.x.data(), r.weight.data(), r.dout.data(), g.dx.data(), g.dweight.data());
  return g;
}

void check_dx(const ConvShape& s, uint64_t seed) {
  Reference r = attograd_reference(s, seed);
  student_backward(s, r).dx.expect_close(r.dx, 1e-4, 1e-3);
}

void check_dweight(const ConvShape& s, uint64_t seed) {
  Reference r = attograd_reference(s, seed);
  student_backward(s, r).dweight.expect_close(r.dweight, 1e-4, 1e-3);
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

void check_finite_differences(const ConvShape& s, uint64_t seed) {
  Reference r = attograd_reference(s, seed);  // only its inputs are used
  std::vector<double> x = grade::to_doubles(r.x), w = grade::to_doubles(r.weight);
  auto dx = grade::numeric_gradient(
      [&](const std::vector<double>& v) { return conv_loss(s, v, w, r.dout); }, x);
  auto dw = grade::numeric_gradient(
      [&](const std::vector<double>& v) { return conv_loss(s, x, v, r.dout); }, w);
  Gradients g = student_backward(s, r);
  g.dx.expect_close(grade::to_floats(dx), 1e-4, 1e-3);
  g.dweight.expect_close(grade::to_floats(dw), 1e-4, 1e-3);
}

}  // namespace

int main(int argc, char** argv) {
  const ConvShape plain{1, 1, 4, 4, 1, 3, 3, 1, 0};
  const ConvShape strided{1, 2, 5, 7, 1, 3, 3, 2, 1};
  const ConvShape gaps{1, 2, 7, 7, 1, 2, 2, 3, 0};  // stride > kernel: some pixels unseen
  const ConvShape wide{1, 3, 6, 5, 1, 2, 3, 1, 1};
  const ConvShape same{2, 3, 5, 5, 4, 3, 3, 1, 1};
  const ConvShape odd{1, 2, 7, 9, 3, 3, 3, 2, 0};  // batch 1
  const ConvShape pointwise{3, 4, 4, 4, 2, 1, 1, 1, 0};
  const ConvShape batch{3, 2, 6, 5, 3, 2, 3, 2, 1};
  const ConvShape tiny{2, 2, 4, 5, 2, 3, 3, 1, 1};
  std::vector<grade::Check> checks = {
      {"col2im vs attograd's col2im, " + describe(plain, false), 10,
       [=] { check_col2im(plain, 1); }},
      {"col2im vs attograd's col2im, " + describe(strided, false) + " (overlaps, padding)", 10,
       [=] { check_col2im(strided, 2); }},
      {"col2im vs attograd's col2im, " + describe(gaps, false) + " (uncovered pixels are 0)", 5,
       [=] { check_col2im(gaps, 3); }},
      {"col2im is im2col's adjoint: <im2col(x), c> = <x, col2im(c)>, " + describe(wide, false), 10,
       [=] { check_adjoint(wide, 4); }},
      {"dx vs attograd's conv2d backward, " + describe(same), 10, [=] { check_dx(same, 5); }},
      {"dx vs attograd's conv2d backward, " + describe(odd) + " (batch 1, odd sizes)", 10,
       [=] { check_dx(odd, 6); }},
      {"dx vs attograd's conv2d backward, " + describe(pointwise) + " (1x1 kernel)", 5,
       [=] { check_dx(pointwise, 7); }},
      {"dweight vs attograd's conv2d backward, " + describe(same), 10,
       [=] { check_dweight(same, 8); }},
      {"dweight vs attograd's conv2d backward, " + describe(batch) + " (summed over the batch)", 10,
       [=] { check_dweight(batch, 9); }},
      {"dx and dweight vs finite differences of sum(conv2d(x, w) * dout), " + describe(tiny), 20,
       [=] { check_finite_differences(tiny, 10); }},
  };
  // argv[1], when given, names the graded file in the report (make grade SRC=...).
  const char* student_file = argc > 1 ? argv[1] : "tutorials/exercises/conv2d_backward.cpp";
  return grade::run_checks("Assignment A3: conv2d backward via col2im", student_file, checks);
}
