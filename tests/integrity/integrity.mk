# Box I tests (tests/integrity/). Included by the Makefile.
#
# White-box programs link libhakmem.a like tests/unit/ (they call hak_report, the stack
# depot, hak_env_read ... directly); the others are plain programs that the scripts run
# under LD_PRELOAD (built by the Makefile's generic rule). tests/run.sh runs only the
# scripts, tests/integrity/NAME.sh, which drive the programs.
INTEGRITY_WHITEBOX := env_parse file_create depot_dedup depot_symbolize depot_no_malloc depot_bench report_format \
	report_threads signal_chain
INTEGRITY_WHITEBOX_BINS := $(patsubst %,$(BUILD)/tests/integrity/%,$(INTEGRITY_WHITEBOX))

$(INTEGRITY_WHITEBOX_BINS): $(BUILD)/tests/integrity/%: tests/integrity/%.c tests/harness.h $(BUILD)/lib/libhakmem.a $(HDRS)
	$(call msg,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TEST_CFLAGS) -Isrc -I. -DHAKMEM_RUNTIME_LEVEL $< -o $@ $(BUILD)/lib/libhakmem.a -ldl -lunwind
