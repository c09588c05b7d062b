#!/usr/bin/env bash
# perl running data/hash_heavy.pl (large hashes built and deleted in random order,
# string appends/substitutions/split/join, array push/shift/splice/sort, short-lived
# nested structures, pack/unpack) without and with the library preloaded; the printed
# results must be identical.
. "$(dirname "$0")/lib/common.bash"
rp_require perl
rp_check_dynamic perl
export SCRIPT=$RP_DATA/hash_heavy.pl
# Fixed hash seed and no key-order perturbation (the script sorts keys anyway).
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0
unset PERL5LIB PERLLIB PERL5OPT PERL_UNICODE

workload() {
    perl -e 'printf "perl %vd\n", $^V'
    perl "$SCRIPT"
}

same_output perl -- workload
rp_done
