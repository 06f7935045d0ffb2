# mk/page.mk: the attention page (issue 22), built from the tutorials' own
# step functions by the C++ in tutorials/page/.
#
#   make page       writes build/page/attention.html (one offline file) and prints its path

PAGE_SRCS := $(filter-out tutorials/page/make_page.cpp,$(sort $(wildcard tutorials/page/*.cpp)))
PAGE_OBJS := $(PAGE_SRCS:%.cpp=$(BUILD)/obj/%.o)
PAGE_BIN  := $(BUILD)/make_page
PAGE_HTML := build/page/attention.html

$(PAGE_BIN): $(BUILD)/obj/tutorials/page/make_page.o $(PAGE_OBJS) $(TUT_LIB_OBJS) $(LIB)
	$(CXX) $^ $(LDFLAGS) -o $@

# The page's CSS and JavaScript (tutorials/page/*.css, *.js) are read when it runs, and inlined.
.PHONY: page
page: $(PAGE_BIN)
	$(PAGE_BIN) $(PAGE_HTML)

all: $(PAGE_BIN)
# The suite runs the program too (tests/tutorials/test_page_html.cpp).
test: $(PAGE_BIN)

# The suite checks the page's C++ (tests/tutorials/test_page*.cpp): its
# objects join the link (the Makefile names the library again after them).
$(TEST_BIN): $(PAGE_OBJS)
