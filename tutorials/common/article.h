// tutorials/common/article.h: the source article's own sentences, so each
// tutorial step can quote the line it redoes (Chinese original, then an English
// rendering) right beside the corrected computation. A reader with the article
// open can match the two up.
#pragma once

#include <string>
#include <vector>

namespace tut {

struct ArticleQuote {
  const char* key;      // "02.table": the tutorial, then what the quote is about
  const char* where;    // "§1.3 step 2": where in the article
  const char* chinese;  // the article's words, verbatim
  const char* english;  // our rendering
};

const std::vector<ArticleQuote>& article_quotes();
// The quote with this key; ag::Error if there is none.
const ArticleQuote& article_quote(const std::string& key);
// Prints "> The article, §1.3 step 2: <Chinese>" and "> In English: <English>".
void quote_article(const std::string& key);

}  // namespace tut
