#!/usr/bin/env bash
# The replay against ground truth: clean simulated runs (many threads, cross-thread frees,
# wrapped rings, events written while the dump was taken, every level) must replay clean,
# and each injected corruption must be found with the exact culprit the generator reports.
. "$(dirname "$0")/lib.bash"

# ---- clean runs ----
for lv in 0 1 2 3 4; do
    for seed in 1 2; do
        f=$T/clean-$lv-$seed.htrace
        "$GEN" -o "$f" --level $lv --seed $seed --threads 5 --ops 30000 --live 300 >/dev/null
        "$VIEW" replay --json "$f" >"$T/out.json"; rc=$?
        if [ $rc -eq 0 ] && [ "$(jget "$T/out.json" 'd["status"]')" = clean ]; then ok "clean level $lv seed $seed"
        else bad "clean level $lv seed $seed: exit $rc"; head -c 2000 "$T/out.json"; fi
    done
done
# wrapped rings of different lengths, late (post-dump) events at the start of a ring
for seed in 3 4 5 6; do
    f=$T/wrap-$seed.htrace
    "$GEN" -o "$f" --seed $seed --threads 6 --ops 50000 --live 300 --ring $((1500 + seed * 900)) --late 7 >/dev/null
    "$VIEW" replay --json "$f" >"$T/out.json"; rc=$?
    cf=$(jget "$T/out.json" 'd["complete_from"]')
    if [ $rc -eq 0 ] && [ "$cf" -gt 0 ]; then ok "wrapped rings seed $seed (complete from $cf)"
    else bad "wrapped rings seed $seed: exit $rc"; head -c 2000 "$T/out.json"; fi
done

# remote frees whose push is recorded operations after their compare-and-swap (the owner
# collects, hands out and frees the block again in between)
for seed in 1 5 8; do
    f=$T/race-$seed.htrace
    "$GEN" -o "$f" --seed $seed --threads 4 --ops 40000 --live 300 --race 40 >/dev/null
    "$VIEW" replay --json "$f" >"$T/out.json"; rc=$?
    [ $rc -eq 0 ] && ok "late remote pushes seed $seed" || { bad "late remote pushes seed $seed: exit $rc"; head -c 1500 "$T/out.json"; }
done

# ---- injected corruption: kind, first bad event and culprit exactly ----
check() { # name level extra-gen-args...
    local name=$1 lv=$2; shift 2
    local f=$T/$name.htrace tr=$T/$name.truth
    "$GEN" -o "$f" --level "$lv" --threads 4 --ops 40000 --live 600 --inject "$name" --stacks "$@" >"$tr"
    if [ "$(truth "$tr" injected)" != "$name" ]; then bad "$name: the generator could not inject"; return; fi
    "$VIEW" replay --json "$f" >"$T/$name.json"; local rc=$?
    local j=$T/$name.json
    local want_kind want_culprit want_bad got_kind got_culprit got_bad
    want_kind=$(truth "$tr" kind); want_culprit=$(truth "$tr" culprit); want_bad=$(truth "$tr" first_bad)
    got_kind=$(jget "$j" 'd["finding"]["kind"]')
    got_culprit=$(jget "$j" 'd["finding"]["culprit"]["seq"]')
    got_bad=$(jget "$j" 'd["finding"]["first_bad"]["seq"]')
    if [ $rc -ne 3 ]; then bad "$name: exit $rc, expected 3"; return; fi
    [ "$got_kind" = "$want_kind" ] && ok "$name: kind $got_kind" || bad "$name: kind $got_kind, expected $want_kind"
    [ "$got_culprit" = "$want_culprit" ] && ok "$name: culprit seq $got_culprit" ||
        bad "$name: culprit seq $got_culprit, expected $want_culprit"
    [ "$got_bad" = "$want_bad" ] && ok "$name: first bad seq $got_bad" || bad "$name: first bad seq $got_bad, expected $want_bad"
}
check shifted 2 --notice
check moved_link 0 --notice
check double_free 0
check double_free 0 --race 40 --seed 3
check sentinel 3 --notice
check count 3
check stride 2
check user_base 2
check uaf_write 3
check overflow 3
check canary 4

# the off-by-16 push is named long before the allocator noticed it
n=$(jget "$T/shifted.json" 'd["finding"]["noticed"]["seq"]'); c=$(jget "$T/shifted.json" 'd["finding"]["culprit"]["seq"]')
[ -n "$n" ] && [ "$n" -gt "$c" ] && ok "shifted: noticed at $n, culprit $c before it" || bad "shifted: noticed '$n' culprit '$c'"
[ "$(jget "$T/shifted.json" 'd["finding"]["culprit"]["op"]')" = tls_push ] && ok "shifted: culprit is the push that wrote the link" ||
    bad "shifted: culprit op $(jget "$T/shifted.json" 'd["finding"]["culprit"]["op"]')"
# the count culprit comes before the drain that shows it
c=$(jget "$T/count.json" 'd["finding"]["culprit"]["op"]')
[ "$c" = refill ] && ok "count: culprit is the refill that did not count" || bad "count: culprit op $c"
# program writes: outside the trace, with the window
for name in uaf_write overflow canary; do
    j=$T/$name.json
    [ "$(jget "$j" 'd["finding"]["culprit"]["outside_trace"]')" = true ] && ok "$name: outside the trace" ||
        bad "$name: not reported outside the trace"
    w=$(jget "$j" 'd["finding"]["culprit"]["window"]["from"]'); want=$(truth "$T/$name.truth" window_from)
    [ "$w" = "$want" ] && ok "$name: window from seq $w" || bad "$name: window from $w, expected $want"
done
[ "$(jget "$T/overflow.json" 'd["finding"]["neighbour"]["state"]')" = allocated ] && ok "overflow: the block before is allocated" ||
    bad "overflow: neighbour $(jget "$T/overflow.json" 'd["finding"].get("neighbour")')"
[ "$(jget "$T/canary.json" 'd["finding"]["source"]')" = allocator ] && ok "canary: the allocator's finding" || bad "canary: source"
# stacks of the violation, symbolized from the dump's map and the generator's symbols
s=$(jget "$T/canary.json" 'd["finding"]["stacks"]["alloc"][0]["function"]')
[ "$s" = do_malloc ] && ok "canary: allocation stack symbolized ($s)" || bad "canary: allocation stack frame 0 is '$s'"
s=$(jget "$T/canary.json" 'd["finding"]["stacks"]["free"][1]["function"]')
[ "$s" = drain ] && ok "canary: free stack symbolized ($s)" || bad "canary: free stack frame 1 is '$s'"
"$VIEW" replay "$T/canary.htrace" >"$T/canary.txt"
grep -q "do_free+0x4 (gen_trace)" "$T/canary.txt" && ok "canary: text report shows function+offset (module)" ||
    bad "canary: text stacks"; 

# the finding is the same at every history length and without symbols
"$VIEW" replay --json --history 0 --no-symbols "$T/sentinel.htrace" >"$T/s0.json"
[ "$(jget "$T/s0.json" 'd["finding"]["culprit"]["seq"]')" = "$(truth "$T/sentinel.truth" culprit)" ] &&
    ok "sentinel: same culprit with --history 0 --no-symbols" || bad "sentinel: --history 0"
# dumps of version 1 (tls_* with ptr = base, each after a next_* event of its own) replay
# as they did: clean, and the same corruptions found at the same culprits
for lv in 0 3; do
    f=$T/v1-clean-$lv.htrace
    "$GEN" -o "$f" --format 1 --level $lv --seed 2 --threads 5 --ops 30000 --live 300 >/dev/null
    "$VIEW" replay --json "$f" >"$T/out.json"; rc=$?
    if [ $rc -eq 0 ] && [ "$(jget "$T/out.json" 'd["status"]')" = clean ]; then ok "version 1, clean level $lv"
    else bad "version 1, clean level $lv: exit $rc"; head -c 2000 "$T/out.json"; fi
done
check shifted 2 --notice --format 1
[ "$(jget "$T/shifted.json" 'd["finding"]["culprit"]["op"]')" = next_write ] && ok "version 1 shifted: culprit is the push's next_write" ||
    bad "version 1 shifted: culprit op $(jget "$T/shifted.json" 'd["finding"]["culprit"]["op"]')"
check moved_link 0 --notice --format 1
check uaf_write 3 --format 1
finish
