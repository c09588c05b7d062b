#!/usr/bin/env bash
# git on a generated repository (a few hundred files across directories): init, add,
# several commits with edits/additions/deletions/renames, a branch and a merge, a
# cherry-pick, a tag, log -p --stat, blame, grep, archive, gc, repack, fsck. Identity,
# dates and configuration are pinned, so commit hashes and every listing must be the
# same with and without the library preloaded.
. "$(dirname "$0")/lib/common.bash"
rp_require git awk
rp_check_dynamic git

# Nothing from the caller's git environment or configuration may leak in.
for v in $(compgen -e); do
    case $v in GIT_*) unset "$v" ;; esac
done
export GIT_CONFIG_NOSYSTEM=1 GIT_PAGER=cat PAGER=cat GIT_TERMINAL_PROMPT=0 EDITOR=true
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL=author@example.com
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL=committer@example.com

# gen DIR FIRST LAST SEED: write files DIR/fNNN.c for NNN in FIRST..LAST, contents
# depending only on the file number and SEED.
gen() {
    awk -v dir="$1" -v first="$2" -v last="$3" -v seed="$4" 'BEGIN {
        for (f = first; f <= last; f++) {
            srand(seed * 100003 + f)
            path = sprintf("%s/f%03d.c", dir, f)
            n = 20 + int(rand() * 180)
            printf "/* %s, generation %d */\n#include <stdio.h>\n", path, seed > path
            for (i = 0; i < n; i++) {
                if (rand() < 0.15)
                    printf "\nint fn_%d_%d(int x)\n{\n", f, i > path
                printf "    x = x * %d + %d; /* %s */\n", int(rand() * 1000), i,
                       substr("the quick brown fox jumps over the lazy dog", 1 + int(rand() * 30), 12) > path
                if (rand() < 0.15)
                    printf "    return x;\n}\n" > path
            }
            close(path)
        }
    }'
}

# commit N MESSAGE: commit everything staged at a date fixed by N.
commit() {
    local d="@$((1700000000 + $1 * 3600)) +0000"
    GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git commit -q -m "$2" -m "Commit number $1."
    echo "commit $1: $(git rev-parse HEAD)"
}

workload() {
    export HOME=$PWD/home GIT_CONFIG_GLOBAL=$PWD/home/.gitconfig
    mkdir -p "$HOME"; : >"$GIT_CONFIG_GLOBAL"
    git --version
    git init -q --template= -b main repo   # empty template: no hooks, no sample files
    cd repo || return
    git config core.autocrlf false
    git config core.fileMode true
    git config core.fsmonitor false
    git config core.untrackedCache false
    git config core.preloadIndex true
    git config index.threads 2
    git config checkout.workers 2
    git config pack.threads 2
    git config gc.auto 0
    git config commit.gpgSign false
    git config tag.gpgSign false
    git config color.ui never
    git config advice.detachedHead false

    local d
    for d in 0 1 2 3 4 5 6 7 8 9 10 11; do
        mkdir -p "src/d$d"; gen "src/d$d" $((d * 30)) $((d * 30 + 29)) 1
    done
    printf 'README\n' >README
    git add -A; commit 1 "initial import"

    local c
    for c in 2 3 4 5 6; do          # edit a different slice of files each time
        for d in $((c % 12)) $(((c * 5) % 12)); do
            gen "src/d$d" $((d * 30 + c)) $((d * 30 + c + 12)) "$c"
        done
        sed -i "s/quick/quick$c/" src/d$((c + 1))/*.c
        git add -A; commit "$c" "edit round $c"
    done

    git rm -q -r src/d11; git mv src/d10 src/moved
    mkdir -p src/new; gen src/new 500 560 7
    git add -A; commit 7 "remove, rename, add"

    git checkout -q -b topic HEAD~3
    gen src/d3 90 119 8; git add -A; commit 8 "topic work"
    gen src/d4 120 125 9; git add -A; commit 9 "more topic work"
    git checkout -q main
    local m="@$((1700000000 + 10 * 3600)) +0000"
    GIT_AUTHOR_DATE=$m GIT_COMMITTER_DATE=$m git merge -q --no-ff -X theirs -m "merge topic" topic
    echo "merge: $(git rev-parse HEAD)"
    git checkout -q -b pick HEAD~5
    GIT_COMMITTER_DATE="@$((1700000000 + 11 * 3600)) +0000" git cherry-pick -X theirs topic >/dev/null
    echo "cherry-pick: $(git rev-parse HEAD)"
    git checkout -q main
    GIT_COMMITTER_DATE=$m git tag -a -m "release one" v1.0
    git tag light HEAD~2

    echo "== log"; git log --all --graph --format='%H %P %an %ad %s' --date=iso-strict
    echo "== log -p --stat"; git log -p --stat --format=fuller main
    echo "== diff"; git diff --stat --summary -M HEAD~6 HEAD
    echo "== blame"; git blame -w -M -C src/d3/f100.c
    echo "== grep"; git grep -n -c quick4 HEAD -- src
    echo "== ls-tree"; git ls-tree -r -l HEAD
    echo "== describe: $(git describe --tags HEAD~1)"
    echo "== shortlog"; git shortlog -sne --all
    echo "== archive: $(git archive --format=tar --prefix=p/ v1.0 | sha256sum)"
    git gc -q --prune=now
    git repack -q -a -d -f --depth=20 --window=20
    echo "== objects"; git cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype) %(objectsize)'
    echo "== fsck"; git fsck --full --strict --no-progress --no-dangling
    echo "== checkouts"
    for c in v1.0~4 topic pick main; do
        git checkout -q "$c"; git status --porcelain=v2 --branch | head -n 3
        echo "$c tree: $(git rev-parse "HEAD^{tree}"), files $(git ls-files | wc -l)"
    done
    git count-objects -v | grep -E '^(count|in-pack|packs|garbage):'
}

same_output git -- workload
rp_done
