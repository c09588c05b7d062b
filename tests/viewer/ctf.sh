#!/usr/bin/env bash
# The CTF reader (libbabeltrace2): the same simulated run written as a .htrace dump and
# as a CTF trace in per-CPU streams whose timestamps interleave the threads out of seq
# order, as LTTng's do. Both must give the same counts and the same finding.
. "$(dirname "$0")/lib.bash"

same() { # name gen-args...
    local name=$1; shift
    "$GEN" -o "$T/$name.htrace" --ctf "$T/$name.ctf" --cpus 4 "$@" >"$T/$name.truth"
    "$VIEW" replay --json "$T/$name.htrace" >"$T/$name.h.json"; local rh=$?
    "$VIEW" replay --json "$T/$name.ctf" >"$T/$name.c.json"; local rc=$?
    [ $rh -eq $rc ] && ok "$name: same exit ($rc) from the dump and the CTF trace" || bad "$name: exit $rh (dump) vs $rc (CTF)"
    local e1 e2
    e1=$(jget "$T/$name.h.json" 'd["events"]'); e2=$(jget "$T/$name.c.json" 'd["events"]')
    [ "$e1" = "$e2" ] && ok "$name: $e2 events in both" || bad "$name: $e1 events (dump) vs $e2 (CTF)"
    local o
    o=$(jget "$T/$name.c.json" 'd["out_of_order"]')
    [ "$o" = 0 ] && ok "$name: CTF events back in seq order" || bad "$name: $o CTF events out of seq order"
    if [ $rc -eq 3 ]; then
        local k1 k2 c1 c2
        k1=$(jget "$T/$name.h.json" 'd["finding"]["kind"]'); k2=$(jget "$T/$name.c.json" 'd["finding"]["kind"]')
        c1=$(jget "$T/$name.h.json" 'd["finding"]["culprit"]["seq"]'); c2=$(jget "$T/$name.c.json" 'd["finding"]["culprit"]["seq"]')
        [ "$k1/$c1" = "$k2/$c2" ] && [ "$c2" = "$(truth "$T/$name.truth" culprit)" ] &&
            ok "$name: CTF finding $k2, culprit seq $c2" || bad "$name: CTF $k2/$c2 vs dump $k1/$c1"
    fi
}
same clean --threads 6 --ops 30000 --live 400 --seed 4
same tiny --threads 2 --ops 40 --live 10 --seed 4
same shifted --threads 4 --ops 30000 --inject shifted --level 2
same sentinel --threads 4 --ops 30000 --inject sentinel --level 3
same uaf_write --threads 4 --ops 30000 --inject uaf_write --level 3
# another provider's events between hakmem's, of more event classes than the reader keeps
# at hand (its cache of 64): nothing of theirs is taken for hakmem's, nothing of hakmem's lost
same foreign --threads 4 --ops 30000 --inject shifted --level 2 --foreign 70

# babeltrace2 itself reads the same directory
if command -v babeltrace2 >/dev/null; then
    n=$(babeltrace2 "$T/clean.ctf" | grep -c 'hakmem:[a-z_]*: ' )
    want=$(( $(jget "$T/clean.c.json" 'd["events"]') + 13 ))   # + geometry + 12 layout events
    [ "$n" = "$want" ] && ok "babeltrace2 sees the same $n events" || bad "babeltrace2 sees $n events, expected $want"
fi
"$VIEW" summary "$T/clean.ctf" | grep -q "CTF trace" && ok "summary of a CTF trace" || bad "summary of CTF"
"$VIEW" history --json 0x7f3000010000 "$T/clean.ctf" >"$T/h.json" && ok "history of a CTF trace" || bad "history of CTF"
finish
