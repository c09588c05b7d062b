#!/usr/bin/env bash
# Checks above a fixed build's level are absent from its binary, shown with nm and objdump:
#  - libhakmem-l0.so defines none of the integrity and trace-ring code: neither in its
#    dynamic symbols (nm -D --defined-only) nor among all its symbols, static ones
#    included (nm of the unstripped library), and no instruction calls or jumps to
#    hak_violation_block (objdump -d), while libhakmem-l1.so has such calls;
#  - the forbidden names are the ones below, and every function and variable that the
#    run-time build's integrity/, trace/ring and trace/dump objects and the quarantine
#    define (the LTTng loader of trace/ is part of every level, and the public API, e.g.
#    hak_trace_dump, exists in every build);
#  - libhakmem-l1.so has hak_violation_block but no quarantine (hak_quarantine_put) and no
#    guarded allocations; l3 has the rings (hak_ring_setup); l4 the quarantine.
set -u
b=${HAKMEM_BUILD:?}
command -v nm >/dev/null && command -v objdump >/dev/null || { echo "skipped: binutils (nm, objdump) missing"; exit 77; }
for l in 0 1 2 3 4; do [ -e "$b/lib/libhakmem-l$l.so" ] || { echo "missing $b/lib/libhakmem-l$l.so"; exit 1; }; done
[ -e "$b/lib/libhakmem.so" ] || { echo "missing $b/lib/libhakmem.so"; exit 1; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }
lib() { echo "$b/lib/libhakmem-l$1.so"; }
defined() { nm --defined-only "$1" | awk 'NF == 3 { print $3 }' | sort -u; } # every symbol, static too
has() { nm --defined-only "$(lib "$1")" | awk 'NF == 3 { print $3 }' | grep -qx "$2"; }
calls() { objdump -d --no-show-raw-insn "$1" | grep -cE "\s(call|jmp)[a-z]*\s+[0-9a-f]+ <$2(\.[a-z]+\.?[0-9]*)?>"; }

# the library is not stripped: nm sees its static functions
[ "$(defined "$(lib 0)" | wc -l)" -gt "$(nm -D --defined-only "$(lib 0)" | wc -l)" ] ||
    bad "$(lib 0) looks stripped: nm lists no more than its dynamic symbols"

named="hak_report hak_report_describe hak_report_json hak_report_bad_pointer hak_violation_block
hak_violation_pointer hak_kind_name hak_site_name hak_stack_capture hak_stack_print hak_note_stack
hak_first_bad_byte hak_poison_block hak_signal_install hak_symbolize_self hak_ev_record hak_ring_setup
hak_trace_dump_write hak_quarantine_put hak_quarantine_flush hak_guard_alloc hak_guard_free hak_guard_classify"
forbidden=$(printf '%s\n' $named)
objs=$(ls "$b"/obj/rt/integrity/*.o "$b"/obj/rt/trace/ring.o "$b"/obj/rt/trace/dump.o \
    "$b"/obj/rt/src/front/quarantine.o 2>/dev/null)
if [ -n "$objs" ]; then
    derived=$(for o in $objs; do defined "$o"; done | sort -u)
    forbidden=$(printf '%s\n%s\n' "$forbidden" "$derived" | sort -u)
    echo "forbidden in l0: $(echo "$derived" | wc -l) symbols of $(echo "$objs" | wc -w) objects, and $(echo $named | wc -w) named"
else
    echo "note: no run-time objects under $b/obj/rt: checking the $(echo $named | wc -w) named symbols only"
fi
api=$(nm -D --defined-only "$b/lib/libhakmem.so" | awk 'NF == 3 { print $3 }' | sort -u)
forbidden=$(comm -23 <(echo "$forbidden" | sort -u) <(echo "$api"))

# ---- level 0 ----
l0=$(lib 0)
dyn_hits=$(comm -12 <(nm -D --defined-only "$l0" | awk 'NF == 3 { print $3 }' | sort -u) <(echo "$forbidden"))
[ -z "$dyn_hits" ] && echo "ok: nm -D --defined-only $(basename "$l0"): no integrity or ring symbol" ||
    bad "nm -D --defined-only $l0 lists: $(echo $dyn_hits)"
all_hits=$(comm -12 <(defined "$l0") <(echo "$forbidden"))
[ -z "$all_hits" ] && echo "ok: nm $(basename "$l0"): none of $(echo "$forbidden" | wc -l) integrity or ring symbols, static ones included" ||
    bad "nm $l0 lists: $(echo $all_hits)"
n=$(calls "$l0" hak_violation_block)
[ "$n" = 0 ] && echo "ok: objdump -d $(basename "$l0"): 0 calls to hak_violation_block" ||
    bad "objdump -d $l0: $n calls or jumps to hak_violation_block"
n=$(calls "$(lib 1)" hak_violation_block)
[ "$n" -gt 0 ] && echo "ok: objdump -d libhakmem-l1.so: $n calls to hak_violation_block (the count can be nonzero)" ||
    bad "objdump -d $(lib 1): no call to hak_violation_block found: the check cannot see calls"

# ---- levels 1 to 4 ----
want() { # LEVEL SYMBOL yes|no
    if has "$1" "$2"; then
        [ "$3" = yes ] && echo "ok: l$1 defines $2" || bad "libhakmem-l$1.so defines $2"
    else
        [ "$3" = no ] && echo "ok: l$1 lacks $2" || bad "libhakmem-l$1.so lacks $2"
    fi
}
for l in 1 2 3 4; do
    want $l hak_violation_block yes
    want $l hak_report yes
    want $l hak_quarantine_put $([ $l = 4 ] && echo yes || echo no)
    want $l hak_guard_alloc $([ $l = 4 ] && echo yes || echo no)
done
want 3 hak_ring_setup yes
want 4 hak_ring_setup yes
for l in 1 2 3; do
    n=$(calls "$(lib $l)" hak_quarantine_put)
    [ "$n" = 0 ] && echo "ok: objdump -d libhakmem-l$l.so: 0 calls to hak_quarantine_put" ||
        bad "objdump -d libhakmem-l$l.so: $n calls to hak_quarantine_put"
done
n=$(calls "$(lib 4)" hak_quarantine_put)
[ "$n" -gt 0 ] && echo "ok: objdump -d libhakmem-l4.so: $n calls to hak_quarantine_put" ||
    bad "objdump -d libhakmem-l4.so: no call to hak_quarantine_put"

[ $fail = 0 ] && echo "symbols: ok"
exit $fail
