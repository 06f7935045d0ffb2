// tutorials/page/page_data.h: the views of the attention page, gathered from
// the tutorials' own step functions (tutorials/common/lessonNN.h), never from
// their printed output. Every Matrix holds the very floats a lesson computed.
//
// View ids, in the ← → order of the page:
//   01-embeddings  02-qkv  02-scores  02-scaled  02-weights  02-out  02-grad  graph
//   03-mask  04-cross  05-heads  07-decode  heads  08-image
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tutorials/common/tiny_transformer.h"
#include "tutorials/page/graph_layout.h"
#include "tutorials/page/page_model.h"

namespace page {

// What the page's JavaScript may edit (window.agPage.defaultInput()): the four
// English words' embeddings, the mask of tutorial 02's attention and the
// number of heads of tutorial 05's. Values here are the lessons' defaults;
// the page recomputes the edited steps itself (attention_edit.js).
struct EditableInput {
  Labels words;                                // I am a student
  std::vector<std::vector<float>> embeddings;  // one row of kWidth per word
  std::string mask = "none";                   // "none" or "causal"
  int64_t heads = 2;                           // 1, 2 or 4
};
EditableInput default_input();

// Tutorials 01-05: one view per step. The options change what the lessons
// let change (the word vectors are fixed in sentence.cpp): tests use them to
// check that the captions follow the numbers.
struct StepsOptions {
  std::string mask = "none";  // 02's attention with "causal" masks its future, as 03 does
  int64_t heads = 2;          // 05's multi-head attention
};
std::vector<View> step_views(const StepsOptions& options = StepsOptions());

// 02's backward: dL/dX beside X for every tensor of the graph that has a
// gradient, and the graph itself, laid out (its nodes point at these matrices).
struct GradientPage {
  View gradients;  // id "02-grad"
  View graph;      // id "graph": one figure per node value and gradient
  Graph layout;
};
GradientPage gradient_views();

// 06/07: the model's greedy decoding of "I am a student" (the top-5 at every
// step) and every head of every layer on the finished translation.
std::vector<View> trained_views(tut::TinyTransformer& model);

// 08: the image self-attention, before and after training the block
// (kTrainSteps more SGD steps on tutorial 08's own loss, page_image.cpp).
View image_view();

}  // namespace page
