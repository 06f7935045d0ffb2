// tutorials/common/article.cpp: the article's own sentences, quoted.
#include "tutorials/common/article.h"

#include "core/error.h"
#include "tutorials/common/present.h"

namespace tut {

const std::vector<ArticleQuote>& article_quotes() {
  // Chinese exactly as the article prints it (tests/tutorials/test_tutorials.cpp checks
  // each against the article's text); the English is ours, close to the word.
  static const std::vector<ArticleQuote> quotes = {
      {"01.tokens", "§1.3 step 1", "首先，我们需要将输入句子进行分词，将每个单词都表示为一个标记。",
       "First, we need to split the input sentence into words, representing each word as a token."},
      {"01.embed", "§1.3 step 1",
       "然后，我们使用预训练的词嵌入模型将每个单词映射为一个向量，表示单词的语义信息。",
       "Then we use a pretrained word-embedding model to map each word to a vector that represents "
       "its meaning."},
      {"02.table", "§1.3 step 2",
       "对注意力得分进行归一化，得到每个单词与其他单词之间的相关性得分；",
       "Normalise the attention scores, giving each word's relevance score with every other word;"},
      {"02.qkv", "§1.3 step 2", "将每个单词的向量作为查询、键和值输入到自注意力层中；",
       "Feed each word's vector into the self-attention layer as query, key and value;"},
      {"02.scores", "§1.3 step 2",
       "使用查询向量和键向量计算注意力得分，得分越高表示两个单词之间的相关性越大；",
       "Compute attention scores from the query and key vectors; the higher the score, the more "
       "related the two words;"},
      {"02.sum", "§1.3 step 2",
       "将相关性得分作为权重对值进行加权平均，得到每个单词与其他单词的加权向量。",
       "Use the relevance scores as weights for a weighted average of the values, giving each word "
       "a weighted vector."},
      {"03.table", "§1.3 step 3",
       "例如\"Je\"与\"suis\"之间的得分为0."
       "2，表示两个单词之间的相关性较低，而\"Je\"与\"étudiant\"之间的得分为0."
       "1，表示两个单词之间的相关性更低。",
       "For example the score between \"Je\" and \"suis\" is 0.2, meaning the two words are weakly "
       "related, and between \"Je\" and \"étudiant\" 0.1, more weakly still."},
      {"03.mask", "§1.3 step 3",
       "对于输出序列中的每个单词，我们可以先将其向量作为查询、键和值输入到自注意力层中。",
       "For each word of the output sequence, we can first feed its vector into the self-attention "
       "layer as query, key and value."},
      {"04.dot", "§1.3 step 4", "例如\"Je\"与\"I\"之间的得分为0.71，表示两个单词之间的相关性比较高",
       "For example the score between \"Je\" and \"I\" is 0.71, meaning the two words are fairly "
       "strongly related"},
      {"04.cross", "§1.3 step 4",
       "然后，我们可以将编码器中每个单词的加权向量作为键和值输入到解码器中",
       "Then we can feed the encoder's weighted vector of each word into the decoder as keys and "
       "values"},
      {"05.transformer", "§1.3",
       "我们可以使用一个基于自注意力机制的神经机器翻译模型，如Transformer模型。",
       "We can use a neural machine translation model based on self-attention, such as the "
       "Transformer."},
      {"06.model", "§1.3",
       "这个模型分为编码器和解码器两部分，其中编码器将输入句子中的每个单词都编码成一个向量，解码器"
       "则根据这些向量生成输出句子中的每个单词。",
       "The model has two parts, an encoder and a decoder: the encoder encodes each word of the "
       "input sentence as a vector, and the decoder generates each word of the output sentence "
       "from these vectors."},
      {"07.generate", "§1.3 step 5",
       "对于每个位置的输出单词，我们可以使用解码器中的生成器来预测其概率分布，然后从中选择概率最高"
       "的单词作为当前位置的输出。",
       "For the output word at each position, we can use the decoder's generator to predict its "
       "probability distribution, then choose the most probable word as the output at this "
       "position."},
      {"07.chinese", "§1.3 step 5", "输入\"Je\"，预测输出\"我\"的概率最高；",
       "Input \"Je\": the most probable predicted output is \"我\" (\"I\");"},
      {"07.result", "§1.3 step 5",
       "最终，我们将预测出的输出序列\"Je suis étudiant\"作为翻译结果返回。",
       "Finally we return the predicted output sequence \"Je suis étudiant\" as the translation."},
      {"08.qkv", "§4.4", "首先将输入张量x通过三个卷积层映射为三个张量：query、key和value。",
       "First the input tensor x is mapped by three convolution layers to three tensors: query, "
       "key and value."},
      {"08.gamma", "§4.4",
       "最后，将这个新的特征向量与输入张量x相加，并乘以一个可学习的权重gamma，得到最终的输出。",
       "Finally this new feature vector is added to the input tensor x and multiplied by a "
       "learnable weight gamma, giving the final output."},
      {"09.fcn", "§1.2",
       "将加权的特征向量输入到全连接神经网络(Fully Convolutional Neural "
       "Network,FCN)中进行特征表示与分类。",
       "The weighted feature vectors are fed into a fully connected neural network (\"Fully "
       "Convolutional Neural Network, FCN\") for representation and classification."},
      {"09.network", "§4.4",
       "在AttentionNet中，输入数据经过卷积神经网络的多个卷积层和残差块，提取出高级特征。",
       "In AttentionNet the input passes through the convolutional network's conv layers and "
       "residual blocks, which extract high-level features."},
  };
  return quotes;
}

const ArticleQuote& article_quote(const std::string& key) {
  for (const ArticleQuote& q : article_quotes())
    if (key == q.key) return q;
  ag::fail("article_quote: no quote '", key, "' in tutorials/common/article.cpp");
}

void quote_article(const std::string& key) {
  const ArticleQuote& q = article_quote(key);
  say_hanging(std::string("> The article, ") + q.where + ": " + q.chinese, 2);
  say_hanging(std::string("> In English: ") + q.english, 2);
}

}  // namespace tut
