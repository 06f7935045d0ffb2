// Tutorial 08: self-attention over an image, the document's SelfAttention block
// (section 4.3) on a 16×16 feature map.
//
//   make tutorial T=08
//   make gdb T=08               builds it at -O0 -g and opens it in gdb, then:
//   (gdb) break tut::self_attention_lines
//
// The numbers come from tutorials/common/lesson08.cpp; tests/tutorials/test_tutorials_train.cpp
// recomputes them with plain loops (and the convolutions' gradient by finite differences).
#include <cstdio>
#include <string>

#include "core/ag.h"
#include "tutorials/common/article.h"
#include "tutorials/common/heatmap.h"
#include "tutorials/common/lesson08.h"
#include "tutorials/common/present.h"

using namespace tut;

namespace {

void show_shape(const char* line, const ag::Tensor& t, const char* meaning) {
  std::printf("  %-58s %-17s %s\n", line, ag::shape_str(t.shape()).c_str(), meaning);
}

void show_norms(const GradNorms& g) {
  for (size_t k = 0; k < g.names.size(); ++k)
    std::printf("  %-14s %12.4e\n", g.names[k].c_str(), static_cast<double>(g.norms[k]));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  parse_tutorial_args(argc, argv);
  heading("Tutorial 08: self-attention over the pixels of a feature map");
  say("What you will learn: the document's SelfAttention block treats every pixel of a "
      "feature map as a token. Each pixel's query meets every pixel's key, so any pixel can "
      "draw on any other, however far apart; a convolution only sees its 3×3 neighbours. "
      "Then the odd-looking gamma: it starts at 0, which makes the block the identity and "
      "decides which parameters learn first.");
  const ImageAttentionLesson R = lesson08_image_attention();
  const SelfAttentionLines& L = R.lines;

  heading("Step 8a: a feature map");
  say("In the document's network the block gets res2's output: 256 channels on a 16×16 "
      "grid. We use 16 channels, so the query and key have 16/8 = 2. Our made-up map has "
      "two objects, a square and a bar: their pixels share one 16-number vector, the "
      "background another, each plus a little noise (█ = object):");
  std::printf("%s", shade_grid(R.map.objects).c_str());
  std::fflush(stdout);

  heading("Step 8b: the forward pass, line by line");
  quote_article("08.qkv");
  say("B = 1 image, C = 16 channels, H = W = 16, so N = H·W = 256 positions. The 1×1 "
      "convolutions act on each pixel's 16 numbers alone: a Linear layer applied per pixel.");
  show_shape("query = self.query(x).view(B, -1, H*W).permute(0, 2, 1)", L.query, "[B, N, C/8]");
  show_shape("key = self.key(x).view(B, -1, H*W)", L.key, "[B, C/8, N]");
  show_shape("energy = torch.bmm(query, key)", L.energy, "[B, N, N]");
  show_shape("attention = F.softmax(energy, dim=-1)", L.attention, "[B, N, N]");
  show_shape("value = self.value(x).view(B, -1, H*W)", L.value, "[B, C, N]");
  show_shape("out = torch.bmm(value, attention.permute(0, 2, 1))", L.out_flat, "[B, C, N]");
  show_shape("out = out.view(B, C, H, W)", L.out, "[B, C, H, W]");
  show_shape("out = self.gamma * out + x", L.result, "[B, C, H, W]");
  std::fflush(stdout);
  say("energy[i][j] = query_i · key_j for every pair of pixels: 256 × 256 = 65,536 "
      "numbers for a 16×16 map, 4.3 billion for a 256×256 one. That quadratic cost is why "
      "the document's network applies the block only after nothing is left but a 16×16 "
      "grid. The block has no √d scaling (unlike tutorial 02) and no positions: nothing in "
      "it knows where a pixel is.");
  say("out[c][i] = Σ_j value[c][j] · attention[i][j]: multiplying by attentionᵀ puts pixel "
      "i's weights in column i, so each output pixel is a weighted average of all the value "
      "vectors.");

  const std::string pixel =
      "(" + std::to_string(R.query_row) + ", " + std::to_string(R.query_col) + ")";
  const bool on_object = R.map.objects.at({R.query_row, R.query_col}) > 0;
  heading("Step 8c: where pixel " + pixel + " looks");
  say("Row " + std::to_string(R.query_row * kMapSide + R.query_col) +
      " of attention (pixel at "
      "row " +
      std::to_string(R.query_row) + ", column " + std::to_string(R.query_col) +
      (on_object ? ", on an object" : ", on the background") +
      ", marked []) laid out as the "
      "16×16 map it ranges over. The 1×1 convolutions are freshly initialised (seeded): "
      "nothing is learned yet.");
  std::printf("%s%s\n", shade_grid(R.query_map, R.query_row, R.query_col).c_str(),
              shade_legend(R.query_map).c_str());
  Labels coords;
  for (int64_t k = 0; k < kMapSide; ++k) coords.push_back(std::to_string(k));
  std::printf("  picture with numbers: %s\n",
              write_heatmap_svg(R.query_map, coords, coords,
                                "attention of pixel " + pixel + ", framed in red",
                                "08_pixel_attention", R.query_row, R.query_col)
                  .c_str());
  save_tensor("attention of the query pixel over the map", R.query_map, coords, coords);
  std::fflush(stdout);
  say("Mean weight on an object pixel: " + fmt(R.object_weight) +
      "; on a background pixel: " + fmt(R.background_weight) +
      " (uniform would be 1/256 = 0.0039). The bar, far from the "
      "square, is shaded like the square itself: the weights depend on what a pixel holds, "
      "not on where it is: pixels with the same contents get nearly the same key. Which "
      "contents win is luck before training: with kBlockSeed = 86 (lesson08.h) this pixel "
      "looks only at the background. Learning which contents belong together is the "
      "training's job.");

  heading("Step 8d: gamma = 0, the block starts as the identity");
  say("gamma is a learned scalar, initialised to 0 (nn.Parameter(torch.zeros(1))). So the "
      "first output is 0 · out + x = x. Through the module's own forward:");
  std::printf("  elements of block(x) equal to x, bit for bit: %lld of %lld\n",
              static_cast<long long>(R.identical), static_cast<long long>(R.map.x.numel()));
  say("Now a loss that wants some attention mixed in: target = x + " + fmt(kGammaTarget, 1) +
      "·out (out as computed above), met exactly when gamma = " + fmt(kGammaTarget, 1) +
      ". mse_loss(block(x), target) = " + fmt(R.loss_before) +
      ". One backward; the norm of "
      "each parameter's gradient:");
  show_norms(R.grads_before);
  say("Only gamma has a gradient. result = gamma·out + x gives ∂result/∂gamma = out, which "
      "is not 0, but ∂result/∂out = gamma = 0: no gradient reaches out, so none reaches "
      "the query, key and value convolutions behind it. They are exactly 0, not small.");
  say("One plain SGD step (lr " + fmt(kGammaLr, 1) + "): gamma = 0 - " + fmt(kGammaLr, 1) + " · (" +
      fmt(R.dgamma) + ") = " + fmt(R.gamma_after) + ". The loss goes from " + fmt(R.loss_before) +
      " to " + fmt(R.loss_after) + ". Backward again:");
  show_norms(R.grads_after);
  say("With gamma ≠ 0 the gradient flows into out, and through the softmax and the two "
      "bmm's into the convolutions. All but key.bias: adding one vector b to every key adds "
      "the same query_i · b to a whole row of energies, and softmax ignores a constant added "
      "to its row, so key.bias's true gradient is 0 and what is printed is float rounding. "
      "(PyTorch's block has the same useless parameter.)");
  quote_article("08.gamma");
  say("That sentence says gamma·(out + x): at gamma = 0 it would output all zeros and throw "
      "the input away. The document's code, out = self.gamma * out + x, computes "
      "gamma·out + x, the identity at the start, and the code is what SAGAN means. Trust the "
      "code here, not the sentence.");
  say("This is the design (SAGAN, Zhang et al. 2018): a "
      "network that already works is not disturbed by a freshly initialised attention block; "
      "the block is blended in only as fast as gamma learns that it helps.");

  what_to_try({
      "Move the query pixel (kQueryRow, kQueryCol in tutorials/common/lesson08.h) onto the "
      "background, e.g. (14, 1): which pixels does it look at now?",
      "Set kNoiseScale in tutorials/common/lesson08.h to 1.0: does pixel (4, 4) still tell "
      "object pixels from background ones (compare the two mean weights)?",
      "Initialise gamma to 1 in the block (nn/models/attention_net.cpp): which gradients "
      "are 0 in the first backward now?",
      "Question: why does the document's block need no √d scaling with C/8 = 32 channels, "
      "or does it?",
  });
  return 0;
}
