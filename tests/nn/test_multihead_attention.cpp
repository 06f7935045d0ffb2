// tests/nn/test_multihead_attention.cpp: nn::MultiheadAttention against a naive
// loop written from the definition, masks, gradients, shape errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "tests/helpers/nn_test_util.h"
#include "tests/helpers/test_util.h"

using namespace ag;
using namespace ag::nn;

namespace {

// The definition, one query, one head, one key at a time, in double.
// blocked(b, h, l, s) says whether the pair is masked out; added(b, h, l, s)
// is the float mask's value. Returns (output (B, L, E), averaged weights (B, L, S)).
struct Naive {
  std::vector<double> output, weights;
};

template <class Blocked, class Added>
Naive naive_mha(const MultiheadAttention& m, const Tensor& query, const Tensor& key,
                const Tensor& value, Blocked blocked, Added added) {
  const int64_t B = query.size(0), L = query.size(1), S = key.size(1), E = m.embed_dim,
                H = m.num_heads, d = E / H;
  const Tensor& W = m.in_proj_weight;
  const Tensor& bias = m.in_proj_bias;
  // Row r of the stacked projection applied to token x[b][t].
  auto proj = [&](const Tensor& x, int64_t part, int64_t b, int64_t t, int64_t r) {
    double acc = bias.at({part * E + r});
    for (int64_t i = 0; i < E; ++i) acc += double(W.at({part * E + r, i})) * x.at({b, t, i});
    return acc;
  };
  Naive out{std::vector<double>(B * L * E, 0.0), std::vector<double>(B * L * S, 0.0)};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t l = 0; l < L; ++l) {
      std::vector<double> joined(E, 0.0);  // the heads' outputs side by side
      for (int64_t h = 0; h < H; ++h) {
        std::vector<double> score(S);
        double largest = -std::numeric_limits<double>::infinity();
        for (int64_t s = 0; s < S; ++s) {
          double dot = 0;
          for (int64_t j = 0; j < d; ++j)
            dot += proj(query, 0, b, l, h * d + j) * proj(key, 1, b, s, h * d + j);
          score[s] = blocked(b, h, l, s) ? -std::numeric_limits<double>::infinity()
                                         : dot / std::sqrt(double(d)) + added(b, h, l, s);
          largest = std::max(largest, score[s]);
        }
        double total = 0;
        for (double& sc : score) total += (sc = std::exp(sc - largest));
        for (int64_t s = 0; s < S; ++s) {
          const double w = score[s] / total;
          out.weights[(b * L + l) * S + s] += w / H;
          for (int64_t j = 0; j < d; ++j) joined[h * d + j] += w * proj(value, 2, b, s, h * d + j);
        }
      }
      for (int64_t o = 0; o < E; ++o) {
        double acc = m.out_proj->bias.at({o});
        for (int64_t i = 0; i < E; ++i) acc += double(m.out_proj->weight.at({o, i})) * joined[i];
        out.output[(b * L + l) * E + o] = acc;
      }
    }
  return out;
}

void check_against(const Tensor& got, const std::vector<double>& expected) {
  REQUIRE(got.numel() == int64_t(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    CHECK(got.data()[i] == doctest::Approx(expected[i]).epsilon(1e-4).scale(1));
}

AttentionMasks padding_mask(const Tensor& m) {
  AttentionMasks masks;
  masks.key_padding_mask = m;
  return masks;
}

AttentionMasks float_mask(const Tensor& m) {
  AttentionMasks masks;
  masks.attn_mask = m;
  return masks;
}

auto never = [](int64_t, int64_t, int64_t, int64_t) { return false; };
auto nothing = [](int64_t, int64_t, int64_t, int64_t) { return 0.0; };

}  // namespace

TEST_SUITE("nn.multihead_attention") {
TEST_CASE("PyTorch's parameter names and shapes") {
  MultiheadAttention mha(8, 2);
  auto named = mha.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].first == "in_proj_weight");
  CHECK(named[0].second.shape() == Shape{24, 8});
  CHECK(named[1].first == "in_proj_bias");
  CHECK(named[2].first == "out_proj.weight");
  CHECK(named[3].first == "out_proj.bias");
  CHECK(mha.head_dim == 4);
  CHECK(mha.str() ==
        "MultiheadAttention(\n  (out_proj): Linear(in_features=8, out_features=8, bias=True)\n)");
  CHECK_FAILS_WITH(MultiheadAttention(10, 4),
                   "embed_dim 10 must be a positive multiple of num_heads 4");
}

TEST_CASE("output and head-averaged weights equal the naive loop (self- and cross-attention)") {
  manual_seed(11);
  MultiheadAttention mha(8, 2);
  {  // give the biases values, so the test sees them used
    NoGradGuard no_grad;
    init::uniform_(mha.in_proj_bias, -0.5f, 0.5f);
    init::uniform_(mha.out_proj->bias, -0.5f, 0.5f);
  }
  Tensor x = randn({2, 3, 8});
  auto [out, weights] = mha(x, x, x);
  Naive expect = naive_mha(mha, x, x, x, never, nothing);
  REQUIRE(out.shape() == Shape{2, 3, 8});
  REQUIRE(weights.shape() == Shape{2, 3, 3});
  check_against(out, expect.output);
  check_against(weights, expect.weights);

  Tensor memory = randn({2, 5, 8});  // L = 3 queries over S = 5 keys
  auto [cross, cross_weights] = mha(x, memory, memory);
  Naive cross_expect = naive_mha(mha, x, memory, memory, never, nothing);
  check_against(cross, cross_expect.output);
  check_against(cross_weights, cross_expect.weights);

  auto [unused, per_head] = mha(x, memory, memory, {}, true, false);
  CHECK(per_head.shape() == Shape{2, 2, 3, 5});
  auto [no_weights_out, none] = mha(x, memory, memory, {}, false);
  CHECK_FALSE(none.defined());
}

TEST_CASE("key_padding_mask and attn_mask (boolean and additive) match the naive loop") {
  manual_seed(12);
  MultiheadAttention mha(4, 2);
  Tensor q = randn({2, 3, 4}), kv = randn({2, 4, 4});
  AttentionMasks masks;
  masks.key_padding_mask = tensor({{0, 0, 0, 1}, {0, 1, 1, 0}});  // nonzero: padding
  masks.attn_mask = tensor({{0, 1, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}});
  masks.attn_mask_is_bool = true;
  auto [out, weights] = mha(q, kv, kv, masks);
  auto blocked = [&](int64_t b, int64_t, int64_t l, int64_t s) {
    return masks.key_padding_mask.at({b, s}) != 0 || masks.attn_mask.at({l, s}) != 0;
  };
  Naive expect = naive_mha(mha, q, kv, kv, blocked, nothing);
  check_against(out, expect.output);
  check_against(weights, expect.weights);
  // A padded or blocked key gets no weight: exactly 0, as in PyTorch.
  CHECK(weights.at({0, 0, 3}) == 0.0f);
  CHECK(weights.at({1, 2, 0}) == 0.0f);

  // An additive (L, S) mask, and a per-head (B·H, L, S) one.
  Tensor additive = randn({3, 4});
  auto [out_add, w_add] = mha(q, kv, kv, float_mask(additive));
  Naive expect_add = naive_mha(mha, q, kv, kv, never, [&](int64_t, int64_t, int64_t l, int64_t s) {
    return double(additive.at({l, s}));
  });
  check_against(out_add, expect_add.output);
  Tensor per_head = randn({4, 3, 4});
  auto [out_ph, w_ph] = mha(q, kv, kv, float_mask(per_head));
  Naive expect_ph =
      naive_mha(mha, q, kv, kv, never, [&](int64_t b, int64_t h, int64_t l, int64_t s) {
        return double(per_head.at({b * 2 + h, l, s}));
      });
  check_against(out_ph, expect_ph.output);
}

TEST_CASE("gradients of the inputs and all four parameters (with masks)") {
  manual_seed(13);
  MultiheadAttention mha(4, 2);
  Tensor q = randn({2, 3, 4}), kv = randn({2, 2, 4});
  kv.requires_grad_(true);
  AttentionMasks masks;
  masks.key_padding_mask = tensor({{0, 0}, {0, 1}});
  auto checked = nn_test::input_and_parameters(mha, q);
  checked.push_back({"key/value", kv});
  CHECK(nn_test::check_gradients([&] { return mha(q, kv, kv, masks).first; }, checked) == "");
  CHECK(nn_test::check_gradients([&] { return mha(q, kv, kv, masks).second; }, checked) == "");
}

TEST_CASE("batch_first = false takes (L, B, E) and gives the same numbers transposed") {
  manual_seed(14);
  MultiheadAttention first(4, 2);
  manual_seed(14);
  MultiheadAttentionOptions options;
  options.batch_first = false;
  MultiheadAttention seq_first(4, 2, options);
  Tensor x = randn({2, 3, 4});
  ag_test::check_close(
      transpose(seq_first(transpose(x, 0, 1), transpose(x, 0, 1), transpose(x, 0, 1)).first, 0, 1),
      first(x, x, x).first);
}

TEST_CASE("shape errors name the tensors and the rule") {
  MultiheadAttention mha(4, 2);
  Tensor x = randn({2, 3, 4});
  CHECK_FAILS_WITH(mha(x, x, randn({2, 3, 5})),
                   "MultiheadAttention: query [2, 3, 4], key [2, 3, 4] and value [2, 3, 5] must be "
                   "3-D with embed_dim 4 last");
  CHECK_FAILS_WITH(mha(x, randn({2, 5, 4}), x),
                   "must share the batch size, and key and value the length");
  CHECK_FAILS_WITH(
      mha(x, x, x, padding_mask(zeros({2, 4}))),
      "MultiheadAttention: key_padding_mask [2, 4] must be [batch, key length] = [2, 3]");
  CHECK_FAILS_WITH(mha(x, x, x, float_mask(zeros({3, 4}))),
                   "MultiheadAttention: attn_mask [3, 4] must be [3, 3] or [4, 3, 3]");
}
}  // TEST_SUITE("nn.multihead_attention")
