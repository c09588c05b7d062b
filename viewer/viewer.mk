# hakmem-trace, the viewer (docs/VIEWER.md). Included by the top-level Makefile, whose
# BUILD, CC, Q and msg it uses. Also: the test helpers of tests/viewer/ (they need the
# trace headers, -I.), the libFuzzer target and its bounded run (fuzz-viewer).

VIEWER_BIN    := $(BUILD)/bin/hakmem-trace
VIEWER_SRCS   := $(sort $(wildcard viewer/*.c))
VIEWER_OBJS   := $(patsubst viewer/%.c,$(BUILD)/obj/viewer/%.o,$(VIEWER_SRCS))
VIEWER_HDRS   := $(wildcard viewer/*.h) trace/event.h trace/events.def trace/htrace_format.h \
	trace/sites.def integrity/kinds.def
VIEWER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-D_GNU_SOURCE -I. $(EXTRA_CFLAGS)
VIEWER_LDLIBS := -lbabeltrace2

.PHONY: viewer fuzz-viewer
all: $(VIEWER_BIN)
viewer: $(VIEWER_BIN)

$(BUILD)/obj/viewer/%.o: viewer/%.c $(VIEWER_HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(VIEWER_CFLAGS) -c $< -o $@

$(VIEWER_BIN): $(VIEWER_OBJS)
	$(call msg,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -o $@ $^ $(VIEWER_LDLIBS)

# Test helpers: a shorter stem than the generic $(BUILD)/tests/% rule, so this one wins.
$(BUILD)/tests/viewer/%: tests/viewer/%.c $(VIEWER_HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -pthread -D_GNU_SOURCE -I. -Itests $< -o $@ -lm -ldl

# ---- fuzzing: libFuzzer with ASan and UBSan on the .htrace reader and the replay ----
FUZZ_SECONDS ?= 60
FUZZ_DIR  := $(BUILD)/fuzz
FUZZ_BIN  := $(FUZZ_DIR)/fuzz_htrace
FUZZ_SRCS := $(filter-out viewer/main.c viewer/cmd_%.c,$(VIEWER_SRCS)) viewer/fuzz/fuzz_htrace.c

$(FUZZ_BIN): $(FUZZ_SRCS) $(VIEWER_HDRS)
	$(call msg,FUZZ,$@)
	@mkdir -p $(dir $@)
	$(Q)clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-D_GNU_SOURCE -I. $(FUZZ_SRCS) -o $@ $(VIEWER_LDLIBS)

# Seeds: the corpus of bad files and a few small valid dumps of every scenario.
fuzz-viewer: $(FUZZ_BIN) $(BUILD)/tests/viewer/gen_trace
	@mkdir -p $(FUZZ_DIR)/seeds $(FUZZ_DIR)/corpus
	@for i in shifted double_free sentinel count uaf_write canary; do \
		$(BUILD)/tests/viewer/gen_trace -o $(FUZZ_DIR)/seeds/$$i.htrace --threads 2 --ops 300 --live 40 \
			--inject $$i --at 200 --after 50 --notice --ring 256 >/dev/null; done
	@$(BUILD)/tests/viewer/gen_trace -o $(FUZZ_DIR)/seeds/clean.htrace --threads 3 --ops 300 --live 40 --ring 128 --late 3 >/dev/null
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$(FUZZ_DIR)/ -print_final_stats=1 $(FUZZ_DIR)/corpus $(FUZZ_DIR)/seeds tests/viewer/corpus
